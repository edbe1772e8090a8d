#!/usr/bin/env bash
# Benchmarks. Not part of scripts/test.sh. Bounded: about 10 minutes after the builds (the scale phase seeds 1M items).
#   1. native criterion benches of the pure core (module/benches/core.rs), short measurement
#   2. release wasm + the wk-bench load client; a fresh server on a free port with a temp data dir
#      (stopped on exit), the module published (dnd5e)
#   3. wk-bench: ping baseline, the floor reducer (admin_set_config), game reducers judged as ratios to the
#      floor (÷ ping beside), the 8v8 instant fight, the scheduler
#   4. reducer time of admin_skirmish from the server's `Timing span` log lines
# Writes target/bench/results.md and results.json and prints the table with targets and pass/miss.
# WK_BENCH_QUICK=1: small counts (smoke run; numbers not meaningful). WK_BENCH_SKIP_NATIVE=1: keep
# the last native results (live part only). WK_BENCH_SCALE_ONLY=1: the scale phase only (the other
# phases at quick sizes; docs/performance.md not written). WK_SCALE=chars,items_per_char,ground.
# WK_BENCH_PORT: the server's port (default a free one). WK_BENCH_WASM: publish this prebuilt wasm
# (A/B comparisons; docs/performance.md not written).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"
OUT="$CARGO_TARGET_DIR/bench"
mkdir -p "$OUT"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/wk-bench.XXXXXX")"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        say "stopping bench server (pid $SERVER_PID)"
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 40); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
stdb() { spacetime --config-path "$TMP/cli.toml" "$@"; }

if [[ "${WK_BENCH_SKIP_NATIVE:-0}" == 1 && -f "$OUT/native.txt" ]]; then
    say "native benches skipped (WK_BENCH_SKIP_NATIVE=1): reusing $OUT/native.txt"
else
    say "native benches (criterion; warm-up 1 s, measurement 3 s each)"
    cargo bench -q -p world-kernel --bench core -- --warm-up-time 1 --measurement-time 3 2>&1 | tee "$OUT/native.txt"
fi

if [[ -n "${WK_BENCH_WASM:-}" ]]; then
    WASM="$WK_BENCH_WASM"   # A/B runs: publish this prebuilt module instead (same reducers and columns)
    say "publishing the prebuilt module $WASM (WK_BENCH_WASM)"
else
    build_wasm dnd5e
fi
say "building wk-bench (release)"
cargo build -q --release -p wk-bench

PORT="${WK_BENCH_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')}"
URL="http://127.0.0.1:$PORT"
say "starting a fresh server on $URL (data: $TMP/data)"
spacetimedb-standalone start --data-dir "$TMP/data" --jwt-key-dir "$TMP/keys" \
    --listen-addr "127.0.0.1:$PORT" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do curl -sf "$URL/v1/ping" >/dev/null 2>&1 && break; sleep 0.5; done
curl -sf "$URL/v1/ping" >/dev/null || { tail -n 30 "$TMP/server.log"; die "bench server did not start"; }
db="wk-bench-$$"
say "publishing $db"
stdb publish -s "$URL" -b "$WASM" -y "$db" >"$TMP/publish.log" 2>&1 || { cat "$TMP/publish.log"; die "publish failed"; }

say "wk-bench against $db"
set +e
WK_URL="$URL" WK_DB="$db" WK_BENCH_OUT="$OUT/live.json" \
    WK_ADMIN_TOKEN="$(stdb login show --token 2>/dev/null | grep -Eo 'eyJ[A-Za-z0-9._-]+' | head -n 1)" \
    timeout 1800 "$CARGO_TARGET_DIR/release/wk-bench" 2>&1 | tee "$OUT/live.txt"
live_rc=${PIPESTATUS[0]}
set -e
[[ $live_rc -eq 0 ]] || say "wk-bench exited with $live_rc (partial results kept)"

# The server's own per-reducer counters (whole run): wasm fuel (instructions: deterministic), the
# reducer transaction's and the subscription update's CPU time.
curl -sf "$URL/v1/metrics" >"$OUT/metrics.txt" 2>/dev/null || : >"$OUT/metrics.txt"
stdb logs -s "$URL" "$db" -n 100000 >"$OUT/server-logs.txt" 2>&1 || stdb logs -s "$URL" "$db" >"$OUT/server-logs.txt" 2>&1 || true

