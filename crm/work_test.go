package crm

import (
	"context"
	"errors"
	"testing"
	"time"
)

// oneLead is a LeadStore holding one lead, enough for the work use cases.
type oneLead struct {
	LeadStore
	lead Lead
}

func (s *oneLead) MutateLead(_ context.Context, _, rev int64, fn func(*Lead) ([]LeadEvent, error)) (*Lead, error) {
	if rev != 0 && rev != s.lead.Rev {
		return nil, Errorf(ECONFLICT, "stale")
	}
	l := s.lead
	if _, err := fn(&l); err != nil {
		return nil, err
	}
	l.Rev++
	s.lead = l
	return &l, nil
}

// Extending an owned lead restarts its SLA ladder from its own anchor and leaves the claim time alone;
// closing a lead nobody contacted records no first contact.
func TestExtendAndCloseKeepFacts(t *testing.T) {
	t.Parallel()
	claimed := time.Date(2030, 3, 4, 10, 0, 0, 0, time.UTC)
	now := claimed.Add(3 * time.Hour)
	pool := Pool{Key: "sales", Managers: []string{"ou_boss"},
		SLA: SLA{FirstContact: []SLAStep{{After: time.Hour, Action: ActionRemindOwner}, {After: 2 * time.Hour, Action: ActionEscalate}}}}
	store := &oneLead{lead: Lead{ID: 1, Pool: "sales", Stage: StageNew, OwnerID: "ou_amy", Rev: 3,
		PooledAt: claimed.Add(-time.Hour), ClaimedAt: claimed, SLAFrom: claimed, SLAStep: 2}}
	svc := &Service{Leads: store, Settings: &Settings{Pools: []Pool{pool}}, Now: func() time.Time { return now }}

	l, err := svc.Extend(context.Background(), 1, Expect{}, "ou_boss")
	if err != nil {
		t.Fatal(err)
	}
	if !l.ClaimedAt.Equal(claimed) || !l.PooledAt.Equal(claimed.Add(-time.Hour)) {
		t.Errorf("extend moved recorded facts: claimed %s, pooled %s", l.ClaimedAt, l.PooledAt)
	}
	if tm, ok := NextTimer(l, &pool, nil); !ok || tm.Kind != TimerFirstContact || !tm.Due.Equal(now.Add(time.Hour)) {
		t.Errorf("after the extension the next timer is %+v, want the first step an hour from now", tm)
	}
	l, err = svc.Close(context.Background(), 1, Expect{}, "ou_amy", false, "no_need", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !l.FirstContactAt.IsZero() {
		t.Errorf("closing recorded a first contact at %s", l.FirstContactAt)
	}
}

// failingAssign is oneLead whose assignment transaction fails, as a crash or a lost connection would.
type failingAssign struct {
	oneLead
	events []LeadEvent
}

func (s *failingAssign) MutateLead(ctx context.Context, id, rev int64, fn func(*Lead) ([]LeadEvent, error)) (*Lead, error) {
	return s.oneLead.MutateLead(ctx, id, rev, func(l *Lead) ([]LeadEvent, error) {
		evs, err := fn(l)
		s.events = append(s.events, evs...)
		return evs, err
	})
}

func (s *failingAssign) AssignLead(context.Context, int64, string, []string, time.Time, time.Time,
	func(*Lead, map[string]MemberStats, map[string]int) ([]LeadEvent, error)) (*Lead, error) {
	return nil, errors.New("connection reset")
}

// An auto_assign step whose assignment fails is not spent: it stays due for the retry.
func TestAutoAssignStepNotSpentOnFailure(t *testing.T) {
	t.Parallel()
	pooled := time.Date(2030, 3, 4, 10, 0, 0, 0, time.UTC)
	now := pooled.Add(11 * time.Minute)
	pool := Pool{Key: "sales", Members: []string{"ou_amy"},
		SLA: SLA{Unclaimed: []SLAStep{{After: 10 * time.Minute, Action: ActionAutoAssign}}}}
	store := &failingAssign{oneLead: oneLead{lead: Lead{ID: 1, Pool: "sales", Stage: StageNew, Rev: 1,
		PooledAt: pooled, SLAFrom: pooled}}}
	svc := &Service{Leads: store, Members: names{}, Settings: &Settings{Pools: []Pool{pool}}, Now: func() time.Time { return now }}
	if err := svc.RunTimers(context.Background(), 1); err == nil {
		t.Fatal("a failed assignment reported success: the task would not retry")
	}
	if store.lead.SLAStep != 0 || len(store.events) != 0 {
		t.Fatalf("the step was spent without its assignment: step %d, events %+v", store.lead.SLAStep, store.events)
	}
	if tm, ok := NextTimer(&store.lead, &pool, nil); !ok || tm.Due.After(now) {
		t.Fatalf("the step is no longer due: %+v", tm)
	}
}
