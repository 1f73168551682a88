package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot/larktest"
)

// wednesday is a fixed Wednesday in Shanghai, so "this week" never straddles a real Monday.
func wednesday(hour, min int) time.Time {
	return time.Date(2026, 12, 2, hour, min, 0, 0, time.FixedZone("CST", 8*3600))
}

// cardOf returns the newest bot card in msgs whose callback values name lead id, waiting for it.
func (b *baton) cardOf(what string, list func() []larktest.Message, id int64) larktest.Message {
	b.t.Helper()
	var found larktest.Message
	b.wait(fmt.Sprintf("%s card of lead %d", what, id), func() bool {
		for _, m := range list() {
			if sub := leadRef.FindStringSubmatch(m.Content); sub != nil && sub[1] == itoa(id) {
				found = m
			}
		}
		return found.ID != ""
	})
	return found
}

// say sends text in who's DM with the bot and returns the bot's next card there.
func (b *baton) say(who, text string) larktest.Message {
	b.t.Helper()
	before := len(b.dmCards(who))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := b.emu.SendText(ctx, b.emu.P2PChatID(who), who, text); err != nil {
		b.t.Fatal(err)
	}
	return b.waitDMs(who, before+1)[before]
}

// waitDMWith waits for a DM card to who containing s.
func (b *baton) waitDMWith(who, s string) larktest.Message {
	b.t.Helper()
	var found larktest.Message
	b.wait("a DM card with "+s, func() bool {
		for _, m := range b.dmCards(who) {
			if strings.Contains(m.Content, s) {
				found = m
			}
		}
		return found.ID != ""
	})
	return found
}

func ownerOf(detail map[string]any) string {
	if o, ok := detail["owner"].(map[string]any); ok {
		s, _ := o["open_id"].(string)
		return s
	}
	return ""
}

// TestTeamOverview: /team shows a manager, per rep, open leads, overdue follow-ups, leads waiting for a first
// contact and this week's claims and wins; a rep is refused; the drill-down lists the rep's open leads.
func TestTeamOverview(t *testing.T) {
	clk := &clock{}
	clk.set(wednesday(10, 0))
	// Four leads in a row would make a pool board; this test works each from its own card.
	b := startBaton(t, e2eOptions{clock: clk, config: singleCardConfig(defaultE2EConfig)})
	var ids []int64
	for i := range 4 {
		ids = append(ids, b.postLead(map[string]any{"name": fmt.Sprintf("团队%d", i), "phone": fmt.Sprintf("1390000100%d", i)}))
	}
	b.waitCards(salesChat, 4)
	claim := func(id int64, rep string) {
		t.Helper()
		if r := b.click(b.cardOf("pool", func() []larktest.Message { return b.cardsIn(salesChat) }, id).ID, "claim", rep); r.Toast == nil || r.Toast.Type != "success" {
			t.Fatalf("claim %d by %s: %+v", id, rep, r.Toast)
		}
	}
	rep1, rep2 := repID(1), repID(2)
	claim(ids[0], rep1)
	claim(ids[1], rep1)
	claim(ids[3], rep1)
	claim(ids[2], rep2)
	dm1 := func() []larktest.Message { return b.dmCards(rep1) }
	// Rep 1 calls lead 0 and sets a follow-up at 11:00, and wins lead 1.
	if r := b.click(b.cardOf("owner", dm1, ids[0]).ID, "work_submit", rep1, larktest.FormValue(map[string]any{
		"stage": "contacted", "note": "已电话沟通", "followup": "2026-12-02 11:00 +0800"})); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("save: %+v", r.Toast)
	}
	if r := b.closeLead(b.cardOf("owner", dm1, ids[1]).ID, rep1, map[string]any{"outcome": "won", "amount": "5000"}); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("close: %+v", r.Toast)
	}
	// The save's first contact is on the timeline, credited to rep 1, for the digest; closing a lead never
	// touched before records no contact that did not happen.
	for id, want := range map[int64]int{ids[0]: 1, ids[1]: 0} {
		if n := b.events(id, "first_contact"); n != want {
			t.Errorf("lead %d has %d first_contact events, want %d", id, n, want)
		}
	}
	clk.set(wednesday(12, 30)) // the 11:00 follow-up is now overdue

	// A rep may not see the team.
	if c := b.say(rep1, "/team").Content; !strings.Contains(c, "只有线索池主管可以查看团队概况") || !strings.Contains(c, "Only pool managers can see the team overview") {
		t.Fatalf("/team by a rep: %s", c)
	}
	team := b.say(managerID, "/团队")
	var card any
	if err := json.Unmarshal([]byte(team.Content), &card); err != nil {
		t.Fatalf("team card: %v", err)
	}
	texts := strings.Join(markdownTexts(card), "\n")
	for _, want := range []string{
		"<at id=" + rep1 + "></at>\n在跟 2 · 逾期跟进 1 · 待首次联系 1 · 本周认领 3 · 本周赢单 1",
		"<at id=" + rep2 + "></at>\n在跟 1 · 逾期跟进 0 · 待首次联系 1 · 本周认领 1 · 本周赢单 0",
		"<at id=" + repID(3) + "></at>\n在跟 0 · 逾期跟进 0 · 待首次联系 0 · 本周认领 0 · 本周赢单 0",
		"Open 2 · Overdue follow-ups 1 · Awaiting first contact 1 · Claimed this week 3 · Won this week 1",
	} {
		if !strings.Contains(texts, want) {
			t.Errorf("team card lacks %q:\n%s", want, texts)
		}
	}

	// Drill down into rep 1: their open leads (not the won one, not rep 2's) arrive as a reply.
	if r := b.click(team.ID, "team_rep_0", managerID); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("drill-down: %+v", r.Toast)
	}
	list := b.waitDMWith(managerID, "form_batch")
	for _, id := range []int64{ids[0], ids[3]} {
		if !strings.Contains(list.Content, "#"+itoa(id)+" ") {
			t.Errorf("drill-down lacks lead %d: %s", id, list.Content)
		}
	}
	for _, id := range []int64{ids[1], ids[2]} {
		if strings.Contains(list.Content, "#"+itoa(id)+" ") {
			t.Errorf("drill-down shows lead %d, which rep 1 does not hold open: %s", id, list.Content)
		}
	}
	if !strings.Contains(list.Content, "跟进已逾期") {
		t.Errorf("drill-down does not flag the overdue follow-up: %s", list.Content)
	}
}

