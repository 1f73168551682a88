package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baton-crm/baton/crm"
)

// Lead returns the lead, or ENOTFOUND.
func (db *DB) Lead(ctx context.Context, id int64) (*crm.Lead, error) {
	r, err := db.selectLead(ctx, db.rd, id, false)
	if err != nil {
		return nil, fmt.Errorf("read lead %d: %w", id, mapErr(err, "lead"))
	}
	return db.leadFromRow(r), nil
}

// Customer returns the customer with personal data decrypted, or ENOTFOUND.
func (db *DB) Customer(ctx context.Context, id int64) (*crm.Customer, error) {
	c, err := db.selectCustomer(ctx, db.rd, id)
	if err != nil {
		return nil, fmt.Errorf("read customer %d: %w", id, mapErr(err, "customer"))
	}
	return c, nil
}

func (db *DB) selectCustomer(ctx context.Context, idb bun.IDB, id int64) (*crm.Customer, error) {
	var r customerRow
	if err := idb.NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, err
	}
	return db.customerFromRow(&r)
}

// selectLead reads one lead row; lock takes the row lock on PostgreSQL so concurrent writers of the same
// lead queue instead of failing their conditional update (SQLite serialises writers anyway).
func (db *DB) selectLead(ctx context.Context, idb bun.IDB, id int64, lock bool) (*leadRow, error) {
	var r leadRow
	q := idb.NewSelect().Model(&r).Where("id = ?", id)
	if lock && db.pg {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	return &r, nil
}

// MutateLead reads the lead, calls fn on it and writes the result with Rev+1 if the revision did not move
// (rev 0 means "the revision just read"); otherwise ECONFLICT. fn's events are appended in the same
// transaction; an error from fn aborts without writing and is returned unchanged. fn may run more than
// once when rev is 0 and another writer got in between, so it must only change the lead it is given.
func (db *DB) MutateLead(ctx context.Context, id, rev int64, fn func(*crm.Lead) ([]crm.LeadEvent, error)) (*crm.Lead, error) {
	var out *crm.Lead
	var fnErr error
	err := db.inTx(ctx, txRetry{stale: rev == 0}, func(ctx context.Context, tx bun.Tx) error {
		// With rev 0 the caller wants its change applied to whatever is current: lock the row so
		// concurrent writers queue instead of retrying. With a rev the conditional write decides.
		old, err := db.selectLead(ctx, tx, id, rev == 0)
		if err != nil {
			return err
		}
		if rev != 0 && old.Rev != rev {
			return conflict()
		}
		l := db.leadFromRow(old)
		events, err := fn(l)
		if err != nil {
			fnErr = err
			return err
		}
		out, err = db.writeLead(ctx, tx, old, l, events, false)
		return err
	})
	if err != nil {
		if fnErr != nil && err == fnErr {
			return nil, err
		}
		return nil, fmt.Errorf("mutate lead %d: %w", id, mapErr(err, "lead"))
	}
	return out, nil
}

// writeLead stores l over old with the next revision, conditional on old's revision (and on the lead being
// unowned when unownedOnly), records an owner change and appends events. errStale when the row moved.
func (db *DB) writeLead(ctx context.Context, tx bun.Tx, old *leadRow, l *crm.Lead, events []crm.LeadEvent, unownedOnly bool) (*crm.Lead, error) {
	now := db.nowUTC()
	r := *old
	if err := db.fillLeadRow(&r, l); err != nil {
		return nil, err
	}
	r.Rev = old.Rev + 1
	r.UpdatedAt = now
	cols := append([]string(nil), leadWriteColumns...)
	if r.PoolMessageID != old.PoolMessageID {
		cols = append(cols, "pool_message_id")
	}
	if r.OwnerMessageID != old.OwnerMessageID {
		cols = append(cols, "owner_message_id")
	}
	q := tx.NewUpdate().Model(&r).Column(cols...).Where("id = ?", old.ID).Where("rev = ?", old.Rev)
	if unownedOnly {
		q = q.Where("owner_id IS NULL")
	}
	owner, ownerChanged := ownerChange(old, &r, now)
	eventRows := appendEventRows(nil, r.ID, events, now)
	if db.pg {
		// One statement: the update, the owner change and the events as data-modifying CTEs. Their rows
		// are written even when the update matched nothing, but errStale then rolls the transaction back.
		sel := tx.NewSelect().With("u", q.Returning("1")).TableExpr("u").ColumnExpr("count(*)")
		if ownerChanged {
			sel = sel.With("o", tx.NewInsert().Model(&owner).Returning("NULL"))
		}
		if len(eventRows) > 0 {
			sel = sel.With("e", tx.NewInsert().Model(&eventRows).Returning("NULL"))
		}
		var n int
		if err := sel.Scan(ctx, &n); err != nil {
			return nil, fmt.Errorf("update lead: %w", err)
		}
		if n == 0 {
			return nil, errStale
		}
		return db.leadFromRow(&r), nil
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("update lead: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, fmt.Errorf("update lead: %w", err)
	} else if n == 0 {
		return nil, errStale
	}
	if ownerChanged {
		if _, err := tx.NewInsert().Model(&owner).Returning("NULL").Exec(ctx); err != nil {
			return nil, fmt.Errorf("record owner change: %w", err)
		}
	}
	if len(eventRows) > 0 {
		if _, err := tx.NewInsert().Model(&eventRows).Returning("NULL").Exec(ctx); err != nil {
			return nil, fmt.Errorf("append events: %w", err)
		}
	}
	return db.leadFromRow(&r), nil
}

// recordOwner logs a change of owner between old and r (old is nil for a new lead). The time is the
// domain's own claim or release time when the write set one, so an injected clock stays consistent.
func (db *DB) recordOwner(ctx context.Context, tx bun.Tx, old, r *leadRow, now time.Time) error {
	o, ok := ownerChange(old, r, now)
	if !ok {
		return nil
	}
	if _, err := tx.NewInsert().Model(&o).Returning("NULL").Exec(ctx); err != nil {
		return fmt.Errorf("record owner change: %w", err)
	}
	return nil
}

// ownerChange is the lead_owners row for the change from old (nil for a new lead) to r, if the owner changed.
func ownerChange(old, r *leadRow, now time.Time) (ownerRow, bool) {
	var from string
	var prevClaimed, prevReleased time.Time
	if old != nil {
		from, prevClaimed, prevReleased = old.OwnerID, old.ClaimedAt, old.ReleasedAt
	}
	if from == r.OwnerID {
		return ownerRow{}, false
	}
	at := now
	switch {
	case r.OwnerID != "" && !r.ClaimedAt.IsZero() && !r.ClaimedAt.Equal(prevClaimed):
		at = r.ClaimedAt
	case r.OwnerID == "" && !r.ReleasedAt.IsZero() && !r.ReleasedAt.Equal(prevReleased):
		at = r.ReleasedAt
	}
	return ownerRow{LeadID: r.ID, Pool: r.Pool, FromOwner: from, ToOwner: r.OwnerID, At: at}, true
}

// appendEvents adds events to the lead's timeline; an event without a time gets now.
func (db *DB) appendEvents(ctx context.Context, tx bun.Tx, leadID int64, events []crm.LeadEvent, now time.Time) error {
	if len(events) == 0 {
		return nil
	}
	rows := appendEventRows(nil, leadID, events, now)
	if _, err := tx.NewInsert().Model(&rows).Returning("NULL").Exec(ctx); err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	return nil
}

// appendEventRows appends the rows of lead leadID's events to rows.
func appendEventRows(rows []eventRow, leadID int64, events []crm.LeadEvent, now time.Time) []eventRow {
	for _, e := range events {
		at := utc(e.At)
		if at.IsZero() {
			at = now
		}
		rows = append(rows, eventRow{LeadID: leadID, Kind: string(e.Kind), ActorID: e.ActorID, At: at,
			Data: e.Data, Notify: e.Notify, NotifiedAt: utc(e.NotifiedAt)})
	}
	return rows
}

// ListLeads returns leads matching f, newest first unless f.Oldest.
func (db *DB) ListLeads(ctx context.Context, f crm.LeadFilter) ([]*crm.Lead, error) {
	var rows []leadRow
	q := leadFilter(db.rd.NewSelect().Model(&rows), f)
	switch {
	case !f.Oldest:
		q = q.OrderExpr("created_at DESC, id DESC")
	case f.Unclaimed:
		q = q.OrderExpr("pooled_at ASC, id ASC")
	case f.OwnerID != "":
		q = q.OrderExpr("claimed_at ASC, id ASC")
	default:
		q = q.OrderExpr("created_at ASC, id ASC")
	}
	if f.Offset > 0 {
		q = q.Offset(int64(f.Offset))
	}
	if f.Limit > 0 {
		q = q.Limit(int64(f.Limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list leads: %w", err)
	}
	out := make([]*crm.Lead, len(rows))
	for i := range rows {
		out[i] = db.leadFromRow(&rows[i])
	}
	return out, nil
}

// CountLeads returns how many leads match f; Offset and Limit do not apply.
func (db *DB) CountLeads(ctx context.Context, f crm.LeadFilter) (int, error) {
	n, err := leadFilter(db.rd.NewSelect().Model((*leadRow)(nil)), f).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count leads: %w", err)
	}
	return int(n), nil
}

// leadFilter adds f's conditions to a query on leads.
func leadFilter(q *bun.SelectQuery, f crm.LeadFilter) *bun.SelectQuery {
	if f.Pool != "" {
		q = q.Where("pool = ?", f.Pool)
	}
	if f.OwnerID != "" {
		q = q.Where("owner_id = ?", f.OwnerID)
	}
	if f.CustomerID != 0 {
		q = q.Where("customer_id = ?", f.CustomerID)
	}
	if f.Unclaimed {
		q = q.Where("owner_id IS NULL")
	}
	if f.OpenOnly {
		q = q.Where("is_open")
	}
	return q
}

// CardState returns the lead's card bookkeeping.
func (db *DB) CardState(ctx context.Context, leadID int64) (crm.CardState, error) {
	var r leadRow
	err := db.rd.NewSelect().Model(&r).
		Column("pool_message_id", "owner_message_id", "owner_card_for", "cards_rev", "pool_card_epoch").
		Where("id = ?", leadID).Scan(ctx)
	if err != nil {
		return crm.CardState{}, fmt.Errorf("read card state of lead %d: %w", leadID, mapErr(err, "lead"))
	}
	return crm.CardState{PoolMessageID: r.PoolMessageID, OwnerMessageID: r.OwnerMessageID,
		OwnerCardFor: r.OwnerCardFor, CardsRev: r.CardsRev, PoolCardEpoch: r.PoolCardEpoch}, nil
}

// SetCardState stores the card bookkeeping without bumping the revision.
func (db *DB) SetCardState(ctx context.Context, leadID int64, c crm.CardState) error {
	r := leadRow{PoolMessageID: c.PoolMessageID, OwnerMessageID: c.OwnerMessageID, OwnerCardFor: c.OwnerCardFor,
		CardsRev: c.CardsRev, PoolCardEpoch: c.PoolCardEpoch}
	res, err := db.bun.NewUpdate().Model(&r).
		Column("pool_message_id", "owner_message_id", "owner_card_for", "cards_rev", "pool_card_epoch").
		Where("id = ?", leadID).Exec(ctx)
	if err == nil {
		err = mustAffect(res, "lead")
	}
	if err != nil {
		return fmt.Errorf("set card state of lead %d: %w", leadID, mapErr(err, "lead"))
	}
	return nil
}
