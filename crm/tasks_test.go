package crm

import (
	"testing"
	"time"
)

// TestFoldTask: the events after the cursor decide what the task becomes; the last word wins, and the
// event that set the follow-up keys the task's creation.
func TestFoldTask(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	ev := func(id int64, kind EventKind, kv ...string) LeadEvent {
		e := NewEvent(kind, "ou_rep", at.Add(time.Duration(id)*time.Minute), kv...)
		e.ID = id
		return e
	}
	tests := []struct {
		name   string
		evs    []LeadEvent
		after  int64
		intent taskIntent
		setAt  int64
		last   int64
	}{
		{"nothing new", []LeadEvent{ev(1, EventFollowUpSet)}, 1, intentNone, 0, 1},
		{"set", []LeadEvent{ev(1, EventCreated), ev(2, EventFollowUpSet)}, 0, intentOpen, 2, 2},
		{"set then snoozed", []LeadEvent{ev(2, EventFollowUpSet), ev(3, EventFollowUpDue), ev(4, EventFollowUpSet, "snooze", "1h")}, 0, intentOpen, 4, 4},
		{"reminder fired: the task stays", []LeadEvent{ev(3, EventFollowUpDue)}, 2, intentNone, 0, 3},
		{"done", []LeadEvent{ev(5, EventNote, "followup", "done")}, 4, intentDone, 0, 5},
		{"a plain note", []LeadEvent{ev(5, EventNote, "text", "called")}, 4, intentNone, 0, 5},
		{"closed", []LeadEvent{ev(6, EventStageChanged, "to", string(StageWon))}, 0, intentDone, 0, 6},
		{"stage moved on, still open", []LeadEvent{ev(6, EventStageChanged, "to", string(StageQualified))}, 0, intentNone, 0, 6},
		{"released", []LeadEvent{ev(7, EventReleased)}, 0, intentDone, 0, 7},
		{"done, then a new follow-up", []LeadEvent{ev(8, EventNote, "followup", "done"), ev(9, EventFollowUpSet)}, 0, intentOpen, 9, 9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			intent, setAt, _, last := foldTask(tc.evs, tc.after)
			if intent != tc.intent || setAt != tc.setAt || last != tc.last {
				t.Fatalf("foldTask = %v, %d, last %d; want %v, %d, last %d", intent, setAt, last, tc.intent, tc.setAt, tc.last)
			}
		})
	}
}
