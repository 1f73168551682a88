package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/baton-crm/baton/crm"
)

var _ crm.BoardStore = (*DB)(nil)

// boardLockClass is the first key of the PostgreSQL advisory lock that serialises board placements in one
// pool (the second key is a hash of the pool key).
const boardLockClass = 0x62747a

// maxPlace bounds how many waiting leads one placement puts on boards; a bigger backlog is placed by the
// next syncs.
const maxPlace = 5000

type boardRow struct {
	bun.BaseModel `bun:"table:pool_boards"`

	ID         int64     `bun:"id,pk,autoincrement"`
	Pool       string    `bun:"pool,notnull"`
	MessageID  string    `bun:"message_id,notnull"`
	RowCount   int       `bun:"row_count,notnull"`
	Version    int64     `bun:"version,notnull"`
	Drawn      int64     `bun:"drawn,notnull"`
	LeaseUntil time.Time `bun:"lease_until,nullzero"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
}

type slotRow struct {
	bun.BaseModel `bun:"table:pool_slots"`

	LeadID    int64 `bun:"lead_id,pk"`
	PoolEpoch int   `bun:"pool_epoch,pk"`
	BoardID   int64 `bun:"board_id,nullzero"`
	Position  int   `bun:"position,notnull"`
}

// PlaceLead decides how the lead's pool card is shown (crm.BoardStore): PostgreSQL serialises placements in
// one pool with an advisory lock, SQLite with its single writer.
func (db *DB) PlaceLead(ctx context.Context, p crm.BoardPlacement) (board int64, touched []int64, err error) {
	err = db.inTx(ctx, txRetry{}, func(ctx context.Context, tx bun.Tx) error {
		board, touched = 0, nil
		if db.pg {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?, ?)", boardLockClass, memberLockKey(p.Pool)); err != nil {
				return fmt.Errorf("lock pool boards: %w", err)
			}
		}
		var prev slotRow
		err := tx.NewSelect().Model(&prev).Where("lead_id = ? AND pool_epoch = ?", p.Lead, p.Epoch).Scan(ctx)
		if err == nil {
			board = prev.BoardID
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var waiting []struct {
			ID        int64 `bun:"id"`
			PoolEpoch int   `bun:"pool_epoch"`
		}
		err = tx.NewRaw(`SELECT l.id, l.pool_epoch FROM leads l WHERE `+waitingLeads+`
			ORDER BY l.pooled_at, l.id LIMIT ?`, p.Pool, p.Lead, maxPlace).Scan(ctx, &waiting)
		if err != nil {
			return fmt.Errorf("read waiting leads: %w", err)
		}
		self := slices.IndexFunc(waiting, func(w struct {
			ID        int64 `bun:"id"`
			PoolEpoch int   `bun:"pool_epoch"`
		}) bool {
			return w.ID == p.Lead && w.PoolEpoch == p.Epoch
		})
		if self < 0 {
			return nil // claimed, closed or moved meanwhile: nothing waits for a pool card
		}
		var cur boardRow
		err = tx.NewSelect().Model(&cur).Where("pool = ?", p.Pool).OrderExpr("id DESC").Limit(1).Scan(ctx)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		filling := err == nil && cur.RowCount < p.Size && !cur.CreatedAt.Before(p.FillSince)
		if len(waiting) <= p.After && !filling {
			_, err := tx.NewInsert().Model(&slotRow{LeadID: p.Lead, PoolEpoch: p.Epoch}).Exec(ctx)
			return err
		}
		if !filling {
			cur = boardRow{}
		}
		grown := cur.ID != 0
		slots := make([]slotRow, 0, len(waiting))
		for _, w := range waiting {
			if cur.ID == 0 || cur.RowCount >= p.Size {
				if cur.ID != 0 {
					if err := saveRowCount(ctx, tx, &cur, grown); err != nil {
						return err
					}
					grown = false
				}
				cur = boardRow{Pool: p.Pool, Version: 1, CreatedAt: utc(p.Now)}
				if _, err := tx.NewInsert().Model(&cur).Returning("id").Exec(ctx); err != nil {
					return fmt.Errorf("create board: %w", err)
				}
			}
			if len(touched) == 0 || touched[len(touched)-1] != cur.ID {
				touched = append(touched, cur.ID)
			}
			slots = append(slots, slotRow{LeadID: w.ID, PoolEpoch: w.PoolEpoch, BoardID: cur.ID, Position: cur.RowCount})
			cur.RowCount++
			if w.ID == p.Lead {
				board = cur.ID
			}
		}
		if err := saveRowCount(ctx, tx, &cur, grown); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(&slots).Exec(ctx); err != nil {
			return fmt.Errorf("place leads on boards: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, nil, fmt.Errorf("place lead %d: %w", p.Lead, mapErr(err, "board"))
	}
	return board, touched, nil
}

// waitingLeads selects the leads of pool ? waiting for a pool card: in the pool with no card for this epoch
// and no decision yet. A lead that came back to the pool still names its old card until its own sync
// retires it, so it counts only for itself (lead ?).
const waitingLeads = `l.pool = ? AND l.is_open AND l.owner_id IS NULL AND NOT l.cards_withheld
	AND (l.id = ? OR l.pool_message_id IS NULL)
	AND NOT EXISTS (SELECT 1 FROM pool_slots s WHERE s.lead_id = l.id AND s.pool_epoch = l.pool_epoch)`

// Waiting counts the pool's leads waiting for a card, up to limit.
func (db *DB) Waiting(ctx context.Context, pool string, leadID int64, limit int) (int, error) {
	var n int
	err := db.rd.NewRaw(`SELECT COUNT(*) FROM (SELECT 1 FROM leads l WHERE `+waitingLeads+` LIMIT ?) w`, pool, leadID, limit).Scan(ctx, &n)
	if err != nil {
		return 0, fmt.Errorf("count leads waiting in pool %s: %w", pool, err)
	}
	return n, nil
}

// saveRowCount stores a board's row count; a board that was already drawn and grew needs a redraw.
func saveRowCount(ctx context.Context, tx bun.Tx, b *boardRow, grown bool) error {
	q := tx.NewUpdate().Model(b).Set("row_count = ?", b.RowCount).WherePK()
	if grown {
		q = q.Set("version = version + 1")
	}
	_, err := q.Exec(ctx)
	return err
}

// BoardOf returns the board showing the lead in epoch (0: a single card), or ENOTFOUND.
func (db *DB) BoardOf(ctx context.Context, leadID int64, epoch int) (int64, error) {
	var s slotRow
	if err := db.rd.NewSelect().Model(&s).Where("lead_id = ? AND pool_epoch = ?", leadID, epoch).Scan(ctx); err != nil {
		return 0, fmt.Errorf("read board of lead %d: %w", leadID, mapErr(err, "board slot"))
	}
	return s.BoardID, nil
}

// Board returns the board and its rows in order.
func (db *DB) Board(ctx context.Context, id int64) (*crm.Board, error) {
	var b boardRow
	if err := db.rd.NewSelect().Model(&b).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("read board %d: %w", id, mapErr(err, "board"))
	}
	var slots []slotRow
	if err := db.rd.NewSelect().Model(&slots).Where("board_id = ?", id).Order("position").Scan(ctx); err != nil {
		return nil, fmt.Errorf("read board %d rows: %w", id, err)
	}
	out := &crm.Board{ID: b.ID, Pool: b.Pool, MessageID: b.MessageID, Version: b.Version, Drawn: b.Drawn,
		CreatedAt: b.CreatedAt, Rows: make([]crm.BoardRow, len(slots))}
	for i, s := range slots {
		out.Rows[i] = crm.BoardRow{LeadID: s.LeadID, Epoch: s.PoolEpoch}
	}
	return out, nil
}

// BoardPosted records the board's message and points its leads at it, in one transaction.
func (db *DB) BoardPosted(ctx context.Context, id int64, messageID string) error {
	err := db.inTx(ctx, txRetry{}, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewUpdate().Model((*boardRow)(nil)).Set("message_id = ?", messageID).Where("id = ?", id).Exec(ctx); err != nil {
			return err
		}
		return pointLeadsAtBoard(ctx, tx, id, messageID)
	})
	if err != nil {
		return fmt.Errorf("record board %d posted: %w", id, mapErr(err, "board"))
	}
	return nil
}

// pointLeadsAtBoard points the board's leads that have no card for their row's epoch at its message. A
// lead with a card for this epoch already (its own sync got there first) keeps it; an unowned lead's cards
// are now current, an owned one still needs its owner card, so its sync still runs.
func pointLeadsAtBoard(ctx context.Context, tx bun.Tx, id int64, messageID string) error {
	_, err := tx.ExecContext(ctx, `UPDATE leads SET pool_message_id = ?, pool_card_epoch = pool_epoch,
		cards_rev = CASE WHEN owner_id IS NULL THEN rev ELSE cards_rev END
		WHERE id IN (SELECT lead_id FROM pool_slots WHERE board_id = ?)
		AND EXISTS (SELECT 1 FROM pool_slots s WHERE s.lead_id = leads.id AND s.pool_epoch = leads.pool_epoch AND s.board_id = ?)
		AND (pool_message_id IS NULL OR pool_card_epoch <> pool_epoch)`, messageID, id, id)
	return err
}

// TouchBoard bumps the board's version.
func (db *DB) TouchBoard(ctx context.Context, id int64) error {
	res, err := db.bun.NewUpdate().Model((*boardRow)(nil)).Set("version = version + 1").Where("id = ?", id).Exec(ctx)
	if err == nil {
		err = mustAffect(res, "board")
	}
	if err != nil {
		return fmt.Errorf("touch board %d: %w", id, mapErr(err, "board"))
	}
	return nil
}

// LeaseBoard takes the board's drawing lease until until when it is free at now: released (NULL) or
// expired, which it reports apart. Each try is one conditional UPDATE, so two workers never both get it.
func (db *DB) LeaseBoard(ctx context.Context, id int64, now, until time.Time) (crm.BoardLease, error) {
	for _, try := range []struct {
		where string
		got   crm.BoardLease
	}{{"lease_until IS NULL", crm.LeaseFree}, {"lease_until < ?", crm.LeaseExpired}} {
		q := db.bun.NewUpdate().Model((*boardRow)(nil)).Set("lease_until = ?", utc(until)).Where("id = ?", id)
		if try.got == crm.LeaseExpired {
			q = q.Where(try.where, utc(now))
		} else {
			q = q.Where(try.where)
		}
		res, err := q.Exec(ctx)
		if err != nil {
			return crm.LeaseHeld, fmt.Errorf("lease board %d: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return try.got, err
		}
	}
	return crm.LeaseHeld, nil
}

// ReleaseBoard frees the lease and records the version drawn.
func (db *DB) ReleaseBoard(ctx context.Context, id, drawn int64) error {
	err := db.inTx(ctx, txRetry{}, func(ctx context.Context, tx bun.Tx) error {
		var b boardRow
		err := tx.NewUpdate().Model(&b).Set("lease_until = NULL").
			Set("drawn = CASE WHEN drawn < ? THEN ? ELSE drawn END", drawn, drawn).Where("id = ?", id).
			Returning("message_id, version, drawn").Scan(ctx)
		if err != nil || b.MessageID == "" || b.Drawn < b.Version {
			return err
		}
		// The message shows every row now, those added since it was posted included.
		return pointLeadsAtBoard(ctx, tx, id, b.MessageID)
	})
	if err != nil {
		return fmt.Errorf("release board %d: %w", id, err)
	}
	return nil
}
