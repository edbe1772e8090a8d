#!/usr/bin/env bash
# Measures an upgrade's downtime for a large world (not part of scripts/test.sh; ~5-10 min): on its
# own server (free port, temp data dir, stopped on exit) it seeds CHARACTERS AI characters with
# ITEMS run-stash items each (admin_seed_scale, 2,000 characters per call), then runs
# scripts/upgrade.sh and prints one markdown table row for docs/operations.md.
#   scripts/snapshot-scale.sh [CHARACTERS] [ITEMS_PER_CHARACTER]   (default 10000 10: 100k items)
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"
chars="${1:-10000}"; per="${2:-10}"
[[ "$chars" =~ ^[0-9]+$ && "$per" =~ ^[0-9]+$ && "$per" -le 20 ]] || die "usage: $0 [CHARACTERS] [ITEMS_PER_CHARACTER (<= 20)]"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/wk-snapscale.XXXXXX")"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
export WK_URL="http://127.0.0.1:$PORT" WK_HOME="$TMP/home" WK_CLI_CONFIG="$TMP/cli.toml" WK_DB="wk-scale"
PID=""
trap 'if [[ -n "$PID" ]]; then kill "$PID" 2>/dev/null || true; sleep 1; kill -9 "$PID" 2>/dev/null || true; fi; rm -rf "$TMP"' EXIT
mkdir -p "$WK_HOME"
spacetimedb-standalone start --data-dir "$TMP/data" --jwt-key-dir "$TMP/keys" --listen-addr "127.0.0.1:$PORT" >"$TMP/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 120); do curl -sf "$WK_URL/v1/ping" >/dev/null 2>&1 && break; sleep 0.5; done
build_wasm dnd5e
cargo build -q --release -p wk-snapshot
spacetime --config-path "$WK_CLI_CONFIG" publish -s "$WK_URL" -b "$WASM" -y "$WK_DB" >/dev/null
TOKEN="$(spacetime --config-path "$WK_CLI_CONFIG" login show --token 2>/dev/null | grep -Eo 'eyJ[A-Za-z0-9._-]+' | head -n 1)"
export WK_ADMIN_TOKEN="$TOKEN"
say "seeding $chars characters with $per items each"
left=$chars
while (( left > 0 )); do
    n=$(( left > 2000 ? 2000 : left ))
    curl -sf -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        --data "[$n, $per, 0]" "$WK_URL/v1/database/$WK_DB/call/admin_seed_scale" >/dev/null || die "admin_seed_scale failed"
    left=$(( left - n ))
done
scripts/upgrade.sh --fight-wait 5 | tee "$TMP/upgrade.log"
down="$(grep -Eo '^downtime_seconds=[0-9.]+' "$TMP/upgrade.log" | cut -d= -f2)"
items="$(grep -Eo 'item_instance: [0-9]+ rows in the snapshot' "$TMP/upgrade.log" | grep -Eo '[0-9]+' | head -n 1)"
size="$(du -h "$WK_HOME"/backups/upgrade-*.json | cut -f1)"
ok=$(grep -c '^FAIL' "$TMP/upgrade.log" || true)
echo "| $(date -u +%Y-%m-%d) | $(git rev-parse --short=12 HEAD) | $chars | $items | $size | ${down} s | $([[ $ok == 0 ]] && echo verified || echo "$ok checks FAILED") |"
