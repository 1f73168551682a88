package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/hibiken/asynq"
)

func (w *Worker) handleSync(ctx context.Context, t *asynq.Task) error {
	p, err := decode[leadPayload](t)
	if err != nil {
		return err
	}
	token, holder, ok, err := w.lockSync(ctx, p.Lead)
	switch {
	case err != nil:
		// Redis answered the dequeue but not the lock: syncing unlocked beats not syncing.
		w.logger.WarnContext(ctx, "lead sync lock", "lead_id", p.Lead, "error", err)
	case !ok:
		return w.syncAfter(ctx, p, holder)
	default:
		defer w.holdSync(p.Lead, token)()
	}
	return classify(w.svc.SyncLead(ctx, p.Lead))
}

// handleTimers runs the lead's timers, unless the task fired before its due time (replica clocks differ, or
// ProcessAt lost its milliseconds): then it schedules itself again rather than act early.
func (w *Worker) handleTimers(ctx context.Context, t *asynq.Task) error {
	p, err := decode[timerPayload](t)
	if err != nil {
		return err
	}
	if due := time.UnixMilli(p.Due); w.now().Before(due) {
		p.Early++
		id := timerTaskID(p.Lead, p.Key) + ":early" + strconv.Itoa(p.Early)
		if err := enqueueTimer(ctx, w.client, p, id, ceilSecond(queueAt(w.now, due))); err != nil {
			return fmt.Errorf("reschedule early timers of lead %d: %w", p.Lead, err)
		}
		w.logger.DebugContext(ctx, "timer fired early; rescheduled", "lead_id", p.Lead,
			"early_ms", due.Sub(w.now()).Milliseconds())
		return nil
	}
	return classify(w.svc.RunTimers(ctx, p.Lead))
}

// handleSweep re-derives wake-ups from the database: leads with a timer due before the next sweep get a
// lead:timers task for its due time, and leads whose cards or notifications lag get a lead:sync task. Fixed
// task ids keep a lead that keeps failing from piling up one task per sweep.
func (w *Worker) handleSweep(ctx context.Context, _ *asynq.Task) error {
	now := w.now()
	due, err := w.sw.DueLeads(ctx, now.Add(w.ahead), w.batch)
	if err != nil {
		return fmt.Errorf("sweep due leads: %w", err)
	}
	var errs []error
	overdue := 0
	for _, d := range due {
		if err := w.sweepTimer(ctx, d, now); err != nil {
			errs = append(errs, fmt.Errorf("enqueue timers of lead %d: %w", d.ID, err))
		}
		if !d.Due.After(now) {
			overdue++
		}
	}
	unsynced, err := w.sw.UnsyncedLeads(ctx, now.Add(-unsyncedGrace), w.batch)
	if err != nil {
		return fmt.Errorf("sweep unsynced leads: %w", err)
	}
	for _, id := range unsynced {
		if err := w.enqueueSweep(ctx, newSyncTask(id), QueueCritical, "sync:"+strconv.FormatInt(id, 10)+":sweep"); err != nil {
			errs = append(errs, fmt.Errorf("enqueue sync of lead %d: %w", id, err))
		}
	}
	// Lark redelivers an event for hours, not forever: expired dedup records only grow the table.
	if _, err := w.sw.PurgeSeen(ctx, now); err != nil {
		errs = append(errs, fmt.Errorf("purge seen events: %w", err))
	}
	if overdue > 0 || len(unsynced) > 0 {
		w.logger.InfoContext(ctx, "sweep found lagging leads", "due", overdue, "unsynced", len(unsynced),
			"batch_full", len(due) == w.batch || len(unsynced) == w.batch)
	}
	return errors.Join(errs...)
}

// sweepTimer wakes a lead found by the sweep: at once when it is due (by the store's account, so Due is the
// sweep's own clock), else at its due time. A timer that is already scheduled under another id (its own
// wake-up survived) runs twice, which the handlers allow; one lost with Redis runs on time.
func (w *Worker) sweepTimer(ctx context.Context, d crm.DueLead, now time.Time) error {
	if !d.Due.After(now) {
		t := newTimerTask(timerPayload{Lead: d.ID, Key: "sweep", Due: now.UnixMilli()})
		return w.enqueueSweep(ctx, t, QueueDefault, timerTaskID(d.ID, "sweep"))
	}
	key := "sweep:" + strconv.FormatInt(d.Due.UnixMilli(), 10)
	p := timerPayload{Lead: d.ID, Key: key, Due: d.Due.UnixMilli()}
	return enqueueTimer(ctx, w.client, p, timerTaskID(d.ID, key), ceilSecond(queueAt(w.now, d.Due)))
}

// enqueueSweep enqueues t under id. A live task with that id (pending, scheduled, active, retrying) makes
// this a no-op; an archived one is replaced, because asynq keeps archived tasks for months and their id
// would otherwise shut the lead out of every later sweep.
func (w *Worker) enqueueSweep(ctx context.Context, t *asynq.Task, queue, id string) error {
	_, err := w.client.EnqueueContext(ctx, t, asynq.TaskID(id))
	if !errors.Is(err, asynq.ErrTaskIDConflict) {
		return err
	}
	info, err := w.inspector.GetTaskInfo(queue, id)
	if err != nil || info.State != asynq.TaskStateArchived {
		return nil // gone meanwhile or still live: either way a task ran or will run
	}
	if err := w.inspector.DeleteTask(queue, id); err != nil {
		return fmt.Errorf("replace archived task: %w", err)
	}
	_, err = w.client.EnqueueContext(ctx, t, asynq.TaskID(id))
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil
	}
	return err
}

func (w *Worker) handleDigest(ctx context.Context, _ *asynq.Task) error {
	return classify(w.svc.PostDigests(ctx, w.now()))
}

func (w *Worker) handleFeedback(ctx context.Context, _ *asynq.Task) error {
	return classify(w.svc.PostFeedbackSummary(ctx, w.now()))
}

// classify marks errors that retrying cannot fix with asynq.SkipRetry: crm's not-found, invalid and forbidden
// codes, and errors that say of themselves they are permanent (Lark's short list: recalled message, bot
// removed from the chat, user left). Everything else retries with backoff, a Lark error outside 5xx and 429
// included: a missing scope or a refused card is fixed by an admin, and the notification must follow.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if permanent(err) {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	return err
}

func permanent(err error) bool {
	var crmErr *crm.Error
	if errors.As(err, &crmErr) {
		switch crmErr.Code {
		case crm.ENOTFOUND, crm.EINVALID, crm.EFORBIDDEN:
			return true
		}
	}
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

// handleError logs a failed task once, with its type and lead id only: payloads are never logged.
func (w *Worker) handleError(ctx context.Context, t *asynq.Task, err error) {
	attrs := []any{"task_type", t.Type(), "error", err}
	if p, derr := decode[leadPayload](t); derr == nil && p.Lead != 0 {
		attrs = append(attrs, "lead_id", p.Lead)
	}
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	attrs = append(attrs, "retry", retried, "max_retry", maxRetry)
	switch {
	case errors.Is(err, asynq.SkipRetry):
		w.logger.ErrorContext(ctx, "task failed permanently", attrs...)
	case retried >= maxRetry:
		w.logger.ErrorContext(ctx, "task failed after its last retry", attrs...)
	default:
		w.logger.Log(ctx, slog.LevelWarn, "task failed; will retry", attrs...)
	}
}
