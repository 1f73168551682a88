package jobs

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hibiken/asynq"
)

// PeriodicConfig lists the periodic tasks. Empty crons are not scheduled.
type PeriodicConfig struct {
	Location     *time.Location // crons are read in this zone; nil means UTC
	SweepEvery   string         // "@every 1m" (default); must be an @every spec
	DigestCron   string         // e.g. "0 9 * * MON"
	FeedbackCron string         // e.g. "0 18 * * MON-FRI"
	Logger       *slog.Logger
}

// cronRetention is how long a finished digest or feedback tick blocks the same tick from other replicas.
// Replicas read the same cron on clocks a few seconds apart, so a few minutes are plenty; it also means those
// crons may not fire more often than every five minutes.
const cronRetention = 5 * time.Minute

// Periodic enqueues the sweep, digest and feedback ticks. Every replica may run one: each entry has a fixed
// task id and its finished task is kept (asynq Retention) for most of a period, so a second replica's
// enqueue of the same tick conflicts and is dropped. Ids per tick ("sweep:<minute>") are not possible here,
// because asynq.Scheduler enqueues the task registered up front; and they would not help unaligned
// "@every" schedules, whose ticks differ per replica.
type Periodic struct {
	s         *asynq.Scheduler
	client    *asynq.Client
	inspector *asynq.Inspector
	sweep     []asynq.Option
	logger    *slog.Logger
}

// NewPeriodic returns the periodic scheduler on r; Start runs it.
func NewPeriodic(r *Redis, cfg PeriodicConfig) (*Periodic, error) {
	logger := orDefault(cfg.Logger)
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	every := cfg.SweepEvery
	if every == "" {
		every = "@every 1m"
	}
	period, err := time.ParseDuration(strings.TrimSpace(strings.TrimPrefix(every, "@every")))
	if !strings.HasPrefix(every, "@every") || err != nil || period < 2*time.Second {
		return nil, fmt.Errorf("sweep schedule %q: want \"@every <duration>\" of at least 2s", every)
	}
	p := &Periodic{
		client:    asynq.NewClientFromRedisClient(r.Client),
		inspector: asynq.NewInspectorFromRedisClient(r.Client),
		logger:    logger,
		// Retention is kept in whole seconds; 60% of the period is more than half of it (so two unaligned
		// replicas cannot both get through in one period) and leaves room for the janitor's delay.
		sweep: []asynq.Option{asynq.TaskID(periodicID(TypeSweep)), asynq.Retention(period * 6 / 10)},
	}
	// The scheduler gets its own connection: asynq.Scheduler closes its client on Shutdown and logs an
	// error when that client is shared.
	p.s = asynq.NewScheduler(r.Opt, &asynq.SchedulerOpts{
		Location: loc,
		Logger:   asynqLogger{logger},
		LogLevel: asynq.WarnLevel,
		PreEnqueueFunc: func(task *asynq.Task, _ []asynq.Option) {
			p.clearArchived(task.Type())
			p.clearArchivedPull(task) // pull.go
		},
		PostEnqueueFunc: func(info *asynq.TaskInfo, err error) {
			p.logEnqueue("periodic task", err)
		},
	})
	if _, err := p.s.Register(every, newTickTask(TypeSweep), p.sweep...); err != nil {
		return nil, fmt.Errorf("register sweep %q: %w", every, err)
	}
	for _, e := range []struct{ typ, cron string }{{TypeDigest, cfg.DigestCron}, {TypeFeedback, cfg.FeedbackCron}} {
		if e.cron == "" {
			continue
		}
		opts := []asynq.Option{asynq.TaskID(periodicID(e.typ)), asynq.Retention(cronRetention)}
		if _, err := p.s.Register(e.cron, newTickTask(e.typ), opts...); err != nil {
			return nil, fmt.Errorf("register %s cron %q: %w", e.typ, e.cron, err)
		}
	}
	return p, nil
}

func periodicID(typ string) string { return "periodic:" + typ }

// clearArchived deletes the archived task of a periodic entry. A tick whose retries all failed is archived,
// and asynq keeps archived tasks for months: with a fixed task id it would block every later tick.
func (p *Periodic) clearArchived(typ string) { p.clearArchivedID(periodicID(typ)) }

func (p *Periodic) clearArchivedID(id string) {
	info, err := p.inspector.GetTaskInfo(QueueLow, id)
	if err != nil || info.State != asynq.TaskStateArchived {
		return
	}
	if err := p.inspector.DeleteTask(QueueLow, id); err != nil {
		p.logger.Error("delete archived periodic task", "task_id", id, "error", err)
	}
}

func (p *Periodic) logEnqueue(what string, err error) {
	switch {
	case err == nil:
	case errors.Is(err, asynq.ErrTaskIDConflict):
		p.logger.Debug("periodic task already enqueued by another replica", "what", what)
	default:
		p.logger.Error("enqueue periodic task", "what", what, "error", err)
	}
}

// Start enqueues one sweep right away, so timers lost while Baton was down run without waiting a period,
// then starts the schedule.
func (p *Periodic) Start() error {
	p.clearArchived(TypeSweep)
	_, err := p.client.Enqueue(newTickTask(TypeSweep), p.sweep...)
	p.logEnqueue("startup sweep", err)
	if err := p.s.Start(); err != nil {
		return fmt.Errorf("start periodic scheduler: %w", err)
	}
	return nil
}

// Shutdown stops the schedule.
func (p *Periodic) Shutdown() {
	p.s.Shutdown()
	// p.client shares r's connection, which r.Close closes.
}
