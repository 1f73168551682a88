package crm

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// Grade is a lead's letter (A–D) with the points behind it and the rules that gave them, so a rep sees
// why a lead is an A (简道云's 线索评级 and Salesforce Einstein's score factors show the same). A zero
// Letter means the lead was not graded (no grading: configured).
type Grade struct {
	Letter  string
	Points  int
	Reasons []GradeReason // the rules that fired, most points first
}

// GradeReason is one rule that fired, in both languages, with its points.
type GradeReason struct {
	Zh, En string
	Points int
}

// Grade letters, best first. Below the C threshold a lead is a D.
var GradeLetters = []string{"A", "B", "C", "D"}

// Grading is the grading: section of baton.yaml: rules that add points and the thresholds that turn the
// sum into a letter.
type Grading struct {
	Rules      []GradeRule
	Thresholds GradeThresholds
}

// GradeThresholds are the lowest points for A, B and C (A > B > C); anything below C is a D.
type GradeThresholds struct{ A, B, C int }

// GradeRule adds Points when its expression holds for a lead. Build one with NewGradeRule, which compiles
// and type-checks the expression once.
type GradeRule struct {
	When   string
	Points int
	Zh, En string
	// FieldKeys are the custom field keys the expression reads (fields.KEY or fields["KEY"]), so the
	// configuration can check them against fields:.
	FieldKeys []string
	program   *vm.Program
}

// GradeInput is what a grading expression sees: the lead's custom fields, its source, campaign, tags and
// the customer's region. Tags are normalised as on the lead (lower case, no '#').
type GradeInput struct {
	Fields   map[string]any `expr:"fields"`
	Source   string         `expr:"source"`
	Campaign string         `expr:"campaign"`
	Region   string         `expr:"region"`
	Tags     []string       `expr:"tags"`
}

// NewGradeRule compiles when against GradeInput and checks that it yields a boolean. A name that is not
// one of fields, source, campaign, region and tags (a typo like soruce) is refused here, not at runtime.
func NewGradeRule(when string, points int, zh, en string) (GradeRule, error) {
	prog, err := expr.Compile(when, expr.Env(GradeInput{}), expr.AsBool())
	if err != nil {
		return GradeRule{}, err
	}
	r := GradeRule{When: when, Points: points, Zh: zh, En: en, program: prog}
	v := &fieldKeys{}
	node := prog.Node()
	ast.Walk(&node, v)
	r.FieldKeys = v.keys
	return r, nil
}

// CheckFieldTypes compiles the rule once more against the configured fields' types — number and money as
// numbers, yes/no as a boolean, multiselect as a list of option values, the rest as text — so that a rule
// comparing a field with a value of another type (fields.industry > 5, fields.budget >= '10万') is refused
// when the configuration loads rather than never firing. The rule itself runs against GradeInput, where a
// field the lead lacks is nil; this check reads types only. Every key the rule reads must be in defs.
func (r *GradeRule) CheckFieldTypes(defs []FieldDef) error {
	fields := make([]reflect.StructField, 0, len(defs))
	for i, d := range defs {
		var t reflect.Type
		switch {
		case d.Type.Numeric():
			t = reflect.TypeFor[float64]()
		case d.Type == FieldBool:
			t = reflect.TypeFor[bool]()
		case d.Type == FieldMultiselect:
			t = reflect.TypeFor[[]string]()
		default:
			t = reflect.TypeFor[string]()
		}
		fields = append(fields, reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: t, Tag: reflect.StructTag(`expr:"` + d.Key + `"`)})
	}
	str := reflect.TypeFor[string]()
	env := reflect.StructOf([]reflect.StructField{
		{Name: "Fields", Type: reflect.StructOf(fields), Tag: `expr:"fields"`},
		{Name: "Source", Type: str, Tag: `expr:"source"`},
		{Name: "Campaign", Type: str, Tag: `expr:"campaign"`},
		{Name: "Region", Type: str, Tag: `expr:"region"`},
		{Name: "Tags", Type: reflect.TypeFor[[]string](), Tag: `expr:"tags"`},
	})
	_, err := expr.Compile(r.When, expr.Env(reflect.New(env).Elem().Interface()), expr.AsBool())
	return err
}

// fieldKeys collects the constant keys read from fields.
type fieldKeys struct{ keys []string }

func (v *fieldKeys) Visit(n *ast.Node) {
	m, ok := (*n).(*ast.MemberNode)
	if !ok {
		return
	}
	id, ok := m.Node.(*ast.IdentifierNode)
	if !ok || id.Value != "fields" {
		return
	}
	if s, ok := m.Property.(*ast.StringNode); ok && !slices.Contains(v.keys, s.Value) {
		v.keys = append(v.keys, s.Value)
	}
}

