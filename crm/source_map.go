package crm

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Push source kinds (sources[].kind): the platform whose own body POST /api/v1/push/{source} takes.
const (
	// KindJiandaoyun is 简道云's data push (数据推送): {"op": "data_create", "data": {record}}, signed with
	// X-JDY-Signature. https://hc.jiandaoyun.com/open/11507 and https://hc.jiandaoyun.com/open/10732
	KindJiandaoyun = "jiandaoyun"
	// KindWebhook is any JSON sender: the body is the record, authenticated like the lead API.
	KindWebhook = "webhook"
)

// DefaultDedupeWindow is a push source's duplicate-submit window when the config gives none.
const DefaultDedupeWindow = 10 * time.Minute

// FieldMap maps one of Baton's lead fields to a dotted path in the platform's record (for 简道云 relative to
// its "data").
type FieldMap struct {
	Field string // external_id, name, phone, …, tags, or utm.<key>
	Path  string // "_widget_1001", "contact.mobile"
}

// MappableFields are the lead fields a push source may map, besides utm.<key>.
var MappableFields = []string{"external_id", "name", "phone", "email", "company", "title", "region",
	"campaign", "note", "tags", "pool"}

// ValidMappedField reports whether f names a lead field a push source may map. A custom field is mapped as
// fields.<key>; that the key is configured is checked with the rest of baton.yaml.
func ValidMappedField(f string) bool {
	if k, ok := strings.CutPrefix(f, "fields."); ok {
		return FieldKeyPattern.MatchString(k)
	}
	if k, ok := strings.CutPrefix(f, "utm."); ok {
		return k != "" && !strings.ContainsAny(k, ". ")
	}
	return contains(MappableFields, f)
}

// jdySystemKeys are the keys 简道云 puts in every record beside the widgets (https://hc.jiandaoyun.com/open/10993,
// "系统字段"): they say nothing about the lead, so they stay out of attributes unless mapped.
var jdySystemKeys = []string{"_id", "appId", "entryId", "creator", "updater", "deleter", "createTime",
	"updateTime", "deleteTime", "formName", "flowState"}

// MapRecord turns a platform record into a lead input under src's field map: mapped values become lead
// fields (objects and lists flattened to readable text), everything else goes under attributes. externalID
// is used when the map gives none (简道云's record _id). It never fails: whatever is missing or malformed is
// found by LeadInput.Normalize afterwards, like any API body.
func MapRecord(src *Source, record map[string]any, externalID string) *LeadInput {
	in := &LeadInput{ExternalID: externalID}
	used := map[string]bool{}
	for _, m := range effectiveFields(src.Fields, record) {
		v, ok := lookup(record, m.Path)
		if !ok {
			continue
		}
		used[m.Path] = true
		switch {
		case m.Field == "tags":
			in.Tags = append(in.Tags, tagList(v)...)
		case strings.HasPrefix(m.Field, "fields."):
			// Kept as sent (numbers, lists): the intake checks it against the field's type.
			if in.Fields == nil {
				in.Fields = map[string]any{}
			}
			in.Fields[strings.TrimPrefix(m.Field, "fields.")] = v
		case strings.HasPrefix(m.Field, "utm."):
			if in.UTM == nil {
				in.UTM = map[string]string{}
			}
			in.UTM[strings.TrimPrefix(m.Field, "utm.")] = Flatten(v)
		default:
			if dst := in.textField(m.Field); dst != nil {
				*dst = Flatten(v)
			}
		}
	}
	var skip []string
	if src.Kind == KindJiandaoyun {
		skip = jdySystemKeys
	}
	attrs := map[string]any{}
	collectUnmapped(record, "", used, skip, attrs)
	if len(attrs) > 0 {
		in.Attributes = attrs
	}
	return in
}

// effectiveFields is the source's field map plus, for each lead field it leaves out, a key of the same name
// at the top of the record: a webhook that already speaks Baton's names, or 简道云 widgets given aliases
// (字段别名) like "phone", need no map. pool is never taken by name: only a mapping may steer routing.
func effectiveFields(fields []FieldMap, record map[string]any) []FieldMap {
	out := slices.Clone(fields)
	for _, f := range MappableFields {
		if f == "pool" || slices.ContainsFunc(fields, func(m FieldMap) bool { return m.Field == f }) {
			continue
		}
		if _, ok := record[f]; ok {
			out = append(out, FieldMap{Field: f, Path: f})
		}
	}
	return out
}

func (in *LeadInput) textField(f string) *string {
	switch f {
	case "external_id":
		return &in.ExternalID
	case "name":
		return &in.Name
	case "phone":
		return &in.Phone
	case "email":
		return &in.Email
	case "company":
		return &in.Company
	case "title":
		return &in.Title
	case "region":
		return &in.Region
	case "campaign":
		return &in.Campaign
	case "note":
		return &in.Note
	case "pool":
		return &in.Pool
	}
	return nil
}

