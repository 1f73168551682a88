package crm

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// WriteBackState is what Baton tells an ad platform about a lead it pulled from there (conversion
// feedback, so the platform bids for leads that sell).
type WriteBackState string

// Write-back states, in funnel order.
const (
	WriteBackInvalid   WriteBackState = "invalid"   // sales found the number invalid or the lead a duplicate
	WriteBackContacted WriteBackState = "contacted" // the lead moved to the contacted stage
	WriteBackWon       WriteBackState = "won"
	WriteBackLost      WriteBackState = "lost"
)

// WriteBackStates lists every state, for configuration checks.
var WriteBackStates = []WriteBackState{WriteBackInvalid, WriteBackContacted, WriteBackWon, WriteBackLost}

// writeBackKinds are the timeline entries that can carry a write-back state.
var writeBackKinds = []EventKind{EventStageChanged, EventFeedback}

// WriteBackStateOf says which state a timeline event reports, and for an invalid lead the quality verdict
// behind it. A stage change to contacted, won or lost and a quality verdict of invalid_number or duplicate
// report; nothing else does.
func WriteBackStateOf(e LeadEvent) (WriteBackState, Quality, bool) {
	switch e.Kind {
	case EventStageChanged:
		switch Stage(e.Data["to"]) {
		case StageContacted:
			return WriteBackContacted, "", true
		case StageWon:
			return WriteBackWon, "", true
		case StageLost:
			return WriteBackLost, "", true
		}
	case EventFeedback:
		switch q := Quality(e.Data["quality"]); q {
		case QualityInvalidNumber, QualityDuplicate:
			return WriteBackInvalid, q, true
		}
	}
	return "", "", false
}

// WriteBackEvent is a timeline event of a pulled lead, with what the platform knows the lead by.
type WriteBackEvent struct {
	Event      LeadEvent
	ExternalID string
}

// WriteBack is one conversion state to report for one platform lead.
type WriteBack struct {
	EventID    int64
	LeadID     int64
	ExternalID string
	State      WriteBackState
	Code       string // the platform's code for State
	Reason     string // the platform's reason code for an invalid lead; may be empty
	Value      int64  // deal value in cents, for won
}

// WriteBackRefusal is an item the platform refused, with its message.
type WriteBackRefusal struct {
	EventID int64
	Message string
}

// Write-back ledger outcomes.
const (
	WriteBackSent       = "sent"       // the platform accepted it
	WriteBackRefused    = "refused"    // the platform refused it; not sent again
	WriteBackSkipped    = "skipped"    // the event asks for nothing, or the state has no platform code
	WriteBackSuperseded = "superseded" // a later state of the same lead went in the same batch
)

// WriteBackRecord is one ledger entry: what became of a timeline event.
type WriteBackRecord struct {
	EventID int64
	Source  string
	LeadID  int64
	State   WriteBackState
	Outcome string
	Detail  string
	At      time.Time
}

// WriteBackLookback bounds how old an event may be and still be reported: the outbox is read by time, so
// its scan stays small however long the timeline grows. Platforms do not take feedback on leads months old.
const WriteBackLookback = 30 * 24 * time.Hour

// writeBackScan is how many candidate events one run reads.
const writeBackScan = 500

// WriteBackStats says what one write-back run did.
type WriteBackStats struct {
	Sent, Refused, Skipped int
}

// WriteBack reports the source's pending conversion states to its platform: it reads the timeline
// events no ledger entry covers yet, batches the ones that carry a state (MaxReport per call, the latest
// state per lead), and records every outcome. A batch the platform did not answer (5xx after the client's
// retries, a dropped connection) stays unrecorded and is sent by a later run: the timeline is the outbox,
// so a restart loses nothing.
func (p *Puller) WriteBack(ctx context.Context, key string) (WriteBackStats, error) {
	var st WriteBackStats
	src, plat, err := p.source(key)
	if err != nil {
		return st, err
	}
	if !src.Pull.WriteBack {
		return st, nil
	}
	now := p.Service.now()
	evs, err := p.Store.WriteBackCandidates(ctx, key, writeBackKinds, now.Add(-WriteBackLookback), writeBackScan)
	if err != nil {
		return st, fmt.Errorf("read write-back candidates of %s: %w", key, err)
	}
	items, recs := p.planWriteBacks(key, src.Pull, evs, now)
	st.Skipped = len(recs)
	if err := p.Store.RecordWriteBacks(ctx, recs); err != nil {
		return st, err
	}
	max := max(plat.MaxReport(), 1)
	var errs []error
	for start := 0; start < len(items); start += max {
		batch := items[start:min(start+max, len(items))]
		refused, err := plat.Report(ctx, batch)
		if err != nil {
			errs = append(errs, fmt.Errorf("report %d states to %s: %w", len(batch), key, err))
			if !temporary(err) {
				continue
			}
			break // the platform is struggling: the rest waits for the next run
		}
		why := make(map[int64]string, len(refused))
		for _, r := range refused {
			why[r.EventID] = r.Message
		}
		recs := make([]WriteBackRecord, 0, len(batch))
		for _, it := range batch {
			rec := WriteBackRecord{EventID: it.EventID, Source: key, LeadID: it.LeadID, State: it.State, Outcome: WriteBackSent, At: now}
			if msg, ok := why[it.EventID]; ok {
				rec.Outcome, rec.Detail = WriteBackRefused, Truncate(msg, 200)
				st.Refused++
				p.Service.logger().Warn("platform refused a write-back", "source", key, "lead_id", it.LeadID, "event_id", it.EventID, "state", it.State)
			} else {
				st.Sent++
			}
			recs = append(recs, rec)
		}
		if err := p.Store.RecordWriteBacks(ctx, recs); err != nil {
			return st, err
		}
	}
	return st, errors.Join(errs...)
}

// planWriteBacks turns candidate events into the items to send and the ledger entries of events that
// send nothing: events with no state or no platform code, and earlier states of a lead whose later state
// goes in the same run (the platform keeps only the last one anyway).
func (p *Puller) planWriteBacks(key string, ps *PullSource, evs []WriteBackEvent, now time.Time) ([]WriteBack, []WriteBackRecord) {
	var items []WriteBack
	var recs []WriteBackRecord
	last := map[int64]int{} // lead → index in items
	for _, c := range evs {
		e := c.Event
		skip := WriteBackRecord{EventID: e.ID, Source: key, LeadID: e.LeadID, Outcome: WriteBackSkipped, At: now}
		state, q, ok := WriteBackStateOf(e)
		code := ps.States[state]
		if !ok || code == "" || c.ExternalID == "" {
			skip.State = state
			recs = append(recs, skip)
			continue
		}
		it := WriteBack{EventID: e.ID, LeadID: e.LeadID, ExternalID: c.ExternalID, State: state, Code: code, Reason: ps.Reasons[q]}
		if state == WriteBackWon {
			it.Value, _ = strconv.ParseInt(e.Data["value"], 10, 64)
		}
		if i, seen := last[e.LeadID]; seen {
			old := items[i]
			recs = append(recs, WriteBackRecord{EventID: old.EventID, Source: key, LeadID: old.LeadID, State: old.State, Outcome: WriteBackSuperseded, At: now})
			items[i] = it
			continue
		}
		last[e.LeadID] = len(items)
		items = append(items, it)
	}
	return items, recs
}

// temporary reports whether err may go away by retrying; errors that do not say are temporary.
func temporary(err error) bool {
	var t interface{ Temporary() bool }
	return !errors.As(err, &t) || t.Temporary()
}
