package crm

import (
	"context"
	"fmt"
)

// listedInsights caps one /insights answer.
const listedInsights = 20

// InsightListing is the answer to /insights: the insights about one target, newest first.
type InsightListing struct {
	Target   InsightTarget
	Customer *Customer // set when the target is a customer
	Insights []Insight
	// Candidates is set instead of Insights when several customers matched.
	Candidates []CustomerMatch
}

// ListInsights lists the insights about the target req names (its tags and note are ignored). Anyone in
// the tenant may read insights: reps read them before calling.
func (s *Service) ListInsights(ctx context.Context, req InsightRequest) (*InsightListing, error) {
	if s.Insights == nil {
		return nil, Bilingual(EUNAVAILABLE, "洞察功能未启用", "Insights are not enabled")
	}
	switch {
	case req.Campaign != "":
		return s.listInsights(ctx, InsightTarget{Campaign: req.Campaign}, nil)
	case req.Source != "":
		return s.listInsights(ctx, InsightTarget{Source: req.Source}, nil)
	case req.Customer.IsZero():
		return nil, Bilingual(EINVALID, "请写明要查看的客户或活动", "Name a customer or a campaign")
	}
	q := req.Customer
	q.Limit = MaxInsightCandidates + 1
	matches, err := s.Insights.FindCustomers(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("find customer for insights: %w", err)
	}
	switch len(matches) {
	case 0:
		return nil, noCustomer()
	case 1:
		c := matches[0].Customer
		return s.listInsights(ctx, InsightTarget{CustomerID: c.ID}, c)
	}
	return &InsightListing{Candidates: matches}, nil
}

// CustomerInsights lists the insights about one customer (the "which one?" card's answer for /insights).
func (s *Service) CustomerInsights(ctx context.Context, customerID int64) (*InsightListing, error) {
	if s.Insights == nil {
		return nil, Bilingual(EUNAVAILABLE, "洞察功能未启用", "Insights are not enabled")
	}
	c, err := s.Leads.Customer(ctx, customerID)
	if err != nil {
		return nil, fmt.Errorf("customer insights: %w", err)
	}
	if !c.ErasedAt.IsZero() {
		return nil, noCustomer()
	}
	return s.listInsights(ctx, InsightTarget{CustomerID: customerID}, c)
}

func (s *Service) listInsights(ctx context.Context, t InsightTarget, c *Customer) (*InsightListing, error) {
	ins, err := s.Insights.InsightsFor(ctx, t.CustomerID, t.Campaign, t.Source, listedInsights)
	if err != nil {
		return nil, fmt.Errorf("list insights: %w", err)
	}
	return &InsightListing{Target: t, Customer: c, Insights: ins}, nil
}
