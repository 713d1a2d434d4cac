#!/usr/bin/env bash
# API fuzzing: Schemathesis against /api/v1/openapi.json of a fresh demo server, once per
# role (anonymous, candidate, reviewer, admin), each with its own signed-in session.
#
#   cargo build --bin shenhe && fuzz/run.sh
#
# SHENHE_BIN:    the binary (default target/debug/shenhe; nothing is built here).
# FUZZ_EXAMPLES: test cases per operation and phase (default 20: the CI profile, about two
#                minutes). The long profile, by hand: FUZZ_EXAMPLES=1000 fuzz/run.sh (about an hour)
# FUZZ_SEED:     the Hypothesis seed (default 7), so a run can be repeated.
#
# Checks: not_a_server_error, status_code_conformance, content_type_conformance,
# response_schema_conformance, response_headers_conformance, negative_data_rejection.
# Left out: positive_data_acceptance (a schema-valid request may still be refused by the
# rules: a closed window, a case someone else holds, 409/422 are honest answers);
# ignored_auth and the stateful checks (use_after_free, ensure_resource_availability) need
# a security scheme / links the document does not declare (the session is a cookie plus
# a CSRF header, given to every request here).
#
# Output in target/fuzz/: <role>.txt (Schemathesis' text output), <role>.xml (JUnit),
# server.log. Exits non-zero when any role finds a failure.
set -euo pipefail

cd "$(dirname "$0")/.."
bin=${SHENHE_BIN:-target/debug/shenhe}
examples=${FUZZ_EXAMPLES:-20}
seed=${FUZZ_SEED:-7}
out=target/fuzz
venv=target/venv-fuzz
if [[ ! -x $bin ]]; then
    echo "fuzz: no server binary at $bin (cargo build --bin shenhe, or set SHENHE_BIN)" >&2
    exit 1
fi

if [[ ! -x $venv/bin/schemathesis ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --disable-pip-version-check -q -r fuzz/requirements.txt
py=$venv/bin/python

rm -rf "$out"
mkdir -p "$out"
# shellcheck source=../scripts/demo-server.sh
source scripts/demo-server.sh
start_demo_server "$bin" "$out/server.log" --login-attempts-per-minute 100000

# sign_in ACCOUNT PASSWORD: prints "<cookie value> <csrf token>".
sign_in() {
    local headers body
    headers=$(mktemp)
    body=$(curl -sf -D "$headers" -H 'content-type: application/json' \
        -d "{\"account\": \"$1\", \"password\": \"$2\"}" "$url/api/v1/login")
    printf '%s %s\n' \
        "$(sed -n 's/^set-cookie: shenhe_session=\([^;]*\);.*/\1/Ip' "$headers")" \
        "$("$py" -c 'import json, sys; print(json.load(sys.stdin)["csrf_token"])' <<<"$body")"
    rm -f "$headers"
}

# A demo candidate still has the initial password (the email): replace it first, as a
# real one must, so the session reaches the portal's routes. The change ends every session,
# so sign in again with the new password.
read -r candidate_cookie candidate_csrf < <(sign_in 420502200203150215 liming@example.com)
curl -sf -o /dev/null -H 'content-type: application/json' \
    -H "cookie: shenhe_session=$candidate_cookie" -H "x-csrf-token: $candidate_csrf" \
    -d '{"current": "liming@example.com", "new": "Fuzz-candidate-2026"}' "$url/api/v1/password"
read -r candidate_cookie candidate_csrf < <(sign_in 420502200203150215 Fuzz-candidate-2026)
# Two photos, so the portal's image routes have something to show and to delete
# (fuzz/known-ids.toml), and a case for the reviewer's routes (李明 is candidate 1).
"$py" - "$data/photo.png" <<'PNG'
import struct, sys, zlib
width, height = 800, 600
rows = bytearray()
for y in range(height):
    rows.append(0)
    for x in range(width):
        rows += bytes((x * 255 // width, y * 255 // height, (x ^ y) & 255))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
with open(sys.argv[1], "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows)))
            + chunk(b"IEND", b""))
PNG
upload() {
    curl -sf -H "cookie: shenhe_session=$candidate_cookie" -H "x-csrf-token: $candidate_csrf" \
        -F "file=@$data/photo.png;type=image/png" "$url/api/v1/materials/id_card/images" |
        "$py" -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}
FUZZ_IMAGE_ID=$(upload)
FUZZ_SPARE_IMAGE_ID=$(upload)
FUZZ_CASE_ID=1
export FUZZ_IMAGE_ID FUZZ_SPARE_IMAGE_ID FUZZ_CASE_ID
read -r reviewer_cookie reviewer_csrf < <(sign_in reviewer Demo-review-2023)
read -r admin_cookie admin_csrf < <(sign_in admin Demo-admin-2023)

checks=not_a_server_error,status_code_conformance,content_type_conformance
checks+=,response_schema_conformance,response_headers_conformance,negative_data_rejection

# fuzz ROLE CONFIG [ARGS…]: one Schemathesis run (CONFIG: a settings file, or "" for
# none); its failures are counted, not fatal here.
failed=()
fuzz() {
    local role=$1 config=()
    [[ -n $2 ]] && config=(--config-file "$2")
    shift 2
    echo "== $role"
    if ! "$venv/bin/schemathesis" "${config[@]}" run "$url/api/v1/openapi.json" \
        --checks "$checks" --max-examples "$examples" --seed "$seed" \
        --generation-database none --workers 1 --no-color \
        --report junit --report-junit-path "$out/$role.xml" \
        "$@" 2>&1 | tee "$out/$role.txt" | tail -n 25; then
        failed+=("$role")
    fi
}

# Signed-in runs leave out sign-out and the password change (they would end or change the
# session being fuzzed; the anonymous run covers them, and the candidate's password change
# above is a real one) and sign-in (it ignores the session; the anonymous run covers it).
own_session=(--exclude-path /api/v1/logout --exclude-path /api/v1/password
    --exclude-path /api/v1/login)
fuzz anonymous ""
fuzz candidate fuzz/known-ids.toml "${own_session[@]}" \
    -H "Cookie: shenhe_session=$candidate_cookie" -H "X-CSRF-Token: $candidate_csrf"
fuzz reviewer fuzz/known-ids.toml "${own_session[@]}" \
    -H "Cookie: shenhe_session=$reviewer_cookie" -H "X-CSRF-Token: $reviewer_csrf"
# The admin runs last: its changes (staff disabled, candidates' passwords reset, new rules)
# would otherwise end or change the other sessions. The settings run last of all: turning on
# "two-step verification required" sends every staff session, the admin's too, to TOTP
# enrollment (403 `must_enroll_totp`), which would leave the rest of an admin run hollow.
admin=(-H "Cookie: shenhe_session=$admin_cookie" -H "X-CSRF-Token: $admin_csrf")
fuzz admin "" "${own_session[@]}" --exclude-path /api/v1/admin/settings "${admin[@]}"
fuzz admin-settings "" --include-path /api/v1/admin/settings "${admin[@]}"

if ((${#failed[@]})); then
    echo "fuzz: failures for: ${failed[*]} (see $out/)" >&2
    exit 1
fi
echo "fuzz: every role passed"
