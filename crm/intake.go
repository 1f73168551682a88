package crm

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Intake validates, routes and stores one lead from source. A known customer with an open lead becomes a
// touch on that lead (its owner gets a DM, or its pool card is refreshed); a repeat of the same
// (source, external_id) changes nothing.
func (s *Service) Intake(ctx context.Context, source string, in *LeadInput) (*IntakeResult, error) {
	now := s.now()
	nl, err := in.Normalize(source, now)
	if err != nil {
		return nil, err
	}
	return s.intake(ctx, source, nl, now)
}

func (s *Service) intake(ctx context.Context, source string, nl *NewLead, now time.Time) (*IntakeResult, error) {
	return s.intakeAs(ctx, source, nl, now, nil, nil)
}

// intakeAs is intake, shaped by imp for a migration import (nil: an ordinary arrival), with a say in who
// owns a brand-new lead: owner, when set, is asked once the pool is known and returns the member who owns
// the lead from the start ("" leaves it in the pool).
func (s *Service) intakeAs(ctx context.Context, source string, nl *NewLead, now time.Time, imp *ImportLead, owner func(*Pool) (string, error)) (*IntakeResult, error) {
	if err := s.normalizeLeadFields(nl); err != nil {
		return nil, err
	}
	route, err := Route(s.Settings, nl)
	if err != nil {
		return nil, err
	}
	nl.Pool = route.Pool
	pool, err := s.pool(nl.Pool)
	if err != nil {
		return nil, err
	}
	var keeper string
	if owner != nil {
		if keeper, err = owner(pool); err != nil {
			return nil, err
		}
	}
	nl.Created = func(l *Lead) []LeadEvent {
		l.Stage = StageNew
		l.PooledAt, l.SLAFrom = now, now
		l.LastActivityAt = now
		created := NewEvent(EventCreated, "", now, "source", source, "pool", pool.Key)
		evs := []LeadEvent{created}
		if keeper != "" {
			TakeOwnership(l, pool, keeper, now)
			evs[0].Data["self_sourced"] = keeper
			// The owner card sent next carries the full phone number: that is the reveal.
			evs = append(evs, NewEvent(EventPhoneRevealed, keeper, now, "via", "owner_card"))
		}
		Replan(l, pool, s.Settings.BusinessHours)
		return evs
	}
	nl.Touched = func(l *Lead, t *Touch) []LeadEvent {
		// The latest arrival's custom fields win; fields it does not mention keep their values.
		l.Fields = MergeFields(l.Fields, nl.Fields)
		// The touch's note stays on the touch row (erased with the customer); the event points at it.
		e := NewEvent(EventTouch, t.AuthorID, now, "source", t.Source, "campaign", t.Campaign, "touch", itoa(t.ID))
		// The owner hears about the returning customer; an unowned lead just gets its pool card refreshed.
		e.Notify = l.Owned()
		return []LeadEvent{e}
	}
	if imp != nil {
		s.shapeImport(nl, pool, imp, source, now)
	}
	res, err := s.Leads.IntakeLead(ctx, nl)
	if err != nil {
		return nil, fmt.Errorf("intake lead: %w", err)
	}
	if res.Status == IntakeExists {
		return res, nil
	}
	if res.Status == IntakeCreated && nl.Quiet {
		return res, nil // nothing to post and no timer to set: its cards start in line with it
	}
	if res.Status == IntakeCreated && pool.Mode == ModeAssign && !res.Lead.Owned() {
		l, err := s.autoAssign(ctx, res.Lead.ID, pool, "", now, nil)
		switch {
		case errors.Is(err, errNobodyFree):
			// The lead waits in the pool chat as a claimable card; the managers hear about it once.
			s.tellPoolFull(ctx, pool, now)
		case err != nil:
			// The lead stays in the pool: the unclaimed ladder and the managers take over from here.
			s.logger().Warn("auto-assign at intake", "lead_id", res.Lead.ID, "pool", pool.Key, "error", err)
		default:
			res.Lead = l
		}
	}
	s.afterWrite(ctx, res.Lead)
	s.returningCustomer(ctx, res) // assist_use.go
	return res, nil
}

// intakeParallel is how many arrivals of one IntakeMany are in flight at once: enough for the store to
// write them in groups.
const intakeParallel = 16

