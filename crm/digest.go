package crm

import (
	"context"
	"time"
)

// DigestStore computes the figures of the weekly digest and of the sales → ops feedback roll-up, and
// remembers which reports were posted so that replicas and retries post each one once.
type DigestStore interface {
	// DigestFigures computes the digest figures of the pools in q over [q.Start, q.End).
	DigestFigures(ctx context.Context, q DigestQuery) (*DigestFigures, error)
	// FeedbackFigures rolls up, per source and campaign, the leads created in [since, until) and what sales
	// said about them until then.
	FeedbackFigures(ctx context.Context, since, until time.Time) (*FeedbackFigures, error)
	// LastPosted returns the fingerprint recorded for the report (kind, key), or "" when it was never posted.
	LastPosted(ctx context.Context, kind, key string) (string, error)
	// MarkPosted records that the report (kind, key) was posted with fingerprint at at. first reports
	// whether this call changed the record: false when the same fingerprint was already recorded.
	MarkPosted(ctx context.Context, kind, key, fingerprint string, at time.Time) (first bool, err error)
}

// DigestQuery selects the leads a digest covers: the pools (nil means every pool) and a time range,
// usually one ISO week in the configured time zone. Times are instants; the range is half-open.
type DigestQuery struct {
	Pools      []string
	Start, End time.Time
}

// Percentiles summarises a set of durations the way PostgreSQL's percentile_cont does (linear
// interpolation between the closest ranks). N is the number of samples; with N = 0 the others are zero.
type Percentiles struct {
	N        int
	P50, P90 time.Duration
}

// SourceCount counts new leads per source and campaign under both attribution models: FirstTouch by the
// touch that created the lead, LastTouch by the latest touch before the end of the range.
type SourceCount struct {
	Source     string
	Campaign   string
	FirstTouch int
	LastTouch  int
}

// BreachCount counts SLA ladder steps that fired: per clock and step, or per rep (OwnerID set, Clock
// "first_contact") for the owner at the time of the breach.
type BreachCount struct {
	Clock   string // "unclaimed" or "first_contact"
	Step    int    // 0-based rung of the ladder
	Action  SLAAction
	OwnerID string
	Count   int
}

// StageCount is one step of the stage funnel: how many leads of the cohort reached Stage or beyond.
type StageCount struct {
	Stage Stage
	Count int
}

// KeyCount is a labelled count (a lost reason, an insight tag).
type KeyCount struct {
	Key   string
	Count int
}

// QualityCount counts one quality verdict given on leads of one source.
type QualityCount struct {
	Source  string
	Quality Quality
	Count   int
}

// RepFigures is one line of the leaderboard.
type RepFigures struct {
	OpenID   string
	Claims   int // leads the rep took in the range: claims and assignments
	Contacts int // first contacts made in the range
	Wins     int // leads won in the range
}

// DigestFigures are the raw figures of one digest. Counts over "the range" use the time of the event
// (a claim, a breach, a close); the funnel follows the cohort of leads created in the range to where
// they stand at its end.
type DigestFigures struct {
	NewLeads     int
	Sources      []SourceCount // by first-touch count, then source and campaign
	Claims       int           // claim events in the range (pool cards tapped)
	ClaimTime    Percentiles   // from entering the pool to the claim, per claim in the range
	FirstContact Percentiles   // from the claim to the first contact, per first contact in the range
	Breaches     []BreachCount // per clock and step
	BreachesRep  []BreachCount // first-contact breaches per owner
	Recycled     int
	Released     int
	Funnel       []StageCount // new, contacted, qualified, proposal, won for the cohort
	CohortLost   int          // cohort leads lost by the end of the range
	Won          int          // leads won in the range
	Lost         int          // leads lost in the range
	Revenue      int64        // sum of the won leads' values, smallest currency unit
	LostReasons  []KeyCount   // leads lost in the range, by reason, most first
	Quality      []QualityCount
	InsightTags  []KeyCount // tags of ops insights created in the range about the pools' customers, campaigns or sources
	Leaders      []RepFigures
	Grades       []GradeFigures // by grade, A to D; empty when no lead of the range was graded
}

// FeedbackRow is the sales → ops roll-up of one source and campaign.
type FeedbackRow struct {
	Source      string
	Campaign    string
	Leads       int
	Claimed     int // leads that had an owner at some point
	Contacted   int
	Won         int
	Verdicts    int // quality verdicts given, all kinds
	Invalid     int // leads rated invalid_number
	Duplicate   int // leads rated duplicate
	LostReasons []KeyCount
}

// FeedbackFigures is the roll-up over one window. Mark identifies the newest feedback or lost verdict
// anywhere: while it stays the same, sales said nothing new.
type FeedbackFigures struct {
	Rows []FeedbackRow
	Mark string
}
