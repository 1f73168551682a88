package crm

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// FieldType is the kind of a custom lead field (baton.yaml fields:).
type FieldType string

// Custom field types. Values are normalised as FieldDef.Normalize describes.
const (
	FieldText        FieldType = "text"
	FieldTextarea    FieldType = "textarea"
	FieldNumber      FieldType = "number"
	FieldMoney       FieldType = "money"
	FieldDate        FieldType = "date"
	FieldSelect      FieldType = "select"
	FieldMultiselect FieldType = "multiselect"
	FieldPhone       FieldType = "phone"
	FieldEmail       FieldType = "email"
	FieldMember      FieldType = "member"
	FieldBool        FieldType = "bool"
)

// FieldTypes lists the custom field types in the order the README documents them.
var FieldTypes = []FieldType{FieldText, FieldTextarea, FieldNumber, FieldMoney, FieldDate, FieldSelect,
	FieldMultiselect, FieldPhone, FieldEmail, FieldMember, FieldBool}

// Numeric reports whether values of the type are numbers (float64), comparable with >=, >, <=, <, =.
func (t FieldType) Numeric() bool { return t == FieldNumber || t == FieldMoney }

// FieldOption is one choice of a select or multiselect field: the stored value and its labels.
type FieldOption struct{ Value, Zh, En string }

// FieldDef is one custom lead field from baton.yaml. Key is stable and never reused: stored values are
// keyed by it, and a key's type may not change once values exist (the field registry keeps the types).
type FieldDef struct {
	Key      string // lower-case letters, digits, _
	Zh, En   string // label
	Type     FieldType
	Options  []FieldOption // select / multiselect
	Required bool
	PII      bool // encrypted at rest, exported and erased with the customer, masked on group cards, never logged
	Card     bool // shown on the pool and owner cards
	Routable bool // usable in routing rules (match: {fields: {key: value}})
}

// FieldKeyPattern is what a field key must look like.
var FieldKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// Field returns the configured field with the given key.
func (s *Settings) Field(key string) (*FieldDef, bool) {
	for i := range s.Fields {
		if s.Fields[i].Key == key {
			return &s.Fields[i], true
		}
	}
	return nil, false
}

// FieldByLabel returns the configured field whose key or zh/en label is name (labels case-insensitively),
// for import headers and /lead's key=value.
func (s *Settings) FieldByLabel(name string) (*FieldDef, bool) {
	name = strings.TrimSpace(name)
	if f, ok := s.Field(strings.ToLower(name)); ok {
		return f, true
	}
	for i := range s.Fields {
		f := &s.Fields[i]
		if strings.EqualFold(f.Zh, name) || strings.EqualFold(f.En, name) {
			return f, true
		}
	}
	return nil, false
}

// Label is the field's label in lang ("zh" or "en"), falling back to the other language and the key.
func (d *FieldDef) Label(lang string) string {
	first, second := d.Zh, d.En
	if lang == "en" {
		first, second = d.En, d.Zh
	}
	switch {
	case first != "":
		return first
	case second != "":
		return second
	}
	return d.Key
}

// Option finds the option whose value or zh/en label is s (labels case-insensitively).
func (d *FieldDef) Option(s string) (*FieldOption, bool) {
	s = strings.TrimSpace(s)
	for i := range d.Options {
		if d.Options[i].Value == s {
			return &d.Options[i], true
		}
	}
	for i := range d.Options {
		o := &d.Options[i]
		if strings.EqualFold(o.Zh, s) || strings.EqualFold(o.En, s) || strings.EqualFold(o.Value, s) {
			return o, true
		}
	}
	return nil, false
}

// maxFieldText bounds a text field, in characters; a textarea takes maxNote.
const maxFieldText = 200

