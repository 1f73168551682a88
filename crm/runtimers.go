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
func (s *Service) RunTimers(ctx context.Context, leadID int64) error {
	now := s.now()
	var assignPool *Pool
	l, err := s.Leads.MutateLead(ctx, leadID, 0, func(l *Lead) ([]LeadEvent, error) {
		pool, err := s.pool(l.Pool)
		if err != nil {
			return nil, err
		}
		assignPool = nil
		before := l.NextDueAt
		var evs []LeadEvent
		for i := 0; i < maxStepsPerRun; i++ {
			t, ok := NextTimer(l, pool, s.Settings.BusinessHours)
			if !ok || t.Due.After(now) {
				break
			}
			e, assign := fire(l, pool, t, now)
			evs = append(evs, e...)
			if assign {
				assignPool = pool
			}
		}
		Replan(l, pool, s.Settings.BusinessHours)
		if len(evs) == 0 && l.NextDueAt.Equal(before) {
			return nil, errNothingDue
		}
		return evs, nil
	})
	if errors.Is(err, errNothingDue) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("run timers for lead %d: %w", leadID, err)
	}
	if assignPool != nil && !l.Owned() {
		if out, err := s.autoAssign(ctx, l, assignPool, "", now); err != nil {
			s.logger().Warn("auto-assign on SLA breach", "lead_id", l.ID, "error", err)
		} else if out != nil {
			l = out
		}
	}
	s.afterWrite(ctx, l)
	return nil
}

// errNothingDue aborts a timer run that found nothing to do, so no revision is spent on it.
var errNothingDue = &Error{Code: ECONFLICT, Message: "nothing due"}

// fire applies one due timer to the lead and returns its timeline entries; assign reports that the pool
// should now auto-assign the lead.
func fire(l *Lead, p *Pool, t Timer, now time.Time) (evs []LeadEvent, assign bool) {
	switch t.Kind {
	case TimerUnclaimed, TimerFirstContact:
		steps := p.SLA.Unclaimed
		if t.Kind == TimerFirstContact {
			steps = p.SLA.FirstContact
		}
		st := steps[t.Step]
		l.SLAStep++
		kv := []string{"clock", string(t.Kind), "step", strconv.Itoa(t.Step), "action", string(st.Action),
			"after", FormatDuration(st.After), "due", t.Due.UTC().Format(time.RFC3339)}
		var e LeadEvent
		switch st.Action {
		case ActionRemindPool, ActionRemindOwner:
			e = NewEvent(EventReminded, "", now, kv...)
		case ActionAutoAssign:
			return []LeadEvent{NewEvent(EventEscalated, "", now, kv...)}, true
		default: // escalate, urgent
			e = NewEvent(EventEscalated, "", now, kv...)
		}
		e.Notify = true
		return []LeadEvent{e}, false
	case TimerFollowUp:
		e := NewEvent(EventFollowUpDue, "", now, "due", l.FollowUpAt.UTC().Format(time.RFC3339))
		e.Notify = true
		l.FollowUpAt = time.Time{}
		return []LeadEvent{e}, false
	case TimerWarn:
		e := NewEvent(EventWarned, "", now, "deadline", l.ProtectedUntil.UTC().Format(time.RFC3339))
		e.Notify = true
		l.WarnedAt = now
		return []LeadEvent{e}, false
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
		return []LeadEvent{e}, false
	case TimerRecycle:
		prev := l.OwnerID
		ReturnToPool(l, now)
		e := NewEvent(EventRecycled, "", now, "prev_owner", prev)
		e.Notify = true
		return []LeadEvent{e}, false
	}
	return nil, false
}
