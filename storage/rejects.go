package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
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

// DeliverySeen reports whether the push delivery id of source was recorded and has not expired. Checks
// that arrive while one is being read are read together in one statement, so a burst of pushes costs a
// round trip per group instead of one each.
func (db *DB) DeliverySeen(ctx context.Context, source, deliveryID string) (bool, error) {
	c := &deliveryCheck{ctx: ctx, key: deliveryKey(source, deliveryID), done: make(chan struct{})}
	return db.deliveries().do(c)
}

func (db *DB) deliveries() *deliveryReader {
	db.deliveryOnce.Do(func() { db.deliveryReader = &deliveryReader{db: db, pending: map[string]int{}} })
	return db.deliveryReader
}

type deliveryCheck struct {
	ctx  context.Context
	key  string
	seen bool
	err  error
	done chan struct{}
}

// deliveryReader reads DeliverySeen calls one group at a time, like seenBatcher writes FirstSeen calls.
type deliveryReader struct {
	db      *DB
	mu      sync.Mutex
	queue   []*deliveryCheck
	reading bool
	pending map[string]int // keys recorded by this process whose write is still queued
}

func (r *deliveryReader) do(c *deliveryCheck) (bool, error) {
	r.mu.Lock()
	if r.pending[c.key] > 0 {
		r.mu.Unlock()
		return true, nil
	}
	r.queue = append(r.queue, c)
	if !r.reading {
		r.reading = true
		go r.read()
	}
	r.mu.Unlock()
	select {
	case <-c.done:
		return c.seen, c.err
	case <-c.ctx.Done():
		return false, c.ctx.Err()
	}
}

func (r *deliveryReader) read() {
	for {
		r.mu.Lock()
		n := min(len(r.queue), maxSeenGroup)
		if n == 0 {
			r.reading = false
			r.mu.Unlock()
			return
		}
		group := slices.Clone(r.queue[:n])
		r.queue = slices.Delete(r.queue, 0, n)
		r.mu.Unlock()
		keys := make([]string, len(group))
		for i, c := range group {
			keys[i] = c.key
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(group[0].ctx), groupTimeout)
		var found []string
		err := r.db.rd.NewSelect().TableExpr("seen_events").Column("key").Where("key IN (?)", bun.In(keys)).
			Where("expires_at > ?", r.db.nowUTC()).Scan(ctx, &found)
		cancel()
		if err != nil {
			err = fmt.Errorf("read push deliveries: %w", err)
		}
		for _, c := range group {
			c.err = err
			c.seen = err == nil && slices.Contains(found, c.key)
			close(c.done)
		}
	}
}

// RecordDelivery remembers a handled push delivery for crm.DeliveryMemory. On PostgreSQL it queues the
// record with the event dedup writes and returns without waiting: the push is stored already, the key
// counts as seen in this process at once, and a record lost to a crash only lets one retry through,
// which creates (keyed by record id) and updates tolerate. Waiting would cost every push a second round
// trip in its answer.
func (db *DB) RecordDelivery(ctx context.Context, source, deliveryID string) error {
	key := deliveryKey(source, deliveryID)
	if db.seen == nil {
		_, err := db.FirstSeen(ctx, key, crm.DeliveryMemory)
		return err
	}
	r := db.deliveries()
	r.mu.Lock()
	r.pending[key]++
	r.mu.Unlock()
	c := &seenCall{ctx: context.WithoutCancel(ctx), row: seenRow{Key: key, ExpiresAt: db.nowUTC().Add(crm.DeliveryMemory)},
		done: make(chan struct{})}
	go func() {
		if _, err := db.seen.do(c); err != nil {
			db.log.Warn("record push delivery", "source", source, "delivery_id", deliveryID, "error", err)
		}
		r.mu.Lock()
		if r.pending[key]--; r.pending[key] <= 0 {
			delete(r.pending, key)
		}
		r.mu.Unlock()
	}()
	return nil
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
	return db.leadFromRow(r), nil
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
