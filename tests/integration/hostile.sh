#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# hostile.sh — one praxisd under hostile input (issue 3, "Hostile input"),
# driven by the px_peer test client: 1,000 garbage connections, floods of
# half-open connections, a handshake that stalls after msg1, a box-stream
# header claiming 5000 bytes, a message length of 2 MiB, bytes that are not
# msgpack, a message before the hello. Each must close that connection; in
# between and afterwards a good hello still completes within 2 s, the daemon
# keeps answering, its memory stays bounded, and it stops cleanly.
source "$(dirname "$0")/lib.sh"
PEER="$PRAXIS_BIN/tests/px_peer"
TIMEOUT_MS=1000 # the daemon's handshake timeout in this test

# gone PID: the process has exited (a zombie child counts as exited).
gone() {
    ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

px --data "$T/n" init --name hostile-test >/dev/null
px --data "$T/n" network export "$T/genesis.json" >/dev/null
px --data "$T/p" init --network "$T/genesis.json" >/dev/null # the good peer
# The good peer, and one admitted identity per misbehaviour: a member that
# breaks the protocol is refused for a while afterwards (checked below).
for who in p m1 m2 m3 m4; do
    [ "$who" = p ] || px --data "$T/$who" init --network "$T/genesis.json" >/dev/null
    px --data "$T/n" member add "$(px --data "$T/$who" id)" --org "$who" --country KZ >/dev/null
done
port="$(free_port)"
to="127.0.0.1:$port" # the node is the network's root: no KEY@ needed
start_bg "$T/n.log" "$PRAXISD" --data "$T/n" --listen "$to" \
    --handshake-timeout "$TIMEOUT_MS" --log-level debug
pid=$LAST_PID
wait_until 10 test -S "$T/n/control.sock"

# A good hello must complete within 2 s (px_peer's --timeout bounds every
# step of it, from connect to the server's goodbye).
good_hello() {
    "$PEER" hello --data "$T/p" --to "$to" --timeout 2000 >"$T/hello" ||
        { cat "$T/hello" >&2; fail "a good hello did not complete within 2 s ($1)"; }
    pass "good hello $1: $(sed 's/^hello ok: //' "$T/hello")"
}

# peer MODE ARGS...: run px_peer, which must report the expected outcome.
peer() {
    "$PEER" "$@" >"$T/peer.out" 2>&1 || { cat "$T/peer.out" >&2; fail "px_peer $1 failed"; }
    pass "$(head -n1 "$T/peer.out")"
}

good_hello "at the start"

peer garbage --to "$to" --count 1000
good_hello "after 1,000 garbage connections"

# Half-open flood: 200 connections that send nothing, held past the
# handshake timeout. The node keeps at most 64 unfinished handshakes (each
# new one beyond that displaces the oldest), so a good peer still gets in
# while the flood is held, and the timeout cuts the rest off.
hold=$((TIMEOUT_MS * 3))
start_bg "$T/flood.out" "$PEER" halfopen --to "$to" --count 200 --hold "$hold"
flood=$LAST_PID
wait_until 20 grep -q holding "$T/flood.out"
good_hello "while 200 half-open connections are held"
wait_until $((hold / 1000 + 10)) grep -q 'halfopen ok' "$T/flood.out"
grep -q ', 0 still open' "$T/flood.out" || { cat "$T/flood.out" >&2; fail "the node did not cut the half-open connections off"; }
wait "$flood" || fail "px_peer halfopen failed"
pass "$(tail -n1 "$T/flood.out")"
grep -q 'dropping the oldest' "$T/n.log" || fail "the flood never reached the handshake limit"

# The same with half a msg1 each (the node has read some bytes of each).
start_bg "$T/flood2.out" "$PEER" halfopen --to "$to" --count 200 --hold 500 --partial
flood=$LAST_PID
wait_until 20 grep -q holding "$T/flood2.out"
good_hello "while 200 connections that sent half a msg1 are held"
wait_until 20 grep -q 'halfopen ok' "$T/flood2.out"
wait "$flood" || fail "px_peer halfopen --partial failed"

# A handshake that stops after msg1 is cut off by the handshake timeout.
peer stall --data "$T/p" --to "$to" --timeout $((TIMEOUT_MS * 3))
ms="$(sed -n 's/.* after \([0-9]*\) ms.*/\1/p' "$T/peer.out")"
[ "$ms" -ge $((TIMEOUT_MS * 9 / 10)) ] && [ "$ms" -le $((TIMEOUT_MS * 2)) ] ||
    fail "a stalled handshake was cut off after $ms ms; the timeout is $TIMEOUT_MS ms"

# Violations after a good handshake and hello: each closes that connection.
peer bigheader --data "$T/m1" --to "$to"
peer bigmsg --data "$T/m2" --to "$to"
peer badmsgpack --data "$T/m3" --to "$to"
peer nohello --data "$T/m4" --to "$to"
# The offender is refused at its next handshake (backed off), others are not.
"$PEER" hello --data "$T/m1" --to "$to" --timeout 2000 >"$T/banned" 2>&1 &&
    fail "a member that broke the protocol was let in again at once"
grep -q "refused for" "$T/n.log" || fail "the node did not log backing the offender off"
for why in 'announces a 5000-byte body' 'declares 2097152 bytes, above the limit' \
    'msgpack: invalid type byte' 'message before hello'; do
    grep -qE "$why" "$T/n.log" || fail "the node's debug log does not record '$why'"
done
pass "each violation is logged at debug level"

# After all of it: still up, still answering, memory bounded, no sessions
# left behind.
gone "$pid" && fail "praxisd died"
px --data "$T/n" peers --json >"$T/peers.json" || fail "praxis peers got no answer"
no_sessions() {
    px --data "$T/n" peers --json | "$PY" -c 'import json, sys; sys.exit(len(json.load(sys.stdin)["connections"]) != 0)'
}
wait_until 10 no_sessions
refused="$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["refused_connections"])' "$T/peers.json")"
pass "praxisd is up and answers praxis peers; no connection left over ($refused refused or displaced at the limits)"
good_hello "after everything"

rss_kb="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")"
hwm_kb="$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")"
limit_kb=$((64 * 1024))
if grep -q asan "/proc/$pid/maps"; then limit_kb=$((768 * 1024)); fi # ASan's shadow and quarantine
[ "$rss_kb" -le "$limit_kb" ] || fail "praxisd's RSS is $rss_kb kB, above $limit_kb kB"
pass "praxisd's RSS after the floods: $((rss_kb / 1024)) MB (peak $((hwm_kb / 1024)) MB; bound $((limit_kb / 1024)) MB)"

kill -TERM "$pid"
wait_until 10 gone "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 0 ] || fail "praxisd exited $rc after SIGTERM"
grep -q 'stopped cleanly' "$T/n.log" || fail "praxisd's log does not say it stopped cleanly"
pass "praxisd stopped cleanly on SIGTERM"
