#!/usr/bin/env bash
# Everything CI runs. Installs what is missing, then:
#   1. formatting and lints; native unit tests of both rulesets; a build with every system compiled out
#   2. wasm build; the committed client bindings must match the module (regenerate with scripts/generate.sh)
#   3. a fresh SpacetimeDB server on a free port with a temp data dir (stopped on exit, even on failure)
#   4. the client-SDK suite against the real module, once per ruleset (dnd5e, lite); it may restart
#      the server through WK_RESTART_SCRIPT (same data dir and port; the pid file follows it)
#   5. (dnd5e) the agents scenario: `wk-agents --test`, 3 agents for 40 s (up to 80) on a fresh database; then the
#      web viewer's headless Chromium test on another fresh database (scripts/web.sh test, 10-16 s;
#      `scripts/web.sh check` and `build` run after the bindings check); then the
#      MCP scenario: `wk-mcp-test` plays a character through the `wk-mcp` server's tools (docs/mcp.md)
#   6. (dnd5e) the reliability suite, short versions (scripts/reliability.py; long ones: scripts/soak.sh):
#      authorization matrix, 10,000-call fuzzer, 50 agents for 90 s, 3 SIGKILLs under load; their
#      results page, docs/reliability-results.md, is written from the run's record
#   7. (dnd5e) the snapshot drill (scripts/snapshot-test.sh, its own server; ~1.5 min of play and
#      checks plus one release build of wk-snapshot): migrate and
#      import a version-1 fixture, play, upgrade, backup rotation, restore on a deleted data dir
# Last line: "N passed, N failed" over both suites. Non-zero exit on any failure.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh"

passed=0
failed=0
count_cargo() { # sums "test result: ... N passed; M failed" lines of a cargo test log
    local p f
    p=$(grep -Eo '[0-9]+ passed' "$1" | awk '{s+=$1} END {print s+0}')
    f=$(grep -Eo '[0-9]+ failed' "$1" | awk '{s+=$1} END {print s+0}')
    passed=$((passed + p)); failed=$((failed + f))
}

TMP="$(mktemp -d "${TMPDIR:-/tmp}/wk-test.XXXXXX")"
SERVER_PID=""
cleanup() {
    # The client suite may restart the server (WK_RESTART_SCRIPT): the pid file has the current one.
    if [[ -f "$TMP/server.pid" ]]; then SERVER_PID="$(cat "$TMP/server.pid")"; fi
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        say "stopping test server (pid $SERVER_PID)"
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 40); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
# The CLI gets its own config (and so its own login) for this throwaway server.
stdb() { spacetime --config-path "$TMP/cli.toml" "$@"; }

say "cargo fmt --check"
cargo fmt --all -- --check
say "cargo clippy (module, both rulesets; client suite; bench client)"
cargo clippy -q -p world-kernel --lib --tests -- -D warnings
cargo clippy -q -p world-kernel --lib --tests --no-default-features --features lite,all-systems -- -D warnings
cargo clippy -q -p client-sdk-tests -- -D warnings
cargo clippy -q -p wk-bench -- -D warnings
cargo clippy -q -p wk-agents -- -D warnings
cargo clippy -q -p wk-replay -- -D warnings
cargo clippy -q -p wk-client --tests -- -D warnings
cargo clippy -q -p wk-mcp --all-targets -- -D warnings
cargo clippy -q -p wk-snapshot --all-targets -- -D warnings

for rs in dnd5e lite; do
    say "native tests ($rs ruleset)"
    feats=()
    [[ "$rs" == dnd5e ]] || feats=(--no-default-features --features "$rs,all-systems")
    set +e
    cargo test -p world-kernel --lib "${feats[@]}" 2>&1 | tee "$TMP/native-$rs.log"
    rc=${PIPESTATUS[0]}
    set -e
    count_cargo "$TMP/native-$rs.log"
    if [[ $rc -ne 0 ]] && ! grep -q 'test result' "$TMP/native-$rs.log"; then
        failed=$((failed + 1)); say "native build failed ($rs)"
    fi
    say "wk-replay tests ($rs ruleset)"
    rfeats=()
    [[ "$rs" == dnd5e ]] || rfeats=(--no-default-features --features "$rs")
    set +e
    cargo test -p wk-replay "${rfeats[@]}" 2>&1 | tee "$TMP/replay-$rs.log"
    rc=${PIPESTATUS[0]}
    set -e
    count_cargo "$TMP/replay-$rs.log"
    if [[ $rc -ne 0 ]] && ! grep -q 'test result' "$TMP/replay-$rs.log"; then
        failed=$((failed + 1)); say "wk-replay test build failed ($rs)"
    fi
