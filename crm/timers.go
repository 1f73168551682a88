package crm

import "time"

// TimerKind names a lead timer.
type TimerKind string

// Lead timers. The lead's fields hold every deadline; these are derived from them.
const (
	TimerUnclaimed    TimerKind = "unclaimed"     // next rung of the unclaimed SLA ladder
	TimerFirstContact TimerKind = "first_contact" // next rung of the first-contact SLA ladder
	TimerFollowUp     TimerKind = "followup"      // the rep's follow-up reminder
	TimerWarn         TimerKind = "warn"          // warning before auto-recycle
	TimerRecycle      TimerKind = "recycle"       // protection ends: back to the pool
	TimerCardRefresh  TimerKind = "card_refresh"  // re-post the live card before Lark stops updating it
)

// CardUpdateWindow is how long Lark lets a card JSON 2.0 message be updated and its buttons clicked: "卡片
// JSON 2.0 … 支持在 14 天内更新和交互" (https://open.feishu.cn/document/feishu-cards/card-json-v2-breaking-changes-release-notes).
const CardUpdateWindow = 14 * 24 * time.Hour

// DefaultCardRefreshAfter re-posts an open lead's live card at day 13, a day before the window closes.
const DefaultCardRefreshAfter = 13 * 24 * time.Hour

// cardRefreshDue is when the lead's live card must be re-posted: the owner's DM card for an owned lead, the
// pool card for one waiting in the pool, counted from when it was posted (claim, pooling) or last re-posted.
func cardRefreshDue(l *Lead, p *Pool) (time.Time, bool) {
	if l.CardsWithheld {
		return time.Time{}, false // no card was posted, so none can go dead
	}
	anchor := l.PooledAt
	if l.Owned() {
		anchor = l.ClaimedAt
	} else if p.ChatID == "" {
		return time.Time{}, false
	}
	if anchor.IsZero() {
		return time.Time{}, false
	}
	if l.CardsRefreshedAt.After(anchor) {
		anchor = l.CardsRefreshedAt
	}
	after := p.CardRefreshAfter
	if after <= 0 || after >= CardUpdateWindow {
		after = DefaultCardRefreshAfter
	}
	return anchor.Add(after), true
}

// Timer is a pending deadline of a lead.
type Timer struct {
	Kind TimerKind
	Step int // ladder index for SLA timers
	Due  time.Time
}

// PendingTimers lists the lead's pending timers (in no particular order). SLA steps count business time
// when bh is set; follow-ups, warnings and recycling are wall-clock deadlines.
func PendingTimers(l *Lead, p *Pool, bh *BusinessHours) []Timer {
	if !l.Open() {
		return nil
	}
	var ts []Timer
	if due, ok := cardRefreshDue(l, p); ok {
		ts = append(ts, Timer{Kind: TimerCardRefresh, Due: due})
	}
	sla := p.Ladders(l)
	if !l.Owned() {
		if from := slaFrom(l); l.SLAStep < len(sla.Unclaimed) && !from.IsZero() {
			ts = append(ts, Timer{TimerUnclaimed, l.SLAStep, bh.Add(from, sla.Unclaimed[l.SLAStep].After)})
		}
		return ts
	}
	if from := slaFrom(l); l.FirstContactAt.IsZero() && l.SLAStep < len(sla.FirstContact) && !from.IsZero() {
		ts = append(ts, Timer{TimerFirstContact, l.SLAStep, bh.Add(from, sla.FirstContact[l.SLAStep].After)})
	}
	if !l.FollowUpAt.IsZero() {
		ts = append(ts, Timer{Kind: TimerFollowUp, Due: l.FollowUpAt})
	}
	if !l.Locked && !l.ProtectedUntil.IsZero() {
		if p.Protection.WarnBefore > 0 && l.WarnedAt.IsZero() {
			ts = append(ts, Timer{Kind: TimerWarn, Due: l.ProtectedUntil.Add(-p.Protection.WarnBefore)})
		}
		ts = append(ts, Timer{Kind: TimerRecycle, Due: l.ProtectedUntil})
	}
	return ts
}

