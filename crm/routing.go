package crm

import (
	"fmt"
	"path"
	"strings"
)

// RouteResult explains a routing decision.
type RouteResult struct {
	Pool      string
	RuleIndex int      // index of the matching rule; -1 when the lead named its pool
	Misses    []string // why each earlier rule did not match, in rule order
}

// Route picks the pool for a lead: the lead's own pool override when it names a configured pool, else the
// first rule that matches (source, campaign glob, region, all tags, grade), the default rule last. With
// grading configured, Route grades an ungraded lead first, so rules can match its grade.
func Route(s *Settings, l *NewLead) (RouteResult, error) {
	if s.Grading != nil && l.Grade.Letter == "" {
		l.Grade = s.Grading.Compute(gradeInputOfNew(l))
	}
	if len(s.Pools) == 0 {
		return RouteResult{}, Bilingual(EUNAVAILABLE, "尚未配置线索池", "No lead pool is configured")
	}
	if l.Pool != "" {
		if _, ok := s.Pool(l.Pool); !ok {
			return RouteResult{}, FieldError("pool", "pool %q does not exist", l.Pool)
		}
		return RouteResult{Pool: l.Pool, RuleIndex: -1}, nil
	}
	var res RouteResult
	for i, r := range s.Routing {
		if miss := r.miss(l); miss != "" {
			res.Misses = append(res.Misses, fmt.Sprintf("rule %d: %s", i+1, miss))
			continue
		}
		res.Pool, res.RuleIndex = r.Pool, i
		return res, nil
	}
	if len(s.Routing) == 0 {
		// With no rules at all, the first pool is the default.
		return RouteResult{Pool: s.Pools[0].Key, RuleIndex: -1}, nil
	}
	return res, Bilingual(EUNAVAILABLE, "没有匹配的路由规则", "No routing rule matches this lead")
}

// miss returns why r does not match l, or "" when it does.
func (r Rule) miss(l *NewLead) string {
	if r.Source != "" && r.Source != l.Source {
		return fmt.Sprintf("source %q is not %q", l.Source, r.Source)
	}
	if r.Campaign != "" {
		if ok, _ := path.Match(r.Campaign, l.Campaign); !ok {
			return fmt.Sprintf("campaign %q does not match %q", l.Campaign, r.Campaign)
		}
	}
	if r.Region != "" && r.Region != l.Region {
		return fmt.Sprintf("region %q is not %q", l.Region, r.Region)
	}
	for _, t := range r.Tags {
		if !contains(l.Tags, NormalizeTag(t)) {
			return fmt.Sprintf("tag %q is missing", t)
		}
	}
	for _, m := range r.Fields {
		if miss := m.miss(l.Fields); miss != "" {
			return miss
		}
	}
	if len(r.Grades) > 0 && !contains(r.Grades, l.Grade.Letter) {
		return fmt.Sprintf("grade %q is not %s", l.Grade.Letter, strings.Join(r.Grades, " or "))
	}
	return ""
}
