package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cards"
	"github.com/baton-crm/baton/crm"
)

// cardKind says which card a click came from, so the answer can redraw it.
type cardKind int

const (
	noCard cardKind = iota
	poolCard
	ownerCard
)

// HandleCardAction applies a card click. Every answer carries a toast; clicks on the pool or owner card
// also get that card redrawn at the lead's current revision. A click on a stale card is never applied: the
// person sees why and the fresh card.
func (h *Lark) HandleCardAction(ctx context.Context, a bot.CardAction) (*bot.CardResponse, error) {
	act, err := cards.DecodeAction(a.Value)
	if err != nil {
		h.Logger.Warn("card action refused", "reason", "bad value", "open_id", a.OperatorOpenID, "message_id", a.MessageID)
		return toast("error", "卡片已失效，请重新打开", "This card is no longer valid"), nil
	}
	if act.Op == cards.OpPage {
		return h.page(ctx, a, act), nil
	}
	if act.Op == cards.OpClose {
		return h.checkClose(ctx, a, act), nil
	}
	if resp, ok := h.managerAction(ctx, a, act); ok {
		return resp, nil
	}
	if b := boardOf(act); b > 0 && act.Op == cards.OpClaim {
		return h.claimOnBoard(ctx, a, act, b), nil
	}
	l, kind, err := h.apply(ctx, a, act)
	if err != nil {
		return h.refused(ctx, a, act, kind, err), nil
	}
	h.Logger.Info("card action", "op", act.Op, "lead_id", act.Lead, "open_id", a.OperatorOpenID)
	if card := h.handledCard(ctx, a, act, l); card != nil {
		zh, en := doneText(act.Op, l)
		resp := toast("success", zh, en)
		resp.Card = card
		return resp, nil
	}
	zh, en := doneText(act.Op, l)
	resp := toast("success", zh, en)
	if l != nil {
		resp.Card, _ = h.render(ctx, l.ID, kind)
	}
	return resp, nil
}

