package crm

import (
	"context"
	"fmt"
)

// MaxInsightCandidates is how many customers a "which one?" card offers; a vaguer name asks for a more
// precise one.
const MaxInsightCandidates = 5

// viewInsights is how many insights a lead view carries; cards show fewer.
const viewInsights = 5

// InsightResult is the outcome of AddInsight and PickInsightTarget.
type InsightResult struct {
	Insight  *Insight
	Customer *Customer // the customer the insight is about, when it is about one
	// Candidates is set when several customers matched: Insight is then pending (no target, shown nowhere)
	// until PickInsightTarget names one of them.
	Candidates []CustomerMatch
}

// AddInsight files an insight from an ops channel. A campaign or source target is stored as given; a
// customer target must match: no match is an ENOTFOUND error, one match files the insight (and merges its
// tags into the customer's), several keep it pending and return the candidates, never a guess.
func (s *Service) AddInsight(ctx context.Context, req InsightRequest) (*InsightResult, error) {
	if err := s.canPostInsight(req.ChatID); err != nil {
		return nil, err
	}
	if !req.HasTarget() {
		return nil, Bilingual(EINVALID, "请写明对象：手机号、邮箱、线索编号、公司名，或 campaign:活动名",
			"Name a target: a phone, an email, a lead number, a company, or campaign:NAME")
	}
	if err := req.normalize(); err != nil {
		return nil, err
	}
	in := &Insight{Tags: req.Tags, Note: req.Note, AuthorID: req.AuthorID, ChatID: req.ChatID,
		MessageID: req.MessageID, CreatedAt: s.now()}
	res := &InsightResult{Insight: in}
	switch {
	case req.Campaign != "":
		in.Target.Campaign = req.Campaign
	case req.Source != "":
		in.Target.Source = req.Source
	default:
		q := req.Customer
		q.Limit = MaxInsightCandidates + 1
		matches, err := s.Insights.FindCustomers(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("find insight customer: %w", err)
		}
		switch len(matches) {
		case 0:
			return nil, noCustomer()
		case 1:
			in.Target.CustomerID, res.Customer = matches[0].Customer.ID, matches[0].Customer
		default:
			res.Candidates = matches
		}
	}
	if err := s.Insights.AddInsight(ctx, in); err != nil {
		return nil, fmt.Errorf("add insight: %w", err)
	}
	s.logger().Info("insight added", "insight_id", in.ID, "customer_id", in.Target.CustomerID,
		"pending", in.Target.IsZero(), "tags", len(in.Tags))
	s.redrawForInsight(ctx, in)
	return res, nil
}

// redrawForInsight puts a customer insight on the cards already posted for the customer's open leads: each
// lead gets an "insight" timeline entry, which moves its revision and so redraws its cards. The insight is
// stored either way; a lead that cannot be touched now is redrawn at its next change. Campaign and source
// insights reach the cards of leads posted after them only: redrawing a whole campaign would flood Lark.
func (s *Service) redrawForInsight(ctx context.Context, in *Insight) {
	if in.Target.CustomerID == 0 {
		return
	}
	leads, err := s.Leads.ListLeads(ctx, LeadFilter{CustomerID: in.Target.CustomerID, OpenOnly: true, Limit: 20})
	if err != nil {
		s.logger().Warn("find leads to redraw for an insight", "insight_id", in.ID, "error", err)
		return
	}
	for _, l := range leads {
		nl, err := s.Leads.MutateLead(ctx, l.ID, 0, func(*Lead) ([]LeadEvent, error) {
			return []LeadEvent{NewEvent(EventInsight, in.AuthorID, s.now(), "insight", itoa(in.ID))}, nil
		})
		if err != nil {
			s.logger().Warn("redraw cards for an insight", "insight_id", in.ID, "lead_id", l.ID, "error", err)
			continue
		}
		s.afterWrite(ctx, nl)
	}
}

// PickInsightTarget files a pending insight under the customer picked on the "which one?" card.
func (s *Service) PickInsightTarget(ctx context.Context, insightID, customerID int64, actor, chatID string) (*InsightResult, error) {
	if err := s.canPostInsight(chatID); err != nil {
		return nil, err
	}
	c, err := s.Leads.Customer(ctx, customerID)
	if err != nil {
		return nil, fmt.Errorf("pick insight customer: %w", err)
	}
	if !c.ErasedAt.IsZero() {
		return nil, noCustomer()
	}
	in, err := s.Insights.ResolveInsight(ctx, insightID, InsightTarget{CustomerID: customerID})
	if err != nil {
		if ErrorCode(err) == ECONFLICT {
			return nil, Bilingual(ECONFLICT, "这条洞察已经归档过了", "This insight was already filed")
		}
		return nil, fmt.Errorf("resolve insight %d: %w", insightID, err)
	}
	s.logger().Info("insight target picked", "insight_id", in.ID, "customer_id", customerID, "open_id", actor)
	s.redrawForInsight(ctx, in)
	return &InsightResult{Insight: in, Customer: c}, nil
}

// canPostInsight allows posting insights in the configured ops channels only.
func (s *Service) canPostInsight(chatID string) error {
	if s.Insights == nil {
		return Bilingual(EUNAVAILABLE, "洞察功能未启用", "Insights are not enabled")
	}
	if !s.IsOpsChannel(chatID) {
		return Bilingual(EFORBIDDEN, "只能在运营群里发布洞察", "Insights can only be posted in an ops channel")
	}
	return nil
}

func noCustomer() error {
	return Bilingual(ENOTFOUND, "没有找到这个客户，请换用手机号、邮箱或线索编号（#123）",
		"No customer matches; try a phone number, an email or a lead number (#123)")
}
