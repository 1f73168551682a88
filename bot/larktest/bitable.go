package larktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Feishu Base (多维表格, bitable/v1) and the drive subscription for its record-changed events.
const (
	RouteBaseListTables   = "GET /open-apis/bitable/v1/apps/:app_token/tables"
	RouteBaseCreateTable  = "POST /open-apis/bitable/v1/apps/:app_token/tables"
	RouteBaseListFields   = "GET /open-apis/bitable/v1/apps/:app_token/tables/:table_id/fields"
	RouteBaseCreateField  = "POST /open-apis/bitable/v1/apps/:app_token/tables/:table_id/fields"
	RouteBaseBatchCreate  = "POST /open-apis/bitable/v1/apps/:app_token/tables/:table_id/records/batch_create"
	RouteBaseBatchUpdate  = "POST /open-apis/bitable/v1/apps/:app_token/tables/:table_id/records/batch_update"
	RouteBaseBatchGet     = "POST /open-apis/bitable/v1/apps/:app_token/tables/:table_id/records/batch_get"
	RouteDriveSubscribe   = "POST /open-apis/drive/v1/files/:file_token/subscribe"
	EventBaseRecordChange = "drive.file.bitable_record_changed_v1"
)

// Base error codes, from the error tables of
// https://open.feishu.cn/document/server-docs/docs/bitable-v1/app-table-record/batch_create, …/batch_update
// and …/batch_get. Codes marked "chosen" are of the same family where the pages name none for the case.
const (
	CodeBaseAppNotFound     = 1254040 // chosen: unknown app_token
	CodeBaseTableNotFound   = 1254041
	CodeBaseRecordNotFound  = 1254043
	CodeBaseFieldNotFound   = 1254045
	CodeBaseTextConv        = 1254060 // TextFieldConvFail
	CodeBaseNumberConv      = 1254061 // NumberFieldConvFail
	CodeBaseSelectConv      = 1254062 // SingleSelectFieldConvFail
	CodeBaseMultiSelectConv = 1254063 // MultiSelectFieldConvFail
	CodeBaseDateConv        = 1254064 // DatetimeFieldConvFail
	CodeBaseUserConv        = 1254066 // chosen: UserFieldConvFail
	CodeBaseURLConv         = 1254068 // chosen: URL field conversion
	CodeBaseTooMany         = 1254104 // more than 500 records in one call
	CodeBaseTooFast         = 1254290
	CodeBaseWriteConflict   = 1254291 // "同一数据表不支持并发调用写接口"
	CodeBaseTimeout         = 1255040
	maxBaseBatch            = 500
)

// Base field types by Lark's number (https://open.feishu.cn/document/server-docs/docs/bitable-v1/app-table-field/guide).
const (
	BaseTypeText        = 1
	BaseTypeNumber      = 2
	BaseTypeSelect      = 3
	BaseTypeMultiSelect = 4
	BaseTypeDate        = 5
	BaseTypeUser        = 11
	BaseTypeURL         = 15
)

func init() {
	// batch_create, batch_update, batch_get: "50 次/秒" on each page above.
	for _, r := range []string{RouteBaseBatchCreate, RouteBaseBatchUpdate, RouteBaseBatchGet} {
		apiTiers[r] = apiTier{perSecond: 50}
	}
}

// BaseField is a column of an emulated Base table.
type BaseField struct {
	ID      string   `json:"field_id"`
	Name    string   `json:"field_name"`
	Type    int      `json:"type"`
	Options []string `json:"options,omitempty"`
}

// BaseRecord is a record of an emulated Base table: values by column name, in Base's write format.
type BaseRecord struct {
	ID     string         `json:"record_id"`
	Fields map[string]any `json:"fields"`
}

type baseTable struct {
	id, name string
	fields   []*BaseField
	records  map[string]*BaseRecord
	order    []string
	writing  bool
	tokens   map[string][]string // client_token → ids created by that call
}

type baseApp struct {
	tables     []*baseTable
	subscribed bool
}

type baseState struct {
	apps     map[string]*baseApp
	hold     time.Duration // how long a write keeps its table busy (wall time)
	noEcho   bool
	creates  int              // records created, for duplicate checks
	conflict int              // writes refused with 1254291
	lose     int              // writes to apply and then answer with a timeout (LoseBaseAnswers)
	busy     map[string]bool  // app_token/table_id → a write is running
	pending  []map[string]any // record-changed events of the app's own writes, sent after the write answers
}

