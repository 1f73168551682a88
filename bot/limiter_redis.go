package bot

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// limitScript admits a call only when it fits every key at once, so a call waiting on a busy chat does not
// hold a slot of the app-wide limit meanwhile. It uses Redis's clock, so replicas with skewed clocks still
// agree. ARGV holds three values per key: "g", interval µs, tolerance µs for a generic cell rate (GCRA: one
// theoretical arrival time per key), or "w", window µs, count for a sliding window (a sorted set of
// admission times); the last ARGV is a nonce that makes this call's set member unique. It returns 0 when
// admitted, else the µs to wait.
var limitScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local wait = 0
local tats = {}
for i, key in ipairs(KEYS) do
  local kind = ARGV[3*i-2]
  local a = tonumber(ARGV[3*i-1])
  local b = tonumber(ARGV[3*i])
  if kind == 'w' then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - a)
    local n = redis.call('ZCARD', key)
    if n >= b then
      local oldest = redis.call('ZRANGE', key, n - b, n - b, 'WITHSCORES')
      local allowAt = tonumber(oldest[2]) + a
      if allowAt > now and allowAt - now > wait then wait = allowAt - now end
    end
  else
    local tat = tonumber(redis.call('GET', key) or '0')
    if tat < now then tat = now end
    local allowAt = tat - b
    if allowAt > now and allowAt - now > wait then wait = allowAt - now end
    tats[i] = tat + a
  end
end
if wait > 0 then return math.ceil(wait) end
for i, key in ipairs(KEYS) do
  local a = tonumber(ARGV[3*i-1])
  if ARGV[3*i-2] == 'w' then
    redis.call('ZADD', key, now, string.format('%d:%s', now, ARGV[#ARGV]))
    redis.call('PEXPIRE', key, math.ceil(a / 1000) + 1000)
  else
    local ttl = math.ceil((tats[i] - now) / 1000) + 1000
    redis.call('SET', key, string.format('%d', tats[i]), 'PX', ttl)
  end
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
	args := make([]any, 0, 3*len(keys)+1)
	for i, k := range keys {
		names[i] = l.prefix + k.name
		if k.window > 0 {
			args = append(args, "w", k.window.Microseconds(), k.burst)
		} else {
			args = append(args, "g", k.interval.Microseconds(), int64(k.burst-1)*k.interval.Microseconds())
		}
	}
	args = append(args, strconv.FormatUint(rand.Uint64(), 36))
	for {
		if time.Now().UnixNano() < l.degradedUntil.Load() {
			return l.fallback.wait(ctx, keys)
		}
		rctx, cancel := context.WithTimeout(ctx, redisCallTimeout)
		us, err := limitScript.Run(rctx, l.rdb, names, args...).Int64()
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
