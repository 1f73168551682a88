package handlers

import (
	"context"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cards"
)

// insight handles /insight. Insights are not built yet.
func (h *Lark) insight(ctx context.Context, m bot.Message, cmd Command) []byte {
	return cards.CommandError("洞察功能尚未开放", "Insights are not available yet", "/help")
}

// insights handles /insights. Insights are not built yet.
func (h *Lark) insights(ctx context.Context, m bot.Message, cmd Command) []byte {
	return cards.CommandError("洞察功能尚未开放", "Insights are not available yet", "/help")
}
