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
data=$(mktemp -d)
server=
cleanup() {
    if [[ -n $server ]]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$data"
}
trap cleanup EXIT

port=$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });")
url=http://127.0.0.1:$port

# Approvals become final at once (no random second review), so the story is the same
# every run.
"$bin" --data-dir "$data" second-review 0 >/dev/null
"$bin" --data-dir "$data" serve --demo --listen "127.0.0.1:$port" >"$out/server.log" 2>&1 &
server=$!

ready=
for _ in $(seq 1 120); do
    if ! kill -0 "$server" 2>/dev/null; then
        echo "e2e: the server exited; its log:" >&2
        cat "$out/server.log" >&2
        exit 1
    fi
    if node -e "fetch('$url/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then
        ready=1
        break
    fi
    sleep 0.5
done
if [[ -z $ready ]]; then
    echo "e2e: $url/readyz did not answer within a minute; server log:" >&2
    cat "$out/server.log" >&2
    exit 1
fi

SHENHE_URL=$url E2E_OUT=$out node e2e/story.js
