package crm

import (
	"context"
	"fmt"
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
	route, err := Route(s.Settings, nl)
	if err != nil {
		return nil, err
	}
	nl.Pool = route.Pool
	pool, err := s.pool(nl.Pool)
	if err != nil {
		return nil, err
	}
	nl.Created = func(l *Lead) []LeadEvent {
		l.Stage = StageNew
		l.PooledAt = now
		l.LastActivityAt = now
		Replan(l, pool, s.Settings.BusinessHours)
		return []LeadEvent{NewEvent(EventCreated, "", now, "source", source, "pool", pool.Key)}
	}
	nl.Touched = func(l *Lead, t *Touch) []LeadEvent {
		e := NewEvent(EventTouch, "", now, "source", t.Source, "campaign", t.Campaign)
		// The owner hears about the returning customer; an unowned lead just gets its pool card refreshed.
		e.Notify = l.Owned()
		return []LeadEvent{e}
	}
	res, err := s.Leads.IntakeLead(ctx, nl)
	if err != nil {
		return nil, fmt.Errorf("intake lead: %w", err)
	}
	if res.Status == IntakeExists {
		return res, nil
	}
	if res.Status == IntakeCreated && pool.Mode == ModeAssign {
		if l, err := s.autoAssign(ctx, res.Lead, pool, "", now); err != nil {
			// The lead stays in the pool: the unclaimed ladder and the managers take over from here.
			s.logger().Warn("auto-assign at intake", "lead_id", res.Lead.ID, "pool", pool.Key, "error", err)
		} else if l != nil {
			res.Lead = l
		}
	}
	s.afterWrite(ctx, res.Lead)
	return res, nil
}

// BatchResult is the outcome of one item of a batch intake.
type BatchResult struct {
	Result *IntakeResult
	Err    error
}

// IntakeBatch runs Intake for each item; items fail independently and results keep the input order.
func (s *Service) IntakeBatch(ctx context.Context, source string, items []*LeadInput) []BatchResult {
	out := make([]BatchResult, len(items))
	for i, in := range items {
		if err := ctx.Err(); err != nil {
			out[i].Err = err
			continue
		}
		out[i].Result, out[i].Err = s.Intake(ctx, source, in)
	}
	return out
}

// ExplainRoute says where a lead would go and, for assign pools, who would get it and who was skipped.
func (s *Service) ExplainRoute(ctx context.Context, source string, in *LeadInput) (*RouteExplanation, error) {
	nl, err := in.Normalize(source, s.now())
	if err != nil {
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
	ex := &RouteExplanation{Route: r, Pool: pool}
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
}
