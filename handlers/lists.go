package handlers

import (
	"context"
	"strconv"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cards"
	"github.com/baton-crm/baton/crm"
)

// poolList is one page of the leads waiting in pool, longest-waiting first, with the total.
func (h *Lark) poolList(ctx context.Context, pool *crm.Pool, offset int) []byte {
	page, err := h.Service.ListPage(ctx, crm.LeadFilter{Pool: pool.Key, Unclaimed: true, OpenOnly: true, Oldest: true,
		Offset: offset, Limit: cards.PageSize})
	if err != nil {
		return h.errorCard(ctx, "pool", err, "/pool "+pool.Key)
	}
	return cards.LeadListPage([2]string{pool.Name + " · 待认领", pool.Name + " · unclaimed"}, cards.ListPool, pool.Key, page)
}

// myList is one page of the rep's open leads, earliest claimed first, with the total.
func (h *Lark) myList(ctx context.Context, openID string, offset int) ([]byte, error) {
	page, err := h.Service.ListPage(ctx, crm.LeadFilter{OwnerID: openID, OpenOnly: true, Oldest: true,
		Offset: offset, Limit: cards.PageSize})
	if err != nil {
		return nil, err
	}
	return cards.LeadListPage([2]string{"我的线索", "My leads"}, cards.ListMine, "", page), nil
}

// page answers a list card's next-page button by redrawing the card with the next page. /my pages list the
// leads of whoever taps, never of the person the card was first sent to.
func (h *Lark) page(ctx context.Context, a bot.CardAction, act cards.Action) *bot.CardResponse {
	offset, err := strconv.Atoi(act.Args["offset"])
	if err != nil || offset < 0 {
		return toast("error", "卡片已失效，请重新发送命令", "This card is no longer valid; send the command again")
	}
	var card []byte
	switch cards.ListKind(act.Args["list"]) {
	case cards.ListPool:
		pool, ok := h.Service.Settings.Pool(act.Args["pool"])
		if !ok {
			return toast("error", "该线索池已不存在", "That pool no longer exists")
		}
		card = h.poolList(ctx, pool, offset)
	case cards.ListMine:
		if card, err = h.myList(ctx, a.OperatorOpenID, offset); err != nil {
			h.Logger.ErrorContext(ctx, "list page", "open_id", a.OperatorOpenID, "error", err)
			return toast("error", "暂时无法读取线索，请稍后再试", "Leads cannot be read right now; try again shortly")
		}
	default:
		return toast("error", "卡片已失效，请重新发送命令", "This card is no longer valid; send the command again")
	}
	resp := toast("info", "下一页", "Next page")
	resp.Card = card
	return resp
}
