package crm

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// claimStore is a LeadStore holding one lead whose ClaimLead can be held open, to line taps up behind a
// claim in flight. Only the methods Claim uses are implemented.
type claimStore struct {
	LeadStore

	mu      sync.Mutex
	lead    Lead
	calls   []string      // ClaimLead callers, in order
	entered chan struct{} // receives when a ClaimLead starts
	release chan struct{} // each ClaimLead waits for one value (nil: no wait)
}

func (s *claimStore) Lead(_ context.Context, id int64) (*Lead, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.lead
	return &l, nil
}

func (s *claimStore) ClaimLead(_ context.Context, id, rev int64, owner string, _ time.Time, fn func(*Lead, MemberStats) ([]LeadEvent, error)) (*Lead, error) {
	s.mu.Lock()
	s.calls = append(s.calls, owner)
	s.mu.Unlock()
	select {
	case s.entered <- struct{}{}:
	default: // nobody is watching for it
	}
	if s.release != nil {
		<-s.release
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.lead
	if _, err := fn(&l, MemberStats{}); err != nil {
		return nil, err
	}
	l.Rev++
	s.lead = l
	return &l, nil
}

// names is a MemberStore that knows nobody, for the winner's name lookup.
type names struct{}

func (names) Member(context.Context, string) (*Member, error) {
	return nil, Errorf(ENOTFOUND, "no member")
}
func (names) SaveMember(context.Context, Member) error { return nil }

func claimService(store *claimStore, members []string) *Service {
	return &Service{Leads: store, Members: names{},
		Settings: &Settings{Pools: []Pool{{Key: "sales", Name: "Sales", Members: members}}}}
}

func reps(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("ou_rep%02d", i)
	}
	return out
}

// Taps that arrive while the first tap's claim is committing wait for it and are refused with its
// outcome: the store sees one claim, not one per tap.
func TestClaimStormOneTransaction(t *testing.T) {
	store := &claimStore{lead: Lead{ID: 7, Pool: "sales", Stage: StageNew, Rev: 1},
		entered: make(chan struct{}, 1), release: make(chan struct{})}
	members := reps(30)
	svc := claimService(store, members)

	errs := make([]error, len(members))
	var wg sync.WaitGroup
	wg.Go(func() { _, errs[0] = svc.Claim(context.Background(), 7, Expect{}, members[0]) })
	<-store.entered // the first tap's claim is in flight
	for i := 1; i < len(members); i++ {
		wg.Go(func() { _, errs[i] = svc.Claim(context.Background(), 7, Expect{}, members[i]) })
	}
	time.Sleep(50 * time.Millisecond) // let the storm line up behind it
	close(store.release)
	wg.Wait()

	if errs[0] != nil {
		t.Fatalf("first tap: %v", errs[0])
	}
	for i, err := range errs[1:] {
		if ErrorCode(err) != ECONFLICT {
			t.Errorf("tap %d: %v, want ECONFLICT", i+1, err)
		}
	}
	if len(store.calls) != 1 {
		t.Errorf("the store saw %d claims (%v), want the first tap's only", len(store.calls), store.calls)
	}
	if store.lead.OwnerID != members[0] {
		t.Errorf("owner = %q, want %q", store.lead.OwnerID, members[0])
	}
}

// When the claim in flight is refused (the rep is over a cap), the taps behind it do not inherit the
// refusal: the next one claims in turn and wins.
func TestClaimStormAfterRefusedFirstTap(t *testing.T) {
	store := &claimStore{lead: Lead{ID: 7, Pool: "sales", Stage: StageNew, Rev: 1},
		entered: make(chan struct{}, 64), release: make(chan struct{}, 64)}
	members := reps(10)
	svc := claimService(store, members)
	svc.Settings.Pools[0].Limits.Open = 1
	capped := members[0]
	// The first rep holds a lead already: their claim is refused inside the transaction.
	full := &statsStore{claimStore: store, stats: map[string]MemberStats{capped: {OpenLeads: 1}}}
	svc.Leads = full

	errs := make([]error, len(members))
	var wg sync.WaitGroup
	wg.Go(func() { _, errs[0] = svc.Claim(context.Background(), 7, Expect{}, capped) })
	<-store.entered
	for i := 1; i < len(members); i++ {
		wg.Go(func() { _, errs[i] = svc.Claim(context.Background(), 7, Expect{}, members[i]) })
	}
	time.Sleep(50 * time.Millisecond)
	for range len(members) {
		store.release <- struct{}{} // every claim that starts may finish
	}
	wg.Wait()

	if ErrorCode(errs[0]) != ELIMIT {
		t.Errorf("capped rep: %v, want ELIMIT", errs[0])
	}
	winners := 0
	for i, err := range errs[1:] {
		switch {
		case err == nil:
			winners++
		case ErrorCode(err) != ECONFLICT:
			t.Errorf("tap %d: %v, want a win or ECONFLICT", i+1, err)
		}
	}
	if winners != 1 || store.lead.OwnerID == "" || store.lead.OwnerID == capped {
		t.Errorf("%d winners, owner %q; want one winner other than the capped rep", winners, store.lead.OwnerID)
	}
	if len(store.calls) != 2 {
		t.Errorf("the store saw %d claims (%v), want the capped rep's and the winner's", len(store.calls), store.calls)
	}
}

// statsStore gives ClaimLead's rule per-member stats.
type statsStore struct {
	*claimStore
	stats map[string]MemberStats
}

func (s *statsStore) ClaimLead(ctx context.Context, id, rev int64, owner string, day time.Time, fn func(*Lead, MemberStats) ([]LeadEvent, error)) (*Lead, error) {
	return s.claimStore.ClaimLead(ctx, id, rev, owner, day, func(l *Lead, _ MemberStats) ([]LeadEvent, error) {
		return fn(l, s.stats[owner])
	})
}

// Managers who are not members claim only where the pool allows it (managers_can_claim).
func TestManagersClaimOnlyWhenAllowed(t *testing.T) {
	t.Parallel()
	for _, allowed := range []bool{false, true} {
		store := &claimStore{lead: Lead{ID: 7, Pool: "sales", Stage: StageNew, Rev: 1}}
		svc := claimService(store, reps(2))
		svc.Settings.Pools[0].Managers = []string{"ou_boss"}
		svc.Settings.Pools[0].ManagersCanClaim = allowed
		_, err := svc.Claim(context.Background(), 7, Expect{}, "ou_boss")
		if allowed && err != nil {
			t.Errorf("managers_can_claim: true: the manager's claim was refused: %v", err)
		}
		if !allowed && ErrorCode(err) != EFORBIDDEN {
			t.Errorf("managers_can_claim: false: the manager's claim = %v, want EFORBIDDEN", err)
		}
	}
}
