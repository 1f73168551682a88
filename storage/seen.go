package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

type seenRow struct {
	bun.BaseModel `bun:"table:seen_events"`

	Key       string    `bun:"key,pk"`
	ExpiresAt time.Time `bun:"expires_at,notnull"`
}

// FirstSeen records key (a Lark event id) for ttl and reports whether this is its first sighting: true
// when the key was absent or its previous record had expired. Concurrent callers with the same key get
// exactly one true, because the insert-or-renew is a single statement on the primary key.
func (db *DB) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	now := db.nowUTC()
	res, err := db.bun.NewInsert().Model(&seenRow{Key: key, ExpiresAt: now.Add(ttl)}).
		On("CONFLICT (key) DO UPDATE").
		Set("expires_at = EXCLUDED.expires_at").
		Where("?TableAlias.expires_at <= ?", now).
		Returning("NULL").
		Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("record seen event: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record seen event: %w", err)
	}
	return n > 0, nil
}

// PurgeSeen deletes dedup records that expired at or before now and returns how many went.
func (db *DB) PurgeSeen(ctx context.Context, now time.Time) (int64, error) {
	res, err := db.bun.NewDelete().TableExpr("seen_events").Where("expires_at <= ?", utc(now)).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("purge seen events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("purge seen events: %w", err)
	}
	return n, nil
}
