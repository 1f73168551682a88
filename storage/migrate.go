package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrationFiles embed.FS

// migrationLockID is the PostgreSQL advisory lock key that serialises Migrate across processes
// (an arbitrary constant: "baton" in ASCII).
const migrationLockID = 0x6261746f6e

// Migration is one versioned schema change.
type Migration struct {
	Version int
	Name    string
	sql     string
}

// Migrations returns the dialect's migrations in the order they apply.
func (db *DB) Migrations() ([]Migration, error) {
	dir := path.Join("migrations", db.Dialect())
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive version and '_'", name)
		}
		body, err := fs.ReadFile(migrationFiles, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share a version", out[i-1].Name, out[i].Name)
		}
	}
	return out, nil
}

// Migrate applies the migrations not yet recorded in schema_migrations, each in its own transaction. It is
// safe to run twice and from several processes at once: PostgreSQL serialises runs with an advisory lock,
// SQLite with the write lock every transaction takes up front.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := db.Migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		applied, err := db.applyMigration(ctx, m)
		if err != nil {
			return fmt.Errorf("apply migration %s: %w", m.Name, err)
		}
		if applied {
			db.log.InfoContext(ctx, "applied migration", "version", m.Version, "name", m.Name, "dialect", db.Dialect())
		}
	}
	return nil
}

func (db *DB) applyMigration(ctx context.Context, m Migration) (bool, error) {
	var applied bool
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		applied = false
		// Raw *sql.Tx: migration files are executed verbatim, without bun's placeholder formatting.
		if db.pg {
			if _, err := tx.Tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLockID)); err != nil {
				return fmt.Errorf("lock migrations: %w", err)
			}
		}
		if _, err := tx.Tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var n int
		q := `SELECT count(*) FROM schema_migrations WHERE version = ` + strconv.Itoa(m.Version)
		if err := tx.Tx.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.Tx.ExecContext(ctx, m.sql); err != nil {
			return err
		}
		ins := `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`
		if db.pg {
			ins = `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`
		}
		if _, err := tx.Tx.ExecContext(ctx, ins, m.Version, m.Name, db.nowUTC().Format(time.RFC3339Nano)); err != nil {
			return fmt.Errorf("record migration: %w", err)
		}
		applied = true
		return nil
	})
	return applied, err
}

// SchemaVersion returns the highest applied migration version, 0 on an empty database.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := db.rd.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v)
	if err != nil {
		if isMissingTable(err) {
			return 0, nil
		}
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}

// SchemaHash fingerprints the embedded migrations of both dialects. Test helpers name their migrated
// template databases after it, so a changed migration never reuses a stale template.
func SchemaHash() string {
	h := sha256.New()
	_ = fs.WalkDir(migrationFiles, "migrations", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrationFiles, p)
		if err != nil {
			return err
		}
		h.Write([]byte(p))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}
