package storage

import (
	"context"
	"fmt"
	"slices"
	"sync"
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
// exactly one true, because the insert-or-renew is a single statement on the primary key. On PostgreSQL,
// calls that arrive while one is being written are recorded together, in one statement (a burst of card
// taps costs one round trip).
func (db *DB) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	c := &seenCall{ctx: ctx, row: seenRow{Key: key, ExpiresAt: db.nowUTC().Add(ttl)}, done: make(chan struct{})}
	if db.seen == nil {
		db.recordSeen(ctx, []*seenCall{c})
		return c.first, c.err
	}
	return db.seen.do(c)
}

type seenCall struct {
	ctx   context.Context
	row   seenRow
	first bool
	err   error
	done  chan struct{}
}

// recordSeen inserts or renews the calls' keys in one statement; a key twice in calls is a repeat the
// second time.
func (db *DB) recordSeen(ctx context.Context, calls []*seenCall) {
	now := db.nowUTC()
	rows := make([]seenRow, 0, len(calls))
	at := map[string]bool{}
	for _, c := range calls {
		if !at[c.row.Key] {
			at[c.row.Key] = true
			rows = append(rows, c.row)
		}
	}
	var fresh []string
	err := db.bun.NewInsert().Model(&rows).
		On("CONFLICT (key) DO UPDATE").
		Set("expires_at = EXCLUDED.expires_at").
		Where("?TableAlias.expires_at <= ?", now).
		Returning("key").
		Scan(ctx, &fresh)
	if err != nil {
		err = fmt.Errorf("record seen event: %w", err)
	}
	first := make(map[string]bool, len(fresh))
	for _, k := range fresh {
		first[k] = true
	}
	for _, c := range calls {
		c.err = err
		c.first = err == nil && first[c.row.Key]
		first[c.row.Key] = false // a repeat within the group is not a first sighting
	}
}

// seenBatcher writes FirstSeen calls one group at a time: whatever queued while the previous group was
// written goes out together.
type seenBatcher struct {
	db      *DB
	mu      sync.Mutex
	queue   []*seenCall
	writing bool
}

// maxSeenGroup bounds one statement's rows.
const maxSeenGroup = 500

func (b *seenBatcher) do(c *seenCall) (bool, error) {
	b.mu.Lock()
	b.queue = append(b.queue, c)
	if !b.writing {
		b.writing = true
		go b.write()
	}
	b.mu.Unlock()
	select {
	case <-c.done:
		return c.first, c.err
	case <-c.ctx.Done():
		return false, c.ctx.Err()
	}
}

func (b *seenBatcher) write() {
	for {
		b.mu.Lock()
		n := min(len(b.queue), maxSeenGroup)
		if n == 0 {
			b.writing = false
			b.mu.Unlock()
			return
		}
		group := slices.Clone(b.queue[:n])
		b.queue = slices.Delete(b.queue, 0, n)
		b.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(group[0].ctx), groupTimeout)
		b.db.recordSeen(ctx, group)
		cancel()
		for _, c := range group {
			close(c.done)
		}
	}
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

// Seen reports whether key is recorded and not expired, without recording it.
func (db *DB) Seen(ctx context.Context, key string) (bool, error) {
	n, err := db.rd.NewSelect().Model((*seenRow)(nil)).Where("key = ?", key).Where("expires_at > ?", db.nowUTC()).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("read seen %s: %w", key, err)
	}
	return n > 0, nil
}
