#!/usr/bin/env bash
# Idempotent install of the pinned SpacetimeDB 1.2.0 toolchain (see ../shared/STACK.md):
# wasm target, spacetimedb-standalone (server), spacetimedb-cli and the `spacetime` link.
# Skips every piece that is already present at the right version.
set -euo pipefail

STDB_VERSION="1.2.0"
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
# One shared target cache so the CLI reuses most of the server's build (~2 min instead of ~13).
INSTALL_TARGET_DIR="${WK_INSTALL_TARGET_DIR:-$HOME/.cache/world-kernel/install-target}"
export PATH="$CARGO_BIN:$PATH"

say() { echo "[setup] $*"; }

say "World Kernel setup: SpacetimeDB ${STDB_VERSION}. The first run builds the server and CLI from"
say "crates.io (~15 min on 2 cores); later runs skip what is installed."

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
else
    say "wasm32-unknown-unknown target present"
fi

version_of() { "$1" --version 2>/dev/null | head -n 5 | grep -Eo '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1 || true; }

install_crate() {
    local crate="$1" bin="$2"
    local have=""
    if command -v "$bin" >/dev/null 2>&1; then
        have="$(version_of "$bin")"
    fi
    if [[ "$have" == "$STDB_VERSION" ]]; then
        say "$crate $STDB_VERSION present ($(command -v "$bin"))"
        return
    fi
    say "installing $crate $STDB_VERSION (cargo install --locked; this is the long step)"
    mkdir -p "$INSTALL_TARGET_DIR"
    CARGO_TARGET_DIR="$INSTALL_TARGET_DIR" cargo install "$crate" --version "$STDB_VERSION" --locked
}

install_crate spacetimedb-standalone spacetimedb-standalone
install_crate spacetimedb-cli spacetimedb-cli

cli="$(command -v spacetimedb-cli)"
link="$(dirname "$cli")/spacetime"
if [[ "$(readlink -f "$link" 2>/dev/null || true)" != "$(readlink -f "$cli")" ]]; then
    say "linking $link -> $cli"
    ln -sf "$cli" "$link"
fi

if ! command -v wasm-opt >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]]; then
    say "installing binaryen (wasm-opt, optional) via apt-get"
    (apt-get install -y binaryen >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y binaryen >/dev/null 2>&1)) \
        || say "binaryen not installed (optional; publish works without wasm-opt)"
fi

# The web viewer: node packages from clients/web/package-lock.json, Chromium for its headless test
# (docs/viewer.md; ~20 s for npm ci and ~1.5 min for apt-get install chromium, once).
"$(dirname "$0")/web.sh" setup

say "ready: $(spacetime --version 2>/dev/null | grep -m1 'tool version' || echo 'spacetime CLI')"
