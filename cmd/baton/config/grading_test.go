package config

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/baton-crm/baton/crm"
)

const gradingYAML = pool + `    sla:
      unclaimed: [{after: 30m, do: escalate}]
      by_grade:
        A: {unclaimed: [{after: 5m, do: remind_pool}, {after: 10m, do: escalate}]}
        D: {first_contact: []}
routing:
  - {match: {grade: [A, B]}, pool: east}
  - {pool: east}
grading:
  rules:
    - {when: "fields.budget >= 100000", points: 30, reason: {zh: 预算≥10万, en: "Budget ≥ 100k"}}
    - when: |
        'vip' in tags
      points: -5
      reason: {zh: 贵宾, en: VIP}
  thresholds: {A: 50, B: 25, C: 10}
fields:
  - {key: budget, label: {zh: 预算, en: Budget}, type: money}
`

func TestParseGrading(t *testing.T) {
	t.Parallel()
	s, err := ParseSettings([]byte(gradingYAML), "baton.yaml", mapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	g := s.Grading
	if g == nil || len(g.Rules) != 2 || g.Thresholds != (crm.GradeThresholds{A: 50, B: 25, C: 10}) {
		t.Fatalf("grading = %+v", g)
	}
	if r := g.Rules[1]; r.Points != -5 || r.Zh != "贵宾" || r.En != "VIP" {
		t.Errorf("rule 2 = %+v", r)
	}
	if got := g.Compute(&crm.GradeInput{Fields: map[string]any{"budget": 120000.0}}); got.Letter != "B" || got.Points != 30 {
		t.Errorf("grade = %+v", got)
	}
	if got := s.Routing[0].Grades; len(got) != 2 || got[0] != "A" || got[1] != "B" {
		t.Errorf("routing grades = %v", got)
	}
	p := &s.Pools[0]
	a := p.Ladders(&crm.Lead{Grade: crm.Grade{Letter: "A"}})
	b := p.Ladders(&crm.Lead{Grade: crm.Grade{Letter: "B"}})
	d := p.Ladders(&crm.Lead{Grade: crm.Grade{Letter: "D"}})
	if len(a.Unclaimed) != 2 || a.Unclaimed[0].Action != crm.ActionRemindPool || len(b.Unclaimed) != 1 ||
		len(d.Unclaimed) != 1 || len(d.FirstContact) != 0 {
		t.Errorf("ladders: A %+v, B %+v, D %+v", a, b, d)
	}
	var out strings.Builder
	(&Config{Settings: s}).Fprint(&out)
	for _, want := range []string{
		"        by_grade:\n          A: {unclaimed: [{after: 5m, do: remind_pool}, {after: 10m, do: escalate}]}\n          D: {first_contact: []}\n",
		"    - {match: {grade: [A, B]}, pool: east}\n",
		"  grading:\n    rules:\n      - {when: \"fields.budget >= 100000\", points: 30, reason: {zh: \"预算≥10万\", en: \"Budget ≥ 100k\"}}\n",
		"    thresholds: {A: 50, B: 25, C: 10}\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("config check output lacks %q:\n%s", want, out.String())
		}
	}
}

// A grading expression that does not type-check stops the load with the line of its when.
func TestParseGradingErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"typo", "grading:\n  rules:\n    - {when: \"soruce == 'x'\", points: 10, reason: {zh: 表单, en: Form}}\n",
			"baton.yaml:3: grading.rules[0].when: unknown name soruce (1:1) (names: fields.KEY, source, campaign, region, tags)"},
		{"not a question", "grading:\n  rules:\n    - points: 10\n      reason: {zh: 表单, en: Form}\n      when: source + campaign\n",
			"baton.yaml:5: grading.rules[0].when: expected bool, but got string (names: fields.KEY, source, campaign, region, tags)"},
		{"shape", "grading:\n  rules:\n    - {when: \"source == 'x'\", points: ten, reason: {zh: 表单}}\n  thresholds: {A: 10, B: 20}\n",
			"baton.yaml:3: grading.rules[0].points: \"ten\" is not a whole number\n" +
				"baton.yaml:3: grading.rules[0].reason.en: required\n" +
				"baton.yaml:4: grading.thresholds: thresholds must fall from A to C (A > B > C), got A 10, B 20, C 20"},
		{"unknown field", "grading:\n  rules:\n    - {when: \"source == 'x'\", points: 5, reason: {zh: 表单, en: Form}}\n" +
			"    - {when: \"fields.budgte > 1 || fields.budget > 2\", points: 10, reason: {zh: 预算, en: Budget}}\n" +
			"fields:\n  - {key: budget, label: {zh: 预算, en: Budget}, type: money}\n",
			"baton.yaml:4: grading.rules[1].when: fields.budgte is not a field key (fields:)"},
		{"field type", "grading:\n  rules:\n    - {when: \"fields.industry > 5\", points: 5, reason: {zh: 行业, en: Industry}}\n" +
			"fields:\n  - {key: industry, label: {zh: 行业, en: Industry}, type: text}\n",
			"baton.yaml:3: grading.rules[0].when: invalid operation: > (mismatched types string and int) (1:17) " +
				"(number and money fields are numbers, yes/no fields booleans, multiselect fields lists, the rest text)"},
		{"no rules", "grading: {thresholds: {A: 3, B: 2, C: 1}}\n",
			"baton.yaml:1: grading.rules: list at least one rule ({when: EXPRESSION, points: N, reason: {zh: …, en: …}})"},
		{"grades without grading", pool + "    sla: {by_grade: {A: {unclaimed: []}}}\nrouting:\n  - {match: {grade: [A, E]}, pool: east}\n  - {pool: east}\n",
			"baton.yaml:5: pools[0].sla.by_grade: ladders by grade need a grading: section\n" +
				"baton.yaml:7: routing[0].match.grade: matching a grade needs a grading: section\n" +
				"baton.yaml:7: routing[0].match.grade: \"E\" is not a grade (A, B, C or D)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseSettings([]byte(tt.in), "baton.yaml", mapEnv(nil))
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error = %v, want Errors", err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// The README's grading example is a configuration that loads, so what people copy works.
func TestReadmeGradingExample(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "### Grades")
	_, block, ok2 := strings.Cut(section, "```yaml\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README has no grading example")
	}
	s, err := ParseSettings([]byte(block), "README.md", mapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Grading.Rules) != 6 || len(s.Pools[0].SLA.ByGrade) != 2 {
		t.Errorf("grading %+v, by grade %+v", s.Grading, s.Pools[0].SLA.ByGrade)
	}
	in := &crm.GradeInput{Fields: map[string]any{"budget": 200000.0, "decision_maker": true, "industry": "energy"}, Tags: []string{"竞品客户"}}
	if g := s.Grading.Compute(in); g.Letter != "B" || g.Points != 45 {
		t.Errorf("grade = %+v", g)
	}
}
