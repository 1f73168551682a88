package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/bot/larktest"
	"github.com/baton-crm/baton/jobs"
)

// tasksConfig is the default tenant with follow-ups as Feishu tasks switched on.
const tasksConfig = defaultE2EConfig + "tasks: {enabled: true, link: \"https://crm.example.com/leads/{id}\"}\n"

var cst = time.FixedZone("CST", 8*3600)

// checkTasks runs one tasks:check through the real queue, as the scheduler does every minute.
func (b *baton) checkTasks() {
	b.t.Helper()
	b.enqueueRaw(jobs.TypeTasksCheck, jobs.QueueLow, nil)
	b.settle()
}

// waitTasks waits until the emulator holds n tasks and returns them.
func (b *baton) waitTasks(n int) []larktest.Task {
	b.t.Helper()
	var ts []larktest.Task
	b.wait("the follow-up tasks", func() bool { ts = b.emu.Tasks(); return len(ts) >= n })
	return ts
}

// followUpsDone counts the follow-ups marked done on the lead's timeline, and those done through a task.
func (b *baton) followUpsDone(id int64) (all, viaTask int) {
	b.t.Helper()
	tl, _ := b.lead(id)["timeline"].([]any)
	for _, e := range tl {
		m, _ := e.(map[string]any)
		d, _ := m["data"].(map[string]any)
		if m["kind"] == "note" && d["followup"] == "done" {
			all++
			if d["via"] == "feishu_task" {
				viaTask++
			}
		}
	}
	return all, viaTask
}

// TestFollowUpTasks: a follow-up creates one Feishu task for the rep (assignee, due time read in the
// configured zone, a summary naming the lead, the link back); changing and snoozing the follow-up move its
// due time; done in Baton completes it; a task completed in Feishu completes its follow-up in Baton, and
// that follow-up's reminder no longer fires.
func TestFollowUpTasks(t *testing.T) {
	clk := &clock{}
	clk.set(time.Date(2026, 11, 30, 10, 0, 0, 0, cst)) // Monday
	b := startBaton(t, e2eOptions{config: tasksConfig, clock: clk})
	id := b.postLead(map[string]any{"name": "冯二", "phone": "13000130000", "company": "冯氏机械"})
	pool := b.waitCards(salesChat, 1)[0]
	b.click(pool.ID, "claim", repID(1))
	owner := b.waitDMs(repID(1), 1)[0]

	// The picker's time without an offset is read in the configured zone (Asia/Shanghai).
	if r := b.click(owner.ID, "work_submit", repID(1), larktest.FormValue(map[string]any{"note": "约了明天", "followup": "2026-12-01 15:30"})); !ok(r) {
		t.Fatalf("set follow-up: %+v", r.Toast)
	}
	b.settle()
	task := b.waitTasks(1)[0]
	want := time.Date(2026, 12, 1, 15, 30, 0, 0, cst)
	if !task.Due.Equal(want) || task.AllDay {
		t.Fatalf("task due %v (all day %v), want %v", task.Due, task.AllDay, want)
	}
	if len(task.Assignees) != 1 || task.Assignees[0] != repID(1) {
		t.Fatalf("assignees %v, want the rep", task.Assignees)
	}
	if !strings.Contains(task.Summary, "冯二") || !strings.Contains(task.Summary, "#"+itoa(id)) {
		t.Fatalf("summary %q does not name the lead", task.Summary)
	}
	if task.LinkURL != "https://crm.example.com/leads/"+itoa(id) {
		t.Fatalf("link back %q", task.LinkURL)
	}
	if !strings.Contains(task.Description, "2026-12-01 15:30") {
		t.Fatalf("description %q lacks the local due time", task.Description)
	}

	// Changing the follow-up moves the same task.
	if r := b.click(b.message(owner.ID).ID, "work_submit", repID(1), larktest.FormValue(map[string]any{"followup": "2026-12-01 16:00"})); !ok(r) {
		t.Fatalf("change follow-up: %+v", r.Toast)
	}
	b.settle()
	if ts := b.emu.Tasks(); len(ts) != 1 || !ts[0].Due.Equal(time.Date(2026, 12, 1, 16, 0, 0, 0, cst)) {
		t.Fatalf("after the change: %+v", ts)
	}

	// Due: the DM reminder arrives as before; snoozing it moves the task an hour on.
	clk.set(time.Date(2026, 12, 1, 16, 1, 0, 0, cst))
	b.sweep()
	dms := b.waitDMs(repID(1), 2)
	reminder := dms[len(dms)-1]
	if r := b.click(reminder.ID, "snooze_1h", repID(1)); !ok(r) {
		t.Fatalf("snooze: %+v", r.Toast)
	}
	b.settle()
	if ts := b.emu.Tasks(); len(ts) != 1 || !ts[0].Due.Equal(clk.Now().Add(time.Hour)) || !ts[0].CompletedAt.IsZero() {
		t.Fatalf("after the snooze: %+v", ts)
	}

	// Done in Baton completes the task.
	clk.Advance(61 * time.Minute)
	b.sweep()
	dms = b.waitDMs(repID(1), 3)
	if r := b.click(dms[len(dms)-1].ID, "done", repID(1)); !ok(r) {
		t.Fatalf("done: %+v", r.Toast)
	}
	b.settle()
	if ts := b.emu.Tasks(); len(ts) != 1 || ts[0].CompletedAt.IsZero() {
		t.Fatalf("done in Baton did not complete the task: %+v", ts)
	}

	// A new follow-up gets a new task; completed in Feishu, the follow-up is done in Baton.
	if r := b.click(b.message(owner.ID).ID, "work_submit", repID(1), larktest.FormValue(map[string]any{"followup": "2026-12-03 10:00"})); !ok(r) {
		t.Fatalf("second follow-up: %+v", r.Toast)
	}
	b.settle()
	second := b.waitTasks(2)[1]
	if !second.Due.Equal(time.Date(2026, 12, 3, 10, 0, 0, 0, cst)) || !second.CompletedAt.IsZero() {
		t.Fatalf("second task: %+v", second)
	}
	if err := b.emu.CompleteTask(second.GUID); err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Minute) // past the check interval
	b.checkTasks()
	if all, via := b.followUpsDone(id); all != 2 || via != 1 {
		t.Fatalf("follow-ups done: %d, through the task: %d; want 2 and 1", all, via)
	}
	reminders := b.events(id, "followup_due")
	clk.set(time.Date(2026, 12, 3, 10, 1, 0, 0, cst))
	b.sweep()
	if n := b.events(id, "followup_due"); n != reminders {
		t.Fatalf("the reminder of a follow-up completed in Feishu still fired (%d → %d)", reminders, n)
	}
	if ts := b.emu.Tasks(); len(ts) != 2 {
		t.Fatalf("%d tasks for two follow-ups", len(ts))
	}
}

