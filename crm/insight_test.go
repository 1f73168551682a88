package crm

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// memInsights is an in-memory InsightStore over a fixed set of customers.
type memInsights struct {
	customers []*Customer
	insights  []Insight
}

func (m *memInsights) AddInsight(_ context.Context, in *Insight) error {
	in.ID = int64(len(m.insights) + 1)
	m.insights = append(m.insights, *in)
	return nil
}

func (m *memInsights) ResolveInsight(_ context.Context, id int64, t InsightTarget) (*Insight, error) {
	for i := range m.insights {
		if m.insights[i].ID == id {
			if !m.insights[i].Target.IsZero() {
				return nil, Errorf(ECONFLICT, "insight already has a target")
			}
			m.insights[i].Target = t
			in := m.insights[i]
			return &in, nil
		}
	}
	return nil, Errorf(ENOTFOUND, "insight not found")
}

func (m *memInsights) InsightsFor(_ context.Context, customerID int64, campaign, source string, limit int) ([]Insight, error) {
	var out []Insight
	for i := len(m.insights) - 1; i >= 0 && len(out) < limit; i-- {
		t := m.insights[i].Target
		if (customerID != 0 && t.CustomerID == customerID) || (campaign != "" && t.Campaign == campaign) ||
			(source != "" && t.Source == source) {
			out = append(out, m.insights[i])
		}
	}
	return out, nil
}

func (m *memInsights) FindCustomers(_ context.Context, q CustomerQuery) ([]CustomerMatch, error) {
	var out []CustomerMatch
	for _, c := range m.customers {
		if (q.Phone != "" && c.Phone == q.Phone) || (q.Company != "" && c.Company == q.Company) {
			out = append(out, CustomerMatch{Customer: c, LeadID: c.ID * 10})
		}
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// customerLeads serves Customer from memInsights' customers; the rest of LeadStore is not used here.
type customerLeads struct {
	LeadStore
	m *memInsights
}

// ListLeads finds no leads to redraw: these tests look at insights, not cards.
func (c customerLeads) ListLeads(context.Context, LeadFilter) ([]*Lead, error) { return nil, nil }

func (c customerLeads) Customer(_ context.Context, id int64) (*Customer, error) {
	for _, cu := range c.m.customers {
		if cu.ID == id {
			return cu, nil
		}
	}
	return nil, Errorf(ENOTFOUND, "customer not found")
}

var insightNow = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func insightService() (*Service, *memInsights) {
	m := &memInsights{customers: []*Customer{
		{ID: 1, Phone: "+8613800138000", Company: "ACME"},
		{ID: 2, Phone: "+8613900139000", Company: "Zeta"},
		{ID: 3, Phone: "+8613700137000", Company: "Zeta"},
	}}
	s := &Service{Leads: customerLeads{m: m}, Insights: m, Settings: &Settings{OpsChannels: []string{"oc_ops"}},
		Now: func() time.Time { return insightNow }, Logger: slog.New(slog.DiscardHandler)}
	return s, m
}

func mustParse(t *testing.T, text string) InsightRequest {
	t.Helper()
	r, err := ParseInsight(text)
	if err != nil {
		t.Fatalf("ParseInsight(%q): %v", text, err)
	}
	r.AuthorID, r.ChatID, r.MessageID = "ou_ops", "oc_ops", "om_1"
	return r
}

func TestAddInsightToOneCustomer(t *testing.T) {
	t.Parallel()
	s, m := insightService()
	res, err := s.AddInsight(context.Background(), mustParse(t, "13800138000 #价格敏感 关注交付周期"))
	if err != nil {
		t.Fatal(err)
	}
	want := Insight{ID: 1, Target: InsightTarget{CustomerID: 1}, Tags: []string{"价格敏感"}, Note: "关注交付周期",
		AuthorID: "ou_ops", ChatID: "oc_ops", MessageID: "om_1", CreatedAt: insightNow}
	if diff := cmp.Diff(want, *res.Insight); diff != "" {
		t.Errorf("insight (-want +got):\n%s", diff)
	}
	if res.Customer == nil || res.Customer.ID != 1 || len(res.Candidates) != 0 {
		t.Errorf("result customer %+v, candidates %v", res.Customer, res.Candidates)
	}
	if len(m.insights) != 1 {
		t.Errorf("stored %d insights, want 1", len(m.insights))
	}
}

func TestAddInsightAmbiguousThenPick(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, m := insightService()
	res, err := s.AddInsight(ctx, mustParse(t, "Zeta #大客户"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Candidates) != 2 || !res.Insight.Target.IsZero() {
		t.Fatalf("ambiguous: candidates %d, target %+v; want 2 and a pending insight", len(res.Candidates), res.Insight.Target)
	}
	if got, _ := m.InsightsFor(ctx, 3, "", "", 10); len(got) != 0 {
		t.Fatal("a pending insight was filed under a customer")
	}
	if _, err := s.PickInsightTarget(ctx, res.Insight.ID, 3, "ou_ops", "oc_sales"); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("pick outside the ops channel: %v, want EFORBIDDEN", err)
	}
	picked, err := s.PickInsightTarget(ctx, res.Insight.ID, 3, "ou_ops", "oc_ops")
	if err != nil {
		t.Fatal(err)
	}
	if picked.Insight.Target.CustomerID != 3 || picked.Customer.ID != 3 {
		t.Errorf("picked %+v", picked.Insight.Target)
	}
	if _, err := s.PickInsightTarget(ctx, res.Insight.ID, 2, "ou_ops", "oc_ops"); ErrorCode(err) != ECONFLICT {
		t.Errorf("second pick: %v, want ECONFLICT", err)
	}
	if _, err := s.PickInsightTarget(ctx, res.Insight.ID, 99, "ou_ops", "oc_ops"); ErrorCode(err) != ENOTFOUND {
		t.Errorf("pick of an unknown customer: %v, want ENOTFOUND", err)
	}
}

func TestAddInsightRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, m := insightService()
	unknown := mustParse(t, "13600136000 #a")
	if _, err := s.AddInsight(ctx, unknown); ErrorCode(err) != ENOTFOUND {
		t.Errorf("unknown customer: %v, want ENOTFOUND", err)
	}
	elsewhere := mustParse(t, "13800138000 #a")
	elsewhere.ChatID = "oc_sales"
	if _, err := s.AddInsight(ctx, elsewhere); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("outside the ops channel: %v, want EFORBIDDEN", err)
	}
	if _, err := s.AddInsight(ctx, InsightRequest{ChatID: "oc_ops", Tags: []string{"a"}}); ErrorCode(err) != EINVALID {
		t.Errorf("no target: %v, want EINVALID", err)
	}
	if len(m.insights) != 0 {
		t.Errorf("refused insights were stored: %v", m.insights)
	}
	s.Insights = nil
	if _, err := s.AddInsight(ctx, mustParse(t, "13800138000 #a")); ErrorCode(err) != EUNAVAILABLE {
		t.Errorf("without a store: %v, want EUNAVAILABLE", err)
	}
}

