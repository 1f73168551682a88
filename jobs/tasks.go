package jobs

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// Task types, noun:verb.
const (
	TypeLeadSync   = "lead:sync"     // deliver a lead's cards and pending notifications
	TypeLeadTimers = "lead:timers"   // run a lead's due timers (SLA steps, reminders, recycling)
	TypeSweep      = "sweep:run"     // re-derive due and unsynced leads from the database
	TypeDigest     = "digest:post"   // post the weekly digests
	TypeFeedback   = "feedback:post" // post the sales → ops quality roll-up
)

// Queues and their weights: card updates a person is waiting for go first, timers next, housekeeping last.
const (
	QueueCritical = "critical"
	QueueDefault  = "default"
	QueueLow      = "low"
)

var queueWeights = map[string]int{QueueCritical: 6, QueueDefault: 3, QueueLow: 1}

// maxRetry caps asynq's exponential backoff at roughly a day of attempts.
const maxRetry = 10

// leadPayload is the payload of lead:sync.
type leadPayload struct {
	Lead int64 `json:"lead"`
	Wait int   `json:"wait,omitempty"` // follow-ups of a sync that found the lead locked (synclock.go)
}

// timerPayload is the payload of lead:timers. Due is kept in the payload because asynq stores ProcessAt in
// whole seconds; Early counts re-enqueues after firing before Due.
type timerPayload struct {
	Lead  int64  `json:"lead"`
	Key   string `json:"key"`
	Due   int64  `json:"due_ms"`
	Early int    `json:"early,omitempty"`
}

func newSyncTask(lead int64) *asynq.Task { return newSyncTaskFor(leadPayload{Lead: lead}) }

func newSyncTaskFor(p leadPayload) *asynq.Task {
	b, _ := json.Marshal(p) // marshalling plain ints cannot fail
	return asynq.NewTask(TypeLeadSync, b, asynq.Queue(QueueCritical), asynq.MaxRetry(maxRetry),
		asynq.Timeout(taskTimeout))
}

func newTimerTask(p timerPayload) *asynq.Task {
	b, _ := json.Marshal(p)
	return asynq.NewTask(TypeLeadTimers, b, asynq.Queue(QueueDefault), asynq.MaxRetry(maxRetry),
		asynq.Timeout(taskTimeout))
}

// newTickTask is a periodic task. It carries no payload: the handler reads the clock, so a tick that ran
// late reports the period it actually covers.
func newTickTask(typ string) *asynq.Task {
	return asynq.NewTask(typ, nil, asynq.Queue(QueueLow), asynq.MaxRetry(3), asynq.Timeout(taskTimeout))
}

func decode[T any](t *asynq.Task) (T, error) {
	var p T
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return p, fmt.Errorf("decode %s payload: %v: %w", t.Type(), err, asynq.SkipRetry)
	}
	return p, nil
}

// ceilSecond rounds t up to the next whole second: asynq truncates ProcessAt to seconds, so an unrounded
// time would fire up to a second early.
func ceilSecond(t time.Time) time.Time {
	if r := t.Truncate(time.Second); r.Before(t) {
		return r.Add(time.Second)
	}
	return t
}

func syncTaskID(lead, rev int64) string { return fmt.Sprintf("sync:%d:r%d", lead, rev) }

func timerTaskID(lead int64, key string) string { return fmt.Sprintf("timer:%d:%s", lead, key) }
