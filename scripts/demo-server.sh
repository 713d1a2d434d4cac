# Sourced by e2e/run.sh and fuzz/run.sh: a fresh demo server on a free port of 127.0.0.1.
#
#   start_demo_server BIN LOG [serve flags …]
#
# Makes an empty data folder ($data; extra set-up can run the binary on it before this),
# serves the demo there with its log in LOG, waits up to a minute for /readyz, and sets
# $url. On exit the server is stopped and the folder removed. Exits the calling script,
# with the server's log, when the server does not come up.

data=$(mktemp -d)
server=
stop_demo_server() {
    if [[ -n $server ]]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$data"
}
trap stop_demo_server EXIT

start_demo_server() {
    local bin=$1 log=$2
    shift 2
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    url=http://127.0.0.1:$port
    "$bin" --data-dir "$data" serve --demo --listen "127.0.0.1:$port" "$@" >"$log" 2>&1 &
    server=$!
    for _ in $(seq 1 120); do
        if ! kill -0 "$server" 2>/dev/null; then
            echo "the server exited; its log:" >&2
            cat "$log" >&2
            exit 1
        fi
        curl -sf "$url/readyz" >/dev/null && return 0
        sleep 0.5
    done
    echo "$url/readyz did not answer within a minute; the server's log:" >&2
    cat "$log" >&2
    exit 1
}
