package jobs

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/internal/testenv"
	"github.com/hibiken/asynq"
)

// The jobs tests share one Redis database and flush it, so they do not run in parallel.

func testLogger(tb testing.TB) *slog.Logger {
	tb.Helper()
	var w io.Writer = io.Discard
	if testing.Verbose() {
		w = tb.Output()
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// MustRedis opens the test Redis and empties its database.
func MustRedis(tb testing.TB) *Redis {
	tb.Helper()
	url := testenv.RedisURL(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := OpenRedis(ctx, url, testLogger(tb))
	if err != nil {
		tb.Fatalf("open redis: %v", err)
	}
	if err := r.Client.FlushDB(ctx).Err(); err != nil {
		tb.Fatalf("flush redis: %v", err)
	}
	tb.Cleanup(func() { _ = r.Close() })
	return r
}

// MustWorker starts a worker on r and stops it when the test ends.
func MustWorker(tb testing.TB, r *Redis, svc Service, sw Sweeper, cfg WorkerConfig) *Worker {
	tb.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger(tb)
	}
	w := NewWorker(r, svc, sw, cfg)
	if err := w.Start(); err != nil {
		tb.Fatalf("start worker: %v", err)
	}
	tb.Cleanup(w.Shutdown)
	return w
}

func mustClient(tb testing.TB, r *Redis) *asynq.Client {
	tb.Helper()
	c := asynq.NewClientFromRedisClient(r.Client)
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

func mustInspector(tb testing.TB, r *Redis) *asynq.Inspector {
	tb.Helper()
	in := asynq.NewInspectorFromRedisClient(r.Client)
	tb.Cleanup(func() { _ = in.Close() })
	return in
}

// call is one invocation of the fake service.
type call struct {
	method string
	lead   int64
	at     time.Time
}

// fakeService records calls; the err functions, when set, decide each call's result.
type fakeService struct {
	mu       sync.Mutex
	calls    []call
	notify   chan call
	syncErr  func(lead int64) error
	timerErr func(lead int64) error
}

func newFakeService() *fakeService { return &fakeService{notify: make(chan call, 4096)} }

func (f *fakeService) record(method string, lead int64) {
	c := call{method: method, lead: lead, at: time.Now()}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	f.notify <- c
}

func (f *fakeService) SyncLead(_ context.Context, lead int64) error {
	f.record("SyncLead", lead)
	if f.syncErr != nil {
		return f.syncErr(lead)
	}
	return nil
}

func (f *fakeService) RunTimers(_ context.Context, lead int64) error {
	f.record("RunTimers", lead)
	if f.timerErr != nil {
		return f.timerErr(lead)
	}
	return nil
}

func (f *fakeService) PostDigests(context.Context, time.Time) error {
	f.record("PostDigests", 0)
	return nil
}

func (f *fakeService) PostFeedbackSummary(context.Context, time.Time) error {
	f.record("PostFeedbackSummary", 0)
	return nil
}

// count returns how many calls of method were made for lead (any lead when lead is 0).
func (f *fakeService) count(method string, lead int64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c.method == method && (lead == 0 || c.lead == lead) {
			n++
		}
	}
	return n
}

// wait returns the next call of method for lead, failing the test after timeout.
func (f *fakeService) wait(tb testing.TB, method string, lead int64, timeout time.Duration) call {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case c := <-f.notify:
			if c.method == method && c.lead == lead {
				return c
			}
		case <-deadline:
			tb.Fatalf("no %s(%d) within %v", method, lead, timeout)
			return call{}
		}
	}
}

// fakeSweeper answers from function fields; nil fields find nothing.
type fakeSweeper struct {
	due      func(until time.Time, limit int) []crm.DueLead
	unsynced func(olderThan time.Time, limit int) []int64
	purge    func(now time.Time)
}

func (s fakeSweeper) PurgeSeen(_ context.Context, now time.Time) (int64, error) {
	if s.purge != nil {
		s.purge(now)
	}
	return 0, nil
}

func (s fakeSweeper) DueLeads(_ context.Context, until time.Time, limit int) ([]crm.DueLead, error) {
	if s.due == nil {
		return nil, nil
	}
	return s.due(until, limit), nil
}

func (s fakeSweeper) UnsyncedLeads(_ context.Context, olderThan time.Time, limit int) ([]int64, error) {
	if s.unsynced == nil {
		return nil, nil
	}
	return s.unsynced(olderThan, limit), nil
}

// eventually polls cond until it holds or timeout passes.
func eventually(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