// slaFrom is where the lead's current SLA ladder counts from. Leads written before the anchor had its own
// column fall back to the facts it used to be read from.
func slaFrom(l *Lead) time.Time {
	switch {
	case !l.SLAFrom.IsZero():
		return l.SLAFrom
	case l.Owned():
		return l.ClaimedAt
	default:
		return l.PooledAt
	}
}

// NextTimer returns the earliest pending timer. Ties go to the order PendingTimers lists them, so a warning
// due at the same instant as the recycle still comes first.
func NextTimer(l *Lead, p *Pool, bh *BusinessHours) (Timer, bool) {
	var best Timer
	found := false
	for _, t := range PendingTimers(l, p, bh) {
		if !found || t.Due.Before(best.Due) {
			best, found = t, true
		}
	}
	return best, found
}

// Replan stores the lead's next deadline in NextDueAt, for the sweeper's index.
func Replan(l *Lead, p *Pool, bh *BusinessHours) {
	if t, ok := NextTimer(l, p, bh); ok {
		l.NextDueAt = t.Due
	} else {
		l.NextDueAt = time.Time{}
	}
}

// Protect starts the owner's protection window at a claim or an assignment.
func Protect(l *Lead, p *Pool, now time.Time) {
	l.ProtectedUntil, l.WarnedAt = time.Time{}, time.Time{}
	if p.Protection.Default <= 0 {
		return
	}
	until := now.Add(p.Protection.Default)
	if p.Protection.Max > 0 {
		until = minTime(until, l.ClaimedAt.Add(p.Protection.Max))
	}
	l.ProtectedUntil = until
}

// Touched records rep activity on the lead: it stops the first-contact clock and extends protection to at
// least now + ExtendOnActivity, never past ClaimedAt + Max. A warning already sent is re-armed when the
// deadline moves.
func Touched(l *Lead, p *Pool, now time.Time) {
	l.LastActivityAt = now
	if l.FirstContactAt.IsZero() {
		l.FirstContactAt = now
	}
	if l.ProtectedUntil.IsZero() || p.Protection.ExtendOnActivity <= 0 {
		return
	}
	until := maxTime(l.ProtectedUntil, now.Add(p.Protection.ExtendOnActivity))
	if p.Protection.Max > 0 {
		until = minTime(until, l.ClaimedAt.Add(p.Protection.Max))
	}
	if until.After(l.ProtectedUntil) {
		l.ProtectedUntil = until
		l.WarnedAt = time.Time{}
	}
}

// ReturnToPool puts the lead back in the pool (release or recycle): the owner becomes the previous owner
// (cooldown applies to them), a new pool card is due and the unclaimed clock restarts.
func ReturnToPool(l *Lead, now time.Time) {
	l.PrevOwnerID = l.OwnerID
	l.OwnerID = ""
	l.ReleasedAt = now
	l.PooledAt = now
	l.PoolEpoch++
	l.SLAFrom, l.SLAStep = now, 0
	l.CardsRefreshedAt, l.CardsWithheld = time.Time{}, false // a fresh pool card follows
	l.ClaimedAt, l.FirstContactAt, l.ProtectedUntil, l.WarnedAt, l.FollowUpAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
}

// TakeOwnership gives the lead to owner at now: the first-contact clock starts and protection begins.
func TakeOwnership(l *Lead, p *Pool, owner string, now time.Time) {
	l.OwnerID = owner
	l.ClaimedAt = now
	l.CardsRefreshedAt, l.CardsWithheld = time.Time{}, false // the owner's DM card is posted now
	l.FirstContactAt = time.Time{}
	l.SLAFrom, l.SLAStep = now, 0
	l.LastActivityAt = now
	Protect(l, p, now)
}
