#!/usr/bin/env bash
# Roster import benchmark: `shenhe import` of a generated CSV into SQLite and PostgreSQL,
# beside the engines' own bulk loaders (PostgreSQL COPY, sqlite3 .import) of the same rows
# into a plain table. Usage: bench/import.sh [rows]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-1000000}"
PG_ADMIN="${SHENHE_BENCH_POSTGRES_ADMIN:-postgres://postgres@127.0.0.1:5432/test}"
PG_URL="${SHENHE_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/shenhe_bench}"
OUT=bench/out
mkdir -p "$OUT"

cargo build --release --quiet --bin shenhe --example gen_roster
BIN=target/release/shenhe
CSV="$OUT/roster-$ROWS.csv"
[ -f "$CSV" ] || target/release/examples/gen_roster "$ROWS" "$CSV"

seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N); echo "$end - $start" | bc; }
PLAIN="create table plain (registration_no text, id_number text, name text, email text,
  school text, is_student text, hukou text, subject text, phone text)"

# SQLite: shenhe import into a fresh data folder, then sqlite3 .import into a plain table.
rm -rf "$OUT/sqlite" && mkdir -p "$OUT/sqlite"
export SHENHE_DATA_DIR="$OUT/sqlite" SHENHE_LOG=warn
$BIN exam add config/exam.toml --current >/dev/null
t_shenhe_sqlite=$(seconds $BIN import "$CSV")
t_sqlite3=$(seconds sqlite3 "$OUT/sqlite/plain.db" "$PLAIN;" ".import --csv --skip 1 $CSV plain")

# PostgreSQL: a fresh database each run.
psql "$PG_ADMIN" -qc "drop database if exists shenhe_bench" -c "create database shenhe_bench"
export SHENHE_DATABASE_URL="$PG_URL"
$BIN exam add config/exam.toml --current >/dev/null
t_shenhe_pg=$(seconds $BIN import "$CSV")
psql "$PG_URL" -qc "$PLAIN"
t_copy=$(seconds psql "$PG_URL" -qc "\\copy plain from '$CSV' with (format csv, header true)")
t_reimport_pg=$(seconds $BIN import "$CSV")

printf '\n%s rows (%s MB CSV), %s\n\n' "$ROWS" "$(( $(stat -c %s "$CSV") / 1000000 ))" "$(date -u +%F)"
printf '| load | engine | seconds | ratio |\n|---|---|---:|---:|\n'
printf '| sqlite3 .import (plain table) | SQLite | %.2f | 1.00 |\n' "$t_sqlite3"
printf '| shenhe import (new roster) | SQLite | %.2f | %.2f |\n' "$t_shenhe_sqlite" "$(echo "$t_shenhe_sqlite / $t_sqlite3" | bc -l)"
printf '| COPY (plain table) | PostgreSQL | %.2f | 1.00 |\n' "$t_copy"
printf '| shenhe import (new roster) | PostgreSQL | %.2f | %.2f |\n' "$t_shenhe_pg" "$(echo "$t_shenhe_pg / $t_copy" | bc -l)"
printf '| shenhe import (same roster again, all unchanged) | PostgreSQL | %.2f | %.2f |\n' "$t_reimport_pg" "$(echo "$t_reimport_pg / $t_copy" | bc -l)"
