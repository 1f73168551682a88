package crm

import (
	"context"
	"time"
)

// ImportLead is one lead of a migration from another CRM (简道云, 纷享销客…): the lead and what the old
// system knew about it.
type ImportLead struct {
	Input     *LeadInput
	OwnerID   string    // open_id of the rep who holds it; empty: the lead waits in its pool
	CreatedAt time.Time // when the old system got the lead; zero: now
	ClaimedAt time.Time // when OwnerID took it; zero: CreatedAt
	// Quiet keeps a pool lead from being announced: no card in the pool chat and no unclaimed SLA ladder.
	// Owned leads are always quiet: their owner gets one summary for the whole import.
	Quiet bool
}

// Import stores leads carried over from another system, with the same validation, routing and dedupe as
// Intake, concurrently as IntakeMany does, calling done once per item.
//
// An owned lead arrives claimed by its owner as of its original dates, without a card, without the
// first-contact ladder (the old system's reps have worked it) and without a protection deadline, so a
// migrated book of business is not recycled wholesale a week later: the pool's recycle rules start when
// the lead is next claimed. Caps and cooldowns do not apply: the old system's allocation is taken as it
// is. A quiet pool lead waits in the pool without a card or SLA ladder; /pool lists it. A row for a known
// customer becomes a touch as usual (without a DM to the owner when quiet).
func (s *Service) Import(ctx context.Context, source string, items []ImportLead, done func(i int, res *IntakeResult, err error)) {
	now := s.now()
	leads := make([]*NewLead, len(items))
	for i, it := range items {
		if it.Input == nil {
			done(i, nil, Errorf(EINVALID, "no lead given"))
			continue
		}
		at := now
		if !it.CreatedAt.IsZero() {
			at = it.CreatedAt
		}
		if err := checkImportDates(it, now); err != nil {
			done(i, nil, err)
			continue
		}
		nl, err := it.Input.Normalize(source, at)
		if err != nil {
			done(i, nil, err)
			continue
		}
		leads[i] = nl
	}
	s.intakeChains(ctx, leads, done, func(i int) (*IntakeResult, error) {
		return s.intakeAs(ctx, source, leads[i], now, &items[i], nil)
	})
}

// checkImportDates refuses dates that cannot be right: in the future, or a claim before the lead existed.
func checkImportDates(it ImportLead, now time.Time) error {
	switch {
	case it.CreatedAt.After(now):
		return &Error{Code: EINVALID, Field: "created", ZH: "创建时间晚于现在", Message: "the created date is in the future"}
	case it.ClaimedAt.After(now):
		return &Error{Code: EINVALID, Field: "claimed", ZH: "认领时间晚于现在", Message: "the claimed date is in the future"}
	case !it.ClaimedAt.IsZero() && !it.CreatedAt.IsZero() && it.ClaimedAt.Before(it.CreatedAt):
		return &Error{Code: EINVALID, Field: "claimed", ZH: "认领时间早于创建时间", Message: "the claimed date is before the created date"}
	case !it.ClaimedAt.IsZero() && it.OwnerID == "":
		return &Error{Code: EINVALID, Field: "claimed", ZH: "有认领时间但没有负责人", Message: "a claimed date needs an owner"}
	}
	return nil
}

// shapeImport turns the arrival nl into an imported lead: its original dates, its owner, and quiet.
func (s *Service) shapeImport(nl *NewLead, pool *Pool, imp *ImportLead, source string, now time.Time) {
	created := nl.At
	owned := imp.OwnerID != ""
	nl.Quiet = imp.Quiet || owned
	nl.Created = func(l *Lead) []LeadEvent {
		l.Stage = StageNew
		l.PooledAt, l.LastActivityAt = created, created
		events := []LeadEvent{NewEvent(EventCreated, "", created, "source", source, "pool", pool.Key, "imported", "true")}
		switch {
		case owned:
			claimed := imp.ClaimedAt
			if claimed.IsZero() {
				claimed = created
			}
			l.OwnerID, l.ClaimedAt, l.LastActivityAt = imp.OwnerID, claimed, claimed
			l.SLAStep = len(pool.Ladders(l).FirstContact)
			events = append(events, NewEvent(EventAssigned, "", claimed, "to", imp.OwnerID, "imported", "true"))
		case imp.Quiet:
			l.SLAStep = len(pool.Ladders(l).Unclaimed)
		default:
			l.PooledAt, l.LastActivityAt = now, now // announced now: the unclaimed ladder counts from here
		}
		l.CardsWithheld = nl.Quiet
		Replan(l, pool, s.Settings.BusinessHours)
		return events
	}
	if nl.Quiet {
		touched := nl.Touched
		nl.Touched = func(l *Lead, t *Touch) []LeadEvent {
			evs := touched(l, t)
			for i := range evs {
				evs[i].Notify = false // the summary speaks for the import
			}
			return evs
		}
	}
}
