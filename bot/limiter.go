package bot

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// rateKey is one limit a call must fit: at most one call per interval, with burst calls allowed at once
// (a token bucket); or, with window set, at most burst calls in any window (a sliding window, the way Lark
// counts its per-chat, per-user and per-message "5 QPS"), interval unused.
type rateKey struct {
	name     string
	interval time.Duration
	burst    int
	window   time.Duration
}

// limiter makes a call wait until it fits every one of its limits at the same instant.
type limiter interface {
	wait(ctx context.Context, keys []rateKey) error
}

// localLimiter paces calls within one process: x/time/rate token buckets and sliding windows, one per key.
type localLimiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	windows map[string]*window
	sweepAt time.Time
}

type bucket struct {
	lim  *rate.Limiter
	used time.Time
}

// window is the admission times of a sliding-window key, oldest first. Times may lie in the future: a
// call admitted at a time is waiting for it.
type window struct {
	at   []time.Time
	used time.Time
}

func newLocalLimiter() *localLimiter {
	return &localLimiter{buckets: make(map[string]*bucket), windows: make(map[string]*window)}
}

func (l *localLimiter) wait(ctx context.Context, keys []rateKey) error {
	now := time.Now()
	rs := make([]*rate.Reservation, 0, len(keys))
	var ws []*window
	at := now
	l.mu.Lock()
	l.sweep(now)
	for _, k := range keys {
		if k.window > 0 {
			w := l.windows[k.name]
			if w == nil {
				w = &window{}
				l.windows[k.name] = w
			}
			w.used = now
			w.at = prune(w.at, now.Add(-k.window))
			// Admissions per key stay in order (never before the latest), and one is at least a window after
			// the burst-th latest, so no window holds more than burst of them.
			if n := len(w.at); n > 0 {
				at = maxTime(at, w.at[n-1])
				if n >= k.burst {
					at = maxTime(at, w.at[n-k.burst].Add(k.window))
				}
			}
			ws = append(ws, w)
			continue
		}
		b := l.buckets[k.name]
		if b == nil || b.lim.Limit() != rate.Every(k.interval) || b.lim.Burst() != k.burst {
			b = &bucket{lim: rate.NewLimiter(rate.Every(k.interval), k.burst)}
			l.buckets[k.name] = b
		}
		b.used = now
		r := b.lim.ReserveN(now, 1)
		if !r.OK() {
			l.mu.Unlock()
			for _, r := range rs {
				r.Cancel()
			}
			return fmt.Errorf("rate limit %s cannot admit a call", k.name)
		}
		rs = append(rs, r)
		at = maxTime(at, now.Add(r.DelayFrom(now)))
	}
	for _, w := range ws {
		w.at = append(w.at, at)
	}
	l.mu.Unlock()
	cancel := func() {
		for _, r := range rs {
			r.Cancel()
		}
		l.mu.Lock()
		for _, w := range ws {
			if i := slices.Index(w.at, at); i >= 0 {
				w.at = slices.Delete(w.at, i, i+1)
			}
		}
		l.mu.Unlock()
	}
	delay := at.Sub(now)
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
	for name, w := range l.windows {
		if now.Sub(w.used) > 2*time.Minute {
			delete(l.windows, name)
		}
	}
}

// prune drops the times at or before since: they no longer count in a window ending after it.
func prune(ts []time.Time, since time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(since) {
		i++
	}
	return ts[i:]
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
