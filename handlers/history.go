package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cards"
	"github.com/baton-crm/baton/crm"
)

// historyExample is the example an error card about /lead N shows.
const historyExample = "/lead 123"

// LeadNumber reads the argument of "/lead 123" or "/lead #123": a lead number asks for the lead's history.
// A bare number that is a valid phone number ("/lead 13800138000") stays a lead entry, as it always was;
// "#" makes any number a lead number.
func LeadNumber(args string) (int64, bool) {
	s := strings.TrimSpace(args)
	hash := false
	for _, p := range []string{"#", "＃"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			s, hash = strings.TrimSpace(rest), true
		}
	}
	if s == "" || len(s) > 19 || s[0] == '0' {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	if !hash {
		if _, err := crm.NormalizePhone(s); err == nil {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// leadHistory answers /lead N with the lead's history card, or says why the sender may not see it.
func (h *Lark) leadHistory(ctx context.Context, actor string, id int64) []byte {
	hist, err := h.Service.History(ctx, id, actor)
	if err != nil {
		return h.errorCard(ctx, "history", err, historyExample)
	}
	h.Logger.Info("history shown", "lead_id", id, "open_id", actor, "masked", hist.Masked)
	return cards.HistoryCard(hist)
}

// sendHistory answers the History button: the history card goes to the clicker's DM, so the card clicked
// (an owner card, an escalation) stays as it is.
func (h *Lark) sendHistory(ctx context.Context, a bot.CardAction, act cards.Action) error {
	hist, err := h.Service.History(ctx, act.Lead, a.OperatorOpenID)
	if err != nil {
		return err
	}
	key := "history-" + a.EventID
	if a.EventID == "" {
		key = fmt.Sprintf("history-%d-%s-%d", act.Lead, a.OperatorOpenID, hist.View.Lead.Rev)
	}
	if _, err := h.Messenger.Send(ctx, crm.Recipient{OpenID: a.OperatorOpenID}, crm.Outgoing{Card: cards.HistoryCard(hist)}, key); err != nil {
		return fmt.Errorf("send history of lead %d: %w", act.Lead, err)
	}
	return nil
}
