package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"golang.org/x/sync/singleflight"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cards"
	"github.com/baton-crm/baton/crm"
)

// ChatSource is the source key of leads entered in chat.
const ChatSource = crm.ChatSource

// Lark handles what arrives from Lark: chat commands, card actions and bot-menu taps. It implements
// bot.Handler.
type Lark struct {
	Service   *crm.Service
	Messenger crm.Messenger
	Cards     cards.Renderer
	Logger    *slog.Logger

	renders singleflight.Group // concurrent redraws of one card revision (render)
}

var _ bot.Handler = (*Lark)(nil)

// HandleMessage answers a chat message. In groups Lark delivers only messages that @-mention the bot; a
// message that is not a command gets the help card.
func (h *Lark) HandleMessage(ctx context.Context, m bot.Message) error {
	if m.ChatType != "p2p" && !m.MentionsBot {
		return nil
	}
	cmd := ParseCommand(m.Text)
	if cmd.Name == "lead" && IsFreeText(cmd.Args) {
		h.Logger.Info("chat command", "command", "lead_text", "chat_id", m.ChatID, "open_id", m.SenderOpenID, "message_id", m.MessageID)
		return h.proposeLead(ctx, m, cmd.Args) // assist.go
	}
	card := h.command(ctx, m, cmd)
	h.Logger.Info("chat command", "command", cmd.Name, "chat_id", m.ChatID, "open_id", m.SenderOpenID, "message_id", m.MessageID)
	if _, err := h.Messenger.Reply(ctx, m.ChatID, m.MessageID, crm.Outgoing{Card: card}, "re-"+m.MessageID); err != nil {
		return fmt.Errorf("reply to %s: %w", cmd.Name, err)
	}
	return nil
}

func (h *Lark) command(ctx context.Context, m bot.Message, cmd Command) []byte {
	actor := m.SenderOpenID
	switch cmd.Name {
	case "help":
		return cards.Help()
	case "lead":
		if cmd.Args == "" {
			return cards.LeadForm(h.Service.Settings.Fields...)
		}
		if id, ok := LeadNumber(cmd.Args); ok {
			return h.leadHistory(ctx, actor, id)
		}
		in := ParseLeadText(cmd.Args, h.Service.Settings.Fields...)
		return h.enterLead(ctx, actor, &in, "/lead 张三 13800138000 想了解企业版")
	case "my":
		card, err := h.myList(ctx, actor, 0)
		if err != nil {
			return h.errorCard(ctx, "my", err, "/my")
		}
		return card
	case "pool":
		pool, err := h.pickPool(m.ChatID, cmd.Args)
		if err != nil {
			return h.errorCard(ctx, "pool", err, "/pool "+h.firstPoolKey())
		}
		card := h.poolList(ctx, pool, 0)
		if pool.IsManager(actor) {
			card = cards.BatchEntry(card, pool.Key)
		}
		return card
	case "team":
		return h.team(ctx, m)
	case "route":
		source, in := ParseRouteText(cmd.Args)
		if source == "" {
			source = ChatSource
		}
		if in.Phone == "" && in.Email == "" {
			in.Email = "route-check@example.com" // routing never looks at contacts; validation needs one
		}
		ex, err := h.Service.ExplainRoute(ctx, source, &in)
		if err != nil {
			return h.errorCard(ctx, "route", err, "/route source=web-form campaign=双11大促 region=华东")
		}
		return cards.Text(explainZH(ex)+explainGrade(ex, 0), explainEN(ex)+explainGrade(ex, 1))
	case "insight":
		return h.insight(ctx, m, cmd)
	case "insights":
		return h.insights(ctx, m, cmd)
	case "digest":
		return h.digest(ctx, m, cmd)
	case "away", "back":
		if err := h.Service.SetAway(ctx, actor, cmd.Name == "away"); err != nil {
			return h.errorCard(ctx, cmd.Name, err, "/"+cmd.Name)
		}
		if cmd.Name == "away" {
			return cards.Text("已设为离开：自动分配会跳过你，回来后发送 /back", "You are away: assignment skips you until you send /back")
		}
		return cards.Text("欢迎回来：自动分配会优先补给你", "Welcome back: assignment will catch you up first")
	}
	if cmd.Raw != "" {
		return cards.CommandError("未知命令 /"+cmd.Raw, "Unknown command /"+cmd.Raw, "/help")
	}
	return cards.Help()
}

