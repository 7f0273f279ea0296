#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# spread.sh — live spread figure (issue: gossip replication): 20 praxisd
# processes on loopback, each with 3-4 connections; entries published one by
# one at random nodes; for each entry the time from publishing (its header
# timestamp) to its arrival at the last node (each store records when it
# received an entry), p50 and p99; and the copies of each entry a node
# receives (new + duplicate deliveries, per new entry).
#
#   bench/spread.sh [BUILD_DIR] [NODES] [ENTRIES]    (defaults: build, 20, 200)
#
# bench/web.sh measures the spread while node n0's web interface is under
# load, through these (all optional):
#   PRAXIS_SPREAD_SEED=FILE     case records (JSON) n0 publishes before the
#                               nodes start; every node catches up on them
#                               before the measurement
#   PRAXIS_SPREAD_HTTP=HOST:PORT  n0 serves its web interface there
#   PRAXIS_SPREAD_READY=FILE    once caught up, n0's data directory is
#                               written to FILE; then the script waits
#                               PRAXIS_SPREAD_WARMUP seconds (default 0)
#                               before publishing; once every node has
#                               every entry it creates FILE.converged and
#                               keeps the nodes running until FILE.done
#                               exists (at most 300 s)
# bench/sim-calibrate.sh looks inside a run through:
#   PRAXIS_SPREAD_DAEMON_ARGS="..."  more praxisd arguments (e.g.
#                               --log-level debug: each stored batch is
#                               logged with its storing time and its time
#                               since it arrived)
#   PRAXIS_SPREAD_KEEP=DIR      the nodes' data directories and logs are
#                               left in DIR (which must not exist)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
nodes="${2:-20}"
entries="${3:-200}"
P="$build/cli/praxis"
D="$build/node/praxisd"
PY=/usr/bin/python3
PIDS=()
source "$root/tests/integration/net.sh" # free_port, start_bg, stop_pids
if [ -n "${PRAXIS_SPREAD_KEEP:-}" ]; then
    mkdir "$PRAXIS_SPREAD_KEEP"
    T="$(cd "$PRAXIS_SPREAD_KEEP" && pwd)"
    trap 'stop_pids' EXIT
else
    T="$(mktemp -d /tmp/px-bench-spread.XXXXXX)"
    trap 'stop_pids; rm -rf "$T"' EXIT
fi
extra=(${PRAXIS_SPREAD_DAEMON_ARGS:-})

"$P" --data "$T/n0" init --name spread >/dev/null
"$P" --data "$T/n0" network export "$T/g.json" >/dev/null
declare -a port key
for i in $(seq 0 $((nodes - 1))); do
    [ "$i" -gt 0 ] && "$P" --data "$T/n$i" init --network "$T/g.json" >/dev/null
    port[$i]=$(free_port)
    key[$i]=$("$P" --data "$T/n$i" id)
    [ "$i" -gt 0 ] && "$P" --data "$T/n0" member add "${key[$i]}" --org "n$i" --country KZ >/dev/null
done
if [ -n "${PRAXIS_SPREAD_SEED:-}" ]; then
    "$P" --data "$T/n0" publish case "$PRAXIS_SPREAD_SEED" >/dev/null 2>"$T/seed.log"
fi
# Every member starts with the root's feed (the membership), as a
# secretariat hands it over with the genesis.
"$P" --data "$T/n0" feed export --author me "$T/root.feed" 2>/dev/null
for i in $(seq 1 $((nodes - 1))); do "$P" --data "$T/n$i" feed import "$T/root.feed" 2>/dev/null; done
# Each node dials its predecessor and one random earlier node: connected,
# about 3.8 connections per node on average.
RANDOM=42
# The web interface (on by default) only where asked for: twenty nodes on
# one machine must not all try its default port.
web_off=()
"$D" --help 2>&1 | grep -q -- '--http' && web_off=(--http off)
for i in $(seq 0 $((nodes - 1))); do
    args=(--data "$T/n$i" --listen "127.0.0.1:${port[$i]}" "${extra[@]}")
    if [ "$i" = 0 ] && [ -n "${PRAXIS_SPREAD_HTTP:-}" ]; then
        args+=(--http "$PRAXIS_SPREAD_HTTP")
    else
        args+=("${web_off[@]}")
    fi
    if [ "$i" -gt 0 ]; then
        args+=(--peer "${key[$((i - 1))]}@127.0.0.1:${port[$((i - 1))]}")
        j=$((RANDOM % i))
        [ "$j" != $((i - 1)) ] && args+=(--peer "${key[$j]}@127.0.0.1:${port[$j]}")
    fi
    start_bg "$T/n$i.log" "$D" "${args[@]}"
