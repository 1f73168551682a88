package handlers

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cards"
	"github.com/baton-crm/baton/crm"
)

// insightStore is an in-memory crm.InsightStore; customers match by phone or exact company.
type insightStore struct {
	customers []*crm.Customer
	insights  []crm.Insight
}

func (m *insightStore) AddInsight(_ context.Context, in *crm.Insight) error {
	in.ID = int64(len(m.insights) + 1)
	m.insights = append(m.insights, *in)
	return nil
}

func (m *insightStore) ResolveInsight(_ context.Context, id int64, t crm.InsightTarget) (*crm.Insight, error) {
	if id < 1 || int(id) > len(m.insights) {
		return nil, crm.Errorf(crm.ENOTFOUND, "insight not found")
	}
	in := &m.insights[id-1]
	if !in.Target.IsZero() {
		return nil, crm.Errorf(crm.ECONFLICT, "insight already has a target")
	}
	in.Target = t
	out := *in
	return &out, nil
}

func (m *insightStore) InsightsFor(_ context.Context, customerID int64, campaign, _ string, limit int) ([]crm.Insight, error) {
	var out []crm.Insight
	for i := len(m.insights) - 1; i >= 0 && len(out) < limit; i-- {
		t := m.insights[i].Target
		if (customerID != 0 && t.CustomerID == customerID) || (campaign != "" && t.Campaign == campaign) {
			out = append(out, m.insights[i])
		}
	}
	return out, nil
}

func (m *insightStore) FindCustomers(_ context.Context, q crm.CustomerQuery) ([]crm.CustomerMatch, error) {
	var out []crm.CustomerMatch
	for _, c := range m.customers {
		if (q.Phone != "" && c.Phone == q.Phone) || (q.Company != "" && c.Company == q.Company) {
			out = append(out, crm.CustomerMatch{Customer: c})
		}
	}
	return out, nil
}

// customerStore serves Customer; the insight handlers use nothing else of the lead store.
type customerStore struct {
	crm.LeadStore
	m *insightStore
}

// ListLeads finds no leads: these tests have customers only, so an insight redraws no cards.
func (c customerStore) ListLeads(context.Context, crm.LeadFilter) ([]*crm.Lead, error) {
	return nil, nil
}

func (c customerStore) Customer(_ context.Context, id int64) (*crm.Customer, error) {
	for _, cu := range c.m.customers {
		if cu.ID == id {
			return cu, nil
		}
	}
	return nil, crm.Errorf(crm.ENOTFOUND, "customer not found")
}

// recorder is a crm.Messenger that keeps what was sent.
type recorder struct {
	mu      sync.Mutex
	replies map[string][]byte // message id replied to → card
	updates map[string][]byte // message id → last card
}

func (r *recorder) Send(context.Context, crm.Recipient, crm.Outgoing, string) (string, error) {
	return "om_sent", nil
}

func (r *recorder) Reply(_ context.Context, _, id string, m crm.Outgoing, _ string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.replies[id] = m.Card
	return "om_reply", nil
}

func (r *recorder) UpdateCard(_ context.Context, id string, card []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.updates[id] = card
	return nil
}

func (r *recorder) Urgent(context.Context, string, []string) error { return nil }

func insightHandler() (*Lark, *insightStore, *recorder) {
	m := &insightStore{customers: []*crm.Customer{
		{ID: 1, Name: "钱一", Phone: "+8613800138000", Company: "钱氏贸易"},
		{ID: 2, Name: "李三", Phone: "+8613600136000", Company: "宏达"},
		{ID: 3, Name: "周四", Phone: "+8613500135000", Company: "宏达"},
	}}
	rec := &recorder{replies: map[string][]byte{}, updates: map[string][]byte{}}
	svc := &crm.Service{Leads: customerStore{m: m}, Insights: m, Messenger: rec,
		Settings: &crm.Settings{OpsChannels: []string{"oc_ops"}, Location: time.UTC,
			Pools: []crm.Pool{{Key: "east", ChatID: "oc_sales", Members: []string{"ou_ops"}}}},
		Now:    func() time.Time { return time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC) },
		Logger: slog.New(slog.DiscardHandler)}
	h := &Lark{Service: svc, Messenger: rec, Logger: slog.New(slog.DiscardHandler)}
	return h, m, rec
}

