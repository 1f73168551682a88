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

// Pull sources' platform tokens (migration 0013), encrypted like personal data.

type platformTokenRow struct {
	bun.BaseModel `bun:"table:platform_tokens"`

	Source           string    `bun:"source,pk"`
	AccessEnc        []byte    `bun:"access_enc,nullzero"`
	RefreshEnc       []byte    `bun:"refresh_enc,nullzero"`
	SeedEnc          []byte    `bun:"seed_enc,nullzero"`
	AccessExpiresAt  time.Time `bun:"access_expires_at,nullzero"`
	RefreshExpiresAt time.Time `bun:"refresh_expires_at,nullzero"`
	UpdatedAt        time.Time `bun:"updated_at,notnull"`
	FailedAt         time.Time `bun:"failed_at,nullzero"`
	Failure          string    `bun:"failure,notnull"`
}

// Associated data of the encrypted columns: a value copied into another column does not decrypt.
const (
	tokenAccessColumn  = "platform_tokens.access"
	tokenRefreshColumn = "platform_tokens.refresh"
	tokenSeedColumn    = "platform_tokens.seed"
)

var _ crm.TokenStore = (*DB)(nil)

// PlatformToken returns the source's stored pair; ENOTFOUND when there is none.
func (db *DB) PlatformToken(ctx context.Context, source string) (crm.PlatformToken, error) {
	var row platformTokenRow
	err := db.bun.NewSelect().Model(&row).Where("source = ?", source).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && row.AccessEnc == nil && row.RefreshEnc == nil) {
		return crm.PlatformToken{}, crm.Errorf(crm.ENOTFOUND, "no stored token for source %s", source)
	}
	if err != nil {
		return crm.PlatformToken{}, mapErr(err, "platform token")
	}
	return db.openToken(row)
}

func (db *DB) openToken(row platformTokenRow) (crm.PlatformToken, error) {
	t := crm.PlatformToken{AccessExpires: row.AccessExpiresAt, RefreshExpires: row.RefreshExpiresAt, UpdatedAt: row.UpdatedAt}
	var err error
	if t.Access, err = db.sealer.open(tokenAccessColumn, row.AccessEnc); err != nil {
		return t, fmt.Errorf("open token of %s: %w", row.Source, err)
	}
	if t.Refresh, err = db.sealer.open(tokenRefreshColumn, row.RefreshEnc); err != nil {
		return t, fmt.Errorf("open token of %s: %w", row.Source, err)
	}
	if t.Seed, err = db.sealer.open(tokenSeedColumn, row.SeedEnc); err != nil {
		return t, fmt.Errorf("open token of %s: %w", row.Source, err)
	}
	return t, nil
}

// RefreshPlatformToken runs refresh while holding the source's row lock (PostgreSQL: SELECT … FOR UPDATE;
// SQLite: the write lock its first write takes), then stores the pair it returns. The platform call runs
// inside the transaction on purpose: a second replica waits for it and then finds the new pair instead
// of spending the refresh token again (both platforms void the old one on refresh).
func (db *DB) RefreshPlatformToken(ctx context.Context, source string, refresh func(cur crm.PlatformToken, found bool) (crm.PlatformToken, error)) (crm.PlatformToken, error) {
	var out crm.PlatformToken
	var refreshErr error
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		now := db.nowUTC()
		placeholder := platformTokenRow{Source: source, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(&placeholder).On("CONFLICT (source) DO NOTHING").Exec(ctx); err != nil {
			return err
		}
		var row platformTokenRow
		q := tx.NewSelect().Model(&row).Where("source = ?", source)
		if db.Dialect() == DialectPostgres {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return err
		}
		found := row.AccessEnc != nil || row.RefreshEnc != nil
		cur, err := db.openToken(row)
		if err != nil {
			return err
		}
		next, err := refresh(cur, found)
		if err != nil {
			refreshErr = err
			return err
		}
		upd := platformTokenRow{Source: source, AccessExpiresAt: utc(next.AccessExpires), RefreshExpiresAt: utc(next.RefreshExpires),
			UpdatedAt: now}
		if upd.AccessEnc, err = db.sealer.seal(tokenAccessColumn, next.Access); err != nil {
			return err
		}
		if upd.RefreshEnc, err = db.sealer.seal(tokenRefreshColumn, next.Refresh); err != nil {
			return err
		}
		if upd.SeedEnc, err = db.sealer.seal(tokenSeedColumn, next.Seed); err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model(&upd).WherePK().
			Column("access_enc", "refresh_enc", "seed_enc", "access_expires_at", "refresh_expires_at", "updated_at", "failed_at", "failure").
			Exec(ctx)
		next.UpdatedAt = now
		out = next
		return err
	})
	if refreshErr != nil {
		if ferr := db.recordTokenFailure(ctx, source, refreshErr); ferr != nil {
			return out, errors.Join(refreshErr, ferr)
		}
		return out, refreshErr
	}
	if err != nil {
		return out, mapErr(err, "platform token")
	}
	return out, nil
}

// recordTokenFailure notes a failed refresh outside the rolled-back transaction.
func (db *DB) recordTokenFailure(ctx context.Context, source string, cause error) error {
	now := db.nowUTC()
	msg := cause.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	row := platformTokenRow{Source: source, UpdatedAt: now, FailedAt: now, Failure: msg}
	_, err := db.bun.NewInsert().Model(&row).On("CONFLICT (source) DO UPDATE").
		Set("failed_at = EXCLUDED.failed_at").Set("failure = EXCLUDED.failure").Exec(ctx)
	return mapErr(err, "platform token")
}

// TokenFailures lists the sources whose last refresh failed.
func (db *DB) TokenFailures(ctx context.Context) ([]crm.TokenFailure, error) {
	var rows []platformTokenRow
	err := db.rd.NewSelect().Model(&rows).Column("source", "failed_at", "failure").
		Where("failed_at IS NOT NULL").OrderExpr("source").Scan(ctx)
	if err != nil {
		return nil, mapErr(err, "platform token")
	}
	out := make([]crm.TokenFailure, len(rows))
	for i, r := range rows {
		out[i] = crm.TokenFailure{Source: r.Source, At: r.FailedAt, Error: r.Failure}
	}
	return out, nil
}
