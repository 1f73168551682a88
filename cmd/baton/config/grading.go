package config

import (
	"strconv"
	"strings"

	"github.com/baton-crm/baton/crm"
	"gopkg.in/yaml.v3"
)

// defaultThresholds are the grade lines when grading: gives none.
var defaultThresholds = crm.GradeThresholds{A: 60, B: 40, C: 20}

// grading reads the grading: section. Each rule's expression is compiled and type-checked here, so a typo
// (soruce == 'x') or an expression that is not a yes/no question stops the load with its line, instead of
// quietly never firing.
func (p *parser) grading(n *yaml.Node, at string) *crm.Grading {
	f := p.fields(n, at, "rules", "thresholds")
	if f == nil {
		return nil
	}
	g := &crm.Grading{Thresholds: defaultThresholds}
	rules, ok := f["rules"]
	if !ok || len(p.items(rules.val, rules.path)) == 0 {
		p.errorf(n, join(at, "rules"), "list at least one rule ({when: EXPRESSION, points: N, reason: {zh: …, en: …}})")
	}
	if ok {
		for i, item := range p.items(rules.val, rules.path) {
			if r, when, ok := p.gradeRule(item, index(rules.path, i)); ok {
				g.Rules = append(g.Rules, r)
				p.gradeWhen = append(p.gradeWhen, gradeWhen{when, join(index(rules.path, i), "when")})
			}
		}
	}
	if v, ok := f["thresholds"]; ok {
		p.thresholds(v.val, v.path, &g.Thresholds)
	}
	return g
}

func (p *parser) gradeRule(n *yaml.Node, at string) (crm.GradeRule, *yaml.Node, bool) {
	f := p.fields(n, at, "when", "points", "reason")
	if f == nil {
		p.errorf(n, at, "empty rule; give when, points and reason")
		return crm.GradeRule{}, nil, false
	}
	when, whenNode := p.required(f, "when", n, at)
	pointsText, pointsNode := p.required(f, "points", n, at)
	var zh, en string
	if v, ok := f["reason"]; ok {
		rf := p.fields(v.val, v.path, "zh", "en")
		zh, _ = p.required(rf, "zh", v.val, v.path)
		en, _ = p.required(rf, "en", v.val, v.path)
	} else {
		p.errorf(n, join(at, "reason"), "required: {zh: …, en: …}, shown on the card")
	}
	points, err := strconv.Atoi(strings.TrimSpace(pointsText))
	if pointsText != "" && err != nil {
		p.errorf(pointsNode, join(at, "points"), "%q is not a whole number", pointsNode.Value)
	}
	if whenNode == nil || when == "" {
		return crm.GradeRule{}, nil, false
	}
	r, err := crm.NewGradeRule(when, points, zh, en)
	if err != nil {
		// expr's message is the problem, then the expression with a caret under it: the first line is enough
		// next to the YAML line.
		msg, _, _ := strings.Cut(err.Error(), "\n")
		p.errorf(whenNode, join(at, "when"), "%s (names: fields.KEY, source, campaign, region, tags)", msg)
		return crm.GradeRule{}, nil, false
	}
	return r, whenNode, true
}

// checkGradedFields refuses a grading rule that reads fields.KEY for a key fields: does not configure (a
// typo, fields.budgte, or a removed field would never fire, and the grade would quietly stop meaning what
// the team thinks), or that compares a field with a value of another type (fields.industry > 5).
func (p *parser) checkGradedFields(s *crm.Settings) {
	if s.Grading == nil {
		return
	}
	for i, r := range s.Grading.Rules {
		if i >= len(p.gradeWhen) {
			break
		}
		at := p.gradeWhen[i]
		known := true
		for _, key := range r.FieldKeys {
			if _, ok := s.Field(key); !ok {
				p.errorf(at.node, at.path, "fields.%s is not a field key (fields:)", key)
				known = false
			}
		}
		if !known || len(r.FieldKeys) == 0 {
			continue
		}
		if err := r.CheckFieldTypes(s.Fields); err != nil {
			msg, _, _ := strings.Cut(err.Error(), "\n")
			p.errorf(at.node, at.path, "%s (number and money fields are numbers, yes/no fields booleans, multiselect fields lists, the rest text)", msg)
		}
	}
}

