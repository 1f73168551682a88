package crm

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// maxStepsPerRun bounds how many overdue timers one run fires, so a lead that was stuck for days catches up
// over a few runs instead of looping.
const maxStepsPerRun = 10

// RunTimers fires every timer of the lead that is due now: SLA steps, the follow-up reminder, the
// pre-recycle warning and the recycle itself. It re-reads the lead, so a stale or duplicated wake-up does
// nothing, and each step is recorded on the lead in the same write as its timeline entry, so it fires once.
// An auto_assign step is the exception that proves the rule: it is recorded in the write that assigns the
// lead (or, when nobody can take it, in the write that escalates to the managers), so a crash in between
// leaves it due instead of spent.
func (s *Service) RunTimers(ctx context.Context, leadID int64) error {
	now := s.now()
	var assign *Timer
	var assignPool *Pool
	var assignStep SLAStep
	l, err := s.Leads.MutateLead(ctx, leadID, 0, func(l *Lead) ([]LeadEvent, error) {
		pool, err := s.pool(l.Pool)
		if err != nil {
			return nil, err
		}
		assign, assignPool = nil, nil
		before := l.NextDueAt
		var evs []LeadEvent
		for i := 0; i < maxStepsPerRun; i++ {
			t, ok := NextTimer(l, pool, s.Settings.BusinessHours)
			if !ok || t.Due.After(now) {
				break
			}
			if st := pool.Ladders(l).Unclaimed; t.Kind == TimerUnclaimed && st[t.Step].Action == ActionAutoAssign {
				assign, assignPool, assignStep = &t, pool, st[t.Step]
				break
			}
			evs = append(evs, fire(l, pool, t, now)...)
		}
		Replan(l, pool, s.Settings.BusinessHours)
		if len(evs) == 0 && l.NextDueAt.Equal(before) {
			return nil, errNothingDue
		}
		return evs, nil
	})
	switch {
	case errors.Is(err, errNothingDue):
	case err != nil:
		return fmt.Errorf("run timers for lead %d: %w", leadID, err)
	default:
		s.afterWrite(ctx, l)
	}
	if assign != nil {
		return s.autoAssignStep(ctx, leadID, assignPool, *assign, assignStep, now)
	}
	return nil
}

// autoAssignStep applies a due auto_assign step: the lead goes to the next member in rotation with the
// step recorded in the same write; when nobody can take it, the step escalates to the pool's managers
// instead. Either way the step is spent only together with what it did.
func (s *Service) autoAssignStep(ctx context.Context, leadID int64, pool *Pool, t Timer, step SLAStep, now time.Time) error {
	still := func(l *Lead) error {
		if l.Owned() || !l.Open() || l.SLAStep != t.Step {
			return errNothingDue // claimed, closed or already stepped meanwhile
		}
		return nil
	}
	kv := stepData(t, step)
	l, err := s.autoAssign(ctx, leadID, pool, "", now, func(l *Lead) ([]LeadEvent, error) {
		if err := still(l); err != nil {
			return nil, err
		}
		return []LeadEvent{NewEvent(EventEscalated, "", now, kv...)}, nil
	})
	if errors.Is(err, errNobodyFree) {
		l, err = s.Leads.MutateLead(ctx, leadID, 0, func(l *Lead) ([]LeadEvent, error) {
			if err := still(l); err != nil {
				return nil, err
			}
			l.SLAStep++
			Replan(l, pool, s.Settings.BusinessHours)
			e := NewEvent(EventEscalated, "", now, append(kv, "unassigned", "true")...)
			e.Notify = true
			return []LeadEvent{e}, nil
		})
	}
	switch {
	case errors.Is(err, errNothingDue) || ErrorCode(err) == ECONFLICT:
		return nil
	case err != nil:
		return fmt.Errorf("auto-assign lead %d: %w", leadID, err) // the step stays due: the task retries
	}
	s.afterWrite(ctx, l)
	return nil
}

// errNothingDue aborts a timer run that found nothing to do, so no revision is spent on it.
var errNothingDue = &Error{Code: ECONFLICT, Message: "nothing due"}

// stepData is the timeline data of an SLA step.
func stepData(t Timer, st SLAStep) []string {
	return []string{"clock", string(t.Kind), "step", strconv.Itoa(t.Step), "action", string(st.Action),
		"after", FormatDuration(st.After), "due", t.Due.UTC().Format(time.RFC3339)}
}

// fire applies one due timer to the lead and returns its timeline entries. Unclaimed auto_assign steps
// are not fired here (see autoAssignStep); one on the first-contact ladder escalates.
func fire(l *Lead, p *Pool, t Timer, now time.Time) []LeadEvent {
	switch t.Kind {
	case TimerUnclaimed, TimerFirstContact:
		steps := p.Ladders(l).Unclaimed
		if t.Kind == TimerFirstContact {
			steps = p.Ladders(l).FirstContact
		}
		st := steps[t.Step]
		l.SLAStep++
		kv := stepData(t, st)
		var e LeadEvent
		switch st.Action {
		case ActionRemindPool, ActionRemindOwner:
			e = NewEvent(EventReminded, "", now, kv...)
		default: // escalate, urgent, auto_assign of an owned lead
			e = NewEvent(EventEscalated, "", now, kv...)
		}
		e.Notify = true
		return []LeadEvent{e}
	case TimerFollowUp:
		e := NewEvent(EventFollowUpDue, "", now, "due", l.FollowUpAt.UTC().Format(time.RFC3339))
		e.Notify = true
		l.FollowUpAt = time.Time{}
		return []LeadEvent{e}
	case TimerWarn:
		e := NewEvent(EventWarned, "", now, "deadline", l.ProtectedUntil.UTC().Format(time.RFC3339))
		e.Notify = true
		l.WarnedAt = now
		return []LeadEvent{e}
	case TimerCardRefresh:
		// The timeline is the outbox: the event says which card must be re-posted; delivering it posts the
		// new card and turns the old one into a pointer to it.
		card := "pool"
		if l.Owned() {
			card = "owner"
		}
		l.CardsRefreshedAt = now
		e := NewEvent(EventCardRefreshed, "", now, "card", card)
		e.Notify = true
		return []LeadEvent{e}
	case TimerRecycle:
		prev := l.OwnerID
		ReturnToPool(l, now)
		e := NewEvent(EventRecycled, "", now, "prev_owner", prev)
		e.Notify = true
		return []LeadEvent{e}
	}
	return nil
}
