#!/usr/bin/env bash
# Runs Baton's benchmarks against throwaway PostgreSQL and Redis, with the raw floor measured on the same
# PostgreSQL in the same run (pgbench single-row INSERTs), and collects everything in one results file.
# docs/benchmarks.md explains the benchmarks and records a run.
#
#   scripts/bench.sh                      # everything (about 8 minutes on 2 cores)
#   BATON_BENCH_QUICK=1 scripts/bench.sh  # shorter runs, for trying the script
#
# Environment:
#   BATON_TEST_DATABASE_URL  use this PostgreSQL server (pgbench and the benchmarks) instead of a throwaway one
#   BATON_TEST_REDIS_URL     use this Redis instead of a throwaway one
#   BATON_BENCH_PG_PORT      port for the throwaway PostgreSQL (default: a free random port)
#   BATON_BENCH_REDIS_PORT   port for the throwaway Redis (default: a free random port)
#   BATON_BENCH_OUT          results file (default: bench-results/<UTC time>.txt)
#   BATON_BENCH_QUICK        non-empty: fewer iterations and a 5 s pgbench
#
# The throwaway PostgreSQL runs at its defaults (fsync on), unlike scripts/test.sh's, so the floor and
# Baton pay for durable commits as production does. Services listen on loopback only, live in one temp dir
# and are stopped on exit, including after a failure or Ctrl-C.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=${BATON_BENCH_OUT:-bench-results/$(date -u +%Y%m%dT%H%M%SZ).txt}
mkdir -p "$(dirname "$OUT")"
: >"$OUT"

# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

section() { printf '\n==> %s\n' "$*" | tee -a "$OUT"; }
note() { printf '    %s\n' "$*" | tee -a "$OUT"; }
die() {
	printf 'bench.sh: %s\n' "$*" >&2
	exit 1
}
# run prints a command and its output into the results file.
run() {
	printf '$ %s\n' "$*" | tee -a "$OUT"
	"$@" 2>&1 | tee -a "$OUT"
}

if [ -n "${BATON_BENCH_QUICK:-}" ]; then
	PGBENCH_T=5 INGEST=2x BATCH=2x CARD=20x RACE=5x SWEEP=10x STORE_INTAKE=1s STORE_RACE=10x OUTBOUND=100x
else
	PGBENCH_T=15 INGEST=15x BATCH=10x CARD=100x RACE=30x SWEEP=50x STORE_INTAKE=5s STORE_RACE=50x OUTBOUND=600x
fi

command -v go >/dev/null || die "go is not on PATH"

# ---------------------------------------------------------------------------------------------------------
# Throwaway services, run as children of this script so it can stop and reap them (as scripts/test.sh does).
TMP=""
PG_BIN=""
PG_PID=""
REDIS_PID=""

cleanup() {
	local status=$?
	trap - EXIT
	trap '' INT TERM
	stop_services
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
make_tmp # pgbench's scripts and logs live here too

# At PostgreSQL's defaults (fsync on), unlike scripts/test.sh's server: the floor and Baton pay for durable
# commits as production does.
[ -n "${BATON_TEST_DATABASE_URL:-}" ] || start_postgres "${BATON_BENCH_PG_PORT:-}" -c max_connections=200
[ -n "${BATON_TEST_REDIS_URL:-}" ] || start_redis "${BATON_BENCH_REDIS_PORT:-}"
PSQL=$(command -v psql || echo "$(pg_bindir)/psql")
PGBENCH=$(command -v pgbench || echo "$(pg_bindir)/pgbench")

# ---------------------------------------------------------------------------------------------------------
section "machine"
note "date:      $(date -u +%Y-%m-%dT%H:%M:%SZ)"
note "cpus:      $(nproc) ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1))"
note "memory:    $(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
note "kernel:    $(uname -r)"
note "go:        $(go version | awk '{print $3}')"
note "postgres:  $("$PSQL" "$BATON_TEST_DATABASE_URL" -Atc 'SHOW server_version') (fsync $("$PSQL" "$BATON_TEST_DATABASE_URL" -Atc 'SHOW fsync'))"
note "redis:     $(redis-server --version 2>/dev/null | sed -n 's/.*v=\([^ ]*\).*/\1/p')"
note "load:      $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------------------------
section "floor: pgbench single-row INSERT, 16 clients (as BenchmarkIngest), prepared, ${PGBENCH_T} s"
"$PSQL" "$BATON_TEST_DATABASE_URL" -qc 'DROP TABLE IF EXISTS bench_leads' \
	-c 'CREATE TABLE bench_leads (id bigserial PRIMARY KEY, source text, external_id text, payload text)'
cat >"$TMP/insert.sql" <<'SQL'
INSERT INTO bench_leads (source, external_id, payload) VALUES ('web-form', 'ext-' || :client_id || '-' || random(), repeat('x', 200));
SQL
run "$PGBENCH" -n -f "$TMP/insert.sql" -c 16 -j 2 -T "$PGBENCH_T" -M prepared -l --log-prefix="$TMP/pgbench" \
	"$BATON_TEST_DATABASE_URL"
# The per-transaction log's third field is the latency in microseconds.
cat "$TMP"/pgbench.* | awk '{print $3}' | sort -n | awk '{v[NR]=$1} END {
	printf "    pgbench latency: p50 %.2f ms, p99 %.2f ms (%d transactions)\n", v[int(NR*0.50)]/1000, v[int(NR*0.99)]/1000, NR}' |
	tee -a "$OUT"