done

say "wk-client tests (the outcome listeners cover every reducer of the bindings)"
set +e
cargo test -p wk-client 2>&1 | tee "$TMP/wk-client.log"
rc=${PIPESTATUS[0]}
set -e
count_cargo "$TMP/wk-client.log"
if [[ $rc -ne 0 ]] && ! grep -q 'test result' "$TMP/wk-client.log"; then failed=$((failed + 1)); say "wk-client test build failed"; fi

say "wk-snapshot tests"
set +e
cargo test -p wk-snapshot 2>&1 | tee "$TMP/wk-snapshot.log"
rc=${PIPESTATUS[0]}
set -e
count_cargo "$TMP/wk-snapshot.log"
if [[ $rc -ne 0 ]] && ! grep -q 'test result' "$TMP/wk-snapshot.log"; then failed=$((failed + 1)); say "wk-snapshot test build failed"; fi

say "every system compiled out still builds (dnd5e, no systems)"
cargo check -q -p world-kernel --no-default-features --features dnd5e

build_wasm dnd5e
say "checking the committed client bindings are current"
# Generate inside the repo so the CLI's rustfmt run picks up rustfmt.toml, as scripts/generate.sh does.
CHECK_DIR="$ROOT/.wk/bindings-check-$$"
rm -rf "$CHECK_DIR"
stale=0
for pair in "rust:wk-client/src/module_bindings" "typescript:clients/typescript/module_bindings" \
    "csharp:clients/csharp/module_bindings"; do
    lang="${pair%%:*}"; committed="${pair#*:}"
    # TypeScript and C# bindings must generate without error (web, Unity, Godot clients) and, like the
    # Rust ones, match what is committed.
    stdb generate --lang "$lang" --out-dir "$CHECK_DIR/$lang" --bin-path "$WASM" -y >/dev/null 2>&1 \
        || die "spacetime generate --lang $lang failed"
    [[ -n "$(ls -A "$CHECK_DIR/$lang")" ]] || die "spacetime generate --lang $lang wrote nothing"
    if ! diff -r "$CHECK_DIR/$lang" "$ROOT/$committed" >>"$TMP/bindings.diff"; then
        stale=1
        say "stale: $committed"
    fi
done
rm -rf "$CHECK_DIR"
if [[ $stale -ne 0 ]]; then
    head -n 40 "$TMP/bindings.diff"
    die "committed bindings are stale: run scripts/generate.sh and commit the result"
