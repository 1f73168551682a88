package crm

import "time"

// EventKind names an entry in a lead's timeline.
type EventKind string

// Timeline entries. The timeline is append-only: it is the audit trail and the digests' raw material.
const (
	EventCreated       EventKind = "created"
	EventTouch         EventKind = "touch" // a known customer came back through a source
	EventPosted        EventKind = "posted"
	EventClaimed       EventKind = "claimed"
	EventAssigned      EventKind = "assigned"
	EventReassigned    EventKind = "reassigned"
	EventReleased      EventKind = "released"
	EventStageChanged  EventKind = "stage_changed"
	EventNote          EventKind = "note"
	EventFollowUpSet   EventKind = "followup_set"
	EventFollowUpDue   EventKind = "followup_due"
	EventReminded      EventKind = "reminded"
	EventEscalated     EventKind = "escalated"
	EventWarned        EventKind = "recycle_warned"
	EventRecycled      EventKind = "recycled"
	EventFeedback      EventKind = "feedback"
	EventPhoneRevealed EventKind = "phone_revealed"
	EventLocked        EventKind = "locked"
	EventExtended      EventKind = "extended"
	EventErased        EventKind = "erased"
	EventInsight       EventKind = "insight" // an insight about the customer was filed: the cards redraw
	// EventCardRefreshed: the live card was re-posted ahead of Lark's 14-day update window.
	EventCardRefreshed EventKind = "card_refreshed"
	EventMoved         EventKind = "moved"         // a manager moved the lead to another pool
	EventFirstContact  EventKind = "first_contact" // the first rep activity since the lead's latest claim; the actor made it
)

// LeadEvent is one entry in a lead's timeline. Notify marks entries that must reach someone in Lark
// (a DM, a reply to the pool card); they stay pending in the store until delivered, which makes the
// timeline Baton's outbox: a lost queue task delays a notification but never drops it.
type LeadEvent struct {
	ID         int64
	LeadID     int64
	Kind       EventKind
	ActorID    string // open_id of who did it; empty for the system
	At         time.Time
	Data       map[string]string // kind-specific details (stage, step, reason…); never personal data
	Notify     bool
	NotifiedAt time.Time
}

// NewEvent returns an event of the given kind, by actor, at t.
func NewEvent(kind EventKind, actor string, at time.Time, kv ...string) LeadEvent {
	e := LeadEvent{Kind: kind, ActorID: actor, At: at}
	if len(kv) > 0 {
		e.Data = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			e.Data[kv[i]] = kv[i+1]
		}
	}
	return e
}
