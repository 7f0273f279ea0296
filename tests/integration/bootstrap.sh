# SPDX-License-Identifier: Apache-2.0
# bootstrap.sh — the genesis's bootstrap addresses: only the root may change
# them, the network id does not change, and a new member whose genesis lists
# them finds the network with no --peer at all.
source "$(dirname "$0")/lib.sh"

px --data "$T/a" init --name boot >/dev/null
ROOT=a
id_before="$(px --data "$T/a" network show --json | grep network_id)"
PORT[a]="$(free_port)"
px --data "$T/a" network bootstrap add "127.0.0.1:${PORT[a]}" >/dev/null
px --data "$T/a" network bootstrap add "127.0.0.1:1" >/dev/null
px --data "$T/a" network bootstrap remove "127.0.0.1:1" >/dev/null
[ "$(px --data "$T/a" network show --json | grep network_id)" = "$id_before" ] ||
    fail "changing bootstrap addresses changed the network id"
px --data "$T/a" network show | grep -q "127.0.0.1:${PORT[a]}" || fail "the address is not listed"
px --data "$T/a" network show | grep -q "127.0.0.1:1$" && fail "the removed address is still listed"
expect_exit 1 px --data "$T/a" network bootstrap remove "127.0.0.1:1"
expect_err "not listed"
expect_exit 1 px --data "$T/a" network bootstrap add "nonsense"
expect_err "HOST:PORT"
pass "root adds and removes bootstrap addresses; the network id stays"

px --data "$T/a" network export "$T/genesis.json" >/dev/null
px --data "$T/b" init --network "$T/genesis.json" >/dev/null
admit b
expect_exit 1 px --data "$T/b" network bootstrap add "127.0.0.1:9"
expect_err "only the network's root"
pass "a member may not change them"

start_node a
start_bg "$T/b.log" "$PRAXISD" --data "$T/b"    # no --peer: the genesis says where to go
NODE_PID[b]=$LAST_PID
b_connected() { px --data "$T/b" peers --json | grep -q '"connected"'; }
wait_until 20 b_connected
publish_n a 3
wait_until 20 has_entries b "$(held a)"
pass "a new member dials the genesis bootstrap address and syncs"
echo "bootstrap: all passed"
