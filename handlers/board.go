package handlers

import (
	"context"
	"errors"
	"strconv"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cards"
	"github.com/baton-crm/baton/crm"
)

// boardOf returns the board a Claim button sits on (its "board" field), 0 for a single card.
func boardOf(act cards.Action) int64 {
	id, err := strconv.ParseInt(act.Args["board"], 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// claimOnBoard applies a Claim tapped on a pool board: the same claim as from a single card (same rules,
// same precondition, same refusals), answered with the board redrawn as it now stands instead of the
// lead's own card, so the board keeps its other rows.
func (h *Lark) claimOnBoard(ctx context.Context, a bot.CardAction, act cards.Action, board int64) *bot.CardResponse {
	l, err := h.Service.Claim(ctx, act.Lead, act.Expect(), a.OperatorOpenID)
	var resp *bot.CardResponse
	if err != nil {
		resp = h.refused(ctx, a, act, noCard, err)
		resp.Card = nil
		var lost *crm.LostClaimError
		var st *crm.StaleError
		switch {
		case errors.As(err, &lost):
			explainLostClaim(lost.Lead, a.OperatorOpenID, resp)
		case errors.As(err, &st) && st.Lead != nil && st.Lead.Owned() && st.Lead.OwnerID == a.OperatorOpenID:
			explainLostClaim(st.Lead, a.OperatorOpenID, resp)
		}
	} else {
		h.Logger.Info("card action", "op", act.Op, "lead_id", act.Lead, "open_id", a.OperatorOpenID, "board_id", board)
		zh, en := doneText(act.Op, l)
		resp = toast("success", zh, en)
	}
	card, err := h.Service.BoardCard(ctx, board, act.Lead)
	if err != nil {
		h.Logger.Warn("render board after action", "board_id", board, "lead_id", act.Lead, "error", err)
		return resp
	}
	resp.Card = card
	return resp
}
