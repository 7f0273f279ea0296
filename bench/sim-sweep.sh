#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sim-sweep.sh — the long simulator sweep (issue 13): many seeds of
# praxis-sim with every fault and every hostile author, continuing past
# failures, then: seeds run, simulated node-hours per CPU-second, and every
# seed that found a violation (with its first violation and how to replay
# it). The short sweep under CTest (sim.sweep.1-100 and sim.sweep.101-200,
# seeds 1-200) is this one with its defaults; tests/sim/README.md has the
# last runs' figures.
#
#   bench/sim-sweep.sh [BUILD_DIR] [SEEDS] [NODES] [FIRST_SEED]
#                      (defaults: build, 200, 50, 1)
#   PRAXIS_SIM_ARGS="..."  replaces the default faults, adversaries and
#                          workload arguments
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
seeds="${2:-200}"
nodes="${3:-50}"
first="${4:-1}"
sim="$build/tests/sim/praxis-sim"
[ -x "$sim" ] || { echo "sim-sweep: $sim not built (cmake --build $build --target praxis-sim)" >&2; exit 2; }
args=(${PRAXIS_SIM_ARGS:---faults partition,crash,loss,skew --adversary bad-sig,fork,backdate,strip-body,flood,tree-liar --flood 300 --records 30 --publish-for 15})
T="$(mktemp -d /tmp/px-sim-sweep.XXXXXX)"
trap 'rm -rf "$T"' EXIT
failed=0
hours=0
start_cpu() { awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat; }
c0="$(start_cpu)"
w0="$(date +%s)"
for seed in $(seq "$first" $((first + seeds - 1))); do
    "$sim" --nodes "$nodes" --seed "$seed" --json "${args[@]}" >"$T/out" 2>"$T/err"
    rc=$?
    h="$(sed -n 's/.* = \([0-9.]*\) node-hours in .*/\1/p' "$T/err" | head -1)"
    hours="$(awk -v a="$hours" -v b="${h:-0}" 'BEGIN { print a + b }')"
    if [ "$rc" != 0 ]; then
        failed=$((failed + 1))
        first_v="$(sed -n 's/^praxis-sim: seed [0-9]* FAILED (\(.*\))$/\1/p' "$T/err" | head -1)"
        echo "seed $seed: ${first_v:-exit status $rc}"
        echo "  replay: $(sed -n 's/^praxis-sim: replay with: //p' "$T/err" | head -1)"
    fi
done
c1="$(start_cpu)"
w1="$(date +%s)"
awk -v s="$seeds" -v n="$nodes" -v f="$failed" -v h="$hours" -v c0="$c0" -v c1="$c1" \
    -v hz="$(getconf CLK_TCK)" -v wall=$((w1 - w0)) 'BEGIN {
    cpu = (c1 - c0) / hz
    rate = 0
    if (cpu > 0) rate = h / cpu
    printf "sim sweep: %d seeds x %d nodes, %.1f simulated node-hours in %.0f CPU s (%.0f s wall)\n", s, n, h, cpu, wall
    printf "  %.2f simulated node-hours per CPU-second; %d seeds found a violation\n", rate, f
    printf "figure\tsim_seeds\t%d\tseeds\n", s
    printf "figure\tsim_node_hours_per_cpu_s\t%.2f\tnode-hours/s\n", rate
    printf "figure\tsim_failing_seeds\t%d\tseeds\n", f
}'
[ "$failed" = 0 ]