func (b *baseState) app(token string) *baseApp {
	if b.apps == nil {
		return nil
	}
	return b.apps[token]
}

// AddBase creates an empty Base the app may use (the app was added to it as a collaborator).
func (s *Server) AddBase(appToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.base.apps == nil {
		s.st.base.apps = map[string]*baseApp{}
	}
	if s.st.base.apps[appToken] == nil {
		s.st.base.apps[appToken] = &baseApp{}
	}
}

// SetBaseWriteHold makes each Base write keep its table busy for d of wall time, so that a second write
// to the table inside it is refused with 1254291 as Lark does. Default 2 ms.
func (s *Server) SetBaseWriteHold(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.base.hold = d
}

// SetBaseEcho turns off (or back on) the record-changed events of the app's own writes; real Lark sends
// them to a subscribed app, and by default so does the emulator.
func (s *Server) SetBaseEcho(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.base.noEcho = !on
}

// LoseBaseAnswers makes the next n successful Base writes apply and then answer 504 / 1255040, as when
// the answer is lost on the way back: a retry that is not idempotent then writes twice.
func (s *Server) LoseBaseAnswers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.base.lose = n
}

// BaseStats reports records created so far and writes refused for a concurrent write.
func (s *Server) BaseStats() (created, conflicts int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.base.creates, s.st.base.conflict
}

func (s *Server) tableLocked(appToken, tableID string) (*baseTable, reply, bool) {
	app := s.st.base.app(appToken)
	if app == nil {
		return nil, bad(CodeBaseAppNotFound, "app token not found"), false
	}
	for _, t := range app.tables {
		if t.id == tableID {
			return t, reply{}, true
		}
	}
	return nil, bad(CodeBaseTableNotFound, "TableIdNotFound"), false
}

// BaseTables lists the tables of a Base by name → id.
func (s *Server) BaseTables(appToken string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	if app := s.st.base.app(appToken); app != nil {
		for _, t := range app.tables {
			out[t.name] = t.id
		}
	}
	return out
}

// BaseFields returns a table's columns, primary first.
func (s *Server) BaseFields(appToken, tableID string) []BaseField {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, _, ok := s.tableLocked(appToken, tableID)
	if !ok {
		return nil
	}
	out := make([]BaseField, len(t.fields))
	for i, f := range t.fields {
		out[i] = *f
		out[i].Options = slices.Clone(f.Options)
	}
	return out
}

// BaseRecords returns a table's records in creation order, as copies.
func (s *Server) BaseRecords(appToken, tableID string) []BaseRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, _, ok := s.tableLocked(appToken, tableID)
	if !ok {
		return nil
	}
	out := make([]BaseRecord, 0, len(t.order))
	for _, id := range t.order {
		out = append(out, copyRecord(t.records[id]))
	}
	return out
}

func copyRecord(r *BaseRecord) BaseRecord {
	b, _ := json.Marshal(r.Fields)
	c := BaseRecord{ID: r.ID}
	_ = json.Unmarshal(b, &c.Fields)
	return c
}

// DeleteBaseRecord deletes a record as a person would in the Base's UI; no event is sent.
func (s *Server) DeleteBaseRecord(appToken, tableID, recordID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, _, ok := s.tableLocked(appToken, tableID)
	if !ok || t.records[recordID] == nil {
		return false
	}
	delete(t.records, recordID)
	t.order = slices.DeleteFunc(t.order, func(id string) bool { return id == recordID })
	s.changedLocked()
	return true
}

// EditBaseRecord changes a record's cells as a person (operator) would in the Base's UI and, when the app
// subscribed to the Base, delivers the drive.file.bitable_record_changed_v1 event.
func (s *Server) EditBaseRecord(ctx context.Context, appToken, tableID, recordID, operator string, fields map[string]any) (Delivery, error) {
	s.mu.Lock()
	t, _, ok := s.tableLocked(appToken, tableID)
	if !ok || t.records[recordID] == nil {
		s.mu.Unlock()
		return Delivery{}, fmt.Errorf("larktest: no record %s in %s/%s", recordID, appToken, tableID)
	}
	r := t.records[recordID]
	before := copyRecord(r)
	for k, v := range fields {
		r.Fields[k] = v
	}
	ev, send := s.recordEventLocked(appToken, t, operator, []baseChange{{id: recordID, action: "record_edited", before: before.Fields, after: r.Fields}})
	s.changedLocked()
	s.mu.Unlock()
	if !send {
		return Delivery{}, nil
	}
	return s.SendEvent(ctx, EventBaseRecordChange, ev)
}

