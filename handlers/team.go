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

// team answers /team: the manager's pools, one row per rep. Anyone else gets a refusal saying why.
func (h *Lark) team(ctx context.Context, m bot.Message) []byte {
	t, err := h.Service.TeamSummary(ctx, m.SenderOpenID)
	if err != nil {
		return h.errorCard(ctx, "team", err, "/team")
	}
	return cards.TeamCard(t)
}

// managerAction handles the clicks of the manager cards (/team drill-down, batch forms). ok is false for
// every other operation, which HandleCardAction applies as usual.
func (h *Lark) managerAction(ctx context.Context, a bot.CardAction, act cards.Action) (resp *bot.CardResponse, ok bool) {
	var err error
	switch act.Op {
	case cards.OpTeamRep:
		resp, err = h.teamRep(ctx, a, act)
	case cards.OpBatchForm:
		resp, err = h.batchForm(ctx, a, act)
	case cards.OpBatch:
		resp, err = h.batch(ctx, a, act)
	default:
		return nil, false
	}
	if err != nil {
		return h.refused(ctx, a, act, noCard, err), true
	}
	h.Logger.Info("card action", "op", act.Op, "open_id", a.OperatorOpenID)
	return resp, true
}

// teamRep answers a drill-down tap with the rep's open leads (and the batch form), as a reply to the
// /team card so the overview stays in place for the next rep.
func (h *Lark) teamRep(ctx context.Context, a bot.CardAction, act cards.Action) (*bot.CardResponse, error) {
	card, err := h.repLeadsCard(ctx, a.OperatorOpenID, act.Args["pool"], act.Args["rep"])
	if err != nil {
		return nil, err
	}
	if _, err := h.Messenger.Reply(ctx, a.ChatID, a.MessageID, crm.Outgoing{Card: card}, "team-rep-"+firstNonEmpty(a.EventID, a.Token, a.MessageID)); err != nil {
		return nil, fmt.Errorf("reply with rep leads: %w", err)
	}
	return toast("success", "已发送该同事的线索列表", "The rep's leads are on their way"), nil
}

func (h *Lark) repLeadsCard(ctx context.Context, actor, pool, rep string) ([]byte, error) {
	s := h.Service
	views, err := s.RepLeads(ctx, actor, pool, rep, crm.MaxBatch)
	if err != nil {
		return nil, err
	}
	bt, err := h.batchTarget(ctx, pool, actor)
	if err != nil {
		return nil, err
	}
	bt.Rep = rep
	r := crm.RepLoad{OpenID: rep}
	if m, err := s.Members.Member(ctx, rep); err == nil {
		r.Name = m.Name
	}
	return cards.RepLeads(r, views, bt), nil
}

// batchForm answers the /pool card's batch button with the form for the pool's waiting leads.
func (h *Lark) batchForm(ctx context.Context, a bot.CardAction, act cards.Action) (*bot.CardResponse, error) {
	card, err := h.poolBatchCard(ctx, a.OperatorOpenID, act.Args["pool"])
	if err != nil {
		return nil, err
	}
	if _, err := h.Messenger.Reply(ctx, a.ChatID, a.MessageID, crm.Outgoing{Card: card}, "batch-form-"+firstNonEmpty(a.EventID, a.Token, a.MessageID)); err != nil {
		return nil, fmt.Errorf("reply with batch form: %w", err)
	}
	return toast("success", "已发送批量分配表单", "The batch form is on its way"), nil
}

func (h *Lark) poolBatchCard(ctx context.Context, actor, pool string) ([]byte, error) {
	bt, err := h.batchTarget(ctx, pool, actor)
	if err != nil {
		return nil, err
	}
	views, err := h.Service.ListLeads(ctx, crm.LeadFilter{Pool: bt.Pool.Key, Unclaimed: true, OpenOnly: true, Limit: crm.MaxBatch})
	if err != nil {
		return nil, err
	}
	return cards.PoolBatch(views, bt), nil
}

func (h *Lark) batchTarget(ctx context.Context, pool, actor string) (cards.BatchTarget, error) {
	p, err := h.Service.ManagedPool(pool, actor)
	if err != nil {
		return cards.BatchTarget{}, err
	}
	members, err := h.Service.PoolMembers(ctx, p)
	if err != nil {
		return cards.BatchTarget{}, err
	}
	return cards.BatchTarget{Pool: p, Members: members, Pools: h.Service.Settings.Pools}, nil
}

