#!/usr/bin/env bash
# Regenerate the client bindings from the module:
#   Rust       -> wk-client/src/module_bindings   (the shared client crate: live suite, wk-agents, wk-bench, wk-mcp)
#   TypeScript -> clients/typescript/module_bindings     (web clients)
#   C#         -> clients/csharp/module_bindings         (Unity, Godot .NET clients)
# scripts/test.sh fails when any committed set is stale.
#   scripts/generate.sh [OUT_ROOT]   (OUT_ROOT: write the three sets below this folder instead)
set -euo pipefail
source "$(dirname "$0")/common.sh"
root="${1:-}"
rust_out="${root:+$root/rust}"; rust_out="${rust_out:-$ROOT/wk-client/src/module_bindings}"
ts_out="${root:+$root/typescript}"; ts_out="${ts_out:-$ROOT/clients/typescript/module_bindings}"
cs_out="${root:+$root/csharp}"; cs_out="${cs_out:-$ROOT/clients/csharp/module_bindings}"
build_wasm dnd5e
for pair in "rust:$rust_out" "typescript:$ts_out" "csharp:$cs_out"; do
    lang="${pair%%:*}"; out="${pair#*:}"
    say "generating $lang bindings into $out"
    rm -rf "$out"
    mkdir -p "$out"
    # C# formatting needs dotnet, which is optional: the unformatted output is deterministic too.
    spacetime generate --lang "$lang" --out-dir "$out" --bin-path "$WASM" -y >/dev/null 2>&1 \
        || die "spacetime generate --lang $lang failed"
done
