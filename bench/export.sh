#!/usr/bin/env bash
# Results-export benchmark: `shenhe export` (CSV UTF-8, CSV GBK, XLSX) of every candidate of
# an exam beside PostgreSQL's own `\copy (the same query) to … csv` (target: CSV export at
# most 2× COPY), with wall time and peak RSS; see examples/export_bench.rs for the data.
# Usage: bench/export.sh [candidates]
# PostgreSQL is at SHENHE_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test);
# the run uses a new schema and drops it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-1000000}"
URL="${SHENHE_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
SCHEMA="bench_export_$$"
OUT="$(mktemp -d)"
export SHENHE_BENCH_POSTGRES_URL="$URL"

[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet --bin shenhe --example export_bench
SHENHE=target/release/shenhe
BENCH=target/release/examples/export_bench

cleanup() { $BENCH drop "$SCHEMA" || true; rm -rf "$OUT"; }
trap cleanup EXIT

$BENCH setup "$ROWS" "$SCHEMA" >"$OUT/setup"
CODE="$(sed -n 1p "$OUT/setup")"
QUERY="$(sed -n 2p "$OUT/setup")"
case "$URL" in *\?*) SEP='&' ;; *) SEP='?' ;; esac
export SHENHE_DATABASE_URL="${URL}${SEP}options=-c%20search_path%3D${SCHEMA}"
export SHENHE_DATA_DIR="$OUT/data" SHENHE_LOG=warn
export PGOPTIONS="-c search_path=${SCHEMA}"

# Runs a command under /usr/bin/time -v; prints "seconds peak-RSS-MB".
measure() {
  /usr/bin/time -v "$@" >/dev/null 2>"$OUT/time" || { cat "$OUT/time"; exit 1; }
  local wall rss
  wall="$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$OUT/time" |
    awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')"
  rss="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/time")"
  printf '%.1f %.0f' "$wall" "$((rss / 1024))"
}

row() { # name file command...
  local name="$1" file="$2"
  shift 2
  read -r seconds rss <<<"$(measure "$@")"
  local size
  size="$(du -m "$file" | cut -f1)"
  printf '| %-26s | %7s | %12s | %9s |\n' "$name" "$seconds" "$rss" "$size"
}

# One unmeasured run first, so every measured one reads a warm cache.
psql -q "$URL" -c "\\copy ($QUERY) to '$OUT/warm.csv' csv header"
rm -f "$OUT/warm.csv"

printf '\n%s: %s, %s cores, %s candidates\n\n' "$(date -u +%F)" \
  "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" "$(nproc)" "$ROWS"
printf '| %-26s | %7s | %12s | %9s |\n' "export" "seconds" "peak RSS MB" "file MB"
printf '|%s|%s|%s|%s|\n' "----------------------------" "---------" "--------------" "-----------"
row "psql \\copy (same query)" "$OUT/copy.csv" \
  psql -q "$URL" -c "\\copy ($QUERY) to '$OUT/copy.csv' csv header"
row "shenhe export, CSV UTF-8" "$OUT/utf8.csv" \
  $SHENHE export --exam "$CODE" --output "$OUT/utf8.csv"
row "shenhe export, CSV GBK" "$OUT/gbk.csv" \
  $SHENHE export --exam "$CODE" --encoding gbk --output "$OUT/gbk.csv"
row "shenhe export, XLSX" "$OUT/all.xlsx" \
  $SHENHE export --exam "$CODE" --output "$OUT/all.xlsx"
echo
wc -l "$OUT/copy.csv" "$OUT/utf8.csv" | head -2
