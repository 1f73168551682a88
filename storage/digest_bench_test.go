package storage_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

// bigLoad fills a fresh PostgreSQL database with 1,000,000 leads spread over 50 pools and the year from
// 2025-12-01 (Shanghai), with their customers, first touches, owner changes and about 3.4 million timeline
// entries. Every table is filled by one set-based INSERT … SELECT (the server-side equivalent of COPY), so
// loading takes a minute or two rather than hours.
var bigLoad = []string{
	`INSERT INTO customers (id, company, created_at)
		SELECT i, '', timestamptz '2025-11-30 16:00+00' FROM generate_series(1, 1000000) i`,
	`SELECT setseed(0.42)`,
	`INSERT INTO leads (id, customer_id, source, campaign, pool, stage, is_open, owner_id, rev, created_at, pooled_at,
			claimed_at, first_contact_at, closed_at, lost_reason, value, updated_at)
		SELECT i, i, 'src' || (i % 7), 'camp' || (i % 23), 'p' || (i % 50), stage,
			stage NOT IN ('won', 'lost'), CASE WHEN claimed THEN 'ou_rep' || (i % 997) END, 1, c, c,
			CASE WHEN claimed THEN c + r2 * interval '3 hours' END,
			CASE WHEN claimed AND stage <> 'new' THEN c + r2 * interval '3 hours' + r3 * interval '6 hours' END,
			CASE WHEN stage IN ('won', 'lost') THEN c + interval '2 days' + r2 * interval '10 days' END,
			CASE WHEN stage = 'lost' THEN (ARRAY['price', 'competitor', 'no_budget', 'no_response'])[1 + i % 4] ELSE '' END,
			CASE WHEN stage = 'won' THEN 10000 + i % 90000 ELSE 0 END, c
		FROM (SELECT i, claimed, c, r2, r3,
				CASE WHEN NOT claimed THEN 'new' WHEN r3 < 0.1 THEN 'won' WHEN r3 < 0.3 THEN 'lost'
					WHEN r3 < 0.45 THEN 'qualified' WHEN r3 < 0.6 THEN 'contacted' WHEN r3 < 0.7 THEN 'proposal' ELSE 'new' END AS stage
			FROM (SELECT i, random() < 0.8 AS claimed, random() AS r2, random() AS r3,
					timestamptz '2025-11-30 16:00+00' + random() * interval '365 days' AS c
				FROM generate_series(1, 1000000) i) r) s`,
	`INSERT INTO touches (lead_id, customer_id, source, campaign, created_at)
		SELECT id, customer_id, source, campaign, created_at FROM leads`,
	`INSERT INTO lead_owners (lead_id, pool, to_owner, at)
		SELECT id, pool, owner_id, claimed_at FROM leads WHERE claimed_at IS NOT NULL`,
	`INSERT INTO lead_events (lead_id, kind, at, data)
		SELECT id, 'created', created_at, jsonb_build_object('source', source, 'pool', pool) FROM leads`,
	`INSERT INTO lead_events (lead_id, kind, actor_id, at, data)
		SELECT id, 'claimed', owner_id, claimed_at,
			jsonb_build_object('waited_s', floor(EXTRACT(EPOCH FROM claimed_at - pooled_at))::bigint::text)
		FROM leads WHERE claimed_at IS NOT NULL`,
	`INSERT INTO lead_events (lead_id, kind, actor_id, at, data)
		SELECT id, 'stage_changed', owner_id, first_contact_at, jsonb_build_object('from', 'new', 'to', 'contacted')
		FROM leads WHERE first_contact_at IS NOT NULL`,
	`INSERT INTO lead_events (lead_id, kind, actor_id, at, data)
		SELECT id, 'stage_changed', owner_id, COALESCE(closed_at, first_contact_at + interval '1 day'),
			jsonb_build_object('from', 'contacted', 'to', stage)
		FROM leads WHERE stage NOT IN ('new', 'contacted') AND first_contact_at IS NOT NULL`,
	`INSERT INTO lead_events (lead_id, kind, actor_id, at, data)
		SELECT id, 'feedback', owner_id, claimed_at + interval '1 day',
			jsonb_build_object('quality', (ARRAY['good_fit', 'invalid_number', 'duplicate', 'no_budget'])[1 + (id / 5) % 4],
				'source', source, 'campaign', campaign)
		FROM leads WHERE claimed_at IS NOT NULL AND (id * 7919) % 5 = 0`,
	`INSERT INTO lead_events (lead_id, kind, at, data)
		SELECT id, 'reminded', pooled_at + interval '5 minutes',
			jsonb_build_object('clock', 'unclaimed', 'step', '0', 'action', 'remind_pool')
		FROM leads WHERE (id * 7919) % 10 = 3`,
	`INSERT INTO lead_events (lead_id, kind, at, data)
		SELECT id, 'escalated', claimed_at + interval '4 hours',
			jsonb_build_object('clock', 'first_contact', 'step', '1', 'action', 'escalate')
		FROM leads WHERE claimed_at IS NOT NULL AND (id * 7919) % 10 = 4`,
	`INSERT INTO lead_events (lead_id, kind, at, data)
		SELECT id, 'recycled', claimed_at + interval '7 days', jsonb_build_object('prev_owner', owner_id)
		FROM leads WHERE claimed_at IS NOT NULL AND (id * 7919) % 50 = 11`,
	`VACUUM ANALYZE`, // autovacuum's steady state: statistics and the visibility map index-only scans rely on
}

