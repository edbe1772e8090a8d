#!/usr/bin/env bash
# Where a reducer's time goes: builds the module with the `timing` cargo feature (reducer and phase
# spans, module/src/timing.rs), runs wk-bench's throughput phases against a fresh server on a free
# port (temp data dir, stopped on exit), then prints every span's count, p50 and mean from the
# module log. The spans' own log lines slow the module down: compare spans within one run, and
# take throughput figures from scripts/bench.sh (built without the feature), never from here.
#   scripts/profile.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/wk-profile.XXXXXX")"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 40); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
stdb() { spacetime --config-path "$TMP/cli.toml" "$@"; }

say "building the module with the timing feature"
cargo build -q -p world-kernel --target wasm32-unknown-unknown --release --features timing
cp "$WASM" "$TMP/timing.wasm"
say "building wk-bench (release)"
cargo build -q --release -p wk-bench
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
URL="http://127.0.0.1:$PORT"
spacetimedb-standalone start --data-dir "$TMP/data" --jwt-key-dir "$TMP/keys" --listen-addr "127.0.0.1:$PORT" \
    >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do curl -sf "$URL/v1/ping" >/dev/null 2>&1 && break; sleep 0.5; done
stdb publish -s "$URL" -b "$TMP/timing.wasm" -y prof >"$TMP/publish.log" 2>&1 || { cat "$TMP/publish.log"; die "publish failed"; }
say "wk-bench throughput phases against $URL (module with spans)"
WK_URL="$URL" WK_DB=prof WK_BENCH_OUT="$TMP/live.json" WK_BENCH_THROUGHPUT_ONLY=1 \
    WK_ADMIN_TOKEN="$(stdb login show --token 2>/dev/null | grep -Eo 'eyJ[A-Za-z0-9._-]+' | head -n 1)" \
    "$CARGO_TARGET_DIR/release/wk-bench"
stdb logs -s "$URL" prof -n 1000000 >"$TMP/logs.txt" 2>&1 || true
python3 - "$TMP/logs.txt" <<'PY'
import collections, re, sys
unit = {"ns": 1e-3, "µs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}
spans = collections.defaultdict(list)
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r'Timing span "([^"]+)": ([0-9.]+)(ns|µs|us|ms|s)\b', line)
    if m:
        spans[m.group(1)].append(float(m.group(2)) * unit[m.group(3)])
print(f"{'span':30s} {'n':>7s} {'p50 µs':>9s} {'mean µs':>9s}")
for k in sorted(spans):
    v = sorted(spans[k])
    print(f"{k:30s} {len(v):7d} {v[len(v) // 2]:9.1f} {sum(v) / len(v):9.1f}")
PY
say "the module in $WASM has the timing feature: the next build without it (scripts/test.sh, bench.sh) replaces it"
