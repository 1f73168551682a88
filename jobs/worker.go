package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Service is what the handlers call; crm.Service implements it.
type Service interface {
	SyncLead(ctx context.Context, leadID int64) error
	// RunTimers runs whatever is due now; it must be safe to run twice.
	RunTimers(ctx context.Context, leadID int64) error
	PostDigests(ctx context.Context, now time.Time) error
	PostFeedbackSummary(ctx context.Context, now time.Time) error
}

// Sweeper finds leads whose wake-ups may have been lost and keeps the event dedup table bounded; the
// storage.DB satisfies it.
type Sweeper interface {
	DueLeads(ctx context.Context, until time.Time, limit int) ([]crm.DueLead, error)
	UnsyncedLeads(ctx context.Context, olderThan time.Time, limit int) ([]int64, error)
	// PurgeSeen deletes event dedup records that expired at or before now.
	PurgeSeen(ctx context.Context, now time.Time) (int64, error)
}

// WorkerConfig tunes a Worker. Zero values get defaults.
type WorkerConfig struct {
	Concurrency int // tasks run at once; default 10
	Logger      *slog.Logger
	Now         func() time.Time // default time.Now; tests inject a clock
	SweepBatch  int              // leads per sweep query; default 500
	// SweepAhead is how far past now a sweep schedules timers: at least the sweep period, so a timer whose
	// wake-up was lost (a Redis flush, a restart) is scheduled for its due time by the sweep before it, not
	// found a period late by the sweep after it. Default 90s, for the default one-minute sweep.
	SweepAhead time.Duration
	// Pull serves the pull sources' tasks (pull.go); nil leaves them unhandled.
	Pull PullService
	// Tasks serves tasks:check (taskcheck.go); nil leaves it unhandled.
	Tasks TaskChecker
	// Rosters refreshes department pools' members (rosters.go); nil leaves the task unhandled.
	Rosters RosterService
	// Assist serves the assistant's tasks (assist.go); nil leaves them unhandled.
	Assist AssistService
}

// Polling intervals. asynq's defaults (5 s for scheduled tasks, 1 s for idle workers) make timers fire up to
// several seconds late and leave a new lead's card waiting for an idle worker's next look at the queues. An
// idle worker sleeps between half and one and a half times taskPoll; at 50 ms a card task waits about 25 ms
// for pickup on average. An idle server then runs about 20 dequeue scripts and 30 forwarding scripts (3 queues
// × scheduled and retry sets, every delayedPoll) per second against Redis: negligible next to Redis's ~50k
// ops/s, but it grows with the number of worker replicas.
const (
	taskPoll        = 50 * time.Millisecond
	delayedPoll     = 200 * time.Millisecond
	shutdownTimeout = 10 * time.Second
	// unsyncedGrace leaves fresh changes to their own lead:sync task before the sweep steps in.
	unsyncedGrace = 30 * time.Second
	taskTimeout   = 2 * time.Minute
)

// Worker processes Baton's tasks.
type Worker struct {
	svc       Service
	sw        Sweeper
	client    *asynq.Client
	redis     redis.UniversalClient // sync locks
	lockTTL   time.Duration         // syncLockTTL; shorter in tests
	inspector *asynq.Inspector
	srv       *asynq.Server
	logger    *slog.Logger
	now       func() time.Time
	batch     int
	ahead     time.Duration
	pull      PullService
	tasks     TaskChecker
	rosters   RosterService
	assist    AssistService
}

// NewWorker returns a Worker on r. Start it, and Shutdown it to drain in-flight tasks.
func NewWorker(r *Redis, svc Service, sw Sweeper, cfg WorkerConfig) *Worker {
	w := &Worker{
		svc:       svc,
		sw:        sw,
		client:    asynq.NewClientFromRedisClient(r.Client),
		redis:     r.Client,
		lockTTL:   syncLockTTL,
		inspector: asynq.NewInspectorFromRedisClient(r.Client),
		logger:    orDefault(cfg.Logger),
		now:       cfg.Now,
		batch:     cfg.SweepBatch,
		ahead:     cfg.SweepAhead,
		pull:      cfg.Pull,
		tasks:     cfg.Tasks,
		rosters:   cfg.Rosters,
		assist:    cfg.Assist,
	}
	if w.ahead <= 0 {
		w.ahead = 90 * time.Second
	}
	if w.now == nil {
		w.now = time.Now
	}
	if w.batch <= 0 {
		w.batch = 500
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 10
	}
	w.srv = asynq.NewServerFromRedisClient(r.Client, asynq.Config{
		Concurrency:              cfg.Concurrency,
		Queues:                   queueWeights,
		TaskCheckInterval:        taskPoll,
		DelayedTaskCheckInterval: delayedPoll,
		ShutdownTimeout:          shutdownTimeout,
		// Periodic tasks are deduplicated across replicas by keeping the finished task for a while; the
		// janitor deletes it when that retention ends, and one pass per second keeps the deadline sharp.
		JanitorInterval: time.Second,
		Logger:          asynqLogger{w.logger},
		LogLevel:        asynq.WarnLevel,
		ErrorHandler:    asynq.ErrorHandlerFunc(w.handleError),
	})
	return w
}

// Mux returns the handlers by task type, the one Start serves.
func (w *Worker) Mux() *asynq.ServeMux {
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeLeadSync, w.handleSync)
	mux.HandleFunc(TypeLeadTimers, w.handleTimers)
	mux.HandleFunc(TypeSweep, w.handleSweep)
	mux.HandleFunc(TypeDigest, w.handleDigest)
	mux.HandleFunc(TypeFeedback, w.handleFeedback)
	w.registerPull(mux)
	w.registerTasks(mux)
	w.registerRosters(mux)
	w.registerAssist(mux)
	return mux
}

// Start begins processing in the background.
func (w *Worker) Start() error {
	if err := w.srv.Start(w.Mux()); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	return nil
}

// Shutdown stops fetching tasks and waits up to 10 s for running ones; unfinished tasks go back to the
// queue and run again elsewhere, which handlers tolerate.
func (w *Worker) Shutdown() {
	w.srv.Shutdown()
	// w.client shares r's connection, which r.Close closes.
}
