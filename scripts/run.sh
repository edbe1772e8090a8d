#!/usr/bin/env bash
# The main job: install what is missing, start the local server, publish the world (static data
# is loaded by the module's init), then stream the world event log until Ctrl-C.
#   scripts/run.sh [--clear]      --clear starts the world from scratch
# Env: WK_PORT (default 3000), WK_DB (default world-kernel).
set -euo pipefail
source "$(dirname "$0")/common.sh"

"$ROOT/scripts/setup.sh"
"$ROOT/scripts/server.sh" start
"$ROOT/scripts/publish.sh" "$@" || die "publish failed; if the module schema changed since the last run, start fresh with: scripts/run.sh --clear"

say "world '$WK_DB' is up at $WK_URL"
say "streaming the world event log (Ctrl-C to stop; the server keeps running: scripts/server.sh stop)"
last=0
trap 'echo; say "stopped watching; server still running (scripts/server.sh stop)"; exit 0' INT TERM
while true; do
    rows="$(spacetime sql -s "$WK_URL" "$WK_DB" "SELECT id, kind, text FROM world_event WHERE id > $last" 2>/dev/null || true)"
    # Table rows look like: ` 12 | (CharacterCreated = ()) | "Ayla the rogue entered ..."`
    while IFS= read -r line; do
        id="$(echo "$line" | awk -F'|' '{gsub(/ /,"",$1); print $1}')"
        [[ "$id" =~ ^[0-9]+$ ]] || continue
        kind="$(echo "$line" | awk -F'|' '{print $2}' | sed -E 's/[() =]//g')"
        text="$(echo "$line" | cut -d'|' -f3- | sed -E 's/^ *"//; s/" *$//')"
        printf '%s  #%-6s %-18s %s\n' "$(date +%H:%M:%S)" "$id" "$kind" "$text"
        (( id > last )) && last=$id
    done < <(echo "$rows" | sort -t'|' -k1,1n)
    sleep 1
done