// enterLead stores a lead typed in chat and says what happened.
func (h *Lark) enterLead(ctx context.Context, actor string, in *crm.LeadInput, example string) []byte {
	res, err := h.Service.EnterLead(ctx, actor, in)
	if err != nil {
		return h.errorCard(ctx, "lead", err, example)
	}
	id := res.Lead.ID
	if res.Status == crm.IntakeTouch {
		return cards.Text(fmt.Sprintf("老客户：已作为新触达记录到线索 #%d", id), fmt.Sprintf("Returning customer: recorded as a new touch on lead #%d", id))
	}
	if res.Lead.OwnerID == actor {
		return cards.Text(fmt.Sprintf("已录入线索 #%d，由你跟进，线索卡片已私信给你", id), fmt.Sprintf("Lead #%d created and yours to work: the lead card is in your DM", id))
	}
	pool := res.Lead.Pool
	if p, ok := h.Service.Settings.Pool(pool); ok {
		pool = p.Name
	}
	zh, en := fmt.Sprintf("已录入线索 #%d，进入「%s」", id, pool), fmt.Sprintf("Lead #%d created in pool %s", id, pool)
	if res.Capped != nil {
		cen, czh := crm.ErrorMessage(res.Capped)
		zh, en = zh+"（"+czh+"）", en+" ("+cen+")"
	}
	return cards.Text(zh, en)
}

// errorCard turns an error into a card with an example; internal errors are logged and shown generically.
func (h *Lark) errorCard(ctx context.Context, op string, err error, example string) []byte {
	if crm.ErrorCode(err) == crm.EINTERNAL {
		h.Logger.ErrorContext(ctx, "chat command failed", "command", op, "error", err)
	}
	en, zh := crm.ErrorMessage(err)
	return cards.CommandError(zh, en, example)
}

func (h *Lark) pickPool(chatID, key string) (*crm.Pool, error) {
	s := h.Service.Settings
	if key = strings.TrimSpace(key); key != "" {
		if p, ok := s.Pool(key); ok {
			return p, nil
		}
		return nil, crm.Bilingual(crm.EINVALID, "没有名为 "+key+" 的线索池", "There is no pool "+key)
	}
	for i := range s.Pools {
		if s.Pools[i].ChatID == chatID {
			return &s.Pools[i], nil
		}
	}
	if len(s.Pools) == 1 {
		return &s.Pools[0], nil
	}
	return nil, crm.Bilingual(crm.EINVALID, "请指定线索池，例如 /pool "+h.firstPoolKey(), "Name a pool, for example /pool "+h.firstPoolKey())
}

func (h *Lark) firstPoolKey() string {
	if len(h.Service.Settings.Pools) > 0 {
		return h.Service.Settings.Pools[0].Key
	}
	return "east"
}

// HandleMenu answers a tap on the bot menu with the matching card in the operator's DM.
func (h *Lark) HandleMenu(ctx context.Context, e bot.MenuEvent) error {
	var card []byte
	switch e.EventKey {
	case "my", "my_leads":
		var err error
		if card, err = h.myList(ctx, e.OperatorOpenID, 0); err != nil {
			return err
		}
	case "digest":
		card = h.digestCard(ctx, e.OperatorOpenID, "", "")
	default:
		card = cards.Help()
	}
	_, err := h.Messenger.Send(ctx, crm.Recipient{OpenID: e.OperatorOpenID}, crm.Outgoing{Card: card}, "menu-"+e.EventID)
	return err
}

// explainWords holds /route's sentences in Chinese [0] and English [1].
var explainWords = map[string][2]string{
	"rule":     {"命中规则 %d → 线索池「%s」", "Rule %d matched → pool %s"},
	"pool":     {"→ 线索池「%s」", "→ pool %s"},
	"miss":     {"\n未命中 %s", "\nno match: %s"},
	"assignee": {"\n将分配给 %s", "\nwould go to %s"},
	"nobody":   {"\n当前无人可分配，线索留在池中", "\nnobody available: the lead would wait in the pool"},
	"skipped":  {"\n跳过 %s：%s", "\nskipped %s: %s"},
	"claim":    {"\n认领模式：卡片发到群里，先到先得", "\nclaim mode: a card goes to the group, first tap wins"},
}

func explainZH(ex *crm.RouteExplanation) string { return explain(ex, 0) }
func explainEN(ex *crm.RouteExplanation) string { return explain(ex, 1) }

// explain words a routing decision in one language (0 Chinese, 1 English).
func explain(ex *crm.RouteExplanation, lang int) string {
	w := func(k string) string { return explainWords[k][lang] }
	var b strings.Builder
	if ex.Route.RuleIndex >= 0 {
		fmt.Fprintf(&b, w("rule"), ex.Route.RuleIndex+1, ex.Pool.Name)
	} else {
		fmt.Fprintf(&b, w("pool"), ex.Pool.Name)
	}
	for _, m := range ex.Route.Misses {
		fmt.Fprintf(&b, w("miss"), m)
	}
	if ex.Pool.Mode != crm.ModeAssign {
		b.WriteString(w("claim"))
		return b.String()
	}
	if ex.Assignee != "" {
		fmt.Fprintf(&b, w("assignee"), ex.Assignee)
	} else {
		b.WriteString(w("nobody"))
	}
	for _, sk := range ex.Skipped {
		fmt.Fprintf(&b, w("skipped"), sk.OpenID, sk.Reason)
	}
	return b.String()
}
