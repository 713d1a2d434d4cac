#!/usr/bin/env bash
# Photo normalisation benchmark: shenhe::imaging::normalise on a phone-like 12-megapixel JPEG
# (4032×3024, q92, EXIF orientation 6) beside vipsthumbnail making the same two outputs, a
# 2560 px photo and a 320 px thumbnail (Q=85, metadata stripped, auto-rotated).
# Usage: bench/imaging.sh [runs]   (default 20 images per timed process)
#
# Time per image = (time of a process doing `runs` images − time of one doing 1) / (runs − 1),
# so process start-up is left out for both. The rounds interleave the tools, and the median
# round is reported, because a shared host drifts by several ms over a minute. Peak RSS is
# that of a one-image process. "One core" pins everything to CPU 0 (vips with one thread).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-20}"
ROUNDS=3
OUT=bench/out/imaging
mkdir -p "$OUT/copies" "$OUT/vips"

cargo build --release --quiet --example imaging_bench
BIN=target/release/examples/imaging_bench
PHOTO="$OUT/phone.jpg"
[ -f "$PHOTO" ] || $BIN generate "$PHOTO"

if ! command -v vipsthumbnail >/dev/null; then
  apt-get install -y libvips-tools >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get install -y libvips-tools >/dev/null; }
fi

# vipsthumbnail caches operations by file name: one name per image keeps every load real.
COPIES=()
for i in $(seq 1 "$RUNS"); do
  ln -sf ../phone.jpg "$OUT/copies/p$i.jpg"
  COPIES+=("$OUT/copies/p$i.jpg")
done

# measure CMD... → "wall_ms cpu_ms rss_kb"
measure() {
  local start end
  start=$(date +%s%N)
  /usr/bin/time -f "%U %S %M" -o "$OUT/time.txt" "$@" >/dev/null 2>&1
  end=$(date +%s%N)
  awk -v wall=$(((end - start) / 1000)) '{ printf "%.1f %.1f %d\n", wall / 1000, ($1 + $2) * 1000, $3 }' "$OUT/time.txt"
}

# per_image "one-image measure" "n-image measure" → "ms cpu_ms rss_mb"
per_image() {
  read -r w1 c1 r1 <<<"$1"
  read -r wn cn _ <<<"$2"
  awk -v w1="$w1" -v c1="$c1" -v wn="$wn" -v cn="$cn" -v r="$r1" -v n="$RUNS" \
    'BEGIN { printf "%.1f %.1f %.1f\n", (wn - w1) / (n - 1), (cn - c1) / (n - 1), r / 1024 }'
}

declare -A result
run_round() {
  local pin=("$@") k
  k="${pin[*]:-two}"
  result["ours $k"]+="$(per_image "$(measure "${pin[@]}" $BIN run "$PHOTO" 1)" \
    "$(measure "${pin[@]}" $BIN run "$PHOTO" "$RUNS")");"
  result["v2560 $k"]+="$(per_image "$(measure "${pin[@]}" vipsthumbnail "${COPIES[0]}" --size 2560 -o "$PWD/$OUT/vips/%s_2560.jpg[Q=85,strip]")" \
    "$(measure "${pin[@]}" vipsthumbnail "${COPIES[@]}" --size 2560 -o "$PWD/$OUT/vips/%s_2560.jpg[Q=85,strip]")");"
  result["v320 $k"]+="$(per_image "$(measure "${pin[@]}" vipsthumbnail "${COPIES[0]}" --size 320 -o "$PWD/$OUT/vips/%s_320.jpg[Q=85,strip]")" \
    "$(measure "${pin[@]}" vipsthumbnail "${COPIES[@]}" --size 320 -o "$PWD/$OUT/vips/%s_320.jpg[Q=85,strip]")");"
}
for _ in $(seq 1 "$ROUNDS"); do
  run_round
  export VIPS_CONCURRENCY=1
  run_round taskset -c 0
  unset VIPS_CONCURRENCY
done

# median KEY → "ms cpu_ms rss_mb" of the round with the median wall time
median() { tr ';' '\n' <<<"${result[$1]}" | grep . | sort -n | sed -n "$(((ROUNDS + 1) / 2))p"; }

table() {
  local k=$1 label=$2
  read -r om oc orss <<<"$(median "ours $k")"
  read -r am ac arss <<<"$(median "v2560 $k")"
  read -r bm bc brss <<<"$(median "v320 $k")"
  local vm vc vrss
  vm=$(echo "$am + $bm" | bc -l) vc=$(echo "$ac + $bc" | bc -l)
  vrss=$(echo "if ($arss > $brss) $arss else $brss" | bc -l)
  row() { printf '| %s | %.1f | %.1f | %.1f | %.2f | %.2f | %.2f |\n' "$1" "$2" "$3" "$4" \
    "$(echo "$2 / $vm" | bc -l)" "$(echo "$3 / $vc" | bc -l)" "$(echo "$4 / $vrss" | bc -l)"; }
  printf '\n%s\n\n' "$label"
  printf '| operation | ms per image | CPU ms per image | peak RSS MB | × vips time | × vips CPU | × vips RSS |\n'
  printf '|---|---:|---:|---:|---:|---:|---:|\n'
  row "vipsthumbnail → 2560 px" "$am" "$ac" "$arss"
  row "vipsthumbnail → 320 px" "$bm" "$bc" "$brss"
  row "vipsthumbnail, both (sum; RSS the larger)" "$vm" "$vc" "$vrss"
  row "shenhe normalise → 2560 px + 320 px, one pass" "$om" "$oc" "$orss"
}

printf '\n%s: %s, %s KB; %s images per timed process, median of %s rounds; %s; %s\n' \
  "$(date -u +%F)" "$PHOTO" "$(($(stat -c %s "$PHOTO") / 1024))" "$RUNS" "$ROUNDS" \
  "$(vipsthumbnail --vips-version)" "$($BIN run "$PHOTO" "$RUNS")"
table two "Two cores (both tools multi-threaded as they come)"
table "taskset -c 0" "One core (taskset -c 0; VIPS_CONCURRENCY=1)"
