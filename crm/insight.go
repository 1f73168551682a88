package crm

import "context"

// InsightStore keeps ops insights and finds the customers they are about.
type InsightStore interface {
	// AddInsight stores in and sets its ID. An insight about a customer also merges its tags into the
	// customer's tags, in the same transaction. An insight with a zero Target is stored as pending: it shows
	// nowhere until ResolveInsight gives it a target.
	AddInsight(ctx context.Context, in *Insight) error
	// ResolveInsight gives a pending insight its target (merging tags into a customer as AddInsight does)
	// and returns it. ENOTFOUND for an unknown id, ECONFLICT when it already has a target.
	ResolveInsight(ctx context.Context, id int64, t InsightTarget) (*Insight, error)
	// InsightsFor returns the newest insights about the customer, the campaign or the source (an empty
	// campaign or source, or a zero customer id, matches nothing), newest first, at most limit.
	InsightsFor(ctx context.Context, customerID int64, campaign, source string, limit int) ([]Insight, error)
	// FindCustomers returns the customers q names, most recent first, at most q.Limit. Erased customers are
	// never returned.
	FindCustomers(ctx context.Context, q CustomerQuery) ([]CustomerMatch, error)
}

// CustomerQuery names a customer the way ops do: exactly one field is set. Phone is E.164 and Email lower
// case (the store looks both up by their keyed hash); Company matches as a case-insensitive substring.
type CustomerQuery struct {
	Phone   string
	Email   string
	LeadID  int64
	Company string
	Limit   int
}

// IsZero reports whether the query names nothing.
func (q CustomerQuery) IsZero() bool {
	return q.Phone == "" && q.Email == "" && q.LeadID == 0 && q.Company == ""
}

// CustomerMatch is a customer found by FindCustomers, with their newest lead so people can tell matches
// apart.
type CustomerMatch struct {
	Customer *Customer
	LeadID   int64 // the customer's newest lead; 0 when none
}

// IsZero reports whether the target names nothing (a pending insight).
func (t InsightTarget) IsZero() bool {
	return t.CustomerID == 0 && t.Campaign == "" && t.Source == ""
}
