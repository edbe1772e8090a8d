#!/usr/bin/env bash
# World snapshots (docs/operations.md): one versioned JSON file of every table that holds world or
# player state, read as the database owner; restored through the module's admin import reducers.
#   scripts/snapshot.sh export  [--db NAME] FILE   write the world to FILE
#   scripts/snapshot.sh import  [--db NAME] FILE   import FILE (migrated to this module's schema
#                                                  version) into a freshly published database
#   scripts/snapshot.sh verify  [--db NAME] FILE   row counts, exact player state, checksum,
#                                                  and the reliability invariant checker
#   scripts/snapshot.sh backup  [--db NAME] [--keep N]   export into $WK_HOME/backups/ (keeps the
#                                                  newest N, default 24)
#   scripts/snapshot.sh restore [--db NAME] FILE   rebuild the world from FILE on a server whose
#                                                  data directory is empty or lost: start it,
#                                                  publish the module, import, verify
# Env: WK_URL / WK_PORT, WK_DB, WK_HOME, WK_RULESET (dnd5e), WK_CLI_CONFIG (a spacetime CLI
# config path; default: the CLI's own), WK_ADMIN_TOKEN (default: the CLI's login token).
set -euo pipefail
source "$(dirname "$0")/common.sh"

cmd="${1:-}"; shift || true
keep=24
file=""
while [[ $# -gt 0 ]]; do
    case "$1" in
    --db) WK_DB="${2:?--db needs a name}"; shift 2 ;;
    --keep) keep="${2:?--keep needs a number}"; shift 2 ;;
    -*) die "unknown option $1" ;;
    *) file="$1"; shift ;;
    esac
done
[[ "$keep" =~ ^[0-9]+$ && "$keep" -ge 1 ]] || die "--keep takes a number >= 1, got '$keep'"

stdb() { if [[ -n "${WK_CLI_CONFIG:-}" ]]; then spacetime --config-path "$WK_CLI_CONFIG" "$@"; else spacetime "$@"; fi; }
token() {
    if [[ -n "${WK_ADMIN_TOKEN:-}" ]]; then echo "$WK_ADMIN_TOKEN"; return; fi
    stdb login show --token 2>/dev/null | grep -Eo 'eyJ[A-Za-z0-9._-]+' | head -n 1
}
tool() {
    local bin="$CARGO_TARGET_DIR/release/wk-snapshot"
    if [[ ! -x "$bin" || -n "$(find "$ROOT/wk-snapshot/src" "$ROOT/module/src/systems/migrate.rs" -newer "$bin" 2>/dev/null | head -n 1)" ]]; then
        cargo build -q --release -p wk-snapshot >&2
    fi
    WK_URL="$WK_URL" WK_DB="$WK_DB" WK_ADMIN_TOKEN="$(token)" "$bin" "$@"
}
commit() { git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown; }

case "$cmd" in
export)
    [[ -n "$file" ]] || die "usage: $0 export [--db NAME] FILE"
    tool export --commit "$(commit)" "$file"
    ;;
import)
    [[ -n "$file" && -f "$file" ]] || die "usage: $0 import [--db NAME] FILE (an existing snapshot file)"
    tool import "$file"
    ;;
verify)
    [[ -n "$file" && -f "$file" ]] || die "usage: $0 verify [--db NAME] FILE"
    rc=0
    tool verify "$file" || rc=$?
    python3 "$ROOT/scripts/reliability.py" --url "$WK_URL" --db "$WK_DB" --admin-token "$(token)" invariants || rc=1
    exit $rc
    ;;
backup)
    dir="$WK_HOME/backups"
    mkdir -p "$dir"
    out="$dir/$WK_DB-$(date -u +%Y%m%dT%H%M%SZ).json"
    tool export --commit "$(commit)" "$out"
    # Rotation: the newest $keep snapshots of this database stay.
    ls -1t "$dir/$WK_DB"-*.json 2>/dev/null | tail -n +$((keep + 1)) | while read -r old; do rm -f "$old"; say "rotated out $old"; done
    ;;
restore)
    [[ -n "$file" && -f "$file" ]] || die "usage: $0 restore [--db NAME] FILE"
    start=$(date +%s.%N)
    if ! curl -sf "$WK_URL/v1/ping" >/dev/null 2>&1; then "$ROOT/scripts/server.sh" start; fi
    build_wasm "${WK_RULESET:-dnd5e}"
    say "publishing $WK_DB (an empty world) to $WK_URL"
    stdb publish -s "$WK_URL" -b "$WASM" -y "$WK_DB" >/dev/null
    tool import "$file"
    "$0" verify --db "$WK_DB" "$file"
    say "restored $file into $WK_DB in $(python3 -c "import time; print(f'{time.time() - $start:.1f}')") s"
    ;;
*)
    die "usage: $0 export|import|verify|backup|restore [--db NAME] [--keep N] [FILE]"
    ;;
esac
