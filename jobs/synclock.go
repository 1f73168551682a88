package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// One lead:sync of a lead runs at a time, across all workers. Two syncs of one lead running together can
// patch its cards out of order: the older drawing, held back by Lark's per-message pacing, lands after
// the newer one, and the card shows a state the lead has left (after an erasure, the erased phone number).
// A sync that finds the lead locked does not run; it queues a follow-up that runs after a short wait and
// syncs whatever the lead is then. The database stays the source of truth: if a holder dies, its lock
// expires and the follow-up or the sweeper finishes the job.
const (
	// The lock is short and renewed (every third of it) while the sync runs, so a worker that dies
	// mid-sync holds its leads for seconds, not for a whole task timeout.
	syncLockTTL    = 15 * time.Second
	syncWaitFirst  = 250 * time.Millisecond
	syncWaitLater  = 2 * time.Second
	syncWaitsQuick = 8  // follow-ups at syncWaitFirst before slowing down
	syncWaitsMax   = 64 // about two minutes of waiting, then the sweeper takes over
)

var (
	unlockScript = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end return 0`)
	renewScript  = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) end return 0`)
)

func syncLockKey(lead int64) string { return fmt.Sprintf("baton:lock:sync:%d", lead) }

// lockSync takes the lead's sync lock. ok is false when another sync holds it; holder is then its token.
func (w *Worker) lockSync(ctx context.Context, lead int64) (token, holder string, ok bool, err error) {
	if w.redis == nil {
		return "", "", true, nil // a Worker built without Redis (unit tests): nothing to share a lock with
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	token = hex.EncodeToString(b)
	ok, err = w.redis.SetNX(ctx, syncLockKey(lead), token, w.lockTTL).Result()
	if err != nil || ok {
		return token, "", ok, err
	}
	holder, err = w.redis.Get(ctx, syncLockKey(lead)).Result()
	if errors.Is(err, redis.Nil) {
		return w.lockSync(ctx, lead) // released between the two calls
	}
	return token, holder, false, err
}

// holdSync keeps the lock alive until the returned release is called, then releases it if it is still
// ours (it may have expired and been taken since).
func (w *Worker) holdSync(lead int64, token string) (release func()) {
	if w.redis == nil {
		return func() {}
	}
	key := syncLockKey(lead)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(w.lockTTL / 3)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				ctx, cancel := context.WithTimeout(context.Background(), enqueueTimeout)
				err := renewScript.Run(ctx, w.redis, []string{key}, token, w.lockTTL.Milliseconds()).Err()
				cancel()
				if err != nil {
					w.logger.Warn("renew lead sync lock", "lead_id", lead, "error", err)
				}
			}
		}
	}()
	return func() {
		close(stop)
		<-stopped
		ctx, cancel := context.WithTimeout(context.Background(), enqueueTimeout)
		defer cancel()
		if err := unlockScript.Run(ctx, w.redis, []string{key}, token).Err(); err != nil {
			w.logger.Warn("release lead sync lock", "lead_id", lead, "error", err)
		}
	}
}

// syncAfter queues the follow-up of a sync that found the lead locked by holder. One follow-up per holder
// and wait count, so a storm of changes during one long sync queues one task, not one per change.
func (w *Worker) syncAfter(ctx context.Context, p leadPayload, holder string) error {
	if p.Wait >= syncWaitsMax {
		w.logger.Warn("lead sync still locked; leaving it to the sweeper", "lead_id", p.Lead)
		return nil
	}
	wait := syncWaitFirst
	if p.Wait >= syncWaitsQuick {
		wait = syncWaitLater
	}
	next := leadPayload{Lead: p.Lead, Wait: p.Wait + 1}
	id := fmt.Sprintf("sync:%d:after:%s:%d", p.Lead, holder, next.Wait)
	_, err := w.client.EnqueueContext(ctx, newSyncTaskFor(next), asynq.TaskID(id), asynq.ProcessIn(wait))
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("queue follow-up sync of lead %d: %w", p.Lead, err)
	}
	return nil
}
