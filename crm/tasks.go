package crm

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TaskSettings switch follow-ups as Feishu tasks on (`tasks:` in baton.yaml).
type TaskSettings struct {
	Enabled bool
	// Link is the link back a task carries; "{id}" is replaced by the lead's number. Empty: the bot's DM,
	// where the owner card is (Lark documents no link to one message of a chat).
	Link string
	// CheckEvery spaces the periodic check of one open task's completion; 0 means 5 minutes.
	CheckEvery time.Duration
}

// TaskSpec is what Baton asks Lark to create for one follow-up.
type TaskSpec struct {
	Assignee    string // open_id of the rep
	Summary     string
	Description string
	Due         time.Time
	Link        string
	LinkTitle   string
}

// Tasks is Lark's task service (task v2): bot.Client implements it.
type Tasks interface {
	// CreateTask creates the task; a repeat of clientToken returns the task the first call created.
	CreateTask(ctx context.Context, t TaskSpec, clientToken string) (guid string, err error)
	// SetTaskDue moves the task's due time.
	SetTaskDue(ctx context.Context, guid string, due time.Time) error
	// CompleteTask marks the task completed at at.
	CompleteTask(ctx context.Context, guid string, at time.Time) error
	// TaskCompletedAt reports when the task was completed; zero while it is open.
	TaskCompletedAt(ctx context.Context, guid string) (time.Time, error)
}

// FollowUpTask is what Baton knows of a lead's Feishu task: which task stands for the follow-up, and how
// far the lead's timeline has been carried over to it.
type FollowUpTask struct {
	LeadID    int64
	GUID      string // "" when no task was created yet
	OwnerID   string // the assignee
	Due       time.Time
	Done      bool  // completed, by Baton or in Feishu
	EventID   int64 // the last timeline event carried over to the task
	Rev       int64 // the lead revision the task last reflected
	CheckedAt time.Time
}

// TaskStore keeps the lead ↔ task bookkeeping (storage.DB implements it).
type TaskStore interface {
	// LeadTask returns the lead's task record; a lead without one gets a zero record with LeadID set.
	LeadTask(ctx context.Context, leadID int64) (FollowUpTask, error)
	// SaveLeadTask inserts or replaces the record.
	SaveLeadTask(ctx context.Context, t FollowUpTask) error
	// LaggingTasks returns leads whose task may lag the lead: a pending follow-up or an open task, and a
	// revision newer than the record's, last changed before olderThan.
	LaggingTasks(ctx context.Context, olderThan time.Time, limit int) ([]int64, error)
	// MarkTaskChecked records a completion check of the lead's task guid (done: completed in Feishu); a
	// record that moved on to another task is left alone.
	MarkTaskChecked(ctx context.Context, leadID int64, guid string, at time.Time, done bool) error
	// OpenTasks returns open tasks last checked before checkedBefore, least recently checked first.
	OpenTasks(ctx context.Context, checkedBefore time.Time, limit int) ([]FollowUpTask, error)
}

// taskIntent is what the timeline asks of the task, folded over the events not yet carried over.
type taskIntent int

const (
	intentNone taskIntent = iota // nothing that touches the task
	intentOpen                   // a follow-up was set or snoozed: the task is due then
	intentDone                   // the follow-up was done, or the lead closed or left its owner
)

// foldTask reads the events after the record's cursor and says what the task should become. setAt is the
// id of the event that set the follow-up (it keys task creation, so a retry never makes a second task);
// doneAt is when the follow-up ended.
func foldTask(evs []LeadEvent, after int64) (intent taskIntent, setAt int64, doneAt time.Time, last int64) {
	last = after
	for _, e := range evs {
		if e.ID <= after {
			continue
		}
		last = e.ID
		switch {
		case e.Kind == EventFollowUpSet:
			intent, setAt = intentOpen, e.ID
		case e.Kind == EventNote && e.Data["followup"] == "done",
			e.Kind == EventStageChanged && Stage(e.Data["to"]).Closed(),
			e.Kind == EventReleased, e.Kind == EventRecycled, e.Kind == EventReassigned:
			intent, doneAt = intentDone, e.At
		}
	}
	return intent, setAt, doneAt, last
}

