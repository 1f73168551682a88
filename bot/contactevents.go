package bot

import (
	"context"

	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher"
	larkcontact "github.com/larksuite/oapi-sdk-go/v3/service/contact/v3"
)

// ContactEvent is a change in Feishu's contact directory: a user deleted, updated or created, or a
// department changed. Department pools follow these events
// (https://open.feishu.cn/document/server-docs/contact-v3/user/events/deleted, …/user/events/updated,
// …/user/events/created and …/department/events/*).
type ContactEvent struct {
	EventID string
	Type    string // Lark's event type, e.g. "contact.user.updated_v3"
	OpenID  string // the user concerned; empty for department events
	// Left is set when the user is gone: deleted, or updated with status.is_resigned or status.is_frozen.
	Left bool
	// DepartmentsChanged is set when an update moved the user between departments (old_object carries
	// department_ids only when they changed).
	DepartmentsChanged bool
}

// ContactHandler is implemented by a Handler that follows contact events; a Handler without it gets none
// and Lark's contact events are acknowledged and dropped.
type ContactHandler interface {
	HandleContact(ctx context.Context, e ContactEvent) error
}

// contactEvents are the contact event types a ContactHandler receives.
var contactEvents = []string{"contact.user.deleted_v3", "contact.user.updated_v3", "contact.user.created_v3",
	"contact.department.created_v3", "contact.department.updated_v3", "contact.department.deleted_v3"}

// The webhook answers event types outside handledEvents without dispatching them.
func init() { handledEvents = append(handledEvents, contactEvents...) }

// onContact registers the contact events on d. They are acknowledged even without a ContactHandler, so that
// an app subscribed to them does not see them pushed again over the websocket.
func (in *intake) onContact(d *dispatcher.EventDispatcher) {
	d.OnP2UserDeletedV3(func(ctx context.Context, e *larkcontact.P2UserDeletedV3) error {
		ev := ContactEvent{EventID: eventID(e.EventV2Base), Type: "contact.user.deleted_v3", Left: true}
		if e.Event != nil && e.Event.Object != nil {
			ev.OpenID = deref(e.Event.Object.OpenId)
		}
		return in.contact(ctx, ev)
	}).OnP2UserUpdatedV3(func(ctx context.Context, e *larkcontact.P2UserUpdatedV3) error {
		ev := ContactEvent{EventID: eventID(e.EventV2Base), Type: "contact.user.updated_v3"}
		if e.Event != nil && e.Event.Object != nil {
			o := e.Event.Object
			ev.OpenID = deref(o.OpenId)
			ev.Left = o.Status != nil && (isTrue(o.Status.IsResigned) || isTrue(o.Status.IsFrozen))
			ev.DepartmentsChanged = e.Event.OldObject != nil && e.Event.OldObject.DepartmentIds != nil
		}
		return in.contact(ctx, ev)
	}).OnP2UserCreatedV3(func(ctx context.Context, e *larkcontact.P2UserCreatedV3) error {
		ev := ContactEvent{EventID: eventID(e.EventV2Base), Type: "contact.user.created_v3"}
		if e.Event != nil && e.Event.Object != nil {
			ev.OpenID = deref(e.Event.Object.OpenId)
		}
		return in.contact(ctx, ev)
	}).OnP2DepartmentCreatedV3(func(ctx context.Context, e *larkcontact.P2DepartmentCreatedV3) error {
		return in.contact(ctx, ContactEvent{EventID: eventID(e.EventV2Base), Type: "contact.department.created_v3"})
	}).OnP2DepartmentUpdatedV3(func(ctx context.Context, e *larkcontact.P2DepartmentUpdatedV3) error {
		return in.contact(ctx, ContactEvent{EventID: eventID(e.EventV2Base), Type: "contact.department.updated_v3"})
	}).OnP2DepartmentDeletedV3(func(ctx context.Context, e *larkcontact.P2DepartmentDeletedV3) error {
		return in.contact(ctx, ContactEvent{EventID: eventID(e.EventV2Base), Type: "contact.department.deleted_v3"})
	})
}

// contact hands a contact event to the handler once. Like onMessage it never asks Lark to redeliver: the
// event is already marked seen, and the hourly roster refresh repairs what a failed handler missed.
func (in *intake) contact(ctx context.Context, ev ContactEvent) error {
	defer in.recover("contact")
	h, ok := in.cfg.Handler.(ContactHandler)
	if !ok || !in.firstSeen(ctx, ev.EventID, "contact") {
		return nil
	}
	if err := h.HandleContact(ctx, ev); err != nil {
		in.cfg.Logger.Error("lark contact handler failed", "event_id", ev.EventID, "event_type", ev.Type,
			"open_id", ev.OpenID, "error", err)
	}
	return nil
}
