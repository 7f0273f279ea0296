#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# blobs.sh — blob transfers in praxis-sim (tests/sim/blobs.c): a few seeds
# of 30 nodes fetching blobs through the real replication core while
# entries replicate, with partitions, crashes and loss, and a node that
# serves chunks that do not match. Each run must end without a violation
# and converged (every fetch complete and verified), and the bad-chunk
# node must have been closed for its chunks; the same seed prints the
# same bytes.
#
#   tests/sim/blobs.sh PRAXIS_SIM
set -euo pipefail
sim="$1"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
args=(--nodes 30 --blobs 6 --faults partition,crash,loss --adversary bad-chunk,bad-sig
      --records 20 --publish-for 15 --json --quiet)
closes=0
for seed in 1 2 3; do
    if ! "$sim" --seed "$seed" "${args[@]}" >"$T/$seed" 2>"$T/$seed.err"; then
        echo "blobs: seed $seed failed:" >&2
        cat "$T/$seed" "$T/$seed.err" >&2
        exit 1
    fi
    cat "$T/$seed"
    read -r fetches fetched bad < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
print(d["blob_fetches"], d["blobs_fetched"], d["bad_chunk_closes"])' "$T/$seed")
    [ "$fetches" -gt 0 ] || { echo "blobs: seed $seed asked for no fetch" >&2; exit 1; }
    closes=$((closes + bad))
done
[ "$closes" -gt 0 ] || { echo "blobs: the bad-chunk node was never closed for its chunks" >&2; exit 1; }
"$sim" --seed 1 "${args[@]}" >"$T/again" 2>/dev/null || true
cmp -s "$T/1" "$T/again" || { echo "blobs: seed 1 printed different bytes on two runs" >&2; diff "$T/1" "$T/again" >&2; exit 1; }
echo "blobs: 3 seeds converged with every fetch verified; $closes connection(s) to the bad-chunk node closed"
