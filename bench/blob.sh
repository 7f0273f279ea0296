#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# blob.sh — `praxis blob add` and `blob get` of a 64 MiB file (bench_blob):
# MB/s and the command's peak RSS (goal for add: <= 64 MB). Best of 3 runs
# by add rate, each in a fresh data directory.
#
#   bench/blob.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
tmp="$(mktemp -d /tmp/px-bench-blob.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
best=""
for i in 1 2 3; do
    "$build/cli/praxis" --data "$tmp/d$i" init --name bench >/dev/null
    "$build/bench/bench_blob" "$build/cli/praxis" "$tmp/d$i" 64 >"$tmp/run$i"
    grep -v '^figure' "$tmp/run$i" >&2
    rate="$(awk -F'\t' '$2 == "blob_add_rate" {print $3}' "$tmp/run$i")"
    if [ -z "$best" ] || awk -v a="$rate" -v b="$best" 'BEGIN {exit !(a > b)}'; then
        best="$rate"; cp "$tmp/run$i" "$tmp/best"
    fi
    rm -rf "$tmp/d$i"
done
grep '^figure' "$tmp/best"
