#!/usr/bin/env bash
# Build the module and publish it to the local server.
#   scripts/publish.sh [--clear] [--db NAME] [--ruleset dnd5e|lite]
# --clear wipes the database's data first. Env: WK_URL / WK_PORT, WK_DB (default world-kernel).
set -euo pipefail
source "$(dirname "$0")/common.sh"

clear=()
ruleset="dnd5e"
while [[ $# -gt 0 ]]; do
    case "$1" in
    --clear|-c) clear=(-c); shift ;;
    --db) WK_DB="$2"; shift 2 ;;
    --ruleset) ruleset="$2"; shift 2 ;;
    *) die "unknown option $1 (use --clear, --db NAME, --ruleset dnd5e|lite)" ;;
    esac
done

build_wasm "$ruleset"
say "publishing $WK_DB to $WK_URL"
spacetime publish -s "$WK_URL" -b "$WASM" "${clear[@]}" -y "$WK_DB"
# Fight seeds come from the database's private dice secret; a module has no entropy source of
# its own (ctx.rng() is seeded from the public timestamp), so the publisher adds some.
say "adding dice entropy (admin_add_dice_entropy)"
spacetime call -s "$WK_URL" "$WK_DB" admin_add_dice_entropy "\"$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')\"" >/dev/null
