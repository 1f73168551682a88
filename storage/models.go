package storage

import (
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baton-crm/baton/crm"
)

// Rows mirror the tables. Zero values map to NULL (nullzero) so that "not yet" times, absent owners and
// absent external ids are NULL in SQL, which the partial and unique indexes rely on.

type customerRow struct {
	bun.BaseModel `bun:"table:customers"`

	ID        int64     `bun:"id,pk,autoincrement"`
	NameEnc   []byte    `bun:"name_enc,nullzero"`
	PhoneEnc  []byte    `bun:"phone_enc,nullzero"`
	PhoneHash []byte    `bun:"phone_hash,nullzero"`
	EmailEnc  []byte    `bun:"email_enc,nullzero"`
	EmailHash []byte    `bun:"email_hash,nullzero"`
	Company   string    `bun:"company,notnull"`
	Title     string    `bun:"title,notnull"`
	Region    string    `bun:"region,notnull"`
	Tags      []string  `bun:"tags,nullzero"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	ErasedAt  time.Time `bun:"erased_at,nullzero"`
}

type leadRow struct {
	bun.BaseModel `bun:"table:leads"`

	ID             int64             `bun:"id,pk,autoincrement"`
	CustomerID     int64             `bun:"customer_id,notnull"`
	Source         string            `bun:"source,notnull"`
	ExternalID     string            `bun:"external_id,nullzero"`
	Campaign       string            `bun:"campaign,notnull"`
	UTM            map[string]string `bun:"utm,nullzero"`
	Tags           []string          `bun:"tags,nullzero"`
	Note           string            `bun:"note,notnull"`
	Attributes     map[string]any    `bun:"attributes,nullzero"`
	Fields         map[string]any    `bun:"fields,nullzero"`     // custom fields but the pii ones
	FieldsEnc      []byte            `bun:"fields_enc,nullzero"` // pii custom fields, sealed JSON
	Pool           string            `bun:"pool,notnull"`
	Stage          string            `bun:"stage,notnull"`
	IsOpen         bool              `bun:"is_open,notnull"`
	OwnerID        string            `bun:"owner_id,nullzero"`
	Rev            int64             `bun:"rev,notnull"`
	Locked         bool              `bun:"locked,notnull"`
	CreatedAt      time.Time         `bun:"created_at,notnull"`
	PooledAt       time.Time         `bun:"pooled_at,nullzero"`
	ClaimedAt      time.Time         `bun:"claimed_at,nullzero"`
	FirstContactAt time.Time         `bun:"first_contact_at,nullzero"`
	LastActivityAt time.Time         `bun:"last_activity_at,nullzero"`
	ProtectedUntil time.Time         `bun:"protected_until,nullzero"`
	FollowUpAt     time.Time         `bun:"follow_up_at,nullzero"`
	ClosedAt       time.Time         `bun:"closed_at,nullzero"`
	LostReason     string            `bun:"lost_reason,notnull"`
	Value          int64             `bun:"value,notnull"`
	PrevOwnerID    string            `bun:"prev_owner_id,nullzero"`
	ReleasedAt     time.Time         `bun:"released_at,nullzero"`
	SLAFrom        time.Time         `bun:"sla_from,nullzero"`
	SLAStep        int               `bun:"sla_step,notnull"`
	WarnedAt       time.Time         `bun:"warned_at,nullzero"`
	CardsRefreshed time.Time         `bun:"cards_refreshed_at,nullzero"`
	CardsWithheld  bool              `bun:"cards_withheld,notnull"`
	NextDueAt      time.Time         `bun:"next_due_at,nullzero"`
	PoolMessageID  string            `bun:"pool_message_id,nullzero"`
	OwnerMessageID string            `bun:"owner_message_id,nullzero"`
	OwnerCardFor   string            `bun:"owner_card_for,nullzero"`
	CardsRev       int64             `bun:"cards_rev,notnull"`
	PoolEpoch      int               `bun:"pool_epoch,notnull"`
	PoolCardEpoch  int               `bun:"pool_card_epoch,notnull"`
	GradeLetter    string            `bun:"grade_letter,notnull"`
	GradePoints    int               `bun:"grade_points,notnull"`
	GradeReasons   []gradeReasonJSON `bun:"grade_reasons,nullzero"`
	UpdatedAt      time.Time         `bun:"updated_at,notnull"`
}

// leadWriteColumns are the columns a lead write (MutateLead, ClaimLead, a touch) sets. Identity, creation
// and card bookkeeping are absent: SetCardState owns cards_rev and owner_card_for, and the message ids are
// added only when fn changed them, so a card sent meanwhile is not forgotten.
var leadWriteColumns = []string{
	"source", "external_id", "campaign", "utm", "tags", "note", "attributes", "fields", "fields_enc", "pool", "stage", "is_open",
	"owner_id", "rev", "locked", "pooled_at", "claimed_at", "first_contact_at", "last_activity_at",
	"protected_until", "follow_up_at", "closed_at", "lost_reason", "value", "prev_owner_id", "released_at",
	"sla_from", "sla_step", "warned_at", "next_due_at", "pool_epoch", "updated_at", "cards_refreshed_at", "cards_withheld",
	"grade_letter", "grade_points", "grade_reasons",
}

type touchRow struct {
	bun.BaseModel `bun:"table:touches"`

	ID         int64             `bun:"id,pk,autoincrement"`
	LeadID     int64             `bun:"lead_id,notnull"`
	CustomerID int64             `bun:"customer_id,notnull"`
	Source     string            `bun:"source,notnull"`
	ExternalID string            `bun:"external_id,nullzero"`
	Campaign   string            `bun:"campaign,notnull"`
	UTM        map[string]string `bun:"utm,nullzero"`
	Note       string            `bun:"note,notnull"`
	AuthorID   string            `bun:"author_id,nullzero"`
	CreatedAt  time.Time         `bun:"created_at,notnull"`
}

type eventRow struct {
	bun.BaseModel `bun:"table:lead_events"`

	ID         int64             `bun:"id,pk,autoincrement"`
	LeadID     int64             `bun:"lead_id,notnull"`
	Kind       string            `bun:"kind,notnull"`
	ActorID    string            `bun:"actor_id,nullzero"`
	At         time.Time         `bun:"at,notnull"`
	Data       map[string]string `bun:"data,nullzero"`
	Notify     bool              `bun:"notify,notnull"`
	NotifiedAt time.Time         `bun:"notified_at,nullzero"`
}

type ownerRow struct {
	bun.BaseModel `bun:"table:lead_owners"`

	ID        int64     `bun:"id,pk,autoincrement"`
	LeadID    int64     `bun:"lead_id,notnull"`
	Pool      string    `bun:"pool,notnull"`
	FromOwner string    `bun:"from_owner,nullzero"`
	ToOwner   string    `bun:"to_owner,nullzero"`
	At        time.Time `bun:"at,notnull"`
}

type memberRow struct {
	bun.BaseModel `bun:"table:members"`

	OpenID    string    `bun:"open_id,pk"`
	Name      string    `bun:"name,notnull"`
	Away      bool      `bun:"away,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

func leadFromRow(r *leadRow) *crm.Lead {
	return &crm.Lead{
		ID: r.ID, CustomerID: r.CustomerID, Source: r.Source, ExternalID: r.ExternalID, Campaign: r.Campaign,
		UTM: r.UTM, Tags: r.Tags, Note: r.Note, Attributes: r.Attributes, Fields: r.Fields, Pool: r.Pool,
		Stage: crm.Stage(r.Stage), OwnerID: r.OwnerID, Rev: r.Rev, Locked: r.Locked,
		CreatedAt: utc(r.CreatedAt), PooledAt: utc(r.PooledAt), ClaimedAt: utc(r.ClaimedAt),
		FirstContactAt: utc(r.FirstContactAt), LastActivityAt: utc(r.LastActivityAt),
		ProtectedUntil: utc(r.ProtectedUntil), FollowUpAt: utc(r.FollowUpAt), ClosedAt: utc(r.ClosedAt),
		LostReason: r.LostReason, Value: r.Value, PrevOwnerID: r.PrevOwnerID, ReleasedAt: utc(r.ReleasedAt),
		SLAFrom: utc(r.SLAFrom), SLAStep: r.SLAStep, WarnedAt: utc(r.WarnedAt), NextDueAt: utc(r.NextDueAt),
		CardsRefreshedAt: utc(r.CardsRefreshed), CardsWithheld: r.CardsWithheld,
		PoolMessageID: r.PoolMessageID, OwnerMessageID: r.OwnerMessageID, PoolEpoch: r.PoolEpoch,
		Grade: gradeFromRow(r),
	}
}

// fillLeadRow copies the domain lead into r, leaving identity and card bookkeeping as they are, and custom
// fields to DB.fillLeadRow, which seals the pii ones.
func fillLeadRow(r *leadRow, l *crm.Lead) {
	r.Source, r.ExternalID, r.Campaign = l.Source, l.ExternalID, l.Campaign
	r.UTM, r.Tags, r.Note, r.Attributes, r.Pool = l.UTM, l.Tags, l.Note, l.Attributes, l.Pool
	r.Stage, r.IsOpen, r.OwnerID, r.Locked = string(l.Stage), l.Open(), l.OwnerID, l.Locked
	r.PooledAt, r.ClaimedAt, r.FirstContactAt = utc(l.PooledAt), utc(l.ClaimedAt), utc(l.FirstContactAt)
	r.LastActivityAt, r.ProtectedUntil = utc(l.LastActivityAt), utc(l.ProtectedUntil)
	r.FollowUpAt, r.ClosedAt = utc(l.FollowUpAt), utc(l.ClosedAt)
	r.LostReason, r.Value, r.PrevOwnerID, r.ReleasedAt = l.LostReason, l.Value, l.PrevOwnerID, utc(l.ReleasedAt)
	r.SLAFrom, r.SLAStep, r.WarnedAt, r.NextDueAt, r.PoolEpoch = utc(l.SLAFrom), l.SLAStep, utc(l.WarnedAt), utc(l.NextDueAt), l.PoolEpoch
	r.CardsRefreshed, r.CardsWithheld = utc(l.CardsRefreshedAt), l.CardsWithheld
	r.PoolMessageID, r.OwnerMessageID = l.PoolMessageID, l.OwnerMessageID
	fillGrade(r, l.Grade)
}

func touchFromRow(r *touchRow) crm.Touch {
	return crm.Touch{ID: r.ID, LeadID: r.LeadID, CustomerID: r.CustomerID, Source: r.Source,
		ExternalID: r.ExternalID, Campaign: r.Campaign, UTM: r.UTM, Note: r.Note, AuthorID: r.AuthorID,
		CreatedAt: utc(r.CreatedAt)}
}

func eventFromRow(r *eventRow) crm.LeadEvent {
	return crm.LeadEvent{ID: r.ID, LeadID: r.LeadID, Kind: crm.EventKind(r.Kind), ActorID: r.ActorID,
		At: utc(r.At), Data: r.Data, Notify: r.Notify, NotifiedAt: utc(r.NotifiedAt)}
}

// customerFromRow decrypts the personal fields. A value that no configured key opens is an internal
// error: returning the customer without it would let a caller overwrite real data with blanks.
func (db *DB) customerFromRow(r *customerRow) (*crm.Customer, error) {
	c := &crm.Customer{ID: r.ID, Company: r.Company, Title: r.Title, Region: r.Region, Tags: r.Tags,
		CreatedAt: utc(r.CreatedAt), ErasedAt: utc(r.ErasedAt)}
	var err error
	if c.Name, err = db.sealer.open("name", r.NameEnc); err != nil {
		return nil, fmt.Errorf("decrypt customer %d name: %w", r.ID, err)
	}
	if c.Phone, err = db.sealer.open("phone", r.PhoneEnc); err != nil {
		return nil, fmt.Errorf("decrypt customer %d phone: %w", r.ID, err)
	}
	if c.Email, err = db.sealer.open("email", r.EmailEnc); err != nil {
		return nil, fmt.Errorf("decrypt customer %d email: %w", r.ID, err)
	}
	return c, nil
}

// newCustomerRow encrypts a new customer's personal fields and computes the lookup hashes.
func (db *DB) newCustomerRow(in *crm.NewLead, at time.Time) (*customerRow, error) {
	r := &customerRow{Company: in.Company, Title: in.Title, Region: in.Region, CreatedAt: at,
		PhoneHash: db.sealer.hash("phone", in.Phone), EmailHash: db.sealer.hash("email", in.Email)}
	var err error
	if r.NameEnc, err = db.sealer.seal("name", in.Name); err != nil {
		return nil, fmt.Errorf("encrypt name: %w", err)
	}
	if r.PhoneEnc, err = db.sealer.seal("phone", in.Phone); err != nil {
		return nil, fmt.Errorf("encrypt phone: %w", err)
	}
	if r.EmailEnc, err = db.sealer.seal("email", in.Email); err != nil {
		return nil, fmt.Errorf("encrypt email: %w", err)
	}
	return r, nil
}