// lookup follows a dotted path through nested objects. A key that itself holds a dot ("a.b") is found too,
// since some senders flatten their own JSON.
func lookup(record map[string]any, path string) (any, bool) {
	if v, ok := record[path]; ok {
		return v, v != nil
	}
	head, rest, ok := strings.Cut(path, ".")
	if !ok {
		return nil, false
	}
	child, isObj := record[head].(map[string]any)
	if !isObj {
		return nil, false
	}
	return lookup(child, rest)
}

// collectUnmapped puts every value of record that no mapping used under attrs, keyed by its dotted path,
// flattened to text. An object is walked into only when a mapping used part of it.
func collectUnmapped(record map[string]any, prefix string, used map[string]bool, skip []string, attrs map[string]any) {
	for k, v := range record {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		if used[p] || v == nil || (prefix == "" && contains(skip, k)) {
			continue
		}
		if obj, ok := v.(map[string]any); ok && partlyUsed(p, used) {
			collectUnmapped(obj, p, used, nil, attrs)
			continue
		}
		if s := Flatten(v); s != "" {
			attrs[p] = s
		}
	}
}

func partlyUsed(p string, used map[string]bool) bool {
	for u := range used {
		if strings.HasPrefix(u, p+".") {
			return true
		}
	}
	return false
}

// Flatten renders a JSON value as text a person reads: 简道云's address {province, city, district, detail}
// as "江苏省 无锡市 梁溪区 清扬路138号", a member or department {name, username} as its name, a checkbox list as
// "a、b", numbers without exponent. https://hc.jiandaoyun.com/open/10993 ("字段与数据类型对照表") lists the shapes.
func Flatten(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(x)
	case bool:
		if x {
			return "true"
		}
		return "false"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if s := Flatten(e); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "、")
	case map[string]any:
		return flattenObject(x)
	default:
		return fmt.Sprint(x)
	}
}

// addressKeys are 简道云's address and location parts, in reading order (lnglatXY is left out: coordinates
// mean nothing on a card).
var addressKeys = []string{"province", "city", "district", "detail"}

func flattenObject(o map[string]any) string {
	var parts []string
	for _, k := range addressKeys {
		if s := Flatten(o[k]); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) > 0 {
		return strings.Join(parts, " ")
	}
	// Members, departments and linked records carry a display name beside their ids.
	for _, k := range []string{"name", "label", "title", "value", "text", "phone"} {
		if s := Flatten(o[k]); s != "" {
			return s
		}
	}
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if s := Flatten(o[k]); s != "" {
			parts = append(parts, k+": "+s)
		}
	}
	return strings.Join(parts, ", ")
}

// tagList reads tags from a checkbox list or from text separated by commas or 、.
func tagList(v any) []string {
	if list, ok := v.([]any); ok {
		var out []string
		for _, e := range list {
			if s := Flatten(e); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return strings.FieldsFunc(Flatten(v), func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' })
}

// PushPreview is what `baton sources test` shows for one pushed record, without storing anything.
type PushPreview struct {
	Action   string     // "create", "update" or "ignored"
	Input    *LeadInput // the record mapped to Baton's fields
	Lead     *NewLead   // the validated lead; nil when a problem stops it
	Pool     string     // where routing would send it
	Problems []string
}

// PreviewPush maps one record as Service.Push would and lists every problem found: mapped paths missing
// from the record, the validation error, the routing error.
func PreviewPush(settings *Settings, src *Source, p *Push, now time.Time) PushPreview {
	pv := PushPreview{Action: pushOp(src.Kind, p.Op)}
	if pv.Action == "" {
		pv.Action = "ignored"
		pv.Problems = append(pv.Problems, fmt.Sprintf("op %q is acknowledged but not stored", p.Op))
		return pv
	}
	pv.Input = MapRecord(src, p.Record, p.ExternalID)
	for _, m := range src.Fields {
		if _, ok := lookup(p.Record, m.Path); !ok {
			pv.Problems = append(pv.Problems, fmt.Sprintf("fields.%s: %q is not in the record", m.Field, m.Path))
		}
	}
	nl, err := pv.Input.Normalize(src.Key, now)
	if err != nil {
		pv.Problems = append(pv.Problems, "rejected: "+err.Error())
		return pv
	}
	pv.Lead = nl
	r, err := Route(settings, nl)
	if err != nil {
		pv.Problems = append(pv.Problems, "rejected: "+err.Error())
		return pv
	}
	pv.Pool = r.Pool
	return pv
}
