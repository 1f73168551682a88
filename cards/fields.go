package cards

import (
	"slices"
	"strconv"

	"github.com/baton-crm/baton/crm"
)

// OpFields is the submit of the owner card's custom fields form: one form value per field ("f_<key>").
const OpFields = "fields"

func init() { knownOps[OpFields] = true }

// FieldFormName is the form value name of the custom field key on the /lead form and the owner card.
func FieldFormName(key string) string { return "f_" + key }

// customFieldLines are the lead's card: true custom fields as labelled lines. Pii values are masked unless
// reveal (the owner card): group cards never show them whole.
func customFieldLines(v crm.LeadView, reveal bool) []field {
	var out []field
	for i := range v.Fields {
		d := &v.Fields[i]
		val, ok := v.Lead.Fields[d.Key]
		if !d.Card || !ok || val == nil {
			continue
		}
		zh, en := d.Format(val, "zh"), d.Format(val, "en")
		if d.PII && !reveal {
			zh = d.MaskField(val)
			en = zh
		}
		if erased(v) && d.PII {
			continue
		}
		out = append(out, field{zh: cleanLine(d.Label("zh")), en: cleanLine(d.Label("en")), value: cleanLine(zh), valueEN: cleanLine(en)})
	}
	return out
}

// fieldInputs are one form component per custom field, of the field's kind: text inputs for text, numbers
// and amounts, a static select for selects and bools, a multi-select, a date picker, a person picker for
// members. values fill them in (the owner card's edit form); ids are prefix plus the field's position, as
// element ids are at most 20 characters and keys may be longer. people, when known, are the open_ids a
// member field offers (the pool's members and managers); without them Lark offers the chat's members.
// Components: https://open.feishu.cn/document/feishu-cards/card-json-v2-components/interactive-components/input
// (and the select_static, multi_select_static, date_picker and select_person pages beside it).
func fieldInputs(defs []crm.FieldDef, values map[string]any, prefix string, people []string) []any {
	out := make([]any, 0, len(defs))
	for i := range defs {
		d := &defs[i]
		id, name := prefix+strconv.Itoa(i), FieldFormName(d.Key)
		zh, en := d.Label("zh"), d.Label("en")
		if d.Required {
			zh, en = zh+"（必填）", en+" (required)"
		}
		ph := plain(zh, en)
		val := values[d.Key]
		switch d.Type {
		case crm.FieldSelect:
			s, _ := val.(string)
			out = append(out, selectStatic{Tag: "select_static", ElementID: id, Name: name, Placeholder: ph,
				Options: fieldOptions(d), InitialOption: s})
		case crm.FieldMultiselect:
			m := fieldMultiSelect{Tag: "multi_select_static", ElementID: id, Name: name, Placeholder: ph, Options: fieldOptions(d)}
			if list, ok := val.([]string); ok {
				m.Selected = list
			} else if list, ok := val.([]any); ok {
				for _, it := range list {
					if s, ok := it.(string); ok {
						m.Selected = append(m.Selected, s)
					}
				}
			}
			out = append(out, m)
		case crm.FieldBool:
			initial := ""
			if b, ok := val.(bool); ok {
				initial = strconv.FormatBool(b)
			}
			out = append(out, selectStatic{Tag: "select_static", ElementID: id, Name: name, Placeholder: ph,
				Options: []option{{Text: plain("是", "Yes"), Value: "true"}, {Text: plain("否", "No"), Value: "false"}}, InitialOption: initial})
		case crm.FieldDate:
			s, _ := val.(string)
			out = append(out, datePicker{Tag: "date_picker", ElementID: id, Name: name, Placeholder: ph, InitialDate: s})
		case crm.FieldMember:
			s, _ := val.(string)
			p := selectPerson{Tag: "select_person", ElementID: id, Name: name, Placeholder: ph, Initial: s}
			for _, openID := range people {
				p.Options = append(p.Options, personOption{Value: openID})
			}
			if s != "" && !slices.Contains(people, s) && len(people) > 0 {
				p.Options = append(p.Options, personOption{Value: s})
			}
			out = append(out, p)
		default:
			in := input{Tag: "input", ElementID: id, Name: name, Placeholder: ph, MaxLength: 200}
			if d.Type == crm.FieldTextarea {
				in.InputType, in.MaxLength = "multiline_text", 1000
			}
			if val != nil {
				in.DefaultValue = d.Format(val, "zh")
				if d.Type == crm.FieldMoney || d.Type == crm.FieldNumber {
					f, _ := val.(float64)
					in.DefaultValue = strconv.FormatFloat(f, 'f', -1, 64)
				}
			}
			out = append(out, in)
		}
	}
	return out
}

func fieldOptions(d *crm.FieldDef) []option {
	out := make([]option, len(d.Options))
	for i, o := range d.Options {
		zh, en := o.Zh, o.En
		if zh == "" {
			zh = o.Value
		}
		if en == "" {
			en = zh
		}
		out[i] = option{Text: plain(zh, en), Value: o.Value}
	}
	return out
}

// fieldsForm is the owner card's form for the custom fields, filled with the stored values.
func fieldsForm(v crm.LeadView) []any {
	if len(v.Fields) == 0 {
		return nil
	}
	var people []string
	if v.Pool != nil && len(v.Pool.Members) > 0 { // no members listed: the pool chat's, which Lark offers
		for _, id := range append(slices.Clone(v.Pool.Members), v.Pool.Managers...) {
			if !slices.Contains(people, id) {
				people = append(people, id)
			}
		}
	}
	elems := fieldInputs(v.Fields, v.Lead.Fields, "of_f", people)
	elems = append(elems, submitButton("fields_save", "fields_submit", "保存资料", "Save details", At(v.Lead, OpFields)))
	return []any{md("**客户资料**", "**Details**"), newForm("form_fields", "fields", elems...)}
}
