# SPDX-License-Identifier: Apache-2.0
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
# fail, wait_until, free_port, start_bg, running, stop_pids
source "$(dirname "${BASH_SOURCE[0]}")/net.sh"

cleanup() {
    stop_pids
    rm -rf "$T"
}
trap cleanup EXIT

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

# count_entries DIR: number of entries held by the node in DIR.
count_entries() {
    px --data "$1" log --json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["entries"]))'
}

# --- networks of nodes --------------------------------------------------------

ROOT=""

# admit NAME [ROLE]: the root admits NAME's key (role centre by default).
admit() {
    px --data "$T/$ROOT" member add "$(px --data "$T/$1" id)" --org "$1" --country KZ \
        --role "${2:-centre}" >/dev/null
}

# hand_root_feed NAME: give NAME the root's feed (the membership) by import,
# as a secretariat hands a new member the genesis and the member list.
hand_root_feed() {
    px --data "$T/$ROOT" feed export --author me "$T/root.feed" 2>/dev/null
    px --data "$T/$1" feed import "$T/root.feed" 2>/dev/null
}

# join NAME: NAME joins the network of $ROOT and is admitted.
join() {
    px --data "$T/$1" init --network "$T/genesis.json" >/dev/null
    admit "$1"
    hand_root_feed "$1"
}

# make_network NAME...: the first node creates the network (and is its
# root); the rest join it and are admitted.
make_network() {
    ROOT="$1"; shift
    px --data "$T/$ROOT" init --name it >/dev/null
    px --data "$T/$ROOT" network export "$T/genesis.json" >/dev/null
    local n
    for n in "$@"; do px --data "$T/$n" init --network "$T/genesis.json" >/dev/null; admit "$n"; done
    for n in "$@"; do hand_root_feed "$n"; done
}

declare -A PORT NODE_PID

# start_node NAME [PEER_NAME...]: praxisd for NAME on a free port, dialling
# the named nodes (which must have been started, so their ports are known).
start_node() {
    local name="$1"; shift
    local args=(--data "$T/$name" --listen "127.0.0.1:${PORT[$name]:=$(free_port)}" --log-level debug)
    local p key
    for p in "$@"; do
        key="$(px --data "$T/$p" id)"
        args+=(--peer "$key@127.0.0.1:${PORT[$p]}")
    done
    start_bg "$T/$name.log" "$PRAXISD" "${args[@]}"
    NODE_PID[$name]=$LAST_PID
    # Its "started" line comes once it listens and answers. (Not the control
    # socket's file: a SIGKILLed node leaves that behind, so the wait would
    # pass before the new process had opened its store.)
    wait_until 60 grep -q "started;" "$T/$name.log"
}

# stop_node NAME: SIGTERM, wait up to 5 s for a clean exit, then SIGKILL.
stop_node() {
    local pid="${NODE_PID[$1]}"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do running "$pid" || break; sleep 0.05; done
    running "$pid" && kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
}

# received NAME: entries the node holds (from its store).
held() { px --data "$T/$1" status --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["entries"])'; }

# has_entries NAME N: the node holds at least N entries.
has_entries() { [ "$(held "$1")" -ge "$2" ]; }

# publish_n NAME N: publish N small case records at NAME.
publish_n() {
    "$PY" -c "import json; print(json.dumps([{'title': {'en': '$1 record %d' % i}, 'summary': {'en': 'test record'}, 'country': 'KZ', 'stage': 'idea'} for i in range($2)]))" \
        | px --data "$T/$1" publish case - >/dev/null
}
