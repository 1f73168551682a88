package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot/larktest"
)

// TestNotesFollowTheLead: a note and a quality verdict saved on the owner card show on that card; after a
// release the ex-owner's card no longer shows them, and the next owner's card carries the previous owner's
// note.
func TestNotesFollowTheLead(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	id := b.postLead(map[string]any{"name": "王五", "phone": "13700137000", "company": "五金行"})
	pool := b.waitCards(salesChat, 1)[0]
	if r := b.click(pool.ID, "claim", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim: %+v", r.Toast)
	}
	owner := b.waitDMs(repID(1), 1)[0]

	const note = "电话沟通，客户关注交付周期"
	if r := b.click(owner.ID, "work_submit", repID(1), larktest.FormValue(map[string]any{"note": note})); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("save note: %+v", r.Toast)
	}
	b.wait("the note on the owner card", func() bool { return strings.Contains(content(b.message(owner.ID)), note) })
	if c := content(b.message(owner.ID)); !strings.Contains(c, "<at id="+repID(1)+"></at>") || !strings.Contains(c, `"op":"history"`) {
		t.Errorf("owner card lacks the note's author or the History button: %s", c)
	}

	if r := b.click(owner.ID, "feedback", repID(1), larktest.Option("no_budget")); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("feedback: %+v", r.Toast)
	}
	b.wait("the verdict on the owner card", func() bool {
		c := content(b.message(owner.ID))
		return strings.Contains(c, "**质量反馈**：没有预算") && strings.Contains(c, "**Lead quality**: No budget")
	})

	if r := b.click(owner.ID, "release", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("release: %+v", r.Toast)
	}
	fresh := b.waitCards(salesChat, 2)[1]
	b.wait("the ex-owner's card stops showing the notes", func() bool { return !strings.Contains(content(b.message(owner.ID)), note) })

	if r := b.click(fresh.ID, "claim", repID(2)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim by rep 2: %+v", r.Toast)
	}
	next := b.waitDMs(repID(2), 1)[0]
	c := content(next)
	if !strings.Contains(c, note) || !strings.Contains(c, "<at id="+repID(1)+"></at>") {
		t.Fatalf("the next owner's card does not carry rep 1's note and name: %s", c)
	}
	if !strings.Contains(c, "没有预算") {
		t.Errorf("the next owner's card does not show the verdict: %s", c)
	}
	if n := b.events(id, "note"); n != 1 {
		t.Errorf("timeline has %d notes, want 1", n)
	}
}

// TestTouchKeepsItsNote: "/lead 张三 138… 展会上聊过，想要报价" for a customer someone owns becomes a touch that
// keeps its note, source and author; the owner's DM and card show the note.
func TestTouchKeepsItsNote(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	id := b.postLead(map[string]any{"name": "张三", "phone": "13800138000"})
	pool := b.waitCards(salesChat, 1)[0]
	if r := b.click(pool.ID, "claim", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim: %+v", r.Toast)
	}
	owner := b.waitDMs(repID(1), 1)[0]

	// A colleague met the customer at a fair and types them in.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const note = "展会上聊过，想要报价"
	if _, err := b.emu.SendText(ctx, b.emu.P2PChatID(repID(2)), repID(2), "/lead 张三 13800138000 "+note); err != nil {
		t.Fatal(err)
	}
	if reply := b.waitDMs(repID(2), 1)[0]; !strings.Contains(reply.Content, "new touch on lead #"+itoa(id)) {
		t.Fatalf("/lead reply: %s", reply.Content)
	}
	dms := b.waitDMs(repID(1), 2)
	touch := content(dms[len(dms)-1])
	for _, want := range []string{"备注：" + note, "Note: " + note, "录入人 <at id=" + repID(2) + "></at>", "Returning customer"} {
		if !strings.Contains(touch, want) {
			t.Errorf("the owner's touch DM lacks %q: %s", want, touch)
		}
	}
	b.wait("the touch's note on the owner card", func() bool { return strings.Contains(content(b.message(owner.ID)), note) })

	touches, _ := b.lead(id)["touches"].([]any)
	if len(touches) != 2 {
		t.Fatalf("touches = %v, want 2", touches)
	}
	last, _ := touches[1].(map[string]any)
	if last["note"] != note || last["source"] != "chat" || last["author"] != repID(2) {
		t.Errorf("the touch kept note %v, source %v, author %v", last["note"], last["source"], last["author"])
	}
}

// TestLeadHistoryCommand: /lead N (and /线索 N) answers the owner with the whole history as one card, the
// pool's manager with phone numbers masked, and anybody else with a refusal in both languages.
func TestLeadHistoryCommand(t *testing.T) {
	b := startBaton(t, e2eOptions{})
	id := b.postLead(map[string]any{"name": "赵六", "phone": "13600136000"})
	pool := b.waitCards(salesChat, 1)[0]
	b.click(pool.ID, "claim", repID(1))
	owner := b.waitDMs(repID(1), 1)[0]
	const note = "客户换号了 13912345678，周五回电"
	follow := time.Now().Add(72*time.Hour).In(shanghai(t)).Format("2006-01-02") + " +0800"
	if r := b.click(owner.ID, "work_submit", repID(1), larktest.FormValue(map[string]any{
		"stage": "contacted", "note": note, "followup": follow})); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("save: %+v", r.Toast)
	}
	owner = b.message(owner.ID)
	if r := b.click(owner.ID, "feedback", repID(1), larktest.Option("good_fit")); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("feedback: %+v", r.Toast)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ask := func(who, text string, n int) string {
		t.Helper()
		if _, err := b.emu.SendText(ctx, b.emu.P2PChatID(who), who, text); err != nil {
			t.Fatal(err)
		}
		return content(b.waitDMs(who, n)[n-1])
	}

	h := ask(repID(1), "/lead "+itoa(id), 2)
	for _, want := range []string{note, "**阶段 新线索 → 已联系**", "**Stage New → Contacted**", "**下次跟进 ", "**质量反馈：优质线索**",
		"**查看了完整联系方式**", "**认领**", "<at id=" + repID(1) + "></at>", "History: 赵六"} {
		if !strings.Contains(h, want) {
			t.Errorf("the owner's history card lacks %q: %s", want, h)
		}
	}

	m := ask(managerID, "/线索 #"+itoa(id), 1)
	if strings.Contains(m, "13912345678") || strings.Contains(m, "13600136000") || strings.Contains(m, "136 0013 6000") || !strings.Contains(m, "139****5678") {
		t.Errorf("the manager's history card does not mask phone numbers: %s", m)
	}

	refused := ask(repID(3), "/lead "+itoa(id), 1)
	if !strings.Contains(refused, "只有线索 #"+itoa(id)+" 的负责人和线索池主管可以查看") ||
		!strings.Contains(refused, "Only the owner of lead #"+itoa(id)) || strings.Contains(refused, "周五回电") {
		t.Errorf("an outsider's /lead %d: %s", id, refused)
	}

	// The History button on the owner card sends the same card to the owner's DM.
	owner = b.message(owner.ID)
	if r := b.click(owner.ID, "history", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("history button: %+v", r.Toast)
	}
	dms := b.waitDMs(repID(1), 3)
	if c := content(dms[len(dms)-1]); !strings.Contains(c, "History: 赵六") || !strings.Contains(c, note) {
		t.Errorf("history button sent: %s", c)
	}
}

// content is a message's card JSON with Go's HTML escapes undone: the emulator stores a patched card
// re-encoded, so "<at id=…>" reads "\u003cat id=…\u003e" there.
func content(m larktest.Message) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(m.Content)
}