// Fires reports whether the rule holds for in. An expression that fails at runtime does not fire: a lead
// without the field (fields.budget is nil, and nil >= 100000 is an error in expr) or with a value of
// another type simply earns no points, rather than failing the lead's intake.
func (r *GradeRule) Fires(in *GradeInput) bool {
	if r.program == nil {
		return false
	}
	out, err := expr.Run(r.program, *in)
	if err != nil {
		return false
	}
	b, _ := out.(bool)
	return b
}

// Compute grades in: every rule that fires adds its points; the sum against the thresholds gives the
// letter. A nil Grading grades nothing.
func (g *Grading) Compute(in *GradeInput) Grade {
	if g == nil {
		return Grade{}
	}
	var gr Grade
	for i := range g.Rules {
		r := &g.Rules[i]
		if r.Fires(in) {
			gr.Points += r.Points
			gr.Reasons = append(gr.Reasons, GradeReason{Zh: r.Zh, En: r.En, Points: r.Points})
		}
	}
	sort.SliceStable(gr.Reasons, func(i, j int) bool { return gr.Reasons[i].Points > gr.Reasons[j].Points })
	gr.Letter = g.Thresholds.Letter(gr.Points)
	return gr
}

// Letter turns points into A–D.
func (t GradeThresholds) Letter(points int) string {
	switch {
	case points >= t.A:
		return "A"
	case points >= t.B:
		return "B"
	case points >= t.C:
		return "C"
	}
	return "D"
}

// Top returns at most n reasons, most points first.
func (g Grade) Top(n int) []GradeReason {
	if len(g.Reasons) <= n {
		return g.Reasons
	}
	return g.Reasons[:n]
}

// Equal reports whether two grades say the same.
func (g Grade) Equal(o Grade) bool {
	return g.Letter == o.Letter && g.Points == o.Points && slices.Equal(g.Reasons, o.Reasons)
}

// FormatPoints writes points with their sign: "+30", "-10".
func FormatPoints(p int) string { return fmt.Sprintf("%+d", p) }

// GradeInputOf is what grading sees of a stored lead; region is its customer's.
func GradeInputOf(l *Lead, region string) *GradeInput {
	return &GradeInput{Fields: l.Fields, Source: l.Source, Campaign: l.Campaign, Region: region, Tags: l.Tags}
}

// gradeInputOfNew is what grading sees of an arrival, before it is routed.
func gradeInputOfNew(nl *NewLead) *GradeInput {
	return &GradeInput{Fields: nl.Fields, Source: nl.Source, Campaign: nl.Campaign, Region: nl.Region, Tags: nl.Tags}
}

// Regrade recomputes the lead's grade from its current inputs and reports whether it changed. Callers run
// it inside a lead mutation whenever tags, campaign or fields may have changed.
func (s *Settings) Regrade(l *Lead, region string) bool {
	if s.Grading == nil {
		return false
	}
	g := s.Grading.Compute(GradeInputOf(l, region))
	if g.Equal(l.Grade) {
		return false
	}
	l.Grade = g
	return true
}

// Ladders are the SLA ladders that apply to the lead: its grade's, where the pool sets one, else the
// pool's own.
func (p *Pool) Ladders(l *Lead) SLA {
	sla := SLA{Unclaimed: p.SLA.Unclaimed, FirstContact: p.SLA.FirstContact}
	if g, ok := p.SLA.ByGrade[l.Grade.Letter]; ok {
		if g.Unclaimed != nil {
			sla.Unclaimed = g.Unclaimed
		}
		if g.FirstContact != nil {
			sla.FirstContact = g.FirstContact
		}
	}
	return sla
}

// gradeRegion is the customer's region for regrading l, read only when grading is configured. A customer
// that cannot be read grades with no region rather than failing the write.
func (s *Service) gradeRegion(ctx context.Context, l *Lead) string {
	if s.Settings.Grading == nil {
		return ""
	}
	c, err := s.Leads.Customer(ctx, l.CustomerID)
	if err != nil {
		s.logger().Warn("read customer for grading", "lead_id", l.ID, "error", err)
		return ""
	}
	return c.Region
}

// Fired lists the rules that fire for in, in configuration order: the dry run's explanation.
func (g *Grading) Fired(in *GradeInput) []GradeRule {
	if g == nil {
		return nil
	}
	var out []GradeRule
	for i := range g.Rules {
		if g.Rules[i].Fires(in) {
			out = append(out, g.Rules[i])
		}
	}
	return out
}
