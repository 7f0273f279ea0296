#!/usr/bin/env bash
# spread.sh — live spread figure (issue: gossip replication): 20 praxisd
# processes on loopback, each with 3-4 connections; entries published one by
# one at random nodes; for each entry the time from publishing (its header
# timestamp) to its arrival at the last node (each store records when it
# received an entry), p50 and p99; and the copies of each entry a node
# receives (new + duplicate deliveries, per new entry).
#
#   bench/spread.sh [BUILD_DIR] [NODES] [ENTRIES]    (defaults: build, 20, 200)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
nodes="${2:-20}"
entries="${3:-200}"
P="$build/cli/praxis"
D="$build/node/praxisd"
PY=/usr/bin/python3
T="$(mktemp -d /tmp/px-bench-spread.XXXXXX)"
PIDS=()
trap 'for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$T"' EXIT
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$P" --data "$T/n0" init --name spread >/dev/null
"$P" --data "$T/n0" network export "$T/g.json" >/dev/null
declare -a port key
for i in $(seq 0 $((nodes - 1))); do
    [ "$i" -gt 0 ] && "$P" --data "$T/n$i" init --network "$T/g.json" >/dev/null
    port[$i]=$(free_port)
    key[$i]=$("$P" --data "$T/n$i" id)
    [ "$i" -gt 0 ] && "$P" --data "$T/n0" member add "${key[$i]}" --org "n$i" --country KZ >/dev/null
done
# Every member starts with the root's feed (the membership), as a
# secretariat hands it over with the genesis.
"$P" --data "$T/n0" feed export --author me "$T/root.feed" 2>/dev/null
for i in $(seq 1 $((nodes - 1))); do "$P" --data "$T/n$i" feed import "$T/root.feed" 2>/dev/null; done
# Each node dials its predecessor and one random earlier node: connected,
# about 3.8 connections per node on average.
RANDOM=42
for i in $(seq 0 $((nodes - 1))); do
    args=(--data "$T/n$i" --listen "127.0.0.1:${port[$i]}")
    if [ "$i" -gt 0 ]; then
        args+=(--peer "${key[$((i - 1))]}@127.0.0.1:${port[$((i - 1))]}")
        j=$((RANDOM % i))
        [ "$j" != $((i - 1)) ] && args+=(--peer "${key[$j]}@127.0.0.1:${port[$j]}")
    fi
    "$D" "${args[@]}" 2>"$T/n$i.log" & PIDS+=("$!")
done
sleep 2
conns=0
for i in $(seq 0 $((nodes - 1))); do
    c=$("$P" --data "$T/n$i" peers --json | "$PY" -c 'import json,sys; print(sum(1 for c in json.load(sys.stdin)["connections"] if c["state"] == "connected"))')
    conns=$((conns + c))
done

for e in $(seq 1 "$entries"); do
    i=$((RANDOM % nodes))
    echo "{\"title\": {\"en\": \"spread $e\"}, \"summary\": {\"en\": \"s\"}, \"country\": \"KZ\", \"stage\": \"idea\"}" | "$P" --data "$T/n$i" publish case - >/dev/null
    sleep 0.02
done
all_have() {
    for i in $(seq 0 $((nodes - 1))); do
        [ "$("$P" --data "$T/n$i" peers --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["replication"]["received"])')" -ge 0 ] || return 1
    done
}
for _ in $(seq 200); do
    done_nodes=0
    for i in $(seq 0 $((nodes - 1))); do
        n=$("$P" --data "$T/n$i" status --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["entries"])')
        [ "$n" -ge "$entries" ] && done_nodes=$((done_nodes + 1))
    done
    [ "$done_nodes" = "$nodes" ] && break
    sleep 0.2
done
[ "$done_nodes" = "$nodes" ] || { echo "not converged: $done_nodes of $nodes nodes have every entry" >&2; exit 1; }
copies=""
for i in $(seq 0 $((nodes - 1))); do
    copies+="$("$P" --data "$T/n$i" peers --json | "$PY" -c 'import json,sys; r=json.load(sys.stdin)["replication"]; print(r["received"], r["duplicates"])');"
done
"$PY" - "$T" "$nodes" "$entries" "$conns" "$copies" <<'PY'
import sqlite3, sys
T, nodes, entries, conns, copies = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
last = {}
for i in range(nodes):
    db = sqlite3.connect("file:%s/n%d/store.db?mode=ro" % (T, i), uri=True)
    # Only the entries published during the measurement (not the
    # admissions handed over with the genesis at set-up).
    for eid, ts, rec in db.execute("SELECT id, ts, received_ms FROM entries WHERE kind = 'case'"):
        last.setdefault(eid, [ts, 0])
        last[eid][1] = max(last[eid][1], rec)
lat = sorted(r - t for t, r in last.values())
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
new = dup = 0
worst = 0.0
for part in copies.strip(";").split(";"):
    a, b = map(int, part.split())
    new += a; dup += b
    if a: worst = max(worst, (a + b) / a)
per = (new + dup) / new if new else 0
print("spread over %d nodes (%.1f connections per node), %d entries published at random nodes:" % (nodes, conns / nodes, entries))
print("  publish -> last node: p50 %d ms, p99 %d ms, max %d ms" % (p(0.5), p(0.99), lat[-1]))
print("  copies received per new entry: %.2f on average, %.2f at the worst node" % (per, worst))
print("figure\tspread_p50\t%d\tms" % p(0.5))
print("figure\tspread_p99\t%d\tms" % p(0.99))
print("figure\tspread_copies_per_entry\t%.2f\tcopies" % per)
PY
