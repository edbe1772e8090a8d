#!/usr/bin/env bash
# The web viewer (clients/web, docs/viewer.md). Every subcommand is idempotent.
#   scripts/web.sh setup          node packages from clients/web/package-lock.json (npm ci, skipped
#                                 when current); Chromium from the OS packages when missing
#   scripts/web.sh check          tsc --noEmit over the viewer and the TypeScript bindings
#   scripts/web.sh build          bundle into clients/web/dist (esbuild)
#   scripts/web.sh serve [PORT]   serve clients/web/dist on 127.0.0.1:PORT (default 8080); the page's
#                                 default connection is WK_URL / WK_DB (scripts/common.sh)
#   scripts/web.sh test URL DB    headless Chromium test against a live database (PASS/FAIL lines)
set -euo pipefail
source "$(dirname "$0")/common.sh"
WEB="$ROOT/clients/web"

need_node() {
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        if command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]]; then
            say "installing nodejs and npm via apt-get"
            apt-get install -y nodejs npm >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y nodejs npm >/dev/null; }
        fi
    fi
    command -v node >/dev/null 2>&1 || die "node (>= 18) is needed for the web viewer"
}

# npm ci when node_modules is missing or older than the lock file (npm writes
# node_modules/.package-lock.json on every install).
node_deps() {
    need_node
    local stamp="$WEB/node_modules/.package-lock.json"
    if [[ -f "$stamp" && "$stamp" -nt "$WEB/package-lock.json" && -x "$WEB/node_modules/.bin/tsc" ]]; then
        return
    fi
    say "npm ci (clients/web, from package-lock.json)"
    (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error)
}

chromium_bin() {
    if [[ -n "${CHROMIUM:-}" && -x "${CHROMIUM:-}" ]]; then echo "$CHROMIUM"; return; fi
    command -v chromium || command -v chromium-browser || true
}

need_chromium() {
    [[ -n "$(chromium_bin)" ]] && return
    if command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]]; then
        say "installing chromium via apt-get (for the headless viewer test)"
        apt-get install -y chromium >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y chromium >/dev/null; }
    fi
    [[ -n "$(chromium_bin)" ]] || die "chromium is needed for the viewer test (apt-get install -y chromium, or set CHROMIUM=/path)"
}

cmd="${1:-}"
shift || true
case "$cmd" in
setup)
    # Never fatal: the world runs without the viewer. `check`, `build` and `test` fail loudly instead.
    if ! (node_deps); then say "warning: the viewer's node packages are not installed (scripts/web.sh setup)"; exit 0; fi
    if ! (need_chromium); then say "warning: no Chromium: scripts/web.sh test will fail (apt-get install -y chromium)"; fi
    say "web viewer ready (node $(node --version), $("$(chromium_bin)" --version 2>/dev/null | head -n1 || echo 'no chromium'))"
    ;;
check)
    node_deps
    say "tsc --noEmit (clients/web and clients/typescript/module_bindings)"
    (cd "$WEB" && ./node_modules/.bin/tsc --noEmit -p tsconfig.json)
    ;;
build)
    node_deps
    (cd "$WEB" && node build.mjs)
    ;;
serve)
    port="${1:-8080}"
    [[ -f "$WEB/dist/viewer.js" ]] || "$0" build
    WK_URL="$WK_URL" WK_DB="$WK_DB" exec node "$WEB/serve.mjs" "$port"
    ;;
test)
    url="${1:?usage: scripts/web.sh test URL DB}"
    db="${2:?usage: scripts/web.sh test URL DB}"
    node_deps
    need_chromium
    [[ -f "$WEB/dist/viewer.js" ]] || "$0" build
    CHROMIUM="$(chromium_bin)" WK_AGENTS_BIN="${WK_AGENTS_BIN-$CARGO_TARGET_DIR/release/wk-agents}" \
        WK_SCREENSHOT="${WK_SCREENSHOT:-$CARGO_TARGET_DIR/web-viewer.png}" \
        node "$WEB/test/viewer-test.mjs" "$url" "$db"
    ;;
*)
    die "usage: scripts/web.sh setup | check | build | serve [PORT] | test URL DB"
    ;;
esac
