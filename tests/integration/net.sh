# SPDX-License-Identifier: Apache-2.0
# net.sh — the network helpers shared by the integration tests (lib.sh),
# the benchmarks (bench/*.sh) and the demo (bootstrap/demo.sh): free ports,
# bounded waits, background processes remembered by process id. Sourcing it
# starts nothing and sets no trap: each script cleans up in its own way
# (lib.sh's cleanup, a benchmark's trap), stopping the pids in PIDS.

PY="${PY:-/usr/bin/python3}"

fail() { echo "FAIL: $*" >&2; exit 1; }

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

# running PID: the process exists and is not a zombie.
running() { [ -e "/proc/$1" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null; }

# stop_pids: SIGTERM every pid in PIDS, wait up to 5 s each, then SIGKILL.
stop_pids() {
    local pid
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] || continue
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
}
