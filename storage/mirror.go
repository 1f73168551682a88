package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baton-crm/baton/crm"
)

// The Feishu Base mirror's ledger (migration 0014).

type baseRecordRow struct {
	bun.BaseModel `bun:"table:base_records"`

	TableID   string    `bun:"table_id,pk"`
	LeadID    int64     `bun:"lead_id,pk"`
	RecordID  string    `bun:"record_id,notnull"`
	Rev       int64     `bun:"rev,notnull"`
	Token     string    `bun:"token,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

var _ crm.MirrorStore = (*DB)(nil)

// pendingMirror selects the due leads of a table: no row, a row behind the lead's revision, or a create
// not answered yet.
func (db *DB) pendingMirror(q *bun.SelectQuery, table string) *bun.SelectQuery {
	return q.TableExpr("leads AS l").
		Join("LEFT JOIN base_records AS b ON b.table_id = ? AND b.lead_id = l.id", table).
		Where("b.lead_id IS NULL OR b.rev < l.rev OR b.record_id = ''")
}

// PendingMirror returns up to limit due leads, unanswered creates first, grouped by token.
func (db *DB) PendingMirror(ctx context.Context, table string, limit int) ([]crm.MirrorRow, error) {
	var rows []struct {
		LeadID   int64  `bun:"lead_id"`
		RecordID string `bun:"record_id"`
		Rev      int64  `bun:"rev"`
		Token    string `bun:"token"`
	}
	q := db.pendingMirror(db.rd.NewSelect(), table).
		ColumnExpr("l.id AS lead_id, COALESCE(b.record_id, '') AS record_id, COALESCE(b.rev, 0) AS rev, COALESCE(b.token, '') AS token").
		OrderExpr("CASE WHEN b.token <> '' AND b.record_id = '' THEN 0 ELSE 1 END, COALESCE(b.token, ''), l.id").
		Limit(int64(limit))
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("find leads to mirror: %w", err)
	}
	out := make([]crm.MirrorRow, len(rows))
	for i, r := range rows {
		out[i] = crm.MirrorRow{LeadID: r.LeadID, RecordID: r.RecordID, Rev: r.Rev, Token: r.Token}
	}
	return out, nil
}

// CountPendingMirror counts the due leads of the table.
func (db *DB) CountPendingMirror(ctx context.Context, table string) (int, error) {
	n, err := db.pendingMirror(db.rd.NewSelect(), table).ColumnExpr("l.id").Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count leads to mirror: %w", err)
	}
	return int(n), nil
}

// SaveMirror upserts rows.
func (db *DB) SaveMirror(ctx context.Context, table string, rows []crm.MirrorRow) error {
	if len(rows) == 0 {
		return nil
	}
	now := db.nowUTC()
	rs := make([]baseRecordRow, len(rows))
	for i, r := range rows {
		rs[i] = baseRecordRow{TableID: table, LeadID: r.LeadID, RecordID: r.RecordID, Rev: r.Rev, Token: r.Token, UpdatedAt: now}
	}
	_, err := db.bun.NewInsert().Model(&rs).
		On("CONFLICT (table_id, lead_id) DO UPDATE").
		Set("record_id = EXCLUDED.record_id, rev = EXCLUDED.rev, token = EXCLUDED.token, updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	return mapErr(err, "base record")
}

// ForgetMirror deletes the rows of records deleted in Base.
func (db *DB) ForgetMirror(ctx context.Context, table string, recordIDs []string) error {
	if len(recordIDs) == 0 {
		return nil
	}
	_, err := db.bun.NewDelete().Model((*baseRecordRow)(nil)).Where("table_id = ?", table).
		Where("record_id IN (?)", bun.In(recordIDs)).Exec(ctx)
	return mapErr(err, "base record")
}

// MirrorByRecord finds the lead a record mirrors.
func (db *DB) MirrorByRecord(ctx context.Context, table, recordID string) (crm.MirrorRow, error) {
	var r baseRecordRow
	err := db.rd.NewSelect().Model(&r).Where("table_id = ?", table).Where("record_id = ?", recordID).
		Where("record_id <> ''").Limit(1).Scan(ctx)
	if err != nil {
		return crm.MirrorRow{}, mapErr(err, "base record")
	}
	return crm.MirrorRow{LeadID: r.LeadID, RecordID: r.RecordID, Rev: r.Rev, Token: r.Token}, nil
}

// ResetMirror makes every lead of the table due again; records keep their ids and are overwritten.
func (db *DB) ResetMirror(ctx context.Context, table string) error {
	_, err := db.bun.NewUpdate().Model((*baseRecordRow)(nil)).Set("rev = 0").Where("table_id = ?", table).Exec(ctx)
	return mapErr(err, "base records")
}
