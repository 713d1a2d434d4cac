#!/usr/bin/env bash
# The end-to-end story in headless Chromium (e2e/story.js) against a fresh demo server.
#
#   cargo build --bin shenhe && (cd e2e && npm ci) && e2e/run.sh
#
# SHENHE_BIN: the binary (default target/debug/shenhe; nothing is built here).
# CHROMIUM:   the browser (default /usr/bin/chromium).
# Output in target/e2e/: NN-page.png per page visited, axe.json, axe.md, export.csv,
# server.log. Exits non-zero when any step, script check or axe check fails.
set -euo pipefail

cd "$(dirname "$0")/.."
bin=${SHENHE_BIN:-target/debug/shenhe}
out=target/e2e
if [[ ! -x $bin ]]; then
    echo "e2e: no server binary at $bin (cargo build --bin shenhe, or set SHENHE_BIN)" >&2
    exit 1
fi
if [[ ! -d e2e/node_modules/playwright-core ]]; then
    echo "e2e: run (cd e2e && npm ci) first" >&2
    exit 1
fi

rm -rf "$out"
mkdir -p "$out"
# shellcheck source=../scripts/demo-server.sh
source scripts/demo-server.sh
# Approvals become final at once (no random second review), so the story is the same
# every run.
"$bin" --data-dir "$data" second-review 0 >/dev/null
start_demo_server "$bin" "$out/server.log"

SHENHE_URL=$url E2E_OUT=$out node e2e/story.js
