package crm

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DeliveryFailure is a notification that Lark keeps refusing: the event, where it was going and the last
// answer. It names ids and codes only, never a person's name or contact, so /readyz and the alert can show it.
type DeliveryFailure struct {
	EventID  int64
	LeadID   int64
	Pool     string
	Kind     EventKind
	Target   string // "chat:oc_…" or "dm:ou_…"
	Code     string // Lark's code, or "http_<status>", or "network"
	Since    time.Time
	Last     time.Time
	Attempts int
	Alerted  bool // the pool's managers were told
}

// Failures keeps the notifications that are failing, shared by every replica. The jobs package keeps them
// in Redis; nil turns the tracking (and the managers' alert) off.
type Failures interface {
	// Failed records one more failed attempt and returns the record as now kept.
	Failed(ctx context.Context, f DeliveryFailure) (DeliveryFailure, error)
	// Delivered forgets the event and returns its record, if there was one.
	Delivered(ctx context.Context, eventID int64) (DeliveryFailure, bool, error)
	// Alerted marks the event's managers as told.
	Alerted(ctx context.Context, eventID int64) error
	// Failing lists the recorded failures, oldest first.
	Failing(ctx context.Context) ([]DeliveryFailure, error)
}

// DefaultAlertAfter is how many failed attempts make a notification "keeps failing": shown as degraded in
// /readyz and told to the pool's managers. With asynq's backoff the third attempt comes about a minute after
// the first.
const DefaultAlertAfter = 3

// permanent reports whether the Messenger said retrying can never help. Only errors that say so are: a
// Lark answer on its short named list (recalled message, bot removed from the chat, user left). Anything
// else, a missing scope or a refused card included, is retried until an admin fixes it.
func permanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

// failureCode names a failure for people and metrics: the Messenger's code when it has one.
func failureCode(err error) string {
	var c interface{ FailureCode() string }
	if errors.As(err, &c) {
		return c.FailureCode()
	}
	return "internal"
}

// targetError tells which chat or DM a failed notification was going to.
type targetError struct {
	target string
	err    error
}

func (e *targetError) Error() string { return fmt.Sprintf("to %s: %v", e.target, e.err) }
func (e *targetError) Unwrap() error { return e.err }

func toChat(chatID string, err error) error {
	if err == nil {
		return nil
	}
	return &targetError{target: "chat:" + chatID, err: err}
}

func toUser(openID string, err error) error {
	if err == nil {
		return nil
	}
	return &targetError{target: "dm:" + openID, err: err}
}

func (s *Service) alertAfter() int {
	if s.AlertAfter > 0 {
		return s.AlertAfter
	}
	return DefaultAlertAfter
}

// noteFailed records a failed attempt of e and, once it keeps failing, tells the pool's managers (once).
func (s *Service) noteFailed(ctx context.Context, v LeadView, e LeadEvent, err error) {
	if s.Failures == nil {
		return
	}
	f := DeliveryFailure{EventID: e.ID, LeadID: v.Lead.ID, Pool: v.Pool.Key, Kind: e.Kind, Code: failureCode(err), Last: s.now()}
	var te *targetError
	if errors.As(err, &te) {
		f.Target = te.target
	}
	f, ferr := s.Failures.Failed(ctx, f)
	if ferr != nil {
		s.logger().Warn("record failing notification", "lead_id", v.Lead.ID, "event_id", e.ID, "error", ferr)
		return
	}
	s.logger().Warn("notification failing; will retry", "lead_id", v.Lead.ID, "event_id", e.ID, "kind", e.Kind,
		"target", f.Target, "code", f.Code, "attempts", f.Attempts)
	if f.Attempts >= s.alertAfter() && !f.Alerted {
		s.alertManagers(ctx, v, f, false)
	}
}

// noteDelivered forgets e's failures. When the managers were owed an alert that could not be sent while it
// failed (the same fault kept their DMs out too), they get it now, saying it went through in the end.
func (s *Service) noteDelivered(ctx context.Context, v LeadView, e LeadEvent) {
	if s.Failures == nil {
		return
	}
	f, had, err := s.Failures.Delivered(ctx, e.ID)
	if err != nil {
		s.logger().Warn("clear failing notification", "lead_id", v.Lead.ID, "event_id", e.ID, "error", err)
		return
	}
	if had && f.Attempts >= s.alertAfter() && !f.Alerted {
		s.alertManagers(ctx, v, f, true)
	}
}

// alertManagers DMs the pool's managers about f. It is marked sent only when every manager got it; the key
// keeps a manager who already got it from getting it twice when another manager's DM is retried.
func (s *Service) alertManagers(ctx context.Context, v LeadView, f DeliveryFailure, recovered bool) {
	text := fmt.Sprintf("⚠️ 线索 #%d 的通知（%s）发往 %s 失败 %d 次，飞书错误码 %s，仍在重试；请检查应用权限与机器人所在群。\n"+
		"⚠️ A notification for lead #%d (%s) to %s failed %d times with Lark code %s and is still being retried; check the app's scopes and the bot's chats.",
		f.LeadID, f.Kind, f.Target, f.Attempts, f.Code, f.LeadID, f.Kind, f.Target, f.Attempts, f.Code)
	if recovered {
		text = fmt.Sprintf("✅ 线索 #%d 的通知（%s）发往 %s 曾失败 %d 次（飞书错误码 %s），现已送达。\n"+
			"✅ A notification for lead #%d (%s) to %s failed %d times (Lark code %s) and has now been delivered.",
			f.LeadID, f.Kind, f.Target, f.Attempts, f.Code, f.LeadID, f.Kind, f.Target, f.Attempts, f.Code)
	}
	for _, m := range v.Pool.Managers {
		key := fmt.Sprintf("alert-ev-%d-%s", f.EventID, m)
		if _, err := s.Messenger.Send(ctx, Recipient{OpenID: m}, Outgoing{Text: text}, key); err != nil {
			s.logger().Warn("alert managers of failing notification", "lead_id", f.LeadID, "event_id", f.EventID,
				"manager", m, "error", err)
			return
		}
	}
	if recovered {
		return
	}
	if err := s.Failures.Alerted(ctx, f.EventID); err != nil {
		s.logger().Warn("mark failing notification alerted", "event_id", f.EventID, "error", err)
	}
}
