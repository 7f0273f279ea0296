# SPDX-License-Identifier: Apache-2.0
# topology.sh — eight praxisd processes in a random connected topology;
# every node publishes, and every node ends with every entry.
source "$(dirname "$0")/lib.sh"

nodes=(n0 n1 n2 n3 n4 n5 n6 n7)
make_network "${nodes[@]}"
for n in "${nodes[@]}"; do publish_n "$n" 50; done
# A random spanning tree (each node dials one earlier node) plus a few extra
# edges, so the graph is connected but not a star. The seed is printed.
seed="${PX_TOPOLOGY_SEED:-$RANDOM}"
echo "topology seed $seed"
RANDOM=$seed
start_node n0
for i in $(seq 1 7); do
    peers=("n$((RANDOM % i))")
    if [ $((RANDOM % 3)) = 0 ] && [ "$i" -gt 1 ]; then
        extra="n$((RANDOM % i))"
        [ "$extra" != "${peers[0]}" ] && peers+=("$extra")
    fi
    echo "n$i dials ${peers[*]}"
    start_node "n$i" "${peers[@]}"
done
all_have() {
    local n
    for n in "${nodes[@]}"; do has_entries "$n" 400 || return 1; done
}
wait_until 60 all_have
for n in "${nodes[@]}"; do px --data "$T/$n" verify >/dev/null || fail "$n does not verify"; done
# Live: one more entry at a leaf reaches everyone.
publish_n n7 1
all_have_401() { local n; for n in "${nodes[@]}"; do has_entries "$n" 401 || return 1; done; }
wait_until 20 all_have_401
pass "eight nodes converge (400 + 1 entries each)"
