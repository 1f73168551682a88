package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot/larktest"
)

// TestInsightsReachTheRepsCards: an insight posted in the ops channel shows on the customer's pool card and
// a campaign insight on every new lead of the campaign; an ambiguous company asks which one; unknown
// targets and bad commands get an example; /insight is refused outside the ops channel; /insights lists.
func TestInsightsReachTheRepsCards(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ops := 0 // bot cards in the ops channel so far
	opsSay := func(text string) larktest.Message {
		t.Helper()
		if _, err := b.emu.SendText(ctx, opsChat, managerID, "@bot "+text); err != nil {
			t.Fatal(err)
		}
		ops++
		return b.waitCards(opsChat, ops)[ops-1]
	}
	contains := func(what string, m larktest.Message, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(m.Content, w) {
				t.Fatalf("%s: card lacks %q:\n%s", what, w, m.Content)
			}
		}
	}
	waitContent := func(what, msgID string, want ...string) {
		t.Helper()
		b.wait(what, func() bool {
			c := b.message(msgID).Content
			for _, w := range want {
				if !strings.Contains(c, w) {
					return false
				}
			}
			return true
		})
	}

	// A customer by phone: the next pool card for them shows the tags and the note.
	first := b.postLead(map[string]any{"external_id": "ins-1", "name": "钱一", "phone": "13800138000", "company": "钱氏贸易"})
	pool := b.waitCards(salesChat, 1)[0]
	if strings.Contains(pool.Content, "价格敏感") {
		t.Fatal("the pool card shows an insight before any was posted")
	}
	saved := opsSay("/insight 13800138000 #价格敏感 ＃决策人是CFO #价格敏感 关注交付周期")
	contains("insight saved", saved, "Insight saved", "钱一", "价格敏感", "决策人是cfo", "关注交付周期")
	if again := b.postLead(map[string]any{"external_id": "ins-1b", "phone": "+86 138 0013 8000"}); again != first {
		t.Fatalf("the returning customer got lead %d, want a touch on %d", again, first)
	}
	waitContent("the pool card to show the insight", pool.ID, "价格敏感", "决策人是cfo", "关注交付周期", "Ops insights")
	if n := len(b.cardsIn(salesChat)); n != 1 {
		t.Errorf("sales chat has %d cards, want the one pool card refreshed", n)
	}

	// A campaign: every new lead from it carries the insight.
	contains("campaign insight", opsSay("/insight campaign:双11 #预算充足 大部分来自华东制造业"), "Insight saved", "双11", "预算充足")
	b.postLead(map[string]any{"external_id": "ins-2", "name": "孙二", "phone": "13700137000", "campaign": "双11"})
	campaignCard := b.waitCards(salesChat, 2)[1]
	contains("campaign lead pool card", campaignCard, "孙二", "预算充足", "大部分来自华东制造业")
	if strings.Contains(campaignCard.Content, "关注交付周期") {
		t.Error("another customer's insight shows on the campaign lead")
	}

	// An ambiguous company: a card asks which one; the click files the insight under that customer only.
	b.postLead(map[string]any{"external_id": "ins-3", "name": "李三", "phone": "13600136000", "company": "宏达科技"})
	b.postLead(map[string]any{"external_id": "ins-4", "name": "周四", "phone": "13500135000", "company": "宏达制造"})
	b.waitCards(salesChat, 4)
	pick := opsSay("/insight 宏达 #老客户 去年续约过")
	contains("pick card", pick, "Which customer?", "李三", "周四", "insight_pick")
	if strings.Contains(pick.Content, "13500135000") || strings.Contains(pick.Content, "135 0013 5000") {
		t.Error("the pick card shows a full phone number in a group")
	}
	r := b.click(pick.ID, "pick_1", managerID) // newest first: 周四
	if r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("pick click toast: %+v", r.Toast)
	}
	waitContent("the pick card to become the confirmation", pick.ID, "Insight saved", "周四", "老客户")
	// A second pick from a stale copy of the card files nothing.
	ids := regexp.MustCompile(`"customer":"(\d+)","insight":"(\d+)"`).FindAllStringSubmatch(pick.Content, -1)
	if len(ids) != 2 {
		t.Fatalf("pick card values: %v", ids)
	}
	stale := b.rawClick(pick.ID, managerID, map[string]any{"v": 1, "op": "insight_pick", "customer": ids[1][1], "insight": ids[1][2]}, nil)
	if toast, _ := stale["toast"].(map[string]any); toast == nil || toast["type"] == "success" {
		t.Errorf("a second pick was accepted: %v", stale)
	}
	contains("insights of the picked customer", opsSay("/insights 13500135000"), "老客户", "去年续约过")
	listed := opsSay("/insights 13600136000")
	if strings.Contains(listed.Content, "老客户") || !strings.Contains(listed.Content, "No insights yet") {
		t.Errorf("the other customer got the insight:\n%s", listed.Content)
	}

	// Unknown targets and bad commands get an example, not an error.
	contains("unknown customer", opsSay("/insight 13900139000 #a"), "No customer matches", "/insight 13800138000")
	contains("tags first", opsSay("/insight #价格敏感 关注交付"), "Name the target first", "/insight campaign:双11")
	contains("nothing to say", opsSay("/insight 13800138000"), "Add some #tags or a note", "/insight 13800138000")
	contains("form", opsSay("/insight"), "insight_submit")

	// Posting is for ops channels only; reading is for everyone.
	if _, err := b.emu.SendText(ctx, salesChat, repID(1), "@bot /insight 13800138000 #a"); err != nil {
		t.Fatal(err)
	}
	refusal := b.waitCards(salesChat, 5)[4]
	contains("refusal", refusal, "only be posted in an ops channel")
	dm := b.emu.P2PChatID(repID(2))
	if _, err := b.emu.SendText(ctx, dm, repID(2), "/insights 13800138000"); err != nil {
		t.Fatal(err)
	}
	contains("rep reads insights", b.waitDMs(repID(2), 1)[0], "价格敏感", "决策人是cfo", "关注交付周期", "钱一")
	if _, err := b.emu.SendText(ctx, dm, repID(2), "/insight 13800138000 #a"); err != nil {
		t.Fatal(err)
	}
	contains("DM refusal", b.waitDMs(repID(2), 2)[1], "only be posted in an ops channel")
	for _, secret := range []string{"13800138000", "+8613800138000", "价格敏感", "关注交付周期"} {
		if strings.Contains(b.logs.String(), secret) {
			t.Errorf("the logs contain %q", secret)
		}
	}
}

