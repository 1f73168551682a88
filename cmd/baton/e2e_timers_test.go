package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/baton-crm/baton/bot/larktest"
)

const slaConfig = `timezone: Asia/Shanghai
business_hours: {days: [mon, tue, wed, thu, fri], start: "09:00", end: "18:00", holidays: ["2026-10-01"]}
sources:
  - {key: web-form, token: "` + webToken + `"}
pools:
  - key: east
    name: 华东线索池
    chat_id: %[1]s
    mode: claim
    managers: [%[2]s]
    cooldown: 24h
    protection: {default: 2d, extend_on_activity: 1d, max: 5d, warn_before: 1d}
    sla:
      unclaimed: [{after: 10m, do: remind_pool}, {after: 30m, do: escalate}, {after: 45m, do: urgent}]
      first_contact: [{after: 1h, do: remind_owner}, {after: 2h, do: escalate}]
routing:
  - {pool: east}
`

// friday1755 is a lead arriving five minutes before the weekend.
var friday1755 = time.Date(2026, 11, 27, 17, 55, 0, 0, time.FixedZone("CST", 8*3600))

func at(day, hour, min int) time.Time {
	return time.Date(2026, 11, day, hour, min, 0, 0, time.FixedZone("CST", 8*3600))
}

// managerCards counts the escalation cards the manager got.
func (b *baton) managerCards() []larktest.Message { return b.dmCards(managerID) }

// TestSLALadderInBusinessTime: a lead at 17:55 on Friday escalates on Monday morning, not on Saturday; each
// step fires once; the first-contact ladder stops at the first note.
func TestSLALadderInBusinessTime(t *testing.T) {
	clk := &clock{}
	clk.set(friday1755)
	b := startBaton(t, e2eOptions{config: slaConfig, clock: clk})
	id := b.postLead(map[string]any{"name": "郑一", "phone": "13100131000"})
	pool := b.waitCards(salesChat, 1)[0]

	clk.set(at(28, 10, 0)) // Saturday: the business clock is stopped
	b.sweep()
	if n := len(b.emu.Messages(salesChat)); n != 1 || len(b.managerCards()) != 0 {
		t.Fatalf("Saturday: %d messages in the pool chat, %d manager cards; want 1 and 0", n, len(b.managerCards()))
	}

	clk.set(at(30, 9, 6)) // Monday 09:06: 10 business minutes have passed
	b.sweep()
	msgs := b.emu.Messages(salesChat)
	if len(msgs) != 2 || msgs[1].ParentID != pool.ID || !strings.Contains(msgs[1].Content, "10") {
		t.Fatalf("Monday 09:06: want a reply to the pool card, got %d messages: %+v", len(msgs), msgs)
	}
	if len(b.managerCards()) != 0 {
		t.Fatal("escalated before the escalate step")
	}

	clk.set(at(30, 9, 26))
	b.sweep()
	b.waitDMs(managerID, 1)
	clk.set(at(30, 9, 41))
	b.sweep()
	urgent := b.waitDMs(managerID, 2)[1]
	if len(urgent.UrgentTo) != 1 || urgent.UrgentTo[0] != managerID {
		t.Fatalf("urgent step did not buzz the manager: %+v", urgent)
	}
	b.sweep() // nothing more is due: each step fires once
	if got := b.events(id, "reminded") + b.events(id, "escalated"); got != 3 || len(b.managerCards()) != 2 || len(b.emu.Messages(salesChat)) != 2 {
		t.Fatalf("after the ladder: %d ladder events, %d manager cards, %d pool-chat messages; want 3, 2, 2", got, len(b.managerCards()), len(b.emu.Messages(salesChat)))
	}

	// The manager hands the lead to rep 2 from the escalation card.
	esc := b.managerCards()[0]
	if r := b.click(esc.ID, "reassign", managerID, larktest.Option(repID(2))); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("reassign: %+v", r.Toast)
	}
	owner := b.waitDMs(repID(2), 1)[0]
	clk.set(at(30, 10, 42)) // an hour of business time after the reassignment: remind the owner
	b.sweep()
	dms := b.waitDMs(repID(2), 2)
	if !strings.Contains(dms[1].Content, "1") {
		t.Errorf("owner reminder: %s", dms[1].Content)
	}
	// A note is the first contact: the first-contact ladder stops.
	owner = b.message(owner.ID)
	if r := b.click(owner.ID, "work_submit", repID(2), larktest.FormValue(map[string]any{"note": "已电话联系"})); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("note: %+v", r.Toast)
	}
	clk.set(at(30, 15, 0))
	b.sweep()
	if n := b.events(id, "escalated"); n != 2 {
		t.Fatalf("escalated %d times; the first-contact escalation must not fire after the note", n)
	}
}

