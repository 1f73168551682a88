package cards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/baton-crm/baton/crm"
)

func fixtureDigest(partial, all bool) *crm.Digest {
	w, _ := crm.ISOWeek(2026, 48, shanghai)
	now := w.End.Add(9 * time.Hour)
	if partial {
		now = w.Start.Add(3*24*time.Hour + 15*time.Hour)
	}
	cur := &crm.DigestFigures{
		NewLeads: 3,
		Sources: []crm.SourceCount{{Source: "web-form", Campaign: "双11", FirstTouch: 2, LastTouch: 1},
			{Source: "ads", Campaign: "春季", FirstTouch: 1, LastTouch: 2}},
		Claims: 4, ClaimTime: crm.Percentiles{N: 4, P50: 44100 * time.Second, P90: 204840 * time.Second},
		FirstContact: crm.Percentiles{N: 3, P50: 1800 * time.Second, P90: 14760 * time.Second},
		Breaches: []crm.BreachCount{{Clock: "unclaimed", Step: 0, Action: crm.ActionRemindPool, Count: 1},
			{Clock: "first_contact", Step: 1, Action: crm.ActionEscalate, Count: 1}},
		BreachesRep: []crm.BreachCount{{Clock: "first_contact", OwnerID: "ou_b", Count: 2}},
		Recycled:    1,
		Funnel: []crm.StageCount{{Stage: crm.StageNew, Count: 3}, {Stage: crm.StageContacted, Count: 2},
			{Stage: crm.StageQualified, Count: 1}, {Stage: crm.StageProposal, Count: 1}, {Stage: crm.StageWon, Count: 1}},
		CohortLost: 1, Won: 1, Lost: 2, Revenue: 5000000,
		LostReasons: []crm.KeyCount{{Key: "no_response", Count: 1}, {Key: "price", Count: 1}},
		Quality: []crm.QualityCount{{Source: "ads", Quality: crm.QualityDuplicate, Count: 1},
			{Source: "web-form", Quality: crm.QualityInvalidNumber, Count: 1}},
		InsightTags: []crm.KeyCount{{Key: "企业版", Count: 2}, {Key: "预算充足", Count: 1}},
		Leaders:     []crm.RepFigures{{OpenID: "ou_a", Claims: 3, Contacts: 2, Wins: 1}, {OpenID: "ou_b", Claims: 1, Contacts: 1}},
	}
	prev := &crm.DigestFigures{NewLeads: 2, Claims: 1, ClaimTime: crm.Percentiles{N: 1, P50: 300 * time.Second, P90: 300 * time.Second}}
	pools := []*crm.Pool{{Key: "east", Name: "华东线索池"}}
	if all {
		pools = append(pools, &crm.Pool{Key: "west", Name: "华西线索池"})
	}
	return &crm.Digest{Pools: pools, AllPools: all, Week: w, Now: now, Figures: cur, Prev: prev}
}

func fixtureFeedback() *crm.FeedbackSummary {
	until := time.Date(2026, 11, 27, 18, 0, 0, 0, shanghai)
	cur := []crm.FeedbackRow{
		{Source: "web-form", Campaign: "双11", Leads: 3, Claimed: 3, Contacted: 3, Won: 2, Verdicts: 1, Invalid: 1,
			LostReasons: []crm.KeyCount{{Key: "no_response", Count: 1}}},
		{Source: "ads", Campaign: "春季", Leads: 2, Claimed: 1, Verdicts: 1, Duplicate: 1},
	}
	prev := []crm.FeedbackRow{{Source: "web-form", Campaign: "双11", Leads: 4}}
	return crm.SummarizeFeedback(cur, prev, until.Add(-crm.FeedbackWindow), until)
}

func TestDigestCardsGolden(t *testing.T) {
	r := Renderer{}
	for name, b := range map[string][]byte{
		"digest_week":          r.DigestCard(fixtureDigest(false, false)),
		"digest_graded":        r.DigestCard(gradedDigest()),
		"digest_all_partial":   r.DigestCard(fixtureDigest(true, true)),
		"feedback_summary":     r.FeedbackCard(fixtureFeedback()),
		"digest_empty_no_prev": r.DigestCard(&crm.Digest{Week: fixtureDigest(false, false).Week, Now: fixtureDigest(false, false).Now, Figures: &crm.DigestFigures{}, Pools: []*crm.Pool{{Key: "east"}}}),
	} {
		t.Run(name, func(t *testing.T) {
			checkCard(t, name, b)
			compareGolden(t, name, b)
		})
	}
}

