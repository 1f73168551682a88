package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot/larktest"
	"github.com/baton-crm/baton/jobs"
)

const digestConfig = defaultE2EConfig + `digest: {cron: "0 9 * * MON", to: [managers, ops_channels]}
feedback_summary: {cron: "0 18 * * MON-FRI", to: [ops_channels]}
`

// tick enqueues a periodic task through the real queue, as the cron would, and waits for it to finish.
func (b *baton) tick(typ string) {
	b.t.Helper()
	b.enqueueRaw(typ, jobs.QueueLow, nil)
	b.settle()
}

// withText returns the bot cards in msgs whose content holds s.
func withText(msgs []larktest.Message, s string) []larktest.Message {
	var out []larktest.Message
	for _, m := range msgs {
		if strings.Contains(m.Content, s) {
			out = append(out, m)
		}
	}
	return out
}

// waitCardWith waits for a bot card holding s in the chat and returns the newest.
func (b *baton) waitCardWith(chatID, s string) larktest.Message {
	b.t.Helper()
	var found []larktest.Message
	b.wait(fmt.Sprintf("a card with %q in %s", s, chatID), func() bool {
		found = withText(b.cardsIn(chatID), s)
		return len(found) > 0
	})
	return found[len(found)-1]
}

// TestFeedbackSummaryAndDigest: three leads get quality feedback from their owners and the daily roll-up
// brings the numbers to the ops channel once; the weekly digest fires for the week that just ended in the
// configured time zone and reaches the manager once; /digest works in the group and in a DM, refuses reps,
// and answers a bad week with a help card.
func TestFeedbackSummaryAndDigest(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	clk := &clock{}
	clk.set(time.Date(2026, 11, 26, 10, 0, 0, 0, cst)) // Thursday of 2026-W48
	b := startBaton(t, e2eOptions{config: digestConfig, clock: clk})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	verdicts := []string{"invalid_number", "duplicate", "good_fit"}
	for i := range verdicts {
		b.postLead(map[string]any{"external_id": fmt.Sprintf("dg-%d", i), "name": fmt.Sprintf("客户%d", i),
			"phone": fmt.Sprintf("1390013900%d", i), "campaign": "双11"})
	}
	pool := b.waitCards(salesChat, 3)
	for i, verdict := range verdicts {
		rep := repID(i + 1)
		if r := b.click(pool[i].ID, "claim", rep); r.Toast == nil || r.Toast.Type != "success" {
			t.Fatalf("claim by %s: %+v", rep, r.Toast)
		}
		owner := b.waitDMs(rep, 1)[0]
		if r := b.click(owner.ID, "feedback", rep, larktest.Option(verdict)); r.Toast == nil || r.Toast.Type != "success" {
			t.Fatalf("feedback %s by %s: %+v", verdict, rep, r.Toast)
		}
	}

	// 18:00: the roll-up reaches the ops channel with the numbers, the source highlighted as a worst mover.
	clk.set(time.Date(2026, 11, 26, 18, 0, 0, 0, cst))
	b.tick(jobs.TypeFeedback)
	summary := b.waitCardWith(opsChat, "线索质量反馈")
	for _, want := range []string{
		"web-form / 双11：线索 3 · 认领 3 · 联系 0 · 赢单 0 · 空号率 33% · 重复率 33%",
		"web-form / 双11: leads 3 · claimed 3 · contacted 0 · won 0 · invalid 33% · duplicate 33%",
		"▲ web-form / 双11：空号/重复占比 67%（上期无数据）",
	} {
		if !strings.Contains(summary.Content, want) {
			t.Errorf("feedback summary lacks %q:\n%s", want, summary.Content)
		}
	}
	// The next day nothing new was said: no second card.
	clk.set(time.Date(2026, 11, 27, 18, 0, 0, 0, cst))
	b.tick(jobs.TypeFeedback)
	if n := len(withText(b.cardsIn(opsChat), "线索质量反馈")); n != 1 {
		t.Errorf("%d feedback summaries, want 1: nothing changed since the first", n)
	}

	// Monday 09:00 local: the digest of W48 goes to the manager (and the summary to the ops channel), once.
	clk.set(time.Date(2026, 11, 30, 9, 0, 0, 0, cst))
	b.tick(jobs.TypeDigest)
	digest := b.waitCardWith(b.emu.P2PChatID(managerID), "周报 · 华东线索池 · 2026-W48")
	for _, want := range []string{"**新线索** 3　**认领** 3　**赢单** 0", "web-form / 双11：首次触达 3，末次触达 3",
		"认领用时：中位数", "（3 条）", "web-form · 空号/错号：1", `"tag":"chart"`} {
		if !strings.Contains(digest.Content, want) {
			t.Errorf("manager digest lacks %q:\n%s", want, digest.Content)
		}
	}
	b.waitCardWith(opsChat, "周报 · 全部线索池 · 2026-W48")
	b.tick(jobs.TypeDigest)
	if n := len(withText(b.dmCards(managerID), "2026-W48")); n != 1 {
		t.Errorf("manager got %d W48 digests, want 1", n)
	}

	// On demand, in the sales group with @bot and in a DM.
	if _, err := b.emu.SendText(ctx, salesChat, managerID, "@bot /digest last week"); err != nil {
		t.Fatal(err)
	}
	if c := b.waitCardWith(salesChat, "周报 · 华东线索池 · 2026-W48"); !strings.Contains(c.Content, "**新线索** 3") {
		t.Errorf("group /digest: %s", c.Content)
	}
	dm := b.emu.P2PChatID(managerID)
	if _, err := b.emu.SendText(ctx, dm, managerID, "/周报"); err != nil {
		t.Fatal(err)
	}
	b.waitCardWith(dm, "周报 · 华东线索池 · 2026-W49")
	if _, err := b.emu.SendText(ctx, dm, managerID, "/digest bogus"); err != nil {
		t.Fatal(err)
	}
	if c := b.waitCardWith(dm, "Command not understood"); !strings.Contains(c.Content, "/digest east last week") {
		t.Errorf("bad /digest: %s", c.Content)
	}
	// A rep may not read digests.
	repDM := b.emu.P2PChatID(repID(1))
	if _, err := b.emu.SendText(ctx, repDM, repID(1), "/digest"); err != nil {
		t.Fatal(err)
	}
	if c := b.waitCardWith(repDM, "只有线索池主管可以查看周报"); strings.Contains(c.Content, "周报 · ") {
		t.Errorf("a rep got a digest: %s", c.Content)
	}
}
