package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/baton-crm/baton/crm"
)

// TypeRosterRefresh re-reads the members of pools that take them from Feishu departments.
const TypeRosterRefresh = "roster:refresh"

// RosterService is what the roster task calls; crm.Service implements it.
type RosterService interface {
	RefreshRosters(ctx context.Context) error
}

// RosterRefreshEvery is how often department pools re-read their members when no contact event said
// anything changed (the issue asks for at least hourly).
const RosterRefreshEvery = time.Hour

// rosterSoonID is the task id of an event-driven refresh: a burst of contact events (a reorganisation
// moves dozens of people) queues one refresh, not one per event.
const rosterSoonID = "roster:soon"

// rosterDebounce lets the rest of such a burst arrive before the refresh reads Lark.
const rosterDebounce = 2 * time.Second

var _ crm.RosterQueue = (*Scheduler)(nil)

// RefreshRostersSoon queues a roster refresh shortly, unless one is already queued.
func (s *Scheduler) RefreshRostersSoon(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, enqueueTimeout)
	defer cancel()
	_, err := s.c.EnqueueContext(ctx, newTickTask(TypeRosterRefresh), asynq.TaskID(rosterSoonID),
		asynq.ProcessIn(rosterDebounce))
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueue roster refresh: %w", err)
	}
	return nil
}

func (w *Worker) registerRosters(mux *asynq.ServeMux) {
	if w.rosters == nil {
		return
	}
	mux.HandleFunc(TypeRosterRefresh, func(ctx context.Context, _ *asynq.Task) error {
		return classify(w.rosters.RefreshRosters(ctx))
	})
}

// AddRosterRefresh schedules the hourly roster refresh (one per period across replicas, as the sweep) and
// queues one now, so a pool added to baton.yaml has members without waiting an hour.
func (p *Periodic) AddRosterRefresh() error {
	opts := []asynq.Option{asynq.TaskID(periodicID(TypeRosterRefresh)), asynq.Retention(RosterRefreshEvery * 6 / 10)}
	if _, err := p.s.Register(fmt.Sprintf("@every %s", RosterRefreshEvery), newTickTask(TypeRosterRefresh), opts...); err != nil {
		return fmt.Errorf("register roster refresh: %w", err)
	}
	_, err := p.client.Enqueue(newTickTask(TypeRosterRefresh), asynq.TaskID(rosterSoonID))
	p.logEnqueue("startup roster refresh", err)
	return nil
}
