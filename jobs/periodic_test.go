package jobs

import (
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/hibiken/asynq"
)

func TestNewPeriodicRejectsBadSchedules(t *testing.T) {
	r := &Redis{} // never dialled: validation fails first
	for _, every := range []string{"* * * * *", "@every soon", "@every 500ms"} {
		if _, err := NewPeriodic(r, PeriodicConfig{SweepEvery: every}); err == nil {
			t.Errorf("NewPeriodic accepted SweepEvery %q", every)
		}
	}
}

func TestTwoPeriodicReplicasSweepOncePerTick(t *testing.T) {
	r := MustRedis(t)
	svc := newFakeService()
	sweeps := make(chan time.Time, 100)
	sw := fakeSweeper{due: func(now time.Time, _ int) []crm.DueLead {
		sweeps <- now
		return nil
	}}
	MustWorker(t, r, svc, sw, WorkerConfig{})

	start := func() {
		p, err := NewPeriodic(r, PeriodicConfig{SweepEvery: "@every 4s", Logger: testLogger(t)})
		if err != nil {
			t.Fatalf("NewPeriodic: %v", err)
		}
		if err := p.Start(); err != nil {
			t.Fatalf("start periodic: %v", err)
		}
		t.Cleanup(p.Shutdown)
	}
	// Replica A starts at 0 s and ticks at 4 and 8; replica B starts at 1 s and ticks at 5 and 9. Each
	// replica alone would sweep three times in the window, both together without deduplication six.
	began := time.Now()
	start()
	time.Sleep(time.Second)
	start()
	time.Sleep(time.Until(began.Add(9500 * time.Millisecond)))

	var at []time.Duration
	for len(sweeps) > 0 {
		at = append(at, (<-sweeps).Sub(began).Round(100*time.Millisecond))
	}
	if len(at) != 3 {
		t.Fatalf("sweeps at %v: %d sweeps, want 3 (one per tick)", at, len(at))
	}
}

func TestPeriodicReplacesArchivedTick(t *testing.T) {
	r := MustRedis(t)
	// A sweep whose retries all failed sits in the archive under the entry's fixed id.
	if _, err := mustClient(t, r).Enqueue(newTickTask(TypeSweep), asynq.TaskID(periodicID(TypeSweep))); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	if err := mustInspector(t, r).ArchiveTask(QueueLow, periodicID(TypeSweep)); err != nil {
		t.Fatalf("archive: %v", err)
	}
	swept := make(chan struct{}, 10)
	MustWorker(t, r, newFakeService(), fakeSweeper{due: func(time.Time, int) []crm.DueLead {
		swept <- struct{}{}
		return nil
	}}, WorkerConfig{})
	p, err := NewPeriodic(r, PeriodicConfig{Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("NewPeriodic: %v", err)
	}
	if err := p.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(p.Shutdown)
	select {
	case <-swept:
	case <-time.After(5 * time.Second):
		t.Fatal("the startup sweep did not run past the archived one")
	}
}

func TestDigestAndFeedbackTasksReachService(t *testing.T) {
	r := MustRedis(t)
	svc := newFakeService()
	MustWorker(t, r, svc, fakeSweeper{}, WorkerConfig{})
	c := mustClient(t, r)
	for _, typ := range []string{TypeDigest, TypeFeedback} {
		if _, err := c.Enqueue(newTickTask(typ), asynq.TaskID(periodicID(typ))); err != nil {
			t.Fatalf("enqueue %s: %v", typ, err)
		}
	}
	svc.wait(t, "PostDigests", 0, 5*time.Second)
	eventually(t, 5*time.Second, "the feedback summary", func() bool { return svc.count("PostFeedbackSummary", 0) == 1 })
}
