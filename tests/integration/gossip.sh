# SPDX-License-Identifier: Apache-2.0
# gossip.sh — replication between real praxisd processes on loopback:
# a line, a random topology of eight, a receiver killed mid-sync, a node
# whose store was wiped, and a fork that must freeze the feed everywhere.
source "$(dirname "$0")/lib.sh"

# --- A - B - C: entries from A reach C through B, also live ----------------------
make_network a b c
publish_n a 300
start_node a
start_node b a
start_node c b
wait_until 30 has_entries c 300
publish_n a 1
wait_until 10 has_entries c 301
px --data "$T/c" verify >/dev/null || fail "C's store does not verify"
px --data "$T/c" log "$(px --data "$T/a" id)" | grep -q "^ *301 " || fail "C lacks A's seq 301"
# C never talked to A: every entry came through B and was checked against A's key.
grep -q "connected to $(px --data "$T/a" id | cut -c1-16)" "$T/c.log" && fail "C connected to A directly"
publish_n c 5
wait_until 10 has_entries a 306
pass "line A-B-C, initial and live"

# --- the receiver killed with SIGKILL in the middle of a sync, three times ----------
# 20,000 entries: enough that each kill below lands mid-sync (bench/sync.sh
# measures sync at scale; this test is about recovery).
publish_n a 20000
# K gets nothing by hand: it dials the root, which knows its admission.
px --data "$T/k" init --network "$T/genesis.json" >/dev/null
admit k
wait_until 120 has_entries b "$(held a)"
total="$(held a)"
kills=""
for at in 1 2000 8000; do
    start_node k a
    wait_until 60 has_entries k "$at"
    kill -9 "${NODE_PID[k]}"
    wait "${NODE_PID[k]}" 2>/dev/null || true
    n="$(held k)"
    kills+=" $n"
    [ "$n" -lt "$total" ] || fail "the kill came after the sync had finished ($n entries)"
    px --data "$T/k" verify >/dev/null || fail "store does not verify after SIGKILL at $n entries"
done
start_node k a
wait_until 120 has_entries k "$total"
px --data "$T/k" verify | grep -q "ok: $total entries" || fail "after restarts: lost or duplicated entries"
px --data "$T/k" sync --wait --timeout 30 >/dev/null || fail "sync --wait did not report caught up"
pass "SIGKILL mid-sync 3 times (at$kills entries), restarts catch up, verify passes"

# --- a wiped data directory, re-initialised with the same key, catches up -----------
stop_node c
mkdir -p "$T/c2"
cp "$T/c/secret.key" "$T/c/genesis.json" "$T/c2/"
rm -rf "$T/c"; mv "$T/c2" "$T/c"
[ "$(held c)" = 0 ] || fail "wiped store is not empty"
start_node c b
wait_until 120 has_entries c "$total"
px --data "$T/c" log me | grep -q "^ *5 " || fail "C did not get its own feed back"
pass "wiped and re-initialised node catches up, its own feed included"

# --- a fork reaches every node and freezes the feed ----------------------------------
# f's identity is used from two data directories that both append seq 1.
join f
cp -a "$T/f" "$T/f2"
echo '{"title": {"en": "one version"}, "summary": {"en": "test record"}, "country": "KZ", "stage": "idea"}' | px --data "$T/f" publish case - >/dev/null
echo '{"title": {"en": "another version"}, "summary": {"en": "test record"}, "country": "KZ", "stage": "idea"}' | px --data "$T/f2" publish case - >/dev/null
start_node f a
frozen_everywhere() {
    local n
    for n in a b c k; do
        px --data "$T/$n" status --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin); key = sys.argv[1]
sys.exit(0 if any(f["author"] == key and f["frozen"] for f in d["feeds"]) else 1)' "$(px --data "$T/f" id)" || return 1
    done
}
wait_until 20 has_entries c $((total + 2))
# The other version arrives at C only, through an import (a USB stick).
px --data "$T/f2" feed export --author me "$T/f2.feed" 2>/dev/null
px --data "$T/c" feed import "$T/f2.feed" 2>"$T/err" || true
grep -q "feed frozen" "$T/err" || fail "import did not detect the fork"
px --data "$T/c" sync >/dev/null
wait_until 30 frozen_everywhere
px --data "$T/a" status | grep -q "FROZEN" || fail "status does not say the feed is frozen"
pass "fork proof reaches every node; the feed is frozen everywhere"
echo "gossip: replication passed"

# --- members learn each other's announced addresses ------------------------------------
join m
PORT[m]="$(free_port)"
start_bg "$T/m.log" "$PRAXISD" --data "$T/m" --listen "127.0.0.1:${PORT[m]}" --announce "127.0.0.1:${PORT[m]}" \
    --peer "127.0.0.1:${PORT[a]}" --log-level debug
NODE_PID[m]=$LAST_PID
# C knows only B; it learns M's address from M's signed entry and dials M.
c_dials_m() { px --data "$T/c" peers --json | grep -q "$(px --data "$T/m" id)@127.0.0.1:${PORT[m]}"; }
wait_until 20 c_dials_m
c_connected_to_m() {
    px --data "$T/c" peers --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if any(c["public_key"] == sys.argv[1] and c["state"] == "connected" for c in d["connections"]) else 1)' "$(px --data "$T/m" id)"
}
wait_until 20 c_connected_to_m
pass "an announced address is learned through gossip and dialled"
# --max-outbound 0: Z learns M's address as C did, but dials only its --peer.
join z
PORT[z]="$(free_port)"
start_bg "$T/z.log" "$PRAXISD" --data "$T/z" --listen "127.0.0.1:${PORT[z]}" --max-outbound 0 \
    --peer "$(px --data "$T/c" id)@127.0.0.1:${PORT[c]}" --log-level debug
NODE_PID[z]=$LAST_PID
z_learned_m() { px --data "$T/z" peers --json | grep -q "$(px --data "$T/m" id)@127.0.0.1:${PORT[m]}"; }
wait_until 30 z_learned_m
sleep 2 # eight ticks: with any other limit Z would have dialled M by now
px --data "$T/z" peers --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
bad = [c for c in d["connections"] if c["public_key"] == sys.argv[1]]
bad += [t for t in d["dial_targets"] if t["public_key"] == sys.argv[1] and (t["failures"] or t["connected"])]
sys.exit(1 if bad else 0)' "$(px --data "$T/m" id)" || fail "Z dialled a learned address under --max-outbound 0"
pass "--max-outbound 0 learns addresses but dials only configured peers"
echo "gossip: addresses passed"
