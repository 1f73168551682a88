package cards

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-crm/baton/crm"
)

func insightMatches() []crm.CustomerMatch {
	return []crm.CustomerMatch{
		{Customer: &crm.Customer{ID: 45, Name: "张三", Phone: fullPhone, Company: "ACME 科技"}, LeadID: 123},
		{Customer: &crm.Customer{ID: 46, Email: fullEmail, Company: "ACME 机器人"}, LeadID: 130},
	}
}

func customerListing() *crm.InsightListing {
	c := &crm.Customer{ID: 45, Name: "张三", Phone: fullPhone, Company: "ACME 科技", Tags: []string{"价格敏感", "决策人是cfo"}}
	return &crm.InsightListing{Target: crm.InsightTarget{CustomerID: 45}, Customer: c, Insights: []crm.Insight{
		{ID: 2, Target: crm.InsightTarget{CustomerID: 45}, Tags: []string{"决策人是cfo"}, Note: "关注交付周期",
			AuthorID: opsID, CreatedAt: now.Add(-time.Hour)},
		{ID: 1, Target: crm.InsightTarget{CustomerID: 45}, Tags: []string{"价格敏感"}, AuthorID: opsID,
			CreatedAt: now.Add(-50 * time.Hour)},
	}}
}

func insightGoldenCases() []goldenCase {
	saved := &crm.Insight{ID: 9, Target: crm.InsightTarget{CustomerID: 45}, Tags: []string{"价格敏感", "决策人是cfo"},
		Note: "关注交付周期", AuthorID: opsID, CreatedAt: now}
	campaign := &crm.Insight{ID: 10, Target: crm.InsightTarget{Campaign: "双11"}, Tags: []string{"预算充足"},
		Note: "大部分来自华东制造业", AuthorID: opsID, CreatedAt: now}
	return []goldenCase{
		{"insight_form", true, InsightForm},
		{"insight_pick", true, func() []byte { return InsightPick(insightMatches(), 9) }},
		{"insight_pick_list", true, func() []byte { return InsightPick(insightMatches(), 0) }},
		{"insight_saved_customer", true, func() []byte { return InsightSaved(saved, insightMatches()[0].Customer) }},
		{"insight_saved_campaign", true, func() []byte { return InsightSaved(campaign, nil) }},
		{"insight_list", true, func() []byte { return InsightList(customerListing(), now, shanghai) }},
		{"insight_list_empty", true, func() []byte {
			return InsightList(&crm.InsightListing{Target: crm.InsightTarget{Campaign: "618"}}, now, shanghai)
		}},
	}
}

// TestInsightGolden compares the insight cards with testdata/insight_*.golden.json (-update rewrites them).
func TestInsightGolden(t *testing.T) {
	for _, tc := range insightGoldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.build()
			checkCard(t, tc.name, got)
			compareGolden(t, tc.name, got)
			if tc.group {
				for _, secret := range []string{fullPhone, nationalPhone, fullEmail} {
					if strings.Contains(string(got), secret) {
						t.Errorf("%s: a group card shows the full contact %s", tc.name, secret)
					}
				}
			}
		})
	}
}

func TestInsightPickActions(t *testing.T) {
	t.Parallel()
	rep := checkCard(t, "pick", InsightPick(insightMatches(), 9))
	want := []Action{
		{Op: OpInsightPick, Args: map[string]string{"customer": "45", "insight": "9"}},
		{Op: OpInsightPick, Args: map[string]string{"customer": "46", "insight": "9"}},
	}
	if diff := cmp.Diff(want, rep.actions); diff != "" {
		t.Errorf("pick actions (-want +got):\n%s", diff)
	}
	rep = checkCard(t, "pick_list", InsightPick(insightMatches(), 0))
	if len(rep.actions) != 2 || rep.actions[0].Args["insight"] != "" || rep.actions[0].Args["customer"] != "45" {
		t.Errorf("listing pick actions = %+v, want customers without an insight", rep.actions)
	}
	// More matches than a card offers: the rest are summarised and the author is told to be precise.
	var many []crm.CustomerMatch
	for i := range crm.MaxInsightCandidates + 1 {
		many = append(many, crm.CustomerMatch{Customer: &crm.Customer{ID: int64(100 + i), Company: "Zeta"}})
	}
	b := InsightPick(many, 1)
	if rep := checkCard(t, "pick_many", b); len(rep.actions) != crm.MaxInsightCandidates {
		t.Errorf("pick card offers %d customers, want %d", len(rep.actions), crm.MaxInsightCandidates)
	}
	if !strings.Contains(string(b), "More customers match") {
		t.Error("pick card does not say more customers match")
	}
	rep = checkCard(t, "form", InsightForm())
	if len(rep.actions) != 1 || rep.actions[0].Op != OpInsightForm || rep.actions[0].Lead != 0 {
		t.Errorf("form actions = %+v, want one insight_form without a lead", rep.actions)
	}
}

func TestInsightCardsKeepUserTextPlain(t *testing.T) {
	t.Parallel()
	for _, h := range hostile {
		l := customerListing()
		l.Customer.Name, l.Customer.Company, l.Customer.Tags = h.in, h.in, []string{h.in}
		l.Insights[0].Note, l.Insights[0].Tags = h.in, []string{h.in}
		l.Insights[1].AuthorID = "all"
		m := insightMatches()
		m[0].Customer.Name, m[0].Customer.Company = h.in, h.in
		campaign := &crm.Insight{Target: crm.InsightTarget{Campaign: h.in}, Note: h.in, Tags: []string{h.in}}
		for name, b := range map[string][]byte{
			"list":   InsightList(l, now, shanghai),
			"pick":   InsightPick(m, 3),
			"saved":  InsightSaved(&l.Insights[0], l.Customer),
			"campgn": InsightSaved(campaign, nil),
		} {
			rep := checkCard(t, h.name+"/"+name, b)
			checkNoInjection(t, h.name+"/"+name, rep, opsID)
			if !strings.Contains(strings.Join(rep.plain, "\n"), marker) {
				t.Errorf("%s/%s: the user text is missing from the card", h.name, name)
			}
		}
	}
}