// TestFollowUpWarnRecycle: follow-up reminder and snooze; the pre-recycle warning; the recycle back to the
// pool with a fresh card; the previous owner's cooldown; a locked lead is never recycled.
func TestFollowUpWarnRecycle(t *testing.T) {
	clk := &clock{}
	clk.set(at(30, 10, 0)) // Monday
	b := startBaton(t, e2eOptions{config: slaConfig, clock: clk})
	id := b.postLead(map[string]any{"name": "冯二", "phone": "13000130000"})
	pool := b.waitCards(salesChat, 1)[0]
	b.click(pool.ID, "claim", repID(1))
	owner := b.waitDMs(repID(1), 1)[0]
	// Follow up tomorrow (09:00 on that day).
	r := b.click(owner.ID, "work_submit", repID(1), larktest.FormValue(map[string]any{"note": "约了明天", "followup": "2026-12-01 +0800"}))
	if r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("set follow-up: %+v", r.Toast)
	}
	clk.set(time.Date(2026, 12, 1, 9, 1, 0, 0, time.FixedZone("CST", 8*3600)))
	b.sweep()
	dms := b.waitDMs(repID(1), 2)
	reminder := dms[len(dms)-1]
	if r := b.click(reminder.ID, "snooze_1h", repID(1)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("snooze: %+v", r.Toast)
	}
	clk.Advance(61 * time.Minute)
	b.sweep()
	b.waitDMs(repID(1), 3)
	if n := b.events(id, "followup_due"); n != 2 {
		t.Fatalf("follow-up reminders: %d, want 2 (one, then one after the snooze)", n)
	}

	// Protection: claimed Monday 10:00 for 2 days, so the warning is due a day before, on Tuesday 10:00 (it
	// went out with the snoozed reminder above), and the recycle on Wednesday 10:00.
	if b.events(id, "recycle_warned") != 1 || b.events(id, "recycled") != 0 {
		t.Fatalf("want one warning and no recycle by Tuesday 10:02; timeline: %v", b.lead(id)["timeline"])
	}
	clk.set(time.Date(2026, 12, 2, 10, 1, 0, 0, time.FixedZone("CST", 8*3600)))
	b.sweep()
	if b.events(id, "recycled") != 1 || b.lead(id)["owner"] != nil {
		t.Fatalf("not recycled: %v", b.lead(id))
	}
	if dms := b.waitDMs(repID(1), 5); !strings.Contains(dms[4].Content, "公海") {
		t.Errorf("the previous owner was not told: %s", dms[4].Content)
	}
	cards := b.waitCards(salesChat, 2)
	fresh := cards[len(cards)-1]
	if r := b.click(fresh.ID, "claim", repID(1)); !strings.Contains(toastText(r), "Cooldown") {
		t.Fatalf("previous owner re-claim: %q", toastText(r))
	}
	fresh = b.message(fresh.ID)
	if r := b.click(fresh.ID, "claim", repID(2)); r.Toast == nil || r.Toast.Type != "success" {
		t.Fatalf("claim by rep 2: %+v", r.Toast)
	}

	// A manager locks the lead: past its deadline it stays with rep 2.
	rev := int64(b.lead(id)["rev"].(float64))
	resp := b.rawClick(fresh.ID, managerID, map[string]any{"v": 1, "op": "lock", "lead": itoa(id), "rev": rev}, nil)
	if toast, _ := resp["toast"].(map[string]any); toast == nil || toast["type"] != "success" {
		t.Fatalf("lock: %v", resp)
	}
	clk.Advance(10 * 24 * time.Hour)
	b.sweep()
	if l := b.lead(id); l["owner"] == nil || b.events(id, "recycled") != 1 {
		t.Fatalf("locked lead was recycled: %v", l)
	}
}

