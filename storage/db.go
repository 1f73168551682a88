package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/baton-crm/baton/crm"
)

// Dialect names returned by DB.Dialect.
const (
	DialectPostgres = "postgres"
	DialectSQLite   = "sqlite"
)

// postgresPoolSize fixes the PostgreSQL pool: database/sql keeps only two idle connections by default, so a
// burst (a claim race, a batch import) opens fresh connections and p99 latency jumps.
const postgresPoolSize = 20

// Options configure Open.
type Options struct {
	// DataKey encrypts personal data at rest and keys the lookup hashes. It must be 32 bytes.
	DataKey []byte
	// OldKeys are earlier data keys, used only to decrypt values written before a key rotation.
	OldKeys [][]byte
	// Logger receives operational messages (never personal data). Nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock for bookkeeping times (updated_at, dedup expiry). Nil means time.Now.
	Now func() time.Time
	// PIIFields are the keys of the custom fields baton.yaml marks pii: their values are sealed at rest.
	PIIFields []string
}

// DB is Baton's database: the lead and member stores and the event dedup table.
type DB struct {
	bun    *bun.DB // writes and transactions
	rd     *bun.DB // reads outside transactions: the same handle on PostgreSQL, a read-only pool on SQLite
	pg     bool
	sealer *sealer
	// intakes groups concurrent intakes into one transaction on PostgreSQL; nil on SQLite, whose single
	// writer gains nothing from it.
	intakes *intakeBatcher
	seen    *seenBatcher // FirstSeen groups on PostgreSQL; nil on SQLite
	log     *slog.Logger
	now     func() time.Time
	// piiFields are the custom field keys whose values are sealed (Options.PIIFields).
	piiFields map[string]bool

	// DeliverySeen groups (rejects.go), made on first use.
	deliveryOnce   sync.Once
	deliveryReader *deliveryReader
}

var (
	_ crm.LeadStore   = (*DB)(nil)
	_ crm.MemberStore = (*DB)(nil)
)

