#!/usr/bin/env bash
# The reliability suite's long versions; scripts/test.sh runs the short ones on every CI run.
#   scripts/soak.sh [--minutes M] [--agents N] [--kills K] [--fuzz-calls C] [--ruleset dnd5e|lite]
# defaults: 50 agents for 10 minutes, 10 SIGKILLs under load, 100,000 fuzz calls, dnd5e.
# A fresh server on a free 127.0.0.1 port with a temp data dir (stopped on exit), then, each on a
# fresh database: the authorization matrix, the fuzzer, the sustained load, the crash loop.
# Last line: "N passed, N failed". Non-zero exit on any failure. Takes about M + 10 minutes.
# WK_SOAK_PORT picks the port (default: a free one).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

minutes=10; agents=50; kills=10; fuzz_calls=100000; ruleset=dnd5e
while [[ $# -gt 0 ]]; do
    case "$1" in
        --minutes) minutes="$2"; shift 2 ;;
        --agents) agents="$2"; shift 2 ;;
        --kills) kills="$2"; shift 2 ;;
        --fuzz-calls) fuzz_calls="$2"; shift 2 ;;
        --ruleset) ruleset="$2"; shift 2 ;;
        -h|--help) sed -n 2,8p "$0"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done

TMP="$(mktemp -d "${TMPDIR:-/tmp}/wk-soak.XXXXXX")"
cleanup() {
    local pid
    if [[ -f "$TMP/server.pid" ]]; then
        pid="$(cat "$TMP/server.pid")"
        if kill -0 "$pid" 2>/dev/null; then
            say "stopping soak server (pid $pid)"
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
            kill -9 "$pid" 2>/dev/null || true
        fi
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
stdb() { spacetime --config-path "$TMP/cli.toml" "$@"; }

build_wasm "$ruleset"
say "building wk-agents"
cargo build -q -p wk-agents --release

PORT="${WK_SOAK_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')}"
URL="http://127.0.0.1:$PORT"
start_server() {
    nohup spacetimedb-standalone start --data-dir "$TMP/data" --jwt-key-dir "$TMP/keys" \
        --listen-addr "127.0.0.1:$PORT" >>"$TMP/server.log" 2>&1 </dev/null &
    echo "$!" >"$TMP/server.pid"
}
say "starting a fresh server on $URL (data: $TMP/data)"
start_server
for _ in $(seq 1 120); do curl -sf "$URL/v1/ping" >/dev/null 2>&1 && break; sleep 0.5; done
curl -sf "$URL/v1/ping" >/dev/null || { tail -n 30 "$TMP/server.log"; die "soak server did not start"; }
# restart.sh: stop (if still running), start again on the same data dir and port, wait for ping.
write_restart_script

passed=0
failed=0

fdb="wk-soak-fuzz-$$"; ldb="wk-soak-load-$$"; cdb="wk-soak-crash-$$"
for d in "$fdb" "$ldb" "$cdb"; do
    stdb publish -s "$URL" -b "$WASM" -y "$d" >"$TMP/publish.log" 2>&1 || { cat "$TMP/publish.log"; die "publish failed ($d)"; }
done
TOKEN="$(stdb login show --token 2>/dev/null | grep -Eo 'eyJ[A-Za-z0-9._-]+' | head -n 1)"

say "authorization matrix and $fuzz_calls fuzz calls ($ruleset)"
run_counted authz --db "$fdb" --admin-token "$TOKEN" authz
run_counted fuzz --db "$fdb" --admin-token "$TOKEN" fuzz --calls "$fuzz_calls" --seconds $((fuzz_calls / 20 + 60))
say "sustained load: $agents agents for $minutes minutes"
run_counted load --db "$ldb" --admin-token "$TOKEN" load --agents "$agents" --duration $((minutes * 60)) \
    --agents-bin "$CARGO_TARGET_DIR/release/wk-agents" --pid-file "$TMP/server.pid"
say "crash and restart: $kills SIGKILLs under load"
run_counted crash --db "$cdb" --admin-token "$TOKEN" crash --kills "$kills" --agents 10 \
    --restart-script "$TMP/restart.sh" --pid-file "$TMP/server.pid" --agents-bin "$CARGO_TARGET_DIR/release/wk-agents"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
