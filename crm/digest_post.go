package crm

import (
	"context"
	"fmt"
	"time"
)

// DigestRenderer turns digests and feedback roll-ups into cards. cards.Renderer implements it; it is a
// separate interface so that a Renderer without digests still satisfies the lead-card port.
type DigestRenderer interface {
	DigestCard(d *Digest) []byte
	FeedbackCard(f *FeedbackSummary) []byte
}

// Digest is everything the digest card shows: the figures of one week for some pools, the week before
// for comparison, and the pools it covers.
type Digest struct {
	Pools    []*Pool // the pools covered
	AllPools bool    // the summary over every pool
	Week     Week
	Now      time.Time // when it was computed; a week still running is shown as "so far"
	Figures  *DigestFigures
	Prev     *DigestFigures // the week before
}

// Partial reports whether the week was still running when the digest was computed.
func (d *Digest) Partial() bool { return d.Now.Before(d.Week.End) }

// Deltas compares the week with the one before.
func (d *Digest) Deltas() []Delta { return Deltas(d.Figures, d.Prev) }

// Report kinds recorded through DigestStore.MarkPosted.
const (
	ReportDigest   = "digest"
	ReportFeedback = "feedback"
)

// PostDigests posts the digest of the last complete week (in the configured time zone) before now: each
// pool's to its managers and, with several pools, the all-pools summary to every manager; the summary also
// goes to the ops channels and chats listed in digest.to. A digest already recorded as posted is skipped,
// so a retried or duplicated tick posts nothing twice.
func (s *Service) PostDigests(ctx context.Context, now time.Time) error {
	if s.Digests == nil {
		return nil
	}
	week := WeekOf(now, s.location()).Prev()
	to := s.Settings.Digest.To
	if len(to) == 0 {
		to = []string{"managers"}
	}
	var summaryTo []Recipient
	for _, t := range to {
		switch t {
		case "managers":
			for i := range s.Settings.Pools {
				p := &s.Settings.Pools[i]
				if err := s.postDigest(ctx, []*Pool{p}, week, now, p.Key, managerRecipients(p)); err != nil {
					return err
				}
			}
			if len(s.Settings.Pools) > 1 {
				summaryTo = append(summaryTo, s.allManagers()...)
			}
		case "ops_channels":
			for _, c := range s.Settings.OpsChannels {
				summaryTo = append(summaryTo, Recipient{ChatID: c})
			}
		default:
			summaryTo = append(summaryTo, Recipient{ChatID: t})
		}
	}
	if len(summaryTo) == 0 {
		return nil
	}
	return s.postDigest(ctx, s.allPools(), week, now, "all", summaryTo)
}

// postDigest computes and sends one digest unless it was posted before.
func (s *Service) postDigest(ctx context.Context, pools []*Pool, week Week, now time.Time, scope string, to []Recipient) error {
	if len(to) == 0 {
		return nil
	}
	key := scope + "-" + week.String()
	if fp, err := s.Digests.LastPosted(ctx, ReportDigest, key); err != nil {
		return fmt.Errorf("check digest %s: %w", key, err)
	} else if fp != "" {
		return nil
	}
	d, err := s.digest(ctx, pools, scope == "all", week, now)
	if err != nil {
		return err
	}
	card := s.Renderer.DigestCard(d)
	for _, rc := range uniqueRecipients(to) {
		if _, err := s.Messenger.Send(ctx, rc, Outgoing{Card: card}, "digest-"+scope+"-"+week.String()+"-"+rc.ChatID+rc.OpenID); err != nil {
			return fmt.Errorf("send digest %s: %w", key, err)
		}
	}
	if _, err := s.Digests.MarkPosted(ctx, ReportDigest, key, "sent", now); err != nil {
		return fmt.Errorf("record digest %s: %w", key, err)
	}
	s.logger().InfoContext(ctx, "posted digest", "scope", scope, "week", week.String(), "recipients", len(to))
	return nil
}

// Digest answers /digest: the digest of pool (or, with pool empty, of every pool actor manages) for the
// week weekArg names (see ParseWeek). Only pool managers may read digests.
func (s *Service) Digest(ctx context.Context, actor, pool, weekArg string) (*Digest, error) {
	if s.Digests == nil {
		return nil, Bilingual(EUNAVAILABLE, "周报功能未启用", "Digests are not enabled")
	}
	now := s.now()
	week, err := ParseWeek(weekArg, now, s.location())
	if err != nil {
		return nil, err
	}
	var pools []*Pool
	if pool != "" {
		p, ok := s.Settings.Pool(pool)
		if !ok {
			return nil, &Error{Code: EINVALID, Field: "pool", ZH: "没有名为 " + pool + " 的线索池", Message: "There is no pool " + pool}
		}
		if err := canManage(p, actor); err != nil {
			return nil, Bilingual(EFORBIDDEN, "只有该线索池的主管可以查看周报", "Only a manager of this pool can read its digest")
		}
		pools = []*Pool{p}
	} else {
		for i := range s.Settings.Pools {
			if s.Settings.Pools[i].IsManager(actor) {
				pools = append(pools, &s.Settings.Pools[i])
			}
		}
		if len(pools) == 0 {
			return nil, Bilingual(EFORBIDDEN, "只有线索池主管可以查看周报", "Only pool managers can read digests")
		}
	}
	return s.digest(ctx, pools, len(pools) == len(s.Settings.Pools) && len(pools) > 1, week, now)
}

// digest computes the figures of week and of the week before for pools.
func (s *Service) digest(ctx context.Context, pools []*Pool, all bool, week Week, now time.Time) (*Digest, error) {
	var keys []string // nil: every pool, including ones since removed from the configuration
	if !all {
		keys = make([]string, len(pools))
		for i, p := range pools {
			keys[i] = p.Key
		}
	}
	cur, err := s.Digests.DigestFigures(ctx, DigestQuery{Pools: keys, Start: week.Start, End: minTime(week.End, maxTime(now, week.Start))})
	if err != nil {
		return nil, fmt.Errorf("digest figures %s: %w", week, err)
	}
	prevWeek := week.Prev()
	prev, err := s.Digests.DigestFigures(ctx, DigestQuery{Pools: keys, Start: prevWeek.Start, End: prevWeek.End})
	if err != nil {
		return nil, fmt.Errorf("digest figures %s: %w", prevWeek, err)
	}
	return &Digest{Pools: pools, AllPools: all, Week: week, Now: now, Figures: cur, Prev: prev}, nil
}

func (s *Service) allPools() []*Pool {
	out := make([]*Pool, len(s.Settings.Pools))
	for i := range s.Settings.Pools {
		out[i] = &s.Settings.Pools[i]
	}
	return out
}

func (s *Service) allManagers() []Recipient {
	var out []Recipient
	for i := range s.Settings.Pools {
		out = append(out, managerRecipients(&s.Settings.Pools[i])...)
	}
	return out
}

func managerRecipients(p *Pool) []Recipient {
	out := make([]Recipient, len(p.Managers))
	for i, m := range p.Managers {
		out[i] = Recipient{OpenID: m}
	}
	return out
}

func uniqueRecipients(rs []Recipient) []Recipient {
	seen := make(map[Recipient]bool, len(rs))
	out := rs[:0:0]
	for _, r := range rs {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}