func (p *parser) thresholds(n *yaml.Node, at string, t *crm.GradeThresholds) {
	f := p.fields(n, at, "A", "B", "C")
	for _, k := range []struct {
		key string
		dst *int
	}{{"A", &t.A}, {"B", &t.B}, {"C", &t.C}} {
		v, ok := f[k.key]
		if !ok {
			continue
		}
		s, ok := p.str(v.val, v.path)
		if !ok {
			continue
		}
		x, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			p.errorf(v.val, v.path, "%q is not a whole number", v.val.Value)
			continue
		}
		*k.dst = x
	}
	if !(t.A > t.B && t.B > t.C) {
		p.errorf(n, at, "thresholds must fall from A to C (A > B > C), got A %d, B %d, C %d", t.A, t.B, t.C)
	}
}

// grades reads a routing rule's grade: a letter or a list of letters.
func (p *parser) grades(n *yaml.Node, at string) []string {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = p.items(n, at)
	}
	var out []string
	for _, item := range items {
		g, ok := p.str(item, at)
		if !ok {
			continue
		}
		switch {
		case !contains(crm.GradeLetters, g):
			p.errorf(item, at, "%q is not a grade (A, B, C or D)", item.Value)
		case contains(out, g):
			p.errorf(item, at, "%q is listed twice", item.Value)
		default:
			out = append(out, g)
		}
	}
	return out
}

// sla reads a pool's two ladders (or a grade's, under by_grade). An absent ladder stays nil, so a grade
// that sets only one ladder keeps the pool's other.
func (p *parser) sla(f map[string]field) crm.SLA {
	var sla crm.SLA
	if w, ok := f["unclaimed"]; ok {
		sla.Unclaimed = p.ladder(w.val, w.path, unclaimedActions)
		if sla.Unclaimed == nil {
			sla.Unclaimed = []crm.SLAStep{} // written empty: no ladder for this grade
		}
	}
	if w, ok := f["first_contact"]; ok {
		sla.FirstContact = p.ladder(w.val, w.path, firstContactActions)
		if sla.FirstContact == nil {
			sla.FirstContact = []crm.SLAStep{}
		}
	}
	return sla
}

// slaByGrade reads sla.by_grade: {A: {unclaimed: [...], first_contact: [...]}, ...}.
func (p *parser) slaByGrade(n *yaml.Node, at string, graded bool) map[string]crm.SLA {
	if !graded {
		p.errorf(n, at, "ladders by grade need a grading: section")
	}
	out := map[string]crm.SLA{}
	for _, e := range p.pairs(n, at) {
		if !contains(crm.GradeLetters, e.key.Value) {
			p.errorf(e.key, e.path, "%q is not a grade (A, B, C or D)", e.key.Value)
			continue
		}
		out[e.key.Value] = p.sla(p.fields(e.val, e.path, "unclaimed", "first_contact"))
	}
	return out
}

// grading prints the grading: section for `baton config check`.
func (p *printer) grading(g *crm.Grading) {
	if g == nil {
		return
	}
	p.line(1, "grading:")
	p.line(2, "rules:")
	for _, r := range g.Rules {
		p.line(3, "- {when: %q, points: %d, reason: {zh: %q, en: %q}}", r.When, r.Points, r.Zh, r.En)
	}
	t := g.Thresholds
	p.line(2, "thresholds: {A: %d, B: %d, C: %d}", t.A, t.B, t.C)
}

// slaByGrade prints a pool's ladders by grade, A to D.
func (p *printer) slaByGrade(by map[string]crm.SLA) {
	if len(by) == 0 {
		return
	}
	p.line(4, "by_grade:")
	for _, g := range crm.GradeLetters {
		sla, ok := by[g]
		if !ok {
			continue
		}
		var parts []string
		if sla.Unclaimed != nil {
			parts = append(parts, "unclaimed: ["+steps(sla.Unclaimed)+"]")
		}
		if sla.FirstContact != nil {
			parts = append(parts, "first_contact: ["+steps(sla.FirstContact)+"]")
		}
		p.line(5, "%s: {%s}", g, strings.Join(parts, ", "))
	}
}