func TestListInsights(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := insightService()
	for _, text := range []string{"13800138000 #a", "campaign:双11 #预算充足", "13800138000 #b 第二条"} {
		if _, err := s.AddInsight(ctx, mustParse(t, text)); err != nil {
			t.Fatal(err)
		}
	}
	ops := InsightReader{ChatID: "oc_ops"} // an ops channel sees every customer in full
	q, _, err := ParseInsightTarget("13800138000")
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.ListInsights(ctx, ops, q)
	if err != nil {
		t.Fatal(err)
	}
	if l.Customer == nil || l.Customer.ID != 1 || len(l.Insights) != 2 || l.Insights[0].Note != "第二条" {
		t.Errorf("customer listing = %+v", l)
	}
	c, _, _ := ParseInsightTarget("campaign:双11")
	if l, err := s.ListInsights(ctx, ops, c); err != nil || len(l.Insights) != 1 || l.Target.Campaign != "双11" {
		t.Errorf("campaign listing = %+v, %v", l, err)
	}
	z, _, _ := ParseInsightTarget("Zeta")
	if l, err := s.ListInsights(ctx, ops, z); err != nil || len(l.Candidates) != 2 || len(l.Insights) != 0 {
		t.Errorf("ambiguous listing = %+v, %v", l, err)
	}
	if l, err := s.CustomerInsights(ctx, ops, 1); err != nil || len(l.Insights) != 2 {
		t.Errorf("CustomerInsights = %+v, %v", l, err)
	}
	u, _, _ := ParseInsightTarget("13600136000")
	if _, err := s.ListInsights(ctx, ops, u); ErrorCode(err) != ENOTFOUND {
		t.Errorf("unknown customer: %v, want ENOTFOUND", err)
	}
}

// viewLeads serves one lead and its customer for View.
type viewLeads struct {
	customerLeads
	lead *Lead
}

func (v viewLeads) Lead(context.Context, int64) (*Lead, error) { l := *v.lead; return &l, nil }

func (v viewLeads) Touches(context.Context, int64) ([]Touch, error) { return nil, nil }

func (v viewLeads) Timeline(context.Context, int64) ([]LeadEvent, error) { return nil, nil }

func TestViewCarriesInsights(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, m := insightService()
	s.Settings.Pools = []Pool{{Key: "east", Name: "华东"}}
	s.Leads = viewLeads{customerLeads: customerLeads{m: m}, lead: &Lead{ID: 7, CustomerID: 1, Source: "web-form", Campaign: "双11", Pool: "east"}}
	for _, text := range []string{"13800138000 #a", "campaign:双11 #b", "source:web-form #c", "campaign:618 #d", "13900139000 #e"} {
		if _, err := s.AddInsight(ctx, mustParse(t, text)); err != nil {
			t.Fatal(err)
		}
	}
	v, err := s.View(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, in := range v.Insights {
		tags = append(tags, in.Tags...)
	}
	if diff := cmp.Diff([]string{"c", "b", "a"}, tags); diff != "" {
		t.Errorf("view insights, newest first (-want +got):\n%s", diff)
	}
	s.Insights = nil
	if v, err := s.View(ctx, 7); err != nil || v.Insights != nil {
		t.Errorf("without a store: %v, %v; want a view without insights", v.Insights, err)
	}
}
