package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/hibiken/asynq"
)

// Scheduler implements crm.Scheduler on asynq.
type Scheduler struct {
	c      *asynq.Client
	logger *slog.Logger
	now    func() time.Time
}

var _ crm.Scheduler = (*Scheduler)(nil)

// enqueueTimeout bounds a wake-up's enqueue. The database already holds the change and the sweeper
// re-derives every wake-up from it, so with Redis unreachable a request must not wait on it: intake and card
// clicks stay fast and the work is delivered when Redis is back.
const enqueueTimeout = 300 * time.Millisecond

// NewScheduler returns a crm.Scheduler that enqueues on c. now is the clock wake-up times are read on, the
// one crm.Service uses; nil means time.Now.
func NewScheduler(c *asynq.Client, logger *slog.Logger, now func() time.Time) *Scheduler {
	if now == nil {
		now = time.Now
	}
	return &Scheduler{c: c, logger: orDefault(logger), now: now}
}

// SyncLead enqueues a lead:sync task for the lead at revision rev. Repeats for one revision run once; a
// later revision always gets its own task, so a change that lands while an earlier sync is running is never
// left to the sweep.
func (s *Scheduler) SyncLead(ctx context.Context, leadID, rev int64) error {
	ctx, cancel := context.WithTimeout(ctx, enqueueTimeout)
	defer cancel()
	_, err := s.c.EnqueueContext(ctx, newSyncTask(leadID), asynq.TaskID(syncTaskID(leadID, rev)))
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueue sync of lead %d: %w", leadID, err)
	}
	return nil
}

// WakeLead schedules a lead:timers task for at. The task id is the lead and key, so scheduling the same
// wake-up again while it is pending is a no-op; callers whose due time can move put it in the key.
func (s *Scheduler) WakeLead(ctx context.Context, leadID int64, at time.Time, key string) error {
	ctx, cancel := context.WithTimeout(ctx, enqueueTimeout)
	defer cancel()
	p := timerPayload{Lead: leadID, Key: key, Due: at.UnixMilli()}
	if err := enqueueTimer(ctx, s.c, p, timerTaskID(leadID, key), ceilSecond(queueAt(s.now, at))); err != nil {
		return fmt.Errorf("schedule timers of lead %d: %w", leadID, err)
	}
	return nil
}

// enqueueTimer schedules p to run at at (zero: now); a task id conflict is success.
func enqueueTimer(ctx context.Context, c *asynq.Client, p timerPayload, id string, at time.Time) error {
	opts := []asynq.Option{asynq.TaskID(id)}
	if !at.IsZero() {
		opts = append(opts, asynq.ProcessAt(at))
	}
	_, err := c.EnqueueContext(ctx, newTimerTask(p), opts...)
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return err
	}
	return nil
}
