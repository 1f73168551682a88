package crm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
)

// MirrorRow is what Baton remembers of one lead's record in the mirror table.
type MirrorRow struct {
	LeadID   int64
	RecordID string // empty: not created yet (or deleted in Base and to be created again)
	Rev      int64  // the lead revision the record shows; the lead is pending while its Rev is higher
	// Token is the client_token of a create sent but not yet answered. A row with a token and no record is
	// re-sent with the same token, so a create whose answer was lost is not made twice.
	Token string
}

// MirrorStore keeps the mirror's ledger; storage implements it. The leads table is the outbox: every
// write bumps a lead's revision, and a lead whose revision passed its row's (or that has no row) is due.
type MirrorStore interface {
	// PendingMirror returns up to limit due leads of the table: rows with an unanswered create first
	// (grouped by token), then leads by id. A lead without a row comes back with an empty row.
	PendingMirror(ctx context.Context, table string, limit int) ([]MirrorRow, error)
	// CountPendingMirror counts the due leads of the table.
	CountPendingMirror(ctx context.Context, table string) (int, error)
	// SaveMirror upserts rows.
	SaveMirror(ctx context.Context, table string, rows []MirrorRow) error
	// ForgetMirror deletes the rows of the given records (deleted in Base): their leads are due again.
	ForgetMirror(ctx context.Context, table string, recordIDs []string) error
	// MirrorByRecord finds the lead a record mirrors; ENOTFOUND for a record Baton did not write.
	MirrorByRecord(ctx context.Context, table, recordID string) (MirrorRow, error)
	// ResetMirror makes every lead of the table due again (baton base sync --all).
	ResetMirror(ctx context.Context, table string) error
}

// BaseConfig is the base: section of baton.yaml.
type BaseConfig struct {
	AppToken    string
	TableID     string // empty: Baton finds or creates DefaultBaseTableName
	FullContact bool
	Link        string // see MirrorOptions.Link
}

// Mirror keeps a Feishu Base table in line with the leads. One Mirror writes a table at a time (the jobs
// loop holds a lock per table): Base refuses concurrent writes to one table with 1254291.
type Mirror struct {
	Service *Service
	Table   BaseTable
	Store   MirrorStore
	Config  BaseConfig

	mu      sync.Mutex
	tableID string
	fields  map[string]string // field id → column name
}

// MirrorStats says what one mirror run did.
type MirrorStats struct {
	Created, Updated, Recreated int
}

// Ensure finds or creates the table and its fields, once per process, and returns the table id.
func (m *Mirror) Ensure(ctx context.Context) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tableID != "" {
		return m.tableID, nil
	}
	fields := BaseFields(m.lang(), m.options().Fields)
	sc, err := m.Table.EnsureTable(ctx, m.Config.AppToken, m.Config.TableID, DefaultBaseTableName, fields)
	if err != nil {
		return "", fmt.Errorf("ensure base table: %w", err)
	}
	m.tableID = sc.TableID
	m.fields = make(map[string]string, len(sc.FieldIDs))
	for name, id := range sc.FieldIDs {
		m.fields[id] = name
	}
	return sc.TableID, nil
}

func (m *Mirror) lang() string {
	if m.Service.Settings != nil && m.Service.Settings.Language == "en" {
		return "en"
	}
	return "zh"
}

func (m *Mirror) options() MirrorOptions {
	o := MirrorOptions{FullContact: m.Config.FullContact, Lang: m.lang(), Link: m.Config.Link}
	if st := m.Service.Settings; st != nil {
		o.Fields, o.Location = st.Fields, st.Location
	}
	return o
}

// RunOnce writes one batch (at most MaxBaseBatch leads) of due leads to Base and returns how many it
// handled; zero means nothing was due. A failed write leaves its leads due: the next run sends them again.
func (m *Mirror) RunOnce(ctx context.Context) (int, MirrorStats, error) {
	var st MirrorStats
	table, err := m.Ensure(ctx)
	if err != nil {
		return 0, st, err
	}
	rows, err := m.Store.PendingMirror(ctx, table, MaxBaseBatch)
	if err != nil || len(rows) == 0 {
		return 0, st, err
	}
	var retries = map[string][]MirrorRow{} // token → rows of an unanswered create
	var order []string
	var fresh, updates []MirrorRow
	for _, r := range rows {
		switch {
		case r.RecordID == "" && r.Token != "":
			if _, ok := retries[r.Token]; !ok {
				order = append(order, r.Token)
			}
			retries[r.Token] = append(retries[r.Token], r)
		case r.RecordID == "":
			fresh = append(fresh, r)
		default:
			updates = append(updates, r)
		}
	}
	var errs []error
	for _, tok := range order {
		// The first answer was lost: the same token gets the records Base made then (or makes them now).
		// They may show an older revision, so they are saved as revision 0 and updated by the next run.
		n, err := m.create(ctx, table, tok, retries[tok], true)
		st.Created += n
		errs = append(errs, err)
	}
	if len(fresh) > 0 {
		tok := newClientToken()
		for i := range fresh {
			fresh[i].Token = tok
		}
		if err := m.Store.SaveMirror(ctx, table, fresh); err != nil {
			return len(rows), st, err
		}
		n, err := m.create(ctx, table, tok, fresh, false)
		st.Created += n
		errs = append(errs, err)
	}
	if len(updates) > 0 {
		u, re, err := m.update(ctx, table, updates)
		st.Updated, st.Recreated = u, re
		errs = append(errs, err)
	}
	return len(rows), st, errors.Join(errs...)
}

