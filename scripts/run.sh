#!/usr/bin/env bash
# The main job: install what is missing, start the local server, publish the world (static data
# is loaded and a first set of monsters and items seeded by the module's init), start the AI
# agents (wk-agents) in the background, serve the web viewer (http://127.0.0.1:8080, docs/viewer.md),
# then stream the world event log.
#   scripts/run.sh [--agents N] [--duration SECS] [--clear] [--verbose]
#     --agents N        how many agents (default 4; 0 = none, just the world and the stream)
#     --duration SECS   stop the agents and the stream after SECS (default: until Ctrl-C)
#     --clear           start the world from scratch
#     --verbose         the agents print one line per action decision (interleaved with the stream)
#     --backup-every MIN  snapshot the world into $WK_HOME/backups/ every MIN minutes while the
#                       stream runs (default 60; 0 = off), keeping the newest --backup-keep N (24)
# Ctrl-C (or the end of --duration) stops the agents and the viewer; the server keeps running
# (scripts/server.sh stop).
# Env: WK_PORT (default 3000), WK_DB (default world-kernel), WK_WEB_PORT (viewer, default 8080; 0 = none).
set -euo pipefail
source "$(dirname "$0")/common.sh"

agents=4
duration=0
verbose=()
publish_args=()
backup_every=60
backup_keep=24
while [[ $# -gt 0 ]]; do
    case "$1" in
    --agents) agents="${2:?--agents needs a number}"; shift 2 ;;
    --duration) duration="${2:?--duration needs seconds}"; shift 2 ;;
    --verbose|-v) verbose=(--verbose); shift ;;
    --clear|-c) publish_args+=(--clear); shift ;;
    --backup-every) backup_every="${2:?--backup-every needs minutes}"; shift 2 ;;
    --backup-keep) backup_keep="${2:?--backup-keep needs a number}"; shift 2 ;;
    *) die "unknown option $1 (use --agents N, --duration SECS, --clear, --verbose, --backup-every MIN, --backup-keep N)" ;;
    esac
done
[[ "$agents" =~ ^[0-9]+$ ]] || die "--agents takes a number, got '$agents'"
[[ "$duration" =~ ^[0-9]+$ ]] || die "--duration takes seconds, got '$duration'"
[[ "$backup_every" =~ ^[0-9]+$ ]] || die "--backup-every takes minutes, got '$backup_every'"
[[ "$backup_keep" =~ ^[0-9]+$ && "$backup_keep" -ge 1 ]] || die "--backup-keep takes a number >= 1, got '$backup_keep'"

"$ROOT/scripts/setup.sh"
"$ROOT/scripts/server.sh" start
"$ROOT/scripts/publish.sh" "${publish_args[@]}" || die "publish failed; if the module schema changed since the last run, start fresh with: scripts/run.sh --clear"

WEB_PID=""
# Whatever ends this script (an error included) stops the viewer's server.
trap 'if [[ -n "$WEB_PID" ]]; then kill "$WEB_PID" 2>/dev/null || true; fi' EXIT
WK_WEB_PORT="${WK_WEB_PORT:-8080}"
if [[ "$WK_WEB_PORT" != 0 ]]; then
    if port_in_use "$WK_WEB_PORT"; then
        say "port $WK_WEB_PORT is taken: not serving the web viewer (set WK_WEB_PORT to another port)"
    else
        mkdir -p "$WK_HOME"
        if "$ROOT/scripts/web.sh" build >"$WK_HOME/web.log" 2>&1; then
            WK_URL="$WK_URL" WK_DB="$WK_DB" node "$ROOT/clients/web/serve.mjs" "$WK_WEB_PORT" >>"$WK_HOME/web.log" 2>&1 &
            WEB_PID=$!
            say "web viewer: http://127.0.0.1:$WK_WEB_PORT/ (world '$WK_DB' at $WK_URL)"
        else
            say "warning: the web viewer did not build, not serving it (see $WK_HOME/web.log)"
        fi
    fi
