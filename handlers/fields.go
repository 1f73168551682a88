package handlers

import (
	"strings"

	"github.com/baton-crm/baton/cards"
	"github.com/baton-crm/baton/crm"
)

// formFields reads the custom field inputs of a submitted form (the /lead form, the owner card's details
// form) into raw values for crm.NormalizeFields: strings as typed, a multi-select's list, a date picker's
// date without the zone Lark appends ("2024-05-01 +0800"). Lark leaves inputs the person emptied out of the
// form value, so with clear (the details form, which shows every field filled in) a field the form did not
// send is cleared; without it (the /lead form) it is simply not set.
func formFields(form map[string]any, defs []crm.FieldDef, clear bool) map[string]any {
	out := map[string]any{}
	for _, d := range defs {
		v, ok := form[cards.FieldFormName(d.Key)]
		if !ok || v == nil {
			if clear {
				out[d.Key] = nil
			}
			continue
		}
		switch x := v.(type) {
		case string:
			x = strings.TrimSpace(x)
			if d.Type == crm.FieldDate {
				x, _, _ = strings.Cut(x, " ")
			}
			if x == "" && !clear {
				continue
			}
			out[d.Key] = x
		case []any:
			if len(x) == 0 && !clear {
				continue
			}
			out[d.Key] = x
		default:
			out[d.Key] = v
		}
	}
	return out
}

// leadTextField reads one key=value word of /lead as a custom field, by key or zh/en label
// ("budget=20万", "行业=制造"); false when key names no configured field.
func leadTextField(in *crm.LeadInput, fields []crm.FieldDef, key, value string) bool {
	s := crm.Settings{Fields: fields}
	d, ok := s.FieldByLabel(key)
	if !ok {
		return false
	}
	if in.Fields == nil {
		in.Fields = map[string]any{}
	}
	in.Fields[d.Key] = value
	return true
}
