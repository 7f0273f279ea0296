#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# daemon.sh — praxisd processes on loopback (issue 3's tests): node A roots a
# new network and B joins it with A's exported genesis; B dials A and both
# list the other as connected after the hellos. C, from another network,
# dials A with A's key and never gets in (wrong network key). The px_peer
# test client completes a hello with A. A second praxisd on A's data
# directory refuses to start; A stops cleanly on SIGTERM (goodbye sent,
# control socket removed).
source "$(dirname "$0")/lib.sh"
PEER="$PRAXIS_BIN/tests/px_peer"

key_of() {
    px --data "$1" id --json | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["public_key"])'
}

# connected_to DIR KEY: DIR's daemon lists a connection to KEY whose hellos
# are done.
connected_to() {
    px --data "$1" peers --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if any(c["state"] == "connected" and c["public_key"] == sys.argv[1]
                  for c in d["connections"]) else 1)' "$2"
}

# peers_field DIR EXPR: evaluate a Python expression over DIR's peers JSON (d).
peers_field() {
    px --data "$1" peers --json | "$PY" -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"
}

# gone PID: the process has exited (a zombie child counts as exited).
gone() {
    ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

px --data "$T/a" init --name daemon-test >/dev/null
px --data "$T/a" network export "$T/genesis.json" >/dev/null
px --data "$T/b" init --network "$T/genesis.json" >/dev/null
px --data "$T/p" init --network "$T/genesis.json" >/dev/null # px_peer's identity
# The root admits B and px_peer's identity; non-members are refused at the handshake.
for n in b p; do px --data "$T/a" member add "$(px --data "$T/$n" id)" --org "$n" --country KZ >/dev/null; done
px --data "$T/c" init --name another-network >/dev/null
key_a="$(key_of "$T/a")"
key_b="$(key_of "$T/b")"
key_c="$(key_of "$T/c")"

port_a="$(free_port)"
start_bg "$T/a.log" "$PRAXISD" --data "$T/a" --listen "127.0.0.1:$port_a" --log-level debug
pid_a=$LAST_PID
wait_until 10 test -S "$T/a/control.sock"
start_bg "$T/b.log" "$PRAXISD" --data "$T/b" --peer "127.0.0.1:$port_a" --log-level debug
pid_b=$LAST_PID

wait_until 15 connected_to "$T/a" "$key_b"
wait_until 15 connected_to "$T/b" "$key_a"
[ "$(peers_field "$T/a" '[c["direction"] for c in d["connections"] if c["public_key"] == "'"$key_b"'"][0]')" = inbound ] ||
    fail "A does not list B's connection as inbound"
[ "$(peers_field "$T/b" '[c["direction"] for c in d["connections"] if c["public_key"] == "'"$key_a"'"][0]')" = outbound ] ||
    fail "B does not list its connection to A as outbound"
[ "$(peers_field "$T/b" '[c["software"] for c in d["connections"]][0]')" = "praxisd/$("$PRAXISD" --version | cut -d' ' -f2)" ] ||
    fail "B did not record A's software from its hello"
pass "B dialled A (no KEY: the root's); both list the other as connected, after the hellos"

px --data "$T/a" status >"$T/status"
grep -qE '^praxisd +running' "$T/status" || { cat "$T/status" >&2; fail "status does not say praxisd is running"; }
pass "praxis status says praxisd is running"

# C is on another network: it dials A with A's right public key, but its
# handshake starts with the wrong network key, which A refuses at msg1.
start_bg "$T/c.log" "$PRAXISD" --data "$T/c" --peer "$key_a@127.0.0.1:$port_a" --log-level debug
pid_c=$LAST_PID
c_failed_twice() { [ "$(peers_field "$T/c" 'd["dial_targets"][0]["failures"]')" -ge 2 ]; }
wait_until 20 c_failed_twice
[ "$(peers_field "$T/c" 'd["dial_targets"][0]["connected"]')" = False ] || fail "C's dial target says connected"
[ "$(peers_field "$T/c" 'sum(c["state"] == "connected" for c in d["connections"])')" = 0 ] ||
    fail "C lists a connection that got past the handshake"
[ "$(peers_field "$T/a" 'sum(c["state"] == "connected" for c in d["connections"])')" = 1 ] ||
    fail "A should have exactly one connection (to B)"
[ "$(peers_field "$T/a" 'sum(c["public_key"] == "'"$key_c"'" for c in d["connections"])')" = 0 ] ||
    fail "A learned C's key: C got past msg1"
grep -q 'hmac does not match the network key' "$T/a.log" ||
    fail "A's debug log does not say why it refused C"
connected_to "$T/b" "$key_a" || fail "B lost its connection to A meanwhile"
pass "C from another network never connects to A (wrong network key; $(peers_field "$T/c" 'd["dial_targets"][0]["failures"]') failed dials, backing off)"

"$PEER" hello --data "$T/p" --to "127.0.0.1:$port_a" >"$T/hello" || { cat "$T/hello" >&2; fail "px_peer hello to A failed"; }
pass "px_peer (blocking sockets, pure shs/boxstream/wire) exchanged hellos with A: $(cat "$T/hello")"

# A second daemon on A's data directory must refuse while A runs, and leave
# A's control socket alone.
expect_exit 1 timeout 10 "$PRAXISD" --data "$T/a" --log-level debug
expect_err 'another praxisd is running'
connected_to "$T/a" "$key_b" || fail "A stopped answering after the second daemon was refused"
pass "a second praxisd on the same data directory refuses to start: $(tail -n1 "$T/err")"

kill -TERM "$pid_a"
wait_until 10 gone "$pid_a"
rc=0
wait "$pid_a" || rc=$?
[ "$rc" = 0 ] || { cat "$T/a.log" >&2; fail "A exited $rc after SIGTERM"; }
grep -q 'stopped cleanly' "$T/a.log" || fail "A's log does not say it stopped cleanly"
[ ! -e "$T/a/control.sock" ] || fail "A left its control socket behind"
wait_until 10 grep -q 'peer said goodbye' "$T/b.log"
pass "A stopped cleanly on SIGTERM (exit 0, control.sock removed, B got a box-stream goodbye)"

expect_exit 1 px --data "$T/a" peers
expect_err 'not running'
px --data "$T/a" status | grep -qE '^praxisd +not running' || fail "status does not say praxisd is not running"
pass "with A stopped, praxis peers fails and status says so"

for pid in "$pid_b" "$pid_c"; do
    kill -TERM "$pid"
    wait_until 10 gone "$pid"
    rc=0
    wait "$pid" || rc=$?
    [ "$rc" = 0 ] || fail "praxisd $pid exited $rc after SIGTERM"
done
pass "B and C stopped cleanly too"
