package handlers

import (
	"context"
	"strings"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cards"
	"github.com/baton-crm/baton/crm"
)

// digestExample is the example a mistyped /digest is answered with.
const digestExample = "/digest east last week"

// digest handles /digest [pool] [this week|last week|YYYY-Www]. Without a pool it covers the pool of the
// group it is sent in, or in a DM every pool the sender manages.
func (h *Lark) digest(ctx context.Context, m bot.Message, cmd Command) []byte {
	pool, week := h.digestArgs(cmd.Args)
	if pool == "" {
		if p := h.chatPool(m.ChatID); p != nil && p.IsManager(m.SenderOpenID) {
			pool = p.Key
		}
	}
	return h.digestCard(ctx, m.SenderOpenID, pool, week)
}

// digestCard computes the digest and renders it, or the card that explains why not.
func (h *Lark) digestCard(ctx context.Context, actor, pool, week string) []byte {
	d, err := h.Service.Digest(ctx, actor, pool, week)
	switch crm.ErrorCode(err) {
	case "":
		return h.Cards.DigestCard(d)
	case crm.EFORBIDDEN:
		en, zh := crm.ErrorMessage(err)
		return cards.Text(zh, en)
	default:
		return h.errorCard(ctx, "digest", err, digestExample)
	}
}

// digestArgs splits the arguments into a pool (the first word, when it names a pool by key or name) and
// the week words.
func (h *Lark) digestArgs(args string) (pool, week string) {
	words := strings.Fields(args)
	if len(words) == 0 {
		return "", ""
	}
	for _, p := range h.Service.Settings.Pools {
		if strings.EqualFold(words[0], p.Key) || (p.Name != "" && words[0] == p.Name) {
			return p.Key, strings.Join(words[1:], " ")
		}
	}
	return "", strings.Join(words, " ")
}

// chatPool returns the pool whose group chatID is, or nil.
func (h *Lark) chatPool(chatID string) *crm.Pool {
	for i := range h.Service.Settings.Pools {
		if p := &h.Service.Settings.Pools[i]; chatID != "" && p.ChatID == chatID {
			return p
		}
	}
	return nil
}
