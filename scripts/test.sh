#!/usr/bin/env bash
# Runs Baton's whole test suite on a fresh Debian machine: formatting, vet, race-enabled tests against real
# PostgreSQL and Redis, then a short fuzzing pass.
#
#   scripts/test.sh                       # everything
#   scripts/test.sh -run Claim ./crm/...  # extra arguments go to `go test`; package patterns narrow every step
#
# Arguments that look like package patterns (., ./x, ../x, /x or the module path) select the packages
# for every step; flags and their values are passed to `go test`.
#
# Environment:
#   BATON_TEST_DATABASE_URL  use this PostgreSQL server instead of starting a throwaway one
#   BATON_TEST_REDIS_URL     use this Redis instead of starting a throwaway one
#   BATON_FUZZTIME           time per fuzz target (default 10s; 0 skips fuzzing)
#   BATON_NO_INSTALL         non-empty: never call apt-get
#
# Services started here listen on loopback only, live in one temp dir and are always stopped on exit,
# including after a failure or Ctrl-C.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
MODULE=github.com/baton-crm/baton
FUZZTIME=${BATON_FUZZTIME:-10s}

# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

section() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() {
	printf 'test.sh: %s\n' "$*" >&2
	exit 1
}

# ---------------------------------------------------------------------------------------------------------
# Arguments. A value after a flag that takes one (`-run Foo`, `-exec /path`) stays with the flag.
value_flags=" run skip bench benchtime count cpu timeout exec coverprofile coverpkg covermode cpuprofile
	memprofile memprofilerate blockprofile blockprofilerate mutexprofile mutexprofilefraction trace outputdir
	o tags parallel fuzz fuzztime fuzzminimizetime list shuffle ldflags gcflags asmflags mod modfile p pkgdir
	toolexec overlay vet "
