package main

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot/larktest"
)

// TestLeadToCardToClaim walks the heart of the product: a web-form lead becomes a masked pool card, 20 reps
// tap Claim at once and exactly one wins, the shared card shows the owner, the owner gets the full contact in
// a DM and works the lead from it, releases it, and cannot take it back during the cooldown.
func TestLeadToCardToClaim(t *testing.T) {
	b := startBaton(t, e2eOptions{reps: 20})
	id := b.postLead(map[string]any{"external_id": "wf-1", "name": "张三", "phone": "138 0013 8000",
		"email": "zhang@example.com", "company": "示例科技", "campaign": "双11大促", "utm": map[string]string{"source": "baidu"}})

	pool := b.waitCards(salesChat, 1)[0]
	if !strings.Contains(pool.Content, "138****8000") {
		t.Errorf("pool card lacks the masked phone: %s", pool.Content)
	}
	for _, secret := range []string{"13800138000", "zhang@example.com"} {
		if strings.Contains(pool.Content, secret) {
			t.Fatalf("pool card in the group shows %q", secret)
		}
	}

	// 20 reps tap Claim at the same moment.
	results := make([]larktest.ClickResult, 20)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = b.click(pool.ID, "claim", repID(i+1))
		}()
	}
	wg.Wait()
	winner := ""
	for i, r := range results {
		if r.Status != http.StatusOK {
			t.Fatalf("claim %d: HTTP %d", i, r.Status)
		}
		if r.Toast != nil && r.Toast.Type == "success" {
			if winner != "" {
				t.Fatalf("two winners: %s and %s", winner, repID(i+1))
			}
			winner = repID(i + 1)
		} else if !strings.Contains(toastText(r), "someone else") && !strings.Contains(toastText(r), "Someone else") && !strings.Contains(toastText(r), "claimed") {
			t.Errorf("loser %d got toast %q", i+1, toastText(r))
		}
	}
	if winner == "" {
		t.Fatal("nobody won the claim race")
	}
	b.wait("shared card shows the owner", func() bool {
		return strings.Contains(b.message(pool.ID).Content, winner)
	})
	if c := b.message(pool.ID).Content; strings.Contains(c, `"claim"`) && strings.Contains(c, `"op":"claim"`) {
		t.Errorf("claimed card still offers Claim: %s", c)
	}

	// The owner's DM card carries the full contact; the reveal is on the timeline.
	owner := b.waitDMs(winner, 1)[0]
	if !strings.Contains(owner.Content, "138 0013 8000") {
		t.Fatalf("owner card lacks the full phone: %s", owner.Content)
	}
	_, detail := b.get("/api/v1/leads/"+itoa(id), adminToken)
	if !hasEvent(detail, "phone_revealed") || !hasEvent(detail, "claimed") {
		t.Errorf("timeline lacks claimed/phone_revealed: %v", detail["timeline"])
	}

	// Work the lead from the DM card: stage + note + follow-up in one submit.
	follow := time.Now().Add(48*time.Hour).In(shanghai(t)).Format("2006-01-02") + " +0800"
	r := b.click(owner.ID, "work_submit", winner, larktest.FormValue(map[string]any{
		"stage": "contacted", "note": "电话沟通，客户关注交付周期", "followup": follow}))
	if r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("save: toast %+v", r.Toast)
	}
	_, detail = b.get("/api/v1/leads/"+itoa(id), adminToken)
	if detail["stage"] != "contacted" || !hasEvent(detail, "note") || !hasEvent(detail, "followup_set") {
		t.Fatalf("after save: stage %v, timeline %v", detail["stage"], detail["timeline"])
	}
	// A click carrying an old revision (a card the rep left open in another window) is refused and
	// answered with the current card.
	resp := b.rawClick(owner.ID, winner, map[string]any{"v": 1, "op": "save", "lead": itoa(id), "rev": 1},
		map[string]any{"stage": "qualified"})
	if toast, _ := resp["toast"].(map[string]any); toast == nil || toast["type"] == "success" || resp["card"] == nil {
		t.Fatalf("stale click: %v", resp)
	}
	if _, detail = b.get("/api/v1/leads/"+itoa(id), adminToken); detail["stage"] != "contacted" {
		t.Fatalf("stale click changed the stage to %v", detail["stage"])
	}

	// Quality feedback, then release: the lead goes back to the pool with a fresh card.
	owner = b.message(owner.ID)
	if r := b.click(owner.ID, "feedback", winner, larktest.Option("good_fit")); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("feedback: %+v", r.Toast)
	}
	owner = b.message(owner.ID)
	if r := b.click(owner.ID, "release", winner); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("release: %+v", r.Toast)
	}
	cards := b.waitCards(salesChat, 2)
	fresh := cards[len(cards)-1]
	if fresh.ID == pool.ID {
		t.Fatal("no fresh pool card after release")
	}
	// The releasing rep is in cooldown; another rep can claim.
	r = b.click(fresh.ID, "claim", winner)
	if !strings.Contains(toastText(r), "冷却") || !strings.Contains(toastText(r), "Cooldown") {
		t.Fatalf("re-claim during cooldown: toast %q", toastText(r))
	}
	other := repID(1)
	if other == winner {
		other = repID(2)
	}
	fresh = b.message(fresh.ID)
	if r := b.click(fresh.ID, "claim", other); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim by another rep: %+v", r.Toast)
	}
	// Won from the new owner's card.
	dm := b.waitDMs(other, 1)
	card := dm[len(dm)-1]
	if r := b.closeLead(card.ID, other, map[string]any{"outcome": "won", "amount": "12000"}); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("won: %+v", r.Toast)
	}
	_, detail = b.get("/api/v1/leads/"+itoa(id), adminToken)
	if detail["stage"] != "won" {
		t.Fatalf("stage after won = %v", detail["stage"])
	}
}

