#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sync.sh — initial-sync figure (issue: gossip replication): one praxisd
# holds 100,000 entries of about 400-byte bodies; an empty praxisd connects
# over loopback; time from its start until every entry is verified and
# committed at the receiver, and the receiver's peak RSS.
#
#   bench/sync.sh [BUILD_DIR] [ENTRIES]     (defaults: build, 100000)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
total="${2:-100000}"
P="$build/cli/praxis"
D="$build/node/praxisd"
PY=/usr/bin/python3
T="$(mktemp -d /tmp/px-bench-sync.XXXXXX)"
PIDS=()
source "$root/tests/integration/net.sh" # free_port, wait_until, start_bg, stop_pids
trap '[ -n "${BENCH_KEEP_LOG:-}" ] && cp "$T/b.log" "$BENCH_KEEP_LOG"; stop_pids; rm -rf "$T"' EXIT

"$P" --data "$T/a" init --name bench >/dev/null
"$P" --data "$T/a" network export "$T/g.json" >/dev/null
"$P" --data "$T/b" init --network "$T/g.json" >/dev/null
"$P" --data "$T/a" member add "$("$P" --data "$T/b" id)" --org receiver --country KZ >/dev/null
"$PY" - "$T/r.json" <<'PY'
import json, sys
body = ("Electronic queue and appointment booking cut the average waiting time at the "
        "central public service hall of the city "
        "service hall from 40 to 12 minutes; staff were rotated to peak hours and "
        "citizens were informed by SMS when their turn approached. ")
recs = [{"title": {"en": "Queue management reform %d" % i}, "summary": {"en": body},
         "country": "KZ", "stage": "implemented", "tags": ["waiting time", "queue"]}
        for i in range(10000)]
json.dump(recs, open(sys.argv[1], "w"))
PY
left="$total"
while [ "$left" -gt 0 ]; do
    n=$(( left < 10000 ? left : 10000 ))
    if [ "$n" -lt 10000 ]; then
        "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); json.dump(d[:$n], open(sys.argv[1]+'.part','w'))" "$T/r.json"
        "$P" --data "$T/a" publish case "$T/r.json.part" >/dev/null 2>"$T/publish.err"
    else
        "$P" --data "$T/a" publish case "$T/r.json" >/dev/null 2>"$T/publish.err"
    fi
    left=$(( left - n ))
done
body_bytes=$("$P" --data "$T/a" log --json --limit 5 | "$PY" -c 'import json,sys; print([e for e in json.load(sys.stdin)["entries"] if e["kind"] == "case"][0]["body_len"])')

port=$(free_port)
start_bg "$T/a.log" "$D" --data "$T/a" --listen "127.0.0.1:$port"
wait_until 10 test -S "$T/a/control.sock"

t0=$(date +%s.%N)
"$D" --data "$T/b" --peer "127.0.0.1:$port" ${BENCH_RECEIVER_ARGS:-} 2>"$T/b.log" & BPID=$!; PIDS+=("$BPID")
peak=0
while :; do
    # Ask the daemon (control socket), not the store: polling must not
    # compete with the receiver for the database.
    got=$("$P" --data "$T/b" peers --json 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["replication"]["received"])' 2>/dev/null || echo 0)
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$BPID/status" 2>/dev/null || echo 0)
    [ "$rss" -gt "$peak" ] && peak=$rss
    [ "$got" -ge "$total" ] && break
    sleep 0.05
    [ "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {print (b - a > 300)}')" = 1 ] && { echo "timed out at $got entries" >&2; exit 1; }
done
t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
# CPU seconds the receiver used (user + system): the figure that does not
# depend on what else loads the machine.
cpu_s=$(awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$BPID/stat")
load="$(cut -d' ' -f1 /proc/loadavg)"
# The records index is derived data, caught up when the worker is idle.
while [ "$("$P" --data "$T/b" peers --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["replication"]["unindexed"])')" != 0 ]; do
    sleep 0.05
done
t2=$(date +%s.%N)
isecs=$(awk -v a="$t0" -v b="$t2" 'BEGIN {print b - a}')
rate=$(awk -v s="$secs" -v n="$total" 'BEGIN {printf "%.0f", n / s}')
"$P" --data "$T/b" verify >/dev/null || { echo "receiver store does not verify" >&2; exit 1; }
sigs=$("$P" --data "$T/b" status --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["daemon"]["replication"]["signature_checks"])')

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf 'machine: %s, %s cores\n' "$cpu" "$(nproc)"
printf 'initial sync of %d entries (%d-byte bodies): %.2f s, %s entries/s; receiver peak RSS %d MB; %s signature checks\n' \
    "$total" "$body_bytes" "$secs" "$rate" "$((peak / 1024))" "$sigs"
printf 'receiver CPU time until all entries were stored: %.2f s (%.0f entries per CPU-second); load average at the end %s\n' \
    "$cpu_s" "$(awk -v s="$cpu_s" -v n="$total" 'BEGIN {print n / s}')" "$load"
printf 'records index caught up %.2f s after the start (%.0f entries/s stored and indexed)\n' \
    "$isecs" "$(awk -v s="$isecs" -v n="$total" 'BEGIN {print n / s}')"
printf 'figure\tsync_rate\t%s\tentries/s\n' "$rate"
printf 'figure\tsync_indexed_rate\t%.0f\tentries/s\n' "$(awk -v s="$isecs" -v n="$total" 'BEGIN {print n / s}')"
printf 'figure\tsync_receiver_cpu\t%.2f\ts\n' "$cpu_s"
printf 'figure\tsync_receiver_peak_rss\t%d\tMB\n' "$((peak / 1024))"
