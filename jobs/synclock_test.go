package jobs

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// A sync of a lead that is already syncing does not run beside it: it queues a follow-up, which syncs the
// lead once the first sync is done. Two syncs of one lead never overlap.
func TestSyncOfOneLeadRunsAlone(t *testing.T) {
	r := MustRedis(t)
	svc := newFakeService()
	release := make(chan struct{})
	var running, overlapped, calls atomic.Int32
	svc.syncErr = func(lead int64) error {
		if lead != 7 {
			return nil
		}
		if running.Add(1) > 1 {
			overlapped.Store(1)
		}
		defer running.Add(-1)
		if calls.Add(1) == 1 {
			<-release // the first sync is slow, as one waiting on Lark's pacing is
		}
		return nil
	}
	w := MustWorker(t, r, svc, fakeSweeper{}, WorkerConfig{})

	first := make(chan error, 1)
	go func() { first <- w.handleSync(context.Background(), newSyncTask(7)) }()
	svc.wait(t, "SyncLead", 7, 5*time.Second)

	// A change lands meanwhile and its sync task runs: it must not sync now.
	if err := w.handleSync(context.Background(), newSyncTask(7)); err != nil {
		t.Fatalf("second sync: %v", err)
	}
	if n := svc.count("SyncLead", 7); n != 1 {
		t.Fatalf("SyncLead ran %d times while the first sync held the lead, want 1", n)
	}
	// Another lead is not held up.
	if err := w.handleSync(context.Background(), newSyncTask(8)); err != nil || svc.count("SyncLead", 8) != 1 {
		t.Fatalf("sync of another lead: %v, %d calls", err, svc.count("SyncLead", 8))
	}

	time.Sleep(600 * time.Millisecond) // follow-ups come due while the lead is still held
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("first sync: %v", err)
	}
	// The follow-up then syncs the lead's latest state.
	eventually(t, 10*time.Second, "the follow-up sync", func() bool { return svc.count("SyncLead", 7) >= 2 })
	if overlapped.Load() != 0 {
		t.Error("two syncs of lead 7 ran at once")
	}
}

// The lock outlives its TTL while the sync runs (it is renewed), and a lock left by a worker that died
// expires: the follow-up then syncs the lead.
func TestSyncLockRenewedAndExpires(t *testing.T) {
	r := MustRedis(t)
	svc := newFakeService()
	release := make(chan struct{})
	svc.syncErr = func(lead int64) error {
		if lead == 7 {
			<-release
		}
		return nil
	}
	w := NewWorker(r, svc, fakeSweeper{}, WorkerConfig{Logger: testLogger(t)})
	w.lockTTL = 300 * time.Millisecond // before Start: the worker's goroutines read it
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)

	first := make(chan error, 1)
	go func() { first <- w.handleSync(context.Background(), newSyncTask(7)) }()
	svc.wait(t, "SyncLead", 7, 5*time.Second)
	time.Sleep(3 * w.lockTTL) // three TTLs into a slow sync
	if err := w.handleSync(context.Background(), newSyncTask(7)); err != nil {
		t.Fatal(err)
	}
	if n := svc.count("SyncLead", 7); n != 1 {
		t.Errorf("a sync ran beside a slow one whose lock had been renewed (%d calls)", n)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}

	// A worker died holding lead 9's lock: nobody renews or releases it.
	if err := r.Client.Set(context.Background(), syncLockKey(9), "dead-worker", w.lockTTL).Err(); err != nil {
		t.Fatal(err)
	}
	if err := w.handleSync(context.Background(), newSyncTask(9)); err != nil {
		t.Fatal(err)
	}
	if n := svc.count("SyncLead", 9); n != 0 {
		t.Fatalf("lead 9 synced while locked (%d calls)", n)
	}
	eventually(t, 10*time.Second, "the follow-up sync once the dead lock expired", func() bool {
		return svc.count("SyncLead", 9) == 1
	})
}
