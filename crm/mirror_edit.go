package crm

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// BaseChange is a drive.file.bitable_record_changed_v1 event: records people (or Baton) changed in a Base.
// Source: https://open.feishu.cn/document/server-docs/docs/drive-v1/event/list/bitable-record-changed
type BaseChange struct {
	EventID    string
	AppToken   string // the Base's file token
	TableID    string
	OperatorID string // open_id of who made the change
	Records    []BaseRecordChange
}

// BaseRecordChange is one changed record with the ids of the fields whose value changed.
type BaseRecordChange struct {
	RecordID string
	Action   string // "record_added", "record_edited", "record_deleted"
	FieldIDs []string
}

// BaseEdits says what an event did.
type BaseEdits struct {
	Insights int // insights filed from ops edits
	Ignored  int // records whose change was Baton's own write or a Baton-owned column
}

// HandleBaseChange files ops' edits of the tags and 运营备注 columns as insights on the lead's customer,
// with the editor as author. Edits of Baton-owned columns are not read back: the lead's next change
// writes them over. Baton's own writes come back as events too; their tags are the customer's already,
// so they file nothing and nothing bounces.
func (m *Mirror) HandleBaseChange(ctx context.Context, ch BaseChange) (BaseEdits, error) {
	var res BaseEdits
	if ch.AppToken != m.Config.AppToken {
		return res, nil
	}
	table, err := m.Ensure(ctx)
	if err != nil || ch.TableID != table {
		return res, err
	}
	m.mu.Lock()
	names := m.fields
	m.mu.Unlock()
	var ids []string
	for _, r := range ch.Records {
		if r.Action == "record_deleted" {
			continue // re-created on the lead's next change
		}
		for _, f := range r.FieldIDs {
			if n := names[f]; n == ColTags || n == ColOpsNote {
				ids = append(ids, r.RecordID)
				break
			}
		}
	}
	res.Ignored = len(ch.Records) - len(ids)
	if len(ids) == 0 {
		return res, nil
	}
	recs, err := m.Table.ReadRecords(ctx, m.Config.AppToken, table, ids)
	if err != nil {
		return res, fmt.Errorf("read edited base records: %w", err)
	}
	for _, id := range ids {
		fields, ok := recs[id]
		if !ok {
			continue
		}
		filed, err := m.fileEdit(ctx, table, id, ch, fields)
		if err != nil {
			return res, err
		}
		if filed {
			res.Insights++
		} else {
			res.Ignored++
		}
	}
	return res, nil
}

// fileEdit turns one edited record into an insight when it carries tags the customer lacks or an ops note.
func (m *Mirror) fileEdit(ctx context.Context, table, recordID string, ch BaseChange, fields map[string]any) (bool, error) {
	row, err := m.Store.MirrorByRecord(ctx, table, recordID)
	if ErrorCode(err) == ENOTFOUND {
		return false, nil // a record someone added by hand: not a lead
	}
	if err != nil {
		return false, err
	}
	s := m.Service
	l, err := s.Leads.Lead(ctx, row.LeadID)
	if err != nil {
		return false, err
	}
	v, err := s.ViewOf(ctx, l)
	if err != nil {
		return false, err
	}
	if v.Customer == nil || !v.Customer.ErasedAt.IsZero() || s.Insights == nil {
		return false, nil
	}
	known := MirrorTags(v)
	var added []string
	for _, t := range BaseStrings(fields[ColTags]) {
		if t = NormalizeTag(t); t != "" && !slices.Contains(known, t) && !slices.Contains(added, t) {
			added = append(added, t)
		}
	}
	note := strings.TrimSpace(BaseCellText(fields[ColOpsNote]))
	if note != "" && !changed(ch, recordID, m.fieldID(ColOpsNote)) {
		note = "" // the note column did not change in this event: it was filed when it did
	}
	if len(added) == 0 && note == "" {
		return false, nil
	}
	in := &Insight{Target: InsightTarget{CustomerID: v.Customer.ID}, Tags: added, Note: Truncate(note, 2000),
		AuthorID: ch.OperatorID, CreatedAt: s.now()}
	if err := s.Insights.AddInsight(ctx, in); err != nil {
		return false, fmt.Errorf("add insight from base: %w", err)
	}
	s.logger().Info("insight added from base", "insight_id", in.ID, "customer_id", in.Target.CustomerID,
		"lead_id", l.ID, "record_id", recordID, "tags", len(added), "event_id", ch.EventID)
	s.redrawForInsight(ctx, in)
	return true, nil
}

func (m *Mirror) fieldID(col string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, n := range m.fields {
		if n == col {
			return id
		}
	}
	return ""
}

// changed reports whether the event changed the record's field.
func changed(ch BaseChange, recordID, fieldID string) bool {
	for _, r := range ch.Records {
		if r.RecordID == recordID && fieldID != "" && slices.Contains(r.FieldIDs, fieldID) {
			return true
		}
	}
	return false
}

// BaseStrings reads a multi-select cell as Base returns it: a list of option names (strings), or of
// objects with "text" or "name".
func BaseStrings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		switch x := e.(type) {
		case string:
			out = append(out, x)
		case map[string]any:
			if t, ok := x["text"].(string); ok {
				out = append(out, t)
			} else if t, ok := x["name"].(string); ok {
				out = append(out, t)
			}
		}
	}
	return out
}

// BaseCellText reads a text cell as Base returns it: a string, or rich-text segments [{"type","text"}].
func BaseCellText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var b strings.Builder
		for _, e := range x {
			if seg, ok := e.(map[string]any); ok {
				if t, ok := seg["text"].(string); ok {
					b.WriteString(t)
				}
			}
		}
		return b.String()
	}
	return ""
}
