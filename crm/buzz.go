package crm

import (
	"context"
	"fmt"
	"time"
)

// Marks remembers that something happened, for a while: here, that a manager was already buzzed for an
// escalation, so a retried delivery does not buzz them again.
type Marks interface {
	// Seen reports whether key is recorded.
	Seen(ctx context.Context, key string) (bool, error)
	// FirstSeen records key for ttl and reports whether it was new.
	FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// buzzTTL is how long a buzz is remembered: far longer than any retry of its delivery.
const buzzTTL = 14 * 24 * time.Hour

// buzzOnce sends Lark's urgent (buzz) for message id to openID once per escalation event. The delivery of
// an escalation goes to every manager in turn and is retried as a whole after a partial failure; the card
// sends are idempotent by their keys, and this makes the buzz so too. A buzz is recorded only after Lark
// took it, so one that failed is tried again; a crash between the two can buzz twice, never zero times.
func (s *Service) buzzOnce(ctx context.Context, eventID int64, messageID, openID string) error {
	key := fmt.Sprintf("buzz-%d-%s", eventID, openID)
	if s.Marks != nil {
		if done, err := s.Marks.Seen(ctx, key); err != nil {
			return err
		} else if done {
			return nil
		}
	}
	if err := s.Messenger.Urgent(ctx, messageID, []string{openID}); err != nil {
		return err
	}
	if s.Marks != nil {
		if _, err := s.Marks.FirstSeen(ctx, key, buzzTTL); err != nil {
			s.logger().Warn("record buzz", "event_id", eventID, "error", err)
		}
	}
	return nil
}
