# lib.sh — shared helpers for integration tests (sourced by each test).
#
# Every test gets a fresh temporary directory $T, removed on exit together
# with every process started through start_bg (stopped by process id).
# Waits are bounded: wait_until gives up after its timeout and fails.
set -euo pipefail

: "${PRAXIS_BIN:?PRAXIS_BIN must point at the build directory}"
: "${PRAXIS_SRC:?PRAXIS_SRC must point at the source directory}"
PRAXIS="$PRAXIS_BIN/cli/praxis"
PRAXISD="$PRAXIS_BIN/node/praxisd"
T="$(mktemp -d /tmp/px-it.XXXXXX)"
PIDS=()
# Debian's python3 (with its python3-* packages), not whatever is first on PATH.
PY=/usr/bin/python3

cleanup() {
    local pid
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] || continue
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$T"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok   $*"; }

px() { "$PRAXIS" "$@"; }

# Run a command that must fail with exit status $1; its stderr goes to $T/err.
expect_exit() {
    local want="$1"; shift
    local got=0
    "$@" >"$T/out" 2>"$T/err" || got=$?
    [ "$got" = "$want" ] || { cat "$T/err" >&2; fail "'$*' exited $got, wanted $want"; }
}

# expect_err PATTERN: the last expect_exit's stderr matches PATTERN.
expect_err() {
    grep -qE -- "$1" "$T/err" || { cat "$T/err" >&2; fail "stderr does not match '$1'"; }
}

# wait_until SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds.
wait_until() {
    local limit="$1"; shift
    local end=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$end" ] || fail "timed out after ${limit}s waiting for: $*"
        sleep 0.1
    done
}

# A TCP port on 127.0.0.1 that is free right now.
free_port() {
    "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_bg LOGFILE COMMAND...: start in the background, remember the pid.
start_bg() {
    local log="$1"; shift
    "$@" >"$log" 2>&1 &
    PIDS+=("$!")
    LAST_PID=$!
}

# count_entries DIR: number of entries held by the node in DIR.
count_entries() {
    px --data "$1" log --json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
