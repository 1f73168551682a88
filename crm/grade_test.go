package crm

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustGradeRule(t *testing.T, when string, points int, zh, en string) GradeRule {
	t.Helper()
	r, err := NewGradeRule(when, points, zh, en)
	if err != nil {
		t.Fatalf("NewGradeRule(%q): %v", when, err)
	}
	return r
}

func testGrading(t *testing.T) *Grading {
	return &Grading{
		Rules: []GradeRule{
			mustGradeRule(t, "fields.budget >= 100000", 30, "预算≥10万", "Budget ≥ 100k"),
			mustGradeRule(t, "fields.decision_maker == true", 20, "决策人", "Decision maker"),
			mustGradeRule(t, "fields.industry in ['manufacturing', 'energy']", 15, "目标行业", "Target industry"),
			mustGradeRule(t, "'plc' in fields.products", 5, "要 PLC", "Wants PLC"),
			mustGradeRule(t, "source == 'jdy-leads'", 10, "官网表单", "Website form"),
			mustGradeRule(t, "'vip' in tags && region == '华东'", 10, "华东 VIP", "East VIP"),
			mustGradeRule(t, "campaign startsWith 'spam'", -25, "垃圾活动", "Spam campaign"),
		},
		Thresholds: GradeThresholds{A: 60, B: 40, C: 20},
	}
}

// Field rules read Lead.Fields as the fields helper types them: money as float64, bool, select as string,
// multiselect as []string. A lead without a field simply does not earn that rule's points.
func TestGradeFieldRules(t *testing.T) {
	t.Parallel()
	g := testGrading(t)
	cases := []struct {
		name   string
		in     GradeInput
		letter string
		points int
		top    []string
	}{
		{"budget and decision maker", GradeInput{Fields: map[string]any{"budget": 200000.0, "decision_maker": true}, Source: "jdy-leads"},
			"A", 60, []string{"预算≥10万", "决策人", "官网表单"}},
		{"budget exactly at the line", GradeInput{Fields: map[string]any{"budget": 100000.0}}, "C", 30, []string{"预算≥10万"}},
		{"missing budget does not fire", GradeInput{Fields: map[string]any{"decision_maker": true}}, "C", 20, []string{"决策人"}},
		{"no fields at all", GradeInput{Source: "api"}, "D", 0, nil},
		{"budget of the wrong type does not fire", GradeInput{Fields: map[string]any{"budget": "lots"}}, "D", 0, nil},
		{"select and multiselect", GradeInput{Fields: map[string]any{"industry": "energy", "products": []string{"plc", "hmi"}}},
			"C", 20, []string{"目标行业", "要 PLC"}},
		{"missing multiselect does not fire", GradeInput{Fields: map[string]any{"industry": "retail"}}, "D", 0, nil},
		{"tags and region", GradeInput{Tags: []string{"vip"}, Region: "华东", Fields: map[string]any{"budget": 150000.0}},
			"B", 40, []string{"预算≥10万", "华东 VIP"}},
		{"negative points", GradeInput{Campaign: "spam-2026", Fields: map[string]any{"budget": 150000.0}}, "D", 5, []string{"预算≥10万", "垃圾活动"}},
	}
	for _, c := range cases {
		got := g.Compute(&c.in)
		var zh []string
		for _, r := range got.Reasons {
			zh = append(zh, r.Zh)
		}
		if got.Letter != c.letter || got.Points != c.points || !cmp.Equal(zh, c.top) {
			t.Errorf("%s: got %s %d %v, want %s %d %v", c.name, got.Letter, got.Points, zh, c.letter, c.points, c.top)
		}
	}
}

func TestGradeOfLeadFields(t *testing.T) {
	t.Parallel()
	s := &Settings{Grading: testGrading(t)}
	l := &Lead{Source: "api", Fields: map[string]any{"budget": 300000.0}}
	if !s.Regrade(l, "") || l.Grade.Letter != "C" || l.Grade.Points != 30 {
		t.Fatalf("grade = %+v", l.Grade)
	}
	if s.Regrade(l, "") {
		t.Error("regrading unchanged inputs reported a change")
	}
	l.Fields["decision_maker"] = true
	l.Tags = []string{"vip"}
	if !s.Regrade(l, "华东") || l.Grade.Letter != "A" || l.Grade.Points != 60 {
		t.Fatalf("after edits grade = %+v", l.Grade)
	}
	want := []GradeReason{{"预算≥10万", "Budget ≥ 100k", 30}, {"决策人", "Decision maker", 20}}
	if d := cmp.Diff(want, l.Grade.Top(2)); d != "" {
		t.Errorf("top reasons (-want +got):\n%s", d)
	}
	if (&Settings{}).Regrade(l, "") {
		t.Error("regrading without grading: changed the lead")
	}
}

// Expressions are checked when the config loads: unknown names and non-boolean results are refused.
func TestNewGradeRuleRefuses(t *testing.T) {
	t.Parallel()
	for when, want := range map[string]string{
		"soruce == 'x'":     "soruce",
		"source + campaign": "bool",
		"source == 1":       "mismatched",
		"source ==":         "unexpected",
	} {
		_, err := NewGradeRule(when, 1, "x", "x")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NewGradeRule(%q) = %v, want an error mentioning %q", when, err, want)
		}
	}
	r := mustGradeRule(t, "fields.budget > 1 && fields['head_count'] > 2 || fields.budget < 0", 1, "x", "x")
	if d := cmp.Diff([]string{"budget", "head_count"}, r.FieldKeys); d != "" {
		t.Errorf("FieldKeys (-want +got):\n%s", d)
	}
}

func TestGradeThresholds(t *testing.T) {
	t.Parallel()
	th := GradeThresholds{A: 60, B: 40, C: 20}
	for p, want := range map[int]string{100: "A", 60: "A", 59: "B", 40: "B", 20: "C", 19: "D", -5: "D"} {
		if got := th.Letter(p); got != want {
			t.Errorf("Letter(%d) = %s, want %s", p, got, want)
		}
	}
}

// TestGradeRuleFieldTypes: a rule is checked against the configured fields' types; comparing a field with
// a value of another type is refused, rules that fit pass.
func TestGradeRuleFieldTypes(t *testing.T) {
	t.Parallel()
	defs := []FieldDef{
		{Key: "budget", Type: FieldMoney}, {Key: "head_count", Type: FieldNumber}, {Key: "industry", Type: FieldSelect},
		{Key: "decision_maker", Type: FieldBool}, {Key: "products", Type: FieldMultiselect}, {Key: "sign_date", Type: FieldDate},
	}
	for _, tt := range []struct {
		when string
		ok   bool
	}{
		{"fields.budget >= 100000", true},
		{"fields.head_count > 50 && fields.budget < 1e6", true},
		{"fields.industry in ['manufacturing', 'energy']", true},
		{"fields.decision_maker == true", true},
		{"fields.decision_maker", true},
		{"'crm' in fields.products", true},
		{"fields.sign_date >= '2026-01-01'", true},
		{"source == 'jdy' && 'vip' in tags", true},
		{"fields.industry > 5", false},
		{"fields.budget >= '10万'", false},
		{"fields.products == 'crm'", false},
	} {
		r, err := NewGradeRule(tt.when, 10, "x", "x")
		if err != nil {
			t.Fatalf("%s: %v", tt.when, err)
		}
		if err := r.CheckFieldTypes(defs); (err == nil) != tt.ok {
			t.Errorf("%s: err %v, want ok %v", tt.when, err, tt.ok)
		}
	}
}