fi
# docs/reducers.md (the reducer catalogue) has a section for every reducer the module exports.
# The native test `catalogue` checks this and more (arguments, error codes); this is the quick hint.
missing=""
for f in "$ROOT"/wk-client/src/module_bindings/*_reducer.rs; do
    r="$(basename "$f" _reducer.rs)"
    grep -qx "### $r" "$ROOT/docs/reducers.md" || missing="$missing $r"
done
[[ -z "$missing" ]] || die "docs/reducers.md misses:$missing (add entries to module/src/catalogue.rs, then WK_BLESS=1 cargo test -p world-kernel --lib catalogue)"

# The web viewer type-checks against the committed TypeScript bindings and builds (docs/viewer.md).
web_ok=0
for step in check build; do
    set +e
    "$ROOT/scripts/web.sh" "$step" 2>&1 | tee "$TMP/web-$step.log"
    rc=${PIPESTATUS[0]}
    set -e
    if [[ $rc -eq 0 ]]; then echo "PASS web_$step"; passed=$((passed + 1)); web_ok=$((web_ok + 1))
    else echo "FAIL web_$step (scripts/web.sh $step exited with $rc)"; failed=$((failed + 1)); fi
done

say "building the client-SDK suite and the agents"
cargo build -q -p client-sdk-tests --release
cargo build -q -p wk-agents --release
# The MCP server and its test client (debug: it only waits on the world).
cargo build -q -p wk-mcp

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
URL="http://127.0.0.1:$PORT"
say "starting a fresh server on $URL (data: $TMP/data)"
spacetimedb-standalone start --data-dir "$TMP/data" --jwt-key-dir "$TMP/keys" \
    --listen-addr "127.0.0.1:$PORT" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
echo "$SERVER_PID" >"$TMP/server.pid"
for _ in $(seq 1 120); do curl -sf "$URL/v1/ping" >/dev/null 2>&1 && break; sleep 0.5; done
curl -sf "$URL/v1/ping" >/dev/null || { tail -n 30 "$TMP/server.log"; die "test server did not start"; }
# For the restart scenario: `restart.sh [down_secs]` stops the server, waits, starts it again on
# the same data dir and port, and records the new pid for the cleanup trap.
write_restart_script

# The reliability suite's short versions, each on a fresh database: the authorization
# matrix and the fuzzer (which also toggles features and config as the admin), then 50 agents for
# 90 s and 3 SIGKILLs of the server under agent load (the server restarts on the same data dir).
reliability() {
    local rs="$1" token
    token="$(stdb login show --token 2>/dev/null | grep -Eo 'eyJ[A-Za-z0-9._-]+' | head -n 1)"
    local fdb="wk-fuzz-$rs-$$" ldb="wk-load-$rs-$$"
    for d in "$fdb" "$ldb"; do
        stdb publish -s "$URL" -b "$WASM" -y "$d" >"$TMP/publish-$d.log" 2>&1 || { cat "$TMP/publish-$d.log"; die "publish failed ($d)"; }
    done
    # Every PASS/FAIL line and figure of these runs is recorded and becomes docs/reliability-results.md.
    export WK_REL_RECORD="$TMP/reliability-record.jsonl"
    rm -f "$WK_REL_RECORD"
    say "reliability: authorization matrix and fuzzer against $fdb ($rs)"
    run_counted authz --db "$fdb" --admin-token "$token" authz
    run_counted fuzz --db "$fdb" --admin-token "$token" fuzz --calls 10000 --seconds 240
    say "reliability: 50 agents for 90 s, then 3 SIGKILLs under load, against $ldb ($rs)"
    run_counted load --db "$ldb" --admin-token "$token" load --agents 50 --duration 90 \
        --agents-bin "$CARGO_TARGET_DIR/release/wk-agents" --pid-file "$TMP/server.pid"
    run_counted crash --db "$ldb" --admin-token "$token" crash --kills 3 --agents 5 \
        --restart-script "$TMP/restart.sh" --pid-file "$TMP/server.pid" --agents-bin "$CARGO_TARGET_DIR/release/wk-agents"
    python3 "$ROOT/scripts/reliability.py" page --record "$WK_REL_RECORD" --out "$ROOT/docs/reliability-results.md" \
        --title "Reliability results (short versions)" \
        --run "Ran by scripts/test.sh, ruleset $rs, each command on a fresh database." \
        || say "could not write docs/reliability-results.md"
    unset WK_REL_RECORD
}

for rs in dnd5e lite; do
    db="wk-test-$rs-$$"
    build_wasm "$rs"
    # wk-replay links the module's pure code, so it is built per ruleset (the live `replay`
    # scenario runs it on the fetched logs).
    say "building wk-replay ($rs)"
    if [[ "$rs" == dnd5e ]]; then rfeats=(); else rfeats=(--no-default-features --features "$rs"); fi
    cargo build -q -p wk-replay "${rfeats[@]}"
    cp "$CARGO_TARGET_DIR/debug/wk-replay" "$TMP/wk-replay-$rs"
    say "publishing $db ($rs)"
    stdb publish -s "$URL" -b "$WASM" -y "$db" >"$TMP/publish-$rs.log" 2>&1 || { cat "$TMP/publish-$rs.log"; die "publish failed ($rs)"; }
    say "client-SDK suite against $db ($rs)"
    # The private tables, for the reliability scenario's subscription check.
    WK_PRIVATE_TABLES="$(python3 "$ROOT/scripts/reliability.py" --url "$URL" --db "$db" private-tables)"
    export WK_PRIVATE_TABLES
    set +e
    WK_URL="$URL" WK_DB="$db" WK_RULESET="$rs" WK_RESTART_SCRIPT="$TMP/restart.sh" WK_REPLAY_BIN="$TMP/wk-replay-$rs" \
        WK_ADMIN_TOKEN="$(stdb login show --token 2>/dev/null | grep -Eo 'eyJ[A-Za-z0-9._-]+' | head -n 1)" \
        "$CARGO_TARGET_DIR/release/client-sdk-tests" 2>&1 | tee "$TMP/sdk-$rs.log"
    rc=${PIPESTATUS[0]}
    set -e
    # The suite runs its scenarios as libtest-mimic trials; its last line is
    # `client suite (<ruleset>): N passed, N failed`.
    summary="$(grep -E '^client suite \(' "$TMP/sdk-$rs.log" | tail -n 1 || true)"
    p=$(sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\1/p' <<<"$summary")
    f=$(sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\2/p' <<<"$summary")
    p=${p:-0}; f=${f:-0}
    if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; say "client suite exited with $rc"; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [[ "$rs" == dnd5e ]]; then
        # The agents scenario: 3 wk-agents on a fresh database for 40 s; at least two kinds of
        # cross-agent events and the world invariants (its PASS/FAIL lines are counted).
        adb="wk-agents-$rs-$$"
        say "publishing $adb ($rs) for the agents scenario"
        stdb publish -s "$URL" -b "$WASM" -y "$adb" >"$TMP/publish-agents.log" 2>&1 || { cat "$TMP/publish-agents.log"; die "publish failed (agents)"; }
        set +e
        "$CARGO_TARGET_DIR/release/wk-agents" --test --agents 3 --duration 40 --url "$URL" --db "$adb" 2>&1 | tee "$TMP/agents-$rs.log"
        rc=${PIPESTATUS[0]}
        set -e
        p=$(grep -Ec '^PASS ' "$TMP/agents-$rs.log" || true)
        f=$(grep -Ec '^FAIL ' "$TMP/agents-$rs.log" || true)
        if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; say "wk-agents exited with $rc"; fi
        passed=$((passed + p)); failed=$((failed + f))
        # The web viewer in headless Chromium: connects, draws every location and the test's
        # characters, a fight's HP bar changes, the event log grows while 2 agents act.
        wdb="wk-web-$rs-$$"
        if [[ $web_ok -eq 2 ]]; then
            say "publishing $wdb ($rs) for the web viewer test"
            stdb publish -s "$URL" -b "$WASM" -y "$wdb" >"$TMP/publish-web.log" 2>&1 || { cat "$TMP/publish-web.log"; die "publish failed (web)"; }
            set +e
            "$ROOT/scripts/web.sh" test "$URL" "$wdb" 2>&1 | tee "$TMP/web-test.log"
            rc=${PIPESTATUS[0]}
            set -e
            p=$(grep -Ec '^PASS ' "$TMP/web-test.log" || true)
            f=$(grep -Ec '^FAIL ' "$TMP/web-test.log" || true)
            if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; say "web viewer test exited with $rc"; fi
            passed=$((passed + p)); failed=$((failed + f))
        else
            say "skipping the web viewer test: scripts/web.sh check/build failed"
        fi
        # The MCP scenario: wk-mcp-test spawns wk-mcp over stdio and plays one character through the
        # MCP tools on a fresh database (~20 s); its transcript is kept for docs/mcp.md.
        mdb="wk-mcp-$rs-$$"
        say "publishing $mdb ($rs) for the MCP scenario"
        stdb publish -s "$URL" -b "$WASM" -y "$mdb" >"$TMP/publish-mcp.log" 2>&1 || { cat "$TMP/publish-mcp.log"; die "publish failed (mcp)"; }
        set +e
        WK_URL="$URL" WK_DB="$mdb" WK_MCP_TRANSCRIPT="$TMP/mcp-transcript.md" \
            WK_ADMIN_TOKEN="$(stdb login show --token 2>/dev/null | grep -Eo 'eyJ[A-Za-z0-9._-]+' | head -n 1)" \
            "$CARGO_TARGET_DIR/debug/wk-mcp-test" 2>&1 | tee "$TMP/mcp-$rs.log"
        rc=${PIPESTATUS[0]}
        set -e
        p=$(grep -Ec '^PASS ' "$TMP/mcp-$rs.log" || true)
        f=$(grep -Ec '^FAIL ' "$TMP/mcp-$rs.log" || true)
        if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; say "wk-mcp-test exited with $rc"; fi
        passed=$((passed + p)); failed=$((failed + f))
        reliability "$rs"
    fi
done

# 7. (dnd5e) the snapshot drill on its own server: the version-1 fixture migrated and
#    imported, agents play, scripts/upgrade.sh, backups with rotation, the data dir deleted and the
#    newest backup restored, a bad row and a non-admin refused (docs/operations.md#snapshots).
say "snapshot drill: upgrade, backups, restore (scripts/snapshot-test.sh)"
set +e
"$ROOT/scripts/snapshot-test.sh" 2>&1 | tee "$TMP/snapshot.log"
rc=${PIPESTATUS[0]}
set -e
p=$(grep -Ec '^PASS ' "$TMP/snapshot.log" || true)
f=$(grep -Ec '^FAIL ' "$TMP/snapshot.log" || true)
if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; say "snapshot drill exited with $rc"; fi
passed=$((passed + p)); failed=$((failed + f))

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
