package handlers

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot"
	"github.com/baton-crm/baton/cards"
	"github.com/baton-crm/baton/crm"
)

// digestFigures is a crm.DigestStore whose every week had ten new leads per pool in q.Pools, or 99 over
// every pool, so the card shows what it covers.
type digestFigures struct{ queries []crm.DigestQuery }

func (d *digestFigures) DigestFigures(_ context.Context, q crm.DigestQuery) (*crm.DigestFigures, error) {
	d.queries = append(d.queries, q)
	n := 10 * len(q.Pools)
	if q.Pools == nil {
		n = 99
	}
	return &crm.DigestFigures{NewLeads: n}, nil
}
func (d *digestFigures) FeedbackFigures(context.Context, time.Time, time.Time) (*crm.FeedbackFigures, error) {
	return &crm.FeedbackFigures{}, nil
}
func (d *digestFigures) LastPosted(context.Context, string, string) (string, error) { return "", nil }
func (d *digestFigures) MarkPosted(context.Context, string, string, string, time.Time) (bool, error) {
	return true, nil
}

// digestSends records the bot's DMs.
type digestSends struct {
	to    []crm.Recipient
	cards []string
}

func (r *digestSends) Send(_ context.Context, to crm.Recipient, m crm.Outgoing, _ string) (string, error) {
	r.to, r.cards = append(r.to, to), append(r.cards, string(m.Card))
	return "om_x", nil
}
func (r *digestSends) Reply(context.Context, string, string, crm.Outgoing, string) (string, error) {
	return "om_y", nil
}
func (r *digestSends) UpdateCard(context.Context, string, []byte) error { return nil }
func (r *digestSends) Urgent(context.Context, string, []string) error   { return nil }

func digestHandler(t *testing.T) (*Lark, *digestFigures, *digestSends) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	store, sends := &digestFigures{}, &digestSends{}
	now := time.Date(2026, 11, 26, 15, 0, 0, 0, loc) // Thursday of 2026-W48
	svc := &crm.Service{Digests: store, Messenger: sends, Renderer: cards.Renderer{}, Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return now },
		Settings: &crm.Settings{Location: loc, Pools: []crm.Pool{
			{Key: "east", Name: "华东线索池", ChatID: "oc_east", Managers: []string{"ou_boss"}},
			{Key: "west", Name: "华西线索池", ChatID: "oc_west", Managers: []string{"ou_boss", "ou_west"}}}}}
	return &Lark{Service: svc, Messenger: sends, Cards: cards.Renderer{}, Logger: slog.New(slog.DiscardHandler)}, store, sends
}

func TestDigestCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, chat, actor, text string
		want                    []string // substrings of the card
		pools                   string   // pools the figures were read for ("" when none were read)
		from                    string   // local start of the week read
	}{
		{"dm, every pool", "oc_dm", "ou_boss", "/digest", []string{"周报 · 全部线索池 · 2026-W48", "截至 11-26 15:00", "**新线索** 99"}, "(all)", "2026-11-23"},
		{"in the pool group", "oc_east", "ou_boss", "/周报", []string{"周报 · 华东线索池 · 2026-W48"}, "east", "2026-11-23"},
		{"pool and week", "oc_dm", "ou_boss", "/digest west last week", []string{"周报 · 华西线索池 · 2026-W47"}, "west", "2026-11-16"},
		{"pool by name, iso week", "oc_dm", "ou_boss", "/digest 华东线索池 2026-W40", []string{"2026-W40"}, "east", "2026-09-28"},
		{"week only", "oc_dm", "ou_west", "/digest 上周", []string{"周报 · 华西线索池 · 2026-W47"}, "west", "2026-11-16"},
		{"bogus week: help with an example", "oc_dm", "ou_boss", "/digest bogus", []string{"命令有误", digestExample, "2026-W48"}, "", ""},
		{"not a manager: refusal", "oc_east", "ou_rep", "/digest", []string{"只有线索池主管可以查看周报"}, "", ""},
		{"other pool's manager: refusal", "oc_dm", "ou_west", "/digest east", []string{"只有该线索池的主管可以查看周报"}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, store, _ := digestHandler(t)
			card := string(h.command(context.Background(), bot.Message{ChatID: tc.chat, SenderOpenID: tc.actor, Text: tc.text}, ParseCommand(tc.text)))
			for _, w := range tc.want {
				if !strings.Contains(card, w) {
					t.Errorf("card lacks %q:\n%.600s", w, card)
				}
			}
			if tc.pools == "" {
				if len(store.queries) != 0 {
					t.Errorf("figures were read for a refused command: %+v", store.queries)
				}
				return
			}
			if len(store.queries) == 0 {
				t.Fatal("no figures were read")
			}
			q := store.queries[0]
			got := strings.Join(q.Pools, ",")
			if q.Pools == nil {
				got = "(all)"
			}
			if got != tc.pools {
				t.Errorf("pools = %s, want %s", got, tc.pools)
			}
			if got := q.Start.In(h.Service.Settings.Location).Format("2006-01-02 15:04"); got != tc.from+" 00:00" {
				t.Errorf("week starts %s, want %s 00:00", got, tc.from)
			}
		})
	}
}

func TestDigestMenu(t *testing.T) {
	t.Parallel()
	h, _, sends := digestHandler(t)
	if err := h.HandleMenu(context.Background(), bot.MenuEvent{EventID: "ev1", OperatorOpenID: "ou_west", EventKey: "digest"}); err != nil {
		t.Fatal(err)
	}
	if len(sends.to) != 1 || sends.to[0].OpenID != "ou_west" || !strings.Contains(sends.cards[0], "周报 · 华西线索池 · 2026-W48") {
		t.Errorf("menu sent %v: %.300s", sends.to, strings.Join(sends.cards, "\n"))
	}
}
