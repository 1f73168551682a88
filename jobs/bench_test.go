package jobs

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkTimerLateness schedules 1,000 wake-ups due within one second on real Redis and reports how late
// the handler ran them: p50, p99 and max of (handler time − due time), and the p99 of the part after the
// rounded-up ProcessAt (queueing and polling, without the rounding). Run with -benchtime=1x.
func BenchmarkTimerLateness(b *testing.B) {
	const n = 1000
	r := MustRedis(b)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		if err := r.Client.FlushDB(ctx).Err(); err != nil {
			b.Fatalf("flush: %v", err)
		}
		svc := newFakeService()
		w := NewWorker(r, svc, fakeSweeper{}, WorkerConfig{Logger: testLogger(b)})
		if err := w.Start(); err != nil {
			b.Fatalf("start worker: %v", err)
		}
		s := NewScheduler(mustClient(b, r), testLogger(b), nil)
		base := time.Now().Add(2 * time.Second).Truncate(time.Second)
		due := make(map[int64]time.Time, n)
		for i := range int64(n) {
			at := base.Add(time.Duration(i) * time.Millisecond) // spread over the second
			due[i+1] = at
			if err := s.WakeLead(ctx, i+1, at, "bench"); err != nil {
				b.Fatalf("WakeLead: %v", err)
			}
		}
		b.StartTimer()
		late := make([]time.Duration, 0, n)
		queued := make([]time.Duration, 0, n) // the part after asynq's whole-second ProcessAt
		for range n {
			select {
			case c := <-svc.notify:
				late = append(late, c.at.Sub(due[c.lead]))
				queued = append(queued, c.at.Sub(ceilSecond(due[c.lead])))
			case <-time.After(30 * time.Second):
				b.Fatalf("only %d of %d timers ran", len(late), n)
			}
		}
		b.StopTimer()
		w.Shutdown()
		slices.Sort(late)
		slices.Sort(queued)
		b.ReportMetric(float64(queued[n*99/100].Milliseconds()), "p99_after_processat_ms")
		b.ReportMetric(float64(late[n/2].Milliseconds()), "p50_late_ms")
		b.ReportMetric(float64(late[n*99/100].Milliseconds()), "p99_late_ms")
		b.ReportMetric(float64(late[n-1].Milliseconds()), "max_late_ms")
		b.ReportMetric(float64(late[0].Milliseconds()), "min_late_ms")
		b.StartTimer()
	}
}
