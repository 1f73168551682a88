package crm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// PushStore keeps what push sources need beside the leads: delivery ids already handled and the
// dead-letter table of records that failed validation.
type PushStore interface {
	// DeliverySeen reports whether the delivery id of source was already handled.
	DeliverySeen(ctx context.Context, source, deliveryID string) (bool, error)
	// RecordDelivery remembers a handled delivery for DeliveryMemory.
	RecordDelivery(ctx context.Context, source, deliveryID string) error
	// AddReject keeps a record that failed validation, with the reason.
	AddReject(ctx context.Context, r *Reject) error
	// Rejects lists the source's rejects, newest first, at most limit.
	Rejects(ctx context.Context, source string, limit int) ([]Reject, error)
	// LeadByExternalID returns the lead that the touch (source, externalID) belongs to, or ENOTFOUND.
	LeadByExternalID(ctx context.Context, source, externalID string) (*Lead, error)
}

// DeliveryMemory is how long a push delivery id is remembered. 简道云 documents X-JDY-DeliverId as unique per
// push "for dedupe" (https://hc.jiandaoyun.com/open/11507) but not how long it retries; a week covers any
// retry schedule a platform plausibly runs.
const DeliveryMemory = 7 * 24 * time.Hour

// Reject is a pushed record that failed validation, kept so ops can fix the form or the mapping. It is
// answered 2xx all the same, so the platform does not retry it forever.
type Reject struct {
	ID         int64
	Source     string
	DeliveryID string
	Op         string
	ExternalID string
	Field      string // the lead field at fault, when known
	Reason     string
	Record     []byte // the record as received (JSON); personal data, encrypted at rest
	At         time.Time
}

// Push is one record a platform pushed, decoded from its own body by the handler.
type Push struct {
	Op         string         // 简道云: data_create, data_update, data_remove…; webhook: empty
	Record     map[string]any // 简道云: the body's "data"; webhook: the whole body
	RawRecord  []byte         // the body as received, kept with a reject
	ExternalID string         // used when the field map gives none (简道云's _id)
	DeliveryID string         // the platform's delivery id, when it sends one
}

// PushStatus says what a push did.
type PushStatus string

// Push outcomes, as POST /api/v1/push answers them.
const (
	PushCreated   PushStatus = "created"   // a new lead
	PushTouch     PushStatus = "touch"     // a known customer or a double submit: a touch on the lead
	PushExists    PushStatus = "exists"    // a repeat of the same record: nothing changed
	PushUpdated   PushStatus = "updated"   // data_update of a known record: the lead was updated
	PushRejected  PushStatus = "rejected"  // failed validation: kept in the dead-letter table
	PushIgnored   PushStatus = "ignored"   // an op Baton does not store (data_remove, unknown ops)
	PushDuplicate PushStatus = "duplicate" // a delivery id already handled
)

// PushResult is the outcome of Service.Push.
type PushResult struct {
	Status PushStatus
	Lead   *Lead  // the lead stored or touched; nil otherwise
	Field  string // rejected: the field at fault
	Reason string // rejected or ignored: why
}

// A data_update applied to a lead is recorded as EventSourceUpdated (pullsource.go), as a re-pull is.

// Push maps and stores one pushed record for src: a create becomes a lead (or a touch), a data_update of a
// known record updates its lead, other ops are acknowledged without storing anything, and a record that
// fails validation goes to the dead-letter table. Only errors that a retry can fix are returned.
//
// Delivery ids guard the ops that are not idempotent by themselves (data_update, and whatever is only
// logged). A create carrying the record's id skips them: the (source, record id) key already makes every
// repeat of it one lead, including a record the platform pushes again under a new delivery id, and
// skipping spares each form submission two database round trips.
func (s *Service) Push(ctx context.Context, src *Source, p *Push) (*PushResult, error) {
	if s.Pushes == nil {
		return nil, Errorf(EINTERNAL, "push sources need a push store")
	}
	guard := p.DeliveryID != "" && !(pushOp(src.Kind, p.Op) == opCreate && p.ExternalID != "")
	if guard {
		dup, err := s.seenDelivery(ctx, src, p)
		if err != nil {
			return nil, err
		}
		if dup {
			return &PushResult{Status: PushDuplicate}, nil
		}
	}
	res, err := s.push(ctx, src, p, guard)
	if err != nil {
		return nil, err
	}
	if guard {
		// Recorded after the work, so a delivery that failed half-way is redone when the platform retries;
		// two copies racing both get through, which creates and touches tolerate (they are keyed by record id).
		if err := s.Pushes.RecordDelivery(ctx, src.Key, p.DeliveryID); err != nil {
			s.logger().Warn("record push delivery", "source", src.Key, "delivery_id", p.DeliveryID, "error", err)
		}
	}
	return res, nil
}

func (s *Service) seenDelivery(ctx context.Context, src *Source, p *Push) (bool, error) {
	seen, err := s.Pushes.DeliverySeen(ctx, src.Key, p.DeliveryID)
	if err != nil {
		return false, fmt.Errorf("check delivery: %w", err)
	}
	return seen, nil
}

// push does the work; guarded says Push checks and records the delivery id around it.
func (s *Service) push(ctx context.Context, src *Source, p *Push, guarded bool) (*PushResult, error) {
	op := pushOp(src.Kind, p.Op)
	if op == "" {
		return &PushResult{Status: PushIgnored, Reason: fmt.Sprintf("op %q is not stored", p.Op)}, nil
	}
	now := s.now()
	in := MapRecord(src, p.Record, p.ExternalID)
	var res *PushResult
	nl, err := in.Normalize(src.Key, now)
	if err == nil {
		err = s.normalizeLeadFields(nl)
	}
	if err == nil && op == opUpdate && nl.ExternalID != "" {
		res, err = s.pushUpdate(ctx, src, nl, now)
	}
	if err == nil && res == nil {
		res, err = s.pushCreate(ctx, src, nl, now)
	}
	if ErrorCode(err) == EINVALID {
		return s.reject(ctx, src, p, in.ExternalID, err, now, guarded)
	}
	return res, err
}

