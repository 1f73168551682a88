package crm

import (
	"context"
	"time"
)

// NewLead is a validated, normalised lead ready to store, with the pool routing picked.
type NewLead struct {
	Source     string
	ExternalID string // empty: no idempotency key
	Name       string
	Phone      string // E.164
	Email      string // lower case
	Company    string
	Title      string
	Region     string
	Campaign   string
	UTM        map[string]string
	Tags       []string
	Note       string
	Attributes map[string]any
	Fields     map[string]any // custom fields; raw until the intake normalises them against Settings.Fields
	Pool       string
	At         time.Time
	Author     string // open_id of who entered the lead in chat; empty otherwise. Kept on its touch.
	// Quiet stores a new lead as already shown: no pool or owner card is posted for it (a migration import
	// announces its leads in one summary instead). Its cards appear once something happens to it.
	Quiet bool
	// DedupeSince, when set, makes an arrival whose customer already had a touch from Source at or after it a
	// touch on that touch's lead, open or not: a form submitted twice is one lead (push sources' dedupe_window).
	DedupeSince time.Time
	// Grade is set by intake before routing (rules may match it) and stored with a brand-new lead.
	Grade Grade

	// Created prepares a brand-new lead before it is inserted (timers, stage) and returns its first events.
	Created func(*Lead) []LeadEvent
	// Touched updates the customer's open lead when this arrival is a new touch for it, and returns the
	// events to append (for example a DM to the owner).
	Touched func(*Lead, *Touch) []LeadEvent
}

// IntakeStatus says what an intake did.
type IntakeStatus string

// Intake outcomes, as the lead API reports them.
const (
	IntakeCreated IntakeStatus = "created" // a new lead
	IntakeTouch   IntakeStatus = "touch"   // a known customer: attached to their open lead
	IntakeExists  IntakeStatus = "exists"  // a repeat of the same (source, external_id): nothing changed
)

// IntakeResult is the outcome of LeadStore.IntakeLead.
type IntakeResult struct {
	Status   IntakeStatus
	Lead     *Lead
	Customer *Customer
}

// LeadFilter selects leads for listings. Zero fields do not filter.
type LeadFilter struct {
	Pool       string
	CustomerID int64 // the customer's leads only
	OwnerID    string
	Unclaimed  bool // only leads in the pool
	OpenOnly   bool
	// Oldest lists the longest-waiting first: by the time the lead entered the pool for pool listings, by the
	// claim time for an owner's listing. Otherwise newest first.
	Oldest bool
	Offset int // leads to skip (paging); ignored by CountLeads
	Limit  int // ignored by CountLeads
}

// CardState records which Lark messages show a lead and the revision they show.
type CardState struct {
	PoolMessageID  string
	OwnerMessageID string
	OwnerCardFor   string // open_id the owner card was sent to
	CardsRev       int64  // the lead revision the cards last showed
	PoolCardEpoch  int    // the Lead.PoolEpoch PoolMessageID was posted for
}

// LeadStore keeps customers, leads, touches and the timeline. Every write that changes a lead bumps its
// revision and appends its events in one transaction.
type LeadStore interface {
	// IntakeLead stores an arrival atomically: a repeat of (Source, ExternalID) returns the existing lead with
	// IntakeExists; a customer (matched by phone or email) with an open lead gets a touch on that lead
	// (in.Touched runs on it); otherwise a customer, a lead and its first touch are created (in.Created runs).
	IntakeLead(ctx context.Context, in *NewLead) (*IntakeResult, error)
	// Lead returns the lead, or ENOTFOUND.
	Lead(ctx context.Context, id int64) (*Lead, error)
	// Customer returns the customer, or ENOTFOUND.
	Customer(ctx context.Context, id int64) (*Customer, error)
	// MutateLead reads the lead, calls fn on it and writes the result with Rev+1 only if the revision did
	// not move meanwhile (rev 0 means "the revision just read"); otherwise ECONFLICT. fn's events are
	// appended in the same transaction. An error from fn aborts without writing.
	MutateLead(ctx context.Context, id, rev int64, fn func(*Lead) ([]LeadEvent, error)) (*Lead, error)
	// ClaimLead is MutateLead for claims: fn also gets the claimant's stats, read in the same transaction
	// (claims by one member are serialised, so caps hold under concurrency), and the write is conditional on
	// the lead still being unowned at revision rev — first tap wins, every other tap gets ECONFLICT.
	ClaimLead(ctx context.Context, id, rev int64, ownerID string, dayStart time.Time, fn func(*Lead, MemberStats) ([]LeadEvent, error)) (*Lead, error)
	// AssignLead picks and assigns an assign-mode lead in one transaction, serialised with every other
	// assignment in the pool and every claim by its members: fn gets the lead, each member's stats and the
	// leads each gained in the pool since since, read under that serialisation, and the write is conditional
	// on the lead still being unowned. An error from fn aborts without writing and is returned unchanged.
	AssignLead(ctx context.Context, id int64, pool string, members []string, dayStart, since time.Time,
		fn func(*Lead, map[string]MemberStats, map[string]int) ([]LeadEvent, error)) (*Lead, error)
	// MemberStats returns the stats ClaimLead would pass, outside a transaction (for assign-mode picks).
	MemberStats(ctx context.Context, ownerID string, leadID int64, dayStart time.Time) (MemberStats, error)
	// AssignmentCounts returns how many leads each member was given in the pool since t.
	AssignmentCounts(ctx context.Context, pool string, since time.Time) (map[string]int, error)
	// Timeline returns the lead's events in order.
	Timeline(ctx context.Context, leadID int64) ([]LeadEvent, error)
	// Touches returns the lead's touches in order.
	Touches(ctx context.Context, leadID int64) ([]Touch, error)
	// ListLeads returns leads matching f, newest first unless f.Oldest.
	ListLeads(ctx context.Context, f LeadFilter) ([]*Lead, error)
	// CountLeads returns how many leads match f (Offset and Limit aside).
	CountLeads(ctx context.Context, f LeadFilter) (int, error)
	// CardState returns the lead's card bookkeeping.
	CardState(ctx context.Context, leadID int64) (CardState, error)
	// SetCardState stores the card bookkeeping without bumping the revision.
	SetCardState(ctx context.Context, leadID int64, c CardState) error
	// PendingEvents returns the lead's events with Notify set and not yet delivered, oldest first.
	PendingEvents(ctx context.Context, leadID int64) ([]LeadEvent, error)
	// MarkNotified records that the event's notification was delivered.
	MarkNotified(ctx context.Context, eventID int64, at time.Time) error
	// DueLeads returns the leads whose NextDueAt is at or before until, earliest first.
	DueLeads(ctx context.Context, until time.Time, limit int) ([]DueLead, error)
	// UnsyncedLeads returns ids of leads whose cards lag their revision or that have pending notifications,
	// last changed before olderThan.
	UnsyncedLeads(ctx context.Context, olderThan time.Time, limit int) ([]int64, error)
}

