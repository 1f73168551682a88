package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/hibiken/asynq"
)

// netErr is an error that says whether it is temporary, as net and Lark client errors do.
type netErr struct{ temporary bool }

func (e netErr) Error() string   { return fmt.Sprintf("network error (temporary %v)", e.temporary) }
func (e netErr) Temporary() bool { return e.temporary }

// larkErr answers like bot.APIError: not worth retrying within the call, permanent only on Lark's short list.
type larkErr struct {
	code      int
	permanent bool
}

func (e larkErr) Error() string   { return fmt.Sprintf("lark code %d", e.code) }
func (e larkErr) Temporary() bool { return false }
func (e larkErr) Permanent() bool { return e.permanent }

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		err   error
		retry bool
	}{
		{"not found", crm.Errorf(crm.ENOTFOUND, "lead 5 not found"), false},
		{"invalid", crm.FieldError("stage", "unknown stage"), false},
		{"forbidden", fmt.Errorf("claim lead 5: %w", crm.Errorf(crm.EFORBIDDEN, "not a member")), false},
		{"network error that is not temporary", fmt.Errorf("send card: %w", netErr{temporary: false}), true},
		{"lark missing scope 99991672", fmt.Errorf("send card: %w", larkErr{code: 99991672}), true},
		{"lark no permission 230027", fmt.Errorf("send card: %w", larkErr{code: 230027}), true},
		{"lark message recalled 230011", fmt.Errorf("reply: %w", larkErr{code: 230011, permanent: true}), false},
		{"temporary network error", fmt.Errorf("send card: %w", netErr{temporary: true}), true},
		{"conflict", crm.Errorf(crm.ECONFLICT, "lead changed"), true},
		{"unavailable", crm.Errorf(crm.EUNAVAILABLE, "lark is down"), true},
		{"plain", errors.New("connection reset"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc := newFakeService()
			svc.syncErr = func(int64) error { return tt.err }
			svc.timerErr = svc.syncErr
			w := &Worker{svc: svc, logger: testLogger(t), now: time.Now}
			for _, run := range []func() error{
				func() error { return w.handleSync(context.Background(), newSyncTask(5)) },
				func() error {
					return w.handleTimers(context.Background(), newTimerTask(timerPayload{Lead: 5, Due: time.Now().UnixMilli()}))
				},
			} {
				err := run()
				if !errors.Is(err, tt.err) {
					t.Fatalf("handler error %v does not wrap the service error", err)
				}
				if skip := errors.Is(err, asynq.SkipRetry); skip == tt.retry {
					t.Errorf("SkipRetry = %v, want retry %v", skip, tt.retry)
				}
			}
		})
	}
}

func TestBadPayloadIsNotRetried(t *testing.T) {
	t.Parallel()
	w := &Worker{svc: newFakeService(), logger: testLogger(t), now: time.Now}
	err := w.handleSync(context.Background(), asynq.NewTask(TypeLeadSync, []byte("{not json")))
	if !errors.Is(err, asynq.SkipRetry) {
		t.Errorf("bad payload error = %v, want SkipRetry", err)
	}
}

func TestFailedTasksRetryOrArchive(t *testing.T) {
	r := MustRedis(t)
	svc := newFakeService()
	svc.syncErr = func(lead int64) error {
		if lead == 1 {
			return crm.Errorf(crm.ENOTFOUND, "lead %d not found", lead)
		}
		return netErr{temporary: true}
	}
	MustWorker(t, r, svc, fakeSweeper{}, WorkerConfig{})
	s := NewScheduler(mustClient(t, r), testLogger(t), nil)
	for _, id := range []int64{1, 2} {
		if err := s.SyncLead(context.Background(), id, 1); err != nil {
			t.Fatalf("SyncLead: %v", err)
		}
	}
	in := mustInspector(t, r)
	eventually(t, 5*time.Second, "one archived and one retrying task", func() bool {
		info, err := in.GetQueueInfo(QueueCritical)
		return err == nil && info.Archived == 1 && info.Retry == 1
	})
	archived, err := in.ListArchivedTasks(QueueCritical)
	if err != nil || len(archived) != 1 {
		t.Fatalf("list archived: %v, %d tasks", err, len(archived))
	}
	if archived[0].Retried != 0 {
		t.Errorf("permanent failure was retried %d times", archived[0].Retried)
	}
	retry, err := in.ListRetryTasks(QueueCritical)
	if err != nil || len(retry) != 1 {
		t.Fatalf("list retry: %v, %d tasks", err, len(retry))
	}
	if retry[0].MaxRetry != maxRetry {
		t.Errorf("MaxRetry = %d, want %d", retry[0].MaxRetry, maxRetry)
	}
}

