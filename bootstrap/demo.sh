#!/usr/bin/env bash
# demo.sh — the README's first command: install, build, then run a small
# praxis network on this machine and use it.
#
# The network: the hub secretariat (Regional Hub of Civil Service, Astana;
# the network's root) and four centres — ASAN Service (AZ), Public Service
# Halls (GE), Government for Citizens (KZ), ICCS (CA) — each a praxisd on
# 127.0.0.1. Each centre publishes its own data (bootstrap/demo/<node>/) at
# its own node; the script then shows the network and stops everything it
# started, by process id.
set -euo pipefail
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
    [ "${PRAXIS_DEMO_KEEP:-0}" = 1 ] && echo "kept $T" || rm -rf "$T"
}
trap stop_all EXIT

nodes=(hub asan psh g4c iccs)
declare -A names=([hub]="Regional Hub of Civil Service, Astana (secretariat)"
    [asan]="ASAN Service, Azerbaijan" [psh]="Public Service Halls, Georgia"
    [g4c]="Government for Citizens, Kazakhstan" [iccs]="ICCS, Canada")
free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

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
start() {
    local n="$1"; shift
    "$D" --data "$T/$n" "$@" 2>"$T/$n.log" &
    PIDS+=("$!")
}
start hub --listen "127.0.0.1:$hub_port"
for n in asan psh g4c iccs; do start "$n" --listen "127.0.0.1:$(free_port)" --peer "127.0.0.1:$hub_port"; done
for _ in $(seq 100); do
    c="$("$P" --data "$T/hub" peers --json 2>/dev/null | grep -c '"connected"' || true)"
    [ "${c:-0}" -ge 4 ] && break
    sleep 0.1
done
"$P" --data "$T/hub" peers | sed 's/^/   /'

step "Each centre publishes its own records at its own node"
for n in "${nodes[@]}"; do
    dir="bootstrap/demo/$n"
    [ -d "$dir" ] || continue
    for f in "$dir"/*.json "$dir"/*.csv; do
        [ -e "$f" ] || continue
        base="$(basename "$f")"
        kind="${base%%[-.]*}"
        [ "$kind" = cases ] && kind=case
        [ "$kind" = indicators ] && kind=indicator
        [ "$kind" = benchmarks ] && kind=benchmark
        [ "$kind" = crosswalks ] && kind=crosswalk
        count="$("$P" --data "$T/$n" publish "$kind" "$f" | wc -l)"
        printf '   %-5s %-34s %3d %s entries\n' "$n" "$base" "$count" "$kind"
    done
done

step "Every node checks its store"
for n in "${nodes[@]}"; do
    printf '   %-5s %s\n' "$n" "$("$P" --data "$T/$n" verify)"
done

step "The hub's view"
"$P" --data "$T/hub" status | sed 's/^/   /'

step "Stopping the five nodes"
trap - EXIT
stop_all
echo "   done"
