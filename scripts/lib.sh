# shellcheck shell=bash
# Shared by scripts/test.sh and scripts/bench.sh: start and stop throwaway servers on loopback.
# Sourced, not run. The caller defines die().

# ---------------------------------------------------------------------------------------------------------
# Tools.
pg_bindir() {
	# Prefer the version production runs (15); fall back to the newest installed.
	if [ -x /usr/lib/postgresql/15/bin/postgres ]; then
		echo /usr/lib/postgresql/15/bin
		return
	fi
	local d
	d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
	if [ -n "$d" ] && [ -x "$d/postgres" ]; then
		echo "$d"
	fi
}

# stop_pid asks a server to stop with SIGNAL, gives it 10 s, then kills it, and reaps it.
stop_pid() {
	local pid=$1 sig=$2
	kill -0 "$pid" 2>/dev/null || {
		wait "$pid" 2>/dev/null || true
		return
	}
	kill "-$sig" "$pid" 2>/dev/null || true
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# own_session runs a server in place of the current process, in a session of its own: Ctrl-C at the
# terminal reaches only this script, which then stops the servers in order instead of racing them.
own_session() {
	if command -v setsid >/dev/null; then
		exec setsid "$@"
	fi
	exec "$@"
}

# as_pg runs a PostgreSQL program in place of the current process; initdb and postgres refuse to run as
# root, so root hands them to the `postgres` user. setpriv execs without forking, so $! of a background
# `(as_pg …) &` is the server's own pid.
as_pg() {
	cd /
	if [ "$(id -u)" -ne 0 ]; then
		own_session "$@"
	elif command -v setpriv >/dev/null; then
		own_session setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
	else
		own_session runuser -u postgres -- "$@"
	fi
}

# free_port picks a random loopback port nothing is listening on. Another process could take it before
# the server binds, so the callers retry with a fresh port when a start fails.
free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	die "no free loopback port found"
}

# ---------------------------------------------------------------------------------------------------------
# Throwaway PostgreSQL and Redis, run as children of the calling script (not daemonised), so it knows their
# pids, stops them and reaps them itself (stop_services, from its EXIT trap). The caller defines note() and
# die() and initialises TMP, PG_BIN, PG_PID and REDIS_PID to "".

make_tmp() {
	if [ -z "$TMP" ]; then
		TMP=$(mktemp -d "${TMPDIR:-/tmp}/baton-$(basename "$0" .sh).XXXXXX")
		chmod 755 "$TMP" # the postgres user must reach its data dir inside
	fi
}

# start_postgres PORT [SETTING...] starts PostgreSQL on PORT (empty: a free one, retried if another process
# takes it first) with the given `-c name=value` settings, and exports BATON_TEST_DATABASE_URL.
start_postgres() {
	local want=$1 port
	shift
	PG_BIN=$(pg_bindir)
	[ -n "$PG_BIN" ] || die "PostgreSQL is not installed and BATON_TEST_DATABASE_URL is not set"
	make_tmp
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin postgres
	fi
	local run="$TMP/pg-run" data="$TMP/pg-data"
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
		port=${want:-$(free_port)}
		(as_pg "$PG_BIN/postgres" -D "$data" -p "$port" -k "$run" -c listen_addresses=127.0.0.1 "$@") \
			>"$TMP/postgres.log" 2>&1 &
		PG_PID=$!
		if wait_for "PostgreSQL" pg_ready "$port"; then
			export BATON_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
			note "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
			return
		fi
		stop_pid "$PG_PID" QUIT
		PG_PID=""
		[ -z "$want" ] || break # a port the caller chose is not retried
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

# start_redis PORT starts Redis without persistence on PORT (empty: a free one, retried) and exports
# BATON_TEST_REDIS_URL.
start_redis() {
	local want=$1 port
	command -v redis-server >/dev/null || die "redis-server is not installed and BATON_TEST_REDIS_URL is not set"
	make_tmp
	local dir="$TMP/redis"
	mkdir -p "$dir"
	for _ in 1 2 3 4 5; do
		port=${want:-$(free_port)}
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
		[ -z "$want" ] || break
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

# stop_services stops the servers started above and removes their directory.
stop_services() {
	if [ -n "$REDIS_PID" ]; then
		stop_pid "$REDIS_PID" TERM
	fi
	if [ -n "$PG_PID" ]; then
		stop_pid "$PG_PID" QUIT # immediate shutdown: the data is thrown away anyway
	fi
	if [ -n "$TMP" ]; then
		rm -rf "$TMP"
	fi
}