// TestBatchAssignRespectsCap: a manager picks four waiting leads in /pool's batch form and gives them to a
// rep who has room for two under the pool's open-lead cap: two are assigned, two stay in the pool, and one
// toast says so.
func TestBatchAssignRespectsCap(t *testing.T) {
	clk := &clock{}
	clk.set(wednesday(10, 0))
	cfg := strings.Replace(defaultE2EConfig, "limits: {open: 20, daily_claims: 10}", "limits: {open: 3, daily_claims: 10}", 1)
	b := startBaton(t, e2eOptions{clock: clk, config: singleCardConfig(cfg)})
	var ids []int64
	for i := range 5 {
		ids = append(ids, b.postLead(map[string]any{"name": fmt.Sprintf("批量%d", i), "phone": fmt.Sprintf("1390000200%d", i)}))
	}
	b.waitCards(salesChat, 5)
	rep2 := repID(2)
	if r := b.click(b.cardOf("pool", func() []larktest.Message { return b.cardsIn(salesChat) }, ids[0]).ID, "claim", rep2); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim: %+v", r.Toast)
	}

	// A rep's /pool has no batch entry; the manager's has.
	if c := b.say(repID(1), "/pool").Content; strings.Contains(c, "batch_form") {
		t.Errorf("a rep's /pool offers the batch form: %s", c)
	}
	poolList := b.say(managerID, "/pool")
	if r := b.click(poolList.ID, "batch_entry", managerID); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("batch entry: %+v", r.Toast)
	}
	form := b.waitDMWith(managerID, "form_batch")
	picked := []any{itoa(ids[1]), itoa(ids[2]), itoa(ids[3]), itoa(ids[4])}
	r := b.click(form.ID, "batch_assign", managerID, larktest.FormValue(map[string]any{"leads": picked, "to": rep2}))
	if r.Toast == nil || r.Toast.Content != "已分配 2 条，2 条未分配：已达上限" || r.Toast.I18n["en_us"] != "Assigned 2; 2 not assigned: cap reached" {
		t.Fatalf("batch toast: %+v", r.Toast)
	}
	held := 0
	for _, id := range ids {
		if ownerOf(b.lead(id)) == rep2 {
			held++
		}
	}
	if held != 3 {
		t.Errorf("rep 2 holds %d leads, want the cap of 3", held)
	}
	for _, id := range ids[3:] {
		if o := ownerOf(b.lead(id)); o != "" {
			t.Errorf("lead %d went to %s past the cap", id, o)
		}
	}
	// Each assignment is on the lead's timeline and reaches the rep as an owner card.
	if n := b.events(ids[1], "reassigned"); n != 1 {
		t.Errorf("lead %d has %d reassigned events", ids[1], n)
	}
	b.cardOf("owner", func() []larktest.Message { return b.dmCards(rep2) }, ids[2])
}

// TestSelfSourcedLead: a rep's /lead stays with the rep (self_sourced defaults to owner) and the cards say
// who entered it; a manager's /lead goes to the pool.
func TestSelfSourcedLead(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	rep1 := repID(1)
	if c := b.say(rep1, "/lead 周九 13300133000 想了解企业版").Content; !strings.Contains(c, "Lead #1 created and yours to work") {
		t.Fatalf("/lead reply: %s", c)
	}
	if o := ownerOf(b.lead(1)); o != rep1 {
		t.Fatalf("self-sourced lead owned by %q, want %s", o, rep1)
	}
	owner := b.cardOf("owner", func() []larktest.Message { return b.dmCards(rep1) }, 1)
	if !strings.Contains(owner.Content, "由 销售01 录入") || !strings.Contains(owner.Content, "Entered by 销售01") {
		t.Errorf("owner card does not say who entered the lead: %s", owner.Content)
	}
	if !strings.Contains(owner.Content, "133 0013 3000") {
		t.Errorf("owner card lacks the full phone")
	}
	if c := b.say(managerID, "/lead 吴十 13200132000").Content; !strings.Contains(c, "Lead #2 created in pool") {
		t.Fatalf("manager's /lead: %s", c)
	}
	pool := b.cardOf("pool", func() []larktest.Message { return b.cardsIn(salesChat) }, 2)
	if !strings.Contains(pool.Content, "由 主管 录入") || !strings.Contains(pool.Content, `"op":"claim"`) {
		t.Errorf("manager's lead: pool card %s", pool.Content)
	}
	if o := ownerOf(b.lead(2)); o != "" {
		t.Errorf("manager's lead owned by %s", o)
	}
}