// TestInsightForm: the /insight form files an insight from its fields and answers in the thread.
func TestInsightForm(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b.postLead(map[string]any{"external_id": "form-1", "name": "郑五", "email": "zheng@example.com"})
	pool := b.waitCards(salesChat, 1)[0]
	if _, err := b.emu.SendText(ctx, opsChat, managerID, "@bot /洞察"); err != nil {
		t.Fatal(err)
	}
	form := b.waitCards(opsChat, 1)[0]
	r := b.click(form.ID, "insight_submit", managerID, larktest.FormValue(map[string]any{
		"target": "ZHENG@example.com", "tags": "竞品在谈，VIP", "note": "下周二再联系"}))
	if r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("form submit toast: %+v", r.Toast)
	}
	confirm := b.waitCards(opsChat, 2)[1]
	if !strings.Contains(confirm.Content, "Insight saved") || !strings.Contains(confirm.Content, "竞品在谈") {
		t.Fatalf("form confirmation: %s", confirm.Content)
	}
	// The pool card is redrawn on the lead's next change; a touch is one.
	b.postLead(map[string]any{"external_id": "form-2", "email": "zheng@example.com"})
	b.wait("the pool card to show the form's insight", func() bool {
		c := b.message(pool.ID).Content
		return strings.Contains(c, "竞品在谈") && strings.Contains(c, "vip") && strings.Contains(c, "下周二再联系")
	})
	bad := b.click(form.ID, "insight_submit", managerID, larktest.FormValue(map[string]any{"target": "", "tags": "a"}))
	if bad.Toast == nil || bad.Toast.Type == "success" {
		t.Errorf("an empty target was accepted: %+v", bad.Toast)
	}
}

