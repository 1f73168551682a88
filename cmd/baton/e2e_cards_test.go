package main

import (
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot/larktest"
)

// offers reports whether a card still offers the action op (a button or form whose value names it).
func offers(m larktest.Message, op string) bool {
	return strings.Contains(m.Content, `"op":"`+op+`"`)
}

// claimable returns the cards in the sales chat that still offer a Claim.
func (b *baton) claimable() []larktest.Message {
	var out []larktest.Message
	for _, m := range b.cardsIn(salesChat) {
		if offers(b.message(m.ID), "claim") {
			out = append(out, m)
		}
	}
	return out
}

// TestCardsNeverLieThroughReleaseAndWin: after a release the ex-owner's DM card is masked and read-only, and
// the group holds one claimable card per lead at any time — through release, re-claim and won.
func TestCardsNeverLieThroughReleaseAndWin(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	b.postLead(map[string]any{"name": "卫五", "phone": "13700137000", "company": "卫氏贸易"})
	pool := b.waitCards(salesChat, 1)[0]
	if r := b.click(pool.ID, "claim", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim: %+v", r.Toast)
	}
	owner := b.waitDMs(repID(1), 1)[0]
	if !strings.Contains(b.message(owner.ID).Content, "137 0013 7000") {
		t.Fatal("the owner's card does not show the full phone")
	}
	if r := b.click(owner.ID, "release", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("release: %+v", r.Toast)
	}
	b.waitCards(salesChat, 2)
	b.settle()

	ex := b.message(owner.ID)
	if strings.Contains(ex.Content, "137 0013 7000") || strings.Contains(ex.Content, "13700137000") {
		t.Errorf("released owner's card still shows the full phone")
	}
	for _, op := range []string{"release", "work_submit", "close_submit", "feedback", "claim"} {
		if offers(ex, op) {
			t.Errorf("released owner's card still offers %q", op)
		}
	}
	if !strings.Contains(ex.Content, "已释放") || !strings.Contains(ex.Content, "Released") {
		t.Errorf("released owner's card does not say it was released:\n%s", ex.Content)
	}
	if live := b.claimable(); len(live) != 1 {
		t.Fatalf("after the release %d claimable cards in the group, want 1", len(live))
	}

	live := b.claimable()[0]
	if r := b.click(live.ID, "claim", repID(2)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("re-claim: %+v", r.Toast)
	}
	b.waitDMs(repID(2), 1)
	b.settle()
	if n := len(b.claimable()); n != 0 {
		t.Fatalf("after the re-claim %d group cards still offer Claim", n)
	}
	dm := b.waitDMs(repID(2), 1)
	if r := b.closeLead(dm[len(dm)-1].ID, repID(2), map[string]any{"outcome": "won", "amount": "12000"}); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("won: %+v", r.Toast)
	}
	b.settle()
	if n := len(b.claimable()); n != 0 {
		t.Fatalf("after won %d group cards still offer Claim", n)
	}
}

// TestEscalationCardShowsItWasHandled: once a manager answers an escalation, the card says who did what and
// offers nothing more; a tap on its stale Extend is refused, never answered "extended".
func TestEscalationCardShowsItWasHandled(t *testing.T) {
	clk := &clock{}
	b := startBaton(t, e2eOptions{config: eastPool("mode: claim", "sla: {unclaimed: [{after: 30m, do: escalate}]}"), clock: clk})
	id := b.postLead(map[string]any{"name": "蒋八", "phone": "13600136001"})
	b.waitCards(salesChat, 1)
	clk.Advance(31 * time.Minute)
	b.sweep()
	esc := b.waitDMs(managerID, 1)[0]
	extend := buttonValue(t, b.message(esc.ID).Content, "extend")
	if r := b.click(esc.ID, "reassign", managerID, larktest.Option(repID(2))); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("reassign: %+v", r.Toast)
	}
	handled := b.message(esc.ID)
	for _, op := range []string{"reassign", "extend", "lock"} {
		if offers(handled, op) {
			t.Errorf("the answered escalation still offers %q", op)
		}
	}
	if !strings.Contains(handled.Content, "已处理") || !strings.Contains(handled.Content, "已将线索转交给") ||
		!strings.Contains(handled.Content, managerID) || !strings.Contains(handled.Content, repID(2)) {
		t.Errorf("the answered escalation does not say who handed the lead to whom:\n%s", handled.Content)
	}
	// The same Extend, tapped late (another manager's copy, say): refused, with what changed.
	resp := b.rawClick(esc.ID, managerID, extend, nil)
	if toast, _ := resp["toast"].(map[string]any); toast == nil || toast["type"] == "success" {
		t.Fatalf("a stale Extend was applied: %v", resp)
	}
	if b.events(id, "extended") != 0 {
		t.Fatal("the stale Extend extended the lead")
	}
}

// TestCloseFormCheckedBeforeConfirm: the close form is checked before anything is confirmed — a lost lead
// without a reason is refused with the field at fault and nothing changes; an amount written "5万" is read
// back on a confirmation card, and only its Confirm closes the lead, with exactly that amount.
func TestCloseFormCheckedBeforeConfirm(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	id := b.postLead(map[string]any{"name": "沈九", "phone": "13600136002"})
	pool := b.waitCards(salesChat, 1)[0]
	if r := b.click(pool.ID, "claim", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim: %+v", r.Toast)
	}
	owner := b.waitDMs(repID(1), 1)[0]

	r := b.click(owner.ID, "close_submit", repID(1), larktest.FormValue(map[string]any{"outcome": "lost"}))
	if r.Toast == nil || !strings.Contains(toastText(r), "输单请选择原因") || b.lead(id)["stage"] != "new" {
		t.Fatalf("lost without a reason: toast %q, stage %v", toastText(r), b.lead(id)["stage"])
	}
	if !offers(b.message(owner.ID), "close") {
		t.Fatal("a refused close form did not leave the form in place")
	}

	r = b.click(owner.ID, "close_submit", repID(1), larktest.FormValue(map[string]any{"outcome": "won", "amount": "5万"}))
	confirm := b.message(owner.ID)
	if r.Toast == nil || r.Toast.Type != "info" || !strings.Contains(confirm.Content, "¥50,000.00") || !offers(confirm, "close_confirm") {
		t.Fatalf("won with 5万: toast %+v\n%s", r.Toast, confirm.Content)
	}
	if b.lead(id)["stage"] != "new" {
		t.Fatal("the lead was closed before the confirmation")
	}
	if r := b.click(owner.ID, "close_confirm", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("confirm: %+v", r.Toast)
	}
	if l := b.lead(id); l["stage"] != "won" {
		t.Fatalf("after the confirmation the lead is %v", l["stage"])
	}
}
