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