func say(h *Lark, chat, text string) string {
	m := bot.Message{MessageID: "om_cmd", ChatID: chat, ChatType: "group", SenderOpenID: "ou_ops", Text: text, MentionsBot: true}
	return string(h.command(context.Background(), m, ParseCommand(text)))
}

func TestInsightCommand(t *testing.T) {
	t.Parallel()
	h, m, _ := insightHandler()
	if c := say(h, "oc_sales", "/insight 13800138000 #a"); !strings.Contains(c, "only be posted in an ops channel") {
		t.Errorf("outside the ops channel: %s", c)
	}
	if c := say(h, "oc_sales", "/insight"); !strings.Contains(c, "only be posted in an ops channel") {
		t.Errorf("form outside the ops channel: %s", c)
	}
	if len(m.insights) != 0 {
		t.Fatalf("refused insights were stored: %v", m.insights)
	}
	c := say(h, "oc_ops", "/insight 13800138000 #价格敏感 #价格敏感 关注交付周期")
	if !strings.Contains(c, "Insight saved") || !strings.Contains(c, "钱一") {
		t.Errorf("saved card: %s", c)
	}
	want := crm.Insight{ID: 1, Target: crm.InsightTarget{CustomerID: 1}, Tags: []string{"价格敏感"}, Note: "关注交付周期",
		AuthorID: "ou_ops", ChatID: "oc_ops", MessageID: "om_cmd", CreatedAt: h.now()}
	if len(m.insights) != 1 || !equalInsight(m.insights[0], want) {
		t.Errorf("stored %+v, want %+v", m.insights, want)
	}
	for text, wantText := range map[string]string{
		"/insight 13900139000 #a": "No customer matches",
		"/insight #a 说明":          "Name the target first",
		"/insight 13800138000":    "Add some #tags or a note",
	} {
		c := say(h, "oc_ops", text)
		if !strings.Contains(c, wantText) || !strings.Contains(c, "/insight campaign:双11") {
			t.Errorf("%s: want %q and an example, got %s", text, wantText, c)
		}
	}
	if c := say(h, "oc_ops", "/insight"); !strings.Contains(c, "insight_submit") {
		t.Errorf("/insight without arguments: %s", c)
	}
}

func equalInsight(a, b crm.Insight) bool {
	return a.ID == b.ID && a.Target == b.Target && strings.Join(a.Tags, ",") == strings.Join(b.Tags, ",") &&
		a.Note == b.Note && a.AuthorID == b.AuthorID && a.ChatID == b.ChatID && a.MessageID == b.MessageID &&
		a.CreatedAt.Equal(b.CreatedAt)
}

func click(h *Lark, chat string, value map[string]any, form map[string]any) *bot.CardResponse {
	resp, err := h.HandleCardAction(context.Background(), bot.CardAction{OperatorOpenID: "ou_ops", MessageID: "om_card",
		ChatID: chat, Value: value, FormValue: form})
	if err != nil {
		panic(err) // HandleCardAction answers every failure with a toast
	}
	return resp
}

