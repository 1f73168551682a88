package jobs

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

func TestCeilSecond(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for in, want := range map[time.Time]time.Time{
		base:                              base,
		base.Add(time.Nanosecond):         base.Add(time.Second),
		base.Add(999 * time.Millisecond):  base.Add(time.Second),
		base.Add(1001 * time.Millisecond): base.Add(2 * time.Second),
		base.Add(-300 * time.Millisecond): base,
	} {
		if got := ceilSecond(in); !got.Equal(want) {
			t.Errorf("ceilSecond(%s) = %s, want %s", in.Format(time.StampMilli), got.Format(time.StampMilli), want.Format(time.StampMilli))
		}
	}
}

func TestSyncLeadRunsHandler(t *testing.T) {
	r := MustRedis(t)
	svc := newFakeService()
	MustWorker(t, r, svc, fakeSweeper{}, WorkerConfig{})
	s := NewScheduler(mustClient(t, r), testLogger(t), nil)
	if err := s.SyncLead(context.Background(), 42, 1); err != nil {
		t.Fatalf("SyncLead: %v", err)
	}
	svc.wait(t, "SyncLead", 42, 5*time.Second)
}

func TestSyncLeadOncePerRevision(t *testing.T) {
	r := MustRedis(t)
	s := NewScheduler(mustClient(t, r), testLogger(t), nil)
	ctx := context.Background()
	for range 5 {
		if err := s.SyncLead(ctx, 7, 3); err != nil {
			t.Fatalf("SyncLead: %v", err)
		}
	}
	if err := s.SyncLead(ctx, 8, 3); err != nil { // another lead is its own task
		t.Fatalf("SyncLead: %v", err)
	}
	in := mustInspector(t, r)
	pending, err := in.ListPendingTasks(QueueCritical)
	if err != nil {
		t.Fatalf("list pending: %v", err)
	}
	if len(pending) != 2 {
		t.Fatalf("pending tasks after repeats = %d, want 2 (one per lead and revision)", len(pending))
	}
	// A later revision gets a task of its own even while the earlier one is still queued or running:
	// that task may have read the lead before the new write.
	if err := s.SyncLead(ctx, 7, 4); err != nil {
		t.Fatalf("SyncLead: %v", err)
	}
	svc := newFakeService()
	MustWorker(t, r, svc, fakeSweeper{}, WorkerConfig{})
	svc.wait(t, "SyncLead", 8, 5*time.Second)
	eventually(t, 5*time.Second, "two syncs of lead 7", func() bool { return svc.count("SyncLead", 7) == 2 })
	time.Sleep(500 * time.Millisecond)
	if n := svc.count("SyncLead", 7); n != 2 {
		t.Fatalf("lead 7 synced %d times, want 2", n)
	}
}

func TestWakeLeadFiresOnceAtDueTime(t *testing.T) {
	r := MustRedis(t)
	svc := newFakeService()
	MustWorker(t, r, svc, fakeSweeper{}, WorkerConfig{})
	s := NewScheduler(mustClient(t, r), testLogger(t), nil)
	ctx := context.Background()
	// A due time in the middle of a second: asynq would truncate it and fire early without rounding.
	due := time.Now().Add(1500 * time.Millisecond).Truncate(time.Second).Add(600 * time.Millisecond)
	for range 3 {
		if err := s.WakeLead(ctx, 9, due, "sla:unclaimed:0"); err != nil {
			t.Fatalf("WakeLead: %v", err)
		}
	}
	c := svc.wait(t, "RunTimers", 9, 5*time.Second)
	if c.at.Before(due) {
		t.Fatalf("timers ran %v before their due time", due.Sub(c.at))
	}
	t.Logf("lateness %v", c.at.Sub(due))
	time.Sleep(time.Second)
	if n := svc.count("RunTimers", 9); n != 1 {
		t.Errorf("RunTimers(9) ran %d times, want 1", n)
	}

	// Once the wake-up ran, the same key can be scheduled again.
	if err := s.WakeLead(ctx, 9, time.Now(), "sla:unclaimed:0"); err != nil {
		t.Fatalf("WakeLead again: %v", err)
	}
	svc.wait(t, "RunTimers", 9, 5*time.Second)
}

func TestTimerFiredEarlyReschedules(t *testing.T) {
	r := MustRedis(t)
	svc := newFakeService()
	w := NewWorker(r, svc, fakeSweeper{}, WorkerConfig{Logger: testLogger(t)})
	t.Cleanup(w.Shutdown)
	due := time.Now().Add(10*time.Second + 250*time.Millisecond)
	task := newTimerTask(timerPayload{Lead: 11, Key: "remind", Due: due.UnixMilli()})
	if err := w.handleTimers(context.Background(), task); err != nil {
		t.Fatalf("handleTimers: %v", err)
	}
	if n := svc.count("RunTimers", 0); n != 0 {
		t.Fatalf("an early task ran timers %d times", n)
	}
	scheduled, err := mustInspector(t, r).ListScheduledTasks(QueueDefault)
	if err != nil {
		t.Fatalf("list scheduled: %v", err)
	}
	if len(scheduled) != 1 {
		t.Fatalf("scheduled tasks = %d, want the one rescheduled task", len(scheduled))
	}
	got := scheduled[0]
	if want := ceilSecond(due); !got.NextProcessAt.Equal(want) {
		t.Errorf("rescheduled for %s, want %s", got.NextProcessAt, want)
	}
	var p timerPayload
	if err := json.Unmarshal(got.Payload, &p); err != nil {
		t.Fatalf("decode payload: %v", err)
	}
	if p.Lead != 11 || p.Due != due.UnixMilli() || p.Early != 1 {
		t.Errorf("rescheduled payload = %+v, want lead 11, same due, early 1", p)
	}
}