func TestSweepEnqueuesDueAndUnsyncedLeads(t *testing.T) {
	r := MustRedis(t)
	svc := newFakeService()
	now := time.Now()
	var mu sync.Mutex
	var gotUntil, gotOlder, gotPurge time.Time
	var gotLimit int
	sw := fakeSweeper{
		due: func(until time.Time, limit int) []crm.DueLead {
			mu.Lock()
			defer mu.Unlock()
			gotUntil, gotLimit = until, limit
			return []crm.DueLead{{ID: 101, Due: now.Add(-time.Minute)}, {ID: 102, Due: now}}
		},
		unsynced: func(older time.Time, _ int) []int64 {
			mu.Lock()
			defer mu.Unlock()
			gotOlder = older
			return []int64{103}
		},
		purge: func(n time.Time) {
			mu.Lock()
			defer mu.Unlock()
			gotPurge = n
		},
	}
	w := MustWorker(t, r, svc, sw, WorkerConfig{SweepBatch: 50, Now: func() time.Time { return now }})
	if err := w.handleSweep(context.Background(), newTickTask(TypeSweep)); err != nil {
		t.Fatalf("sweep: %v", err)
	}
	svc.wait(t, "SyncLead", 103, 5*time.Second)
	eventually(t, 5*time.Second, "timers of both due leads", func() bool {
		return svc.count("RunTimers", 101) == 1 && svc.count("RunTimers", 102) == 1
	})
	mu.Lock()
	defer mu.Unlock()
	if want := now.Add(90 * time.Second); !gotUntil.Equal(want) || gotLimit != 50 {
		t.Errorf("DueLeads(%s, %d), want (%s, 50): up to the sweep after next", gotUntil, gotLimit, want)
	}
	if want := now.Add(-30 * time.Second); !gotOlder.Equal(want) {
		t.Errorf("UnsyncedLeads(%s), want %s", gotOlder, want)
	}
	if !gotPurge.Equal(now) {
		t.Errorf("PurgeSeen(%s), want the sweep's now %s: expired event records must not pile up", gotPurge, now)
	}
}

// store is a fake database: leads with a due time, cleared when their timers run.
type store struct {
	mu  sync.Mutex
	due map[int64]time.Time
}

func (s *store) DueLeads(until time.Time, _ int) []crm.DueLead {
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []crm.DueLead
	for id, at := range s.due {
		if !at.After(until) {
			due = append(due, crm.DueLead{ID: id, Due: at})
		}
	}
	slices.SortFunc(due, func(a, b crm.DueLead) int { return cmp.Compare(a.ID, b.ID) })
	return due
}

func (s *store) RunTimers(lead int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.due, lead)
	return nil
}

