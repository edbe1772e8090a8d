#!/usr/bin/env bash
# The reliability suite's long versions; scripts/test.sh runs the short ones on every CI run.
#   scripts/soak.sh [--minutes M] [--agents N] [--pause-ms MS] [--load-players P] [--load-rate R]
#                   [--share S] [--kills K] [--fuzz-calls C] [--ruleset dnd5e|lite]
# defaults: 10 goal-driven agents (pause 250 ms) and enough load players at 10 calls/s each to
# offer 1.25 x the share (P = ceil(1.25 x S x capacity / R)) for 10 minutes, judged against 50 % of
# the capacity, 10 SIGKILLs under load, 100,000 fuzz calls, dnd5e.
# Load players (agents/src/load.rs) are players acting at a fixed pace with narrow subscriptions;
# each stays below the module's per-identity rate limit (20 calls/s), and E_RATE_LIMITED counts as
# an unexpected error. The agents subscribe to the whole world (every row change reaches each of
# them), which is why there are few of them: fifty made 25-36 calls/s on this machine.
# Capacity: the median calls/s of the game reducers (admin_apply_buff first and re-application,
# equip/unequip, pick_up, combat turn) in target/bench/results.json from scripts/bench.sh on this
# machine; without that file, 1500 calls/s (that median in docs/performance.md of 2026-12-07).
# A fresh server on a free 127.0.0.1 port with a temp data dir (stopped on exit), then, each on a
# fresh database: the authorization matrix, the fuzzer, the sustained load, the crash loop.
# Last line: "N passed, N failed". Non-zero exit on any failure. Takes about M + 10 minutes.
# WK_SOAK_PORT picks the port (default: a free one).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

minutes=10; agents=10; pause_ms=250; share=0.5; kills=10; fuzz_calls=100000; ruleset=dnd5e
load_players=auto; load_rate=10
DEFAULT_CAPACITY=1500
while [[ $# -gt 0 ]]; do
    case "$1" in
        --minutes) minutes="$2"; shift 2 ;;
        --agents) agents="$2"; shift 2 ;;
        --pause-ms) pause_ms="$2"; shift 2 ;;
        --load-players) load_players="$2"; shift 2 ;;
        --load-rate) load_rate="$2"; shift 2 ;;
        --share) share="$2"; shift 2 ;;
        --kills) kills="$2"; shift 2 ;;
        --fuzz-calls) fuzz_calls="$2"; shift 2 ;;
        --ruleset) ruleset="$2"; shift 2 ;;
        -h|--help) sed -n 2,20p "$0"; exit 0 ;;
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

# "capacity source" from the bench's results, else the documented default.
read -r capacity capacity_source < <(python3 - "$CARGO_TARGET_DIR/bench/results.json" "$DEFAULT_CAPACITY" <<'PY'
import json, statistics, sys
try:
    res = json.load(open(sys.argv[1]))
    if not res.get("full_run"):
        raise ValueError("not a full bench run (quick, scale-only or a prebuilt module)")
    live = res["live"]
    rates = [live[k + ".rate"] for k in ("admin_apply_buff_new", "admin_apply_buff", "equip_unequip", "pick_up", "combat_turn_mix")
             if isinstance(live.get(k + ".rate"), (int, float))]
    if not rates:
        raise ValueError("no game reducer rates")
    print(f"{statistics.median(rates):.0f} median-of-{len(rates)}-game-reducers-in-target/bench/results.json")
except Exception:
    print(f"{sys.argv[2]} default-(no-bench-results-on-this-machine)")
PY
)
say "capacity: $capacity calls/s ($capacity_source); the load must reach $share of it"
if [[ "$load_players" == auto ]]; then
    load_players="$(python3 -c "import math; print(math.ceil(1.25 * $share * $capacity / $load_rate))")"
fi
say "load: $agents agents (pause $pause_ms ms) and $load_players load players at $load_rate calls/s each"

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

# Every PASS/FAIL line and figure is recorded and becomes docs/soak-results.md.
export WK_REL_RECORD="$TMP/reliability-record.jsonl"
say "authorization matrix and $fuzz_calls fuzz calls ($ruleset)"
run_counted authz --db "$fdb" --admin-token "$TOKEN" authz
run_counted fuzz --db "$fdb" --admin-token "$TOKEN" fuzz --calls "$fuzz_calls" --seconds $((fuzz_calls / 20 + 60))
say "sustained load: $agents agents (pause $pause_ms ms) and $load_players load players for $minutes minutes"
run_counted load --db "$ldb" --admin-token "$TOKEN" load --agents "$agents" --duration $((minutes * 60)) \
    --agents-bin "$CARGO_TARGET_DIR/release/wk-agents" --pid-file "$TMP/server.pid" --pause-ms "$pause_ms" \
    --load-players "$load_players" --load-rate "$load_rate" \
    --capacity "$capacity" --capacity-source "${capacity_source//-/ }" --share "$share"
say "crash and restart: $kills SIGKILLs under load"
run_counted crash --db "$cdb" --admin-token "$TOKEN" crash --kills "$kills" --agents 10 \
    --restart-script "$TMP/restart.sh" --pid-file "$TMP/server.pid" --agents-bin "$CARGO_TARGET_DIR/release/wk-agents"

python3 "$ROOT/scripts/reliability.py" page --record "$WK_REL_RECORD" --out "$ROOT/docs/soak-results.md" \
    --title "Soak results (long versions)" \
    --run "Ran by scripts/soak.sh: ruleset $ruleset, $agents agents (pause $pause_ms ms) and $load_players load players at $load_rate calls/s each for $minutes min against a capacity of $capacity calls/s (${capacity_source//-/ }), $kills SIGKILLs, $fuzz_calls fuzz calls." \
    || say "could not write docs/soak-results.md"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
