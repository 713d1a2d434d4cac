#!/usr/bin/env bash
# Sign-in benchmark: one POST /api/v1/login over HTTP (kept-alive connection, real app on a
# fresh database with the demo loaded) beside a bare argon2id verify of the same hash
# (m = 19 MiB, t = 2, p = 1), in one process; target: at most 1.05×.
# Usage: bench/login.sh [rounds] [engines] [idle-seconds]
#   (default 200 rounds, "sqlite postgres", 11 s; idle 0 skips the after-idle table)
#
# Per engine it prints (see examples/login_bench.rs):
# - the main table: every operation once per round in a new random order, the cache evicted
#   before each; median and p95 wall ms, median CPU ms of the process, minor page faults;
# - the sign-in's database statements timed alone;
# - (first engine only) 20 sign-ins and bare verifies 0.15 s apart after idle-seconds of
#   quiet, once tokio has ended its idle blocking threads, as between two candidates;
# - the phases inside a sign-in, from the server's tracing events (`login_bench profile`).
# PostgreSQL is at SHENHE_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test);
# each run uses a new schema and drops it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-200}"
ENGINES="${2:-sqlite postgres}"
IDLE="${3:-11}"
PG_URL="${SHENHE_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

cargo build --release --quiet --example login_bench
BIN=target/release/examples/login_bench

printf '\n%s: %s, %s cores; argon2id m=19456 KiB, t=2, p=1\n' "$(date -u +%F)" \
  "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" "$(nproc)"
for engine in $ENGINES; do
  if [ "$engine" = postgres ] && command -v pg_isready >/dev/null && ! pg_isready -q -d "$PG_URL"; then
    printf '\n## postgres: skipped, nothing answers at %s\n' "$PG_URL"
    continue
  fi
  printf '\n## %s\n\n' "$engine"
  $BIN "$ROUNDS" "$engine" "$IDLE"
  IDLE=0
  printf '\n### Inside a sign-in (%s)\n\n' "$engine"
  $BIN profile 100 "$engine"
done
