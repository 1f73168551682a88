package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// MirrorRunner writes one batch of due leads to Feishu Base; crm.Mirror implements it through a small
// adapter in cmd/baton. n is how many leads the batch held (zero: nothing was due).
type MirrorRunner interface {
	MirrorOnce(ctx context.Context) (n int, err error)
}

// MirrorConfig tunes a MirrorLoop. Zero values get defaults.
type MirrorConfig struct {
	Key    string        // what the lock is named after: the Base's app_token and table
	Idle   time.Duration // pause when nothing was due; default 500ms
	MaxGap time.Duration // longest pause after failures (doubling from Idle); default 30s
	// Pace is the least time between two batches: batch_create and batch_update allow 50 calls a second
	// per app (https://open.feishu.cn/document/server-docs/docs/bitable-v1/app-table-record/batch_create);
	// one writer at 10 batches a second leaves room for everything else. Default 100ms.
	Pace    time.Duration
	LockTTL time.Duration // default 15s, renewed while held
	Logger  *slog.Logger
}

// MirrorLoop runs the Base mirror: one writer per table across every worker process, holding a Redis lease
// (Base answers concurrent writes to one table with 1254291). The leads table is the outbox, so a restart,
// a Redis flush (which drops the lease: at worst two writers overlap briefly, and client_token keeps their
// creates single) or a Base outage loses nothing: due leads wait and go out when Base answers again.
type MirrorLoop struct {
	run   MirrorRunner
	redis redis.UniversalClient
	cfg   MirrorConfig
}

// NewMirrorLoop returns a loop; rdb may be nil (one process, no lock to share).
func NewMirrorLoop(run MirrorRunner, rdb redis.UniversalClient, cfg MirrorConfig) *MirrorLoop {
	if cfg.Idle <= 0 {
		cfg.Idle = 500 * time.Millisecond
	}
	if cfg.MaxGap <= 0 {
		cfg.MaxGap = 30 * time.Second
	}
	if cfg.Pace <= 0 {
		cfg.Pace = 100 * time.Millisecond
	}
	if cfg.LockTTL <= 0 {
		cfg.LockTTL = 15 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &MirrorLoop{run: run, redis: rdb, cfg: cfg}
}

func (l *MirrorLoop) lockKey() string { return "baton:lock:base:" + l.cfg.Key }

// Run mirrors until ctx ends.
func (l *MirrorLoop) Run(ctx context.Context) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	gap := l.cfg.Idle
	held := false
	var renewed time.Time
	for ctx.Err() == nil {
		if !held || time.Since(renewed) > l.cfg.LockTTL/3 {
			held = l.lease(ctx, token, held)
			renewed = time.Now()
		}
		if !held {
			if !sleepCtx(ctx, l.cfg.LockTTL/3) {
				break
			}
			continue
		}
		n, err := l.run.MirrorOnce(ctx)
		switch {
		case err != nil:
			l.cfg.Logger.Warn("base mirror run failed; retrying", "table", l.cfg.Key, "leads", n, "wait_ms", gap.Milliseconds(), "error", err)
			if !sleepCtx(ctx, gap) {
				break
			}
			gap = min(gap*2, l.cfg.MaxGap)
		case n == 0:
			gap = l.cfg.Idle
			sleepCtx(ctx, l.cfg.Idle)
		default:
			gap = l.cfg.Idle
			sleepCtx(ctx, l.cfg.Pace)
		}
	}
	if held && l.redis != nil {
		c, cancel := context.WithTimeout(context.Background(), enqueueTimeout)
		_ = unlockScript.Run(c, l.redis, []string{l.lockKey()}, token).Err()
		cancel()
	}
}

// lease takes or renews the table's lock.
func (l *MirrorLoop) lease(ctx context.Context, token string, held bool) bool {
	if l.redis == nil {
		return true
	}
	if held {
		n, err := renewScript.Run(ctx, l.redis, []string{l.lockKey()}, token, l.cfg.LockTTL.Milliseconds()).Int()
		if err == nil && n == 1 {
			return true
		}
	}
	ok, err := l.redis.SetNX(ctx, l.lockKey(), token, l.cfg.LockTTL).Result()
	if err != nil {
		l.cfg.Logger.Warn("base mirror lock", "table", l.cfg.Key, "error", err)
		return false
	}
	return ok
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
