package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// Task types of the pull sources.
const (
	TypeSourcePull = "source:pull"    // pull one source's new leads (and its due re-pulls)
	TypeWriteBack  = "writeback:send" // report one source's pending conversion states to its platform
)

// PullService is what the pull handlers call; cmd/baton adapts crm.Puller to it.
type PullService interface {
	Pull(ctx context.Context, source string) error
	// WriteBack reports pending states; it returns nil at once for sources without write_back.
	WriteBack(ctx context.Context, source string) error
}

// sourcePayload is the payload of source:pull and writeback:send.
type sourcePayload struct {
	Source string `json:"source"`
}

// NewPullTask is a pull of one source. Its id is fixed per source, so replicas' schedulers (and a backfill
// started by hand) never run two pulls of one source at once.
func NewPullTask(source string) (*asynq.Task, []asynq.Option) {
	b, _ := json.Marshal(sourcePayload{Source: source})
	return asynq.NewTask(TypeSourcePull, b, asynq.Queue(QueueLow), asynq.MaxRetry(3), asynq.Timeout(taskTimeout)),
		[]asynq.Option{asynq.TaskID(pullTaskID(source))}
}

func pullTaskID(source string) string { return "periodic:" + TypeSourcePull + ":" + source }

func newWriteBackTask(source string) *asynq.Task {
	b, _ := json.Marshal(sourcePayload{Source: source})
	// A platform that keeps failing is retried with asynq's backoff; the events wait in the timeline.
	return asynq.NewTask(TypeWriteBack, b, asynq.Queue(QueueLow), asynq.MaxRetry(maxRetry), asynq.Timeout(taskTimeout))
}

func writeBackTaskID(source string) string { return "writeback:" + source }

func (w *Worker) registerPull(mux *asynq.ServeMux) {
	if w.pull == nil {
		return
	}
	mux.HandleFunc(TypeSourcePull, w.handlePull)
	mux.HandleFunc(TypeWriteBack, w.handleWriteBack)
}

// handlePull pulls the source, then wakes its write-back: a state set since the last tick goes out within
// one pull period even when the pull itself failed.
func (w *Worker) handlePull(ctx context.Context, t *asynq.Task) error {
	p, err := decode[sourcePayload](t)
	if err != nil {
		return err
	}
	errPull := w.pull.Pull(ctx, p.Source)
	errWB := w.wakeWriteBack(ctx, p.Source)
	if errWB != nil {
		errWB = fmt.Errorf("enqueue write-back of %s: %w", p.Source, errWB)
	}
	return classify(errors.Join(errPull, errWB))
}

// wakeWriteBack enqueues the source's write-back, or brings forward one waiting out asynq's backoff after a
// failure: each pull tick gives a struggling platform another chance, and the backoff only spaces the
// tries between ticks.
func (w *Worker) wakeWriteBack(ctx context.Context, source string) error {
	id := writeBackTaskID(source)
	if err := w.enqueueSweep(ctx, newWriteBackTask(source), QueueLow, id); err != nil {
		return err
	}
	info, err := w.inspector.GetTaskInfo(QueueLow, id)
	if err != nil || info.State != asynq.TaskStateRetry {
		return nil
	}
	if err := w.inspector.RunTask(QueueLow, id); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
		return fmt.Errorf("bring forward write-back: %w", err)
	}
	return nil
}

func (w *Worker) handleWriteBack(ctx context.Context, t *asynq.Task) error {
	p, err := decode[sourcePayload](t)
	if err != nil {
		return err
	}
	return classify(w.pull.WriteBack(ctx, p.Source))
}

// PullTick is one pull source's schedule.
type PullTick struct {
	Source string
	Every  time.Duration
}

// AddPulls registers a pull tick per source. Each tick has a fixed task id kept for most of a period (as
// the sweep's), so with several replicas' schedulers one pull per source runs per period.
func (p *Periodic) AddPulls(ticks []PullTick) error {
	for _, tk := range ticks {
		every := max(tk.Every, 2*time.Second)
		t, opts := NewPullTask(tk.Source)
		opts = append(opts, asynq.Retention(every*6/10))
		if _, err := p.s.Register(fmt.Sprintf("@every %s", every), t, opts...); err != nil {
			return fmt.Errorf("register pull of %s: %w", tk.Source, err)
		}
	}
	return nil
}

// clearArchivedPull deletes the archived task of a source's pull tick, which would block its later ticks.
func (p *Periodic) clearArchivedPull(t *asynq.Task) {
	if t.Type() != TypeSourcePull {
		return
	}
	if pl, err := decode[sourcePayload](t); err == nil {
		p.clearArchivedID(pullTaskID(pl.Source))
	}
}
