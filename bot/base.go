package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkbitable "github.com/larksuite/oapi-sdk-go/v3/service/bitable/v1"
	larkdrive "github.com/larksuite/oapi-sdk-go/v3/service/drive/v1"

	"github.com/baton-crm/baton/crm"
)

// Feishu Base (多维表格, bitable/v1) for the lead mirror. Error codes from the error tables of
// https://open.feishu.cn/document/server-docs/docs/bitable-v1/app-table-record/batch_create and
// …/batch_update:
const (
	codeBaseRecordNotFound = 1254043 // RecordIdNotFound
	codeBaseTooFast        = 1254290 // TooManyRequest
	codeBaseWriteConflict  = 1254291 // Write conflict: "同一数据表不支持并发调用写接口"
	codeBaseDataNotReady   = 1254607 // Data not ready: the previous change is still being applied
	codeBaseTimeout        = 1255040 // request timed out
)

// baseRetryable are the Base answers that succeed when the same call is repeated a little later.
func baseRetryable(code int) bool {
	switch code {
	case codeBaseTooFast, codeBaseWriteConflict, codeBaseDataNotReady, codeBaseTimeout:
		return true
	}
	return false
}

// baseAttempts bounds the retries of one Base call on the codes above; the mirror's loop retries the
// batch after that, so nothing is lost when a storm outlasts them.
const baseAttempts = 6

var _ crm.BaseTable = (*Client)(nil)

// baseWriters serialises writes per table inside one process: Base refuses concurrent writes to one table
// (1254291). Across processes the mirror loop's lock does the same.
var baseWriters sync.Map // app_token/table_id → *sync.Mutex

func (c *Client) lockTable(appToken, tableID string) func() {
	v, _ := baseWriters.LoadOrStore(appToken+"/"+tableID, &sync.Mutex{})
	mu := v.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

func (c *Client) bitable() *larkbitable.V1 { return larkbitable.New(c.lark) }

// baseDo is do with Base's own temporary answers retried: write conflicts, "too fast", timeouts.
func (c *Client) baseDo(ctx context.Context, cl call, fn apiFunc) error {
	for attempt := 1; ; attempt++ {
		err := c.do(ctx, cl, fn)
		var ae *APIError
		if err == nil || !errors.As(err, &ae) || !baseRetryable(ae.Code) || attempt >= baseAttempts {
			return err
		}
		d := backoff(attempt, ae)
		if ae.Code == codeBaseWriteConflict {
			// Another write to the table is running (another replica during a lock hand-over, or a person's
			// bulk edit): it ends within moments, so retry soon rather than on the server-error schedule.
			d = time.Duration(50<<(attempt-1)) * time.Millisecond
		}
		c.log.Info("lark base retry", append(cl.attrs, "op", cl.op, "code", ae.Code, "attempt", attempt, "wait_ms", d.Milliseconds())...)
		if err := sleep(ctx, d); err != nil {
			return ae
		}
	}
}

func (c *Client) baseCall(op, tableID string) call {
	// batch_create, batch_update, batch_get: "50 次/秒" each, per app (the pages above); the limiter's
	// per-API pace (Limits.APIPerSecond, 40 by default) stays under it.
	return call{op: op, keys: c.rateKeys(op), attrs: []any{"table_id", tableID}}
}

// EnsureTable finds or creates the mirror table and adds the fields it lacks.
func (c *Client) EnsureTable(ctx context.Context, appToken, tableID, name string, fields []crm.BaseField) (crm.BaseSchema, error) {
	bt := c.bitable()
	if tableID == "" {
		id, err := c.findTable(ctx, bt, appToken, name)
		if err != nil {
			return crm.BaseSchema{}, err
		}
		if id == "" {
			if id, err = c.createTable(ctx, bt, appToken, name, fields); err != nil {
				return crm.BaseSchema{}, err
			}
		}
		tableID = id
	}
	have, err := c.listFields(ctx, bt, appToken, tableID)
	if err != nil {
		return crm.BaseSchema{}, err
	}
	for _, f := range fields {
		if _, ok := have[f.Name]; ok {
			continue
		}
		id, err := c.createField(ctx, bt, appToken, tableID, f)
		if err != nil {
			return crm.BaseSchema{}, err
		}
		have[f.Name] = id
	}
	return crm.BaseSchema{TableID: tableID, FieldIDs: have}, nil
}

func (c *Client) findTable(ctx context.Context, bt *larkbitable.V1, appToken, name string) (string, error) {
	page := ""
	for {
		b := larkbitable.NewListAppTableReqBuilder().AppToken(appToken).PageSize(100)
		if page != "" {
			b.PageToken(page)
		}
		req := b.Build()
		var data *larkbitable.ListAppTableRespData
		err := c.baseDo(ctx, c.baseCall("base_tables", ""), func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
			r, err := bt.AppTable.List(ctx, req, tok)
			if err != nil {
				return nil, nil, err
			}
			data = r.Data
			return r.ApiResp, &r.CodeError, nil
		})
		if err != nil || data == nil {
			return "", err
		}
		for _, t := range data.Items {
			if t != nil && deref(t.Name) == name {
				return deref(t.TableId), nil
			}
		}
		if data.HasMore == nil || !*data.HasMore || deref(data.PageToken) == "" {
			return "", nil
		}
		page = deref(data.PageToken)
	}
}

