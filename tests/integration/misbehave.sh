# SPDX-License-Identifier: Apache-2.0
# misbehave.sh — hostile members: each completes the handshake as an
# admitted member and then misbehaves (forged signature, broken chain,
# another network's entries, its own fork, a byte per second, a flood of
# valid-looking messages). The node stays up, stores nothing invalid, keeps
# serving an honest peer with bounded delay, backs the offenders off, and
# its memory stays bounded.
source "$(dirname "$0")/lib.sh"
PEER="$PRAXIS_BIN/tests/px_peer"

make_network a b forge chain othernet fork slow flood
start_node a
start_node b a
KA="$(px --data "$T/a" id)"
to="$KA@127.0.0.1:${PORT[a]}"
publish_n a 100
wait_until 20 has_entries b "$(held a)"

# The slow peer trickles a byte per second for the whole test.
start_bg "$T/slow.out" "$PEER" slow --data "$T/slow" --to "$to" --hold 20000 --timeout 5000
slow_pid=$LAST_PID

# honest_delay: publish one entry at A; B must have it within 2 s.
honest_delay() {
    local want=$(( $(held a) + 1 ))
    local t0=$(date +%s%N)
    echo '{"title": {"en": "honest"}, "summary": {"en": "test record"}, "country": "KZ", "stage": "idea"}' | px --data "$T/a" publish case - >/dev/null
    wait_until 2 has_entries b "$want" || return 1
    echo $(( ($(date +%s%N) - t0) / 1000000 ))
}

for mode in forge chain othernet; do
    "$PEER" "$mode" --data "$T/$mode" --to "$to" --timeout 5000 >"$T/$mode.out" 2>&1 ||
        { cat "$T/$mode.out" >&2; fail "px_peer $mode: the node kept the connection"; }
    ms="$(honest_delay)" || fail "the honest peer stalled after $mode"
    pass "$mode: dropped; the honest peer got a new entry in $ms ms"
done
# The chain peer's seq 1 is valid and kept; its seq 2 (broken link) is not.
declare -A valid=([forge]=0 [chain]=1 [othernet]=0)
for mode in forge chain othernet; do
    [ "$(px --data "$T/a" log "$(px --data "$T/$mode" id)" | grep -c "^ *[0-9]")" = "${valid[$mode]}" ] ||
        fail "A stored an invalid entry from the $mode peer"
    "$PEER" hello --data "$T/$mode" --to "$to" --timeout 2000 >/dev/null 2>&1 &&
        fail "the $mode peer was let in again at once"
done
grep -q "sent a bad entry" "$T/a.log" || fail "A does not log the bad entries"
pass "nothing invalid stored; the offenders are refused for a while"

"$PEER" fork --data "$T/fork" --to "$to" --timeout 5000 >"$T/fork.out" 2>&1 ||
    { cat "$T/fork.out" >&2; fail "px_peer fork failed"; }
px --data "$T/a" status | grep -q FROZEN || fail "A did not freeze the forked feed"
px --data "$T/a" verify >/dev/null || fail "A's store does not verify after the fork"
pass "an author's own fork: both versions kept, the feed frozen"

"$PEER" flood --data "$T/flood" --to "$to" --count 200 --timeout 20000 >"$T/flood.out" 2>&1 ||
    { cat "$T/flood.out" >&2; fail "px_peer flood failed"; }
ms="$(honest_delay)" || fail "the honest peer stalled after the flood"
pass "$(cat "$T/flood.out" | cut -d: -f2-); the honest peer got a new entry in $ms ms"

ms="$(honest_delay)" || fail "the honest peer stalled while the slow peer trickles"
pass "a byte-per-second peer: the honest peer got a new entry in $ms ms meanwhile"

running "${NODE_PID[a]}" || fail "A died"
px --data "$T/a" verify >/dev/null || fail "A's store does not verify"
px --data "$T/b" verify >/dev/null || fail "B's store does not verify"
rss_kb="$(awk '/^VmHWM:/ {print $2}' "/proc/${NODE_PID[a]}/status")"
limit_kb=$((64 * 1024))
if grep -q asan "/proc/${NODE_PID[a]}/maps"; then limit_kb=$((768 * 1024)); fi
[ "$rss_kb" -le "$limit_kb" ] || fail "A's peak RSS is $rss_kb kB"
pass "A is up, both stores verify; A's peak RSS $((rss_kb / 1024)) MB (bound $((limit_kb / 1024)) MB)"
echo "misbehave: all passed"