func TestInsightPickClick(t *testing.T) {
	t.Parallel()
	h, m, rec := insightHandler()
	if c := say(h, "oc_ops", "/insight 宏达 #老客户"); !strings.Contains(c, "Which customer?") || !strings.Contains(c, "周四") {
		t.Fatalf("pick card: %s", c)
	}
	value := cards.Action{Op: cards.OpInsightPick, Args: map[string]string{"customer": "3", "insight": "1"}}.Value()
	if r := click(h, "oc_sales", value, nil); r.Toast.Type == "success" {
		t.Errorf("a pick outside the ops channel was applied: %+v", r.Toast)
	}
	r := click(h, "oc_ops", value, nil)
	if r.Toast.Type != "success" {
		t.Fatalf("pick toast: %+v", r.Toast)
	}
	if m.insights[0].Target.CustomerID != 3 {
		t.Errorf("insight target = %+v, want customer 3", m.insights[0].Target)
	}
	if c := string(rec.updates["om_card"]); !strings.Contains(c, "Insight saved") || !strings.Contains(c, "周四") {
		t.Errorf("the pick card was not turned into the confirmation: %s", c)
	}
	if r := click(h, "oc_ops", value, nil); r.Toast.Type == "success" {
		t.Errorf("a second pick was applied: %+v", r.Toast)
	}
	// From /insights, a pick lists the customer's insights; a pool member may read them.
	if c := say(h, "oc_sales", "/insights 宏达"); !strings.Contains(c, "Show insights") {
		t.Fatalf("/insights pick card: %s", c)
	}
	list := cards.Action{Op: cards.OpInsightPick, Args: map[string]string{"customer": "3"}}.Value()
	if r := click(h, "oc_sales", list, nil); r.Toast.Type != "success" || !strings.Contains(string(rec.updates["om_card"]), "老客户") {
		t.Errorf("listing pick: %+v, card %s", r.Toast, rec.updates["om_card"])
	}
	bad := cards.Action{Op: cards.OpInsightPick, Args: map[string]string{"customer": "x", "insight": "1"}}.Value()
	if r := click(h, "oc_ops", bad, nil); r.Toast.Type == "success" {
		t.Errorf("a malformed customer id was accepted")
	}
}

func TestInsightFormSubmit(t *testing.T) {
	t.Parallel()
	h, m, rec := insightHandler()
	value := cards.Action{Op: cards.OpInsightForm}.Value()
	r := click(h, "oc_ops", value, map[string]any{"target": "13800138000", "tags": "VIP，竞品在谈", "note": "下周再约"})
	if r.Toast.Type != "success" {
		t.Fatalf("form toast: %+v", r.Toast)
	}
	if len(m.insights) != 1 || m.insights[0].Target.CustomerID != 1 || strings.Join(m.insights[0].Tags, ",") != "vip,竞品在谈" {
		t.Fatalf("stored %+v", m.insights)
	}
	if c := string(rec.replies["om_card"]); !strings.Contains(c, "Insight saved") {
		t.Errorf("form confirmation: %s", c)
	}
	r = click(h, "oc_ops", value, map[string]any{"target": "宏达", "tags": "a"})
	if r.Toast.Type != "success" || !strings.Contains(string(rec.replies["om_card"]), "Which customer?") {
		t.Errorf("ambiguous form: %+v, reply %s", r.Toast, rec.replies["om_card"])
	}
	for _, form := range []map[string]any{{"target": "", "tags": "a"}, {"target": "13800138000"}, {"target": "13900139000", "tags": "a"}} {
		if r := click(h, "oc_ops", value, form); r.Toast.Type == "success" {
			t.Errorf("form %v accepted", form)
		}
	}
	if r := click(h, "oc_sales", value, map[string]any{"target": "13800138000", "tags": "a"}); r.Toast.Type == "success" {
		t.Error("a form submitted outside the ops channel was accepted")
	}
	if n := len(m.insights); n != 2 {
		t.Errorf("%d insights stored, want 2", n)
	}
}

func TestInsightsCommand(t *testing.T) {
	t.Parallel()
	h, _, _ := insightHandler()
	say(h, "oc_ops", "/insight 13800138000 #价格敏感 关注交付周期")
	say(h, "oc_ops", "/insight campaign:双11 #预算充足")
	if c := say(h, "oc_sales", "/insights 13800138000"); !strings.Contains(c, "价格敏感") || !strings.Contains(c, "关注交付周期") {
		t.Errorf("customer insights: %s", c)
	}
	if c := say(h, "oc_sales", "/查看洞察 campaign:双11"); !strings.Contains(c, "预算充足") || strings.Contains(c, "价格敏感") {
		t.Errorf("campaign insights: %s", c)
	}
	for text, want := range map[string]string{"/insights": "Name a customer or a campaign", "/insights 13900139000": "No customer matches"} {
		if c := say(h, "oc_sales", text); !strings.Contains(c, want) || !strings.Contains(c, "/insights 13800138000") {
			t.Errorf("%s: want %q and an example, got %s", text, want, c)
		}
	}
}