"$PSQL" "$BATON_TEST_DATABASE_URL" -qc 'DROP TABLE bench_leads'
note "load after floor: $(cut -d' ' -f1-3 /proc/loadavg)"

# The same writes a new customer's intake makes (customer, lead, first touch, timeline event: four rows
# and their indexes and foreign keys), one transaction each, straight from pgbench on Baton's schema.
section "floor: pgbench running one intake's writes per transaction, 16 clients, ${PGBENCH_T} s"
"$PSQL" "$BATON_TEST_DATABASE_URL" -qc 'DROP DATABASE IF EXISTS baton_bench_schema' -c 'CREATE DATABASE baton_bench_schema'
base=${BATON_TEST_DATABASE_URL%%\?*}
SCHEMA_URL="${base%/*}/baton_bench_schema${BATON_TEST_DATABASE_URL#"$base"}"
BATON_DATABASE_URL="$SCHEMA_URL" BATON_DATA_KEY=$(head -c 32 /dev/urandom | base64) go run ./cmd/baton migrate >/dev/null
cat >"$TMP/intake.sql" <<'SQL'
\set n random(1, 2000000000)
BEGIN;
INSERT INTO customers (name_enc, phone_enc, phone_hash, company, title, region, created_at) VALUES (decode(md5(:n::text || 'a'), 'hex'), decode(md5(:n::text || 'b') || md5(:n::text), 'hex'), decode(md5(:client_id::text || random()::text) || md5(:n::text), 'hex'), '示例科技', '', '', now()) RETURNING id AS cid \gset
INSERT INTO leads (customer_id, source, external_id, campaign, note, pool, stage, is_open, rev, created_at, pooled_at, last_activity_at, next_due_at, updated_at, attributes) VALUES (:cid, 'web-form', 'ext-' || :client_id || '-' || random(), 'bench', '', 'sales', 'new', true, 1, now(), now(), now(), now() + interval '5 min', now(), '{"company":"示例科技"}') RETURNING id AS lid \gset
INSERT INTO touches (lead_id, customer_id, source, external_id, campaign, created_at) VALUES (:lid, :cid, 'web-form', 'ext-' || :client_id || '-' || random(), 'bench', now());
INSERT INTO lead_events (lead_id, kind, at, data) VALUES (:lid, 'created', now(), '{"source":"web-form","pool":"sales"}');
COMMIT;
SQL
run "$PGBENCH" -n -f "$TMP/intake.sql" -c 16 -j 2 -T "$PGBENCH_T" -M prepared "$SCHEMA_URL"
"$PSQL" "$BATON_TEST_DATABASE_URL" -qc 'DROP DATABASE baton_bench_schema'
note "load after floor: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------------------------
# Benchmarks: -run '^$' skips the tests; each benchmark reports its own metrics (leads/s, p50_ms, …).
# A failing benchmark is recorded and the rest still run.
failed=()
bench() {
	section "go test $*"
	run go test -run '^$' -timeout 30m "$@" || failed+=("${*: -3}")
	note "load: $(cut -d' ' -f1-3 /proc/loadavg)"
}
bench -bench '^BenchmarkIngest$' -benchtime "$INGEST" ./cmd/baton
bench -bench '^BenchmarkIngestBatch$' -benchtime "$BATCH" ./cmd/baton
bench -bench '^BenchmarkLeadToCard$' -benchtime "$CARD" ./cmd/baton
bench -bench '^BenchmarkClaimRace$' -benchtime "$RACE" ./cmd/baton
bench -bench '^BenchmarkBurstBoards$' -benchtime 1x ./cmd/baton
bench -v -bench '^BenchmarkSweep$' -benchtime "$SWEEP" ./storage # -v prints the EXPLAIN plans
bench -bench '^BenchmarkIntakeLead$' -benchtime "$STORE_INTAKE" ./storage
bench -bench '^BenchmarkClaimRace$' -benchtime "$STORE_RACE" ./storage
bench -bench '^BenchmarkTimer' -benchtime 1x ./jobs
if grep -qs 'func BenchmarkOutboundEnforced' bot/*_test.go; then
	bench -bench '^BenchmarkOutboundEnforced$' -benchtime "$OUTBOUND" ./bot
fi

section "done"
note "results in $OUT"
if [ ${#failed[@]} -ne 0 ]; then
	note "FAILED: ${failed[*]}"
	exit 1
fi