func (c *Client) createTable(ctx context.Context, bt *larkbitable.V1, appToken, name string, fields []crm.BaseField) (string, error) {
	// The first field becomes the table's primary (索引列) field.
	heads := make([]*larkbitable.AppTableCreateHeader, 0, len(fields))
	for _, f := range fields {
		h := larkbitable.NewAppTableCreateHeaderBuilder().FieldName(f.Name).Type(int(f.Type))
		if p := fieldProperty(f); p != nil {
			h.Property(p)
		}
		heads = append(heads, h.Build())
	}
	req := larkbitable.NewCreateAppTableReqBuilder().AppToken(appToken).Body(larkbitable.NewCreateAppTableReqBodyBuilder().
		Table(larkbitable.NewReqTableBuilder().Name(name).Fields(heads).Build()).Build()).Build()
	var id string
	err := c.baseDo(ctx, c.baseCall("base_table_create", ""), func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
		r, err := bt.AppTable.Create(ctx, req, tok)
		if err != nil {
			return nil, nil, err
		}
		if r.Data != nil {
			id = deref(r.Data.TableId)
		}
		return r.ApiResp, &r.CodeError, nil
	})
	if err == nil && id == "" {
		err = fmt.Errorf("lark base_table_create: no table id in the answer")
	}
	return id, err
}

func fieldProperty(f crm.BaseField) *larkbitable.AppTableFieldProperty {
	switch f.Type {
	case crm.BaseSelect, crm.BaseMultiSelect:
		opts := make([]*larkbitable.AppTableFieldPropertyOption, 0, len(f.Options))
		for _, o := range f.Options {
			opts = append(opts, larkbitable.NewAppTableFieldPropertyOptionBuilder().Name(o).Build())
		}
		return larkbitable.NewAppTableFieldPropertyBuilder().Options(opts).Build()
	case crm.BaseDate:
		return larkbitable.NewAppTableFieldPropertyBuilder().DateFormatter("yyyy/MM/dd HH:mm").Build()
	case crm.BaseUser:
		return larkbitable.NewAppTableFieldPropertyBuilder().Multiple(false).Build()
	}
	return nil
}

func (c *Client) listFields(ctx context.Context, bt *larkbitable.V1, appToken, tableID string) (map[string]string, error) {
	have := map[string]string{}
	page := ""
	for {
		b := larkbitable.NewListAppTableFieldReqBuilder().AppToken(appToken).TableId(tableID).PageSize(100)
		if page != "" {
			b.PageToken(page)
		}
		req := b.Build()
		var data *larkbitable.ListAppTableFieldRespData
		err := c.baseDo(ctx, c.baseCall("base_fields", tableID), func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
			r, err := bt.AppTableField.List(ctx, req, tok)
			if err != nil {
				return nil, nil, err
			}
			data = r.Data
			return r.ApiResp, &r.CodeError, nil
		})
		if err != nil {
			return nil, err
		}
		if data == nil {
			return have, nil
		}
		for _, f := range data.Items {
			if f != nil {
				have[deref(f.FieldName)] = deref(f.FieldId)
			}
		}
		if data.HasMore == nil || !*data.HasMore || deref(data.PageToken) == "" {
			return have, nil
		}
		page = deref(data.PageToken)
	}
}