const (
	opCreate = "create"
	opUpdate = "update"
)

// pushOp reads the platform's op: 简道云's data_create and data_update are stored, data_remove,
// data_recover and anything new are not (https://hc.jiandaoyun.com/open/10732, "推送事件列表"). A webhook body
// is always an arrival.
func pushOp(kind, op string) string {
	if kind != KindJiandaoyun {
		return opCreate
	}
	switch op {
	case "data_create":
		return opCreate
	case "data_update":
		return opUpdate
	}
	return ""
}

func (s *Service) pushCreate(ctx context.Context, src *Source, nl *NewLead, now time.Time) (*PushResult, error) {
	window := src.DedupeWindow
	if window > 0 {
		nl.DedupeSince = now.Add(-window)
	}
	r, err := s.intake(ctx, src.Key, nl, now)
	if err != nil {
		return nil, err
	}
	st := PushCreated
	switch r.Status {
	case IntakeTouch:
		st = PushTouch
	case IntakeExists:
		st = PushExists
	}
	return &PushResult{Status: st, Lead: r.Lead}, nil
}

// pushUpdate applies a data_update to the record's lead: campaign, note, tags, utm and attributes follow
// the platform; the customer's contact details do not, since reps correct those themselves once they work
// the lead. A record Baton never stored (pushed before the source was set up, or rejected then) is created
// instead (nil result, nil error).
func (s *Service) pushUpdate(ctx context.Context, src *Source, nl *NewLead, now time.Time) (*PushResult, error) {
	lead, err := s.Pushes.LeadByExternalID(ctx, src.Key, nl.ExternalID)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find pushed lead: %w", err)
	}
	region := s.gradeRegion(ctx, lead)
	l, err := s.Leads.MutateLead(ctx, lead.ID, 0, func(l *Lead) ([]LeadEvent, error) {
		changed := applyUpdate(l, nl)
		if len(changed) == 0 {
			return nil, nil
		}
		s.Settings.Regrade(l, region) // tags or campaign may have moved the grade
		l.LastActivityAt = now
		return []LeadEvent{NewEvent(EventSourceUpdated, "", now, "source", src.Key,
			"fields", strings.Join(changed, ","))}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("update pushed lead %d: %w", lead.ID, err)
	}
	s.afterWrite(ctx, l)
	return &PushResult{Status: PushUpdated, Lead: l}, nil
}

// applyUpdate copies the lead-level fields of an update onto l and names those that changed.
func applyUpdate(l *Lead, nl *NewLead) []string {
	var changed []string
	if nl.Campaign != "" && nl.Campaign != l.Campaign {
		l.Campaign = nl.Campaign
		changed = append(changed, "campaign")
	}
	if nl.Note != "" && nl.Note != l.Note {
		l.Note = nl.Note
		changed = append(changed, "note")
	}
	tags := slices.Clone(l.Tags)
	for _, t := range nl.Tags {
		tags = appendUnique(tags, t)
	}
	if len(tags) != len(l.Tags) {
		l.Tags = tags
		changed = append(changed, "tags")
	}
	if len(nl.UTM) > 0 && !maps.Equal(nl.UTM, l.UTM) {
		l.UTM = nl.UTM
		changed = append(changed, "utm")
	}
	if len(nl.Attributes) > 0 && !sameAttributes(nl.Attributes, l.Attributes) {
		l.Attributes = nl.Attributes
		changed = append(changed, "attributes")
	}
	if f := MergeFields(l.Fields, nl.Fields); !sameAttributes(f, l.Fields) {
		l.Fields = f
		changed = append(changed, "fields")
	}
	return changed
}

func sameAttributes(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if fmt.Sprint(v) != fmt.Sprint(b[k]) {
			return false
		}
	}
	return true
}

// reject keeps the record in the dead-letter table. An unguarded create checks its delivery id here, on
// this rare path, so a retried reject is not kept twice.
func (s *Service) reject(ctx context.Context, src *Source, p *Push, externalID string, cause error, now time.Time, guarded bool) (*PushResult, error) {
	check := !guarded && p.DeliveryID != ""
	if check {
		dup, err := s.seenDelivery(ctx, src, p)
		if err != nil {
			return nil, err
		}
		if dup {
			return &PushResult{Status: PushDuplicate}, nil
		}
	}
	var e *Error
	errors.As(cause, &e)
	r := &Reject{Source: src.Key, DeliveryID: p.DeliveryID, Op: p.Op, ExternalID: externalID,
		Field: e.Field, Reason: e.Message, Record: p.RawRecord, At: now}
	if err := s.Pushes.AddReject(ctx, r); err != nil {
		return nil, fmt.Errorf("keep rejected push: %w", err)
	}
	if check {
		if err := s.Pushes.RecordDelivery(ctx, src.Key, p.DeliveryID); err != nil {
			s.logger().Warn("record push delivery", "source", src.Key, "delivery_id", p.DeliveryID, "error", err)
		}
	}
	return &PushResult{Status: PushRejected, Field: e.Field, Reason: e.Message}, nil
}

// PushRejects lists a push source's rejected records, newest first.
func (s *Service) PushRejects(ctx context.Context, source string, limit int) ([]Reject, error) {
	if s.Pushes == nil {
		return nil, Errorf(EINTERNAL, "push sources need a push store")
	}
	return s.Pushes.Rejects(ctx, source, limit)
}
