package crm

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// HistoryEntry is one line of a lead's history (跟进记录) as people read it: who did what, when, and what
// they wrote. It is derived from the timeline and the touches; nothing stores it.
type HistoryEntry struct {
	EventID int64
	Kind    EventKind
	ActorID string // who; empty for Baton itself or an API push
	At      time.Time
	// Text is what a person wrote: a rep's note, or the note that came with an arrival. It may quote a phone
	// number or an email address; MaskHistory hides them for readers other than the owner.
	Text string
	Data map[string]string // the event's details: stage from/to, quality, follow-up time, source…
}

// historyKinds are the timeline entries a lead's history shows. Reminders, escalations, card bookkeeping
// and the like stay in the audit trail: they say what Baton did, not what happened with the customer.
var historyKinds = map[EventKind]bool{
	EventCreated: true, EventTouch: true, EventClaimed: true, EventAssigned: true, EventReassigned: true,
	EventReleased: true, EventRecycled: true, EventStageChanged: true, EventNote: true, EventFollowUpSet: true,
	EventFeedback: true, EventPhoneRevealed: true, EventLocked: true, EventErased: true,
}

// BuildHistory turns a lead's timeline and touches into its history, newest first. A touch event (and the
// creation, for the first arrival) carries its arrival's note and author.
func BuildHistory(timeline []LeadEvent, touches []Touch) []HistoryEntry {
	byID := make(map[string]*Touch, len(touches))
	var first *Touch
	for i := range touches {
		t := &touches[i]
		byID[itoa(t.ID)] = t
		if first == nil || t.ID < first.ID {
			first = t
		}
	}
	out := make([]HistoryEntry, 0, len(timeline))
	for _, e := range timeline {
		if !historyKinds[e.Kind] {
			continue
		}
		h := HistoryEntry{EventID: e.ID, Kind: e.Kind, ActorID: e.ActorID, At: e.At, Data: e.Data}
		var t *Touch
		switch e.Kind {
		case EventNote:
			h.Text = e.Data["text"]
			if h.Text == "" && e.Data["followup"] == "" {
				continue // an erased note: nothing left to read
			}
		case EventTouch:
			t = byID[e.Data["touch"]]
		case EventCreated:
			t = first
		}
		if t != nil {
			h.Text = t.Note
			if h.ActorID == "" {
				h.ActorID = t.AuthorID
			}
		}
		out = append(out, h)
	}
	slices.SortStableFunc(out, func(a, b HistoryEntry) int {
		return cmp.Or(b.At.Compare(a.At), cmp.Compare(b.EventID, a.EventID))
	})
	return out
}

// LatestQuality is the newest quality verdict in a history, with who gave it and when; ok is false when
// nobody rated the lead yet.
func LatestQuality(h []HistoryEntry) (e HistoryEntry, ok bool) {
	for _, e := range h { // newest first
		if e.Kind == EventFeedback && e.Data["quality"] != "" {
			return e, true
		}
	}
	return HistoryEntry{}, false
}

// Notes returns the entries of h that carry words a person wrote, newest first.
func Notes(h []HistoryEntry) []HistoryEntry {
	var out []HistoryEntry
	for _, e := range h {
		if strings.TrimSpace(e.Text) != "" {
			out = append(out, e)
		}
	}
	return out
}

// CanSeeHistory says whether viewer may read lead l's history and whether what they read must be masked.
// The owner reads it as written: a new owner after a release or a reassignment inherits the notes of the
// owners before, which is the point of keeping them. The pool's managers read it with phone numbers and
// email addresses masked. Everyone else, former owners included, is refused.
func CanSeeHistory(pool *Pool, l *Lead, viewer string) (masked bool, err error) {
	switch {
	case viewer == "":
	case l.OwnerID == viewer:
		return false, nil
	case pool != nil && pool.IsManager(viewer):
		return true, nil
	}
	return false, Bilingual(EFORBIDDEN, fmt.Sprintf("只有线索 #%d 的负责人和线索池主管可以查看它的跟进记录", l.ID),
		fmt.Sprintf("Only the owner of lead #%d and its pool's managers can see its history", l.ID))
}

// MaskHistory returns a copy of h with the phone numbers and email addresses in what people wrote masked.
func MaskHistory(h []HistoryEntry) []HistoryEntry {
	out := slices.Clone(h)
	for i := range out {
		out[i].Text = MaskContacts(out[i].Text)
	}
	return out
}

var (
	// A run of digits (ASCII or full-width) with the separators people type inside phone numbers.
	phoneRun = regexp.MustCompile(`\+?[0-9０-９][0-9０-９ \-－()（）]{5,}[0-9０-９]`)
	dateLike = regexp.MustCompile(`^\d{4}[-/]\d{1,2}[-/]\d{1,2}$`)
	emailRun = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+`)
)

// MaskContacts hides the phone numbers and email addresses in free text, for readers other than the
// lead's owner: a run of seven or more digits keeps its first three (eleven digits or more) and last four
// digits, an email address keeps its first letter and domain. Dates such as 2026-12-04 are left alone.
func MaskContacts(s string) string {
	s = emailRun.ReplaceAllStringFunc(s, MaskEmail)
	return phoneRun.ReplaceAllStringFunc(s, func(m string) string {
		if dateLike.MatchString(m) {
			return m
		}
		var d []rune
		for _, r := range toHalfWidth(m) {
			if unicode.IsDigit(r) {
				d = append(d, r)
			}
		}
		switch {
		case len(d) < 7:
			return m
		case len(d) == 13 && string(d[:2]) == "86":
			d = d[2:]
		}
		if len(d) < 11 {
			return "****" + string(d[len(d)-4:])
		}
		return string(d[:3]) + "****" + string(d[len(d)-4:])
	})
}

// history reads the lead's timeline and shapes it for cards.
func (s *Service) history(ctx context.Context, leadID int64, touches []Touch) ([]HistoryEntry, error) {
	tl, err := s.Leads.Timeline(ctx, leadID)
	if err != nil {
		return nil, fmt.Errorf("read history of lead %d: %w", leadID, err)
	}
	return BuildHistory(tl, touches), nil
}

// LeadHistory is a lead's whole history as one reader may see it.
type LeadHistory struct {
	View   LeadView // View.History holds the entries, masked when Masked is set
	Masked bool     // the reader is not the owner: phones and emails in notes are masked
}

// History returns lead leadID's history for viewer, or EFORBIDDEN when viewer may not read it (see
// CanSeeHistory).
func (s *Service) History(ctx context.Context, leadID int64, viewer string) (*LeadHistory, error) {
	l, err := s.Leads.Lead(ctx, leadID)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return nil, Bilingual(ENOTFOUND, fmt.Sprintf("没有线索 #%d", leadID), fmt.Sprintf("There is no lead #%d", leadID))
		}
		return nil, fmt.Errorf("history of lead %d: %w", leadID, err)
	}
	pool, _ := s.Settings.Pool(l.Pool)
	masked, err := CanSeeHistory(pool, l, viewer)
	if err != nil {
		return nil, err
	}
	v, err := s.ViewOf(ctx, l)
	if err != nil {
		return nil, fmt.Errorf("history of lead %d: %w", leadID, err)
	}
	if masked {
		v.History = MaskHistory(v.History)
	}
	return &LeadHistory{View: v, Masked: masked}, nil
}
