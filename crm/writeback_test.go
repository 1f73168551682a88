package crm

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestWriteBackStateOf(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		e     LeadEvent
		state WriteBackState
		q     Quality
		ok    bool
	}{
		{"contacted", NewEvent(EventStageChanged, "ou", at, "from", "new", "to", "contacted"), WriteBackContacted, "", true},
		{"won", NewEvent(EventStageChanged, "ou", at, "from", "contacted", "to", "won"), WriteBackWon, "", true},
		{"lost", NewEvent(EventStageChanged, "ou", at, "from", "new", "to", "lost"), WriteBackLost, "", true},
		{"qualified says nothing", NewEvent(EventStageChanged, "ou", at, "from", "contacted", "to", "qualified"), "", "", false},
		{"invalid number", NewEvent(EventFeedback, "ou", at, "quality", "invalid_number"), WriteBackInvalid, QualityInvalidNumber, true},
		{"duplicate", NewEvent(EventFeedback, "ou", at, "quality", "duplicate"), WriteBackInvalid, QualityDuplicate, true},
		{"good fit says nothing", NewEvent(EventFeedback, "ou", at, "quality", "good_fit"), "", "", false},
		{"a note says nothing", NewEvent(EventNote, "ou", at, "text", "hi"), "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			state, q, ok := WriteBackStateOf(tt.e)
			if state != tt.state || q != tt.q || ok != tt.ok {
				t.Errorf("WriteBackStateOf = %q, %q, %v; want %q, %q, %v", state, q, ok, tt.state, tt.q, tt.ok)
			}
		})
	}
}

// TestPlanWriteBacks: states with a platform code are sent (the latest per lead), the rest recorded as
// skipped or superseded so they are not read again.
func TestPlanWriteBacks(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	ev := func(id, lead int64, kind EventKind, kv ...string) LeadEvent {
		e := NewEvent(kind, "ou", now, kv...)
		e.ID, e.LeadID = id, lead
		return e
	}
	ps := &PullSource{
		States:  map[WriteBackState]string{WriteBackContacted: "194", WriteBackWon: "196", WriteBackInvalid: "197"},
		Reasons: map[Quality]string{QualityInvalidNumber: "INVALID_NUMBER"},
	}
	evs := []WriteBackEvent{
		{ExternalID: "c1", Event: ev(1, 10, EventStageChanged, "to", "contacted")},
		{ExternalID: "c2", Event: ev(2, 20, EventFeedback, "quality", "invalid_number")},
		{ExternalID: "c1", Event: ev(3, 10, EventStageChanged, "to", "won", "value", "1200000")},
		{ExternalID: "c3", Event: ev(4, 30, EventStageChanged, "to", "lost")}, // no code for lost
		{ExternalID: "c3", Event: ev(5, 30, EventFeedback, "quality", "good_fit")},
		{ExternalID: "", Event: ev(6, 40, EventStageChanged, "to", "won")}, // not a platform lead
	}
	items, recs := (&Puller{}).planWriteBacks("feiyu", ps, evs, now)
	wantItems := []WriteBack{
		{EventID: 3, LeadID: 10, ExternalID: "c1", State: WriteBackWon, Code: "196", Value: 1200000},
		{EventID: 2, LeadID: 20, ExternalID: "c2", State: WriteBackInvalid, Code: "197", Reason: "INVALID_NUMBER"},
	}
	if diff := cmp.Diff(wantItems, items); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	outcome := map[int64]string{}
	for _, r := range recs {
		outcome[r.EventID] = r.Outcome
	}
	want := map[int64]string{1: WriteBackSuperseded, 4: WriteBackSkipped, 5: WriteBackSkipped, 6: WriteBackSkipped}
	if diff := cmp.Diff(want, outcome); diff != "" {
		t.Errorf("ledger (-want +got):\n%s", diff)
	}
}

func TestPullWindow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 3, 10, 30, 0, 0, time.UTC)
	ps := &PullSource{Overlap: 10 * time.Minute, FirstWindow: time.Hour}
	if from, to := PullWindow(ps, time.Time{}, now); !from.Equal(now.Add(-time.Hour)) || !to.Equal(now) {
		t.Errorf("first window = %s–%s", from, to)
	}
	if from, _ := PullWindow(ps, now.Add(-time.Minute), now); !from.Equal(now.Add(-11 * time.Minute)) {
		t.Errorf("next window starts %s, want the last end minus the overlap", from)
	}
	if from, _ := PullWindow(ps, now.Add(time.Hour), now); !from.Equal(now) {
		t.Errorf("a stored end in the future (clock moved back) gives %s, want now", from)
	}
}
