package storagetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/baton-crm/baton/internal/testenv"
	"github.com/baton-crm/baton/storage"
)

// DataKey returns the fixed data key the helpers open databases with, so a test can reopen one.
func DataKey() []byte {
	k := sha256.Sum256([]byte("baton storagetest data key"))
	return k[:]
}

// Options returns the storage options the helpers use: the test data key and a silent logger.
func Options() storage.Options {
	return storage.Options{DataKey: DataKey(), Logger: slog.New(slog.DiscardHandler)}
}

// Each runs fn as a subtest on PostgreSQL and on SQLite, each with a fresh migrated database. The
// PostgreSQL subtest skips (or fails under CI) when BATON_TEST_DATABASE_URL is unset.
func Each(t *testing.T, fn func(t *testing.T, db *storage.DB)) {
	t.Helper()
	t.Run(storage.DialectPostgres, func(t *testing.T) { fn(t, Postgres(t)) })
	t.Run(storage.DialectSQLite, func(t *testing.T) { fn(t, SQLite(t)) })
}

// SQLite returns a migrated SQLite database in a file under tb.TempDir(), closed when the test ends.
func SQLite(tb testing.TB) *storage.DB {
	tb.Helper()
	db := OpenURL(tb, filepath.Join(tb.TempDir(), "baton.db"), Options())
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate sqlite: %v", err)
	}
	return db
}

// Postgres returns a fresh PostgreSQL database cloned from the migrated template, closed and dropped when
// the test ends.
func Postgres(tb testing.TB) *storage.DB {
	tb.Helper()
	return OpenURL(tb, newDatabase(tb, true), Options())
}

// EmptyPostgres returns the URL of a fresh, unmigrated PostgreSQL database, dropped when the test ends.
func EmptyPostgres(tb testing.TB) string {
	tb.Helper()
	return newDatabase(tb, false)
}

// OpenURL opens the database at rawURL with opts (see Options) and closes it when the test ends.
func OpenURL(tb testing.TB, rawURL string, opts storage.Options) *storage.DB {
	tb.Helper()
	db, err := storage.Open(context.Background(), rawURL, opts)
	if err != nil {
		tb.Fatalf("open test database: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

var server struct {
	once     sync.Once
	admin    *sql.DB
	template string
	err      error
}

// newDatabase creates a database on the test server, from the template when migrated is set, and
// returns its URL. Cleanup drops it (after the test's own cleanups closed their connections).
func newDatabase(tb testing.TB, migrated bool) string {
	tb.Helper()
	base := testenv.DatabaseURL(tb)
	server.once.Do(func() { server.admin, server.template, server.err = prepareServer(base) })
	if server.err != nil {
		tb.Fatalf("prepare test PostgreSQL: %v", server.err)
	}
	name := "baton_t_" + randomHex(8)
	stmt := `CREATE DATABASE ` + name
	if migrated {
		stmt += ` TEMPLATE ` + server.template
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := execRetry(ctx, server.admin, stmt); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := server.admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			tb.Errorf("drop test database: %v", err)
		}
	})
	return withDatabase(base, name)
}

// prepareServer connects to the test server and makes sure the migrated template for the current schema
// exists. Test binaries of several packages run at once, so creation happens under a session advisory
// lock and builds under a temporary name, renamed only when complete.
func prepareServer(base string) (*sql.DB, string, error) {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return nil, "", fmt.Errorf("open admin connection: %w", err)
	}
	admin.SetMaxOpenConns(8)
	admin.SetMaxIdleConns(8)
	tpl := "baton_tpl_" + storage.SchemaHash()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	h := fnv.New64a()
	h.Write([]byte(tpl))
	lockKey := int64(h.Sum64() >> 1)
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		return nil, "", fmt.Errorf("lock template: %w", err)
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, lockKey) //nolint:errcheck
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, tpl).Scan(&exists); err != nil {
		return nil, "", fmt.Errorf("look up template: %w", err)
	}
	if exists {
		return admin, tpl, nil
	}
	building := tpl + "_building"
	if _, err := conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`); err != nil {
		return nil, "", fmt.Errorf("drop unfinished template: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+building); err != nil {
		return nil, "", fmt.Errorf("create template: %w", err)
	}
	db, err := storage.Open(ctx, withDatabase(base, building), Options())
	if err != nil {
		return nil, "", fmt.Errorf("open template: %w", err)
	}
	err = db.Migrate(ctx)
	_ = db.Close()
	if err != nil {
		return nil, "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+tpl); err != nil {
		return nil, "", fmt.Errorf("finish template: %w", err)
	}
	return admin, tpl, nil
}

// execRetry runs a CREATE DATABASE, retrying while PostgreSQL reports the template busy (55006): another
// package may be cloning it at the same moment.
func execRetry(ctx context.Context, db *sql.DB, stmt string) error {
	for attempt := 0; ; attempt++ {
		_, err := db.ExecContext(ctx, stmt)
		var pe *pgconn.PgError
		if err == nil || !errors.As(err, &pe) || pe.Code != "55006" || attempt >= 50 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