// records reads the leads of rows and maps them; leads that no longer exist are skipped.
func (m *Mirror) records(ctx context.Context, rows []MirrorRow) ([]MirrorRow, []MirrorRecord, error) {
	keep := make([]MirrorRow, 0, len(rows))
	recs := make([]MirrorRecord, 0, len(rows))
	o := m.options()
	for _, r := range rows {
		l, err := m.Service.Leads.Lead(ctx, r.LeadID)
		if ErrorCode(err) == ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		v, err := m.Service.ViewOf(ctx, l)
		if err != nil {
			return nil, nil, err
		}
		r.Rev = l.Rev
		keep = append(keep, r)
		recs = append(recs, MirrorRecordOf(v, o))
	}
	return keep, recs, nil
}

func (m *Mirror) create(ctx context.Context, table, tok string, rows []MirrorRow, retry bool) (int, error) {
	rows, recs, err := m.records(ctx, rows)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	ids, err := m.Table.CreateRecords(ctx, m.Config.AppToken, table, tok, recs)
	if err != nil {
		return 0, fmt.Errorf("create %d base records: %w", len(recs), err)
	}
	if len(ids) != len(rows) {
		return 0, fmt.Errorf("create base records: %d ids for %d records", len(ids), len(rows))
	}
	for i := range rows {
		rows[i].RecordID, rows[i].Token = ids[i], ""
		if retry {
			rows[i].Rev = 0
		}
	}
	return len(rows), m.Store.SaveMirror(ctx, table, rows)
}

// update writes changed leads. Records deleted by hand in Base are forgotten and created again at once.
func (m *Mirror) update(ctx context.Context, table string, rows []MirrorRow) (updated, recreated int, err error) {
	rows, recs, err := m.records(ctx, rows)
	if err != nil || len(rows) == 0 {
		return 0, 0, err
	}
	batch := make([]BaseRecord, len(rows))
	for i := range rows {
		batch[i] = BaseRecord{ID: rows[i].RecordID, Fields: recs[i]}
	}
	err = m.Table.UpdateRecords(ctx, m.Config.AppToken, table, batch)
	var missing *MissingRecordsError
	if errors.As(err, &missing) {
		gone := make(map[string]bool, len(missing.IDs))
		for _, id := range missing.IDs {
			gone[id] = true
		}
		m.Service.logger().Warn("base records deleted by hand; creating them again", "table_id", table, "records", len(gone))
		if err := m.Store.ForgetMirror(ctx, table, missing.IDs); err != nil {
			return 0, 0, err
		}
		var keep, again []MirrorRow
		var kept []BaseRecord
		for i, r := range rows {
			if gone[r.RecordID] {
				r.RecordID = ""
				again = append(again, r)
			} else {
				keep = append(keep, r)
				kept = append(kept, batch[i])
			}
		}
		rows, batch = keep, kept
		err = nil
		if len(batch) > 0 {
			err = m.Table.UpdateRecords(ctx, m.Config.AppToken, table, batch)
		}
		if len(again) > 0 {
			tok := newClientToken()
			for i := range again {
				again[i].Token = tok
			}
			if serr := m.Store.SaveMirror(ctx, table, again); serr != nil {
				return 0, 0, serr
			}
			n, cerr := m.create(ctx, table, tok, again, false)
			recreated = n
			err = errors.Join(err, cerr)
		}
	}
	if err != nil {
		return 0, recreated, fmt.Errorf("update %d base records: %w", len(batch), err)
	}
	return len(rows), recreated, m.Store.SaveMirror(ctx, table, rows)
}

// newClientToken is a UUIDv4, the form Base's client_token takes
// (https://open.feishu.cn/document/server-docs/docs/bitable-v1/app-table-record/batch_create).
func newClientToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