fi

AGENTS_PID=""
if (( agents > 0 )); then
    say "building the agents (wk-agents)"
    cargo build -q --release -p wk-agents
    mkdir -p "$WK_HOME"
    say "starting $agents agents (log: $WK_HOME/agents.log)"
    "$CARGO_TARGET_DIR/release/wk-agents" --agents "$agents" --duration "$duration" --url "$WK_URL" --db "$WK_DB" \
        "${verbose[@]}" > >(tee "$WK_HOME/agents.log") 2>&1 &
    AGENTS_PID=$!
fi

stop_all() {
    echo
    if [[ "${1:-}" == "done" && -n "$AGENTS_PID" ]]; then
        # --duration elapsed: the agents stop by themselves and print their summary
        for _ in $(seq 1 20); do kill -0 "$AGENTS_PID" 2>/dev/null || break; sleep 0.5; done
    fi
    if [[ -n "$AGENTS_PID" ]] && kill -0 "$AGENTS_PID" 2>/dev/null; then
        kill "$AGENTS_PID" 2>/dev/null || true
        wait "$AGENTS_PID" 2>/dev/null || true
        say "agents stopped"
    fi
    if [[ -n "$WEB_PID" ]] && kill -0 "$WEB_PID" 2>/dev/null; then
        kill "$WEB_PID" 2>/dev/null || true
        wait "$WEB_PID" 2>/dev/null || true
        WEB_PID=""
        say "web viewer stopped"
    fi
    say "stopped watching; server still running at $WK_URL (scripts/server.sh stop)"
    exit 0
}
trap stop_all INT TERM

# The events after id $1, one `id TAB kind TAB text` line each in id order, read through the HTTP
# SQL endpoint as the publisher (the CLI's login) and decoded from SATS JSON by reliability.py's client.
TOKEN="$(spacetime login show --token 2>/dev/null | grep -Eo 'eyJ[A-Za-z0-9._-]+' | head -n 1 || true)"
new_events() {
    python3 - "$ROOT/scripts" "$WK_URL" "$WK_DB" "$TOKEN" "$1" <<'PY' 2>/dev/null || true
import sys
sys.path.insert(0, sys.argv[1])
from reliability import Api
url, db, token, last = sys.argv[2:6]
rows = Api(url, db, token or None).sql(f"SELECT id, kind, text FROM world_event WHERE id > {int(last)}")
for e in sorted(rows, key=lambda e: e["id"]):
    print(f"{e['id']}\t{e['kind']}\t{' '.join(str(e['text']).split())}")
PY
}

say "world '$WK_DB' is up at $WK_URL"
say "streaming the world event log (Ctrl-C stops the agents and the stream; the server keeps running)"
started=$SECONDS
last=0
last_backup=$SECONDS
(( backup_every > 0 )) && say "backups every $backup_every min into $WK_HOME/backups/ (newest $backup_keep kept)"
while true; do
    if (( backup_every > 0 && SECONDS - last_backup >= backup_every * 60 )); then
        last_backup=$SECONDS
        # In the background: the stream goes on; a failed backup is reported, not fatal.
        ( "$ROOT/scripts/snapshot.sh" backup --db "$WK_DB" --keep "$backup_keep" >>"$WK_HOME/backup.log" 2>&1 \
            || say "warning: backup failed (see $WK_HOME/backup.log)" ) &
    fi
    while IFS=$'\t' read -r id kind text; do
        [[ "$id" =~ ^[0-9]+$ ]] || continue
        printf '%s  #%-6s %-18s %s\n' "$(date +%H:%M:%S)" "$id" "$kind" "$text"
        (( id > last )) && last=$id
    done < <(new_events "$last")
    if (( duration > 0 && SECONDS - started >= duration )); then
        stop_all done
    fi
    sleep 1
done
