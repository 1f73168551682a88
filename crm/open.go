package crm

import (
	"context"
	"fmt"
)

// Reopen sends the owner a fresh copy of their card in a DM (the "Open" button of lead lists and touch
// notices), whether or not the card they have is current: the person asked to see it. The new message
// becomes the owner card that later changes update.
func (s *Service) Reopen(ctx context.Context, leadID int64, actor string) (*Lead, error) {
	l, err := s.Leads.Lead(ctx, leadID)
	if err != nil {
		return nil, err
	}
	if l.OwnerID != actor {
		return nil, Bilingual(EFORBIDDEN, "只有认领人可以打开该线索", "Only the owner can open this lead")
	}
	if !l.Open() {
		return nil, Bilingual(ECONFLICT, "该线索已关闭", "This lead is closed")
	}
	v, err := s.ViewOf(ctx, l)
	if err != nil {
		return nil, err
	}
	cs, err := s.Leads.CardState(ctx, leadID)
	if err != nil {
		return nil, err
	}
	// Each tap is its own request for a copy; a repeat of the same tap (a redelivered callback) is
	// deduplicated by its event id before it gets here.
	key := fmt.Sprintf("open-%d-%s-%d", l.ID, actor, s.now().UnixMilli())
	if err := s.sendOwnerCard(ctx, v, &cs, key); err != nil {
		return nil, fmt.Errorf("open lead %d: %w", leadID, err)
	}
	if err := s.Leads.SetCardState(ctx, leadID, cs); err != nil {
		return nil, fmt.Errorf("open lead %d: %w", leadID, err)
	}
	return l, nil
}