// apply runs the use case behind an action.
func (h *Lark) apply(ctx context.Context, a bot.CardAction, act cards.Action) (*crm.Lead, cardKind, error) {
	s, actor := h.Service, a.OperatorOpenID
	switch act.Op {
	case cards.OpClaim:
		l, err := s.Claim(ctx, act.Lead, act.Expect(), actor)
		return l, poolCard, err
	case cards.OpSave, cards.OpNote:
		u, err := workUpdate(a, h.Service.Settings.Location, h.Service.Clock())
		if err != nil {
			return nil, ownerCard, err
		}
		kind := ownerCard
		if act.Op == cards.OpNote {
			kind = noCard // note forms live on reminder cards
		}
		l, err := s.Save(ctx, act.Lead, act.Expect(), actor, u)
		if err == nil && strings.TrimSpace(u.Note) != "" {
			s.NoteSaved(ctx, l, actor) // the assistant's summary, when on, arrives as its own card
		}
		return l, kind, err
	case cards.OpStage:
		l, err := s.Save(ctx, act.Lead, act.Expect(), actor, crm.WorkUpdate{Stage: crm.Stage(a.Option)})
		return l, ownerCard, err
	case cards.OpFollowUp:
		at, err := parsePickerTime(a.Option, h.Service.Settings.Location, h.Service.Clock())
		if err != nil {
			return nil, ownerCard, err
		}
		l, err := s.Save(ctx, act.Lead, act.Expect(), actor, crm.WorkUpdate{FollowUp: at})
		return l, ownerCard, err
	case cards.OpWon, cards.OpLost:
		won, reason, amount, err := closeForm(a, act.Op)
		if err != nil {
			return nil, ownerCard, err
		}
		l, err := s.Close(ctx, act.Lead, act.Expect(), actor, won, reason, amount)
		return l, ownerCard, err
	case cards.OpCloseConfirm:
		amount, err := strconv.ParseInt(firstNonEmpty(act.Args["amount"], "0"), 10, 64)
		if err != nil || amount < 0 {
			return nil, ownerCard, crm.Bilingual(crm.EINVALID, "卡片操作无效，请重新结单", "This confirmation is not valid; close the lead again")
		}
		l, err := s.Close(ctx, act.Lead, act.Expect(), actor, act.Args["outcome"] == "won", act.Args["reason"], amount)
		return l, ownerCard, err
	case cards.OpCloseBack:
		l, err := s.Leads.Lead(ctx, act.Lead)
		return l, ownerCard, err
	case cards.OpFeedback:
		q := a.Option
		if q == "" {
			q = act.Args["quality"]
		}
		l, err := s.Feedback(ctx, act.Lead, act.Expect(), actor, crm.Quality(q))
		return l, ownerCard, err
	case cards.OpRelease:
		l, err := s.Release(ctx, act.Lead, act.Expect(), actor)
		return l, ownerCard, err
	case cards.OpReassign, cards.OpClaimFor:
		to := firstNonEmpty(a.Option, act.Args["to"], formString(a.FormValue, "to"))
		if to == "" {
			return nil, noCard, &crm.Error{Code: crm.EINVALID, Field: "to", ZH: "请选择接手的同事", Message: "Pick who should take the lead"}
		}
		l, err := s.Reassign(ctx, act.Lead, act.Expect(), actor, to)
		return l, noCard, err
	case cards.OpExtend:
		l, err := s.Extend(ctx, act.Lead, act.Expect(), actor)
		return l, noCard, err
	case cards.OpLock:
		l, err := s.SetLocked(ctx, act.Lead, act.Expect(), actor, act.Args["locked"] != "false")
		return l, noCard, err
	case cards.OpFollowUpDone:
		l, err := s.FollowUpDone(ctx, act.Lead, act.Expect(), actor)
		return l, noCard, err
	case cards.OpSnooze:
		d := time.Hour
		if act.Args["snooze"] == "1d" {
			d = 24 * time.Hour
		}
		l, err := s.Snooze(ctx, act.Lead, act.Expect(), actor, d)
		return l, noCard, err
	case cards.OpOpen:
		l, err := s.Reopen(ctx, act.Lead, actor)
		return l, noCard, err
	case cards.OpLeadForm:
		in := crm.LeadInput{Name: formString(a.FormValue, "name"), Phone: formString(a.FormValue, "phone"),
			Email: formString(a.FormValue, "email"), Company: formString(a.FormValue, "company"), Note: formString(a.FormValue, "note"),
			Title:  formString(a.FormValue, "title"),
			Fields: formFields(a.FormValue, s.Settings.Fields, false)}
		res, err := s.EnterLead(ctx, actor, &in)
		if err != nil {
			return nil, noCard, err
		}
		return res.Lead, noCard, nil
	case cards.OpFields:
		l, err := s.SetFields(ctx, act.Lead, act.Expect(), actor, formFields(a.FormValue, s.Settings.Fields, true))
		return l, ownerCard, err
	case cards.OpHistory:
		return nil, noCard, h.sendHistory(ctx, a, act)
	case cards.OpAssistNote, cards.OpAssistStage, cards.OpAssistFollow:
		l, err := h.applyAssist(ctx, a, act) // assist.go
		return l, noCard, err
	case cards.OpInsightPick:
		return nil, noCard, h.insightPick(ctx, a, act)
	case cards.OpInsightForm:
		return nil, noCard, h.insightForm(ctx, a)
	}
	return nil, noCard, crm.Bilingual(crm.EINVALID, "该操作暂不支持", "This action is not supported")
}

// refused answers a click that was not applied: conflicts redraw the card, everything else says why.
func (h *Lark) refused(ctx context.Context, a bot.CardAction, act cards.Action, kind cardKind, err error) *bot.CardResponse {
	code := crm.ErrorCode(err)
	if code == crm.EINTERNAL {
		h.Logger.ErrorContext(ctx, "card action failed", "op", act.Op, "lead_id", act.Lead, "error", err)
	} else {
		// Refusals are part of the audit trail (who tried what), logged with ids only.
		h.Logger.Info("card action refused", "op", act.Op, "lead_id", act.Lead, "open_id", a.OperatorOpenID, "code", code)
	}
	en, zh := crm.ErrorMessage(err)
	resp := toast("error", zh, en)
	if code == crm.ECONFLICT || code == crm.ELIMIT || code == crm.EFORBIDDEN {
		resp.Toast.Type = "warning"
	}
	var st *crm.StaleError
	errors.As(err, &st)
	if code == crm.ECONFLICT && kind == noCard && act.Lead > 0 && st != nil {
		// A reminder or an escalation whose precondition moved on: it becomes the lead as it stands now
		// (masked, as event cards are), so the person sees what changed instead of a button that lies.
		resp.Card = h.renderLead(ctx, st.Lead, poolCard)
		return resp
	}
	if code == crm.ECONFLICT && kind != noCard && act.Lead > 0 {
		// Domain refusals come with their own bilingual words; a bare conflict is the store saying the
		// revision moved under the card.
		var ce *crm.Error
		if errors.As(err, &ce) && ce.ZH == "" {
			resp.Toast.ZH, resp.Toast.EN = "卡片已过期，已刷新为最新状态", "This card was out of date; it now shows the current state"
		}
		var l *crm.Lead
		if lost := (*crm.LostClaimError)(nil); errors.As(err, &lost) {
			l = lost.Lead
			resp.Card = h.renderLead(ctx, l, kind)
		} else if st != nil {
			l = st.Lead
			resp.Card = h.renderLead(ctx, l, kind)
			return resp // its toast already says what changed
		} else {
			resp.Card, l = h.render(ctx, act.Lead, kind)
		}
		if kind == poolCard && l != nil {
			explainLostClaim(l, a.OperatorOpenID, resp)
		}
	}
	return resp
}

