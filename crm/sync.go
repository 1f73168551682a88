package crm

import (
	"context"
	"errors"
	"fmt"
)

// SyncLead brings Lark in line with the database for one lead: the pool card exists and shows the current
// revision (a lead back in the pool gets a fresh card, the old one is marked), the owner has a DM card, and
// every pending notification is delivered. Each send carries a key derived from what it is for, so a repeat
// after a crash or a duplicate task posts nothing twice. Safe to run any number of times.
func (s *Service) SyncLead(ctx context.Context, leadID int64) error {
	// Pending notifications are read before the lead, so the view they are drawn from is at least as new
	// as they are: a reminder's buttons carry the state that followed it (a follow-up reminder's Snooze
	// must see the follow-up as handled), never the state before. A notification written after this read
	// belongs to a later revision, whose own sync delivers it.
	evs, err := s.Leads.PendingEvents(ctx, leadID)
	if err != nil {
		return err
	}
	l, err := s.Leads.Lead(ctx, leadID)
	if err != nil {
		return err
	}
	cs, err := s.Leads.CardState(ctx, leadID)
	if err != nil {
		return err
	}
	v, err := s.ViewOf(ctx, l)
	if err != nil {
		return err
	}
	before := cs
	errPool := s.syncPoolCard(ctx, v, &cs)
	pending := errors.Is(errPool, errBoardPending)
	if pending {
		errPool = nil // another worker posts the lead's board and points the lead at it
	}
	errOwner := s.syncOwnerCard(ctx, v, &cs)
	if errPool == nil && errOwner == nil && !pending {
		cs.CardsRev = l.Rev
	}
	if cs != before {
		if err := s.Leads.SetCardState(ctx, leadID, cs); err != nil {
			return err
		}
	}
	// Notifications do not wait for the cards: a card Lark will not update (older than 14 days, recalled)
	// must not hold back a follow-up reminder or a recycle warning.
	errNotify := s.deliverPending(ctx, v, &cs, evs)
	s.syncTaskQuietly(ctx, leadID) // tasks.go: never holds back cards or reminders
	if err := errors.Join(errPool, errOwner); err != nil {
		return errors.Join(fmt.Errorf("sync cards of lead %d: %w", leadID, err), errNotify)
	}
	return errNotify
}

// updateOrForget patches a card; when Lark refuses for good, it reports false so the caller posts a fresh
// card instead of retrying a patch that can never succeed.
func (s *Service) updateOrForget(ctx context.Context, leadID int64, messageID string, card []byte) (bool, error) {
	err := s.Messenger.UpdateCard(ctx, messageID, card)
	if err != nil && permanent(err) {
		s.logger().Warn("card can no longer be updated; posting a fresh one", "lead_id", leadID, "message_id", messageID, "error", err)
		return false, nil
	}
	return err == nil, err
}

func (s *Service) syncPoolCard(ctx context.Context, v LeadView, cs *CardState) error {
	l := v.Lead
	if v.Pool.ChatID == "" {
		return nil
	}
	if cs.PoolMessageID != "" && s.Boards != nil {
		if onBoard, err := s.syncBoardRow(ctx, v, cs); onBoard || err != nil {
			return err
		}
	}
	if cs.PoolMessageID != "" && cs.PoolCardEpoch != l.PoolEpoch {
		// The lead came back to the pool: close out the old card, a fresh one follows below.
		old := v
		old.Retired = true
		if err := s.Messenger.UpdateCard(ctx, cs.PoolMessageID, s.Renderer.PoolCard(old)); err != nil {
			s.logger().Warn("mark old pool card", "lead_id", l.ID, "error", err)
		}
		cs.PoolMessageID = ""
	}
	if cs.PoolMessageID == "" && l.Open() && !l.Owned() && s.Boards != nil {
		if onBoard, err := s.placeOnBoard(ctx, v, cs); onBoard || err != nil {
			return err
		}
	}
	switch {
	case cs.PoolMessageID == "" && l.Open() && (!l.Owned() || v.Pool.Mode == ModeClaim):
		key := fmt.Sprintf("pool-%d-%d", l.ID, l.PoolEpoch)
		id, err := s.Messenger.Send(ctx, Recipient{ChatID: v.Pool.ChatID}, Outgoing{Card: s.Renderer.PoolCard(v)}, key)
		if err != nil {
			return fmt.Errorf("post pool card: %w", err)
		}
		cs.PoolMessageID, cs.PoolCardEpoch = id, l.PoolEpoch
	case cs.PoolMessageID != "" && cs.CardsRev < l.Rev:
		ok, err := s.updateOrForget(ctx, l.ID, cs.PoolMessageID, s.Renderer.PoolCard(v))
		if err != nil {
			return fmt.Errorf("update pool card: %w", err)
		}
		if !ok && l.Open() && !l.Owned() {
			// The lead still waits in the pool: it needs a card people can tap.
			key := fmt.Sprintf("pool-%d-%d-r%d", l.ID, l.PoolEpoch, l.Rev)
			id, err := s.Messenger.Send(ctx, Recipient{ChatID: v.Pool.ChatID}, Outgoing{Card: s.Renderer.PoolCard(v)}, key)
			if err != nil {
				return fmt.Errorf("repost pool card: %w", err)
			}
			cs.PoolMessageID = id
		} else if !ok {
			cs.PoolMessageID = ""
		}
	}
	return nil
}

