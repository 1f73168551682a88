package crm

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// FieldMatch is one custom-field condition of a routing rule: a select or multiselect field equals (or,
// for a multiselect, includes) an option; a number or money field compares with a number; a bool field
// equals true or false; any other field equals a text exactly.
type FieldMatch struct {
	Key   string
	Op    string  // "=", ">=", ">", "<=", "<"
	Value any     // the option value, text or bool; nil for numeric conditions
	Num   float64 // numeric conditions
}

// ParseFieldMatch reads one routing condition for field d as written in baton.yaml: "制造" (an option by
// value or label), ">=100000", "<5万", "true".
func ParseFieldMatch(d *FieldDef, raw string) (FieldMatch, error) {
	m := FieldMatch{Key: d.Key, Op: "="}
	raw = strings.TrimSpace(raw)
	if d.Type.Numeric() {
		for _, op := range []string{">=", "<=", ">", "<", "="} {
			if rest, ok := strings.CutPrefix(raw, op); ok {
				m.Op, raw = op, strings.TrimSpace(rest)
				break
			}
		}
		v, err := d.Normalize(raw)
		if err != nil || v == nil {
			return m, fmt.Errorf("%q is not a comparison such as \">=100000\"", raw)
		}
		m.Num = v.(float64)
		return m, nil
	}
	item := d
	if d.Type == FieldMultiselect {
		single := *d
		single.Type = FieldSelect
		item = &single
	}
	v, err := item.Normalize(raw)
	if err != nil || v == nil {
		return m, fmt.Errorf("%q is not a value of field %s: %s", raw, d.Key, ErrorMessageEN(err))
	}
	m.Value = v
	return m, nil
}

// ErrorMessageEN is err's English message, or "" for nil.
func ErrorMessageEN(err error) string {
	if err == nil {
		return ""
	}
	en, _ := ErrorMessage(err)
	return en
}

// miss returns why the lead's fields do not meet m, or "".
func (m FieldMatch) miss(fields map[string]any) string {
	v, ok := fields[m.Key]
	if !ok || v == nil {
		return fmt.Sprintf("field %s is not set", m.Key)
	}
	if m.Value == nil {
		f, ok := v.(float64)
		if !ok {
			return fmt.Sprintf("field %s is not a number", m.Key)
		}
		hold := map[string]bool{"=": f == m.Num, ">=": f >= m.Num, ">": f > m.Num, "<=": f <= m.Num, "<": f < m.Num}[m.Op]
		if !hold {
			return fmt.Sprintf("field %s %s is not %s %s", m.Key, strconv.FormatFloat(f, 'f', -1, 64), m.Op, strconv.FormatFloat(m.Num, 'f', -1, 64))
		}
		return ""
	}
	if list := fieldStrings(v); list != nil {
		if s, _ := m.Value.(string); !slices.Contains(list, s) {
			return fmt.Sprintf("field %s does not include %v", m.Key, m.Value)
		}
		return ""
	}
	if v != m.Value {
		return fmt.Sprintf("field %s is not %v", m.Key, m.Value)
	}
	return ""
}

// normalizeLeadFields checks nl's raw custom fields against the configuration and replaces them with
// their normalised values; every intake does this before routing, so nothing unchecked is stored.
func (s *Service) normalizeLeadFields(nl *NewLead) error {
	var defs []FieldDef
	if s.Settings != nil {
		defs = s.Settings.Fields
	}
	f, err := NormalizeFields(defs, nl.Fields)
	if err != nil {
		return err
	}
	nl.Fields = f
	return nil
}
