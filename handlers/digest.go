package handlers

import (
	"context"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cards"
)

// digest handles /digest. Digests are not built yet.
func (h *Lark) digest(ctx context.Context, m bot.Message, cmd Command) []byte {
	return cards.CommandError("周报功能尚未开放", "Digests are not available yet", "/help")
}
