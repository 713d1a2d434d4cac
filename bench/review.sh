#!/usr/bin/env bash
# Review-queue benchmark: claim-next, decide and the queue page with 1,000,000 candidates and
# 8 reviewers at once (target: p99 at most 20 ms), on PostgreSQL and SQLite; see
# examples/review_bench.rs. Each reviewer pauses PAUSE ms (± half) between cases — a person
# takes seconds — and a second run on PostgreSQL goes flat out (pause 0) as a load test.
# Usage: bench/review.sh [candidates] [rounds] [pause-ms] [engines]
# PostgreSQL is at SHENHE_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test);
# each run uses a new schema and drops it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-1000000}"
ROUNDS="${2:-100}"
PAUSE="${3:-100}"
ENGINES="${4:-postgres sqlite}"

cargo build --release --quiet --example review_bench
BIN=target/release/examples/review_bench

printf '\n%s: %s, %s cores\n' "$(date -u +%F)" \
  "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" "$(nproc)"
for engine in $ENGINES; do
  printf '\n## %s, 8 reviewers, pause %s ms\n\n' "$engine" "$PAUSE"
  $BIN "$ROWS" "$engine" 8 "$ROUNDS" "$PAUSE"
done
printf '\n## postgres, 8 reviewers flat out (load test)\n\n'
$BIN "$ROWS" postgres 8 "$ROUNDS" 0
