#!/usr/bin/env bash
# Regenerate the Rust client bindings into client-sdk-tests/src/module_bindings.
#   scripts/generate.sh [OUT_DIR]   (OUT_DIR default: the committed bindings folder)
set -euo pipefail
source "$(dirname "$0")/common.sh"
out="${1:-$ROOT/client-sdk-tests/src/module_bindings}"
build_wasm dnd5e
say "generating Rust bindings into $out"
mkdir -p "$out"
spacetime generate --lang rust --out-dir "$out" --bin-path "$WASM" -y >/dev/null
