package bot

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// gcraScript admits a call only when it fits every key's generic cell rate (GCRA) at once, so a call
// waiting on a busy chat does not hold a slot of the app-wide limit meanwhile. It keeps one theoretical
// arrival time (TAT, µs) per key and uses Redis's clock, so replicas with skewed clocks still agree.
// ARGV holds (interval µs, tolerance µs) per key. It returns 0 when admitted, else the µs to wait.
var gcraScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local wait = 0
local tats = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2*i-1])
  local tau = tonumber(ARGV[2*i])
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then tat = now end
  local allowAt = tat - tau
  if allowAt > now and allowAt - now > wait then wait = allowAt - now end
  tats[i] = tat + interval
end
if wait > 0 then return math.ceil(wait) end
for i, key in ipairs(KEYS) do
  local ttl = math.ceil((tats[i] - now) / 1000) + 1000
  redis.call('SET', key, string.format('%d', tats[i]), 'PX', ttl)
end
return 0
`)

// redisLimiter paces calls across every replica sharing one Redis. When Redis fails it falls back to
// pacing in process rather than stopping all Lark traffic.
type redisLimiter struct {
	rdb      redis.UniversalClient
	prefix   string // ends in a hash tag so a call's keys share one Cluster slot
	fallback *localLimiter
	log      *slog.Logger
	degraded atomic.Bool
	// degradedUntil (unix ns) skips Redis after a failure, so a hung Redis costs one timeout per period.
	degradedUntil atomic.Int64
}

// redisCallTimeout bounds one limiter or token-cache round trip. A healthy Redis answers in well under a
// millisecond, but a burst of callers can queue for pool connections; a second leaves room for that while
// a hung Redis still cannot eat a card callback's 2.5-second budget.
const redisCallTimeout = time.Second

// degradedFor is how long pacing stays in process after Redis failed to answer.
const degradedFor = 5 * time.Second

func newRedisLimiter(rdb redis.UniversalClient, appID string, log *slog.Logger) *redisLimiter {
	return &redisLimiter{
		rdb:      rdb,
		prefix:   "baton:lark:{" + appID + "}:",
		fallback: newLocalLimiter(),
		log:      log,
	}
}

func (l *redisLimiter) wait(ctx context.Context, keys []rateKey) error {
	names := make([]string, len(keys))
	args := make([]any, 0, 2*len(keys))
	for i, k := range keys {
		names[i] = l.prefix + k.name
		args = append(args, k.interval.Microseconds(), int64(k.burst-1)*k.interval.Microseconds())
	}
	for {
		if time.Now().UnixNano() < l.degradedUntil.Load() {
			return l.fallback.wait(ctx, keys)
		}
		rctx, cancel := context.WithTimeout(ctx, redisCallTimeout)
		us, err := gcraScript.Run(rctx, l.rdb, names, args...).Int64()
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("wait for rate limit: %w", ctx.Err())
			}
			// A Redis that hangs must not hold up every Lark call: pace in process for a while, then retry.
			l.degradedUntil.Store(time.Now().Add(degradedFor).UnixNano())
			if !l.degraded.Swap(true) {
				l.log.Warn("lark rate limiter falls back to in-process pacing", "error", err)
			}
			return l.fallback.wait(ctx, keys)
		}
		if l.degraded.Swap(false) {
			l.log.Info("lark rate limiter back on redis")
		}
		if us <= 0 {
			return nil
		}
		// A little jitter spreads callers queued on the same key, who would otherwise all retry together.
		d := time.Duration(us)*time.Microsecond + time.Duration(rand.Int64N(int64(2*time.Millisecond)))
		if err := sleep(ctx, d); err != nil {
			return fmt.Errorf("wait for rate limit: %w", err)
		}
	}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