// BenchmarkDigest1M measures one pool-week digest (and the digest with its previous week, as /digest and
// the weekly post compute it) over a million leads. Loading takes a while, so it runs only with
// BATON_BENCH_BIG=1. With BATON_BENCH_EXPLAIN=1 the server logs every digest query's plan (auto_explain
// with ANALYZE) to its log file.
func BenchmarkDigest1M(b *testing.B) {
	if os.Getenv("BATON_BENCH_BIG") == "" {
		b.Skip("set BATON_BENCH_BIG=1 to load 1,000,000 leads and benchmark the digest")
	}
	ctx := context.Background()
	// BATON_BENCH_DIGEST_URL reuses a database this benchmark loaded before (migrated to the current schema).
	url := os.Getenv("BATON_BENCH_DIGEST_URL")
	fresh := url == ""
	if fresh {
		url = storagetest.EmptyPostgres(b)
	}
	db := storagetest.OpenURL(b, url, storagetest.Options())
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for _, q := range bigLoad {
		if !fresh {
			break
		}
		if _, err := db.Writer().ExecContext(ctx, q); err != nil {
			b.Fatalf("load: %v\n%s", err, q)
		}
	}
	b.Logf("loaded 1,000,000 leads in %s", time.Since(start).Round(time.Second))
	counts := map[string]int{}
	for _, table := range []string{"leads", "lead_events", "lead_owners", "touches"} {
		counts[table] = count(b, db, table)
	}
	b.Logf("rows: %v", counts)

	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		b.Fatal(err)
	}
	week, err := crm.ISOWeek(2026, 20, loc)
	if err != nil {
		b.Fatal(err)
	}
	q := crm.DigestQuery{Pools: []string{"p7"}, Start: week.Start, End: week.End}
	prev := week.Prev()
	f, err := db.DigestFigures(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	if f.NewLeads < 200 || f.Claims < 100 {
		b.Fatalf("the benchmark week is too thin to mean anything: %d new leads, %d claims", f.NewLeads, f.Claims)
	}
	b.Logf("p7 %s: %d new leads, %d claims (p50 %s), %d first contacts, %d won, %d breaches", week, f.NewLeads,
		f.Claims, f.ClaimTime.P50, f.FirstContact.N, f.Won, f.BreachTotal())

	b.Run("pool_week", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.DigestFigures(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pool_week_with_prev", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.DigestFigures(ctx, q); err != nil {
				b.Fatal(err)
			}
			if _, err := db.DigestFigures(ctx, crm.DigestQuery{Pools: q.Pools, Start: prev.Start, End: prev.End}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("all_pools_week", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.DigestFigures(ctx, crm.DigestQuery{Start: week.Start, End: week.End}); err != nil {
				b.Fatal(err)
			}
		}
	})
	if os.Getenv("BATON_BENCH_EXPLAIN") != "" {
		explainDigest(b, db, url, q)
	}
}

// explainDigest runs the pool-week digest once on fresh connections with auto_explain on, so the server log
// holds each query's plan with actual times and buffers.
func explainDigest(b *testing.B, db *storage.DB, url string, q crm.DigestQuery) {
	ctx := context.Background()
	var name string
	if err := db.Bun().QueryRowContext(ctx, `SELECT current_database()`).Scan(&name); err != nil {
		b.Fatal(err)
	}
	for _, s := range []string{`session_preload_libraries = 'auto_explain'`, `auto_explain.log_min_duration = 0`,
		`auto_explain.log_analyze = on`, `auto_explain.log_buffers = on`} {
		if _, err := db.Writer().ExecContext(ctx, `ALTER DATABASE `+name+` SET `+s); err != nil {
			b.Fatalf("configure auto_explain: %v", err)
		}
	}
	fresh := storagetest.OpenURL(b, url, storagetest.Options())
	if _, err := fresh.DigestFigures(ctx, q); err != nil {
		b.Fatal(err)
	}
	if _, err := fresh.DigestFigures(ctx, crm.DigestQuery{Start: q.Start, End: q.End}); err != nil {
		b.Fatal(err)
	}
	for _, s := range []string{`session_preload_libraries`, `auto_explain.log_min_duration`, `auto_explain.log_analyze`,
		`auto_explain.log_buffers`} {
		if _, err := db.Writer().ExecContext(ctx, `ALTER DATABASE `+name+` RESET `+s); err != nil {
			b.Fatalf("reset auto_explain: %v", err)
		}
	}
	b.Logf("query plans of database %s written to the PostgreSQL server log", name)
}
