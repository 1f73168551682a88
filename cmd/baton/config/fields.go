package config

import (
	"slices"
	"strings"

	"github.com/baton-crm/baton/crm"
	"gopkg.in/yaml.v3"
)

var fieldKeys = []string{"key", "label", "type", "options", "required", "pii", "card", "routable"}

// customFields reads fields: the custom lead fields. Keys are stable identifiers of stored values, so they
// are checked strictly; that a key keeps its type across versions is checked against the database's field
// registry at start and by `baton config check` (storage.CheckFieldRegistry), not here.
func (p *parser) customFields(n *yaml.Node, path string) []crm.FieldDef {
	var out []crm.FieldDef
	seen := map[string]bool{}
	for i, item := range p.items(n, path) {
		ip := index(path, i)
		f := p.fields(item, ip, fieldKeys...)
		if f == nil {
			if isNull(item) {
				p.errorf(item, ip, "empty field; give at least key, label and type")
			}
			continue
		}
		var d crm.FieldDef
		d.Key = p.fieldKey(f, item, ip, seen)
		if v, ok := f["label"]; ok {
			lf := p.fields(v.val, v.path, "zh", "en")
			if z, ok := lf["zh"]; ok {
				d.Zh, _ = p.str(z.val, z.path)
			}
			if e, ok := lf["en"]; ok {
				d.En, _ = p.str(e.val, e.path)
			}
			if d.Zh == "" && d.En == "" && lf != nil {
				p.errorf(v.val, v.path, "give zh and en labels")
			}
		} else {
			p.errorf(item, join(ip, "label"), "required ({zh: 预算, en: Budget})")
		}
		t, tn := p.required(f, "type", item, ip)
		d.Type = crm.FieldType(t)
		if t != "" && !slices.Contains(crm.FieldTypes, d.Type) {
			p.errorf(tn, join(ip, "type"), "%q is not a field type (one of: %s)", tn.Value, fieldTypeList())
		}
		if v, ok := f["options"]; ok {
			d.Options = p.fieldOptions(v.val, v.path)
		}
		choice := d.Type == crm.FieldSelect || d.Type == crm.FieldMultiselect
		switch {
		case choice && len(d.Options) == 0:
			p.errorf(item, join(ip, "options"), "a %s field needs options ([{value: manufacturing, zh: 制造, en: Manufacturing}])", t)
		case !choice && len(d.Options) > 0:
			p.errorf(f["options"].val, join(ip, "options"), "only select and multiselect fields have options")
		}
		for _, flag := range []struct {
			key string
			dst *bool
		}{{"required", &d.Required}, {"pii", &d.PII}, {"card", &d.Card}, {"routable", &d.Routable}} {
			if v, ok := f[flag.key]; ok {
				*flag.dst = p.boolean(v.val, v.path)
			}
		}
		if d.Routable && (d.Type == crm.FieldTextarea || d.Type == crm.FieldDate) {
			p.errorf(f["routable"].val, join(ip, "routable"), "%s fields cannot be routed on", t)
		}
		if d.Routable && d.PII {
			p.errorf(f["routable"].val, join(ip, "routable"), "a pii field cannot be routable")
		}
		out = append(out, d)
	}
	return out
}

func fieldTypeList() string {
	names := make([]string, len(crm.FieldTypes))
	for i, t := range crm.FieldTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

func (p *parser) fieldKey(f map[string]field, item *yaml.Node, path string, seen map[string]bool) string {
	k, kn := p.required(f, "key", item, path)
	switch {
	case k == "":
	case !crm.FieldKeyPattern.MatchString(k):
		p.errorf(kn, join(path, "key"), "%q must start with a lower-case letter and have only lower-case letters, digits and _ (like budget or sign_date)", kn.Value)
	case seen[k]:
		p.errorf(kn, join(path, "key"), "%q is used twice", kn.Value)
	default:
		seen[k] = true
	}
	return k
}

func (p *parser) fieldOptions(n *yaml.Node, path string) []crm.FieldOption {
	var out []crm.FieldOption
	seen := map[string]bool{}
	for i, item := range p.items(n, path) {
		ip := index(path, i)
		f := p.fields(item, ip, "value", "zh", "en")
		if f == nil {
			continue
		}
		var o crm.FieldOption
		var vn *yaml.Node
		o.Value, vn = p.required(f, "value", item, ip)
		if z, ok := f["zh"]; ok {
			o.Zh, _ = p.str(z.val, z.path)
		}
		if e, ok := f["en"]; ok {
			o.En, _ = p.str(e.val, e.path)
		}
		// Values and labels all identify an option in input (制造 → manufacturing), so none may be shared.
		names := map[string]bool{}
		for _, name := range []string{strings.ToLower(o.Value), strings.ToLower(o.Zh), strings.ToLower(o.En)} {
			if name != "" {
				names[name] = true
			}
		}
		for name := range names {
			if seen[name] {
				p.errorf(vn, join(ip, "value"), "%q already names another option", name)
			}
			seen[name] = true
		}
		out = append(out, o)
	}
	return out
}

// boolean reads true or false (yes/no and on/off too).
func (p *parser) boolean(n *yaml.Node, path string) bool {
	s, ok := p.str(n, path)
	if !ok {
		return false
	}
	switch s {
	case "true", "yes", "on":
		return true
	case "false", "no", "off", "":
		return false
	}
	p.errorf(n, path, "%q is not true or false", n.Value)
	return false
}

// fieldMatches reads a routing rule's match.fields: {key: condition}.
func (p *parser) fieldMatches(n *yaml.Node, path string, s *crm.Settings) []crm.FieldMatch {
	var out []crm.FieldMatch
	for _, e := range p.pairs(n, path) {
		d, ok := s.Field(e.key.Value)
		switch {
		case !ok:
			p.errorf(e.key, e.path, "%q is not a field key (fields:)", e.key.Value)
			continue
		case !d.Routable:
			p.errorf(e.key, e.path, "field %q is not routable; add routable: true to it", e.key.Value)
			continue
		}
		raw, ok := p.str(e.val, e.path)
		if !ok {
			continue
		}
		m, err := crm.ParseFieldMatch(d, raw)
		if err != nil {
			p.errorf(e.val, e.path, "%v", err)
			continue
		}
		out = append(out, m)
	}
	return out
}

// checkMappedFields refuses a push source mapping fields.<key> for a key fields: does not configure.
func (p *parser) checkMappedFields(root *yaml.Node, s *crm.Settings) {
	for i, src := range s.Sources {
		for _, m := range src.Fields {
			key, ok := strings.CutPrefix(m.Field, "fields.")
			if _, known := s.Field(key); ok && !known {
				p.errorf(root, join(join(index("sources", i), "fields"), m.Field), "%q is not a field key (fields:)", key)
			}
		}
	}
}
