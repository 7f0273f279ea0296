#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# daemon.sh — figures for the secure channel (issue 3), against one real
# praxisd on loopback, driven by the px_peer test client (tests/tools):
# sequential Secret Handshakes per second, and box-stream throughput of
# 64 KiB messages over loopback; plus, in one process without sockets, the
# box-stream codec on 4 KiB frames for comparison.
#
#   bench/daemon.sh [BUILD_DIR] [HANDSHAKES] [MIB] [ROUNDS]
#                                        (default: build 500 256 3)
# Each measurement runs ROUNDS times. Prints a human-readable summary (every
# round, and the load average, since other work on the machine skews such
# figures), then "figure<TAB>name<TAB>value<TAB>unit" lines holding the
# median of the rounds. MB here are 10^6 bytes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
handshakes="${2:-500}"
mib="${3:-256}"
rounds="${4:-3}"
praxis="$build/cli/praxis"
praxisd="$build/node/praxisd"
peer="$build/tests/px_peer"
PY=/usr/bin/python3
T="$(mktemp -d /tmp/px-bench.XXXXXX)"
pid=""
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$T"
}
trap cleanup EXIT

"$praxis" --data "$T/n" init --name bench >/dev/null
"$praxis" --data "$T/n" network export "$T/genesis.json" >/dev/null
"$praxis" --data "$T/p" init --network "$T/genesis.json" >/dev/null
"$praxis" --data "$T/n" member add "$("$praxis" --data "$T/p" id)" --org peer --country KZ >/dev/null
source "$root/tests/integration/net.sh" # free_port
port="$(free_port)"
# Room for the sequential connections that are still closing on the node's
# side while the next one starts.
"$praxisd" --data "$T/n" --listen "127.0.0.1:$port" --max-inbound 1024 --log-level warn \
    2>"$T/n.log" &
pid=$!
for _ in $(seq 100); do [ -S "$T/n/control.sock" ] && break; sleep 0.1; done
[ -S "$T/n/control.sock" ] || { cat "$T/n.log" >&2; echo "praxisd did not start" >&2; exit 1; }

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
    "$peer" bench-handshakes --data "$T/p" --to "127.0.0.1:$port" --count "$handshakes" >>"$T/hs"
    "$peer" bench-throughput --data "$T/p" --to "127.0.0.1:$port" --mb "$mib" >>"$T/tp"
done
rss_kb="$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")"

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf 'machine: %s, %s cores, %s; %s\n' "$cpu" "$(nproc)" \
    "$(free -g | awk '/Mem:/ {print $2 " GiB"}')" "$(uname -sr)"
printf 'client and praxisd on the same machine, over 127.0.0.1; load average before: %s, after: %s\n' \
    "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)"
grep -hv '^figure' "$T/hs" "$T/tp"
printf 'praxisd peak RSS during the runs: %s MB\n' "$((rss_kb / 1024))"
# The median of each figure over the rounds (and the best, for the summary).
grep -h '^figure' "$T/hs" "$T/tp" | "$PY" -c '
import sys
figs = {}
for line in sys.stdin:
    _, name, value, unit = line.rstrip("\n").split("\t")
    figs.setdefault(name, (unit, []))[1].append(float(value))
best = []
for name, (unit, vals) in figs.items():
    vals.sort()
    med = vals[len(vals) // 2] if len(vals) % 2 else (vals[len(vals) // 2 - 1] + vals[len(vals) // 2]) / 2
    top = vals[0] if unit == "ms" else vals[-1]
    best.append("%s %g %s" % (name, top, unit))
    print("figure\t%s\t%g\t%s" % (name, round(med, 2), unit))
print("best of %d rounds: %s" % (len(vals), "; ".join(best)), file=sys.stderr)
' 2>"$T/best" >"$T/figs"
cat "$T/best" "$T/figs"
printf 'figure\tpraxisd_peak_rss\t%s\tMB\n' "$((rss_kb / 1024))"