func (c *Client) createField(ctx context.Context, bt *larkbitable.V1, appToken, tableID string, f crm.BaseField) (string, error) {
	fb := larkbitable.NewAppTableFieldBuilder().FieldName(f.Name).Type(int(f.Type))
	if p := fieldProperty(f); p != nil {
		fb.Property(p)
	}
	req := larkbitable.NewCreateAppTableFieldReqBuilder().AppToken(appToken).TableId(tableID).AppTableField(fb.Build()).Build()
	defer c.lockTable(appToken, tableID)()
	var id string
	err := c.baseDo(ctx, c.baseCall("base_field_create", tableID), func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
		r, err := bt.AppTableField.Create(ctx, req, tok)
		if err != nil {
			return nil, nil, err
		}
		if r.Data != nil && r.Data.Field != nil {
			id = deref(r.Data.Field.FieldId)
		}
		return r.ApiResp, &r.CodeError, nil
	})
	return id, err
}

// CreateRecords creates records with batch_create; clientToken makes a repeat create nothing twice.
func (c *Client) CreateRecords(ctx context.Context, appToken, tableID, clientToken string, recs []crm.MirrorRecord) ([]string, error) {
	if len(recs) > crm.MaxBaseBatch {
		return nil, fmt.Errorf("lark base_create: %d records, at most %d per call", len(recs), crm.MaxBaseBatch)
	}
	body := make([]*larkbitable.AppTableRecord, len(recs))
	for i, r := range recs {
		body[i] = &larkbitable.AppTableRecord{Fields: map[string]any(r)}
	}
	req := larkbitable.NewBatchCreateAppTableRecordReqBuilder().AppToken(appToken).TableId(tableID).
		UserIdType("open_id").ClientToken(clientToken).
		Body(&larkbitable.BatchCreateAppTableRecordReqBody{Records: body}).Build()
	bt := c.bitable()
	defer c.lockTable(appToken, tableID)()
	var ids []string
	err := c.baseDo(ctx, c.baseCall("base_create", tableID), func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
		r, err := bt.AppTableRecord.BatchCreate(ctx, req, tok)
		if err != nil {
			return nil, nil, err
		}
		ids = ids[:0]
		if r.Data != nil {
			for _, rec := range r.Data.Records {
				if rec != nil {
					ids = append(ids, deref(rec.RecordId))
				}
			}
		}
		return r.ApiResp, &r.CodeError, nil
	})
	return ids, err
}

// UpdateRecords overwrites records with batch_update. When Base answers that a record does not exist it
// asks which ones are gone and returns them in a *crm.MissingRecordsError.
func (c *Client) UpdateRecords(ctx context.Context, appToken, tableID string, recs []crm.BaseRecord) error {
	if len(recs) > crm.MaxBaseBatch {
		return fmt.Errorf("lark base_update: %d records, at most %d per call", len(recs), crm.MaxBaseBatch)
	}
	body := make([]*larkbitable.AppTableRecord, len(recs))
	ids := make([]string, len(recs))
	for i, r := range recs {
		id := r.ID
		ids[i] = id
		body[i] = &larkbitable.AppTableRecord{RecordId: &id, Fields: map[string]any(r.Fields)}
	}
	req := larkbitable.NewBatchUpdateAppTableRecordReqBuilder().AppToken(appToken).TableId(tableID).
		UserIdType("open_id").Body(&larkbitable.BatchUpdateAppTableRecordReqBody{Records: body}).Build()
	bt := c.bitable()
	unlock := c.lockTable(appToken, tableID)
	err := c.baseDo(ctx, c.baseCall("base_update", tableID), func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
		r, err := bt.AppTableRecord.BatchUpdate(ctx, req, tok)
		if err != nil {
			return nil, nil, err
		}
		return r.ApiResp, &r.CodeError, nil
	})
	unlock()
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != codeBaseRecordNotFound {
		return err
	}
	absent, gerr := c.absentRecords(ctx, appToken, tableID, ids)
	if gerr != nil {
		return errors.Join(err, gerr)
	}
	if len(absent) == 0 {
		return err
	}
	return &crm.MissingRecordsError{IDs: absent}
}

func (c *Client) batchGet(ctx context.Context, appToken, tableID string, ids []string) (*larkbitable.BatchGetAppTableRecordRespData, error) {
	req := larkbitable.NewBatchGetAppTableRecordReqBuilder().AppToken(appToken).TableId(tableID).
		Body(larkbitable.NewBatchGetAppTableRecordReqBodyBuilder().RecordIds(ids).UserIdType("open_id").Build()).Build()
	bt := c.bitable()
	var data *larkbitable.BatchGetAppTableRecordRespData
	err := c.baseDo(ctx, c.baseCall("base_get", tableID), func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
		r, err := bt.AppTableRecord.BatchGet(ctx, req, tok)
		if err != nil {
			return nil, nil, err
		}
		data = r.Data
		return r.ApiResp, &r.CodeError, nil
	})
	if err == nil && data == nil {
		data = &larkbitable.BatchGetAppTableRecordRespData{}
	}
	return data, err
}

