#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# demo.sh — the README's first command: install, build, then run a small
# praxis network on this machine and use it.
#
# The network: the hub secretariat (Regional Hub of Civil Service, Astana;
# the network's root) and four centres — ASAN Service (AZ), Public Service
# Halls (GE), Government for Citizens (KZ), ICCS (CA) — each a praxisd on
# 127.0.0.1. Each centre publishes its own data (bootstrap/demo/<node>/) at
# its own node; gossip replicates it until all five nodes hold every entry;
# then a practitioner searches the case studies, an analyst compares
# satisfaction across countries whose surveys use different scales, and the
# HTML report is written. The script stops everything it started, by
# process id, and keeps only the report (PRAXIS_DEMO_KEEP=1 keeps the nodes'
# data too).
#
#   bootstrap/demo.sh --keep    leaves the five nodes running, each with its
#                               web interface on its own port, and prints
#                               every node's login URL (`praxis ui --url`)
#                               and how to stop them
set -euo pipefail
keep=0
case "${1:-}" in
    --keep) keep=1 ;;
    "") ;;
    *) echo "usage: bootstrap/demo.sh [--keep]" >&2; exit 2 ;;
esac
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

bash bootstrap/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
P="$root/build/cli/praxis"
D="$root/build/node/praxisd"

T="$(mktemp -d /tmp/praxis-demo.XXXXXX)"
PIDS=()
stop_all() {
    for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
    if [ "${PRAXIS_DEMO_KEEP:-0}" = 1 ] || [ "$keep" = 1 ]; then
        echo "kept $T"
    elif [ -e "$T/report.html" ]; then
        find "$T" -mindepth 1 -maxdepth 1 ! -name report.html -exec rm -rf {} +
    else
        rm -rf "$T"
    fi
}
trap stop_all EXIT

nodes=(hub asan psh g4c iccs)
declare -A names=([hub]="Regional Hub of Civil Service, Astana (secretariat)"
    [asan]="ASAN Service, Azerbaijan" [psh]="Public Service Halls, Georgia"
    [g4c]="Government for Citizens, Kazakhstan" [iccs]="ICCS, Canada")
source "$root/tests/integration/net.sh" # free_port, wait_until

step() { printf '\n== %s\n' "$*"; }

step "The hub secretariat creates the network; the four centres join with its genesis"
"$P" --data "$T/hub" init --name "alliance-of-practitioners" | sed 's/^/   /'
"$P" --data "$T/hub" network export "$T/genesis.json" >/dev/null
declare -A orgs=([asan]="ASAN Service" [psh]="Public Service Halls" [g4c]="Government for Citizens"
    [iccs]="Institute for Citizen-Centred Service")
declare -A countries=([asan]=AZ [psh]=GE [g4c]=KZ [iccs]=CA)
for n in asan psh g4c iccs; do
    "$P" --data "$T/$n" init --network "$T/genesis.json" >/dev/null
    printf '   %-5s %s  %s\n' "$n" "$("$P" --data "$T/$n" id | cut -c1-16)" "${names[$n]}"
done

step "The secretariat admits the four centres (signed member entries in its feed)"
for n in asan psh g4c iccs; do
    "$P" --data "$T/hub" member add "$("$P" --data "$T/$n" id)" --org "${orgs[$n]}" \
        --country "${countries[$n]}" --role centre >/dev/null
done
"$P" --data "$T/hub" member list | sed 's/^/   /'
# With the genesis, each centre receives the hub's feed (the member list).
"$P" --data "$T/hub" feed export --author me "$T/hub.feed" 2>/dev/null
for n in asan psh g4c iccs; do "$P" --data "$T/$n" feed import "$T/hub.feed" 2>/dev/null; done

step "Five praxisd nodes start on 127.0.0.1; the centres dial the hub"
hub_port="$(free_port)"
# Each node serves its web interface on a port of its own.
start() {
    local n="$1"; shift
    "$D" --data "$T/$n" --http "127.0.0.1:$(free_port)" "$@" </dev/null 2>"$T/$n.log" &
    PIDS+=("$!")
}
start hub --listen "127.0.0.1:$hub_port"
for n in asan psh g4c iccs; do start "$n" --listen "127.0.0.1:$(free_port)" --peer "127.0.0.1:$hub_port"; done
hub_has_four() { [ "$("$P" --data "$T/hub" peers --json 2>/dev/null | grep -c '"connected"')" -ge 4 ]; }
wait_until 30 hub_has_four
"$P" --data "$T/hub" peers | sed 's/^/   /'

