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