// TestFollowUpTasksWithoutScope: without the task scope doctor names it, the follow-up's reminder still
// arrives as a DM card, and once the scope is granted the periodic check creates the missing task exactly
// once; a task API outage loses nothing either.
func TestFollowUpTasksWithoutScope(t *testing.T) {
	clk := &clock{}
	clk.set(time.Date(2026, 11, 30, 10, 0, 0, 0, cst))
	b := startBaton(t, e2eOptions{config: tasksConfig, clock: clk})
	b.emu.RevokeScope("task:task:write")

	var out, errOut strings.Builder
	run(context.Background(), []string{"doctor"}, b.getenv, &out, &errOut, nil)
	if !strings.Contains(out.String(), "✗ tasks scope / 任务权限 task:task:write") || !strings.Contains(out.String(), "missing task:task:write") {
		t.Fatalf("doctor does not name the task scope:\n%s%s", out.String(), errOut.String())
	}

	id := b.postLead(map[string]any{"name": "陈三", "phone": "13000130001"})
	pool := b.waitCards(salesChat, 1)[0]
	b.click(pool.ID, "claim", repID(1))
	owner := b.waitDMs(repID(1), 1)[0]
	if r := b.click(owner.ID, "work_submit", repID(1), larktest.FormValue(map[string]any{"followup": "2026-11-30 15:00"})); !ok(r) {
		t.Fatalf("set follow-up: %+v", r.Toast)
	}
	b.settle()
	b.checkTasks()
	if ts := b.emu.Tasks(); len(ts) != 0 {
		t.Fatalf("a task without the scope: %+v", ts)
	}
	clk.set(time.Date(2026, 11, 30, 15, 1, 0, 0, cst))
	b.sweep()
	b.waitDMs(repID(1), 2) // the owner card, then the reminder
	if n := b.events(id, "followup_due"); n != 1 {
		t.Fatalf("follow-up reminders without the task scope: %d, want 1", n)
	}

	// The next follow-up meets a task API outage, then the scope comes back: one task, no duplicate.
	b.emu.GrantScope("task:task:write")
	b.emu.FailNext(larktest.RouteCreateTask, 20, 500, 1470500)
	if r := b.click(b.message(owner.ID).ID, "work_submit", repID(1), larktest.FormValue(map[string]any{"followup": "2026-12-02 11:00"})); !ok(r) {
		t.Fatalf("second follow-up: %+v", r.Toast)
	}
	b.settle()
	if ts := b.emu.Tasks(); len(ts) != 0 {
		t.Fatalf("a task during the outage: %+v", ts)
	}
	b.emu.FailNext(larktest.RouteCreateTask, 0, 0, 0)
	clk.Advance(time.Minute) // past the check's grace for fresh changes
	b.checkTasks()
	b.checkTasks()
	ts := b.emu.Tasks()
	if len(ts) != 1 || !ts[0].Due.Equal(time.Date(2026, 12, 2, 11, 0, 0, 0, cst)) || ts[0].Assignees[0] != repID(1) {
		t.Fatalf("after the outage: %+v", ts)
	}
}
