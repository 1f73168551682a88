package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/baton-crm/baton/crm"
)

// maxTxAttempts bounds retries of a transaction that lost a race (a unique violation during intake, a
// deadlock, SQLite busy). Each lost attempt means another writer committed, so a few always suffice.
const maxTxAttempts = 8

// errStale is returned inside a transaction when a conditional UPDATE matched no row: the lead moved on.
var errStale = errors.New("storage: lead revision moved")

// conflict is the ECONFLICT a caller sees when a lead changed under it (a stale card, a lost claim race).
func conflict() error {
	// Not "someone else": most writes that move a revision are Baton's own timers.
	return crm.Bilingual(crm.ECONFLICT, "线索在卡片发出后已有更新，请在最新卡片上重试",
		"The lead changed since this card was drawn; try again on the current card.")
}

// mapErr is the one place database errors become crm codes: no row → ENOTFOUND, a unique violation →
// ECONFLICT; crm errors pass through unchanged; anything else is wrapped as internal. what names the thing
// looked up ("lead", "customer"…) and never carries personal data.
func mapErr(err error, what string) error {
	var ce *crm.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce):
		return err
	case errors.Is(err, sql.ErrNoRows):
		return crm.Errorf(crm.ENOTFOUND, "%s not found", what)
	case errors.Is(err, errStale):
		return conflict()
	case isUnique(err):
		return crm.Errorf(crm.ECONFLICT, "%s already exists", what)
	}
	return err
}

// isUnique reports a unique-constraint violation on either dialect.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// isTransient reports errors that a fresh attempt of the same transaction can clear: PostgreSQL
// serialization failures and deadlocks, SQLite busy and locked.
func isTransient(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		primary := se.Code() & 0xff
		return primary == sqlite3.SQLITE_BUSY || primary == sqlite3.SQLITE_LOCKED
	}
	return false
}

// isMissingTable reports a query against a table that does not exist yet (before the first migration).
func isMissingTable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "42P01"
	}
	return strings.Contains(err.Error(), "no such table")
}

// txRetry says which lost races inTx answers with a fresh attempt besides the transient ones.
type txRetry struct {
	unique bool // a concurrent insert of the same key: the next attempt finds the committed row
	stale  bool // a conditional update matched nothing: the next attempt re-reads
}

// inTx runs fn in a transaction and retries it, with a short jittered pause, when it lost a race that a
// re-run resolves. Errors from fn that are not such races (crm errors above all) return unchanged.
func (db *DB) inTx(ctx context.Context, retry txRetry, fn func(ctx context.Context, tx bun.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.bun.RunInTx(ctx, nil, fn)
		if err == nil {
			return nil
		}
		again := isTransient(err) || (retry.unique && isUnique(err)) || (retry.stale && errors.Is(err, errStale))
		if !again || attempt >= maxTxAttempts {
			return err
		}
		db.log.DebugContext(ctx, "retrying transaction", "attempt", attempt, "error", err)
		pause := time.Duration(attempt) * time.Millisecond
		pause += rand.N(pause + time.Millisecond)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
}

// mustAffect turns an UPDATE that matched no row into sql.ErrNoRows, which mapErr reports as ENOTFOUND.
func mustAffect(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update %s: %w", what, err)
	}
	if n == 0 {
		return sql.ErrNoRows
	}
	return nil
}
