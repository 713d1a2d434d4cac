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
# The same rows into a table carrying the indexes that candidates has (identity key, unique
# (exam, ID), exam+status, exam+报名号): the engine's own floor for our schema.
INDEXED="create table indexed (id integer primary key, exam_id integer default 1,
  registration_no text, id_number text, name text, email text, school text, is_student text,
  hukou text, subject text, phone text, status text default 'draft');
  create unique index indexed_id on indexed (exam_id, id_number);
  create index indexed_status on indexed (exam_id, status);
  create index indexed_reg on indexed (exam_id, registration_no)"
COLS="registration_no, id_number, name, email, school, is_student, hukou, subject, phone"

# SQLite: shenhe import into a fresh data folder, then sqlite3 .import into a plain table.
rm -rf "$OUT/sqlite" && mkdir -p "$OUT/sqlite"
export SHENHE_DATA_DIR="$OUT/sqlite" SHENHE_LOG=warn
$BIN exam add config/exam.toml --current >/dev/null
t_shenhe_sqlite=$(seconds $BIN import "$CSV")
t_sqlite3=$(seconds sqlite3 "$OUT/sqlite/plain.db" "$PLAIN;" ".import --csv --skip 1 $CSV plain")
t_sqlite3_indexed=$(seconds sqlite3 "$OUT/sqlite/plain.db" "$INDEXED;" \
  "insert into indexed ($COLS) select $COLS from plain;")
t_sqlite3_indexed=$(echo "$t_sqlite3 + $t_sqlite3_indexed" | bc)

# PostgreSQL: a fresh database each run.
psql "$PG_ADMIN" -qc "drop database if exists shenhe_bench" -c "create database shenhe_bench"
export SHENHE_DATABASE_URL="$PG_URL"
$BIN exam add config/exam.toml --current >/dev/null
t_shenhe_pg=$(seconds $BIN import "$CSV")
psql "$PG_URL" -qc "$PLAIN"
t_copy=$(seconds psql "$PG_URL" -qc "\\copy plain from '$CSV' with (format csv, header true)")
psql "$PG_URL" -qc "${INDEXED//integer primary key/bigint generated always as identity primary key}"
t_copy_indexed=$(seconds psql "$PG_URL" -qc "\\copy indexed ($COLS) from '$CSV' with (format csv, header true)")
t_reimport_pg=$(seconds $BIN import "$CSV")

printf '\n%s rows (%s MB CSV), %s\n\n' "$ROWS" "$(( $(stat -c %s "$CSV") / 1000000 ))" "$(date -u +%F)"
printf '| load | engine | seconds | × plain | × indexed |\n|---|---|---:|---:|---:|\n'
row() { printf '| %s | %s | %.2f | %.2f | %.2f |\n' "$1" "$2" "$3" "$(echo "$3 / $4" | bc -l)" "$(echo "$3 / $5" | bc -l)"; }
row "sqlite3 .import, plain table" SQLite "$t_sqlite3" "$t_sqlite3" "$t_sqlite3_indexed"
row "sqlite3 .import + insert into an indexed table" SQLite "$t_sqlite3_indexed" "$t_sqlite3" "$t_sqlite3_indexed"
row "shenhe import, new roster" SQLite "$t_shenhe_sqlite" "$t_sqlite3" "$t_sqlite3_indexed"
row "COPY, plain table" PostgreSQL "$t_copy" "$t_copy" "$t_copy_indexed"
row "COPY, indexed table" PostgreSQL "$t_copy_indexed" "$t_copy" "$t_copy_indexed"
row "shenhe import, new roster" PostgreSQL "$t_shenhe_pg" "$t_copy" "$t_copy_indexed"
row "shenhe import, same roster again (all unchanged)" PostgreSQL "$t_reimport_pg" "$t_copy" "$t_copy_indexed"
