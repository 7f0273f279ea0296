# SPDX-License-Identifier: Apache-2.0
# verdict.sh — one verdict everywhere, against hostile members on real
# praxisd processes (issue 10): a run with a bad signature inside, a relay
# that strips bodies, a peer that never says hello, a flood of address
# announcements, and a keyless --peer that points at a node that is not the
# root.
source "$(dirname "$0")/lib.sh"
PEER="$PRAXIS_BIN/tests/px_peer"

make_network a h n c s m f q l
KA="$(px --data "$T/a" id)"
KH="$(px --data "$T/h" id)"

# start_with NAME ARGS...: praxisd for NAME on a free port with extra arguments.
start_with() {
    local name="$1"; shift
    start_bg "$T/$name.log" "$PRAXISD" --data "$T/$name" \
        --listen "127.0.0.1:${PORT[$name]:=$(free_port)}" --log-level debug "$@"
    NODE_PID[$name]=$LAST_PID
    wait_until 10 test -S "$T/$name/control.sock"
}
feed_len() { px --data "$T/$1" log "$2" --json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["entries"]))'; }
has_feed() { [ "$(feed_len "$1" "$2")" -ge "$3" ]; }

# --- a bad signature inside a validly signed run --------------------------------------
start_with a --handshake-timeout 2000
"$PEER" badrun --data "$T/h" --to "$KA@127.0.0.1:${PORT[a]}" --count 300 --timeout 10000 \
    >"$T/badrun.out" 2>&1 || { cat "$T/badrun.out" >&2; fail "px_peer badrun"; }
wait_until 10 has_feed a "$KH" 149
sleep 0.5
[ "$(feed_len a "$KH")" = 149 ] || fail "A holds $(feed_len a "$KH") of the hostile feed, not 149"
px --data "$T/a" verify >/dev/null || fail "A's store does not verify"
grep -q "sent a bad entry or message" "$T/a.log" || fail "A does not log the bad signature"
px --data "$T/a" peers --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if any(b["public_key"] == sys.argv[1] for b in d["misbehaving"]) else 1)' "$KH" ||
    fail "A does not list the hostile author as misbehaving"
pass "A holds the valid prefix (149 of 300), verify is green, the author is backed off"

# A newcomer syncing only through A gets the valid prefix and never backs A off.
start_node n a
wait_until 30 has_feed n "$KH" 149
px --data "$T/n" sync --wait --timeout 30 >"$T/sync.out" ||
    { cat "$T/sync.out" >&2; fail "the newcomer's sync --wait did not finish"; }
[ "$(feed_len n "$KH")" = 149 ] || fail "the newcomer holds $(feed_len n "$KH"), not 149"
px --data "$T/n" verify >/dev/null || fail "the newcomer's store does not verify"
[ "$(px --data "$T/n" peers --json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["misbehaving"]))')" = 0 ] ||
    fail "the newcomer backed the honest relay off"
grep -qE "misbehaved|sent a bad entry" "$T/n.log" && fail "the newcomer logs the relay as misbehaving"
pass "a newcomer syncing through A gets the 149 valid entries and never backs A off"

# --- a peer that claims entries it never sends cannot keep sync --wait going --------
start_bg "$T/liar.out" "$PEER" liar --data "$T/l" --to "$KA@127.0.0.1:${PORT[a]}" --hold 25000 \
    --timeout 5000
sleep 1
px --data "$T/a" sync --wait --timeout 20 >"$T/liar.sync" 2>&1 ||
    { cat "$T/liar.sync" >&2; fail "a peer claiming entries it never sends kept sync --wait from ending"; }
grep -q "peers' claims" "$T/liar.sync" || fail "sync does not label remaining as an estimate"
grep -q "more claimed by peers that stopped sending" "$T/liar.sync" ||
    fail "sync does not say that a peer's claims went unconfirmed"
pass "a lying peer's claims stop counting: sync --wait finished ($(tail -1 "$T/liar.sync"))"

# --- a peer that completes the handshake but never says hello --------------------------
"$PEER" silent --data "$T/q" --to "$KA@127.0.0.1:${PORT[a]}" --timeout 8000 >"$T/silent.out" 2>&1 ||
    { cat "$T/silent.out" >&2; fail "A kept a peer that never sent hello"; }
pass "$(cut -d: -f2- "$T/silent.out")"

