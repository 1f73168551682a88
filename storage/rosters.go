package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/uptrace/bun"
)

// Roster returns a department pool's stored members in open_id order, or ENOTFOUND when the pool was never
// refreshed.
func (db *DB) Roster(ctx context.Context, pool string) ([]string, error) {
	var at time.Time
	err := db.rd.NewSelect().Table("pool_rosters").Column("refreshed_at").Where("pool_key = ?", pool).Scan(ctx, &at)
	if err != nil {
		return nil, fmt.Errorf("read roster of pool %s: %w", pool, mapErr(err, "pool roster"))
	}
	ids := []string{}
	err = db.rd.NewSelect().Table("pool_roster_members").Column("open_id").Where("pool_key = ?", pool).
		Order("open_id").Scan(ctx, &ids)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read roster of pool %s: %w", pool, err)
	}
	return ids, nil
}

// SetRoster replaces a department pool's members in one transaction.
func (db *DB) SetRoster(ctx context.Context, pool string, members []string, at time.Time) error {
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewRaw("INSERT INTO pool_rosters (pool_key, refreshed_at) VALUES (?, ?) "+
			"ON CONFLICT (pool_key) DO UPDATE SET refreshed_at = EXCLUDED.refreshed_at", pool, at.UTC()).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Table("pool_roster_members").Where("pool_key = ?", pool).Exec(ctx); err != nil {
			return err
		}
		for _, id := range members {
			if _, err := tx.NewRaw("INSERT INTO pool_roster_members (pool_key, open_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
				pool, id).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store roster of pool %s: %w", pool, err)
	}
	return nil
}

// DropMember takes openID out of every roster and returns the pools it was in.
func (db *DB) DropMember(ctx context.Context, openID string) ([]string, error) {
	var pools []string
	err := db.bun.NewSelect().Table("pool_roster_members").Column("pool_key").Where("open_id = ?", openID).
		Order("pool_key").Scan(ctx, &pools)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read rosters of a leaver: %w", err)
	}
	if _, err := db.bun.NewDelete().Table("pool_roster_members").Where("open_id = ?", openID).Exec(ctx); err != nil {
		return nil, fmt.Errorf("drop a leaver from rosters: %w", err)
	}
	return pools, nil
}

var _ crm.RosterStore = (*DB)(nil)
