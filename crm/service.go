package crm

import (
	"context"
	"log/slog"
	"time"
)

// Service holds Baton's use cases. cmd/baton fills the fields; every port is required except Directory
// (without it, pools must list their members) and Logger.
type Service struct {
	Leads     LeadStore
	Members   MemberStore
	Insights  InsightStore // ops insights; nil leaves cards without them
	Digests   DigestStore  // digest and feedback figures; nil turns the roll-ups off
	Privacy   PrivacyStore // personal-data export and erasure
	Marks     Marks        // remembers buzzes already sent; nil buzzes on every delivery attempt
	Teams     TeamStore    // the /team figures; nil turns /team off
	Pushes    PushStore    // push sources' deliveries and rejects; nil turns POST /api/v1/push off
	Tasks     Tasks        // follow-ups as Feishu tasks (tasks.go); nil leaves follow-ups to DM reminders
	TaskStore TaskStore    // the lead ↔ task bookkeeping; set together with Tasks
	Boards    BoardStore   // pool boards for bursts; nil posts one card per lead
	// Assistant and AssistJobs run the optional assistant (assist.go); nil leaves it off.
	Assistant  Assistant
	AssistJobs AssistQueue
	Messenger  Messenger
	Directory  Directory
	Scheduler  Scheduler
	Renderer   Renderer
	Settings   *Settings
	Now        func() time.Time
	Logger     *slog.Logger
	// Failures tracks notifications Lark keeps refusing (nil: not tracked); AlertAfter is the number of
	// failed attempts after which one counts as failing (default DefaultAlertAfter).
	Failures   Failures
	AlertAfter int
	// Org and Rosters serve pools whose members come from Feishu departments (departments.go); nil when no
	// pool has members_from. RosterQueue asks for a refresh soon after a contact change (nil: at once).
	Org         OrgChart
	Rosters     RosterStore
	RosterQueue RosterQueue

	claims claimFlights
	full   poolFull
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Clock is the service's current time (the injected clock in tests), for adapters that interpret input
// relative to now.
func (s *Service) Clock() time.Time { return s.now() }

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Service) location() *time.Location {
	if s.Settings != nil && s.Settings.Location != nil {
		return s.Settings.Location
	}
	return time.UTC
}

// pool returns the lead's pool, or an EINTERNAL error when the configuration no longer has it.
func (s *Service) pool(key string) (*Pool, error) {
	p, ok := s.Settings.Pool(key)
	if !ok {
		return nil, Errorf(EINTERNAL, "pool %q is not configured", key)
	}
	return p, nil
}

// afterWrite hands a changed lead to the scheduler: its cards and notifications are synced soon and its
// next timer is set. Failures are logged, not returned: the write is committed, and the sweeper re-derives
// both from the database (that is what makes a Redis outage delay work instead of losing it).
func (s *Service) afterWrite(ctx context.Context, l *Lead) {
	if s.Scheduler == nil {
		return
	}
	if err := s.Scheduler.SyncLead(ctx, l.ID, l.Rev); err != nil {
		s.logger().Warn("schedule lead sync", "lead_id", l.ID, "error", err)
	}
	// A timer due within wakeAhead gets its own wake-up; one further out (a 14-day card re-post, a recycle
	// next week) is left to the sweep, which schedules every timer due before its next run for its due
	// time. That spares one Redis task per new lead for a wake-up days away.
	if !l.NextDueAt.IsZero() && l.NextDueAt.Sub(s.now()) <= wakeAhead {
		key := l.NextDueAt.UTC().Format("20060102T150405.000") + "-" + itoa(l.Rev)
		if err := s.Scheduler.WakeLead(ctx, l.ID, l.NextDueAt, key); err != nil {
			s.logger().Warn("schedule lead timer", "lead_id", l.ID, "error", err)
		}
	}
}

// wakeAhead is how far ahead a write schedules its lead's next timer itself. Anything longer than the
// sweep's look-ahead (jobs.WorkerConfig.SweepAhead, 90 s by default) is safe; an hour keeps every SLA step
// of a typical ladder on its own wake-up.
const wakeAhead = time.Hour

// dayStart is the local midnight of t in the configured time zone; daily caps count from there.
func (s *Service) dayStart(t time.Time) time.Time {
	lt := t.In(s.location())
	return time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, s.location())
}
