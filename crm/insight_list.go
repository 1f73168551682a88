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

// ListInsights lists the insights about the target req names (its tags and note are ignored) for the
// reader: ops channels, pool members and managers may look up (reps read insights before calling); a
// customer who is not the reader's (see theirs) is shown masked.
func (s *Service) ListInsights(ctx context.Context, reader InsightReader, req InsightRequest) (*InsightListing, error) {
	if s.Insights == nil {
		return nil, Bilingual(EUNAVAILABLE, "洞察功能未启用", "Insights are not enabled")
	}
	access, err := s.insightAccessFor(ctx, reader)
	if err != nil {
		return nil, err
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
		c, err := s.shown(ctx, access, matches[0].Customer)
		if err != nil {
			return nil, err
		}
		return s.listInsights(ctx, InsightTarget{CustomerID: c.ID}, c)
	}
	for i := range matches {
		if matches[i].Customer, err = s.shown(ctx, access, matches[i].Customer); err != nil {
			return nil, err
		}
	}
	return &InsightListing{Candidates: matches}, nil
}

// CustomerInsights lists the insights about one customer (the "which one?" card's answer for /insights),
// for the reader as ListInsights does: the card's customer id could be forged.
func (s *Service) CustomerInsights(ctx context.Context, reader InsightReader, customerID int64) (*InsightListing, error) {
	if s.Insights == nil {
		return nil, Bilingual(EUNAVAILABLE, "洞察功能未启用", "Insights are not enabled")
	}
	access, err := s.insightAccessFor(ctx, reader)
	if err != nil {
		return nil, err
	}
	c, err := s.Leads.Customer(ctx, customerID)
	if err != nil {
		return nil, fmt.Errorf("customer insights: %w", err)
	}
	if !c.ErasedAt.IsZero() {
		return nil, noCustomer()
	}
	if c, err = s.shown(ctx, access, c); err != nil {
		return nil, err
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
