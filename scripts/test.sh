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
	stop_services
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

section "services"
if [ -n "${BATON_TEST_DATABASE_URL:-}" ]; then
	note "PostgreSQL from BATON_TEST_DATABASE_URL"
else
	start_postgres "" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200
fi
if [ -n "${BATON_TEST_REDIS_URL:-}" ]; then
	note "Redis from BATON_TEST_REDIS_URL"
else
	start_redis ""
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
# one skip under -race and run here without it. The pacing tests (TestBurst…) measure timing, which the
# race detector distorts: they skip under -race and run here too.
if [ "${pkgs[*]}" = "./..." ]; then
	section "go test (websocket mode and pacing, without -race)"
	go test -count=1 -timeout 10m -run 'Websocket|WebSocket|^TestBurst' ./bot/ ./cmd/baton/ || failed+=(test-websocket)
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
