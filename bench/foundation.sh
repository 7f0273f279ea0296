#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# foundation.sh — figures for the single-node foundation, through the real
# CLI: entries appended per second when publishing 10,000 records from one
# JSON file, and `praxis verify` speed on a 100,000-entry store.
#
#   bench/foundation.sh [BUILD_DIR]     (default: build)
# Prints "figure<TAB>value<TAB>unit" lines after a human-readable summary.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
praxis="$build/cli/praxis"
PY=/usr/bin/python3
T="$(mktemp -d /tmp/px-bench.XXXXXX)"
trap 'rm -rf "$T"' EXIT

# 10,000 case-like records of about 400 bytes of msgpack each.
"$PY" - "$T/records.json" <<'PY'
import json, sys
recs = []
for i in range(10000):
    recs.append({
        "title": {"en": "Queue management reform %d" % i, "ru": "Реформа управления очередью %d" % i},
        "summary": {"en": "Electronic queue and appointment booking cut average waiting "
                          "time at the service hall; staff rotated to peak hours."},
        "country": "KZ", "stage": "implemented", "start_year": 2017, "end_year": 2018,
        "tags": ["waiting time", "queue", "appointments"],
    })
json.dump(recs, open(sys.argv[1], "w"), ensure_ascii=False)
PY

now() { date +%s.%N; }
"$praxis" --data "$T/n" init >/dev/null

t0=$(now); "$praxis" --data "$T/n" publish case "$T/records.json" >/dev/null; t1=$(now)
pub_rate=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print 10000 / (b - a)}')

# Grow the store to 100,000 entries (9 more files of 10,000).
for _ in $(seq 9); do "$praxis" --data "$T/n" publish case "$T/records.json" >/dev/null; done
t0=$(now); "$praxis" --data "$T/n" verify --threads 1 >/dev/null; t1=$(now)
v1=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print 100000 / (b - a)}')
t0=$(now); "$praxis" --data "$T/n" verify >/dev/null; t1=$(now)
vn=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print 100000 / (b - a)}')
vsecs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
db_mb=$(du -m "$T/n/store.db" | cut -f1)

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf 'machine: %s, %s cores, %s\n' "$cpu" "$(nproc)" "$(free -g | awk '/Mem:/ {print $2 " GiB"}')"
printf 'publish 10,000 records from one JSON file: %.0f entries/s\n' "$pub_rate"
printf 'verify 100,000 entries: %.0f entries/s on 1 thread; %.0f entries/s (%.2f s) on %s threads; store %s MB\n' \
    "$v1" "$vn" "$vsecs" "$(nproc)" "$db_mb"
printf 'figure\tpublish_rate\t%.0f\tentries/s\n' "$pub_rate"
printf 'figure\tverify_rate_1t\t%.0f\tentries/s\n' "$v1"
printf 'figure\tverify_rate\t%.0f\tentries/s\n' "$vn"