// batch applies a batch form: the picked leads go to the picked person (caps and cooldowns apply to each)
// or to the picked pool; one toast sums up, and the form is redrawn without the leads that left.
func (h *Lark) batch(ctx context.Context, a bot.CardAction, act cards.Action) (*bot.CardResponse, error) {
	ids, err := formIDs(a.FormValue, "leads")
	if err != nil {
		return nil, err
	}
	move := act.Args["do"] == "move"
	var res *crm.BatchResult
	if move {
		res, err = h.Service.BatchMove(ctx, a.OperatorOpenID, formString(a.FormValue, "to_pool"), ids)
	} else {
		res, err = h.Service.BatchAssign(ctx, a.OperatorOpenID, formString(a.FormValue, "to"), ids)
	}
	if err != nil {
		return nil, err
	}
	h.Logger.Info("batch action", "op", act.Args["do"], "open_id", a.OperatorOpenID, "done", len(res.Done), "refused", len(res.Refused))
	zh, en := BatchSummary(res, move)
	resp := toast("success", zh, en)
	switch {
	case len(res.Done) == 0:
		resp.Toast.Type = "error"
	case len(res.Refused) > 0:
		resp.Toast.Type = "warning"
	}
	var card []byte
	if rep := act.Args["rep"]; rep != "" {
		card, err = h.repLeadsCard(ctx, a.OperatorOpenID, act.Args["pool"], rep)
	} else {
		card, err = h.poolBatchCard(ctx, a.OperatorOpenID, act.Args["pool"])
	}
	if err == nil {
		resp.Card = card
	}
	return resp, nil
}

// batchReasons words each refusal reason, in the order a summary lists them.
var batchReasons = []struct {
	r      crm.BatchReason
	zh, en string
}{
	{crm.BatchCap, "已达上限", "cap reached"},
	{crm.BatchDailyCap, "已达今日上限", "daily cap reached"},
	{crm.BatchCooldown, "冷却中", "cooling down"},
	{crm.BatchUnchanged, "无需变更", "already there"},
	{crm.BatchClosed, "线索已关闭", "lead closed"},
	{crm.BatchConflict, "线索刚被改动", "lead changed meanwhile"},
	{crm.BatchForbidden, "无权操作", "not allowed"},
	{crm.BatchNotFound, "线索不存在", "no such lead"},
	{crm.BatchFailed, "处理出错", "failed"},
}

// BatchSummary words a batch result in one sentence per language: "已分配 5 条，2 条未分配：已达上限" /
// "Assigned 5; 2 not assigned: cap reached". With several reasons each gets its count.
func BatchSummary(res *crm.BatchResult, move bool) (zh, en string) {
	verbZH, verbEN, notZH, notEN := "已分配", "Assigned", "未分配", "not assigned"
	if move {
		verbZH, verbEN, notZH, notEN = "已转移", "Moved", "未转移", "not moved"
	}
	zh = fmt.Sprintf("%s %d 条", verbZH, len(res.Done))
	en = fmt.Sprintf("%s %d", verbEN, len(res.Done))
	if len(res.Refused) == 0 {
		return zh, en
	}
	var whyZH, whyEN []string
	kinds := 0
	for _, b := range batchReasons {
		if res.Count(b.r) > 0 {
			kinds++
		}
	}
	for _, b := range batchReasons {
		n := res.Count(b.r)
		switch {
		case n == 0:
		case kinds == 1:
			whyZH, whyEN = append(whyZH, b.zh), append(whyEN, b.en)
		default:
			whyZH, whyEN = append(whyZH, fmt.Sprintf("%s %d 条", b.zh, n)), append(whyEN, fmt.Sprintf("%s %d", b.en, n))
		}
	}
	zh += fmt.Sprintf("，%d 条%s：%s", len(res.Refused), notZH, strings.Join(whyZH, "，"))
	en += fmt.Sprintf("; %d %s: %s", len(res.Refused), notEN, strings.Join(whyEN, ", "))
	return zh, en
}

// formIDs reads a multi-select of lead ids from a form (a list of decimal strings).
func formIDs(form map[string]any, key string) ([]int64, error) {
	var raw []string
	switch v := form[key].(type) {
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				raw = append(raw, s)
			}
		}
	case string:
		raw = []string{v}
	}
	if len(raw) == 0 {
		return nil, &crm.Error{Code: crm.EINVALID, Field: key, ZH: "请至少选择一条线索", Message: "Pick at least one lead"}
	}
	ids := make([]int64, 0, len(raw))
	for _, s := range raw {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return nil, &crm.Error{Code: crm.EINVALID, Field: key, ZH: "所选线索无效", Message: "A picked lead is not valid"}
		}
		ids = append(ids, id)
	}
	return ids, nil
}
