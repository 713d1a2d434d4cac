#!/usr/bin/env bash
# Load test: simulated candidates sign in, replace the initial password, upload the three
# photos their category needs and submit, each exactly once, against a release build on
# 127.0.0.1 (goose; the scenario is bench/load/). Then the database is asked how many of
# them are submitted: the run passes only when all are, with no failed request.
#
# Usage: bench/load.sh [CANDIDATES] [USERS]      (default 1000 candidates, 50 users)
#   LOAD_DB=postgres   a fresh PostgreSQL database (created and dropped) instead of SQLite
#   LOAD_SECONDS=600   no candidate is started after this many seconds
#   SHENHE_BIN=path    use this shenhe binary instead of building the release one
# Goose writes report.html and report.md into target/load/, the summary table goes to
# target/load/summary.md, the server's log to target/load/server.log.
set -euo pipefail
cd "$(dirname "$0")/.."
CANDIDATES="${1:-1000}"
USERS="${2:-50}"
DB_KIND="${LOAD_DB:-sqlite}"
PG_ADMIN="${SHENHE_BENCH_POSTGRES_ADMIN:-postgres://postgres@127.0.0.1:5432/test}"
export CARGO_TARGET_DIR="$PWD/target"
OUT=target/load
mkdir -p "$OUT"

started=$(date +%s)
if [ -z "${SHENHE_BIN:-}" ]; then
  cargo build --release --locked --bin shenhe
  SHENHE_BIN=target/release/shenhe
fi
cargo build --release --locked --manifest-path bench/load/Cargo.toml
LOAD=target/release/shenhe-load
built=$(date +%s)

DATA=$(mktemp -d)
PG_DB="shenhe_load_$$"
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$DATA"
  if [ "$DB_KIND" = postgres ]; then psql "$PG_ADMIN" -qc "drop database if exists $PG_DB" || true; fi
}
trap cleanup EXIT

export SHENHE_DATA_DIR="$DATA" SHENHE_LOG=warn
if [ "$DB_KIND" = postgres ]; then
  psql "$PG_ADMIN" -qc "create database $PG_DB"
  export SHENHE_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$PG_DB"
  count() { psql "$SHENHE_DATABASE_URL" -tAc "$1"; }
else
  count() { sqlite3 "$DATA/shenhe.db" "$1"; }
fi

# The demo exam (its upload window open for 30 days), then the synthetic roster into it.
"$SHENHE_BIN" demo >/dev/null
"$LOAD" roster "$CANDIDATES" "$DATA/roster.csv"
"$SHENHE_BIN" import "$DATA/roster.csv" | tail -n 3

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$SHENHE_BIN" serve --listen "127.0.0.1:$PORT" --login-attempts-per-minute 1000000 \
  >"$OUT/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  sleep 0.1
done
seeded=$(date +%s)

printf '\n%s candidates, %s users, %s; %s, %s cores\n' "$CANDIDATES" "$USERS" "$DB_KIND" \
  "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" "$(nproc)"
rm -f "$OUT/report.html" "$OUT/report.md"
status=0
LOAD_CANDIDATES="$CANDIDATES" LOAD_USERS="$USERS" LOAD_SUMMARY="$OUT/summary.md" \
  "$LOAD" --host "http://127.0.0.1:$PORT" --quiet \
  --report-file "$OUT/report.html" --report-file "$OUT/report.md" || status=$?
finished=$(date +%s)

# The proof: the server's own database says how many synthetic candidates are submitted.
SYNTHETIC="from candidates where email like 'load%@example.com'"
submitted=$(count "select count(*) $SYNTHETIC and status = 'submitted'")
images=$(count "select count(*) from images where candidate_id in (select id $SYNTHETIC)")
printf '\ndatabase: %s of %s synthetic candidates submitted, %s images stored\n' \
  "$submitted" "$CANDIDATES" "$images"
printf 'time: build %s s, seed + start %s s, load test %s s, whole script %s s\n' \
  $((built - started)) $((seeded - built)) $((finished - seeded)) $((finished - started))
# The server logs each 503 as an error; anything else it logs is worth a look.
if grep -E 'ERROR|WARN' "$OUT/server.log" | grep -qv '503 Service Unavailable'; then
  echo "the server logged warnings or errors other than 503 (see $OUT/server.log):"
  grep -E 'ERROR|WARN' "$OUT/server.log" | grep -v '503 Service Unavailable' | head -n 5
fi
if [ "$status" -ne 0 ] || [ "$submitted" -ne "$CANDIDATES" ]; then
  echo "FAILED"
  exit 1
fi
echo "ok"
