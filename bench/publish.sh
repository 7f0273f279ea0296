#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# publish.sh — publishing 1,000,000 case studies from JSON Lines (issue 15):
# rate per 100,000 and peak RSS (goal: >= 15,000/s sustained, RSS <= 200 MB,
# the rate falling by no more than 20 % from the first to the last 100,000).
#
#   bench/publish.sh [BUILD_DIR]       (default: build)
#   PRAXIS_BENCH_CASES=N               records in all (default 1,000,000)
#   PRAXIS_BENCH_CLI=1                 also time `praxis publish case FILE`
#                                      on the whole file (a second store)
#   PRAXIS_PUBLISH_TIMING=1            publish.c's per-100,000 breakdown on
#                                      stderr (CPU per entry of each thread)
#   PRAXIS_BENCH_REINDEX=1             also time `praxis reindex` of the store
#                                      (the records index rebuilt from scratch)
# bench_publish adds ten files of N/10 records to one publication (as
# `praxis publish case F1 case F2 ...` does) and times each; the files are
# generated first (untimed). Needs about 1 GB in $TMPDIR per million records
# (the files, and the store's WAL until the commit).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
praxis="$build/cli/praxis"
bench="$build/bench/bench_publish"
PY=/usr/bin/python3
T="$(mktemp -d "${TMPDIR:-/tmp}/px-bench-publish.XXXXXX")"
trap 'rm -rf "$T"' EXIT
total="${PRAXIS_BENCH_CASES:-1000000}"
per=$((total / 10))

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf 'machine: %s, %s cores, %s; load average %s (shared machine: other jobs may run)\n' \
    "$cpu" "$(nproc)" "$(free -g | awk '/Mem:/ {print $2 " GiB"}')" "$(cut -d' ' -f1-3 /proc/loadavg)"

# Case studies of about 600 bytes: English and Russian title and summary,
# country, stage, centre, tags and channels, all different.
"$PY" - "$T" "$per" <<'PY'
import json, random, sys
random.seed(15)
d, per = sys.argv[1], int(sys.argv[2])
countries = ["KZ", "AZ", "GE", "KG", "UZ", "AM", "MD", "UA", "CA", "FR"]
stages = ["idea", "pilot", "implemented", "evaluated", "scaled"]
words = ("service centre queue waiting time digital online one-stop shop citizen "
         "feedback survey staff training mobile office rural access licence permit "
         "registration benefit pension passport reform pilot evaluation").split()
ru = "центр услуга очередь ожидание время цифровой онлайн окно гражданин опрос".split()
n = 0
for f in range(10):
    with open(f"{d}/cases-{f + 1:02d}.jsonl", "w") as out:
        for i in range(per):
            n += 1
            rec = {"title": {"en": f"Case {n}: " + " ".join(random.sample(words, 6)),
                             "ru": f"Случай {n}: " + " ".join(random.sample(ru, 4))},
                   "summary": {"en": " ".join(random.choices(words, k=40))},
                   "country": countries[n % 10], "stage": stages[n % 5],
                   "centre": f"Centre {n % 997}", "start_year": 2005 + n % 15,
                   "tags": random.sample(words, 3), "channels": ["in person", "online"]}
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
PY
ls -l "$T"/cases-*.jsonl | awk '{s += $5} END {printf "input: %d records, %.0f MB of JSON Lines in 10 files\n", '"$total"', s / 1e6}'

per_s() { awk -v n="$1" -v s="$2" 'BEGIN {print n / s}'; } # N things in S seconds, per second

"$praxis" --data "$T/node" init --name bench >/dev/null
"$bench" "$T/node" case "$T"/cases-*.jsonl | tee "$T/bench.out" | grep --line-buffered -v '^figure'
grep '^figure' "$T/bench.out" || true

if [ "${PRAXIS_BENCH_REINDEX:-0}" = 1 ]; then
    /usr/bin/time -f '%e %M' -o "$T/time" "$praxis" --data "$T/node" reindex >/dev/null 2>"$T/err"
    read -r secs kb <"$T/time"
    printf 'reindex: %d case studies in %s s = %.0f/s; peak RSS %d MB (the store mapped for reading included)\n' \
        "$total" "$secs" "$(per_s "$total" "$secs")" "$((kb / 1024))"
    printf 'figure\treindex_rate\t%.0f\trecords/s\n' "$(per_s "$total" "$secs")"
fi

if [ "${PRAXIS_BENCH_CLI:-0}" = 1 ]; then
    cat "$T"/cases-*.jsonl >"$T/all.jsonl"
    rm -f "$T"/cases-*.jsonl
    "$praxis" --data "$T/cli" init --name cli >/dev/null
    /usr/bin/time -f '%e %M' -o "$T/time" "$praxis" --data "$T/cli" publish case "$T/all.jsonl" \
        >"$T/ids" 2>"$T/err"
    read -r secs kb <"$T/time"
    printf 'CLI: praxis publish case all.jsonl: %d ids in %s s = %.0f records/s; peak RSS %d MB\n' \
        "$(wc -l <"$T/ids")" "$secs" "$(per_s "$total" "$secs")" "$((kb / 1024))"
    printf 'figure\tcli_publish_rate\t%.0f\trecords/s\nfigure\tcli_publish_peak_rss\t%d\tMB\n' \
        "$(per_s "$total" "$secs")" "$((kb / 1024))"
fi