done
sleep 2
conns=0
for i in $(seq 0 $((nodes - 1))); do
    c=$("$P" --data "$T/n$i" peers --json | "$PY" -c 'import json,sys; print(sum(1 for c in json.load(sys.stdin)["connections"] if c["state"] == "connected"))')
    conns=$((conns + c))
done

# Every node holds what n0 holds (the admissions, the seed) before the
# measurement; then it must receive the entries published during it.
held() { "$P" --data "$T/n$1" status --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["entries"])'; }
base="$(held 0)"
for _ in $(seq 600); do
    behind=0
    for i in $(seq 1 $((nodes - 1))); do [ "$(held "$i")" -ge "$base" ] || behind=$((behind + 1)); done
    [ "$behind" = 0 ] && break
    sleep 0.2
done
[ "$behind" = 0 ] || { echo "not caught up on n0's $base entries: $behind nodes behind" >&2; exit 1; }
if [ -n "${PRAXIS_SPREAD_READY:-}" ]; then
    echo "$T/n0" >"$PRAXIS_SPREAD_READY.tmp" && mv "$PRAXIS_SPREAD_READY.tmp" "$PRAXIS_SPREAD_READY"
    sleep "${PRAXIS_SPREAD_WARMUP:-0}"
fi
# Copies are counted from here (not the seed's catching up).
copies_now() {
    local i out=""
    for i in $(seq 0 $((nodes - 1))); do
        out+="$("$P" --data "$T/n$i" peers --json | "$PY" -c 'import json,sys; r=json.load(sys.stdin)["replication"]; print(r["received"], r["duplicates"])');"
    done
    echo "$out"
}
copies0="$(copies_now)"
t_start=$(($(date +%s%N) / 1000000))

for e in $(seq 1 "$entries"); do
    i=$((RANDOM % nodes))
    echo "{\"title\": {\"en\": \"spread $e\"}, \"summary\": {\"en\": \"s\"}, \"country\": \"KZ\", \"stage\": \"idea\"}" | "$P" --data "$T/n$i" publish case - >/dev/null 2>>"$T/publish.log"
    sleep 0.02
done
for _ in $(seq 200); do
    done_nodes=0
    for i in $(seq 0 $((nodes - 1))); do
        [ "$(held "$i")" -ge $((base + entries)) ] && done_nodes=$((done_nodes + 1))
    done
    [ "$done_nodes" = "$nodes" ] && break
    sleep 0.2
done
[ "$done_nodes" = "$nodes" ] || { echo "not converged: $done_nodes of $nodes nodes have every entry" >&2; exit 1; }
if [ -n "${PRAXIS_SPREAD_READY:-}" ]; then
    touch "$PRAXIS_SPREAD_READY.converged"
    for _ in $(seq 3000); do [ -e "$PRAXIS_SPREAD_READY.done" ] && break; sleep 0.1; done
fi
copies="$(copies_now)"
"$PY" - "$T" "$nodes" "$entries" "$conns" "$copies" "$t_start" "$copies0" <<'PY'
import sqlite3, sys
T, nodes, entries, conns, copies = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
t_start, copies0 = int(sys.argv[6]), sys.argv[7]
last = {}
for i in range(nodes):
    db = sqlite3.connect("file:%s/n%d/store.db?mode=ro" % (T, i), uri=True)
    # Only the entries published during the measurement (not the
    # admissions handed over with the genesis at set-up).
    for eid, ts, rec in db.execute("SELECT id, ts, received_ms FROM entries WHERE kind = 'case' AND ts >= ?",
                                   (t_start,)):
        last.setdefault(eid, [ts, 0])
        last[eid][1] = max(last[eid][1], rec)
lat = sorted(r - t for t, r in last.values())
stamps = sorted(t for t, r in last.values())
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
new = dup = 0
worst = 0.0
for part, part0 in zip(copies.strip(";").split(";"), copies0.strip(";").split(";")):
    a, b = map(int, part.split())
    a0, b0 = map(int, part0.split())
    a -= a0; b -= b0
    new += a; dup += b
    if a: worst = max(worst, (a + b) / a)
per = (new + dup) / new if new else 0
print("spread over %d nodes (%.1f connections per node), %d entries published at random nodes:" % (nodes, conns / nodes, entries))
print("  publish -> last node: p50 %d ms, p99 %d ms, max %d ms" % (p(0.5), p(0.99), lat[-1]))
print("  copies received per new entry: %.2f on average, %.2f at the worst node" % (per, worst))
print("  published over %.1f s" % ((stamps[-1] - stamps[0]) / 1000.0))
print("figure\tspread_p50\t%d\tms" % p(0.5))
print("figure\tspread_p99\t%d\tms" % p(0.99))
print("figure\tspread_copies_per_entry\t%.2f\tcopies" % per)
PY
