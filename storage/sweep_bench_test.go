package storage_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/baton-crm/baton/storage/storagetest"
)

// Shape of the sweep benchmark's database: a busy tenant's open leads, 1% of them with a timer already due,
// 0.1% whose cards lag their revision and 0.1% with an undelivered notification.
const (
	sweepLeads     = 100_000
	sweepDueEvery  = 100  // every 100th lead is due: 1,000 leads
	sweepLagEvery  = 1000 // every 1000th lead's cards lag: 100 leads
	sweepPendEvery = 1000 // offset by half: 100 other leads have a pending notification
	sweepBatch     = 500  // the worker's default SweepBatch
	sweepGrace     = 30 * time.Second
)

// BenchmarkSweep measures the two queries the periodic sweep runs, DueLeads and UnsyncedLeads, with the
// worker's batch size over 100,000 open leads on PostgreSQL, and logs their EXPLAIN (ANALYZE, BUFFERS) plans
// from the SQL text the store actually sent. Loading takes some seconds and happens once.
func BenchmarkSweep(b *testing.B) {
	ctx := context.Background()
	url := storagetest.EmptyPostgres(b)
	db := storagetest.OpenURL(b, url, storagetest.Options())
	if err := db.Migrate(ctx); err != nil {
		b.Fatalf("migrate: %v", err)
	}
	raw, err := sql.Open("pgx", url)
	if err != nil {
		b.Fatalf("open raw connection: %v", err)
	}
	b.Cleanup(func() { _ = raw.Close() })
	now := time.Now().UTC()
	start := time.Now()
	loadSweepData(b, raw, now)
	b.Logf("loaded %d leads in %s", sweepLeads, time.Since(start).Round(time.Millisecond))

	wantDue := min(sweepLeads/sweepDueEvery, sweepBatch)
	wantUnsynced := sweepLeads/sweepLagEvery + sweepLeads/sweepPendEvery
	due := func() {
		ids, err := db.DueLeads(ctx, now, sweepBatch)
		if err != nil {
			b.Fatal(err)
		}
		if len(ids) != wantDue {
			b.Fatalf("DueLeads returned %d ids, want %d", len(ids), wantDue)
		}
	}
	unsynced := func() {
		ids, err := db.UnsyncedLeads(ctx, now.Add(-sweepGrace), sweepBatch)
		if err != nil {
			b.Fatal(err)
		}
		if len(ids) != wantUnsynced {
			b.Fatalf("UnsyncedLeads returned %d ids, want %d", len(ids), wantUnsynced)
		}
	}
	// The store's pool hands a lone caller the same connection each time, so each plan is read right
	// after its query, before the next one replaces it in pg_stat_activity.
	due()
	explainLast(b, raw, "next_due_at <=")
	unsynced()
	explainLast(b, raw, "notified_at IS NULL")

	for _, c := range []struct {
		name string
		fn   func()
	}{{"DueLeads", due}, {"UnsyncedLeads", unsynced}, {"Both", func() { due(); unsynced() }}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				c.fn()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/sweep")
		})
	}
}

// loadSweepData bulk-loads the leads, two timeline events per lead and 1,000 customers in three statements,
// then analyzes the tables as autovacuum would have by the time a tenant has this many leads.
func loadSweepData(b *testing.B, raw *sql.DB, now time.Time) {
	b.Helper()
	ctx := context.Background()
	stmts := []string{
		`INSERT INTO customers (company, created_at)
		 SELECT 'bench ' || g, $1::timestamptz - interval '30 days' FROM generate_series(1, 1000) g`,
		fmt.Sprintf(`INSERT INTO leads (customer_id, source, external_id, pool, stage, is_open, owner_id, rev,
			created_at, pooled_at, claimed_at, next_due_at, cards_rev, updated_at)
		 SELECT 1 + g %% 1000, 'web-form', 'bench-' || g, 'east', 'new', true,
			CASE WHEN g %% 2 = 0 THEN 'ou_rep' || (g %% 50) END, 3,
			$1::timestamptz - interval '20 days' + g * interval '10 seconds',
			$1::timestamptz - interval '20 days' + g * interval '10 seconds',
			CASE WHEN g %% 2 = 0 THEN $1::timestamptz - interval '1 day' END,
			CASE WHEN g %% %[1]d = 0 THEN $1::timestamptz - (g %% 600) * interval '1 second'
			     ELSE $1::timestamptz + interval '1 minute' + (g %% 10080) * interval '1 minute' END,
			CASE WHEN g %% %[2]d = 0 THEN 2 ELSE 3 END,
			$1::timestamptz - interval '1 hour' - (g %% 3600) * interval '1 second'
		 FROM generate_series(1, %[4]d) g`, sweepDueEvery, sweepLagEvery, sweepPendEvery, sweepLeads),
		fmt.Sprintf(`INSERT INTO lead_events (lead_id, kind, at, notify, notified_at)
		 SELECT l.id, k.kind, l.created_at, k.notify,
			CASE WHEN k.notify AND l.id %% %[1]d <> %[1]d / 2 THEN l.created_at + interval '1 second' END
		 FROM leads l CROSS JOIN (VALUES ('created', false), ('pooled', true)) AS k(kind, notify)`, sweepPendEvery),
		`ANALYZE customers, leads, lead_events`,
	}
	for _, s := range stmts {
		var err error
		if strings.Contains(s, "$1") {
			_, err = raw.ExecContext(ctx, s, now)
		} else {
			_, err = raw.ExecContext(ctx, s)
		}
		if err != nil {
			b.Fatalf("load sweep data: %v\n%s", err, s)
		}
	}
}

// explainLast finds the last statement containing marker that another connection of this database ran (the
// store's own SQL, values inlined as bun sends them) and logs its EXPLAIN (ANALYZE, BUFFERS) plan.
func explainLast(b *testing.B, raw *sql.DB, marker string) {
	b.Helper()
	ctx := context.Background()
	var query string
	err := raw.QueryRowContext(ctx, `SELECT query FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%'
		ORDER BY query_start DESC LIMIT 1`, marker).Scan(&query)
	if err != nil {
		b.Fatalf("find the store's query containing %q: %v", marker, err)
	}
	rows, err := raw.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+query)
	if err != nil {
		b.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			b.Fatalf("read plan: %v", err)
		}
		plan.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		b.Fatalf("read plan: %v", err)
	}
	b.Logf("%s\n%s", query, plan.String())
}