ROOT="$ROOT" python3 - "$OUT" <<'PY'
import json, re, sys, datetime, platform, os
out = sys.argv[1]
def unit(v, u):
    return float(v) * {"ns": 1e-3, "µs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}[u]
native = {}
name = None
for line in open(os.path.join(out, "native.txt"), encoding="utf-8", errors="replace"):
    m = re.match(r"^(\S+)\s+time:\s+\[(\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\]", line)
    if m:
        native[m.group(1)] = unit(m.group(4), m.group(5)); continue
    m = re.match(r"^(\S+)\s*$", line)
    if m and not line.startswith(("Benchmarking", "Found", "Gnuplot")):
        name = m.group(1)
    m = re.match(r"^\s+time:\s+\[(\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\]", line)
    if m and name:
        native[name] = unit(m.group(3), m.group(4))
try:
    live = json.load(open(os.path.join(out, "live.json")))
except Exception as e:
    live = {"error": f"no live results: {e}"}
spans, eff_spans = [], []
for line in open(os.path.join(out, "server-logs.txt"), encoding="utf-8", errors="replace"):
    m = re.search(r'Timing span "(admin_skirmish|admin_bench_effective_stats)": ([0-9.]+)(ns|µs|us|ms|s)\b', line)
    if m:
        (spans if m.group(1) == "admin_skirmish" else eff_spans).append(unit(m.group(2), m.group(3)))
spans.sort()
# effective stats in wasm: each call resolves the native bench's fixture `effstats.iterations` times
eff_iter = live.get("effstats.iterations") if isinstance(live, dict) else None
eff_wasm = sorted(v / eff_iter for v in eff_spans) if eff_iter else []
def pct(v, p):
    return v[min(len(v) - 1, round(p / 100 * (len(v) - 1)))] if v else None
rows = []  # (metric, value text, target text, pass?)
budget = []  # (phase, measured ratio, ratio the server times predict, s µs, s_floor µs, c µs, s for 0.7 µs, body µs, floor body µs)
def row(metric, value, fmt, target, ok):
    rows.append((metric, fmt.format(value) if value is not None else "n/a", target,
                 "n/a" if value is None else ("" if ok is None else ("pass" if ok(value) else "MISS"))))
g = live.get
row("ping (baseline) calls/s", g("ping.rate"), "{:.0f}", "—", None)
row("floor: admin_set_config calls/s (÷ ping): 2 reads, 1 row update, 1 event, the least a reducer that writes does", g("floor_set_config.ratio"),
    "{:.2f}" + (f" ({g('floor_set_config.rate'):.0f}/s)" if g("floor_set_config.rate") else ""), "—", None)
for k, label in [("admin_apply_buff_new", "admin_apply_buff, first application"), ("admin_apply_buff", "admin_apply_buff, re-application"), ("equip_unequip", "equip/unequip"), ("pick_up", "pick_up"),
                 ("combat_turn_mix", "combat turn (step in if out of reach, attack, end_turn; only the combatant whose turn it is)"), ("skirmish_8v8", "InstantResolution 8v8 (admin_skirmish)")]:
    r, p, fails, fb, fs = g(f"{k}.rate"), g(f"{k}.ratio"), g(f"{k}.failed"), g(f"{k}.floor_beside_rate"), g(f"{k}.floor_ratio_start")
    fu, ff = g(f"{k}.fuel_per_call"), g(f"{k}.floor_fuel_per_call")
    su, sf = g(f"{k}.server_us_per_call"), g(f"{k}.floor_server_us_per_call")
    extra = ((f" ({r:.0f} ok/s" if r else " (") + (f" vs floor {fb:.0f}/s beside it" if fb else "") + (f"; ÷ the first floor {fs:.2f}" if fs else "")
             + (f", ÷ ping {p:.2f}" if p else "") + (f", {fails:.0f} failed" if fails else "")
             + (f"; wasm fuel {fu:,.0f} per call, {fu / ff:.1f}× the floor's {ff:,.0f}" if fu and ff else "")
             + (f"; server {su:.0f} µs per call, the floor's {sf:.0f} µs" if su and sf else "") + ")")
    if fb and su and sf:
        # One connection's calls run one after another (see docs/benchmarks.md): a call's time is a
        # fixed part c (the hand-offs between the connection's task and the module thread) plus the
        # server's time s. c from the floor beside the phase: 1/rate - s_floor.
        c = 1e6 / fb - sf
        bu, bf = g(f"{k}.body_us_per_call"), g(f"{k}.floor_body_us_per_call")
        budget.append((label, g(f"{k}.floor_ratio"), (c + sf) / (c + su), su, sf, c, (c + sf) / 0.7 - c, bu, bf))
    judged = "calls/s ÷ floor interleaved with it" if fb else "calls/s ÷ floor"
    row(f"{label}: {judged}", g(f"{k}.floor_ratio"), "{:.2f}" + extra, "≥ 0.7", lambda v: v >= 0.7)
row("8v8 instant fight: reducer time p50 (server span)", pct(spans, 50), "{:.0f} µs", "≤ 2000 µs", lambda v: v <= 2000)
row("8v8 instant fight: reducer time p99 (server span)", pct(spans, 99), "{:.0f} µs", "≤ 2000 µs", lambda v: v <= 2000)
row("8v8 round trip p50 (ping p50 {})".format(f"{g('rtt.ping.p50_us'):.0f} µs" if g("rtt.ping.p50_us") else "n/a"),
    g("rtt.skirmish.p50_us"), "{:.0f} µs", "—", None)
row("8v8 instant fight, native (criterion)", native.get("instant_fight_8v8"), "{:.0f} µs", "—", None)
if spans and native.get("instant_fight_8v8"):
    row("8v8 wasm reducer ÷ native fight (reducer also spawns 16 monsters, writes rows/events)",
        pct(spans, 50) / native["instant_fight_8v8"], "{:.1f}", "—", None)
row("effective stats, 50 modifiers, native", native.get("effective_stats_50_modifiers"), "{:.2f} µs", "≤ 2 µs", lambda v: v <= 2)
ew = eff_wasm[len(eff_wasm) // 2] if eff_wasm else None
row("effective stats, 50 modifiers, wasm (in the module, p50 of the calls)", ew, "{:.2f} µs", "—", None)
en = native.get("effective_stats_50_modifiers")
row("effective stats: wasm ÷ native", ew / en if ew and en else None, "{:.2f}", "≤ 2", lambda v: v <= 2)
row("apply_damage, native", native.get("apply_damage"), "{:.2f} µs", "—", None)
row("resolve_attack, native (random dice)", native.get("resolve_attack"), "{:.2f} µs", "—", None)
row("resolve_attack, native (scripted hit)", native.get("resolve_attack_scripted_hit"), "{:.2f} µs", "—", None)
n, e = g("sched.spread.n"), g("sched.spread.expected")
row(f"expiry lateness p50 ({n:.0f}/{e:.0f} buffs ending over 60 s)" if n else "expiry lateness p50", g("sched.spread.p50_ms"), "{:.1f} ms", "—", None)
# Lateness is judged only when every expected buff expired (a missing expiry is a MISS, not a fast one).
spread_all = bool(n) and n == e
row("expiry lateness p99" + ("" if spread_all else f" (only {n or 0:.0f} of {e or 0:.0f} expired)"), g("sched.spread.p99_ms"), "{:.1f} ms", "≤ 20 ms, every buff expired", lambda v: spread_all and v <= 20)
row("expiry lateness max", g("sched.spread.max_ms"), "{:.1f} ms", "—", None)
n, e = g("sched.burst.n"), g("sched.burst.expected")
# "10,000 buffs due in the same second all expired within 1 s": whole-second durations applied over
# several seconds put the due times anywhere in one second, so the target is on each buff's own
# lateness (its expiry event minus its expires_at): the worst one within 1 s.
row(f"burst: {n:.0f}/{e:.0f} due in the same second (due times spread {g('sched.burst.due_spread_ms'):.0f} ms), worst lateness" if n else "burst: worst lateness",
    g("sched.burst.max_ms"), "{:.0f} ms", "≤ 1000 ms, every buff expired", lambda v: bool(n) and n == e and v <= 1000)
row("buff instances that expired more than once (both scheduler phases; counted per instance)", g("sched.duplicate_expiries"), "{:.0f}", "0", lambda v: v == 0)
row("burst: all gone after the first was due", g("sched.burst.drain_ms"), "{:.0f} ms", "—", None)
row("burst: all gone after the last was due", g("sched.burst.after_last_due_ms"), "{:.0f} ms", "—", None)
row("burst lateness p99", g("sched.burst.p99_ms"), "{:.0f} ms", "—", None)
# Scale: the same reducer mix (round trips, p50) before and after seeding 100,000 characters and
# 1,000,000 item instances (ground included); the worst ratio is the target (a hot path scanning a table shows here).
if g("scale.items_after"):
    # Round trips one at a time, the five calls interleaved in blocks on each side; ping (an empty
    # reducer) is the control: its ratio shows the drift between the sides.
    for name in ("ping", "admin_apply_buff", "pick_up", "equip_unequip", "step_to"):
        a, b = g(f"scale.{name}.before_us"), g(f"scale.{name}.after_us")
        row(f"scale: {name}{' (control)' if name == 'ping' else ''} round trip p50, {g('scale.items_before'):.0f} -> {g('scale.items_after'):.0f} items, {g('scale.chars_before'):.0f} -> {g('scale.chars_after'):.0f} characters", b / a if a else float("nan"), "x{:.2f}" + f" ({a:.0f} -> {b:.0f} us)", "—", None)
    row("scale: worst reducer ratio, big world ÷ small world", g("scale.worst_ratio"), "{:.2f}", "≤ 1.2", lambda v: v <= 1.2)
    # Pipelined row writers (best of 3 rounds of 4,096 calls each side): throughput, big ÷ small, judged
    # (a world that only grows stays as fast: ≥ 0.9); pipelined ping is their control, shown.
    world = f"{g('scale.items_before'):.0f} -> {g('scale.items_after'):.0f} items, {g('scale.chars_before'):.0f} -> {g('scale.chars_after'):.0f} characters"
    for name in ("ping", "step_to", "equip_unequip"):
        a, b = g(f"scale.{name}.before_rate"), g(f"scale.{name}.after_rate")
        if name == "ping":
            row(f"scale: ping (control) pipelined calls/s, big world ÷ small world", b / a if a and b else None, "x{:.2f}" + (f" ({a:.0f} -> {b:.0f}/s)" if a and b else ""), "—", None)
        else:
            row(f"scale: {name} pipelined calls/s, big world ÷ small world ({world})", b / a if a and b else None,
                "x{:.2f}" + (f" ({a:.0f} -> {b:.0f}/s)" if a and b else ""), "≥ 0.9", lambda v: v >= 0.9)
    if g("scale.seed_secs"):
        row("scale: seeding the big world (admin_seed_scale, 1,000 characters per call)", g("scale.seed_secs"), "{:.0f} s", "—", None)
# Server work per call, from the server's /v1/metrics counters over the whole run (each reducer's
# calls in every phase; admin_apply_buff mixes first and repeated applications).
met = {}
for line in open(os.path.join(out, "metrics.txt"), encoding="utf-8", errors="replace"):
    m = re.match(r'(\w+)\{(.*)\} (\S+)$', line.strip())
    r = re.search(r'reducer="([^"]+)"', m.group(2)) if m else None
    if not r:
        continue
    t = re.search(r'txn_type="([^"]+)"', m.group(2))
    k = (m.group(1) + (":" + t.group(1) if t else ""), r.group(1))
    met[k] = met.get(k, 0.0) + float(m.group(3))
work = []  # (reducer, calls, fuel per call, reducer tx CPU us, subscription update CPU us)
for red in ("ping", "admin_set_config", "admin_apply_buff", "pick_up", "equip", "unequip", "move_in_combat", "attack", "end_turn"):
    n = met.get(("spacetime_txn_cpu_time_sec_count:Reducer", red))
    if n:
        work.append((red, n, met.get(("reducer_wasmtime_fuel_used", red), 0) / n,
                     1e6 * met.get(("spacetime_txn_cpu_time_sec_sum:Reducer", red), 0) / n,
                     1e6 * met.get(("spacetime_txn_cpu_time_sec_sum:Update", red), 0) / n))
floor_fuel = next((w[2] for w in work if w[0] == "admin_set_config"), None)
when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
import subprocess
def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        return "unknown"
commit = sh("git", "rev-parse", "--short", "HEAD") + ("+changes" if sh("git", "status", "--porcelain", "--untracked-files=no") not in ("", "unknown") else "")
load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
md = ["# Performance", "",
      "Written by `scripts/bench.sh` (do not edit by hand): every figure below comes from one run of it; a missed",
      "target reads MISS. Game reducers are judged against the floor reducer `admin_set_config` (reads a row, updates it,",
      "records one event) in the same run, interleaved with each game phase (a chunk of floor calls before each chunk of",
      "the phase and one after the last, 6,000 in all: the same world and seconds); the ratio to the floor of the run's start and to `ping` (an empty reducer) stand beside it,",
      "and so does the phase's wasm fuel per call (the module's instructions, from the server's counters around the phase:",
      "it does not move with the machine's load, so it shows what a change did where the ratios move from run to run).", "",
      f"Run: {when} on commit `{commit}`, {platform.machine()}, {os.cpu_count()} cores, load average {load} (1 / 5 / 15 min) at the end",
      "of the run, SpacetimeDB 1.2.0 standalone, dnd5e, server and load client on the same machine.", "",
      "| metric | measured | target | |", "|---|---|---|---|"]
md += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
if work:
    md += ["", "## Server work per call", "",
           "From the server's own counters (`/v1/metrics`) over the whole run: every call of each reducer in every phase",
           "(`admin_apply_buff` mixes first and repeated applications). Wasm fuel counts the module's instructions, so it does",
           "not depend on the machine's load; the CPU times are the reducer's transaction and the subscription update after it.", "",
           "| reducer | calls | wasm fuel per call | fuel ÷ floor | reducer tx CPU µs | subscription update CPU µs |",
           "|---|---|---|---|---|---|"]
    md += [f"| {r} | {n:.0f} | {f:.0f} | {f / floor_fuel:.2f} | {c:.1f} | {u:.1f} |" if floor_fuel else f"| {r} | {n:.0f} | {f:.0f} | n/a | {c:.1f} | {u:.1f} |" for r, n, f, c, u in work]
if budget:
    md += ["", "## The server time a game reducer has", "",
           "A connection's calls run one after another on the server (SpacetimeDB 1.2 handles each connection's messages in",
           "order; pipelining hides only the network), so a call costs a fixed part `c` (the hand-offs between the connection's",
           "task and the database's module thread) plus the server's time `s` (reducer start to the end of its subscription",
           "update, `spacetime_reducer_plus_query_duration_sec`). Then a phase's ratio to the floor is about",
           "`(c + s_floor) ÷ (c + s)`, and 0.7 needs `s ≤ (c + s_floor) ÷ 0.7 − c`. `c` is read off the floor beside each",
           "phase: `1 ÷ rate − s_floor`. The prediction is a check of that reading, not a result.",
           "The server time splits into the reducer's body (the module's call, its reads and writes included:",
           "`reducer_wasm_time_usec`) and the rest (the commit and the subscription update of the rows it wrote); the last",
           "column is what the body may take for 0.7 once the rest is paid, beside the floor's body.", "",
           "| phase | ratio measured | ratio predicted | server µs per call (body + rest) | floor's (body + rest) | c µs | server µs per call for 0.7 | over by | body µs for 0.7 (floor's body) |",
           "|---|---|---|---|---|---|---|---|---|"]
    def body(v, total):
        return f" ({v:.0f} + {total - v:.0f})" if v is not None and total is not None else ""
    md += [f"| {a} | {m:.2f} | {p:.2f} | {s:.0f}{body(bu, s)} | {f:.0f}{body(bf, f)} | {c:.0f} | {b:.0f} | {max(0.0, s - b):.0f} µs | "
           + (f"{b - (s - bu):.0f} ({bf:.0f}) |" if bu is not None and bf is not None else "n/a |") for a, m, p, s, f, c, b, bu, bf in budget]
if live.get("error"):
    md += ["", f"wk-bench error: {live['error']}"]
md += ["", f"admin_skirmish server spans: {len(spans)}"]
open(os.path.join(out, "results.md"), "w").write("\n".join(md) + "\n")
# A full run (not quick, not scale-only, the module built from this tree): only it writes the page, and
# scripts/soak.sh takes its capacity only from a full run's results.json.
full = os.environ.get("WK_BENCH_QUICK") != "1" and os.environ.get("WK_BENCH_SCALE_ONLY") != "1" and not os.environ.get("WK_BENCH_WASM")
if full:
    open(os.path.join(os.environ["ROOT"], "docs", "performance.md"), "w").write("\n".join(md) + "\n")
json.dump({"date": when, "full_run": full, "native_us": native, "live": live,
           "budget": [dict(phase=a, ratio=m, predicted=p, server_us=s, floor_server_us=f, fixed_us=c, server_us_for_target=b, body_us=bu, floor_body_us=bf) for a, m, p, s, f, c, b, bu, bf in budget],
           "server_work": [dict(reducer=r, calls=n, fuel_per_call=f, reducer_cpu_us=c, update_cpu_us=u) for r, n, f, c, u in work], "skirmish_span_us": {"n": len(spans), "p50": pct(spans, 50), "p99": pct(spans, 99)},
           "rows": [dict(metric=a, measured=b, target=c, result=d) for a, b, c, d in rows]},
          open(os.path.join(out, "results.json"), "w"), indent=2)
print("\n".join(md))
PY
say "results: $OUT/results.md, $OUT/results.json, docs/performance.md"