pkgs=()
flags=()
want_value=""
for arg in "$@"; do
	if [ -n "$want_value" ]; then
		flags+=("$arg")
		want_value=""
		continue
	fi
	case "$arg" in
	-*=*) flags+=("$arg") ;;
	-*)
		flags+=("$arg")
		name=${arg##*-}
		name=${name#test.}
		if [[ "$value_flags" == *[[:space:]]"$name"[[:space:]]* ]]; then
			want_value=1
		fi
		;;
	. | ./* | ../* | /* | "$MODULE" | "$MODULE"/*) pkgs+=("$arg") ;;
	*) flags+=("$arg") ;;
	esac
done
if [ ${#pkgs[@]} -eq 0 ]; then
	pkgs=(./...)
fi


install_missing() {
	local want=()
	if [ -z "${BATON_TEST_REDIS_URL:-}" ] && ! command -v redis-server >/dev/null; then
		want+=(redis-server)
	fi
	if [ -z "${BATON_TEST_DATABASE_URL:-}" ] && [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
		want+=(postgresql)
	fi
	# The sandbox console test drives a real browser.
	# CJK glyphs for the sandbox screenshot the browser test saves.
	if ! dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then
		want+=(fonts-wqy-microhei)
	fi
	if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
		want+=(chromium chromium-driver)
	fi
	if [ ${#want[@]} -eq 0 ]; then
		return
	fi
	if [ -n "${BATON_NO_INSTALL:-}" ] || [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
		note "missing: ${want[*]} (not installing: needs root and apt-get); tests that need them skip, or fail under CI"
		return
	fi
	section "installing ${want[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
}

command -v go >/dev/null || die "go is not on PATH (Baton needs Go $(sed -n 's/^go //p' go.mod))"
install_missing

# ---------------------------------------------------------------------------------------------------------
# Throwaway services. Both servers run as children of this script (not daemonised), so the script knows
# their pids, stops them and reaps them itself.
TMP=""
PG_BIN=""
PG_PID=""
REDIS_PID=""

cleanup() {
	local status=$?
	# Ignore further interrupts: an impatient second Ctrl-C must not leave servers behind.
	trap - EXIT
	trap '' INT TERM
	if [ -n "$REDIS_PID" ]; then
		stop_pid "$REDIS_PID" TERM
	fi
	if [ -n "$PG_PID" ]; then
		stop_pid "$PG_PID" QUIT # immediate shutdown: the data is thrown away anyway
	fi
	if [ -n "$TMP" ]; then
		rm -rf "$TMP"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM




make_tmp() {
	if [ -z "$TMP" ]; then
		TMP=$(mktemp -d "${TMPDIR:-/tmp}/baton-test.XXXXXX")
		chmod 755 "$TMP" # the postgres user must reach its data dir inside
	fi
}

start_postgres() {
	PG_BIN=$(pg_bindir)
	[ -n "$PG_BIN" ] || die "PostgreSQL is not installed and BATON_TEST_DATABASE_URL is not set"
	make_tmp
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin postgres
	fi
	local run="$TMP/pg-run" data="$TMP/pg-data" port
	mkdir -p "$run" "$data"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$run" "$data"
	fi
	chmod 700 "$data"
	(as_pg "$PG_BIN/initdb" -D "$data" -A trust -U postgres -E UTF8 --no-sync) >"$TMP/initdb.log" 2>&1 ||
		{
			cat "$TMP/initdb.log" >&2
			die "initdb failed"
		}
	for _ in 1 2 3 4 5; do
		port=$(free_port)
		(as_pg "$PG_BIN/postgres" -D "$data" -p "$port" -k "$run" -c listen_addresses=127.0.0.1 \
			-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200) \
			>"$TMP/postgres.log" 2>&1 &
		PG_PID=$!
		if wait_for "PostgreSQL" pg_ready "$port"; then
			export BATON_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
			note "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
			return
		fi
		stop_pid "$PG_PID" QUIT
		PG_PID=""
		note "PostgreSQL did not start on port $port; retrying"
	done
	cat "$TMP/postgres.log" >&2 || true
	die "PostgreSQL did not start"
}

pg_ready() {
	# A server that lost the race for the port exits; stop waiting for it.
	kill -0 "$PG_PID" 2>/dev/null || return 2
	# pg_isready's own status 2 means "no response yet", not "give up".
	"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -U postgres || return 1
}

start_redis() {
	command -v redis-server >/dev/null || die "redis-server is not installed and BATON_TEST_REDIS_URL is not set"
	make_tmp
	local dir="$TMP/redis" port
	mkdir -p "$dir"
	for _ in 1 2 3 4 5; do
		port=$(free_port)
		(own_session redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
			--logfile "$dir/redis.log" --daemonize no) >/dev/null 2>&1 &
		REDIS_PID=$!
		if wait_for "Redis" redis_ready "$port"; then
			export BATON_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
			note "Redis $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on 127.0.0.1:$port"
			return
		fi
		kill "$REDIS_PID" 2>/dev/null || true
		wait "$REDIS_PID" 2>/dev/null || true
		REDIS_PID=""
		note "Redis did not start on port $port; retrying"
	done
	cat "$dir/redis.log" >&2 || true
	die "Redis did not start"
}

redis_ready() {
	# A server that lost the race for the port exits; stop waiting for it.
	kill -0 "$REDIS_PID" 2>/dev/null || return 2
	if command -v redis-cli >/dev/null; then
		[ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]
	else
		(
			exec 3<>"/dev/tcp/127.0.0.1/$1" &&
				printf 'PING\r\n' >&3 &&
				read -r -t 2 reply <&3 &&
				[ "${reply%$'\r'}" = +PONG ]
		) 2>/dev/null
	fi
}

# wait_for NAME CHECK ARG polls CHECK ARG for up to 30 s; a CHECK status of 2 means give up now.
wait_for() {
	local name=$1 check=$2 arg=$3 rc
	for _ in $(seq 1 150); do
		rc=0
		"$check" "$arg" || rc=$?
		case $rc in
		0) return 0 ;;
		2) return 1 ;;
		esac
		sleep 0.2
	done
	note "$name is not answering on port $arg"
	return 1
}

section "services"
if [ -n "${BATON_TEST_DATABASE_URL:-}" ]; then
	note "PostgreSQL from BATON_TEST_DATABASE_URL"
else
	start_postgres
fi
if [ -n "${BATON_TEST_REDIS_URL:-}" ]; then
	note "Redis from BATON_TEST_REDIS_URL"
else
	start_redis
fi

# ---------------------------------------------------------------------------------------------------------
# Checks. Each step runs even when an earlier one failed, so one run shows every problem; fuzzing is the
# exception, it only makes sense on code whose tests pass.
failed=()

# gofmt_targets turns package patterns into the files and directories gofmt should read.
gofmt_targets() {
	local p
	for p in "${pkgs[@]}"; do
		p=${p#"$MODULE"}
		case "$p" in
		"" | / | ./... | ...) echo . ;;
		/*/...) echo ".${p%/...}" ;;
		*/...) echo "${p%/...}" ;;
		/*) find ".$p" -maxdepth 1 -name '*.go' ;;
		*) find "$p" -maxdepth 1 -name '*.go' ;;
		esac
	done
}

section "gofmt"
mapfile -t fmt_targets < <(gofmt_targets)
unformatted=""
if [ ${#fmt_targets[@]} -ne 0 ]; then
	unformatted=$(gofmt -l "${fmt_targets[@]}" 2>&1 | grep -v '/testdata/' || true)
fi
if [ -n "$unformatted" ]; then
	printf '%s\n' "$unformatted"
	note "run: gofmt -w <files above>"
	failed+=(gofmt)
else
	note "ok"
fi

section "go vet ${pkgs[*]}"
go vet "${pkgs[@]}" || failed+=(vet)

section "go test -race ${flags[*]} ${pkgs[*]}"
go test -race -count=1 -timeout 20m "${flags[@]}" "${pkgs[@]}" || failed+=(test)

# The Lark SDK's websocket client (v3.9.2) races with itself when a connection closes, so tests that close
# one skip under -race and run here without it.
if [ "${pkgs[*]}" = "./..." ]; then
	section "go test (websocket mode, without -race)"
	go test -count=1 -timeout 10m -run 'Websocket|WebSocket' ./bot/ ./cmd/baton/ || failed+=(test-websocket)
fi

# fuzz_one runs one fuzz target for FUZZTIME. Go's fuzzer sometimes ends a run with "context deadline
# exceeded" when a worker is slow to answer as the time runs out; that run found nothing, so it is tried once
# more. A real finding writes its input to testdata/fuzz and fails at once.
fuzz_one() {
	local pkg=$1 name=$2 out
	for attempt in 1 2; do
		out=$(go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1) && {
			printf '%s\n' "$out" | tail -n 3
			return 0
		}
		printf '%s\n' "$out" | tail -n 25
		if grep -q 'Failing input written to' <<<"$out" || [ "$attempt" = 2 ]; then
			return 1
		fi
		note "no failing input recorded; running $name once more"
	done
}

if [ "$FUZZTIME" = 0 ]; then
	section "fuzz: skipped (BATON_FUZZTIME=0)"
elif [[ " ${failed[*]} " == *" test "* ]]; then
	section "fuzz: skipped because tests failed"
else
	section "fuzz (${FUZZTIME} per target)"
	# `go test -list` prints a package's matching names, then its "ok <import path>" line.
	targets=()
	names=()
	while IFS= read -r line; do
		case "$line" in
		Fuzz*) names+=("$line") ;;
		ok*)
			pkg=$(awk '{print $2}' <<<"$line")
			for n in "${names[@]}"; do
				targets+=("$pkg $n")
			done
			names=()
			;;
		list-failed) failed+=(fuzz-list) ;;
		esac
	done < <(go test -list '^Fuzz' "${pkgs[@]}" || echo "list-failed")
	if [ ${#targets[@]} -eq 0 ]; then
		note "no fuzz targets"
	fi
	for t in "${targets[@]}"; do
		read -r pkg name <<<"$t"
		note "$name in $pkg"
		fuzz_one "$pkg" "$name" || failed+=("fuzz:$name")
	done
fi

section "summary"
if [ ${#failed[@]} -ne 0 ]; then
	note "FAILED: ${failed[*]}"
	exit 1
fi
note "all passed"
