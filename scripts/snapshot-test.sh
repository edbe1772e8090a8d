#!/usr/bin/env bash
# The snapshot, upgrade and restore drill (run by scripts/test.sh; about 2 minutes). On its own
# server (a free port, a temp data dir, stopped on exit):
#   1. a fresh world imports the committed version-1 fixture (snapshots/fixtures/v1-world.json)
#      through the 1 -> 2 migration, and the fixture's player state is there exactly;
#   2. agents play on it (wk-agents, 3 agents, 20 s) and an admin adds more state: 30 seeded
#      characters with run-stash items and ground items, master-stash items and currency, a
#      timed buff, a permanent one and one that ends during the upgrade;
#   3. scripts/upgrade.sh: export, publish --clear, import, verify (counts, exact player state,
#      checksum, invariants); the short buff expired right after the import, the others kept
#      their end time; the downtime is printed;
#   4. scripts/snapshot.sh backup three times with --keep 2: two files stay;
#   5. the server is stopped, its data dir deleted, and scripts/snapshot.sh restore rebuilds the
#      world from the newest backup, verified the same way;
#   6. a snapshot with a bad row (an unknown item definition) is refused with its code and the
#      batch leaves nothing behind; a non-admin cannot begin an import.
# Prints PASS/FAIL lines; exit status non-zero on any FAIL.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/wk-snap.XXXXXX")"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
export WK_URL="http://127.0.0.1:$PORT" WK_HOME="$TMP/home" WK_CLI_CONFIG="$TMP/cli.toml" WK_DB="wk-snap"
mkdir -p "$WK_HOME"
fails=0
pass() { echo "PASS $1${2:+ ($2)}"; }
fail() { echo "FAIL $1${2:+ ($2)}"; fails=$((fails + 1)); }
start_server() {
    spacetimedb-standalone start --data-dir "$TMP/data" --jwt-key-dir "$TMP/keys" \
        --listen-addr "127.0.0.1:$PORT" >>"$TMP/server.log" 2>&1 &
    echo $! >"$TMP/server.pid"
    for _ in $(seq 1 120); do curl -sf "$WK_URL/v1/ping" >/dev/null 2>&1 && return 0; sleep 0.5; done
    die "server did not start (log: $TMP/server.log)"
}
stop_server() {
    local pid; pid="$(cat "$TMP/server.pid" 2>/dev/null || true)"
    [[ -n "$pid" ]] || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$TMP/server.pid"
}
cleanup() { stop_server; rm -rf "$TMP"; }
trap cleanup EXIT
stdb() { spacetime --config-path "$WK_CLI_CONFIG" "$@"; }
sql() { curl -sf -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/plain' --data "$1" "$WK_URL/v1/database/$WK_DB/sql"; }
# call REDUCER JSON_ARGS [TOKEN]: prints the module's error body on failure.
call() {
    local code
    code=$(curl -s -o "$TMP/call.out" -w '%{http_code}' -X POST -H "Authorization: Bearer ${3:-$TOKEN}" \
        -H 'Content-Type: application/json' --data "$2" "$WK_URL/v1/database/$WK_DB/call/$1")
    [[ "$code" == 200 ]] || { cat "$TMP/call.out"; echo; return 1; }
}
count() { sql "SELECT * FROM $1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["rows"]))'; }

build_wasm dnd5e
cargo build -q --release -p wk-snapshot -p wk-agents
start_server
stdb publish -s "$WK_URL" -b "$WASM" -y "$WK_DB" >/dev/null
TOKEN="$(stdb login show --token 2>/dev/null | grep -Eo 'eyJ[A-Za-z0-9._-]+' | head -n 1)"
export WK_ADMIN_TOKEN="$TOKEN"

# 1. the version-1 fixture, migrated.
fixture="$ROOT/snapshots/fixtures/v1-world.json"
if scripts/snapshot.sh import "$fixture" >"$TMP/fixture.log" 2>&1 && grep -q "migrated the snapshot from schema version 1" "$TMP/fixture.log"; then
    pass snapshot_fixture_v1_import "$(tail -n 1 "$TMP/fixture.log")"
else
    fail snapshot_fixture_v1_import "$(tail -n 3 "$TMP/fixture.log" | tr '\n' ' ')"
fi
"$CARGO_TARGET_DIR/release/wk-snapshot" verify "$fixture" >"$TMP/fixture-verify.log" 2>&1 \
    && pass snapshot_fixture_v1_state "$(grep -c '^PASS' "$TMP/fixture-verify.log") checks" \
    || fail snapshot_fixture_v1_state "$(grep '^FAIL' "$TMP/fixture-verify.log" | head -n 3 | tr '\n' ' ')"

# 2. play, then more state through admin reducers.
"$CARGO_TARGET_DIR/release/wk-agents" --agents 3 --duration 20 --url "$WK_URL" --db "$WK_DB" >"$TMP/agents.log" 2>&1 || true
call admin_seed_scale '[30, 3, 20]' || fail snapshot_setup "admin_seed_scale"
ids=$(sql "SELECT id FROM character" | python3 -c 'import json,sys; print(" ".join(str(r[0]) for r in json.load(sys.stdin)[0]["rows"]))')
set -- $ids
c1="$1"; c2="${2:-$1}"; c3="${3:-$1}"
call admin_apply_buff "[$c1, \"aid\", 0, {\"some\": 3600}]" || fail snapshot_setup "admin_apply_buff aid"
call admin_apply_buff "[$c2, \"hidden\", 0, {\"none\": []}]" || fail snapshot_setup "admin_apply_buff hidden"
call admin_grant_currency "[$c1, 1234]" || fail snapshot_setup "admin_grant_currency"
# The seeded characters are on a run: extract one, so its items and currency reach the master stash.
call extract "[$c3]" >/dev/null 2>&1 || true
call admin_apply_buff "[$c3, \"bless\", 0, {\"some\": 2}]" || fail snapshot_setup "admin_apply_buff bless (2 s)"
short_id=$(sql "SELECT id FROM active_buff WHERE target_id = $c3" | python3 -c 'import json,sys; r=json.load(sys.stdin)[0]["rows"]; print(r[-1][0] if r else 0)')
for t in character item_instance master_stash active_buff character_perk; do echo "$t=$(count $t)"; done >"$TMP/before.txt"

# 3. upgrade (same module: the schema change path is the same publish --clear + import).
if scripts/upgrade.sh --fight-wait 30 >"$TMP/upgrade.log" 2>&1; then
    pass snapshot_upgrade "$(grep -Eo 'downtime [0-9.]+ s' "$TMP/upgrade.log" | head -n 1); $(tr '\n' ' ' <"$TMP/before.txt")"
else
    fail snapshot_upgrade "$(grep -E '^FAIL|error' "$TMP/upgrade.log" | head -n 5 | tr '\n' ' ')"
fi
grep -E '^(PASS|FAIL) ' "$TMP/upgrade.log" | sed 's/^\(PASS\|FAIL\) /\1 upgrade_/' || true
fails=$((fails + $(grep -Ec '^FAIL ' "$TMP/upgrade.log" || true)))
sleep 1
left=$(sql "SELECT id FROM active_buff WHERE id = $short_id" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["rows"]))')
expired=$(sql "SELECT id, detail FROM world_event" | python3 -c "import json,sys; print(sum(1 for r in json.load(sys.stdin)[0]['rows'] if 'instance=$short_id;' in r[1]))")
[[ "$short_id" != 0 && "$left" == 0 && "$expired" -ge 2 ]] \
    && pass snapshot_overdue_buff_expired "buff $short_id ended during the upgrade and expired right after the import" \
    || fail snapshot_overdue_buff_expired "buff $short_id: $left rows left, $expired events"

# 4. backups with rotation.
for _ in 1 2 3; do scripts/snapshot.sh backup --keep 2 >>"$TMP/backup.log" 2>&1 || fail snapshot_backup "$(tail -n 2 "$TMP/backup.log")"; sleep 1.1; done
n=$(ls -1 "$WK_HOME/backups/$WK_DB"-*.json 2>/dev/null | wc -l)
[[ "$n" == 2 ]] && pass snapshot_backup_rotation "3 backups, --keep 2: $n files" || fail snapshot_backup_rotation "$n files"
last="$(ls -1t "$WK_HOME/backups/$WK_DB"-*.json | head -n 1)"

# 5. the restore drill: the data dir is lost.
stop_server
rm -rf "$TMP/data"
start_server
if scripts/snapshot.sh restore "$last" >"$TMP/restore.log" 2>&1; then
    pass snapshot_restore "$(grep -Eo 'restored .* in [0-9.]+ s' "$TMP/restore.log" | sed 's#.*/##')"
else
    fail snapshot_restore "$(grep -E '^FAIL|error' "$TMP/restore.log" | head -n 5 | tr '\n' ' ')"
fi
grep -E '^(PASS|FAIL) ' "$TMP/restore.log" | sed 's/^\(PASS\|FAIL\) /\1 restore_/' || true
fails=$((fails + $(grep -Ec '^FAIL ' "$TMP/restore.log" || true)))

# 6. refusals: a bad row fails its batch with the code; a non-admin cannot import.
WK_DB="wk-snap-bad"
stdb publish -s "$WK_URL" -b "$WASM" -y "$WK_DB" >/dev/null
python3 - "$last" "$TMP/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["tables"]["item_instance"]
t["rows"][-1][t["columns"].index("def_id")] = "no_such_item"
json.dump(d, open(sys.argv[2], "w"))
PY
if "$CARGO_TARGET_DIR/release/wk-snapshot" import "$TMP/bad.json" >"$TMP/bad.log" 2>&1; then
    fail snapshot_bad_row_refused "the import succeeded"
else
    items=$(count item_instance)
    grep -q "E_UNKNOWN_ITEM_DEF" "$TMP/bad.log" && grep -q "row " "$TMP/bad.log" \
        && pass snapshot_bad_row_refused "E_UNKNOWN_ITEM_DEF named the row; $items items written before the bad batch, none of it" \
        || fail snapshot_bad_row_refused "$(tail -n 2 "$TMP/bad.log" | tr '\n' ' ')"
fi
anon="$(curl -sf -X POST "$WK_URL/v1/identity" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
out="$(call admin_snapshot_begin '["x@1", 2, "dnd5e"]' "$anon" || true)"
[[ "$out" == E_NOT_ADMIN* ]] && pass snapshot_begin_admin_only "$out" || fail snapshot_begin_admin_only "got: $out"

echo "snapshot drill: $fails failed"
[[ $fails -eq 0 ]]