// explainLostClaim replaces a generic conflict toast with who won the race.
func explainLostClaim(l *crm.Lead, actor string, resp *bot.CardResponse) {
	if !l.Owned() {
		return
	}
	if l.OwnerID == actor {
		resp.Toast.ZH, resp.Toast.EN = "你已认领该线索", "You already own this lead"
		return
	}
	resp.Toast.ZH, resp.Toast.EN = "手慢了，该线索已被他人认领", "Too late: someone else claimed this lead first"
}

// render draws the card a click came from at the lead's current state, and returns that state.
func (h *Lark) render(ctx context.Context, leadID int64, kind cardKind) ([]byte, *crm.Lead) {
	if kind == noCard {
		return nil, nil
	}
	l, err := h.Service.Leads.Lead(ctx, leadID)
	if err != nil {
		h.Logger.Warn("render card after action", "lead_id", leadID, "error", err)
		return nil, nil
	}
	return h.renderLead(ctx, l, kind), l
}

// renderLead draws the card of kind for lead l as read by the caller. Clicks answered at the same moment
// for the same revision share one drawing: in a claim storm every loser gets the card the winner left,
// drawn once.
func (h *Lark) renderLead(ctx context.Context, l *crm.Lead, kind cardKind) []byte {
	key := fmt.Sprintf("%d:%d:%d", l.ID, l.Rev, kind)
	card, err, _ := h.renders.Do(key, func() (any, error) {
		v, err := h.Service.ViewOf(ctx, l)
		if err != nil {
			return nil, err
		}
		if kind == poolCard {
			return h.Cards.PoolCard(v), nil
		}
		if !v.Lead.Owned() {
			v.Retired = true
		}
		return h.Cards.OwnerCard(v), nil
	})
	if err != nil {
		h.Logger.Warn("render card after action", "lead_id", l.ID, "error", err)
		return nil
	}
	return card.([]byte)
}

func toast(typ, zh, en string) *bot.CardResponse {
	return &bot.CardResponse{Toast: &bot.Toast{Type: typ, ZH: zh, EN: en}}
}

func doneText(op string, l *crm.Lead) (zh, en string) {
	switch op {
	case cards.OpClaim:
		return "认领成功，完整联系方式已私信给你", "Claimed: the full contact is in your DM"
	case cards.OpRelease:
		return "已释放回公海池", "Released to the pool"
	case cards.OpCloseBack:
		return "已返回，可修改后重新结单", "Back to the lead: change the form and close again"
	case cards.OpCloseConfirm, cards.OpWon, cards.OpLost:
		if l != nil && l.Stage == crm.StageWon {
			return "恭喜赢单！", "Marked won. Congratulations!"
		}
		return "已标记输单", "Marked lost"
	case cards.OpFeedback:
		return "感谢反馈，已同步给运营", "Thanks: ops will see this feedback"
	case cards.OpReassign, cards.OpClaimFor:
		return "已转交", "Reassigned"
	case cards.OpExtend:
		return "已延长", "Extended"
	case cards.OpSnooze:
		return "稍后再提醒你", "I will remind you later"
	case cards.OpLeadForm:
		if l != nil {
			return fmt.Sprintf("已录入线索 #%d", l.ID), fmt.Sprintf("Lead #%d created", l.ID)
		}
	case cards.OpOpen:
		return "已重新发送线索卡片", "The lead card is on its way to your DM"
	case cards.OpHistory:
		return "跟进记录已私信给你", "The history is in your DM"
	case cards.OpInsightPick, cards.OpInsightForm:
		return "已处理", "Done"
	}
	return "已保存", "Saved"
}

// workUpdate reads the owner card's work form (or a reminder's note form).
func workUpdate(a bot.CardAction, loc *time.Location, now time.Time) (crm.WorkUpdate, error) {
	u := crm.WorkUpdate{Stage: crm.Stage(formString(a.FormValue, "stage")), Note: formString(a.FormValue, "note")}
	if s := formString(a.FormValue, "followup"); s != "" {
		at, err := parsePickerTime(s, loc, now)
		if err != nil {
			return u, err
		}
		u.FollowUp = at
	}
	return u, nil
}

