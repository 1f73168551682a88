package larktest

import (
	"fmt"
	"slices"
	"strings"
)

type recordIn struct {
	RecordID string         `json:"record_id"`
	Fields   map[string]any `json:"fields"`
}

// checkFieldsLocked validates values against the columns' types, adding new select options as Base does.
func checkFieldsLocked(t *baseTable, fields map[string]any) (reply, bool) {
	for name, v := range fields {
		i := slices.IndexFunc(t.fields, func(f *BaseField) bool { return f.Name == name })
		if i < 0 {
			return bad(CodeBaseFieldNotFound, "FieldNameNotFound: "+name), false
		}
		f := t.fields[i]
		if v == nil {
			continue
		}
		good := true
		code := 0
		switch f.Type {
		case BaseTypeText:
			_, good = v.(string)
			code = CodeBaseTextConv
		case BaseTypeNumber:
			_, good = v.(float64)
			code = CodeBaseNumberConv
		case BaseTypeDate:
			_, good = v.(float64)
			code = CodeBaseDateConv
		case BaseTypeSelect:
			var sv string
			sv, good = v.(string)
			code = CodeBaseSelectConv
			if good && sv != "" && !slices.Contains(f.Options, sv) {
				f.Options = append(f.Options, sv)
			}
		case BaseTypeMultiSelect:
			var list []any
			list, good = v.([]any)
			code = CodeBaseMultiSelectConv
			for _, e := range list {
				sv, isStr := e.(string)
				good = good && isStr
				if isStr && !slices.Contains(f.Options, sv) {
					f.Options = append(f.Options, sv)
				}
			}
		case BaseTypeUser:
			var list []any
			list, good = v.([]any)
			code = CodeBaseUserConv
			for _, e := range list {
				m, isObj := e.(map[string]any)
				id, _ := m["id"].(string)
				good = good && isObj && strings.HasPrefix(id, "ou_")
			}
		case BaseTypeURL:
			m, isObj := v.(map[string]any)
			link, _ := m["link"].(string)
			good = isObj && link != ""
			code = CodeBaseURLConv
		}
		if !good {
			return bad(code, fmt.Sprintf("field %q: value does not fit type %d", name, f.Type)), false
		}
	}
	return reply{}, true
}

// batchRecords reads a batch write's table and records, refusing a missing table, a bad body and more
// than 500 records (1254104) as Base does.
func (s *Server) batchRecords(a *apiReq) (app string, t *baseTable, records []recordIn, rep reply, good bool) {
	app = a.r.PathValue("app_token")
	t, rep, found := s.tableLocked(app, a.r.PathValue("table_id"))
	if !found {
		return "", nil, nil, rep, false
	}
	var body struct {
		Records []recordIn `json:"records"`
	}
	if err := a.decode(&body); err != nil {
		return "", nil, nil, bad(CodeFieldValidation, "bad body"), false
	}
	if len(body.Records) > maxBaseBatch {
		return "", nil, nil, bad(CodeBaseTooMany, "TooLargeRequest: at most 500 records"), false
	}
	return app, t, body.Records, reply{}, true
}

func (s *Server) handleBaseBatchCreate(a *apiReq) reply {
	app, t, records, rep, good := s.batchRecords(a)
	if !good {
		return rep
	}
	token := a.r.URL.Query().Get("client_token")
	if ids, seen := t.tokens[token]; token != "" && seen {
		return ok(map[string]any{"records": s.recordsJSON(t, ids)})
	}
	for _, r := range records {
		if rep, good := checkFieldsLocked(t, r.Fields); !good {
			return rep
		}
	}
	var ids []string
	var changes []baseChange
	for _, r := range records {
		rec := &BaseRecord{ID: "rec" + randHex(6), Fields: map[string]any{}}
		for k, v := range r.Fields {
			if v != nil {
				rec.Fields[k] = v
			}
		}
		t.records[rec.ID] = rec
		t.order = append(t.order, rec.ID)
		ids = append(ids, rec.ID)
		changes = append(changes, baseChange{id: rec.ID, action: "record_added", after: rec.Fields})
	}
	s.st.base.creates += len(ids)
	if token != "" {
		t.tokens[token] = ids
	}
	s.echoLocked(app, t, changes)
	return ok(map[string]any{"records": s.recordsJSON(t, ids)})
}

func (s *Server) echoLocked(app string, t *baseTable, changes []baseChange) {
	if s.st.base.noEcho {
		return
	}
	if ev, send := s.recordEventLocked(app, t, s.cfg.BotOpenID, changes); send {
		s.st.base.pending = append(s.st.base.pending, ev)
	}
}

func (s *Server) recordsJSON(t *baseTable, ids []string) []map[string]any {
	out := []map[string]any{}
	for _, id := range ids {
		r := t.records[id]
		if r == nil {
			out = append(out, map[string]any{"record_id": id, "fields": map[string]any{}})
			continue
		}
		out = append(out, map[string]any{"record_id": id, "fields": r.Fields})
	}
	return out
}

func (s *Server) handleBaseBatchUpdate(a *apiReq) reply {
	app, t, records, rep, good := s.batchRecords(a)
	if !good {
		return rep
	}
	for _, r := range records {
		if t.records[r.RecordID] == nil {
			return bad(CodeBaseRecordNotFound, "RecordIdNotFound")
		}
		if rep, good := checkFieldsLocked(t, r.Fields); !good {
			return rep
		}
	}
	ids := make([]string, 0, len(records))
	var changes []baseChange
	for _, r := range records {
		rec := t.records[r.RecordID]
		before := copyRecord(rec)
		for k, v := range r.Fields {
			if v == nil {
				delete(rec.Fields, k)
			} else {
				rec.Fields[k] = v
			}
		}
		ids = append(ids, rec.ID)
		changes = append(changes, baseChange{id: rec.ID, action: "record_edited", before: before.Fields, after: rec.Fields})
	}
	s.echoLocked(app, t, changes)
	return ok(map[string]any{"records": s.recordsJSON(t, ids)})
}

func (s *Server) handleBaseBatchGet(a *apiReq) reply {
	t, rep, found := s.tableLocked(a.r.PathValue("app_token"), a.r.PathValue("table_id"))
	if !found {
		return rep
	}
	var body struct {
		RecordIDs []string `json:"record_ids"`
	}
	if err := a.decode(&body); err != nil {
		return bad(CodeFieldValidation, "bad body")
	}
	if len(body.RecordIDs) > maxBaseBatch {
		return bad(CodeBaseTooMany, "TooLargeRequest: at most 500 records")
	}
	var present []string
	absent := []string{}
	for _, id := range body.RecordIDs {
		if t.records[id] != nil {
			present = append(present, id)
		} else {
			absent = append(absent, id)
		}
	}
	return ok(map[string]any{"records": s.recordsJSON(t, present), "absent_record_ids": absent})
}

// handleDriveSubscribe subscribes the app to a Base's events
// (https://open.feishu.cn/document/server-docs/docs/drive-v1/event/subscribe: file_type=bitable).
func (s *Server) handleDriveSubscribe(a *apiReq) reply {
	if a.r.URL.Query().Get("file_type") != "bitable" {
		return bad(CodeFieldValidation, "larktest: only file_type=bitable is emulated")
	}
	app := s.st.base.app(a.r.PathValue("file_token"))
	if app == nil {
		return bad(CodeBaseAppNotFound, "file not found")
	}
	app.subscribed = true
	return ok(nil)
}