type baseChange struct {
	id, action    string
	before, after map[string]any
}

// recordEventLocked builds the record-changed event of changes to t; send is false when the app did not
// subscribe to the Base. Values are JSON strings keyed by field id, as the event carries them.
func (s *Server) recordEventLocked(appToken string, t *baseTable, operator string, changes []baseChange) (map[string]any, bool) {
	app := s.st.base.app(appToken)
	if app == nil || !app.subscribed {
		return nil, false
	}
	values := func(m map[string]any) []map[string]any {
		var out []map[string]any
		for _, f := range t.fields {
			v, ok := m[f.Name]
			if !ok || v == nil {
				continue
			}
			b, _ := json.Marshal(v)
			out = append(out, map[string]any{"field_id": f.ID, "field_value": string(b)})
		}
		return out
	}
	var actions []map[string]any
	for _, c := range changes {
		a := map[string]any{"record_id": c.id, "action": c.action, "after_value": values(c.after)}
		if c.before != nil {
			a["before_value"] = values(c.before)
		}
		actions = append(actions, a)
	}
	u := map[string]any{"open_id": operator}
	return map[string]any{"file_type": "bitable", "file_token": appToken, "table_id": t.id,
		"revision": 1, "operator_id": u, "action_list": actions, "update_time": s.st.now().Unix()}, true
}

func (s *Server) baseRoutes(mux *http.ServeMux) {
	handle := func(route string, write bool, fn apiFunc) {
		method, path, _ := strings.Cut(route, " ")
		parts := strings.Split(path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") {
				parts[i] = "{" + p[1:] + "}"
			}
		}
		h := s.api(route, true, fn)
		if write {
			h = s.baseWrite(route, fn)
		}
		mux.Handle(method+" "+strings.Join(parts, "/"), h)
	}
	handle(RouteBaseListTables, false, s.handleBaseListTables)
	handle(RouteBaseCreateTable, false, s.handleBaseCreateTable)
	handle(RouteBaseListFields, false, s.handleBaseListFields)
	handle(RouteBaseCreateField, true, s.handleBaseCreateField)
	handle(RouteBaseBatchCreate, true, s.handleBaseBatchCreate)
	handle(RouteBaseBatchUpdate, true, s.handleBaseBatchUpdate)
	handle(RouteBaseBatchGet, false, s.handleBaseBatchGet)
	handle(RouteDriveSubscribe, false, s.handleDriveSubscribe)
}

type ctxKey int

const conflictKey ctxKey = 1

// baseWrite marks the table busy for the length of the write (plus the hold), and answers a write that
// finds it busy with 1254291: Lark refuses concurrent writes to one table.
func (s *Server) baseWrite(route string, fn apiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := r.PathValue("app_token") + "/" + r.PathValue("table_id")
		s.mu.Lock()
		if s.st.base.busy == nil {
			s.st.base.busy = map[string]bool{}
		}
		conflict := s.st.base.busy[key]
		hold := s.st.base.hold
		if !conflict {
			s.st.base.busy[key] = true
		}
		s.mu.Unlock()
		if hold <= 0 {
			hold = 2 * time.Millisecond
		}
		wrapped := func(a *apiReq) reply {
			if conflict {
				s.st.base.conflict++
				return bad(CodeBaseWriteConflict, "Write conflict")
			}
			rep := fn(a)
			if rep.code == 0 && s.st.base.lose > 0 {
				// Applied, but the answer is lost on the way back: the caller cannot tell it from a failure.
				s.st.base.lose--
				return fail(http.StatusGatewayTimeout, CodeBaseTimeout, "request timeout")
			}
			return rep
		}
		if !conflict {
			time.Sleep(hold)
		}
		s.api(route, true, wrapped)(w, r)
		if !conflict {
			s.mu.Lock()
			delete(s.st.base.busy, key)
			events := s.st.base.pending
			s.st.base.pending = nil
			s.mu.Unlock()
			for _, ev := range events {
				go func() { _, _ = s.SendEvent(context.Background(), EventBaseRecordChange, ev) }()
			}
		}
	}
}