// DueLead is a lead with a pending timer and when it is due.
type DueLead struct {
	ID  int64
	Due time.Time
}

// MemberStore keeps what Baton knows about people beyond Lark: names (cached) and the away flag.
type MemberStore interface {
	// Member returns the member, or ENOTFOUND.
	Member(ctx context.Context, openID string) (*Member, error)
	// SaveMember inserts or updates the member.
	SaveMember(ctx context.Context, m Member) error
}

// Recipient is where a message goes: a chat or a user (DM). Exactly one field is set.
type Recipient struct {
	ChatID string
	OpenID string
}

// Outgoing is a message to send: a card (JSON 2.0) or plain text.
type Outgoing struct {
	Card []byte
	Text string
}

// Messenger sends to Lark. Implementations pace calls within Lark's limits and retry what retrying can fix;
// key makes a send idempotent (Lark's uuid): the same key within an hour posts once.
type Messenger interface {
	Send(ctx context.Context, to Recipient, m Outgoing, key string) (messageID string, err error)
	// Reply answers messageID, which is in chatID: Lark counts a reply against the chat's send limit.
	Reply(ctx context.Context, chatID, messageID string, m Outgoing, key string) (replyID string, err error)
	UpdateCard(ctx context.Context, messageID string, card []byte) error
	Urgent(ctx context.Context, messageID string, openIDs []string) error
}

// Directory answers who is who in Lark. Implementations cache.
type Directory interface {
	UserName(ctx context.Context, openID string) (string, error)
	ChatMembers(ctx context.Context, chatID string) ([]string, error)
}

// Scheduler wakes the service up later. Implementations deduplicate by key, so scheduling the same wake-up
// twice runs it once. Wake-ups are hints: the store holds the truth and a periodic sweep catches any lost one.
type Scheduler interface {
	// SyncLead asks for the lead's cards and pending notifications to be delivered soon, after the write
	// that produced revision rev. Each revision gets its own wake-up: one already running may have read the
	// lead before this write.
	SyncLead(ctx context.Context, leadID, rev int64) error
	// WakeLead asks for the lead's timers to be run at t.
	WakeLead(ctx context.Context, leadID int64, at time.Time, key string) error
}

// LeadView is everything a card about a lead shows.
type LeadView struct {
	Lead     *Lead
	Customer *Customer
	Pool     *Pool
	Owner    *Member // nil when unowned
	// EnteredBy is who typed the lead into chat (/lead), nil for leads from other sources.
	EnteredBy *Member
	Touches   []Touch
	Insights  []Insight
	Now       time.Time
	Location  *time.Location
	// Retired marks a card that is no longer the live one for the lead: a pool card whose lead went back to
	// the pool under a fresh card, or an owner card whose lead left that owner. It shows no actions and no
	// full contact details.
	Retired bool
	// Moved marks a card Baton re-posted before Lark's 14-day update window closed: the old one shows no
	// actions and points to the new one.
	Moved bool
	// Candidates are the pool members a manager may hand the lead to (filled for escalation cards).
	Candidates []string
	// History is the lead's history as people read it (notes, stage moves, verdicts, reveals…), newest
	// first; see history.go. Notes may hold personal data: cards that others read mask it.
	History []HistoryEntry
	// Fields are the configured custom fields (Settings.Fields): cards show the card: true ones set on the
	// lead, and the owner card edits them all.
	Fields []FieldDef
}

// Renderer turns domain values into Lark card JSON 2.0 (zh_cn and en_us on every text).
type Renderer interface {
	// PoolCard is the shared card in the pool chat: masked phone, claim button or the owner.
	PoolCard(v LeadView) []byte
	// OwnerCard is the owner's DM card: full contact and the work actions.
	OwnerCard(v LeadView) []byte
	// EventCard is the message an event with Notify set sends (a touch DM, a reminder, an escalation…).
	EventCard(v LeadView, e LeadEvent) []byte
	BoardRenderer
	DigestRenderer
}
