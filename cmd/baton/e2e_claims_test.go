package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot/larktest"
)

var ladderConfig = eastPool("mode: claim", "cooldown: 24h",
	"protection: {default: 7d, extend_on_activity: 3d, max: 30d, warn_before: 1d}",
	"sla: {unclaimed: [{after: 10m, do: remind_pool}, {after: 30m, do: escalate}], first_contact: [{after: 2h, do: remind_owner}]}")

// buttonValue digs the callback value of the first component whose value has op out of a card's JSON, as
// the chat client keeps it: a card drawn before later changes still carries its own value.
func buttonValue(t *testing.T, content, op string) map[string]any {
	t.Helper()
	var card any
	if err := json.Unmarshal([]byte(content), &card); err != nil {
		t.Fatalf("card JSON: %v", err)
	}
	var found map[string]any
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			if x["type"] == "callback" {
				if v, ok := x["value"].(map[string]any); ok && v["op"] == op && found == nil {
					found = v
				}
			}
			for _, v := range x {
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	walk(card)
	if found == nil {
		t.Fatalf("no %s action in card %s", op, content)
	}
	return found
}

func ok(r larktest.ClickResult) bool { return r.Toast != nil && r.Toast.Type == "success" }

func okResp(resp map[string]any) bool {
	toast, _ := resp["toast"].(map[string]any)
	return toast != nil && toast["type"] == "success"
}

func respToast(resp map[string]any) string {
	toast, _ := resp["toast"].(map[string]any)
	if toast == nil {
		return ""
	}
	i18n, _ := toast["i18n"].(map[string]any)
	return toast["content"].(string) + " / " + i18n["en_us"].(string)
}

func (b *baton) owner(id int64) string {
	o, _ := b.lead(id)["owner"].(map[string]any)
	s, _ := o["open_id"].(string)
	return s
}

// TestClaimAfterPoolReminder: SLA steps bump a lead's revision, but a claim depends on the lead being
// unowned, not on its revision: the pool card as it was first drawn, and the reminder's own Claim button
// after a later escalation, both still claim.
func TestClaimAfterPoolReminder(t *testing.T) {
	b := startBaton(t, e2eOptions{config: ladderConfig})
	a := b.postLead(map[string]any{"name": "甲", "phone": "13800138101"})
	b.waitCards(salesChat, 1)
	c := b.postLead(map[string]any{"name": "乙", "phone": "13800138102"})
	cards := b.waitCards(salesChat, 2)
	b.settle()
	poolA, poolC := cards[0], cards[1]
	firstA := buttonValue(t, b.message(poolA.ID).Content, "claim") // the card as a rep's phone still shows it

	b.clock.Advance(11 * time.Minute)
	b.sweep()
	b.clock.Advance(20 * time.Minute)
	b.sweep()
	if b.events(a, "reminded") != 1 || b.events(c, "escalated") != 1 {
		t.Fatalf("ladder did not run: reminded %d, escalated %d", b.events(a, "reminded"), b.events(c, "escalated"))
	}

	if resp := b.rawClick(poolA.ID, repID(1), firstA, nil); !okResp(resp) {
		t.Fatalf("claim from the first drawing of the pool card: %v", resp)
	}
	if got := b.owner(a); got != repID(1) {
		t.Fatalf("lead %d owner %q, want %s", a, got, repID(1))
	}

	var reminder larktest.Message
	for _, m := range b.emu.Messages(salesChat) {
		if m.ParentID == poolC.ID {
			reminder = m
		}
	}
	if reminder.ID == "" {
		t.Fatal("no reminder in the pool card's thread")
	}
	if r := b.click(reminder.ID, "claim", repID(2)); !ok(r) {
		t.Fatalf("claim from the reminder after the escalation: %q", toastText(r))
	}
	if got := b.owner(c); got != repID(2) {
		t.Fatalf("lead %d owner %q, want %s", c, got, repID(2))
	}
}

// TestStaleClicksRefused: actions on escalations and reminders state what they expect of the lead; when a
// rep claimed it meanwhile, or the follow-up moved, the click is refused with the fresh card and a toast
// saying what changed, and the lead stays as it is.
func TestStaleClicksRefused(t *testing.T) {
	b := startBaton(t, e2eOptions{config: ladderConfig})
	id := b.postLead(map[string]any{"name": "丙", "phone": "13800138103"})
	pool := b.waitCards(salesChat, 1)[0]
	b.clock.Advance(31 * time.Minute)
	b.sweep()
	esc := b.waitDMs(managerID, 1)[0]
	legacy := map[string]any{"v": 1, "op": "reassign", "lead": itoa(id), "rev": b.lead(id)["rev"], "to": repID(3)}
	extend := buttonValue(t, esc.Content, "extend")

	// Rep 1 claims from the pool card meanwhile.
	if r := b.click(b.message(pool.ID).ID, "claim", repID(1)); !ok(r) {
		t.Fatalf("claim: %q", toastText(r))
	}
	b.settle()

	r := b.click(esc.ID, "reassign", managerID, larktest.Option(repID(2)))
	if ok(r) || !strings.Contains(toastText(r), "认领") || !strings.Contains(toastText(r), "claimed by") {
		t.Fatalf("reassign on the old escalation: toast %q, want a refusal saying the lead was claimed", toastText(r))
	}
	if strings.Contains(toastText(r), "someone else") || strings.Contains(toastText(r), "他人更新") {
		t.Errorf("the toast blames someone else: %q", toastText(r))
	}
	if !r.CardUpdated {
		t.Error("the refusal did not redraw the card")
	}
	if resp := b.rawClick(esc.ID, managerID, extend, nil); okResp(resp) {
		t.Fatalf("extend on the old escalation was applied: %v", resp)
	}
	// A card from before preconditions (version 1 value) is held to its revision.
	if resp := b.rawClick(esc.ID, managerID, legacy, nil); okResp(resp) {
		t.Fatalf("legacy reassign with an old revision was applied: %v", resp)
	}
	if got := b.owner(id); got != repID(1) || b.events(id, "extended") != 0 {
		t.Fatalf("owner %q, %d extensions; want %s and none", got, b.events(id, "extended"), repID(1))
	}

	// A follow-up reminder, then the rep sets a new follow-up from the owner card: "done" on the old
	// reminder must not wipe the new one.
	owner := b.waitDMs(repID(1), 1)[0]
	loc := shanghai(t)
	soon := b.clock.Now().Add(time.Hour).In(loc).Format("2006-01-02 15:04 -0700")
	if r := b.click(owner.ID, "work_submit", repID(1), larktest.FormValue(map[string]any{"note": "约了回电", "followup": soon})); !ok(r) {
		t.Fatalf("set follow-up: %q", toastText(r))
	}
	b.clock.Advance(62 * time.Minute)
	b.sweep()
	dms := b.waitDMs(repID(1), 2)
	reminder := dms[len(dms)-1]
	later := b.clock.Now().Add(24 * time.Hour).In(loc).Format("2006-01-02 15:04 -0700")
	if r := b.click(b.message(owner.ID).ID, "work_submit", repID(1), larktest.FormValue(map[string]any{"followup": later})); !ok(r) {
		t.Fatalf("reschedule: %q", toastText(r))
	}
	snooze := buttonValue(t, reminder.Content, "snooze")
	notes := b.events(id, "note")
	r = b.click(reminder.ID, "done", repID(1))
	if ok(r) || !strings.Contains(toastText(r), "rescheduled") {
		t.Fatalf("done on the old reminder: toast %q, want a refusal saying the follow-up was rescheduled", toastText(r))
	}
	if n := b.events(id, "note"); n != notes {
		t.Fatalf("the stale done was recorded (%d notes, want %d)", n, notes)
	}
	if resp := b.rawClick(reminder.ID, repID(1), snooze, nil); okResp(resp) {
		t.Fatalf("snooze on the old reminder was applied: %v", resp)
	}
}

// TestOpenResendsOwnerCard: "Open" on a returning-customer notice sends the owner card again even when the
// cards are current, as its toast promises.
func TestOpenResendsOwnerCard(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	b.postLead(map[string]any{"name": "丁", "phone": "13800138104"})
	pool := b.waitCards(salesChat, 1)[0]
	if r := b.click(pool.ID, "claim", repID(1)); !ok(r) {
		t.Fatalf("claim: %q", toastText(r))
	}
	b.waitDMs(repID(1), 1)
	b.postLead(map[string]any{"name": "丁", "phone": "13800138104", "campaign": "回访"})
	touch := b.waitDMs(repID(1), 2)[1]
	b.settle()
	if r := b.click(touch.ID, "open", repID(1)); !ok(r) {
		t.Fatalf("open: %q", toastText(r))
	}
	dms := b.waitDMs(repID(1), 3)
	if c := dms[2].Content; !strings.Contains(c, "138 0013 8104") {
		t.Fatalf("the card sent on Open is not the owner card: %s", c)
	}
	if resp := b.rawClick(touch.ID, repID(2), buttonValue(t, touch.Content, "open"), nil); okResp(resp) {
		t.Fatalf("someone else opened the lead: %v", resp)
	}
}

var assignConfig = eastPool("mode: assign", "members: [ou_e2e_rep01, ou_e2e_rep02, ou_e2e_rep03]", "limits: {open: 3}")

// checkAssignCaps: 16 leads into a pool of three members capped at 3 open leads each give each member
// exactly 3; the other 7 wait in the pool chat with a Claim button, and the manager is told once.
func checkAssignCaps(t *testing.T, b *baton) {
	t.Helper()
	b.settle()
	held := map[string]int{}
	for id := int64(1); id <= 16; id++ {
		held[b.owner(id)]++
	}
	for i := 1; i <= 3; i++ {
		if held[repID(i)] != 3 {
			t.Errorf("%s holds %d leads, want 3 (cap): %v", repID(i), held[repID(i)], held)
		}
	}
	if held[""] != 7 {
		t.Errorf("%d leads wait in the pool, want 7: %v", held[""], held)
	}
	// The seven arrive at once, so they may share a pool board: count Claim buttons, not cards.
	if claimable := len(b.claimableIn(salesChat)); claimable != 7 {
		t.Errorf("%d leads claimable from the pool chat, want 7", claimable)
	}
	notices := 0
	for _, m := range b.emu.DMs(managerID) {
		if m.Sender == "app" && strings.Contains(m.Content, "cap") {
			notices++
		}
	}
	if notices != 1 {
		t.Errorf("the manager was told %d times that the pool is full, want once", notices)
	}
}

func assignLead(i int) map[string]any {
	return map[string]any{"name": fmt.Sprintf("客户%02d", i), "phone": fmt.Sprintf("1390013%04d", i)}
}

// TestAssignCapsUnderConcurrency: 16 simultaneous posts into an assign pool respect every member's cap.
func TestAssignCapsUnderConcurrency(t *testing.T) {
	b := startBaton(t, e2eOptions{config: assignConfig})
	var wg sync.WaitGroup
	for i := 1; i <= 16; i++ {
		wg.Go(func() { b.postLead(assignLead(i)) })
	}
	wg.Wait()
	checkAssignCaps(t, b)
}

// TestAssignCapsInBatch: one batch of 16 into the same pool does too.
func TestAssignCapsInBatch(t *testing.T) {
	b := startBaton(t, e2eOptions{config: assignConfig})
	var leads []any
	for i := 1; i <= 16; i++ {
		leads = append(leads, assignLead(i))
	}
	status, resp := b.post("/api/v1/leads/batch", map[string]string{"Authorization": "Bearer " + webToken}, map[string]any{"leads": leads})
	if status != 200 {
		t.Fatalf("batch: %d %v", status, resp)
	}
	checkAssignCaps(t, b)
}

var autoAssignConfig = eastPool("mode: claim", "members: [ou_e2e_rep01]", "limits: {open: 1}", "sla: {unclaimed: [{after: 10m, do: auto_assign}]}")

// TestAutoAssignStepEscalatesWhenNobodyFree: an auto_assign step that finds every member at their cap is
// not spent silently: it escalates to the managers. When someone is free, the step and the assignment
// are one write.
func TestAutoAssignStepEscalatesWhenNobodyFree(t *testing.T) {
	b := startBaton(t, e2eOptions{config: autoAssignConfig})
	first := b.postLead(map[string]any{"name": "戊", "phone": "13800138105"})
	second := b.postLead(map[string]any{"name": "己", "phone": "13800138106"})
	b.waitCards(salesChat, 2)
	b.clock.Advance(11 * time.Minute)
	b.sweep()
	b.sweep()
	// The first lead went to rep 1 with its step; rep 1 is now at the cap, so the second escalates.
	if got := b.owner(first); got != repID(1) && b.owner(second) != repID(1) {
		t.Fatalf("nobody got a lead: %q, %q", got, b.owner(second))
	}
	waiting := second
	if b.owner(second) == repID(1) {
		waiting = first
	}
	if b.owner(waiting) != "" {
		t.Fatalf("both leads went to the capped rep")
	}
	if got := first + second - waiting; b.events(got, "escalated") != 1 || b.events(got, "assigned") != 1 {
		t.Fatalf("assigned lead %d: the step and the assignment were not recorded together: %v", got, b.lead(got)["timeline"])
	}
	b.waitDMs(managerID, 1)
	if n := b.events(waiting, "escalated"); n != 1 {
		t.Fatalf("waiting lead: %d escalations, want 1", n)
	}
	b.sweep()
	if n := len(b.dmCards(managerID)); n != 1 {
		t.Fatalf("the manager got %d escalations, want 1", n)
	}
}

// TestExtendKeepsClaimWait: a manager's extension restarts the SLA ladder but not the facts the digest
// measures: the claim after it still records the whole wait since the lead entered the pool.
func TestExtendKeepsClaimWait(t *testing.T) {
	b := startBaton(t, e2eOptions{config: ladderConfig})
	id := b.postLead(map[string]any{"name": "庚", "phone": "13800138107"})
	pool := b.waitCards(salesChat, 1)[0]
	b.clock.Advance(31 * time.Minute)
	b.sweep()
	esc := b.waitDMs(managerID, 1)[0]
	if r := b.click(esc.ID, "extend", managerID); !ok(r) {
		t.Fatalf("extend: %q", toastText(r))
	}
	b.clock.Advance(11 * time.Minute)
	b.sweep()
	if n := b.events(id, "reminded"); n != 2 {
		t.Fatalf("after the extension the ladder should restart: %d reminders, want 2", n)
	}
	if r := b.click(b.message(pool.ID).ID, "claim", repID(1)); !ok(r) {
		t.Fatalf("claim: %q", toastText(r))
	}
	tl, _ := b.lead(id)["timeline"].([]any)
	for _, e := range tl {
		m := e.(map[string]any)
		if m["kind"] != "claimed" {
			continue
		}
		data, _ := m["data"].(map[string]any)
		// 42 minutes of injected time, plus the real seconds the test itself takes.
		if w, _ := strconv.Atoi(fmt.Sprint(data["waited_s"])); w < 2520 || w > 2640 {
			t.Fatalf("claim wait %v s, want 2520 (42 minutes since the lead arrived)", data["waited_s"])
		}
		return
	}
	t.Fatal("no claimed event")
}