# --- a relay that strips bodies --------------------------------------------------------
# C publishes; S (a member) relays C's feed to N with every body stripped.
# N stores the headers, asks its peers for the bodies and gets them from C.
KC="$(px --data "$T/c" id)"
publish_n c 20
px --data "$T/c" feed export --author me "$T/c.feed" 2>/dev/null
stop_node n
start_with n
"$PEER" strip --data "$T/s" --to "$(px --data "$T/n" id)@127.0.0.1:${PORT[n]}" --file "$T/c.feed" \
    --hold 500 --timeout 10000 >"$T/strip.out" 2>&1 || { cat "$T/strip.out" >&2; fail "px_peer strip"; }
wait_until 10 has_feed n "$KC" 20
first="$(px --data "$T/n" log "$KC" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["entries"][0]["id"])')"
px --data "$T/n" show "$first" --json | "$PY" -c 'import json,sys; sys.exit(0 if json.load(sys.stdin).get("body") is None else 1)' ||
    fail "the stripped entry arrived with a body after all"
start_node c n
body_back() {
    px --data "$T/n" show "$first" --json | "$PY" -c 'import json,sys; sys.exit(0 if json.load(sys.stdin).get("body") else 1)'
}
wait_until 20 body_back
all_back() {
    [ "$(px --data "$T/n" peers --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["replication"]["bodies_filled"])')" -ge 20 ]
}
wait_until 20 all_back
px --data "$T/n" verify >/dev/null || fail "N's store does not verify after the bodies came"
pass "bodies stripped by a relay: headers stored, the bodies asked for and filled in from C"

# --- a flood of address announcements ----------------------------------------------------
# M announces its address; F announces 8 new addresses every 1.3 s.
PORT[m]="$(free_port)"
start_with m --peer "$KA@127.0.0.1:${PORT[a]}" --announce "127.0.0.1:${PORT[m]}"
KM="$(px --data "$T/m" id)"
KF="$(px --data "$T/f" id)"
targets_of() {
    px --data "$T/a" peers --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(sum(1 for t in d["dial_targets"] if t["public_key"] == sys.argv[1]))' "$1"
}
m_known() { [ "$(targets_of "$KM")" -ge 1 ]; }
wait_until 20 m_known
"$PEER" announce --data "$T/f" --to "$KA@127.0.0.1:${PORT[a]}" --count 10 --hold 1300 \
    --timeout 10000 >"$T/announce.out" 2>&1 || { cat "$T/announce.out" >&2; fail "px_peer announce"; }
sleep 2
[ "$(feed_len a "$KF")" = 10 ] || fail "A did not store the 10 announcements"
nf="$(targets_of "$KF")"
[ "$nf" -le 4 ] || fail "A's dial table holds $nf addresses of the flooding member"
[ "$(targets_of "$KM")" -ge 1 ] || fail "the flood evicted M's address"
pass "an announcement flood: $nf of the flooder's addresses in the dial table, M's kept"

# --- a keyless --peer that points at a node that is not the root ------------------------
# N knows no announcement of that address: it warns, naming the address and the likely
# cause, once.
stop_node n
start_with n --peer "127.0.0.1:${PORT[m]}"
warned() { grep -q "warn  node: dial 127.0.0.1:${PORT[m]} failed: wrong key or network key" "$T/n.log"; }
wait_until 20 warned
px --data "$T/n" peers | grep -q "last error: wrong key or network key" ||
    fail "praxis peers does not show the dial target's last error"
sleep 3
[ "$(grep -c "warn  node: dial 127.0.0.1:${PORT[m]} failed" "$T/n.log")" = 1 ] ||
    fail "the same dial failure was warned about more than once"
pass "keyless --peer to a non-root node: one warning naming the address and the cause"
# With M's signed announcement of that address at hand (through A), the same
# keyless --peer takes M's key and connects.
stop_node n
start_with n --peer "127.0.0.1:${PORT[m]}" --peer "$KA@127.0.0.1:${PORT[a]}"
connected_to_m() {
    px --data "$T/n" peers --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if any(c["public_key"] == sys.argv[1] and c["state"] == "connected" for c in d["connections"]) else 1)' "$KM"
}
wait_until 40 connected_to_m
grep -q "from that member's signed announcement" "$T/n.log" || fail "N did not say where the key came from"
pass "keyless --peer takes the key from a member's signed announcement of that address"

running "${NODE_PID[a]}" || fail "A died"
echo "verdict: all passed"