step "Each centre publishes its own records at its own node"
# Indicators first: a benchmark's value is checked against its indicator's
# scale when it is published.
for n in "${nodes[@]}"; do
    dir="bootstrap/demo/$n"
    [ -d "$dir" ] || continue
    for f in "$dir"/indicator*.json "$dir"/benchmark*.json "$dir"/benchmark*.csv \
        "$dir"/crosswalk*.json "$dir"/case*.json; do
        [ -e "$f" ] || continue
        base="$(basename "$f")"
        kind="${base%%[-.]*}"
        kind="${kind%s}" # cases -> case, indicators -> indicator, ...
        count="$("$P" --data "$T/$n" publish "$kind" "$f" | wc -l)"
        printf '   %-5s %-34s %3d %s entries\n' "$n" "$base" "$count" "$kind"
    done
done

step "Gossip replicates every feed to every node"
# Each node's own feed length, from its status; all five must hold the sum.
total=0
for n in "${nodes[@]}"; do
    own="$("$P" --data "$T/$n" status --json | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(f["seq"] for f in d["feeds"] if f["author"] == d["public_key"]))')"
    total=$((total + own))
done
held() { "$P" --data "$T/$1" status --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])'; }
for _ in $(seq 600); do
    done_all=1
    for n in "${nodes[@]}"; do [ "$(held "$n")" -ge "$total" ] || done_all=0; done
    [ "$done_all" = 1 ] && break
    sleep 0.1
done
for n in "${nodes[@]}"; do printf '   %-5s holds %3d of %d entries\n' "$n" "$(held "$n")" "$total"; done
[ "$done_all" = 1 ] || { echo "   the nodes did not converge within 60 s; see $T/*.log" >&2; exit 1; }
# Replicated entries are indexed for search when the node is idle: wait for it.
for n in "${nodes[@]}"; do "$P" --data "$T/$n" sync --wait --timeout 30 >/dev/null; done

step "A practitioner at Government for Citizens looks for how others cut waiting times"
echo "   \$ praxis cases --search waiting"
"$P" --data "$T/g4c" cases --search waiting | sed 's/^/   /'

step "The secretariat compares satisfaction across countries (different scales, rescaled 0-100)"
echo "   \$ praxis compare KZ-SAT-OVERALL --period 2018"
"$P" --data "$T/hub" compare KZ-SAT-OVERALL --period 2018 | sed 's/^/   /'
echo "   \$ praxis trend KZ-SAT-OVERALL --country KZ"
"$P" --data "$T/hub" trend KZ-SAT-OVERALL --country KZ | sed 's/^/   /'
echo "   \$ praxis aggregate KZ-SAT-OVERALL --period 2018"
"$P" --data "$T/hub" aggregate KZ-SAT-OVERALL --period 2018 | sed 's/^/   /'

step "The HTML report (charts and case studies; one self-contained file)"
"$P" --data "$T/hub" report --out "$T/report.html" --title "Alliance of practitioners: demo report" \
    >/dev/null
echo "   $T/report.html"

step "Every node checks its store"
for n in "${nodes[@]}"; do
    printf '   %-5s %s\n' "$n" "$("$P" --data "$T/$n" verify)"
done

step "The hub's view"
"$P" --data "$T/hub" status | sed 's/^/   /'

if [ "$keep" = 1 ]; then
    step "The network keeps running: open a node's interface in the browser"
    for n in "${nodes[@]}"; do
        printf '   %-5s %-52s %s\n' "$n" "${names[$n]}" "$("$P" --data "$T/$n" ui --url)"
    done
    # The nodes outlive this script; stop.sh stops them by process id.
    {
        echo '#!/usr/bin/env bash'
        echo "# Stops the demo network started by bootstrap/demo.sh --keep (by process id)."
        echo "pids=(${PIDS[*]})"
        echo 'kill "${pids[@]}" 2>/dev/null || true'
        echo 'for p in "${pids[@]}"; do'
        echo '    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done'
        echo '    kill -9 "$p" 2>/dev/null || true'
        echo 'done'
        echo "echo 'stopped the demo network; its data stays in $T'"
    } >"$T/stop.sh"
    cat <<EOF

   Each URL logs the browser in to that node (the link holds a secret: it is
   for you only). The README's tour starts there. Data: $T
   praxis on the command line: $P --data $T/hub status
   Stop the five nodes:        bash $T/stop.sh
EOF
    trap - EXIT
    for pid in "${PIDS[@]}"; do disown "$pid" 2>/dev/null || true; done
    exit 0
fi

step "Stopping the five nodes"
trap - EXIT
stop_all
echo "   done; the report stays at $T/report.html"
