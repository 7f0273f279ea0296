# SPDX-License-Identifier: Apache-2.0
# crash.sh — crash consistency, SQLite-crash-test style: a receiving praxisd
# killed with SIGKILL at random moments of a large sync, again and again; a
# `praxis feed import` and a `praxis publish` killed the same way. After
# every kill the store verifies; at the end the receiver's state equals the
# sender's, byte for byte (their exports are identical).
source "$(dirname "$0")/lib.sh"
KILLS="${PX_CRASH_KILLS:-8}"
seed="${PX_CRASH_SEED:-$RANDOM}"
echo "crash seed $seed, $KILLS kills per phase"
RANDOM=$seed
rand_ms() { echo $(( $1 + RANDOM % ($2 - $1) )); }
sleep_ms() { sleep "$(awk -v m="$1" 'BEGIN {printf "%.3f", m / 1000}')"; }

make_network a r
# 16,000 entries: a sync of them outlasts the kills' 20–180 ms windows below
# many times over, and each verify after a kill stays short.
publish_n a 16000
publish_n r 10
start_node a

# --- the receiver, killed mid-sync -----------------------------------------------------
counts=""
for i in $(seq "$KILLS"); do
    start_node r a
    sleep_ms "$(rand_ms 20 180)"
    kill -9 "${NODE_PID[r]}"
    wait "${NODE_PID[r]}" 2>/dev/null || true
    counts+=" $(held r)"
    px --data "$T/r" verify >/dev/null || fail "kill $i: the receiver's store does not verify"
done
echo "entries held after each kill:$counts"
mid=0
for n in $counts; do [ "$n" -lt "$(held a)" ] && mid=$((mid + 1)); done
[ "$mid" -ge $((KILLS / 2)) ] || fail "only $mid of $KILLS kills came during the sync"
start_node r a
total="$(held a)"
wait_until 120 has_entries r "$total"
px --data "$T/a" feed export "$T/a.all" 2>/dev/null
px --data "$T/r" feed export "$T/r.all" 2>/dev/null
cmp -s "$T/a.all" "$T/r.all" || fail "the receiver's final state differs from the sender's"
pass "receiver killed $KILLS times mid-sync: verify passed each time; final state equals the sender's"
stop_node r
stop_node a

# --- praxis feed import, killed mid-import --------------------------------------------------
px --data "$T/i" init --network "$T/genesis.json" >/dev/null
counts=""
for i in $(seq "$KILLS"); do
    px --data "$T/i" feed import "$T/a.all" 2>/dev/null &
    pid=$!
    sleep_ms "$(rand_ms 20 600)"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    counts+=" $(held i)"
    px --data "$T/i" verify >/dev/null || fail "import kill $i: the store does not verify"
done
echo "entries held after each import kill:$counts"
px --data "$T/i" feed import "$T/a.all" 2>/dev/null
px --data "$T/i" feed export "$T/i.all" 2>/dev/null
cmp -s "$T/a.all" "$T/i.all" || fail "after the interrupted imports the state differs from the source"
pass "import killed $KILLS times: verify passed each time; the final import completes the state"

# --- praxis publish, killed mid-publish: all or nothing ------------------------------------
"$PY" -c 'import json; print(json.dumps([{"title": {"en": "bulk %d" % i}, "summary": {"en": "test record"}, "country": "KZ", "stage": "idea"} for i in range(8000)]))' >"$T/bulk.json"
before="$(held r)"
for i in $(seq "$KILLS"); do
    px --data "$T/r" publish case "$T/bulk.json" >/dev/null 2>&1 &
    pid=$!
    sleep_ms "$(rand_ms 20 900)"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    now="$(held r)"
    [ $(( (now - before) % 8000 )) = 0 ] || fail "publish kill $i left a partial batch ($((now - before)) new entries)"
    px --data "$T/r" verify >/dev/null || fail "publish kill $i: the store does not verify"
done
px --data "$T/r" publish case "$T/bulk.json" >/dev/null || fail "the bulk records do not publish"
[ "$(held r)" -gt "$now" ] || fail "an uninterrupted publish stored nothing"
pass "publish killed $KILLS times: each time all 8,000 records or none; verify passed"
echo "crash: all passed"