// Open connects to the database at rawURL: postgres://… (or postgresql://…) for PostgreSQL; sqlite:///path,
// sqlite://relative/path or a plain file path for SQLite (the file and its directory are created). Open
// checks the connection but does not migrate: call Migrate.
func Open(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	s, err := newSealer(opts.DataKey, opts.OldKeys)
	if err != nil {
		return nil, err
	}
	db := &DB{sealer: s, log: opts.Logger, now: opts.Now, piiFields: map[string]bool{}}
	for _, k := range opts.PIIFields {
		db.piiFields[k] = true
	}
	if db.log == nil {
		db.log = slog.Default()
	}
	if db.now == nil {
		db.now = time.Now
	}
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		cfg, err := pgx.ParseConfig(rawURL)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		// bun writes every value into the SQL text itself, so each statement is new to the server: pgx's
		// default of preparing and caching statements would cost a Prepare round trip per query and churn
		// its cache. The simple protocol sends each statement once. A URL may still choose another mode.
		if !strings.Contains(rawURL, "default_query_exec_mode=") {
			cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
		}
		sqldb := stdlib.OpenDB(*cfg)
		sqldb.SetMaxOpenConns(postgresPoolSize)
		sqldb.SetMaxIdleConns(postgresPoolSize)
		// Idle connections are kept: a claim storm after a quiet hour must not start by opening a dozen
		// connections. Recycling them hourly bounds what a long-lived server connection accumulates.
		sqldb.SetConnMaxIdleTime(0)
		sqldb.SetConnMaxLifetime(time.Hour)
		db.bun = bun.NewDB(sqldb, pgdialect.New())
		db.pg = true
		db.intakes = newIntakeBatcher(db)
		db.seen = &seenBatcher{db: db}
	default:
		dsn, err := sqliteDSN(rawURL)
		if err != nil {
			return nil, err
		}
		// SQLite has one writer: a single write connection queues writers in database/sql instead of
		// having them spin on SQLITE_BUSY, while WAL lets a separate read-only pool read meanwhile.
		writer, err := openSQLite(dsn, 1)
		if err != nil {
			return nil, err
		}
		reader, err := openSQLite(dsn+"&_pragma=query_only(1)", sqliteReaders)
		if err != nil {
			_ = writer.Close()
			return nil, err
		}
		db.bun = bun.NewDB(writer, sqlitedialect.New())
		db.rd = bun.NewDB(reader, sqlitedialect.New())
	}
	if db.rd == nil {
		db.rd = db.bun
	}
	if err := db.Ping(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// WarmUp opens the PostgreSQL pool's connections now rather than at the first burst (a claim race would
// otherwise pay a dozen connection set-ups); it gives up quietly at the first error, the pool then fills
// on demand as usual. SQLite's pools need no warming.
func (db *DB) WarmUp(ctx context.Context) {
	if !db.pg {
		return
	}
	conns := make([]*sql.Conn, 0, postgresPoolSize)
	defer func() {
		for _, c := range conns {
			_ = c.Close() // back to the idle pool
		}
	}()
	for range postgresPoolSize {
		c, err := db.bun.DB.Conn(ctx)
		if err == nil {
			// A new server process reads the catalog entries of each table the first time it plans a
			// query on it: do that now for the tables a claim and an intake touch.
			_, err = c.ExecContext(ctx, warmQuery)
		}
		if err != nil {
			db.log.DebugContext(ctx, "warming the database pool stopped", "open", len(conns), "error", err)
			if c != nil {
				_ = c.Close()
			}
			return
		}
		conns = append(conns, c)
	}
}

const warmQuery = `SELECT
	(SELECT 1 FROM leads WHERE id = 0), (SELECT 1 FROM customers WHERE id = 0),
	(SELECT 1 FROM touches WHERE id = 0), (SELECT 1 FROM lead_events WHERE id = 0),
	(SELECT 1 FROM lead_owners WHERE id = 0), (SELECT 1 FROM members WHERE open_id = ''),
	(SELECT 1 FROM seen_events WHERE key = ''), (SELECT 1 FROM insights WHERE id = 0)`

// sqliteReaders sizes the SQLite read pool.
const sqliteReaders = 4

func openSQLite(dsn string, conns int) (*sql.DB, error) {
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	sqldb.SetMaxOpenConns(conns)
	sqldb.SetMaxIdleConns(conns)
	sqldb.SetConnMaxLifetime(0)
	sqldb.SetConnMaxIdleTime(0)
	return sqldb, nil
}

// sqliteDSN turns a sqlite URL or path into a modernc DSN with WAL, a busy timeout, foreign keys and
// immediate write transactions (a deferred transaction that reads and then writes can fail with
// SQLITE_BUSY when another connection wrote in between; immediate takes the write lock up front).
func sqliteDSN(raw string) (string, error) {
	path := raw
	if rest, ok := strings.CutPrefix(raw, "sqlite://"); ok {
		path = rest
	} else if rest, ok := strings.CutPrefix(raw, "sqlite:"); ok {
		path = rest
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" {
		return "", errors.New("open sqlite: empty database path")
	}
	if strings.Contains(raw, "://") && !strings.HasPrefix(raw, "sqlite://") {
		return "", fmt.Errorf("open database: unsupported URL scheme in %q", redactURL(raw))
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", fmt.Errorf("create sqlite directory: %w", err)
		}
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode(), nil
}

// redactURL drops credentials from a database URL so it can appear in an error.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// Close closes the connection pools.
func (db *DB) Close() error {
	err := db.bun.Close()
	if db.rd != db.bun {
		err = errors.Join(err, db.rd.Close())
	}
	if err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	err := db.bun.PingContext(ctx)
	if err == nil && db.rd != db.bun {
		err = db.rd.PingContext(ctx)
	}
	if err != nil {
		return fmt.Errorf("ping %s: %w", db.Dialect(), err)
	}
	return nil
}

// Dialect returns DialectPostgres or DialectSQLite.
func (db *DB) Dialect() string {
	if db.pg {
		return DialectPostgres
	}
	return DialectSQLite
}

// Bun returns a bun handle for read-only reporting queries (digests) that the ports do not cover. On
// SQLite it is the read-only pool. Writes go through the store methods so revisions and timelines stay
// consistent.
func (db *DB) Bun() *bun.DB { return db.rd }

// nowUTC returns the bookkeeping clock in UTC at the databases' common precision.
func (db *DB) nowUTC() time.Time { return utc(db.now()) }

// utc normalises a time for storage: UTC, microseconds (PostgreSQL's precision), no monotonic reading.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}