func (c *Client) absentRecords(ctx context.Context, appToken, tableID string, ids []string) ([]string, error) {
	data, err := c.batchGet(ctx, appToken, tableID, ids)
	if err != nil {
		return nil, err
	}
	return data.AbsentRecordIds, nil
}

// ReadRecords reads records by id (batch_get, at most 500 per call).
func (c *Client) ReadRecords(ctx context.Context, appToken, tableID string, ids []string) (map[string]map[string]any, error) {
	out := make(map[string]map[string]any, len(ids))
	for start := 0; start < len(ids); start += crm.MaxBaseBatch {
		data, err := c.batchGet(ctx, appToken, tableID, ids[start:min(start+crm.MaxBaseBatch, len(ids))])
		if err != nil {
			return nil, err
		}
		for _, r := range data.Records {
			if r != nil && r.RecordId != nil {
				out[*r.RecordId] = r.Fields
			}
		}
	}
	return out, nil
}

// SubscribeBase subscribes the app to the Base file's events (drive.file.bitable_record_changed_v1):
// POST /open-apis/drive/v1/files/:file_token/subscribe?file_type=bitable
// (https://open.feishu.cn/document/server-docs/docs/drive-v1/event/subscribe). Repeating it is harmless.
func (c *Client) SubscribeBase(ctx context.Context, appToken string) error {
	req := larkdrive.NewSubscribeFileReqBuilder().FileToken(appToken).FileType("bitable").Build()
	d := larkdrive.New(c.lark)
	return c.do(ctx, call{op: "base_subscribe", keys: c.rateKeys("base_subscribe")}, func(ctx context.Context, tok larkcore.RequestOptionFunc) (*larkcore.ApiResp, *larkcore.CodeError, error) {
		r, err := d.File.Subscribe(ctx, req, tok)
		if err != nil {
			return nil, nil, err
		}
		return r.ApiResp, &r.CodeError, nil
	})
}

// baseChangeFrom turns the SDK's record-changed event into Baton's; a field counts as changed when its value
// differs between before_value and after_value.
func baseChangeFrom(e *larkdrive.P2FileBitableRecordChangedV1) crm.BaseChange {
	ev := e.Event
	ch := crm.BaseChange{EventID: eventID(e.EventV2Base), AppToken: deref(ev.FileToken), TableID: deref(ev.TableId)}
	if ev.OperatorId != nil {
		ch.OperatorID = deref(ev.OperatorId.OpenId)
	}
	for _, a := range ev.ActionList {
		if a == nil {
			continue
		}
		before := map[string]string{}
		for _, f := range a.BeforeValue {
			if f != nil {
				before[deref(f.FieldId)] = deref(f.FieldValue)
			}
		}
		rc := crm.BaseRecordChange{RecordID: deref(a.RecordId), Action: deref(a.Action)}
		seen := map[string]bool{}
		for _, f := range a.AfterValue {
			if f == nil {
				continue
			}
			id := deref(f.FieldId)
			seen[id] = true
			if v, ok := before[id]; !ok || v != deref(f.FieldValue) {
				rc.FieldIDs = append(rc.FieldIDs, id)
			}
		}
		for id := range before {
			if !seen[id] { // cleared
				rc.FieldIDs = append(rc.FieldIDs, id)
			}
		}
		ch.Records = append(ch.Records, rc)
	}
	return ch
}

// baseEventBudget bounds the work one record-changed event may do before the webhook must answer.
const baseEventBudget = 2500 * time.Millisecond

func (in *intake) onBaseRecordChanged(ctx context.Context, e *larkdrive.P2FileBitableRecordChangedV1) error {
	defer in.recover("base_record_changed")
	if e == nil || e.Event == nil || in.cfg.BaseChanged == nil {
		return nil
	}
	ch := baseChangeFrom(e)
	if !in.firstSeen(ctx, ch.EventID, "base_record_changed") {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, baseEventBudget)
	defer cancel()
	if err := in.cfg.BaseChanged(ctx, ch); err != nil {
		in.cfg.Logger.Error("lark base change handler failed", "event_id", ch.EventID, "table_id", ch.TableID, "error", err)
	}
	return nil
}
