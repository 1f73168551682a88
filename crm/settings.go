package crm

import "time"

// Settings is the part of baton.yaml the domain rules read: pools, routing, sources, business hours.
// cmd/baton loads and validates it; crm treats it as read-only.
type Settings struct {
	Location        *time.Location
	BusinessHours   *BusinessHours // nil: SLA steps count wall time
	Sources         []Source
	Pools           []Pool
	Routing         []Rule
	Grading         *Grading // nil: leads are not graded
	OpsChannels     []string
	Digest          Schedule
	FeedbackSummary Schedule
	// Language is the team's language ("zh" or "en") for the little text a card cannot carry in both
	// languages: chart labels. Everything else is shown in each reader's own language.
	Language string
	Tasks    TaskSettings // follow-ups as Feishu tasks (tasks.go)
	// Base mirrors the leads to a Feishu Base table (base: in baton.yaml); nil: off.
	Base *BaseConfig
	// Fields are the custom lead fields (fields.go), in the order cards and forms show them.
	Fields []FieldDef
	// Assist is the optional language-model assistant (assist.go); off unless configured.
	Assist AssistSettings
}

// ChatSource is the source key of leads entered in chat (/lead and its form). It needs no entry under
// sources: chat users are already authenticated by Lark.
const ChatSource = "chat"

// Source is a system that pushes leads, with its credentials.
type Source struct {
	Key       string
	Token     string  // bearer token, if the source authenticates that way
	Secret    string  // HMAC-SHA256 key for X-Baton-Signature, if it signs
	RateLimit float64 // leads per second; 0 means unlimited

	Pull *PullSource // set for sources Baton pulls from an ad platform (pullsource.go)
	// Push sources (POST /api/v1/push/{key}, source_map.go): the platform's kind, where Baton's lead fields
	// sit in its record, and the duplicate-submit window. Kind "" is a plain lead API source.
	Kind         string
	Fields       []FieldMap
	DedupeWindow time.Duration
	MaxSkew      time.Duration // how far a signed push's timestamp may be from now; 0: 5 minutes
}

// PoolMode says how a pool hands out leads.
type PoolMode string

// Pool modes.
const (
	ModeClaim  PoolMode = "claim"  // card in the group, first tap wins
	ModeAssign PoolMode = "assign" // round-robin among available members
)

// Pool is a lead pool (公海池) and its rules.
type Pool struct {
	Key      string
	Name     string
	ChatID   string
	Mode     PoolMode
	Managers []string // open_ids
	Members  []string // open_ids; empty means the members of ChatID (managers excepted)
	// ManagersCanClaim lets managers who are not members claim leads (and be handed them); off by default,
	// so a manager's tap on a pool card does not take a lead from the reps.
	ManagersCanClaim bool
	Weights          map[string]int // assign mode: relative share per member, default 1
	Limits           Limits
	Cooldown         time.Duration // how long a previous owner must wait to claim the same lead again
	// CardRefreshAfter is the age at which an open lead's live card is re-posted, ahead of Lark's 14-day
	// update window (baton.yaml card_refresh_after); zero takes DefaultCardRefreshAfter.
	CardRefreshAfter time.Duration
	Protection       Protection
	SLA              SLA
	// SelfSourced says where a lead goes that a pool member enters themselves with /lead or its form: to
	// that member (SelfSourcedOwner, the default; 纷享销客's 私海) or into the pool like any other lead.
	SelfSourced SelfSourced
	// Departments, when set (baton.yaml members_from.departments), makes the pool's members the people of
	// these Feishu departments and their sub-departments, as last stored by RefreshRosters; OnLeave says
	// where a member's open leads go when they leave the company (departments.go).
	Departments []string
	OnLeave     OnLeave
	// BoardAfter: when more than this many leads of the pool wait for their card at once, they are posted as
	// boards (board.go; baton.yaml board_after). Zero takes DefaultBoardAfter.
	BoardAfter int
	// BoardGather is how long a new lead's first card waits for the rest of a burst (baton.yaml
	// board_gather). Zero takes DefaultBoardGather.
	BoardGather time.Duration
}

// BoardsAfter is the pool's BoardAfter, or its default.
func (p *Pool) BoardsAfter() int {
	if p.BoardAfter > 0 {
		return p.BoardAfter
	}
	return DefaultBoardAfter
}

// BoardsGather is the pool's BoardGather, or its default.
func (p *Pool) BoardsGather() time.Duration {
	if p.BoardGather > 0 {
		return p.BoardGather
	}
	return DefaultBoardGather
}

// SelfSourced is a pool's rule for leads its members enter themselves.
type SelfSourced string

// Self-sourced lead rules.
const (
	SelfSourcedOwner SelfSourced = "owner" // the member who entered the lead owns it
	SelfSourcedPool  SelfSourced = "pool"  // the lead waits in the pool like any other
)

// Limits cap what one member may hold. Zero means no cap.
type Limits struct {
	Open        int // open leads held
	DailyClaims int // claims per business day
}

// Protection is how long an owner keeps a lead without closing it.
type Protection struct {
	Default          time.Duration // window from the claim
	ExtendOnActivity time.Duration // each activity pushes the deadline to at least now + this
	Max              time.Duration // hard maximum from the claim
	WarnBefore       time.Duration // warn the owner this long before the deadline
}

// SLA holds a pool's escalation ladders.
type SLA struct {
	Unclaimed    []SLAStep // clock starts when the lead enters the pool
	FirstContact []SLAStep // clock starts at the claim, stops at the first contact
	// ByGrade replaces either ladder for leads of a grade (an A lead escalates sooner); a ladder a grade
	// does not set is the pool's own. See Pool.Ladders.
	ByGrade map[string]SLA
}

// SLAStep is one rung of a ladder: after After of (business) time, do Action.
type SLAStep struct {
	After  time.Duration
	Action SLAAction
}

// SLAAction is what an SLA step does.
type SLAAction string

// SLA actions.
const (
	ActionRemindPool  SLAAction = "remind_pool"
	ActionRemindOwner SLAAction = "remind_owner"
	ActionEscalate    SLAAction = "escalate"
	ActionUrgent      SLAAction = "urgent"
	ActionAutoAssign  SLAAction = "auto_assign"
)

// Rule routes leads to a pool. Empty match fields match anything; Campaign is a glob (path.Match syntax).
type Rule struct {
	Source   string
	Campaign string
	Region   string
	Tags     []string // all must be present on the lead
	// Fields match routable custom fields (match: {fields: {industry: 制造, budget: ">=100000"}}); all must hold.
	Fields []FieldMatch
	Grades []string // the lead's grade letter must be one of these (grading: configured)
	Pool   string
}

// Schedule is a cron line in the settings' time zone and where its output goes.
type Schedule struct {
	Cron string
	To   []string // "managers", "ops_channels", or chat ids
}

// Pool returns the pool with the given key.
func (s *Settings) Pool(key string) (*Pool, bool) {
	for i := range s.Pools {
		if s.Pools[i].Key == key {
			return &s.Pools[i], true
		}
	}
	return nil, false
}

// Source returns the source with the given key.
func (s *Settings) Source(key string) (*Source, bool) {
	for i := range s.Sources {
		if s.Sources[i].Key == key {
			return &s.Sources[i], true
		}
	}
	return nil, false
}

// IsManager reports whether openID manages the pool.
func (p *Pool) IsManager(openID string) bool { return contains(p.Managers, openID) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
