package crm

import (
	"context"
	"slices"
	"time"
)

// Assist features: what assist.allow may list.
const (
	AssistSummary = "summary" // a note typed on the owner card → a two-line summary, a stage and a follow-up date
	AssistExtract = "extract" // /lead with free text → a proposed lead form
	AssistBrief   = "brief"   // a returning customer → a one-line brief of their history for the owner
)

// AssistFeatures lists every feature, in the order the README names them.
var AssistFeatures = []string{AssistSummary, AssistExtract, AssistBrief}

// Defaults of assist: in baton.yaml.
const (
	DefaultAssistDailyBudget = 200              // model requests a day, all features together
	DefaultAssistTimeout     = 20 * time.Second // one model request, end to end
)

// AssistSettings is assist: in baton.yaml. The assistant is off (BaseURL empty) unless configured; even
// then only the features in Allow run.
type AssistSettings struct {
	BaseURL     string // an OpenAI-compatible endpoint: https://llm.internal/v1
	Model       string
	APIKeyEnv   string   // the environment variable holding the API key; "" sends none (Ollama, vLLM)
	Allow       []string // features on (AssistFeatures); empty in the file means all
	DailyBudget int      // model requests a day in Settings.Location; 0 means DefaultAssistDailyBudget
	Timeout     time.Duration
}

// On reports whether the model may be asked for feature.
func (a AssistSettings) On(feature string) bool {
	return a.BaseURL != "" && slices.Contains(a.Allow, feature)
}

// NoteSummary is the model's reading of a rep's note: two short lines for the timeline, and the stage and
// follow-up date it suggests (zero when it suggests none). Nothing of it is stored until the owner taps.
type NoteSummary struct {
	Summary  string
	Stage    Stage
	FollowUp time.Time
}

// Assistant asks a language model. Implementations replace phone numbers and email addresses by
// placeholders before anything leaves Baton and restore them in the answer, validate the answer, and
// count every request against the daily budget (ErrAssistBudget once it is spent).
type Assistant interface {
	// Summarize reads a note written on lead history (one line per entry, newest last).
	Summarize(ctx context.Context, leadID int64, note AssistText, stages []Stage, now time.Time) (NoteSummary, error)
	// ExtractLead reads pasted free text into lead fields and the custom fields given (never pii ones).
	ExtractLead(ctx context.Context, text AssistText, fields []FieldDef) (LeadInput, error)
	// Brief sums up a customer's history in one line.
	Brief(ctx context.Context, leadID int64, history AssistText) (string, error)
}

// AssistText is a text for the assistant with the values that must not leave Baton: the lead's pii
// field values (fields: with pii: true), as stored and as a card shows them. The assistant replaces them,
// and every phone number and email address, by placeholders before sending and restores them after.
type AssistText struct {
	Text    string
	Private []string
}

// AssistQueue runs the assistant's work off the request path; jobs implements it.
type AssistQueue interface {
	// Summarize asks for a summary of the note the actor saved at revision rev of the lead.
	Summarize(ctx context.Context, leadID, rev int64, actor string) error
	// Brief asks for a brief of the lead's history for its owner, after revision rev.
	Brief(ctx context.Context, leadID, rev int64) error
	// Extract reads text for actor and redraws the card messageID with the proposal.
	Extract(ctx context.Context, actor, messageID, text string) error
}

// ErrAssistBudget is the assistant's answer once the day's requests are spent.
var ErrAssistBudget = Bilingual(ELIMIT, "今日助手额度已用完，已改用本地规则", "Today's assistant budget is spent; Baton used its own rules instead")
