package storage_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

// claimAs is a claim rule like the domain's: refuse an owned lead, enforce the open-lead cap, take the lead.
func claimAs(member string, at time.Time, openCap int) func(*crm.Lead, crm.MemberStats) ([]crm.LeadEvent, error) {
	return func(l *crm.Lead, s crm.MemberStats) ([]crm.LeadEvent, error) {
		if l.Owned() {
			return nil, crm.Errorf(crm.ECONFLICT, "already claimed")
		}
		if openCap > 0 && s.OpenLeads >= openCap {
			return nil, crm.Errorf(crm.ELIMIT, "open lead cap reached")
		}
		l.OwnerID, l.ClaimedAt, l.NextDueAt = member, at, time.Time{}
		return []crm.LeadEvent{crm.NewEvent(crm.EventClaimed, member, at)}, nil
	}
}

// race runs n claims of one lead at once, member i claiming with fn(i), and returns the winners and the
// error codes of the others.
func race(t testing.TB, db *storage.DB, leadID, rev int64, n int, fn func(i int) func(*crm.Lead, crm.MemberStats) ([]crm.LeadEvent, error)) (winners []string, codes map[string]int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	codes = map[string]int{}
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			member := fmt.Sprintf("ou_rep%02d", i)
			<-start
			l, err := db.ClaimLead(context.Background(), leadID, rev, member, t0, fn(i))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				codes[crm.ErrorCode(err)]++
				return
			}
			if l.OwnerID != member {
				t.Errorf("winner %s got a lead owned by %s", member, l.OwnerID)
			}
			winners = append(winners, member)
		}()
	}
	close(start)
	wg.Wait()
	return winners, codes
}

func TestClaimRaceHasOneWinner(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		const n = 50
		l := mustIntake(t, db, newLead("race", "+8613812345678", "")).Lead
		winners, codes := race(t, db, l.ID, l.Rev, n, func(i int) func(*crm.Lead, crm.MemberStats) ([]crm.LeadEvent, error) {
			return claimAs(fmt.Sprintf("ou_rep%02d", i), t0.Add(time.Minute), 0)
		})
		if len(winners) != 1 || codes[crm.ECONFLICT] != n-1 {
			t.Fatalf("winners %v, error codes %v; want exactly 1 winner and %d ECONFLICT", winners, codes, n-1)
		}
		got, err := db.Lead(context.Background(), l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.OwnerID != winners[0] || got.Rev != 2 || !got.ClaimedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("stored lead owner %s rev %d claimed %v", got.OwnerID, got.Rev, got.ClaimedAt)
		}
		assertLead(t, db, l.ID, 2, 0, 2) // one claimed event
	})
}

// With rev 0 and a rule that does not look at the owner, only the conditional write stands between the
// claimants: it must still let exactly one through.
func TestClaimRaceConditionalWrite(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		const n = 20
		l := mustIntake(t, db, newLead("race0", "+8613812345678", "")).Lead
		winners, codes := race(t, db, l.ID, 0, n, func(i int) func(*crm.Lead, crm.MemberStats) ([]crm.LeadEvent, error) {
			member := fmt.Sprintf("ou_rep%02d", i)
			return func(l *crm.Lead, _ crm.MemberStats) ([]crm.LeadEvent, error) {
				l.OwnerID = member
				return nil, nil
			}
		})
		if len(winners) != 1 || codes[crm.ECONFLICT] != n-1 {
			t.Fatalf("winners %v, error codes %v; want exactly 1 winner and %d ECONFLICT", winners, codes, n-1)
		}
		// The losers' owner changes were written with their failed update and must have gone with it.
		if got := count(t, db, "lead_owners"); got != 1 {
			t.Errorf("lead_owners = %d, want only the winner's", got)
		}
	})
}

