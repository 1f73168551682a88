package crm

import (
	"context"
	"fmt"
)

// refreshCard delivers an EventCardRefreshed: Lark stops updating a card JSON 2.0 message, and its buttons
// stop working, 14 days after it was sent (CardUpdateWindow). Before that the lead's live card is posted
// anew, the card bookkeeping points to it, and the old card is edited into a read-only pointer to the new
// one. The send's key makes a retry after a crash post nothing twice (Lark returns the same message).
func (s *Service) refreshCard(ctx context.Context, v LeadView, cs *CardState, e LeadEvent) error {
	l := v.Lead
	if !l.Open() {
		return nil
	}
	key := fmt.Sprintf("refresh-%d", e.ID)
	var old, id string
	var err error
	switch {
	case e.Data["card"] == "owner" && l.Owned() && cs.OwnerMessageID != "" && cs.OwnerCardFor == l.OwnerID:
		id, err = s.Messenger.Send(ctx, Recipient{OpenID: l.OwnerID}, Outgoing{Card: s.Renderer.OwnerCard(v)}, key)
		if err != nil {
			return toUser(l.OwnerID, fmt.Errorf("re-post owner card: %w", err))
		}
		old, cs.OwnerMessageID = cs.OwnerMessageID, id
	case e.Data["card"] == "pool" && !l.Owned() && cs.PoolMessageID != "" && cs.PoolCardEpoch == l.PoolEpoch:
		id, err = s.Messenger.Send(ctx, Recipient{ChatID: v.Pool.ChatID}, Outgoing{Card: s.Renderer.PoolCard(v)}, key)
		if err != nil {
			return toChat(v.Pool.ChatID, fmt.Errorf("re-post pool card: %w", err))
		}
		old, cs.PoolMessageID = cs.PoolMessageID, id
	default:
		return nil // the card changed hands or was re-posted meanwhile: the live one is already fresh
	}
	if err := s.Leads.SetCardState(ctx, l.ID, *cs); err != nil {
		return err
	}
	if e.Data["card"] == "pool" && s.onBoard(ctx, l.ID, cs.PoolCardEpoch, old) {
		// A lead waiting on a board is re-posted as a card of its own (a board's other leads have timers of
		// their own, and most were claimed long ago); its row on the board now points to the new card.
		if err := s.redrawBoard(ctx, s.boardID(ctx, l.ID, cs.PoolCardEpoch)); err != nil {
			s.logger().Warn("mark re-posted lead on its board", "lead_id", l.ID, "error", err)
		}
		s.logger().Info("card re-posted ahead of lark's update window", "lead_id", l.ID, "card", "board_row",
			"old_message_id", old, "message_id", id)
		return nil
	}
	moved := v
	moved.Moved = true
	render := s.Renderer.PoolCard
	if e.Data["card"] == "owner" {
		render = s.Renderer.OwnerCard
	}
	if err := s.Messenger.UpdateCard(ctx, old, render(moved)); err != nil {
		// The new card is live; an old card Lark no longer updates keeps its look, nothing more.
		s.logger().Warn("point old card to the re-posted one", "lead_id", l.ID, "message_id", old, "error", err)
	}
	s.logger().Info("card re-posted ahead of lark's update window", "lead_id", l.ID, "card", e.Data["card"],
		"old_message_id", old, "message_id", id)
	return nil
}

// boardID returns the board showing the lead in epoch, 0 when none (or boards are off).
func (s *Service) boardID(ctx context.Context, leadID int64, epoch int) int64 {
	if s.Boards == nil {
		return 0
	}
	id, err := s.Boards.BoardOf(ctx, leadID, epoch)
	if err != nil {
		return 0
	}
	return id
}

// onBoard reports whether messageID is the board that shows the lead in epoch.
func (s *Service) onBoard(ctx context.Context, leadID int64, epoch int, messageID string) bool {
	id := s.boardID(ctx, leadID, epoch)
	if id == 0 {
		return false
	}
	b, err := s.Boards.Board(ctx, id)
	return err == nil && b.MessageID == messageID
}