// charts returns the chart specs of a card in order.
func charts(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var c struct {
		Body struct {
			Elements []map[string]any `json:"elements"`
		} `json:"body"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range c.Body.Elements {
		if e["tag"] == "chart" {
			out = append(out, e["chart_spec"].(map[string]any))
		}
	}
	return out
}

func TestDigestChartsCarryTheFigures(t *testing.T) {
	t.Parallel()
	specs := charts(t, Renderer{}.DigestCard(fixtureDigest(false, false)))
	if len(specs) != 2 {
		t.Fatalf("%d charts, want the source bars and the funnel", len(specs))
	}
	type point struct {
		Label string
		N     float64
	}
	values := func(spec map[string]any, label, value string) []point {
		var out []point
		for _, v := range spec["data"].(map[string]any)["values"].([]any) {
			m := v.(map[string]any)
			l := m[label].(string)
			if mo, ok := m["model"].(string); ok {
				l += "|" + mo
			}
			out = append(out, point{l, m[value].(float64)})
		}
		return out
	}
	// A chart spec has no per-locale text (Lark translates only content, default_value and img_key:
	// https://open.feishu.cn/document/feishu-cards/configure-multi-language-content), so the labels are in
	// the team's language, Chinese unless the renderer says English.
	wantBars := []point{{"web-form|首次触达", 2}, {"web-form|末次触达", 1}, {"ads|首次触达", 1}, {"ads|末次触达", 2}}
	if diff := cmp.Diff(wantBars, values(specs[0], "source", "leads")); diff != "" {
		t.Errorf("source bars (-want +got):\n%s", diff)
	}
	wantFunnel := []point{{"新线索", 3}, {"已联系", 2}, {"已确认需求", 1}, {"方案报价", 1}, {"赢单", 1}}
	if diff := cmp.Diff(wantFunnel, values(specs[1], "stage", "leads")); diff != "" {
		t.Errorf("funnel (-want +got):\n%s", diff)
	}
	en := charts(t, Renderer{Language: "en"}.DigestCard(fixtureDigest(false, false)))
	wantBars = []point{{"web-form|First touch", 2}, {"web-form|Last touch", 1}, {"ads|First touch", 1}, {"ads|Last touch", 2}}
	if diff := cmp.Diff(wantBars, values(en[0], "source", "leads")); diff != "" {
		t.Errorf("English source bars (-want +got):\n%s", diff)
	}
	wantFunnel = []point{{"New", 3}, {"Contacted", 2}, {"Qualified", 1}, {"Proposal", 1}, {"Won", 1}}
	if diff := cmp.Diff(wantFunnel, values(en[1], "stage", "leads")); diff != "" {
		t.Errorf("English funnel (-want +got):\n%s", diff)
	}
}

// TestDigestCardWorstCase fills every list past its cap with the longest names and hostile text: the card
// must stay under 30 KB and 5 charts, and outside text must never reach markdown.
func TestDigestCardWorstCase(t *testing.T) {
	t.Parallel()
	d := fixtureDigest(false, true)
	f := d.Figures
	hostile := "**粗体** <at id=all></at> [链接](https://evil.example) " + strings.Repeat("长", 100)
	f.Sources, f.Quality, f.InsightTags, f.Leaders, f.BreachesRep = nil, nil, nil, nil, nil
	for i := range 300 {
		src := fmt.Sprintf("source-%03d-%s", i, hostile)
		f.Sources = append(f.Sources, crm.SourceCount{Source: src, Campaign: hostile, FirstTouch: 300 - i, LastTouch: i})
		f.Quality = append(f.Quality, crm.QualityCount{Source: src, Quality: crm.QualityInvalidNumber, Count: i})
		f.InsightTags = append(f.InsightTags, crm.KeyCount{Key: hostile, Count: i})
		f.Leaders = append(f.Leaders, crm.RepFigures{OpenID: fmt.Sprintf("ou_%032d", i), Claims: i, Contacts: i, Wins: i})
		f.BreachesRep = append(f.BreachesRep, crm.BreachCount{OwnerID: fmt.Sprintf("ou_%032d", i), Count: 1})
		f.LostReasons = append(f.LostReasons, crm.KeyCount{Key: hostile, Count: 1})
	}
	b := Renderer{}.DigestCard(d)
	rep := checkCard(t, "digest_worst_case", b)
	for _, s := range rep.markdown {
		if strings.Contains(s, "粗体") || strings.Contains(s, "<at id=all>") || strings.Contains(s, "evil.example") {
			t.Fatalf("outside text reached markdown: %.120q", s)
		}
	}
	if n := len(charts(t, b)); n < 2 || n > 5 {
		t.Errorf("%d charts, want 2 to 5", n)
	}
}

func TestFeedbackCardHighlightsMovers(t *testing.T) {
	t.Parallel()
	b := Renderer{}.FeedbackCard(fixtureFeedback())
	rep := checkCard(t, "feedback_summary", b)
	joined := strings.Join(rep.plain, "\n")
	// ads/春季 is new (no data before) at 50% bad; web-form/双11 went from 0% to 33%.
	for _, want := range []string{
		"▲ ads / 春季：空号/重复占比 50%（上期无数据）",
		"▲ web-form / 双11: invalid or duplicate 33% (was 0%)",
		"web-form / 双11：线索 3 · 认领 3 · 联系 3 · 赢单 2 · 空号率 33% · 重复率 0% · 输单：联系不上 1",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("feedback card lacks %q", want)
		}
	}
	if !bytes.Contains(b, []byte(`"text_color":"red"`)) {
		t.Error("worst movers are not highlighted in red")
	}
}