func (s *Service) syncOwnerCard(ctx context.Context, v LeadView, cs *CardState) error {
	l := v.Lead
	if cs.OwnerMessageID != "" && cs.OwnerCardFor != l.OwnerID {
		// The lead left its owner (released, recycled, reassigned): the old DM card must stop offering actions
		// and stop showing the full contact.
		if err := s.Messenger.UpdateCard(ctx, cs.OwnerMessageID, s.retiredOwnerCard(v)); err != nil {
			s.logger().Warn("retire owner card", "lead_id", l.ID, "error", err)
		}
		cs.OwnerMessageID, cs.OwnerCardFor = "", ""
	}
	switch {
	case l.Owned() && cs.OwnerMessageID == "" && l.Open():
		return s.sendOwnerCard(ctx, v, cs, fmt.Sprintf("owner-%d-%s-%d", l.ID, l.OwnerID, l.ClaimedAt.UnixMilli()))
	case cs.OwnerMessageID != "" && cs.CardsRev < l.Rev:
		ok, err := s.updateOrForget(ctx, l.ID, cs.OwnerMessageID, s.Renderer.OwnerCard(v))
		if err != nil {
			return fmt.Errorf("update owner card: %w", err)
		}
		if !ok {
			cs.OwnerMessageID, cs.OwnerCardFor = "", ""
			if l.Owned() && l.Open() {
				return s.sendOwnerCard(ctx, v, cs, fmt.Sprintf("owner-%d-%s-%d-r%d", l.ID, l.OwnerID, l.ClaimedAt.UnixMilli(), l.Rev))
			}
		}
	}
	return nil
}

func (s *Service) sendOwnerCard(ctx context.Context, v LeadView, cs *CardState, key string) error {
	id, err := s.Messenger.Send(ctx, Recipient{OpenID: v.Lead.OwnerID}, Outgoing{Card: s.Renderer.OwnerCard(v)}, key)
	if err != nil {
		return fmt.Errorf("send owner card: %w", err)
	}
	cs.OwnerMessageID, cs.OwnerCardFor = id, v.Lead.OwnerID
	return nil
}

// deliverPending sends the lead's pending notifications in order. One that fails stops the run (order
// matters: a reminder must not overtake the escalation before it); the task retries later.
func (s *Service) deliverPending(ctx context.Context, v LeadView, cs *CardState, evs []LeadEvent) error {
	for _, e := range evs {
		deliver := s.deliver
		if e.Kind == EventCardRefreshed {
			deliver = s.refreshCard
		}
		if err := deliver(ctx, v, cs, e); err != nil {
			if !permanent(err) {
				// A missing scope, a refused card, Lark down: an admin or time fixes it. The task retries with
				// backoff (and the sweep after that); a notification that keeps failing is shown and told.
				s.noteFailed(ctx, v, e, err)
				return fmt.Errorf("deliver %s event %d: %w", e.Kind, e.ID, err)
			}
			// Retrying cannot help (the message was recalled, the bot was removed from the chat, the person
			// left): record it as handled so the notifications behind it still go out.
			s.logger().Warn("notification dropped: lark refused it for good", "lead_id", v.Lead.ID, "event_id", e.ID,
				"kind", e.Kind, "code", failureCode(err), "error", err)
		}
		s.noteDelivered(ctx, v, e)
		if err := s.Leads.MarkNotified(ctx, e.ID, s.now()); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) deliver(ctx context.Context, v LeadView, cs *CardState, e LeadEvent) error {
	if e.Kind == EventEscalated && len(v.Candidates) == 0 {
		if ids, err := s.poolMembers(ctx, v.Pool); err == nil {
			v.Candidates = ids
		}
	}
	card := s.Renderer.EventCard(v, e)
	if card == nil {
		return nil
	}
	msg := Outgoing{Card: card}
	key := func(to string) string { return fmt.Sprintf("ev-%d-%s", e.ID, to) }
	switch e.Kind {
	case EventReminded:
		if e.Data["action"] == string(ActionRemindPool) {
			if cs.PoolMessageID != "" {
				_, err := s.Messenger.Reply(ctx, v.Pool.ChatID, cs.PoolMessageID, msg, key("pool"))
				if !permanent(err) {
					return toChat(v.Pool.ChatID, err)
				}
				// The card was recalled: remind the chat without a thread.
			}
			_, err := s.Messenger.Send(ctx, Recipient{ChatID: v.Pool.ChatID}, msg, key("pool"))
			return toChat(v.Pool.ChatID, err)
		}
		return s.dm(ctx, v.Lead.OwnerID, msg, key)
	case EventEscalated:
		for _, m := range v.Pool.Managers {
			id, err := s.Messenger.Send(ctx, Recipient{OpenID: m}, msg, key(m))
			if err != nil {
				return toUser(m, err)
			}
			if e.Data["action"] == string(ActionUrgent) {
				if err := s.buzzOnce(ctx, e.ID, id, m); err != nil {
					return toUser(m, err)
				}
			}
		}
		return nil
	case EventRecycled:
		return s.dm(ctx, e.Data["prev_owner"], msg, key)
	default: // touch, follow-up due, recycle warning: the current owner
		return s.dm(ctx, v.Lead.OwnerID, msg, key)
	}
}

func (s *Service) dm(ctx context.Context, openID string, msg Outgoing, key func(string) string) error {
	if openID == "" {
		return nil
	}
	_, err := s.Messenger.Send(ctx, Recipient{OpenID: openID}, msg, key(openID))
	return toUser(openID, err)
}

func (s *Service) retiredOwnerCard(v LeadView) []byte {
	v.Retired = true
	return s.Renderer.OwnerCard(v)
}
