package handlers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cards"
	"github.com/baton-crm/baton/crm"
)

// IsFreeText reports whether /lead's argument is pasted text to read rather than the one-line entry
// ("/lead 张三 13800138000 想了解企业版") or a lead number ("/lead 123"): it spans several lines and has no
// key=value word (name=, phone=…), which only a person typing an entry writes.
func IsFreeText(args string) bool {
	if !strings.Contains(strings.TrimSpace(args), "\n") {
		return false
	}
	var probe crm.LeadInput
	for _, f := range strings.Fields(args) {
		if k, v, ok := strings.Cut(f, "="); ok && v != "" && leadField(&probe, strings.ToLower(k)) != nil {
			return false
		}
	}
	return true
}

// proposeLead answers /lead + free text with a filled lead form and the dedupe result; nothing is stored
// before the person submits it. With the assistant's extract feature on, the reply is a placeholder the
// assist:extract job redraws, so no model request sits on the event's path.
func (h *Lark) proposeLead(ctx context.Context, m bot.Message, text string) error {
	s := h.Service
	if s.AssistJobs != nil && s.Settings.Assist.On(crm.AssistExtract) {
		id, err := h.Messenger.Reply(ctx, m.ChatID, m.MessageID, crm.Outgoing{Card: cards.AssistReading()}, "re-"+m.MessageID)
		if err != nil {
			return fmt.Errorf("reply to /lead text: %w", err)
		}
		if err := s.AssistJobs.Extract(ctx, m.SenderOpenID, id, text); err == nil {
			return nil
		} else {
			h.Logger.Warn("queue assist extract", "message_id", id, "error", err)
		}
		p, err := s.ProposeLead(ctx, text, false)
		if err != nil {
			return h.Messenger.UpdateCard(ctx, id, h.errorCard(ctx, "lead", err, "/lead"))
		}
		return h.Messenger.UpdateCard(ctx, id, cards.LeadProposal(p))
	}
	var card []byte
	if p, err := s.ProposeLead(ctx, text, false); err != nil {
		card = h.errorCard(ctx, "lead", err, "/lead")
	} else {
		card = cards.LeadProposal(p)
	}
	if _, err := h.Messenger.Reply(ctx, m.ChatID, m.MessageID, crm.Outgoing{Card: card}, "re-"+m.MessageID); err != nil {
		return fmt.Errorf("reply to /lead text: %w", err)
	}
	return nil
}

// applyAssist runs the owner's confirm of an assistant's offer.
func (h *Lark) applyAssist(ctx context.Context, a bot.CardAction, act cards.Action) (*crm.Lead, error) {
	s, actor := h.Service, a.OperatorOpenID
	switch act.Op {
	case cards.OpAssistNote:
		return s.AddAssistNote(ctx, act.Lead, act.Expect(), actor, act.Args["feature"], formString(a.FormValue, "summary"))
	case cards.OpAssistStage:
		return s.Save(ctx, act.Lead, act.Expect(), actor, crm.WorkUpdate{Stage: crm.Stage(act.Args["stage"])})
	case cards.OpAssistFollow:
		at, err := time.Parse(time.RFC3339, act.Args["at"])
		if err != nil {
			return nil, crm.Bilingual(crm.EINVALID, "卡片操作无效", "This action is not valid")
		}
		return s.Save(ctx, act.Lead, act.Expect(), actor, crm.WorkUpdate{FollowUp: at})
	}
	return nil, crm.Bilingual(crm.EINVALID, "该操作暂不支持", "This action is not supported")
}