// TestTimersSurviveFlushAndRestart: after FLUSHALL and a restart mid-ladder every remaining step still
// fires exactly once, and a duplicated wake-up acts once.
func TestTimersSurviveFlushAndRestart(t *testing.T) {
	clk := &clock{}
	clk.set(at(30, 10, 0))
	b := startBaton(t, e2eOptions{config: slaConfig, clock: clk})
	id := b.postLead(map[string]any{"name": "陈三", "phone": "15900159000"})
	b.waitCards(salesChat, 1)
	clk.set(at(30, 10, 11))
	b.sweep()
	if b.events(id, "reminded") != 1 {
		t.Fatal("first step did not fire")
	}

	opt, _ := redis.ParseURL(b.env["BATON_REDIS_URL"])
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	if err := rdb.FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	b.stop()
	b.start()

	// Two wake-ups for the same lead at once (a duplicate delivery): the step fires once.
	clk.set(at(30, 10, 31))
	client := asynq.NewClientFromRedisClient(rdb)
	for _, key := range []string{"dup-a", "dup-b"} {
		payload := `{"lead":` + itoa(id) + `,"key":"` + key + `","due_ms":` + itoa(at(30, 10, 30).UnixMilli()) + `}`
		if _, err := client.Enqueue(asynq.NewTask("lead:timers", []byte(payload), asynq.Queue("default"))); err != nil {
			t.Fatal(err)
		}
	}
	b.settle()
	clk.set(at(30, 10, 46))
	b.sweep()
	b.sweep()
	if r, e := b.events(id, "reminded"), b.events(id, "escalated"); r != 1 || e != 2 {
		t.Fatalf("after flush and restart: reminded %d, escalated %d; want 1 and 2", r, e)
	}
	if n := len(b.managerCards()); n != 2 {
		t.Fatalf("manager got %d cards, want 2", n)
	}
}

// TestTimerDueSoonAfterRestartRunsOnTime: a step due seconds after a restart that followed a Redis flush is
// scheduled by the start-up sweep for its due time, not found a sweep period late by the next sweep.
func TestTimerDueSoonAfterRestartRunsOnTime(t *testing.T) {
	cfg := eastPool("mode: claim", "sla: {unclaimed: [{after: 10m, do: remind_pool}, {after: 30m, do: escalate}]}")
	clk := &clock{} // running: the queue and Baton's clock move together, days from any calendar date
	b := startBaton(t, e2eOptions{config: cfg, clock: clk})
	id := b.postLead(map[string]any{"name": "褚四", "phone": "15800158000"})
	b.waitCards(salesChat, 1)

	opt, _ := redis.ParseURL(b.env["BATON_REDIS_URL"])
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	b.stop()
	if err := rdb.FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	clk.Advance(10*time.Minute - 12*time.Second) // the reminder is due twelve seconds from now
	b.start()

	insp := asynq.NewInspectorFromRedisClient(rdb)
	b.wait("the start-up sweep to schedule the reminder", func() bool {
		tasks, err := insp.ListScheduledTasks("default")
		if err != nil {
			return false
		}
		for _, task := range tasks {
			if strings.Contains(string(task.Payload), `"lead":`+itoa(id)+`,`) {
				return true
			}
		}
		return false
	})
	b.wait("the reminder", func() bool { return b.events(id, "reminded") == 1 })
}
