package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/hibiken/asynq"

	"github.com/baton-crm/baton/crm"
)

// Task types of the optional assistant.
const (
	TypeAssistSummary = "assist:summary" // summarise the note an owner just saved, offer it with buttons
	TypeAssistBrief   = "assist:brief"   // brief a returning customer's owner
	TypeAssistExtract = "assist:extract" // read text pasted after /lead into a proposed lead form
)

// AssistService is what the assistant's handlers call; cmd/baton adapts crm.Service and the cards to it.
// Each method delivers its own card, degrading to a card that says why when the model cannot help.
type AssistService interface {
	Summarize(ctx context.Context, leadID, rev int64, actor string) error
	Brief(ctx context.Context, leadID, rev int64) error
	Extract(ctx context.Context, actor, messageID, text string) error
}

// assistPayload is the payload of the assist tasks. Text is set only for assist:extract: the pasted
// text has no id to re-read it by. Those tasks are kept for no time once done (asynq's default).
type assistPayload struct {
	Lead    int64  `json:"lead,omitempty"`
	Rev     int64  `json:"rev,omitempty"`
	Actor   string `json:"actor,omitempty"`
	Message string `json:"message,omitempty"`
	Text    string `json:"text,omitempty"`
}

// assistRetry is small: a person waits for the card, and each try counts against the daily budget. The
// handlers turn failures into a card, so retries only cover Lark and the database.
const assistRetry = 2

// AssistQueue enqueues the assistant's tasks; it implements crm.AssistQueue.
type AssistQueue struct {
	Client *asynq.Client
}

var _ crm.AssistQueue = AssistQueue{}

func (q AssistQueue) enqueue(ctx context.Context, typ, id string, p assistPayload) error {
	b, _ := json.Marshal(p) // plain strings and ints
	_, err := q.Client.EnqueueContext(ctx, asynq.NewTask(typ, b, asynq.Queue(QueueCritical), asynq.MaxRetry(assistRetry),
		asynq.Timeout(taskTimeout)), asynq.TaskID(id))
	if err != nil && err != asynq.ErrTaskIDConflict {
		return fmt.Errorf("enqueue %s: %w", typ, err)
	}
	return nil
}

// Summarize implements crm.AssistQueue: one task per lead revision.
func (q AssistQueue) Summarize(ctx context.Context, leadID, rev int64, actor string) error {
	return q.enqueue(ctx, TypeAssistSummary, "assist:summary:"+strconv.FormatInt(leadID, 10)+":r"+strconv.FormatInt(rev, 10),
		assistPayload{Lead: leadID, Rev: rev, Actor: actor})
}

// Brief implements crm.AssistQueue: one task per lead revision.
func (q AssistQueue) Brief(ctx context.Context, leadID, rev int64) error {
	return q.enqueue(ctx, TypeAssistBrief, "assist:brief:"+strconv.FormatInt(leadID, 10)+":r"+strconv.FormatInt(rev, 10),
		assistPayload{Lead: leadID, Rev: rev})
}

// Extract implements crm.AssistQueue: one task per card to fill.
func (q AssistQueue) Extract(ctx context.Context, actor, messageID, text string) error {
	return q.enqueue(ctx, TypeAssistExtract, "assist:extract:"+messageID,
		assistPayload{Actor: actor, Message: messageID, Text: text})
}

func (w *Worker) registerAssist(mux *asynq.ServeMux) {
	if w.assist == nil {
		return
	}
	mux.HandleFunc(TypeAssistSummary, func(ctx context.Context, t *asynq.Task) error {
		p, err := decode[assistPayload](t)
		if err != nil {
			return err
		}
		return classify(w.assist.Summarize(ctx, p.Lead, p.Rev, p.Actor))
	})
	mux.HandleFunc(TypeAssistBrief, func(ctx context.Context, t *asynq.Task) error {
		p, err := decode[assistPayload](t)
		if err != nil {
			return err
		}
		return classify(w.assist.Brief(ctx, p.Lead, p.Rev))
	})
	mux.HandleFunc(TypeAssistExtract, func(ctx context.Context, t *asynq.Task) error {
		p, err := decode[assistPayload](t)
		if err != nil {
			return err
		}
		return classify(w.assist.Extract(ctx, p.Actor, p.Message, p.Text))
	})
}
