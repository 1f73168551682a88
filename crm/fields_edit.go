package crm

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// EventFieldsUpdated records an edit of custom fields; its data names the keys changed ("fields"), never
// the values, which may be personal data.
const EventFieldsUpdated EventKind = "fields_updated"

// SetFields applies the owner's edit of the lead's custom fields: raw holds a value per configured key
// as the form sent it ("" or nil clears the field). Keys not in raw keep their values, removed fields'
// included. A required field may not be cleared.
func (s *Service) SetFields(ctx context.Context, leadID int64, pre Expect, actor string, raw map[string]any) (*Lead, error) {
	update := make(map[string]any, len(raw))
	for _, k := range sortedFieldKeys(raw) {
		d, ok := s.Settings.Field(k)
		if !ok {
			return nil, invalidField("fields."+k, fmt.Sprintf("没有名为 %s 的自定义字段", k), fmt.Sprintf("there is no custom field %q", k))
		}
		v, err := d.Normalize(raw[k])
		if err != nil {
			return nil, err
		}
		update[k] = v
	}
	now := s.now()
	return s.work(ctx, leadID, pre, FactOwner, actor, "fields", func(l *Lead, _ *Pool) ([]LeadEvent, error) {
		merged := MergeFields(l.Fields, update)
		for _, d := range s.Settings.Fields {
			if _, ok := merged[d.Key]; d.Required && !ok {
				return nil, invalidField("fields."+d.Key, fmt.Sprintf("请填写%s", d.Label("zh")), fmt.Sprintf("%s (fields.%s) is required", d.Label("en"), d.Key))
			}
		}
		changed := changedFields(l.Fields, merged)
		if len(changed) == 0 {
			return nil, Bilingual(EINVALID, "没有变化", "Nothing changed")
		}
		l.Fields = merged
		return []LeadEvent{NewEvent(EventFieldsUpdated, actor, now, "fields", strings.Join(changed, ","))}, nil
	})
}

// changedFields names the keys whose values differ between a and b.
func changedFields(a, b map[string]any) []string {
	var out []string
	for k, v := range b {
		if w, ok := a[k]; !ok || fmt.Sprint(w) != fmt.Sprint(v) {
			out = append(out, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
