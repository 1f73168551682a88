package crm

import "time"

// Customer is a person or company that leads are about. Phone is E.164; Phone and Email are personal data:
// storage encrypts them at rest and they are never logged.
type Customer struct {
	ID        int64
	Name      string
	Phone     string
	Email     string
	Company   string
	Title     string
	Region    string
	Tags      []string // ops tags, normalised (see NormalizeTag)
	CreatedAt time.Time
	ErasedAt  time.Time // zero unless personal data was erased
}

// Lead is one sales opportunity for a customer, worked in a pool. Zero times mean "not yet".
type Lead struct {
	ID         int64
	CustomerID int64
	Source     string // source key of the first touch
	ExternalID string
	Campaign   string
	UTM        map[string]string
	Tags       []string
	Note       string // note given at intake
	Attributes map[string]any
	Fields     map[string]any // custom fields (fields: in baton.yaml), typed as crm/fields.go lists
	Grade      Grade          // computed from the grading: rules at intake and when its inputs change
	Pool       string
	Stage      Stage
	OwnerID    string // open_id of the owner; empty while the lead is in the pool
	Rev        int64  // revision, bumped by every write; cards carry it so stale clicks are refused
	Locked     bool   // locked leads are never recycled

	CreatedAt      time.Time
	PooledAt       time.Time // when the lead (re)entered the pool: the unclaimed SLA clock starts here
	ClaimedAt      time.Time // the first-contact SLA clock starts here
	FirstContactAt time.Time
	LastActivityAt time.Time
	ProtectedUntil time.Time // the owner keeps the lead until then
	FollowUpAt     time.Time
	ClosedAt       time.Time

	LostReason  string
	Value       int64  // deal value in the smallest currency unit, when won
	PrevOwnerID string // owner before the last release or recycle (cooldown applies to them)
	ReleasedAt  time.Time

	// Timer bookkeeping, derived by the rules in timers.go and stored so a sweep can find due work.
	SLAFrom  time.Time // the current SLA ladder counts from here: entering the pool, a claim, a manager's extension
	SLAStep  int       // steps of the current SLA ladder already done
	WarnedAt time.Time // pre-recycle warning sent for the current protection deadline
	// CardsRefreshedAt is when the lead's live card was last re-posted ahead of Lark's 14-day window.
	CardsRefreshedAt time.Time
	// CardsWithheld marks a lead stored without cards (a quiet migration import) until it is claimed,
	// assigned or returned to the pool: it has no card to re-post before Lark's window closes.
	CardsWithheld bool
	NextDueAt     time.Time // earliest pending timer; zero when none

	// Lark message ids of the cards showing this lead.
	PoolMessageID  string
	OwnerMessageID string
	PoolEpoch      int // bumped each time the lead re-enters the pool, so each pool card has its own send key
}

// Open reports whether the lead is still being worked (not won or lost).
func (l *Lead) Open() bool { return !l.Stage.Closed() }

// Owned reports whether a rep holds the lead.
func (l *Lead) Owned() bool { return l.OwnerID != "" }

// Touch is one arrival of a lead from a source: the first creates the lead, later ones for the same customer
// are attached to the customer's open lead. Touches drive first-touch and last-touch attribution.
type Touch struct {
	ID         int64
	LeadID     int64
	CustomerID int64
	Source     string
	ExternalID string
	Campaign   string
	UTM        map[string]string
	Note       string // what came with the arrival ("展会上聊过，想要报价"); personal data, erased with the customer
	AuthorID   string // open_id of who entered it in chat; empty for API pushes and imports
	CreatedAt  time.Time
}

// Member is a person Baton knows: a rep, an ops person or a manager, keyed by Lark open_id.
type Member struct {
	OpenID string
	Name   string
	Away   bool
}

// MemberStats are the figures the claim rules look at, read in the same transaction as the claim.
type MemberStats struct {
	OpenLeads   int       // open leads the member owns (all pools)
	ClaimsToday int       // claims since the start of the member's business day
	LastRelease time.Time // when the member last released or lost this lead to recycling; zero if never
}

// Insight is a note and tags from ops about a customer, a campaign or a source.
type Insight struct {
	ID        int64
	Target    InsightTarget
	Tags      []string
	Note      string
	AuthorID  string
	ChatID    string
	MessageID string // link back to the chat message
	CreatedAt time.Time
}

// InsightTarget is what an insight is about: exactly one field is set.
type InsightTarget struct {
	CustomerID int64
	Campaign   string
	Source     string
}

// Feedback is a rep's rating of a lead's quality, rolled up by source and campaign for ops.
type Feedback struct {
	LeadID    int64
	AuthorID  string
	Quality   Quality
	CreatedAt time.Time
}

// Quality is a lead-quality verdict from sales.
type Quality string

// Lead-quality verdicts.
const (
	QualityGoodFit        Quality = "good_fit"
	QualityInvalidNumber  Quality = "invalid_number"
	QualityDuplicate      Quality = "duplicate"
	QualityNoBudget       Quality = "no_budget"
	QualityCompetitor     Quality = "competitor"
	QualityNotDecisionMkr Quality = "not_decision_maker"
	QualityNoResponse     Quality = "no_response"
)

// Qualities lists the verdicts in the order cards show them.
var Qualities = []Quality{QualityGoodFit, QualityInvalidNumber, QualityDuplicate, QualityNoBudget,
	QualityCompetitor, QualityNotDecisionMkr, QualityNoResponse}

// LostReasons lists the reasons a rep can pick when marking a lead lost.
var LostReasons = []string{"price", "competitor", "no_budget", "no_need", "no_response", "timing", "other"}
