package crm

import (
	"context"
	"time"
)

// Pull source kinds: ad platforms whose leads Baton fetches on a schedule instead of receiving pushes.
const (
	KindOceanEngine = "oceanengine" // 巨量引擎 飞鱼 clue API
	KindTencentAds  = "tencent_ads" // 腾讯广告 Marketing API leads
)

// PullSource is how Baton pulls one source's leads from an ad platform and reports results back. cmd/baton
// reads it from baton.yaml (with the defaults of its kind) and builds the platform client from it.
type PullSource struct {
	Kind string
	// CredentialsEnv is the prefix of the environment variables holding the credentials
	// (BATON_FEIYU → BATON_FEIYU_TOKEN, …); Credentials holds what was read, by suffix in lower case
	// ("token", "token_file", "refresh_token", "app_id", "app_secret", "advertiser_ids", "account_id").
	CredentialsEnv string
	Credentials    map[string]string
	// TokenURL overrides the platform's OAuth refresh address (default: on base_url's host).
	TokenURL string
	// TokenCodes are the platform's codes for an expired or invalid access token (nil: the kind's default);
	// a call answered with one is repeated once after a refresh.
	TokenCodes []int64
	// RefreshBefore is how long before the access token expires Baton refreshes it.
	RefreshBefore time.Duration
	// DeepPaging caps how many leads one window's page paging reaches (腾讯广告: 5,000); 0: the kind's default.
	DeepPaging int
	BaseURL    string        // the platform's API root; tests point it at a fake
	Every      time.Duration // pull period
	// Overlap is how far each window reaches back before the previous one ended, so a lead the platform
	// stored late (its clock, its own queues) is still caught; the repeat is harmless (idempotent intake).
	Overlap time.Duration
	// FirstWindow is how far back the very first pull of a source looks.
	FirstWindow time.Duration
	// RepullAfter is when a pulled lead is fetched once more for the fields the platform fills late
	// (LateFields); zero turns the re-pull off.
	RepullAfter time.Duration
	LateFields  []string
	// Rate caps calls to the platform per second (one puller per source runs at a time); RetryBackoff is
	// the first pause before retrying a 5xx or a dropped connection (it doubles per attempt).
	Rate         float64
	RetryBackoff time.Duration
	RetryCodes   []int64 // the platform's error codes that mean "try again later" (its code table is not public)
	PageSize     int
	WriteBack    bool
	// States maps Baton's write-back states to the platform's codes; a state with no code is not reported.
	States map[WriteBackState]string
	// Reasons maps an invalid lead's quality verdict (invalid_number, duplicate) to the platform's reason code.
	Reasons map[Quality]string
}

// PulledLead is one lead as a platform returned it, mapped to Baton's fields.
type PulledLead struct {
	ID        string    // the platform's clue / lead id: the lead's external_id
	CreatedAt time.Time // when the platform recorded it
	Input     LeadInput
	// Late holds the fields the platform fills some minutes after the lead arrives (intention,
	// conversion status), by the platform's field name; empty values mean "not filled yet".
	Late map[string]string
	// Problems lists what could not be mapped (a missing id, an unreadable time); the lead is still shown
	// by `baton sources test` but never stored when it has one.
	Problems []string
}

// PulledPage is one page of a platform's lead list.
type PulledPage struct {
	Leads []PulledLead
	Pages int // pages in the window, as the platform counts them
	Total int // leads in the window
}

// PulledRef names a lead pulled earlier, for a re-pull.
type PulledRef struct {
	ID        string
	CreatedAt time.Time
	LeadID    int64 // 0 when the arrival did not create a lead of its own
}

// LeadPlatform is an ad platform's lead API as a pull source uses it. Implementations pace their calls and
// retry 5xx answers and dropped connections with backoff; an error they return is worth retrying later
// unless it says it is not temporary.
type LeadPlatform interface {
	// Fetch returns page (from 1) of the leads the platform recorded in [from, to).
	Fetch(ctx context.Context, from, to time.Time, page int) (*PulledPage, error)
	// Refetch returns the current state of the given leads; leads the platform no longer has are missing.
	Refetch(ctx context.Context, refs []PulledRef) ([]PulledLead, error)
	// Report sends conversion states, at most MaxReport items per call, and returns the items the platform
	// refused (they will not be sent again).
	Report(ctx context.Context, items []WriteBack) ([]WriteBackRefusal, error)
	// MaxReport is how many items one Report call may carry.
	MaxReport() int
}

// PullStore keeps the pull sources' bookkeeping; storage.DB implements it.
type PullStore interface {
	// PulledUntil returns where the source's last complete pull ended; zero when it never ran.
	PulledUntil(ctx context.Context, source string) (time.Time, error)
	SetPulledUntil(ctx context.Context, source string, t time.Time) error
	// RecordClues remembers pulled leads; a lead already recorded keeps its row.
	RecordClues(ctx context.Context, source string, clues []PulledClue) error
	// DueRepulls returns recorded leads whose re-pull is due at now and not done, oldest first.
	DueRepulls(ctx context.Context, source string, now time.Time, limit int) ([]PulledRef, error)
	// MarkRepulled records that the leads were re-pulled.
	MarkRepulled(ctx context.Context, source string, ids []string, at time.Time) error
	// WriteBackCandidates returns timeline events of the given kinds on leads of source, at or after since,
	// that have no write-back ledger entry yet, oldest first.
	WriteBackCandidates(ctx context.Context, source string, kinds []EventKind, since time.Time, limit int) ([]WriteBackEvent, error)
	// RecordWriteBacks adds ledger entries; an event already in the ledger keeps its entry.
	RecordWriteBacks(ctx context.Context, recs []WriteBackRecord) error
}

// PulledClue is a pulled lead as PullStore records it.
type PulledClue struct {
	ID        string
	LeadID    int64
	CreatedAt time.Time
	RepullAt  time.Time // zero: no re-pull
}

// EventSourceUpdated records that the source changed the lead's fields after it arrived: a re-pull filled in
// fields the platform sets late, or a push source's data_update. It redraws the cards.
const EventSourceUpdated EventKind = "source_updated"