// NormalizeFields validates raw custom field values against defs and returns them normalised: every key
// must be configured, every value of the right kind, every required field present. raw holds JSON values
// (string, float64, bool, []any) or strings as people type them. The first problem is an EINVALID error
// naming the field ("fields.budget").
func NormalizeFields(defs []FieldDef, raw map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(raw))
	for _, k := range sortedFieldKeys(raw) {
		d := findField(defs, k)
		if d == nil {
			return nil, invalidField("fields."+k, fmt.Sprintf("没有名为 %s 的自定义字段", k), fmt.Sprintf("there is no custom field %q", k))
		}
		v, err := d.Normalize(raw[k])
		if err != nil {
			return nil, err
		}
		if v != nil {
			out[k] = v
		}
	}
	for i := range defs {
		if _, ok := out[defs[i].Key]; defs[i].Required && !ok {
			d := &defs[i]
			return nil, invalidField("fields."+d.Key, fmt.Sprintf("请填写%s", d.Label("zh")), fmt.Sprintf("%s (fields.%s) is required", d.Label("en"), d.Key))
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func findField(defs []FieldDef, key string) *FieldDef {
	for i := range defs {
		if defs[i].Key == key {
			return &defs[i]
		}
	}
	return nil
}

func sortedFieldKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Normalize returns v as the field stores it: text, textarea, phone (E.164), email, member (open_id),
// select (the option value) and date ("2006-01-02") as a string; multiselect as []string of option values;
// number and money (whole yuan: "¥20万" is 200000) as float64; bool as bool. Nil, "" and an empty list
// mean "not set" and return nil.
func (d *FieldDef) Normalize(v any) (any, error) {
	name := "fields." + d.Key
	bad := func(zhWant, enWant string) error {
		return invalidField(name, fmt.Sprintf("%s须为%s", d.Label("zh"), zhWant), fmt.Sprintf("%s must be %s", name, enWant))
	}
	if v == nil {
		return nil, nil
	}
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
		return nil, nil
	}
	switch d.Type {
	case FieldText, FieldTextarea, FieldMember:
		s, ok := v.(string)
		if !ok {
			return nil, bad("文本", "a string")
		}
		if d.Type == FieldMember && !strings.HasPrefix(strings.TrimSpace(s), "ou_") {
			return nil, bad("飞书成员（open_id，ou_…）", "a Lark member's open_id (ou_…)")
		}
		max := maxFieldText
		if d.Type == FieldTextarea {
			max = maxNote
		}
		return cleanText(name, s, max, d.Type == FieldTextarea)
	case FieldPhone:
		s, ok := v.(string)
		if !ok {
			return nil, bad("手机号", "a phone number string")
		}
		p, err := NormalizePhone(s)
		if err != nil {
			return nil, invalidField(name, d.Label("zh")+"不是有效的手机号", name+" is not a valid phone number")
		}
		return p, nil
	case FieldEmail:
		s, ok := v.(string)
		if !ok {
			return nil, bad("邮箱", "an email string")
		}
		e, err := NormalizeEmail(s)
		if err != nil {
			return nil, invalidField(name, d.Label("zh")+"不是有效的邮箱", name+" is not a valid email address")
		}
		return e, nil
	case FieldNumber, FieldMoney:
		return d.number(v, bad)
	case FieldDate:
		s, ok := v.(string)
		if !ok {
			return nil, bad("日期（2006-01-02）", "a date (YYYY-MM-DD)")
		}
		s = toHalfWidth(strings.TrimSpace(s))
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.Format("2006-01-02"), nil // the date where the sender wrote it (简道云 sends date widgets so)
		}
		for _, layout := range []string{"2006-01-02", "2006/01/02", "2006/1/2", "2006-1-2", "2006年1月2日"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.Format("2006-01-02"), nil
			}
		}
		return nil, bad("日期（2006-01-02）", "a date (YYYY-MM-DD)")
	case FieldSelect:
		s, ok := v.(string)
		if !ok {
			return nil, bad("选项之一", "one of its options")
		}
		o, ok := d.Option(s)
		if !ok {
			return nil, invalidField(name, fmt.Sprintf("%s没有选项“%s”", d.Label("zh"), s), fmt.Sprintf("%s has no option %q (options: %s)", name, s, d.optionList()))
		}
		return o.Value, nil
	case FieldMultiselect:
		return d.multi(v, bad)
	case FieldBool:
		switch b := v.(type) {
		case bool:
			return b, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(b)) {
			case "true", "yes", "y", "1", "是", "有", "✓":
				return true, nil
			case "false", "no", "n", "0", "否", "无":
				return false, nil
			}
		}
		return nil, bad("是或否", "true or false")
	}
	return nil, invalidField(name, "字段类型未知", fmt.Sprintf("%s has an unknown type %q", name, d.Type))
}