// IntakeMany runs Intake for every input and calls done once per input, from several goroutines, as
// each finishes. Inputs run concurrently, so the store can write them together, except that inputs
// sharing a phone, an email or an external id run one after another in input order: the later one sees
// the earlier one's lead, exactly as if the batch had run in sequence. Once ctx ends, the inputs not
// started are answered with its error.
func (s *Service) IntakeMany(ctx context.Context, source string, items []*LeadInput, done func(i int, res *IntakeResult, err error)) {
	now := s.now()
	leads := make([]*NewLead, len(items))
	for i, in := range items {
		nl, err := in.Normalize(source, now)
		if err != nil {
			done(i, nil, err)
			continue
		}
		leads[i] = nl
	}
	s.intakeChains(ctx, leads, done, func(i int) (*IntakeResult, error) { return s.intake(ctx, source, leads[i], now) })
}

// intakeChains runs one(i) for every non-nil leads[i], concurrently except along sameCustomer chains, and
// reports each through done; once ctx ends, the arrivals not started are answered with its error.
func (s *Service) intakeChains(ctx context.Context, leads []*NewLead, done func(i int, res *IntakeResult, err error), one func(i int) (*IntakeResult, error)) {
	var ok []int
	for i, nl := range leads {
		if nl != nil {
			ok = append(ok, i)
		}
	}
	chains := make(chan []int)
	var wg sync.WaitGroup
	for range min(intakeParallel, len(ok)) {
		wg.Go(func() {
			for chain := range chains {
				for _, i := range chain {
					if err := ctx.Err(); err != nil {
						done(i, nil, err)
						continue
					}
					res, err := one(i)
					done(i, res, err)
				}
			}
		})
	}
	for _, chain := range sameCustomer(leads, ok) {
		chains <- chain
	}
	close(chains)
	wg.Wait()
}

// sameCustomer splits the indexes into chains of arrivals linked by a shared phone, email or external id
// (transitively), each in input order, the chains ordered by their first arrival.
func sameCustomer(leads []*NewLead, idx []int) [][]int {
	parent := make(map[int]int, len(idx))
	var root func(int) int
	root = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for _, i := range idx {
		parent[i] = i
		nl := leads[i]
		for _, key := range []string{"x\x00" + nl.ExternalID, "p\x00" + nl.Phone, "e\x00" + nl.Email} {
			if len(key) == 2 {
				continue // that identity is empty
			}
			if j, seen := owner[key]; seen {
				if ri, rj := root(i), root(j); ri != rj {
					parent[max(ri, rj)] = min(ri, rj) // the earlier arrival stays the root
				}
			} else {
				owner[key] = i
			}
		}
	}
	var chains [][]int
	at := map[int]int{} // root → position in chains
	for _, i := range idx {
		r := root(i)
		if k, found := at[r]; found {
			chains[k] = append(chains[k], i)
		} else {
			at[r] = len(chains)
			chains = append(chains, []int{i})
		}
	}
	return chains
}

// ExplainRoute says where a lead would go and, for assign pools, who would get it and who was skipped.
func (s *Service) ExplainRoute(ctx context.Context, source string, in *LeadInput) (*RouteExplanation, error) {
	nl, err := in.Normalize(source, s.now())
	if err != nil {
		return nil, err
	}
	if err := s.normalizeLeadFields(nl); err != nil {
		return nil, err
	}
	r, err := Route(s.Settings, nl)
	if err != nil {
		return nil, err
	}
	pool, err := s.pool(r.Pool)
	if err != nil {
		return nil, err
	}
	ex := &RouteExplanation{Route: r, Pool: pool, Grade: nl.Grade, Fired: s.Settings.Grading.Fired(gradeInputOfNew(nl))}
	if pool.Mode == ModeAssign {
		cands, err := s.candidates(ctx, pool, 0, s.now())
		if err != nil {
			return nil, err
		}
		ex.Assignee, ex.Skipped = PickAssignee(pool, cands)
	}
	return ex, nil
}

// RouteExplanation is the answer to `baton route --dry-run` and /route.
type RouteExplanation struct {
	Route    RouteResult
	Pool     *Pool
	Assignee string // assign pools: who would get the lead now
	Skipped  []Skip
	Grade    Grade       // the lead's grade (zero without grading:)
	Fired    []GradeRule // the grading rules that fired, in configuration order
}
