#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sweep.sh — run praxis-sim over a range of seeds; fail on the first seed
# that finds a violation or does not converge, naming it and how to replay it.
#
#   tests/sim/sweep.sh PRAXIS_SIM FIRST_SEED LAST_SEED [praxis-sim arguments...]
#
# Every run must exit 0 (no violation, converged). stdout gets one line per
# run (the run's JSON figures); at the end the seeds run, the simulated
# node-hours and the CPU seconds they took (user + system of the runs).
set -euo pipefail
sim="$1"
first="$2"
last="$3"
# The sanitizer pass runs fewer: no seed past PRAXIS_SIM_LAST_SEED (a range
# that starts after it runs none).
if [ -n "${PRAXIS_SIM_LAST_SEED:-}" ] && [ "$PRAXIS_SIM_LAST_SEED" -lt "$last" ]; then
    last="$PRAXIS_SIM_LAST_SEED"
fi
shift 3
[ -x "$sim" ] || { echo "sweep: $sim is not an executable" >&2; exit 2; }
runs=0
node_hours=0
cpu=0
for seed in $(seq "$first" "$last"); do
    err="$(mktemp)"
    t0="$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)"
    if ! out="$("$sim" --seed "$seed" --json "$@" 2>"$err")"; then
        echo "$out"
        cat "$err" >&2
        rm -f "$err"
        echo "sweep: seed $seed FAILED; replay: $(basename "$sim") --seed $seed --json $*" >&2
        exit 1
    fi
    t1="$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)"
    echo "$out"
    # praxis-sim's stderr: "... = H node-hours in C CPU s: ..."
    h="$(sed -n 's/.* = \([0-9.]*\) node-hours in .*/\1/p' "$err" | head -1)"
    node_hours="$(awk -v a="$node_hours" -v b="${h:-0}" 'BEGIN { print a + b }')"
    cpu="$(awk -v a="$cpu" -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { print a + (t1 - t0) / hz }')"
    rm -f "$err"
    runs=$((runs + 1))
done
awk -v r="$runs" -v h="$node_hours" -v c="$cpu" 'BEGIN {
    rate = 0
    if (c > 0) rate = h / c
    printf "sweep: %d seeds, %.1f simulated node-hours in %.1f CPU s (%.2f node-hours per CPU-second), no violation\n",
        r, h, c, rate }'