func (d *FieldDef) number(v any, bad func(string, string) error) (any, error) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case int:
		f = float64(n)
	case int64:
		f = float64(n)
	case string:
		if d.Type == FieldMoney {
			cents, err := ParseAmount(n)
			if err != nil {
				return nil, bad("金额，例如 200000、¥20万", "an amount such as 200000 or ¥20万")
			}
			return float64(cents) / 100, nil
		}
		p, err := strconv.ParseFloat(strings.ReplaceAll(toHalfWidth(strings.TrimSpace(n)), ",", ""), 64)
		if err != nil {
			return nil, bad("数字", "a number")
		}
		f = p
	default:
		return nil, bad("数字", "a number")
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > maxAmountYuan {
		return nil, bad("数字", "a finite number")
	}
	return f, nil
}

func (d *FieldDef) multi(v any, bad func(string, string) error) (any, error) {
	var items []string
	switch l := v.(type) {
	case []string:
		items = l
	case []any:
		for _, it := range l {
			s, ok := it.(string)
			if !ok {
				return nil, bad("选项列表", "a list of its options")
			}
			items = append(items, s)
		}
	case string:
		// Typed or imported: "制造, 零售" or "制造、零售".
		items = strings.FieldsFunc(l, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' })
	default:
		return nil, bad("选项列表", "a list of its options")
	}
	var out []string
	for _, s := range items {
		if strings.TrimSpace(s) == "" {
			continue
		}
		o, ok := d.Option(s)
		if !ok {
			return nil, invalidField("fields."+d.Key, fmt.Sprintf("%s没有选项“%s”", d.Label("zh"), s),
				fmt.Sprintf("fields.%s has no option %q (options: %s)", d.Key, s, d.optionList()))
		}
		out = appendUnique(out, o.Value)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func (d *FieldDef) optionList() string {
	vals := make([]string, len(d.Options))
	for i, o := range d.Options {
		vals[i] = o.Value
	}
	return strings.Join(vals, ", ")
}

// Format shows a stored value in lang ("zh" or "en"): option labels for selects, 是/否 or yes/no for
// bools, amounts with thousands separators. PII masking is the caller's choice (MaskField).
func (d *FieldDef) Format(v any, lang string) string {
	switch d.Type {
	case FieldSelect:
		s, _ := v.(string)
		return d.optionLabel(s, lang)
	case FieldMultiselect:
		var parts []string
		for _, s := range fieldStrings(v) {
			parts = append(parts, d.optionLabel(s, lang))
		}
		sep := ", "
		if lang != "en" {
			sep = "、"
		}
		return strings.Join(parts, sep)
	case FieldBool:
		b, _ := v.(bool)
		switch {
		case b && lang == "en":
			return "Yes"
		case b:
			return "是"
		case lang == "en":
			return "No"
		}
		return "否"
	case FieldNumber, FieldMoney:
		f, _ := v.(float64)
		s := groupThousands(strconv.FormatFloat(f, 'f', -1, 64))
		if d.Type == FieldMoney {
			return "¥" + s
		}
		return s
	}
	return fmt.Sprint(v)
}

func (d *FieldDef) optionLabel(value, lang string) string {
	for _, o := range d.Options {
		if o.Value == value {
			if lang == "en" && o.En != "" {
				return o.En
			}
			if o.Zh != "" {
				return o.Zh
			}
			return o.Value
		}
	}
	return value
}

// fieldStrings reads a multiselect value as stored ([]string) or as decoded from JSON ([]any).
func fieldStrings(v any) []string {
	switch l := v.(type) {
	case []string:
		return l
	case []any:
		out := make([]string, 0, len(l))
		for _, it := range l {
			if s, ok := it.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// MaskField hides most of a PII value for group cards: phones and emails as their masks elsewhere, other
// text down to its first character.
func (d *FieldDef) MaskField(v any) string {
	s := fmt.Sprint(v)
	switch d.Type {
	case FieldPhone:
		return MaskPhone(s)
	case FieldEmail:
		return MaskEmail(s)
	}
	r := []rune(s)
	if len(r) == 0 {
		return ""
	}
	return string(r[0]) + "***"
}

// ShownFields returns the configured fields set on l, in configuration order, as (def, value) pairs;
// values of fields no longer configured stay stored but are not shown. cardOnly keeps fields with card: true.
func (s *Settings) ShownFields(l *Lead, cardOnly bool) []FieldValue {
	var out []FieldValue
	for i := range s.Fields {
		d := &s.Fields[i]
		if cardOnly && !d.Card {
			continue
		}
		if v, ok := l.Fields[d.Key]; ok && v != nil {
			out = append(out, FieldValue{Def: d, Value: v})
		}
	}
	return out
}

// FieldsFor returns the configured fields keep accepts.
func (s *Settings) FieldsFor(keep func(*FieldDef) bool) []FieldDef {
	var out []FieldDef
	for i := range s.Fields {
		if keep(&s.Fields[i]) {
			out = append(out, s.Fields[i])
		}
	}
	return out
}

// PrivateValues are the pii field values among fields (a lead's or a proposal's), as stored and as each
// language's card shows them: what the assistant must never send (AssistText).
func (s *Settings) PrivateValues(fields map[string]any) []string {
	var out []string
	for i := range s.Fields {
		d := &s.Fields[i]
		v, ok := fields[d.Key]
		if !d.PII || !ok || v == nil {
			continue
		}
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case float64:
			out = append(out, strconv.FormatFloat(x, 'f', -1, 64))
		}
		out = append(out, fieldStrings(v)...)
		out = append(out, d.Format(v, "zh"), d.Format(v, "en"))
	}
	return out
}

// FieldValue is one custom field value with its definition.
type FieldValue struct {
	Def   *FieldDef
	Value any
}

// VisibleFields returns the stored values of configured fields only: removed fields stay stored but
// hidden.
func (s *Settings) VisibleFields(l *Lead) map[string]any {
	out := map[string]any{}
	for _, fv := range s.ShownFields(l, false) {
		out[fv.Def.Key] = fv.Value
	}
	return out
}

// MergeFields returns stored with the values of update laid over it (a nil value in update clears that
// key); stored keys update does not mention, removed fields' included, are kept.
func MergeFields(stored, update map[string]any) map[string]any {
	if len(update) == 0 {
		return stored
	}
	out := make(map[string]any, len(stored)+len(update))
	for k, v := range stored {
		out[k] = v
	}
	for k, v := range update {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

// FieldTypeChanges compares the configured fields with the types their keys were registered with and
// explains each change of type, which is refused: stored values would no longer read as the new type.
func FieldTypeChanges(defs []FieldDef, registered map[string]FieldType) []string {
	var out []string
	for _, d := range defs {
		was, ok := registered[d.Key]
		if ok && was != d.Type {
			out = append(out, fmt.Sprintf("fields: %s: type changed from %s to %s; a field key keeps its type for good "+
				"because values are already stored as %s. Put the old type back, or add a field with a new key "+
				"(and remove this one: its values stay stored, hidden)", d.Key, was, d.Type, was))
		}
	}
	return out
}