// TestReturningCustomerIsATouch: a second lead for a customer someone already owns goes to that owner as a
// new touch, not to the pool; every touch is kept for attribution.
func TestReturningCustomerIsATouch(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	id := b.postLead(map[string]any{"external_id": "wf-9", "name": "李四", "phone": "13900139000", "campaign": "春季"})
	pool := b.waitCards(salesChat, 1)[0]
	if r := b.click(pool.ID, "claim", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim: %+v", r.Toast)
	}
	b.waitDMs(repID(1), 1)

	status, body := b.post("/api/v1/leads", map[string]string{"Authorization": "Bearer " + webToken},
		map[string]any{"external_id": "wf-10", "name": "李四", "phone": "+86 139-0013-9000", "campaign": "双11大促"})
	if status != http.StatusCreated || body["status"] != "touch" || int64(body["id"].(float64)) != id {
		t.Fatalf("returning customer: %d %v (lead %d)", status, body, id)
	}
	dms := b.waitDMs(repID(1), 2)
	if !strings.Contains(dms[len(dms)-1].Content, "双11大促") {
		t.Errorf("touch DM does not name the campaign: %s", dms[len(dms)-1].Content)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(b.cardsIn(salesChat)); n != 1 {
		t.Errorf("a returning customer produced %d pool cards, want 1", n)
	}
	_, detail := b.get("/api/v1/leads/"+itoa(id), adminToken)
	if touches, _ := detail["touches"].([]any); len(touches) != 2 {
		t.Errorf("touches = %v, want 2", detail["touches"])
	}
	// A repeat of the same (source, external_id) changes nothing.
	status, body = b.post("/api/v1/leads", map[string]string{"Authorization": "Bearer " + webToken},
		map[string]any{"external_id": "wf-10", "name": "李四", "phone": "13900139000"})
	if status != http.StatusOK || body["status"] != "exists" {
		t.Fatalf("repeat: %d %v", status, body)
	}
}

func hasEvent(detail map[string]any, kind string) bool {
	tl, _ := detail["timeline"].([]any)
	for _, e := range tl {
		if m, ok := e.(map[string]any); ok && m["kind"] == kind {
			return true
		}
	}
	return false
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func shanghai(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestRecalledCardsAreReplaced: a card Lark will no longer update (recalled, or past the 14-day window) is
// replaced by a fresh one instead of blocking the lead's cards and notifications forever.
func TestRecalledCardsAreReplaced(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	id := b.postLead(map[string]any{"name": "撤回", "phone": "13800138055"})
	pool := b.waitCards(salesChat, 1)[0]
	b.click(pool.ID, "claim", repID(1))
	owner := b.waitDMs(repID(1), 1)[0]
	if !b.emu.Recall(owner.ID) {
		t.Fatal("recall failed")
	}
	// The owner logs a note from the (still visible) pool card's lead: the next sync finds the DM card gone.
	rev := int64(b.lead(id)["rev"].(float64))
	resp := b.rawClick(pool.ID, repID(1), map[string]any{"v": 1, "op": "save", "lead": itoa(id), "rev": rev}, map[string]any{"note": "已联系"})
	if toast, _ := resp["toast"].(map[string]any); toast == nil || toast["type"] != "success" {
		t.Fatalf("save: %v", resp)
	}
	b.wait("a fresh owner card", func() bool {
		for _, m := range b.dmCards(repID(1)) {
			if m.ID != owner.ID && strings.Contains(m.Content, "138 0013 8055") {
				return true
			}
		}
		return false
	})
	if !b.emu.Recall(pool.ID) {
		t.Fatal("recall pool card failed")
	}
	// Released to the pool, the lead needs a card people can tap, even though its old one is gone.
	rev = int64(b.lead(id)["rev"].(float64))
	resp = b.rawClick(owner.ID, repID(1), map[string]any{"v": 1, "op": "release", "lead": itoa(id), "rev": rev}, nil)
	if toast, _ := resp["toast"].(map[string]any); toast == nil || toast["type"] != "success" {
		t.Fatalf("release: %v", resp)
	}
	b.wait("a fresh pool card", func() bool {
		for _, m := range b.cardsIn(salesChat) {
			if m.ID != pool.ID && strings.Contains(m.Content, `"op":"claim"`) {
				return true
			}
		}
		return false
	})
}
