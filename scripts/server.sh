#!/usr/bin/env bash
# Local SpacetimeDB standalone server on 127.0.0.1 only.
#   scripts/server.sh start|stop|status
# Env: WK_PORT (default 3000), WK_HOME (default .wk/; data in $WK_HOME/data, pid in $WK_HOME/server.pid).
set -euo pipefail
source "$(dirname "$0")/common.sh"

DATA="$WK_HOME/data"
PIDFILE="$WK_HOME/server.pid"
LOG="$WK_HOME/server.log"

running_pid() {
    [[ -f "$PIDFILE" ]] || return 1
    local pid; pid="$(cat "$PIDFILE")"
    kill -0 "$pid" 2>/dev/null && echo "$pid"
}

wait_ping() {
    for _ in $(seq 1 120); do
        if curl -sf "http://127.0.0.1:$WK_PORT/v1/ping" >/dev/null 2>&1; then return 0; fi
        sleep 0.5
    done
    return 1
}

case "${1:-status}" in
start)
    if pid="$(running_pid)"; then say "already running (pid $pid) on 127.0.0.1:$WK_PORT"; exit 0; fi
    command -v spacetimedb-standalone >/dev/null || die "spacetimedb-standalone not installed; run scripts/setup.sh"
    if port_in_use "$WK_PORT"; then
        die "port $WK_PORT on 127.0.0.1 is taken by another process; stop it or use WK_PORT=<free port> $0 start"
    fi
    mkdir -p "$DATA" "$WK_HOME/keys"
    say "starting SpacetimeDB on 127.0.0.1:$WK_PORT (data: $DATA, log: $LOG)"
    nohup spacetimedb-standalone start --data-dir "$DATA" --jwt-key-dir "$WK_HOME/keys" \
        --listen-addr "127.0.0.1:$WK_PORT" >"$LOG" 2>&1 &
    echo $! >"$PIDFILE"
    if ! wait_ping; then
        tail -n 20 "$LOG" >&2 || true
        die "server did not answer /v1/ping within 60 s (log above)"
    fi
    say "ready: http://127.0.0.1:$WK_PORT"
    ;;
stop)
    if pid="$(running_pid)"; then
        say "stopping pid $pid"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$pid" 2>/dev/null || true
    else
        say "not running"
    fi
    rm -f "$PIDFILE"
    ;;
status)
    if pid="$(running_pid)"; then say "running (pid $pid) on http://127.0.0.1:$WK_PORT"; else say "not running"; exit 1; fi
    ;;
*)
    die "usage: $0 start|stop|status"
    ;;
esac
