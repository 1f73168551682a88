package crm

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// taskCheckBatch bounds the open tasks one check reads from Lark: the check runs every minute and each read
// is one call against the app's rate limit, so a large backlog is worked off over several checks.
const taskCheckBatch = 100

// maxTaskFailures ends a check early: after that many refusals Lark is down or the scope is missing, and
// the next check tries again.
const maxTaskFailures = 5

// CheckTasks is the periodic half of follow-ups as tasks. It carries lagging leads over to their tasks
// (a sync lost to a Redis flush or a Lark outage) and reads open tasks, each at most once per
// Settings.Tasks.CheckEvery, to find the ones a rep completed in Feishu: their follow-ups are marked done
// in Baton. Lark offers no task v2 event Baton can rely on for this (README "tasks:"), hence the polling.
func (s *Service) CheckTasks(ctx context.Context, now time.Time) error {
	if s.Tasks == nil || s.TaskStore == nil {
		return nil
	}
	var errs []error
	lagging, err := s.TaskStore.LaggingTasks(ctx, now.Add(-30*time.Second), taskCheckBatch)
	if err != nil {
		return err
	}
	for _, id := range lagging {
		if err := s.SyncTask(ctx, id); err != nil {
			errs = append(errs, err)
			if len(errs) >= maxTaskFailures {
				// Lark refuses (a missing scope, an outage): the next check tries again; the rest would fail alike.
				return errors.Join(errs...)
			}
		}
	}
	every := 5 * time.Minute
	if s.Settings != nil && s.Settings.Tasks.CheckEvery > 0 {
		every = s.Settings.Tasks.CheckEvery
	}
	open, err := s.TaskStore.OpenTasks(ctx, now.Add(-every), taskCheckBatch)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	failed := 0
	for _, t := range open {
		if err := s.checkTask(ctx, t, now); err != nil {
			errs = append(errs, err)
			if failed++; failed >= maxTaskFailures {
				break // a missing scope or an outage: every other task would be refused the same way
			}
		}
	}
	return errors.Join(errs...)
}

// checkTask reads one open task; completed in Feishu, its follow-up is marked done in Baton.
func (s *Service) checkTask(ctx context.Context, t FollowUpTask, now time.Time) error {
	at, err := s.Tasks.TaskCompletedAt(ctx, t.GUID)
	if err != nil {
		// Checked all the same: a task Lark will not show (deleted by hand, say) goes to the back of the
		// queue instead of holding up every other task's check.
		return errors.Join(fmt.Errorf("check task of lead %d: %w", t.LeadID, err),
			s.TaskStore.MarkTaskChecked(ctx, t.LeadID, t.GUID, now, false))
	}
	// Recorded before the lead changes: the sync that follows the change must not complete it again.
	if err := s.TaskStore.MarkTaskChecked(ctx, t.LeadID, t.GUID, now, !at.IsZero()); err != nil || at.IsZero() {
		return err
	}
	_, err = s.work(ctx, t.LeadID, Expect{}, 0, t.OwnerID, "task_done", func(l *Lead, pool *Pool) ([]LeadEvent, error) {
		if l.OwnerID != t.OwnerID {
			return nil, Bilingual(ECONFLICT, "线索已换负责人", "The lead has a new owner")
		}
		if !l.FollowUpAt.IsZero() && !l.FollowUpAt.Equal(t.Due) {
			return nil, Bilingual(ECONFLICT, "跟进时间已改", "The follow-up moved")
		}
		l.FollowUpAt = time.Time{}
		Touched(l, pool, now)
		return []LeadEvent{NewEvent(EventNote, t.OwnerID, now, "text", "", "followup", "done", "via", "feishu_task")}, nil
	})
	var ce *Error
	if errors.As(err, &ce) && (ce.Code == ECONFLICT || ce.Code == ENOTFOUND || ce.Code == EFORBIDDEN) {
		// The lead moved on (closed, new owner, new follow-up): nothing of this follow-up is left to mark.
		s.logger().Info("task completed in feishu for a follow-up that moved on", "lead_id", t.LeadID, "code", ce.Code)
		return nil
	}
	return err
}
