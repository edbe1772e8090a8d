# Shared settings for the scripts (sourced, not run).
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
WK_HOME="${WK_HOME:-$ROOT/.wk}"              # git-ignored: server data, pid file, logs
WK_PORT="${WK_PORT:-3000}"
WK_DB="${WK_DB:-world-kernel}"
WK_URL="${WK_URL:-http://127.0.0.1:$WK_PORT}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
WASM="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/world_kernel.wasm"

say() { echo "[$(basename "$0" .sh)] $*"; }
die() { echo "[$(basename "$0" .sh)] error: $*" >&2; exit 1; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Build the module for wasm. $1: ruleset (dnd5e|lite), default dnd5e.
build_wasm() {
    local ruleset="${1:-dnd5e}"
    local feats=()
    if [[ "$ruleset" != "dnd5e" ]]; then
        feats=(--no-default-features --features "$ruleset,all-systems")
    fi
    say "building the module for wasm (ruleset $ruleset)"
    cargo build -q -p world-kernel --target wasm32-unknown-unknown --release "${feats[@]}"
}

# Write $TMP/restart.sh for a throwaway server on 127.0.0.1:$PORT with its data in $TMP (needs TMP,
# PORT and URL set). `restart.sh [down_secs]` stops the server (if it still runs), waits, starts it
# again on the same data dir and port, records the new pid in $TMP/server.pid (the callers'
# cleanup traps read it) and waits for /v1/ping.
write_restart_script() {
    cat >"$TMP/restart.sh" <<RESTART
#!/usr/bin/env bash
set -euo pipefail
pid="\$(cat '$TMP/server.pid')"
kill "\$pid" 2>/dev/null || true
for _ in \$(seq 1 40); do kill -0 "\$pid" 2>/dev/null || break; sleep 0.25; done
kill -9 "\$pid" 2>/dev/null || true
sleep "\${1:-0}"
nohup spacetimedb-standalone start --data-dir '$TMP/data' --jwt-key-dir '$TMP/keys' \\
    --listen-addr '127.0.0.1:$PORT' >>'$TMP/server.log' 2>&1 </dev/null &
echo "\$!" >'$TMP/server.pid'
for _ in \$(seq 1 120); do curl -sf '$URL/v1/ping' >/dev/null 2>&1 && exit 0; sleep 0.5; done
echo "restarted server did not answer $URL/v1/ping" >&2
exit 1
RESTART
    chmod +x "$TMP/restart.sh"
}

# Run one scripts/reliability.py command against $URL; its PASS/FAIL lines are added to the
# caller's `passed` / `failed` counters (a non-zero exit without a FAIL line counts as one).
run_counted() {
    local log="$TMP/rel-$1.log"; shift
    set +e
    python3 "$ROOT/scripts/reliability.py" --url "$URL" --server-log "$TMP/server.log" "$@" 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    set -e
    local p f
    p=$(grep -Ec '^PASS ' "$log" || true)
    f=$(grep -Ec '^FAIL ' "$log" || true)
    if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; say "reliability.py $* exited with $rc"; fi
    passed=$((passed + p)); failed=$((failed + f))
}
