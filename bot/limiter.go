package bot

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// rateKey is one limit a call must fit: at most one call per interval, with burst calls allowed at once.
type rateKey struct {
	name     string
	interval time.Duration
	burst    int
}

// limiter makes a call wait until it fits every one of its limits at the same instant.
type limiter interface {
	wait(ctx context.Context, keys []rateKey) error
}

// localLimiter paces calls within one process (x/time/rate token buckets, one per key).
type localLimiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	sweepAt time.Time
}

type bucket struct {
	lim  *rate.Limiter
	used time.Time
}

func newLocalLimiter() *localLimiter {
	return &localLimiter{buckets: make(map[string]*bucket)}
}

func (l *localLimiter) wait(ctx context.Context, keys []rateKey) error {
	now := time.Now()
	rs := make([]*rate.Reservation, 0, len(keys))
	cancel := func() {
		for _, r := range rs {
			r.Cancel()
		}
	}
	var delay time.Duration
	l.mu.Lock()
	l.sweep(now)
	for _, k := range keys {
		b := l.buckets[k.name]
		if b == nil || b.lim.Limit() != rate.Every(k.interval) || b.lim.Burst() != k.burst {
			b = &bucket{lim: rate.NewLimiter(rate.Every(k.interval), k.burst)}
			l.buckets[k.name] = b
		}
		b.used = now
		r := b.lim.ReserveN(now, 1)
		if !r.OK() {
			l.mu.Unlock()
			cancel()
			return fmt.Errorf("rate limit %s cannot admit a call", k.name)
		}
		rs = append(rs, r)
		delay = max(delay, r.DelayFrom(now))
	}
	l.mu.Unlock()
	if delay <= 0 {
		return nil
	}
	// Every reservation is used no earlier than it was granted, so waiting for the latest keeps all limits.
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		cancel()
		return fmt.Errorf("wait for rate limit: %w", ctx.Err())
	}
}

// sweep drops buckets idle long enough to have refilled: a fresh bucket behaves the same. Runs at most
// once a minute, under l.mu.
func (l *localLimiter) sweep(now time.Time) {
	if now.Before(l.sweepAt) {
		return
	}
	l.sweepAt = now.Add(time.Minute)
	for name, b := range l.buckets {
		if now.Sub(b.used) > 2*time.Minute {
			delete(l.buckets, name)
		}
	}
}
