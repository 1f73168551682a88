package bot

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/baton-crm/baton/bot/larktest"
	"github.com/baton-crm/baton/crm"
	"github.com/redis/go-redis/v9"
)

// maxInWindow returns the largest number of times falling in any half-open window (t-w, t], the way Lark
// and the emulator count.
func maxInWindow(ts []time.Time, w time.Duration) int {
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	best, lo := 0, 0
	for hi := range ts {
		for !ts[lo].After(ts[hi].Add(-w)) {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// checkPace asserts that admissions never put more than Lark's 5 within a second. The keys of these tests
// keep 5 per 1.2 s: admission times are read after the waits return, so a loaded scheduler can bunch them
// up, and the check is Lark's own limit, not the limiter's window, which would make it flaky.
func checkPace(t *testing.T, at []time.Time) {
	t.Helper()
	if got := maxInWindow(slices.Clone(at), time.Second); got > 5 {
		t.Errorf("%d calls admitted within one second, over Lark's 5", got)
	}
}

// burst runs n concurrent waits on keys through the given limiters (round robin, as replicas would) and
// returns when each was admitted.
func burst(t *testing.T, lims []limiter, n int, keys []rateKey) []time.Time {
	t.Helper()
	var mu sync.Mutex
	var at []time.Time
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range n {
		wg.Go(func() {
			if err := lims[i%len(lims)].wait(ctx, keys); err != nil {
				t.Errorf("wait: %v", err)
				return
			}
			mu.Lock()
			at = append(at, time.Now())
			mu.Unlock()
		})
	}
	wg.Wait()
	return at
}

func chatKeys(chat string) []rateKey {
	return []rateKey{
		{name: "app:s", interval: every(40), burst: 1},
		{name: "chat:" + chat, burst: 5, window: 1200 * time.Millisecond},
	}
}

// TestWindowKeyLetsABurstStart: a sliding-window key admits its count at once and the next calls a window
// later (a token bucket at the same rate would space even the first five), in process and through Redis.
func TestWindowKeyLetsABurstStart(t *testing.T) {
	t.Parallel()
	for name, lim := range map[string]limiter{
		"local": newLocalLimiter(),
		"redis": newRedisLimiter(miniRedis(t), randID("cli_"), quietLogger()),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			at := burst(t, []limiter{lim}, 7, chatKeys("oc_burst"))
			slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
			checkPace(t, at)
			// The first five are admitted together; a bucket of 5 per 1.2 s would take 960 ms for them.
			if d := at[4].Sub(at[0]); d > 500*time.Millisecond {
				t.Errorf("the first five calls took %v to be admitted, want them at once", d)
			}
			if d := at[5].Sub(at[0]); d < time.Second {
				t.Errorf("the sixth call came %v after the first, inside the window", d)
			}
		})
	}
}

func TestLocalLimiterKeepsPerKeyRate(t *testing.T) {
	t.Parallel()
	at := burst(t, []limiter{newLocalLimiter()}, 9, chatKeys("oc_a"))
	checkPace(t, at)
	if len(at) != 9 {
		t.Errorf("%d calls admitted, want 9", len(at))
	}
}

func TestRedisLimiterSharedByReplicas(t *testing.T) {
	t.Parallel()
	for name, rdbFn := range map[string]func(testing.TB) redis.UniversalClient{
		"miniredis": miniRedis,
		"redis":     realRedis,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rdb := rdbFn(t)
			app := randID("cli_")
			// Two replicas, each with its own limiter, share one Redis: together they must keep 5 a window.
			lims := []limiter{newRedisLimiter(rdb, app, quietLogger()), newRedisLimiter(rdb, app, quietLogger())}
			at := burst(t, lims, 10, chatKeys("oc_shared"))
			checkPace(t, at)
			if len(at) != 10 {
				t.Errorf("%d calls admitted, want 10", len(at))
			}
		})
	}
}

func TestRedisLimiterDoesNotHoldAppSlotsWhileWaiting(t *testing.T) {
	t.Parallel()
	rdb := miniRedis(t)
	lim := newRedisLimiter(rdb, randID("cli_"), quietLogger())
	ctx := context.Background()
	appKey := rateKey{name: "app:s", interval: time.Second, burst: 2}
	busy := rateKey{name: "chat:busy", interval: 10 * time.Second, burst: 1}
	if err := lim.wait(ctx, []rateKey{appKey, busy}); err != nil {
		t.Fatal(err)
	}
	// A second call to the busy chat has to wait; it must not take the app's remaining slot meanwhile.
	waitCtx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := lim.wait(waitCtx, []rateKey{appKey, busy}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second call to a busy chat: err = %v, want a deadline", err)
	}
	quick, cancel2 := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel2()
	if err := lim.wait(quick, []rateKey{appKey, {name: "chat:idle", interval: time.Second, burst: 1}}); err != nil {
		t.Fatalf("call to an idle chat should take the app's second slot at once: %v", err)
	}
}

func TestRedisLimiterFallsBackWhenRedisFails(t *testing.T) {
	t.Parallel()
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr(), MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	lim := newRedisLimiter(rdb, randID("cli_"), quietLogger())
	m.Close()
	at := burst(t, []limiter{lim}, 6, chatKeys("oc_down"))
	if len(at) != 6 {
		t.Fatalf("%d calls admitted with Redis down, want all 6 (paced in process)", len(at))
	}
	checkPace(t, at)
	if !lim.degraded.Load() {
		t.Error("limiter does not report falling back")
	}
}

func TestLimiterWaitHonoursContext(t *testing.T) {
	t.Parallel()
	for name, lim := range map[string]limiter{
		"local": newLocalLimiter(),
		"redis": newRedisLimiter(miniRedis(t), randID("cli_"), quietLogger()),
	} {
		t.Run(name, func(t *testing.T) {
			keys := []rateKey{{name: "chat:slow", interval: time.Minute, burst: 1}}
			if err := lim.wait(context.Background(), keys); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := lim.wait(ctx, keys)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want context.DeadlineExceeded", err)
			}
			if waited := time.Since(start); waited > 5*time.Second {
				t.Errorf("wait returned after %v, long after its context ended", waited)
			}
		})
	}
}

// TestRefusedTargetWindowWidens: when Lark answers 230020 for a chat although Baton kept its window, the
// send is retried and delivered, and that chat's window grows for a while; other chats keep theirs.
func TestRefusedTargetWindowWidens(t *testing.T) {
	t.Parallel()
	s := newEmulator(t)
	busy, calm := s.AddGroup("Busy"), s.AddGroup("Calm")
	c := newTestClient(t, s, nil)
	s.FailNext(larktest.RouteCreateMessage, 1, http.StatusBadRequest, larktest.CodeIMRateLimited)
	if _, err := c.Send(context.Background(), crm.Recipient{ChatID: busy}, crm.Outgoing{Card: testCard("Lead", "claim")}, "widen-1"); err != nil {
		t.Fatalf("send after a 230020: %v", err)
	}
	if n := len(s.Messages(busy)); n != 1 {
		t.Fatalf("%d messages in the chat, want the retried send once", n)
	}
	w := c.cfg.Limits.TargetWindow
	if got := c.adjust([]rateKey{c.chatKey(busy)})[0].window; got != w+widenBy {
		t.Errorf("refused chat's window %v, want %v", got, w+widenBy)
	}
	if got := c.adjust([]rateKey{c.chatKey(calm)})[0].window; got != w {
		t.Errorf("other chat's window %v, want %v", got, w)
	}
}
