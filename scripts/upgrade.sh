#!/usr/bin/env bash
# Upgrade a running world to the module in this checkout, whatever its schema change:
#   1. stop new fights (the `combat` gate) and wait for running ones to end (--fight-wait SECS,
#      default 60; a fight still running then is left out of the snapshot: docs/operations.md)
#   2. export the world (scripts/snapshot.sh export) to $WK_HOME/backups/upgrade-<time>.json
#   3. publish this module with --clear (the world is down from here ...)
#   4. import the snapshot through the migrations (... to here), restore the combat gate
#   5. verify: row counts per table, the player-owned state exactly and its checksum, the
#      invariant checker; print the downtime
#   scripts/upgrade.sh [--db NAME] [--fight-wait SECS]
# Env as scripts/snapshot.sh (WK_URL, WK_DB, WK_RULESET, WK_CLI_CONFIG, WK_ADMIN_TOKEN).
set -euo pipefail
source "$(dirname "$0")/common.sh"

fight_wait=60
while [[ $# -gt 0 ]]; do
    case "$1" in
    --db) WK_DB="${2:?--db needs a name}"; shift 2 ;;
    --fight-wait) fight_wait="${2:?--fight-wait needs seconds}"; shift 2 ;;
    *) die "unknown option $1 (use --db NAME, --fight-wait SECS)" ;;
    esac
done
[[ "$fight_wait" =~ ^[0-9]+$ ]] || die "--fight-wait takes seconds, got '$fight_wait'"
export WK_DB WK_URL
stdb() { if [[ -n "${WK_CLI_CONFIG:-}" ]]; then spacetime --config-path "$WK_CLI_CONFIG" "$@"; else spacetime "$@"; fi; }
TOKEN="${WK_ADMIN_TOKEN:-$(stdb login show --token 2>/dev/null | grep -Eo 'eyJ[A-Za-z0-9._-]+' | head -n 1)}"
export WK_ADMIN_TOKEN="$TOKEN"
sql() { curl -sf -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/plain' --data "$1" "$WK_URL/v1/database/$WK_DB/sql"; }
call() { curl -sf -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data "$2" "$WK_URL/v1/database/$WK_DB/call/$1" >/dev/null; }
running_fights() { sql "SELECT id, status FROM combat_instance" | python3 -c '
import json, sys
rows = json.load(sys.stdin)[0]["rows"]
print(sum(1 for r in rows if (r[1][0] if isinstance(r[1], list) else next(iter(r[1]))) in (0, "Active")))'; }
combat_on() { sql "SELECT enabled FROM feature_gate WHERE feature = 'combat'" | python3 -c '
import json, sys
rows = json.load(sys.stdin)[0]["rows"]
print("true" if not rows or rows[0][0] else "false")'; }

build_wasm "${WK_RULESET:-dnd5e}"
cargo build -q --release -p wk-snapshot
mkdir -p "$WK_HOME/backups"
snap="$WK_HOME/backups/upgrade-$WK_DB-$(date -u +%Y%m%dT%H%M%SZ).json"

was_on="$(combat_on)"
if [[ "$was_on" == true ]]; then call admin_set_feature_enabled '["combat", false]' || die "could not close the combat gate (an admin token?)"; fi
for _ in $(seq 1 "$fight_wait"); do [[ "$(running_fights)" == 0 ]] && break; sleep 1; done
left="$(running_fights)"
[[ "$left" == 0 ]] || say "warning: $left fight(s) still running after ${fight_wait}s: left out of the snapshot"

"$ROOT/scripts/snapshot.sh" export --db "$WK_DB" "$snap"
down_start=$(date +%s.%N)
say "publishing the new module with --clear: the world is down"
stdb publish -s "$WK_URL" -b "$WASM" -c -y "$WK_DB" >/dev/null
"$ROOT/scripts/snapshot.sh" import --db "$WK_DB" "$snap"
if [[ "$was_on" == true ]]; then call admin_set_feature_enabled '["combat", true]'; fi
down=$(python3 -c "import time; print(f'{time.time() - $down_start:.2f}')")
say "the world is up again: downtime ${down} s (publish + import)"
"$ROOT/scripts/snapshot.sh" verify --db "$WK_DB" "$snap"
echo "downtime_seconds=$down"
