#!/usr/bin/env bash
# Slow-client benchmark (issue 14): four demo candidates load their page and upload a photo
# in a loop, first alone, then while 300 idle sockets, 50 slowloris connections and 16
# stalled uploads of another candidate run against the same server; prints the page and
# upload p50 / p99 of each (bench/slow_clients.py). Twice: with the default limits, then
# with every limit turned off.
#
# Usage: bench/slow.sh                       (the debug build; SLOW_SECONDS=40 per row)
#   SHENHE_BIN=target/release/shenhe       any other shenhe binary
#   SLOW_IDLE=300 SLOW_SLOWLORIS=50 SLOW_STALLED=16   the attack's size
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
if [ -z "${SHENHE_BIN:-}" ]; then
  cargo build --quiet --bin shenhe
  SHENHE_BIN="$TARGET/debug/shenhe"
fi

DATA=$(mktemp -d)
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$DATA"
}
trap cleanup EXIT

# The honest upload: a PNG of noise (SLOW_PHOTO="W H", default 640 × 480, 680 KiB; 1024 768
# is 1.7 MB, a phone photo after portal.js shrinks it, slow to normalise in a debug build).
python3 bench/noise_png.py "$DATA/photo.png" ${SLOW_PHOTO:-640 480}

export SHENHE_DATA_DIR="$DATA" SHENHE_LOG=error
"$SHENHE_BIN" demo >/dev/null
printf '\n%s: %s, %s cores, %s build\n' "$(date -u +%F)" \
  "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" "$(nproc)" "$(basename "$(dirname "$SHENHE_BIN")")"

# The same attack against the default limits, then with every limit out of the way (roughly
# the server before issue 14, which had none of them).
OFF="--header-timeout-secs 86400 --connections-per-address 1000000 --body-min-kib 0 --uploads-per-candidate 1000"
for limits in default off; do
  args=""
  [ "$limits" = off ] && args="$OFF"
  PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # shellcheck disable=SC2086
  "$SHENHE_BIN" serve --listen "127.0.0.1:$PORT" --login-attempts-per-minute 1000000 $args \
    >"$DATA/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break
    sleep 0.1
  done
  printf '\n### Limits: %s\n' "$limits"
  python3 bench/slow_clients.py "$PORT" "$DATA/photo.png" "$SERVER"
  kill "$SERVER"
  wait "$SERVER" 2>/dev/null || true
  SERVER=""
done
