package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/baton-crm/baton/crm"
)

// Timeline returns the lead's events in order, or ENOTFOUND for an unknown lead.
func (db *DB) Timeline(ctx context.Context, leadID int64) ([]crm.LeadEvent, error) {
	var rows []eventRow
	if err := db.rd.NewSelect().Model(&rows).Where("lead_id = ?", leadID).OrderExpr("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("read timeline of lead %d: %w", leadID, err)
	}
	if len(rows) == 0 {
		if err := db.leadExists(ctx, leadID); err != nil {
			return nil, fmt.Errorf("read timeline: %w", err)
		}
	}
	out := make([]crm.LeadEvent, len(rows))
	for i := range rows {
		out[i] = eventFromRow(&rows[i])
	}
	return out, nil
}

// Touches returns the lead's touches in order, or ENOTFOUND for an unknown lead.
func (db *DB) Touches(ctx context.Context, leadID int64) ([]crm.Touch, error) {
	var rows []touchRow
	if err := db.rd.NewSelect().Model(&rows).Where("lead_id = ?", leadID).OrderExpr("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("read touches of lead %d: %w", leadID, err)
	}
	if len(rows) == 0 {
		if err := db.leadExists(ctx, leadID); err != nil {
			return nil, fmt.Errorf("read touches: %w", err)
		}
	}
	out := make([]crm.Touch, len(rows))
	for i := range rows {
		out[i] = touchFromRow(&rows[i])
	}
	return out, nil
}

func (db *DB) leadExists(ctx context.Context, id int64) error {
	ok, err := db.rd.NewSelect().Model((*leadRow)(nil)).Where("id = ?", id).Exists(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return crm.Errorf(crm.ENOTFOUND, "lead %d not found", id)
	}
	return nil
}

// PendingEvents returns the lead's events with Notify set and not yet delivered, oldest first.
func (db *DB) PendingEvents(ctx context.Context, leadID int64) ([]crm.LeadEvent, error) {
	var rows []eventRow
	err := db.rd.NewSelect().Model(&rows).Where("lead_id = ?", leadID).Where("notify").
		Where("notified_at IS NULL").OrderExpr("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read pending events of lead %d: %w", leadID, err)
	}
	out := make([]crm.LeadEvent, len(rows))
	for i := range rows {
		out[i] = eventFromRow(&rows[i])
	}
	return out, nil
}

// MarkNotified records that the event's notification was delivered. Marking an event twice keeps the
// first time, so a job that runs twice does not rewrite history; an unknown event is ENOTFOUND.
func (db *DB) MarkNotified(ctx context.Context, eventID int64, at time.Time) error {
	r := eventRow{NotifiedAt: utc(at)}
	if r.NotifiedAt.IsZero() {
		r.NotifiedAt = db.nowUTC()
	}
	res, err := db.bun.NewUpdate().Model(&r).Column("notified_at").Where("id = ?", eventID).
		Where("notified_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark event %d notified: %w", eventID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("mark event %d notified: %w", eventID, err)
	} else if n > 0 {
		return nil
	}
	ok, err := db.rd.NewSelect().Model((*eventRow)(nil)).Where("id = ?", eventID).Exists(ctx)
	if err != nil {
		return fmt.Errorf("mark event %d notified: %w", eventID, err)
	}
	if !ok {
		return crm.Errorf(crm.ENOTFOUND, "event %d not found", eventID)
	}
	return nil
}

// DueLeads returns the leads whose NextDueAt is at or before until, earliest first.
func (db *DB) DueLeads(ctx context.Context, until time.Time, limit int) ([]crm.DueLead, error) {
	var rows []struct {
		ID        int64     `bun:"id"`
		NextDueAt time.Time `bun:"next_due_at"`
	}
	q := db.rd.NewSelect().Model((*leadRow)(nil)).Column("id", "next_due_at").
		Where("next_due_at IS NOT NULL").Where("next_due_at <= ?", utc(until)).OrderExpr("next_due_at, id")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("find due leads: %w", err)
	}
	due := make([]crm.DueLead, len(rows))
	for i, r := range rows {
		due[i] = crm.DueLead{ID: r.ID, Due: r.NextDueAt}
	}
	return due, nil
}

// UnsyncedLeads returns ids of leads whose cards lag their revision or that have undelivered
// notifications, last changed before olderThan, least recently changed first.
func (db *DB) UnsyncedLeads(ctx context.Context, olderThan time.Time, limit int) ([]int64, error) {
	t := utc(olderThan)
	lagging := db.rd.NewSelect().Model((*leadRow)(nil)).Column("id", "updated_at").
		Where("cards_rev < rev").Where("updated_at < ?", t)
	// Driven from the small partial index of undelivered events, not from every old lead.
	undelivered := db.rd.NewSelect().Model((*eventRow)(nil)).Column("lead_id").Where("notify").Where("notified_at IS NULL")
	pending := db.rd.NewSelect().Model((*leadRow)(nil)).Column("id", "updated_at").Where("updated_at < ?", t)
	if db.pg {
		// PostgreSQL overestimates undelivered events and would hash-join over every lead; an array of
		// the (few) ids makes it probe the primary key instead.
		pending = pending.Where("id = ANY(ARRAY(?))", undelivered)
	} else {
		pending = pending.Where("id IN (?)", undelivered)
	}
	var rows []struct {
		ID        int64     `bun:"id"`
		UpdatedAt time.Time `bun:"updated_at"`
	}
	q := db.rd.NewSelect().TableExpr("(?) AS u", lagging.Union(pending)).ColumnExpr("u.id, u.updated_at").
		OrderExpr("u.updated_at, u.id")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("find unsynced leads: %w", err)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, nil
}