// SyncTask carries the lead's follow-up over to its Feishu task: a follow-up set creates the task for the
// owner, a snooze moves its due time, done (or the lead closing or leaving its owner) completes it. The
// record is written after each Lark call, and creation is keyed by the event that set the follow-up, so a
// crash or a retry never creates two tasks for one follow-up. Without Tasks configured it does nothing.
func (s *Service) SyncTask(ctx context.Context, leadID int64) error {
	if s.Tasks == nil || s.TaskStore == nil {
		return nil
	}
	rec, err := s.TaskStore.LeadTask(ctx, leadID)
	if err != nil {
		return err
	}
	l, err := s.Leads.Lead(ctx, leadID)
	if err != nil {
		return err
	}
	if rec.Rev >= l.Rev || (rec.GUID == "" || rec.Done) && l.FollowUpAt.IsZero() {
		// Up to date, or no open task and no follow-up to make one for: most leads' syncs stop here,
		// without reading the timeline or writing a record.
		return nil
	}
	evs, err := s.Leads.Timeline(ctx, leadID)
	if err != nil {
		return err
	}
	intent, setAt, doneAt, last := foldTask(evs, rec.EventID)
	open := rec.GUID != "" && !rec.Done
	switch intent {
	case intentOpen:
		if open && rec.OwnerID != l.OwnerID {
			// The follow-up belongs to a new owner: the old owner's task ends, the new owner gets one below.
			if err := s.completeTask(ctx, &rec, s.now()); err != nil {
				return err
			}
			open = false
		}
		switch {
		case l.FollowUpAt.IsZero() || !l.Owned() || !l.Open():
			// Already due, done or moot by now (a sync that ran late): the reminder card covers it.
		case open && !rec.Due.Equal(l.FollowUpAt):
			if err := s.Tasks.SetTaskDue(ctx, rec.GUID, l.FollowUpAt); err != nil {
				return fmt.Errorf("move task of lead %d: %w", leadID, err)
			}
			rec.Due = l.FollowUpAt
		case !open:
			spec, err := s.taskSpec(ctx, l)
			if err != nil {
				return err
			}
			guid, err := s.Tasks.CreateTask(ctx, spec, fmt.Sprintf("baton-lead-%d-ev-%d", l.ID, setAt))
			if err != nil {
				return fmt.Errorf("create task of lead %d: %w", leadID, err)
			}
			rec = FollowUpTask{LeadID: leadID, GUID: guid, OwnerID: l.OwnerID, Due: l.FollowUpAt, CheckedAt: s.now()}
		}
	case intentDone:
		if open {
			if err := s.completeTask(ctx, &rec, doneAt); err != nil {
				return err
			}
		}
	}
	rec.LeadID, rec.EventID, rec.Rev = leadID, last, l.Rev
	return s.TaskStore.SaveLeadTask(ctx, rec)
}

func (s *Service) completeTask(ctx context.Context, rec *FollowUpTask, at time.Time) error {
	if err := s.Tasks.CompleteTask(ctx, rec.GUID, at); err != nil {
		return fmt.Errorf("complete task of lead %d: %w", rec.LeadID, err)
	}
	rec.Done = true
	return s.TaskStore.SaveLeadTask(ctx, *rec)
}

// taskSpec draws the task: the summary names the lead (number, customer, company), the description gives
// the due time in the team's time zone, and the link leads back to Baton.
func (s *Service) taskSpec(ctx context.Context, l *Lead) (TaskSpec, error) {
	c, err := s.Leads.Customer(ctx, l.CustomerID)
	if err != nil {
		return TaskSpec{}, err
	}
	who := c.Name
	if c.Company != "" {
		who += " · " + c.Company
	}
	loc := s.location()
	due := l.FollowUpAt.In(loc).Format("2006-01-02 15:04 MST")
	spec := TaskSpec{
		Assignee:    l.OwnerID,
		Summary:     fmt.Sprintf("跟进线索 #%d %s / Follow up lead #%d", l.ID, who, l.ID),
		Description: fmt.Sprintf("跟进时间 / Follow-up: %s (%s)\n来源 / Source: %s", due, loc, l.Source),
		Due:         l.FollowUpAt,
		LinkTitle:   fmt.Sprintf("Baton 线索 #%d / Baton lead #%d", l.ID, l.ID),
	}
	if s.Settings != nil && s.Settings.Tasks.Link != "" {
		spec.Link = replaceID(s.Settings.Tasks.Link, l.ID)
	}
	return spec, nil
}

func replaceID(tmpl string, id int64) string {
	return strings.ReplaceAll(tmpl, "{id}", strconv.FormatInt(id, 10))
}

// syncTaskQuietly runs SyncTask after a lead's cards and notifications. Its failure is logged, not
// returned: a missing task scope or a task API outage must not make the lead's sync retry (reminders keep
// going out as DM cards), and the periodic CheckTasks picks the lead up again.
func (s *Service) syncTaskQuietly(ctx context.Context, leadID int64) {
	if s.Tasks == nil {
		return
	}
	if err := s.SyncTask(ctx, leadID); err != nil {
		s.logger().Warn("sync follow-up task", "lead_id", leadID, "code", failureCode(err), "error", err)
	}
}
