package handlers

import (
	"context"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cards"
	"github.com/baton-crm/baton/crm"
)

// HandleContact passes a Feishu contact change to the department pools: a leaver is taken out of rotation
// and their leads handled at once, any other change refreshes the rosters soon.
func (h *Lark) HandleContact(ctx context.Context, e bot.ContactEvent) error {
	h.Logger.Info("contact change", "event_type", e.Type, "open_id", e.OpenID, "left", e.Left)
	return h.Service.ContactChanged(ctx, crm.ContactChange{OpenID: e.OpenID, Left: e.Left})
}

// leaverCard redraws a leaver card after a reassign from it (cards.LeaverCard's actions name the leaver),
// instead of turning the whole list into a receipt for one lead. nil when the action is not from one.
func (h *Lark) leaverCard(ctx context.Context, act cards.Action) []byte {
	leaver, pool := act.Args["leaver"], act.Args["pool"]
	if leaver == "" || pool == "" {
		return nil
	}
	card, err := h.Service.LeaverCard(ctx, pool, leaver)
	if err != nil {
		h.Logger.Warn("redraw leaver card", "pool", pool, "open_id", leaver, "error", err)
		return nil
	}
	return card
}

var _ bot.ContactHandler = (*Lark)(nil)
