package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// TypeTasksCheck carries follow-ups over to Feishu tasks that lag and reads open tasks' completion.
const TypeTasksCheck = "tasks:check"

// TaskChecker is what the tasks:check handler calls; crm.Service implements it.
type TaskChecker interface {
	CheckTasks(ctx context.Context, now time.Time) error
}

func (w *Worker) registerTasks(mux *asynq.ServeMux) {
	if w.tasks == nil {
		return
	}
	mux.HandleFunc(TypeTasksCheck, func(ctx context.Context, _ *asynq.Task) error {
		return classify(w.tasks.CheckTasks(ctx, w.now()))
	})
}

// AddTasksCheck registers the tasks:check tick. As the sweep's, its task id is fixed and kept for most of
// a period, so several replicas' schedulers run one check per period.
func (p *Periodic) AddTasksCheck(every time.Duration) error {
	every = max(every, 2*time.Second)
	t := newTickTask(TypeTasksCheck)
	if _, err := p.s.Register(fmt.Sprintf("@every %s", every), t,
		asynq.TaskID(periodicID(TypeTasksCheck)), asynq.Retention(every*6/10)); err != nil {
		return fmt.Errorf("register tasks check: %w", err)
	}
	return nil
}
