package crm

import (
	"fmt"
	"sort"
	"time"
)

// CheckClaim applies the claim-pool rules to a claim by actor at now. isMember says whether actor may take
// leads from the pool. The error says why a claim is refused, in words fit for a toast.
func CheckClaim(p *Pool, l *Lead, actor string, isMember bool, st MemberStats, now time.Time) error {
	if err := claimTaken(l, actor); err != nil {
		return err
	}
	if !isMember {
		return Bilingual(EFORBIDDEN, "你不是「"+p.Name+"」的成员，不能认领", "You are not a member of pool "+p.Name)
	}
	if p.Limits.Open > 0 && st.OpenLeads >= p.Limits.Open {
		return Bilingual(ELIMIT,
			fmt.Sprintf("已持有 %d/%d 条线索，请先跟进或释放", st.OpenLeads, p.Limits.Open),
			fmt.Sprintf("You are holding %d of %d leads; work or release some first", st.OpenLeads, p.Limits.Open))
	}
	if p.Limits.DailyClaims > 0 && st.ClaimsToday >= p.Limits.DailyClaims {
		return Bilingual(ELIMIT,
			fmt.Sprintf("今日已认领 %d/%d 条，明天再来", st.ClaimsToday, p.Limits.DailyClaims),
			fmt.Sprintf("You have claimed %d of %d leads today", st.ClaimsToday, p.Limits.DailyClaims))
	}
	if p.Cooldown > 0 && !st.LastRelease.IsZero() {
		if left := st.LastRelease.Add(p.Cooldown).Sub(now); left > 0 {
			zh, en := HumanDuration(roundUp(left))
			return Bilingual(ELIMIT, "冷却中，还需 "+zh, "Cooldown: "+en+" left")
		}
	}
	return nil
}

// claimTaken refuses a claim of a lead that is closed or already has an owner.
func claimTaken(l *Lead, actor string) error {
	if !l.Open() {
		return Bilingual(ECONFLICT, "该线索已关闭", "This lead is closed")
	}
	if l.Owned() {
		if l.OwnerID == actor {
			return Bilingual(ECONFLICT, "你已认领该线索", "You already own this lead")
		}
		return Bilingual(ECONFLICT, "该线索已被他人认领", "Someone else claimed this lead first")
	}
	return nil
}

// roundUp rounds a positive wait up to the next whole hour when over an hour, else to the next minute,
// so "11 h left" never understates the wait.
func roundUp(d time.Duration) time.Duration {
	unit := time.Minute
	if d > time.Hour {
		unit = time.Hour
	}
	return (d + unit - 1).Truncate(unit)
}

// Candidate is a member an assign-mode pool could give a lead to.
type Candidate struct {
	OpenID   string
	Weight   int // relative share; < 1 counts as 1
	Away     bool
	Stats    MemberStats
	Assigned int // leads given to this member in the pool in the current period
}

// Skip records why a candidate was passed over.
type Skip struct {
	OpenID string
	Reason string
}

// PickAssignee chooses who gets the next lead in an assign-mode pool: among members who are not away and
// under their caps, the one furthest behind their weighted share (Assigned/Weight), ties in list order.
// A member back from being away is furthest behind, so they catch up before the rotation resumes.
func PickAssignee(p *Pool, cands []Candidate) (string, []Skip) {
	var skips []Skip
	type ranked struct {
		id    string
		share float64
		order int
	}
	var ok []ranked
	for i, c := range cands {
		switch {
		case c.Away:
			skips = append(skips, Skip{c.OpenID, "away"})
		case p.Limits.Open > 0 && c.Stats.OpenLeads >= p.Limits.Open:
			skips = append(skips, Skip{c.OpenID, fmt.Sprintf("holding %d of %d leads", c.Stats.OpenLeads, p.Limits.Open)})
		case p.Limits.DailyClaims > 0 && c.Stats.ClaimsToday >= p.Limits.DailyClaims:
			skips = append(skips, Skip{c.OpenID, fmt.Sprintf("%d of %d leads today", c.Stats.ClaimsToday, p.Limits.DailyClaims)})
		default:
			w := c.Weight
			if w < 1 {
				w = 1
			}
			ok = append(ok, ranked{c.OpenID, float64(c.Assigned) / float64(w), i})
		}
	}
	if len(ok) == 0 {
		return "", skips
	}
	sort.SliceStable(ok, func(i, j int) bool {
		if ok[i].share != ok[j].share {
			return ok[i].share < ok[j].share
		}
		return ok[i].order < ok[j].order
	})
	return ok[0].id, skips
}