func (s *Server) handleBaseListTables(a *apiReq) reply {
	app := s.st.base.app(a.r.PathValue("app_token"))
	if app == nil {
		return bad(CodeBaseAppNotFound, "app token not found")
	}
	items := []map[string]any{}
	for _, t := range app.tables {
		items = append(items, map[string]any{"table_id": t.id, "name": t.name, "revision": 1})
	}
	return ok(map[string]any{"items": items, "has_more": false, "total": len(items)})
}

type fieldIn struct {
	FieldName string `json:"field_name"`
	Type      int    `json:"type"`
	Property  *struct {
		Options []struct {
			Name string `json:"name"`
		} `json:"options"`
	} `json:"property"`
}

func (f fieldIn) field() (*BaseField, reply, bool) {
	switch f.Type {
	case BaseTypeText, BaseTypeNumber, BaseTypeSelect, BaseTypeMultiSelect, BaseTypeDate, BaseTypeUser, BaseTypeURL:
	default:
		return nil, bad(CodeFieldValidation, fmt.Sprintf("larktest: field type %d not emulated", f.Type)), false
	}
	if strings.TrimSpace(f.FieldName) == "" {
		return nil, bad(CodeFieldValidation, "field_name is required"), false
	}
	bf := &BaseField{ID: "fld" + randHex(5), Name: f.FieldName, Type: f.Type}
	if f.Property != nil {
		for _, o := range f.Property.Options {
			bf.Options = append(bf.Options, o.Name)
		}
	}
	return bf, reply{}, true
}

func (s *Server) handleBaseCreateTable(a *apiReq) reply {
	app := s.st.base.app(a.r.PathValue("app_token"))
	if app == nil {
		return bad(CodeBaseAppNotFound, "app token not found")
	}
	var body struct {
		Table struct {
			Name   string    `json:"name"`
			Fields []fieldIn `json:"fields"`
		} `json:"table"`
	}
	if err := a.decode(&body); err != nil || body.Table.Name == "" {
		return bad(CodeFieldValidation, "table.name is required")
	}
	t := &baseTable{id: "tbl" + randHex(6), name: body.Table.Name, records: map[string]*BaseRecord{}, tokens: map[string][]string{}}
	var ids []string
	for _, fi := range body.Table.Fields {
		f, rep, good := fi.field()
		if !good {
			return rep
		}
		t.fields = append(t.fields, f)
		ids = append(ids, f.ID)
	}
	if len(t.fields) == 0 {
		t.fields = []*BaseField{{ID: "fld" + randHex(5), Name: "多行文本", Type: BaseTypeText}}
	}
	app.tables = append(app.tables, t)
	return ok(map[string]any{"table_id": t.id, "field_id_list": ids})
}

func (s *Server) handleBaseListFields(a *apiReq) reply {
	t, rep, found := s.tableLocked(a.r.PathValue("app_token"), a.r.PathValue("table_id"))
	if !found {
		return rep
	}
	items := []map[string]any{}
	for i, f := range t.fields {
		items = append(items, map[string]any{"field_id": f.ID, "field_name": f.Name, "type": f.Type, "is_primary": i == 0})
	}
	return okData(items)
}

func okData(items []map[string]any) reply {
	return ok(map[string]any{"items": items, "has_more": false, "total": len(items)})
}

func (s *Server) handleBaseCreateField(a *apiReq) reply {
	t, rep, found := s.tableLocked(a.r.PathValue("app_token"), a.r.PathValue("table_id"))
	if !found {
		return rep
	}
	var fi fieldIn
	if err := a.decode(&fi); err != nil {
		return bad(CodeFieldValidation, "bad field")
	}
	for _, f := range t.fields {
		if f.Name == fi.FieldName {
			return bad(1254014, "FieldNameDuplicated") // https://open.feishu.cn/document/server-docs/docs/bitable-v1/app-table-field/create
		}
	}
	f, rep, good := fi.field()
	if !good {
		return rep
	}
	t.fields = append(t.fields, f)
	return ok(map[string]any{"field": map[string]any{"field_id": f.ID, "field_name": f.Name, "type": f.Type}})
}
