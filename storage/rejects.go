package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baton-crm/baton/crm"
)

// Push sources: the dead-letter table of rejected records and the memory of delivery ids. Delivery ids
// share the event dedup table (seen_events), whose expired rows the periodic purge already removes.

type rejectRow struct {
	bun.BaseModel `bun:"table:push_rejects"`

	ID         int64     `bun:"id,pk,autoincrement"`
	Source     string    `bun:"source,notnull"`
	DeliveryID string    `bun:"delivery_id,notnull"`
	Op         string    `bun:"op,notnull"`
	ExternalID string    `bun:"external_id,notnull"`
	Field      string    `bun:"field,notnull"`
	Reason     string    `bun:"reason,notnull"`
	RecordEnc  []byte    `bun:"record_enc,nullzero"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
}

// rejectColumn is the associated data of an encrypted rejected record.
const rejectColumn = "push_rejects.record"

func deliveryKey(source, id string) string { return "push:" + source + ":" + id }

// DeliverySeen reports whether the push delivery id of source was recorded and has not expired.
func (db *DB) DeliverySeen(ctx context.Context, source, deliveryID string) (bool, error) {
	n, err := db.rd.NewSelect().TableExpr("seen_events").Where("key = ?", deliveryKey(source, deliveryID)).
		Where("expires_at > ?", db.nowUTC()).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("read push delivery: %w", err)
	}
	return n > 0, nil
}

// RecordDelivery remembers a handled push delivery for crm.DeliveryMemory.
func (db *DB) RecordDelivery(ctx context.Context, source, deliveryID string) error {
	_, err := db.FirstSeen(ctx, deliveryKey(source, deliveryID), crm.DeliveryMemory)
	return err
}

// AddReject stores a rejected record, its body encrypted.
func (db *DB) AddReject(ctx context.Context, r *crm.Reject) error {
	enc, err := db.sealer.seal(rejectColumn, string(r.Record))
	if err != nil {
		return fmt.Errorf("seal rejected record: %w", err)
	}
	at := utc(r.At)
	if at.IsZero() {
		at = db.nowUTC()
	}
	row := rejectRow{Source: r.Source, DeliveryID: r.DeliveryID, Op: r.Op, ExternalID: r.ExternalID,
		Field: r.Field, Reason: r.Reason, RecordEnc: enc, CreatedAt: at}
	if _, err := db.bun.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		return fmt.Errorf("insert push reject: %w", err)
	}
	r.ID = row.ID
	return nil
}

// Rejects lists the source's rejected records, newest first.
func (db *DB) Rejects(ctx context.Context, source string, limit int) ([]crm.Reject, error) {
	if limit <= 0 {
		limit = 50
	}
	var rows []rejectRow
	err := db.rd.NewSelect().Model(&rows).Where("source = ?", source).OrderExpr("id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list push rejects: %w", err)
	}
	out := make([]crm.Reject, 0, len(rows))
	for _, r := range rows {
		rec, err := db.sealer.open(rejectColumn, r.RecordEnc)
		if err != nil {
			return nil, fmt.Errorf("open rejected record %d: %w", r.ID, err)
		}
		out = append(out, crm.Reject{ID: r.ID, Source: r.Source, DeliveryID: r.DeliveryID, Op: r.Op,
			ExternalID: r.ExternalID, Field: r.Field, Reason: r.Reason, Record: []byte(rec), At: r.CreatedAt})
	}
	return out, nil
}

// LeadByExternalID returns the lead of the touch (source, externalID), or ENOTFOUND.
func (db *DB) LeadByExternalID(ctx context.Context, source, externalID string) (*crm.Lead, error) {
	var t touchRow
	err := db.rd.NewSelect().Model(&t).Where("source = ?", source).Where("external_id = ?", externalID).Scan(ctx)
	if err != nil {
		return nil, mapErr(err, "pushed record")
	}
	r, err := db.selectLead(ctx, db.rd, t.LeadID, false)
	if err != nil {
		return nil, mapErr(err, "lead")
	}
	return leadFromRow(r), nil
}

// recentTouchLead finds the lead of the customer's latest touch from source at or after since, for the
// duplicate-submit window; nil when there is none. The lead is locked on PostgreSQL, as a touch writes it.
func (db *DB) recentTouchLead(ctx context.Context, tx bun.Tx, customerID int64, source string, since time.Time) (*leadRow, error) {
	var t touchRow
	err := tx.NewSelect().Model(&t).Where("customer_id = ?", customerID).Where("source = ?", source).
		Where("created_at >= ?", utc(since)).OrderExpr("created_at DESC, id DESC").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find recent touch: %w", err)
	}
	r, err := db.selectLead(ctx, tx, t.LeadID, true)
	if err != nil {
		return nil, fmt.Errorf("read recent touch's lead: %w", err)
	}
	return r, nil
}
