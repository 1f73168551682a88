package config

import (
	"path"

	"github.com/baton-crm/baton/crm"
	"gopkg.in/yaml.v3"
)

// routing reads the rules in order. Rules are tried top to bottom, so the catch-all must come last and
// be the only one: anything after it could never match.
func (p *parser) routing(n *yaml.Node, at string, s *crm.Settings) []crm.Rule {
	var out []crm.Rule
	defaults := 0
	items := p.items(n, at)
	for i, item := range items {
		ip := index(at, i)
		f := p.fields(item, ip, "match", "pool")
		if f == nil {
			if isNull(item) {
				p.errorf(item, ip, "empty rule; give at least pool")
			}
			continue
		}
		var r crm.Rule
		if v, ok := f["match"]; ok {
			p.match(v.val, v.path, s, &r)
		}
		key, keyNode := p.required(f, "pool", item, ip)
		if key != "" {
			if _, ok := s.Pool(key); !ok {
				p.errorf(keyNode, join(ip, "pool"), "%q is not a pool key", keyNode.Value)
			}
		}
		r.Pool = key
		if r.Source == "" && r.Campaign == "" && r.Region == "" && len(r.Tags) == 0 && len(r.Fields) == 0 && len(r.Grades) == 0 {
			defaults++
			switch {
			case defaults > 1:
				p.errorf(item, ip, "a second default rule (no match); only one is allowed")
			case i != len(items)-1:
				p.errorf(item, ip, "the default rule (no match) must be the last rule; the rules after it can never match")
			}
		}
		out = append(out, r)
	}
	if defaults == 0 && len(items) > 0 || isNull(n) || n.Kind == yaml.SequenceNode && len(items) == 0 {
		p.errorf(n, at, "end with a default rule ({pool: KEY}) so that every lead lands in a pool")
	}
	return out
}

func (p *parser) match(n *yaml.Node, at string, s *crm.Settings, r *crm.Rule) {
	f := p.fields(n, at, "source", "campaign", "region", "tags", "fields", "grade")
	if v, ok := f["fields"]; ok {
		r.Fields = p.fieldMatches(v.val, v.path, s)
	}
	if v, ok := f["grade"]; ok {
		r.Grades = p.grades(v.val, v.path)
		if s.Grading == nil {
			p.errorf(v.val, v.path, "matching a grade needs a grading: section")
		}
	}
	if v, ok := f["source"]; ok {
		if src, ok := p.str(v.val, v.path); ok {
			if _, known := s.Source(src); !known && src != "" && src != crm.ChatSource {
				p.errorf(v.val, v.path, "%q is not a source key", v.val.Value)
			}
			r.Source = src
		}
	}
	if v, ok := f["campaign"]; ok {
		if c, ok := p.str(v.val, v.path); ok {
			if _, err := path.Match(c, ""); err != nil {
				p.errorf(v.val, v.path, "%q is not a valid pattern (*, ? and [...] as in path.Match)", v.val.Value)
			}
			r.Campaign = c
		}
	}
	if v, ok := f["region"]; ok {
		r.Region, _ = p.str(v.val, v.path)
	}
	if v, ok := f["tags"]; ok {
		for i, item := range p.items(v.val, v.path) {
			ip := index(v.path, i)
			tag, ok := p.str(item, ip)
			switch {
			case !ok:
			case tag == "":
				p.errorf(item, ip, "empty tag")
			case contains(r.Tags, tag):
				p.errorf(item, ip, "%q is listed twice", item.Value)
			default:
				r.Tags = append(r.Tags, tag)
			}
		}
	}
}
