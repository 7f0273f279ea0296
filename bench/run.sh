#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run.sh — every figure of the project in one table: builds (Release-like),
# runs each benchmark program of bench/, collects their
# "figure<TAB>name<TAB>value<TAB>unit" lines and prints a Markdown table
# with the goal beside each figure, then the machine.
#
#   bench/run.sh [BUILD_DIR]        (default: build; it is configured and built)
# Takes a few minutes. Run it on a quiet machine: the figures are wall-clock.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
out="$(mktemp /tmp/px-bench-all.XXXXXX)"
trap 'rm -f "$out"' EXIT

run() {
    local name="$1"; shift
    echo "running $name ..." >&2
    if ! "$@" >"$out.part" 2>&1; then
        echo "  $name failed:" >&2
        sed 's/^/    /' "$out.part" >&2
        return 0
    fi
    grep '^figure' "$out.part" >>"$out" || true
}

run foundation "$root/bench/foundation.sh" "$build"
run sync "$root/bench/sync.sh" "$build"
run spread "$root/bench/spread.sh" "$build"
run daemon "$root/bench/daemon.sh" "$build"
[ -x "$root/bench/queries.sh" ] && run queries "$root/bench/queries.sh" "$build"
run blob "$root/bench/blob.sh" "$build"
[ -x "$root/bench/publish.sh" ] && run publish "$root/bench/publish.sh" "$build"
[ -x "$root/bench/web.sh" ] && run web "$root/bench/web.sh" "$build"
rm -f "$out.part"

/usr/bin/python3 - "$out" <<'PY'
import sys
goals = {
    "publish_rate": "", "verify_rate_1t": "", "verify_rate": "",
    "sync_rate": ">= 30,000 entries/s", "sync_receiver_peak_rss": "<= 64 MB",
    "spread_p50": "", "spread_p99": "< 1,000 ms", "spread_copies_per_entry": "<= 2",
    "compare_p50": "< 50 ms", "search_p50": "< 20 ms", "csv_import_rate": ">= 20,000 rows/s",
    "publish_rate_total": ">= 15,000 records/s", "publish_rate_first": "",
    "publish_rate_last": "within 20 % of the first", "publish_peak_rss": "<= 200 MB",
    "web_search_p99": "< 100 ms", "web_case_p99": "< 20 ms", "spread_under_web_load_p99": "< 1,000 ms",
}
labels = {
    "publish_rate": "publish 10,000 records from one JSON file",
    "verify_rate_1t": "verify a 100,000-entry store, 1 thread",
    "verify_rate": "verify a 100,000-entry store, all cores",
    "sync_rate": "initial sync of 100,000 entries over loopback",
    "sync_receiver_peak_rss": "receiver's peak RSS during that sync",
    "sync_receiver_cpu": "receiver's CPU time (user + system) of that sync",
    "spread_p50": "20 nodes: publish to last node, p50",
    "spread_p99": "20 nodes: publish to last node, p99",
    "spread_copies_per_entry": "20 nodes: copies received per entry",
    "publish_rate_first": "1,000,000 case studies (JSON Lines): first 100,000",
    "publish_rate_last": "1,000,000 case studies (JSON Lines): last 100,000",
    "publish_rate_total": "1,000,000 case studies (JSON Lines): all, commit included",
    "publish_peak_rss": "1,000,000 case studies: peak RSS",
    "web_search_rps": "web: search page over 10,000 cases, 32 clients, requests/s",
    "web_search_p99": "web: search page, p99", "web_search_p50": "web: search page, p50",
    "web_case_rps": "web: case page, 32 clients, requests/s",
    "web_case_p99": "web: case page, p99", "web_case_p50": "web: case page, p50",
    "web_compare_rps": "web: compare over 1,000,000 results, 32 clients, requests/s",
    "web_compare_p99": "web: compare page, p99", "web_compare_p50": "web: compare page, p50",
    "spread_under_web_load_p50": "20 nodes, one node's web search under load: spread p50",
    "spread_under_web_load_p99": "20 nodes, one node's web search under load: spread p99",
}
goals["blob_add_rss"] = "<= 64 MB"
labels["blob_add_rate"] = "praxis blob add, 64 MiB file"
labels["blob_add_rss"] = "peak RSS of that blob add"
labels["blob_get_rate"] = "praxis blob get, 64 MiB file"
labels["blob_get_rss"] = "peak RSS of that blob get"
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.startswith("figure\t")]
print("| figure | value | goal |")
print("| --- | --- | --- |")
for _, name, value, unit in rows:
    print("| %s | %s %s | %s |" % (labels.get(name, name.replace("_", " ")), value, unit, goals.get(name, "")))
PY
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf '\nmachine: %s, %s cores, %s RAM; %s; load average %s\n' "$cpu" "$(nproc)" \
    "$(free -g | awk '/Mem:/ {print $2 " GiB"}')" "$(uname -sr)" "$(cut -d' ' -f1-3 /proc/loadavg)"