func TestClaimStatsAndCaps(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		a := mustIntake(t, db, newLead("cap-a", "+8613800000001", "")).Lead
		b := mustIntake(t, db, newLead("cap-b", "+8613800000002", "")).Lead
		var seen []crm.MemberStats
		spy := func(inner func(*crm.Lead, crm.MemberStats) ([]crm.LeadEvent, error)) func(*crm.Lead, crm.MemberStats) ([]crm.LeadEvent, error) {
			return func(l *crm.Lead, s crm.MemberStats) ([]crm.LeadEvent, error) {
				seen = append(seen, s)
				return inner(l, s)
			}
		}
		claimedAt := t0.Add(time.Hour)
		if _, err := db.ClaimLead(ctx, a.ID, a.Rev, "ou_amy", t0, spy(claimAs("ou_amy", claimedAt, 1))); err != nil {
			t.Fatal(err)
		}
		_, err := db.ClaimLead(ctx, b.ID, b.Rev, "ou_amy", t0, spy(claimAs("ou_amy", claimedAt, 1)))
		if crm.ErrorCode(err) != crm.ELIMIT {
			t.Fatalf("second claim over the cap: err = %v, want ELIMIT", err)
		}
		if len(seen) != 2 || seen[0] != (crm.MemberStats{}) || seen[1].OpenLeads != 1 || seen[1].ClaimsToday != 1 {
			t.Errorf("stats seen by fn = %+v, want zero then 1 open / 1 today", seen)
		}
		assertLead(t, db, b.ID, 1, 0, 1)

		// Release a: the owner's cooldown clock for a starts at the release, and only for a and only for amy.
		releasedAt := t0.Add(2 * time.Hour)
		if _, err := db.MutateLead(ctx, a.ID, 0, func(l *crm.Lead) ([]crm.LeadEvent, error) {
			l.PrevOwnerID, l.OwnerID, l.ReleasedAt, l.PooledAt = l.OwnerID, "", releasedAt, releasedAt
			return []crm.LeadEvent{crm.NewEvent(crm.EventReleased, "ou_amy", releasedAt)}, nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			member   string
			lead     int64
			dayStart time.Time
			want     crm.MemberStats
		}{
			{"ou_amy", a.ID, t0, crm.MemberStats{OpenLeads: 0, ClaimsToday: 1, LastRelease: releasedAt}},
			{"ou_amy", b.ID, t0, crm.MemberStats{OpenLeads: 0, ClaimsToday: 1}},
			{"ou_amy", a.ID, claimedAt.Add(time.Second), crm.MemberStats{LastRelease: releasedAt}},
			{"ou_bob", a.ID, t0, crm.MemberStats{}},
		} {
			got, err := db.MemberStats(ctx, c.member, c.lead, c.dayStart)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("MemberStats(%s, lead %d, %v) = %+v, want %+v", c.member, c.lead, c.dayStart, got, c.want)
			}
		}
		counts, err := db.AssignmentCounts(ctx, "east", t0)
		if err != nil {
			t.Fatal(err)
		}
		if len(counts) != 1 || counts["ou_amy"] != 1 {
			t.Errorf("AssignmentCounts = %v, want ou_amy: 1", counts)
		}
		if counts, err := db.AssignmentCounts(ctx, "east", claimedAt.Add(time.Second)); err != nil || len(counts) != 0 {
			t.Errorf("AssignmentCounts after the claim = %v, %v; want none", counts, err)
		}
	})
}

// One member tapping many cards at once must not exceed their cap: ClaimLead serialises a member's claims
// and reads the stats inside the transaction.
func TestClaimCapHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		const leads, openCap = 10, 3
		ids := make([]int64, leads)
		for i := range ids {
			ids[i] = mustIntake(t, db, newLead(fmt.Sprintf("cc-%d", i), fmt.Sprintf("+86139000000%02d", i), "")).Lead.ID
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[string]int{}
		start := make(chan struct{})
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := db.ClaimLead(context.Background(), id, 0, "ou_amy", t0, claimAs("ou_amy", t0.Add(time.Minute), openCap))
				mu.Lock()
				codes[crm.ErrorCode(err)]++
				mu.Unlock()
			}()
		}
		close(start)
		wg.Wait()
		if codes[""] != openCap || codes[crm.ELIMIT] != leads-openCap {
			t.Errorf("outcomes %v, want %d claims and %d ELIMIT", codes, openCap, leads-openCap)
		}
		owned, err := db.ListLeads(context.Background(), crm.LeadFilter{OwnerID: "ou_amy", OpenOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(owned) != openCap {
			t.Errorf("amy owns %d leads, want %d", len(owned), openCap)
		}
	})
}

func TestClaimStaleOrMissing(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		l := mustIntake(t, db, newLead("st", "+8613812345678", "")).Lead
		called := false
		_, err := db.ClaimLead(ctx, l.ID, l.Rev+1, "ou_amy", t0, func(*crm.Lead, crm.MemberStats) ([]crm.LeadEvent, error) {
			called = true
			return nil, nil
		})
		if crm.ErrorCode(err) != crm.ECONFLICT || called {
			t.Errorf("stale rev: err = %v, fn called %v; want ECONFLICT without fn", err, called)
		}
		if _, err := db.ClaimLead(ctx, 999999, 0, "ou_amy", t0, claimAs("ou_amy", t0, 0)); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("unknown lead: err = %v, want ENOTFOUND", err)
		}
	})
}
