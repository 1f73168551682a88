package handlers

import (
	"context"
	"strconv"
	"time"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cards"
	"github.com/baton-crm/baton/crm"
)

// insightsExample is the /insights example the error cards show.
const insightsExample = "/insights 13800138000\n/insights campaign:双11"

// insight handles /insight in an ops channel: with no arguments it opens the form; otherwise it files the
// insight, or asks which customer when several match. Elsewhere it is refused with a card that says where
// insights go.
func (h *Lark) insight(ctx context.Context, m bot.Message, cmd Command) []byte {
	if !h.Service.IsOpsChannel(m.ChatID) {
		return opsOnly()
	}
	if cmd.Args == "" {
		return cards.InsightForm()
	}
	req, err := crm.ParseInsight(cmd.Args)
	if err != nil {
		return h.errorCard(ctx, "insight", err, cards.InsightExample)
	}
	req.AuthorID, req.ChatID, req.MessageID = m.SenderOpenID, m.ChatID, m.MessageID
	return h.fileInsight(ctx, req)
}

// fileInsight stores a parsed insight and renders the answer: a confirmation, the "which one?" card, or an
// error card with an example.
func (h *Lark) fileInsight(ctx context.Context, req crm.InsightRequest) []byte {
	res, err := h.Service.AddInsight(ctx, req)
	switch {
	case crm.ErrorCode(err) == crm.EFORBIDDEN:
		return opsOnly()
	case err != nil:
		return h.errorCard(ctx, "insight", err, cards.InsightExample)
	case len(res.Candidates) > 0:
		return cards.InsightPick(res.Candidates, res.Insight.ID)
	}
	return cards.InsightSaved(res.Insight, res.Customer)
}

// insights handles /insights: ops channels, pool members and managers may read what ops said about a
// customer, a campaign or a source; customers who are not the reader's show masked.
func (h *Lark) insights(ctx context.Context, m bot.Message, cmd Command) []byte {
	if cmd.Args == "" {
		return cards.CommandError("请写明要查看的客户或活动", "Name a customer or a campaign", insightsExample)
	}
	req, _, err := crm.ParseInsightTarget(cmd.Args)
	if err != nil {
		return h.errorCard(ctx, "insights", err, insightsExample)
	}
	l, err := h.Service.ListInsights(ctx, crm.InsightReader{OpenID: m.SenderOpenID, ChatID: m.ChatID}, req)
	if err != nil {
		return h.errorCard(ctx, "insights", err, insightsExample)
	}
	if len(l.Candidates) > 0 {
		return cards.InsightPick(l.Candidates, 0)
	}
	return cards.InsightList(l, h.now(), h.Service.Settings.Location)
}

// insightPick handles a click on the "which customer?" card: it files the pending insight under the
// customer (or, from /insights, lists that customer's insights) and turns the card into the answer, so the
// choice cannot be made twice.
func (h *Lark) insightPick(ctx context.Context, a bot.CardAction, act cards.Action) error {
	customerID, err := strconv.ParseInt(act.Args["customer"], 10, 64)
	if err != nil || customerID <= 0 {
		return crm.Bilingual(crm.EINVALID, "卡片已失效，请重新发送命令", "This card is no longer valid; send the command again")
	}
	var card []byte
	if raw := act.Args["insight"]; raw != "" {
		insightID, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || insightID <= 0 {
			return crm.Bilingual(crm.EINVALID, "卡片已失效，请重新发送命令", "This card is no longer valid; send the command again")
		}
		res, err := h.Service.PickInsightTarget(ctx, insightID, customerID, a.OperatorOpenID, a.ChatID)
		if err != nil {
			return err
		}
		card = cards.InsightSaved(res.Insight, res.Customer)
	} else {
		l, err := h.Service.CustomerInsights(ctx, crm.InsightReader{OpenID: a.OperatorOpenID, ChatID: a.ChatID}, customerID)
		if err != nil {
			return err
		}
		card = cards.InsightList(l, h.now(), h.Service.Settings.Location)
	}
	h.replaceCard(ctx, a.MessageID, card)
	return nil
}

// insightForm handles a submit of the /insight form.
func (h *Lark) insightForm(ctx context.Context, a bot.CardAction) error {
	req, err := crm.InsightFromForm(formString(a.FormValue, "target"), formString(a.FormValue, "tags"), formString(a.FormValue, "note"))
	if err != nil {
		return err
	}
	req.AuthorID, req.ChatID, req.MessageID = a.OperatorOpenID, a.ChatID, a.MessageID
	res, err := h.Service.AddInsight(ctx, req)
	if err != nil {
		return err
	}
	if len(res.Candidates) > 0 {
		// The form stays as it is, so the author can submit another insight; the question goes below it.
		_, err := h.Messenger.Reply(ctx, a.ChatID, a.MessageID, crm.Outgoing{Card: cards.InsightPick(res.Candidates, res.Insight.ID)},
			"insight-pick-"+strconv.FormatInt(res.Insight.ID, 10))
		if err != nil {
			h.Logger.WarnContext(ctx, "send insight pick card", "insight_id", res.Insight.ID, "error", err)
		}
		return nil
	}
	_, err = h.Messenger.Reply(ctx, a.ChatID, a.MessageID, crm.Outgoing{Card: cards.InsightSaved(res.Insight, res.Customer)},
		"insight-saved-"+strconv.FormatInt(res.Insight.ID, 10))
	if err != nil {
		h.Logger.WarnContext(ctx, "send insight confirmation", "insight_id", res.Insight.ID, "error", err)
	}
	return nil
}

// replaceCard redraws the clicked card. A failure is logged, not returned: the insight is stored, and the
// toast already tells the person so.
func (h *Lark) replaceCard(ctx context.Context, messageID string, card []byte) {
	if messageID == "" {
		return
	}
	if err := h.Messenger.UpdateCard(ctx, messageID, card); err != nil {
		h.Logger.WarnContext(ctx, "update insight card", "message_id", messageID, "error", err)
	}
}

func (h *Lark) now() time.Time {
	if h.Service.Now != nil {
		return h.Service.Now()
	}
	return time.Now()
}

func opsOnly() []byte {
	return cards.Text("只能在运营群里发布洞察。销售可以用 /insights 查看客户或活动的洞察。",
		"Insights can only be posted in an ops channel. Reps and managers can read them with /insights.")
}