func TestSweepRecoversAfterFlush(t *testing.T) {
	r := MustRedis(t)
	ctx := context.Background()
	due := time.Now().Add(time.Second)
	db := &store{due: map[int64]time.Time{201: due, 202: due}}
	svc := newFakeService()
	svc.timerErr = db.RunTimers
	MustWorker(t, r, svc, fakeSweeper{due: db.DueLeads}, WorkerConfig{})
	s := NewScheduler(mustClient(t, r), testLogger(t), nil)
	for id := range db.due {
		if err := s.WakeLead(ctx, id, due, "remind"); err != nil {
			t.Fatalf("WakeLead: %v", err)
		}
	}
	if err := r.Client.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("flush: %v", err)
	}
	time.Sleep(time.Until(due) + 1500*time.Millisecond)
	if n := svc.count("RunTimers", 0); n != 0 {
		t.Fatalf("RunTimers ran %d times although the flush dropped every task", n)
	}

	p, err := NewPeriodic(r, PeriodicConfig{Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("NewPeriodic: %v", err)
	}
	if err := p.Start(); err != nil { // runs a sweep right away
		t.Fatalf("start periodic: %v", err)
	}
	t.Cleanup(p.Shutdown)
	eventually(t, 5*time.Second, "both leads' timers", func() bool {
		return svc.count("RunTimers", 201) == 1 && svc.count("RunTimers", 202) == 1
	})
}

func TestSweepRetriesLeadWhoseTaskWasArchived(t *testing.T) {
	r := MustRedis(t)
	svc := newFakeService()
	var mu sync.Mutex
	failures := 1
	svc.timerErr = func(int64) error {
		mu.Lock()
		defer mu.Unlock()
		if failures > 0 {
			failures--
			return crm.Errorf(crm.EINVALID, "lead in a state timers cannot handle yet")
		}
		return nil
	}
	w := MustWorker(t, r, svc, fakeSweeper{due: func(until time.Time, _ int) []crm.DueLead {
		return []crm.DueLead{{ID: 301, Due: until.Add(-time.Hour)}}
	}}, WorkerConfig{})
	ctx := context.Background()
	if err := w.handleSweep(ctx, newTickTask(TypeSweep)); err != nil {
		t.Fatalf("first sweep: %v", err)
	}
	in := mustInspector(t, r)
	eventually(t, 5*time.Second, "the failed task to be archived", func() bool {
		info, err := in.GetTaskInfo(QueueDefault, timerTaskID(301, "sweep"))
		return err == nil && info.State == asynq.TaskStateArchived
	})
	if err := w.handleSweep(ctx, newTickTask(TypeSweep)); err != nil {
		t.Fatalf("second sweep: %v", err)
	}
	eventually(t, 5*time.Second, "a second run of lead 301's timers", func() bool { return svc.count("RunTimers", 301) == 2 })
}

// TestSweepSchedulesTimersDueBeforeNextSweep: a timer due between this sweep and the next is put on the queue
// for its due time, on the queue's clock, however far Baton's injected clock is from the machine's date; so a
// wake-up lost with Redis is not a sweep period late.
func TestSweepSchedulesTimersDueBeforeNextSweep(t *testing.T) {
	r := MustRedis(t)
	svc := newFakeService()
	// Baton's clock runs ten days behind the machine's, as in tests with an injected date.
	offset := -10 * 24 * time.Hour
	clock := func() time.Time { return time.Now().Add(offset) }
	due := clock().Add(2 * time.Second)
	sw := fakeSweeper{due: func(until time.Time, _ int) []crm.DueLead {
		if due.After(until) {
			return nil
		}
		return []crm.DueLead{{ID: 401, Due: due}}
	}}
	w := MustWorker(t, r, svc, sw, WorkerConfig{Now: clock})
	if err := w.handleSweep(context.Background(), newTickTask(TypeSweep)); err != nil {
		t.Fatalf("sweep: %v", err)
	}
	scheduled, err := mustInspector(t, r).ListScheduledTasks(QueueDefault)
	if err != nil {
		t.Fatalf("list scheduled: %v", err)
	}
	if len(scheduled) != 1 {
		t.Fatalf("%d scheduled tasks after the sweep, want the one timer due in 2s", len(scheduled))
	}
	if at, want := scheduled[0].NextProcessAt, due.Add(-offset); at.Before(want.Add(-time.Second)) || at.After(want.Add(time.Second)) {
		t.Fatalf("timer scheduled at %s on the queue's clock, want about %s", at, want)
	}
	eventually(t, 10*time.Second, "the timer to run", func() bool { return svc.count("RunTimers", 401) == 1 })
}
