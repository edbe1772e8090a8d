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