// TestInsightRedrawsPostedCards: an insight filed after a lead's cards were posted appears on them — the
// pool card in the group and the owner's DM card — without waiting for the lead's next change.
func TestInsightRedrawsPostedCards(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b.postLead(map[string]any{"name": "孙六", "phone": "13900139000"})
	waiting := b.waitCards(salesChat, 1)[0]
	b.postLead(map[string]any{"name": "李七", "phone": "13900139001"})
	claimed := b.waitCards(salesChat, 2)[1]
	if r := b.click(claimed.ID, "claim", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim: %+v", r.Toast)
	}
	owner := b.waitDMs(repID(1), 1)[0]

	for _, phone := range []string{"13900139000", "13900139001"} {
		if _, err := b.emu.SendText(ctx, opsChat, managerID, "@bot /insight "+phone+" #预算充足"); err != nil {
			t.Fatal(err)
		}
	}
	for what, id := range map[string]string{"waiting pool card": waiting.ID, "owner's card": owner.ID} {
		b.wait("the insight on the "+what, func() bool { return strings.Contains(b.message(id).Content, "预算充足") })
	}
}

// TestInsightsAreForTheTeam: an outsider who DMs /insights with a phone number or walks lead numbers learns
// nothing; a rep sees in full the customers that are theirs (owned, or waiting in their pool) and others
// masked; managers and the ops channel see everyone.
func TestInsightsAreForTheTeam(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const outsider = "ou_e2e_outsider"
	b.emu.AddUser(larktest.User{OpenID: outsider, Name: "路人", EnName: "Outsider"})
	owned := b.postLead(map[string]any{"external_id": "acl-1", "name": "钱一", "phone": "13800138009", "company": "钱氏贸易"})
	b.click(b.waitCards(salesChat, 1)[0].ID, "claim", repID(1))
	b.wait("the claim", func() bool { return b.lead(owned)["owner"] != nil })
	b.postLead(map[string]any{"external_id": "acl-2", "name": "孙二", "phone": "13700137009", "company": "孙记物流"})
	if _, err := b.emu.SendText(ctx, opsChat, managerID, "@bot /insight 13800138009 #价格敏感"); err != nil {
		t.Fatal(err)
	}
	b.waitCards(opsChat, 1)

	dms := map[string]int{}
	ask := func(who, text string) string {
		t.Helper()
		if _, err := b.emu.SendText(ctx, b.emu.P2PChatID(who), who, text); err != nil {
			t.Fatal(err)
		}
		dms[who]++
		return b.waitDMs(who, dms[who])[dms[who]-1].Content
	}
	for _, text := range []string{"/insights 13800138009", fmt.Sprintf("/insights #%d", owned), "/insights 钱氏"} {
		c := ask(outsider, text)
		if !strings.Contains(c, "Only ops channels, pool members and managers") {
			t.Errorf("outsider %q: not refused:\n%s", text, c)
		}
		for _, secret := range []string{"钱一", "钱氏贸易", "价格敏感"} {
			if strings.Contains(c, secret) {
				t.Errorf("outsider %q sees %q", text, secret)
			}
		}
	}
	// Rep 2 is in the pool but does not own 钱一: the insight shows, the customer is masked.
	c := ask(repID(2), "/insights 13800138009")
	if !strings.Contains(c, "价格敏感") || !strings.Contains(c, "钱*") || strings.Contains(c, "钱一") || strings.Contains(c, "钱氏贸易") {
		t.Errorf("a pool member looking up someone else's customer:\n%s", c)
	}
	if c := ask(repID(2), "/insights 13700137009"); !strings.Contains(c, "孙二") {
		t.Errorf("a pool member looking up a lead waiting in their pool:\n%s", c)
	}
	if c := ask(repID(1), "/insights 13800138009"); !strings.Contains(c, "钱一") || !strings.Contains(c, "钱氏贸易") {
		t.Errorf("the owner looking up their customer:\n%s", c)
	}
	if c := ask(managerID, fmt.Sprintf("/insights #%d", owned)); !strings.Contains(c, "钱一") {
		t.Errorf("the manager looking up a customer of their pool:\n%s", c)
	}
}