func closeForm(a bot.CardAction, op string) (won bool, reason string, amount int64, err error) {
	outcome := formString(a.FormValue, "outcome")
	switch {
	case op == cards.OpWon:
		outcome = "won"
	case op == cards.OpLost:
		outcome = "lost"
	}
	switch outcome {
	case "won":
		won = true
	case "lost":
	default:
		return false, "", 0, &crm.Error{Code: crm.EINVALID, Field: "outcome", ZH: "请选择赢单或输单", Message: "Pick won or lost"}
	}
	reason = formString(a.FormValue, "lost_reason")
	if !won && !slices.Contains(crm.LostReasons, reason) {
		return false, "", 0, &crm.Error{Code: crm.EINVALID, Field: "lost_reason", ZH: "输单请选择原因", Message: "Pick a reason for losing the lead"}
	}
	if s := strings.TrimSpace(formString(a.FormValue, "amount")); s != "" && won {
		if amount, err = crm.ParseAmount(s); err != nil {
			return false, "", 0, err
		}
	}
	return won, reason, amount, nil
}

// parsePickerTime reads Lark's date-time and date picker values ("2026-12-01 15:30 +0800", "2026-12-01 +0800").
// A value without an offset is read in the configured time zone loc, never the server's. A date alone
// (a date_picker on a card drawn before the owner card had date and time) means 09:00 that day, when reps
// start calling; on the day itself, once 09:00 has passed, it means an hour from now, so "today" is still
// a follow-up later today.
func parsePickerTime(s string, loc *time.Location, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if loc == nil {
		loc = time.UTC
	}
	for _, layout := range []string{"2006-01-02 15:04 -0700", "2006-01-02 15:04:05 -0700", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	var day time.Time
	if t, err := time.Parse("2006-01-02 -0700", s); err == nil {
		day = t
	} else if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		day = t
	} else {
		return time.Time{}, &crm.Error{Code: crm.EINVALID, Field: "followup", ZH: "跟进时间格式不正确", Message: "The follow-up time is not a date and time"}
	}
	at := day.Add(9 * time.Hour)
	if y, m, d := day.Date(); !at.After(now) {
		if ny, nm, nd := now.In(day.Location()).Date(); ny == y && nm == m && nd == d {
			return now.Add(time.Hour).Truncate(time.Minute), nil
		}
	}
	return at, nil
}

func formString(form map[string]any, key string) string {
	switch v := form[key].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []any:
		if len(v) > 0 {
			if s, ok := v[0].(string); ok {
				return s
			}
		}
	}
	return ""
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// handledCard redraws a reminder or escalation someone just answered: who did what, and no buttons left to
// tap. Other actions (and pool or owner cards) get nil and keep their own redraw.
func (h *Lark) handledCard(ctx context.Context, a bot.CardAction, act cards.Action, l *crm.Lead) []byte {
	if l == nil {
		return nil
	}
	if card := h.leaverCard(ctx, act); card != nil { // contact.go
		return card
	}
	now := h.Service.Clock()
	zh, en := cards.HandledText(act.Op, l, h.Service.Settings.Location, now)
	if zh == "" {
		return nil
	}
	if cs, err := h.Service.Leads.CardState(ctx, l.ID); err != nil || a.MessageID == cs.PoolMessageID || a.MessageID == cs.OwnerMessageID {
		return nil // the lead's own cards are redrawn by the sync, never turned into a receipt
	}
	v, err := h.Service.ViewOf(ctx, l)
	if err != nil {
		h.Logger.Warn("render handled card", "lead_id", l.ID, "error", err)
		return nil
	}
	return cards.HandledCard(v, a.OperatorOpenID, zh, en, now)
}

// checkClose answers the close form's submit: the form is checked now (outcome, lost reason, amount such
// as "5万" or "¥12,000.50"), and a form that passes gets a confirmation card reading back what will be
// stored; only its Confirm closes the lead. A form that fails is refused with the field at fault, and the
// card keeps what the rep typed.
func (h *Lark) checkClose(ctx context.Context, a bot.CardAction, act cards.Action) *bot.CardResponse {
	won, reason, amount, err := closeForm(a, act.Op)
	if err != nil {
		return h.refused(ctx, a, act, ownerCard, err)
	}
	l, err := h.Service.Leads.Lead(ctx, act.Lead)
	if err == nil && l.OwnerID != a.OperatorOpenID {
		err = crm.Bilingual(crm.EFORBIDDEN, "只有负责人可以结单", "Only the lead's owner can close it")
	}
	var v crm.LeadView
	if err == nil {
		v, err = h.Service.ViewOf(ctx, l)
	}
	if err != nil {
		return h.refused(ctx, a, act, ownerCard, err)
	}
	resp := toast("info", "请确认结单信息", "Check and confirm the close")
	resp.Card = cards.CloseConfirmCard(v, won, reason, amount)
	return resp
}
