#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# blob_net.sh — a 64 MiB blob fetched over loopback by praxisd (issue 14):
# from one peer, then from three peers at once. Figures: the transfer's
# rate (the daemon's fetch_ms: from the request to the last chunk durable
# in the store, MB/s of 10^6 bytes), the receiving praxisd's peak RSS
# (VmHWM) and its RSS before the transfer, best of 3 runs by the rate. The
# transfer runs as Hypercore's reader does its download: into the store,
# with nothing else reading the blob meanwhile (`blob get --out -`, whose
# copy to stdout, here /dev/null, starts once the fetch is complete). Then
# one `praxis blob get --out FILE` each, which writes the file while the
# blob arrives (its rate: wall time from the request to the whole file
# written). Then the latency of live entries across three hops while
# two transfers run on that path, and Hypercore in the same run. PERF_NODE=a|b wraps that node in PERF_CMD (default: perf
# record into $PERF_OUT.NAME.N) for profiling.
#
#   bench/blob_net.sh [BUILD_DIR] [MIB]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
mib="${2:-64}"
PRAXIS="$build/cli/praxis"
PRAXISD="$build/node/praxisd"
tmp="$(mktemp -d /tmp/px-bench-blobnet.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
[ -z "${BLOB_NET_KEEP:-}" ] || trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; echo "kept $tmp" >&2' EXIT
px() { "$PRAXIS" "$@"; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { local n=0; until "$@" >/dev/null 2>&1; do n=$((n + 1)); [ $n -lt 200 ] || { echo "timed out: $*" >&2; exit 1; }; sleep 0.05; done; }

px --data "$tmp/a" init --name bench >/dev/null
px --data "$tmp/a" network export "$tmp/genesis.json" >/dev/null
for n in b c d; do
    px --data "$tmp/$n" init --network "$tmp/genesis.json" >/dev/null
    px --data "$tmp/a" member add "$(px --data "$tmp/$n" id)" --org "$n" --country KZ --role centre >/dev/null
done
px --data "$tmp/a" feed export --author me "$tmp/root.feed" 2>/dev/null
for n in b c d; do px --data "$tmp/$n" feed import "$tmp/root.feed" 2>/dev/null; done
head -c $((mib * 1024 * 1024)) /dev/urandom >"$tmp/blob"
for n in a c d; do ID="$(px --data "$tmp/$n" blob add "$tmp/blob")"; done
declare -A P PID
for n in a b c d; do P[$n]="$(port)"; done
start() {  # start NAME PEER...
    local n="$1"; shift
    local args=(--data "$tmp/$n" --listen "127.0.0.1:${P[$n]}" --http off --log-level warn)
    for p in "$@"; do args+=(--peer "$(px --data "$tmp/$p" id)@127.0.0.1:${P[$p]}"); done
    if [ -n "${PERF_NODE:-}" ] && [ "$n" = "$PERF_NODE" ]; then
        ${PERF_CMD:-perf record -F 999 -g -o $PERF_OUT.$n.$RANDOM} "$PRAXISD" "${args[@]}" 2>"$tmp/$n.log" &
    else
        "$PRAXISD" "${args[@]}" 2>"$tmp/$n.log" &
    fi
    PID[$n]=$!
    pids+=("$!")
    wait_for test -S "$tmp/$n/control.sock"
}
stop() { kill "${PID[$1]}" 2>/dev/null || true; wait "${PID[$1]}" 2>/dev/null || true; }
connected() {  # connected NAME N: NAME has N peers with hellos done
    [ "$(px --data "$tmp/$1" peers --json | python3 -c 'import json,sys; print(sum(1 for c in json.load(sys.stdin)["connections"] if c["state"]=="connected"))')" -ge "$2" ]
}
kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # user + system, clock ticks

run() {  # run LABEL store|file PEER...: one fetch by b; prints a line of figures
    local label="$1" mode="$2"; shift 2
    px --data "$tmp/b" blob rm "$ID" >/dev/null 2>&1 || true
    start b "$@"
    wait_for connected b "$#"
    local before; before="$(kib "${PID[b]}" VmRSS)"
    local t0 t1 c0 c1 ca0 ca1
    c0="$(cpu "${PID[b]}")"; ca0="$(cpu "${PID[a]}")"
    t0="$(date +%s.%N)"
    if [ "$mode" = store ]; then
        px --data "$tmp/b" blob get "$ID" --out - --timeout 300 >"$tmp/out"
    else
        px --data "$tmp/b" blob get "$ID" --out "$tmp/out" --timeout 300
    fi
    t1="$(date +%s.%N)"
    local peak; peak="$(kib "${PID[b]}" VmHWM)"
    c1="$(cpu "${PID[b]}")"; ca1="$(cpu "${PID[a]}")"
    local ms; ms="$(python3 - "$tmp/b/control.sock" "$ID" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((json.dumps({"op": "blob_status", "id": sys.argv[2]}) + "\n").encode())
print(json.loads(s.makefile().readline()).get("fetch_ms", 0))
PY
)"
    cmp -s "$tmp/blob" "$tmp/out" || { echo "the bytes differ" >&2; exit 1; }
    stop b
    awk -v b=$((mib * 1024 * 1024)) -v t0="$t0" -v t1="$t1" -v r0="$before" -v r1="$peak" -v l="$label" \
        -v ms="$ms" -v cb=$((c1 - c0)) -v ca=$((ca1 - ca0)) -v hz="$(getconf CLK_TCK)" \
        'BEGIN {printf "%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.2f\t%.2f\n", l, b / (ms / 1000) / 1e6, r0 / 1024, r1 / 1024, b / (t1 - t0) / 1e6, cb / hz, ca / hz}'
}
start a
start c
start d
# BLOB_NET_PARTS=live skips the rates (for looking at the latency alone).
parts="${BLOB_NET_PARTS:-rates live hypercore}"
for peers in "a" "a c d"; do
    [[ " $parts " = *" rates "* ]] || continue
    label="one"; [ "$peers" = "a" ] || label="three"
    best=""
    for i in 1 2 3; do
        line="$(run "$label" store $peers)"
        echo "run $i: $line (transfer MB/s, RSS before MB, peak RSS MB, blob get MB/s, receiver CPU s, sender a CPU s)" >&2
        rate="$(cut -f2 <<<"$line")"
        if [ -z "$best" ] || awk -v a="$rate" -v b="$(cut -f2 <<<"$best")" 'BEGIN {exit !(a > b)}'; then best="$line"; fi
    done
    IFS=$'\t' read -r l rate rss0 rss1 getrate cpub cpua <<<"$best"
    printf 'figure\tblob_fetch_%s_peer%s_rate\t%s\tMB/s\n' "$l" "$([ "$l" = one ] || echo s)" "$rate"
    printf 'figure\tblob_fetch_%s_peer%s_rss_peak\t%s\tMB\n' "$l" "$([ "$l" = one ] || echo s)" "$rss1"
    printf 'figure\tblob_fetch_%s_peer%s_rss_before\t%s\tMB\n' "$l" "$([ "$l" = one ] || echo s)" "$rss0"
    line="$(run "$label" file $peers)"
    echo "blob get --out FILE: $line (transfer MB/s, RSS before MB, peak RSS MB, blob get MB/s, receiver CPU s, sender a CPU s)" >&2
    getrate="$(cut -f5 <<<"$line")"
    printf 'figure\tblob_get_%s_peer%s_rate\t%s\tMB/s\n' "$l" "$([ "$l" = one ] || echo s)" "$getrate"
    printf 'figure\tblob_fetch_%s_peer%s_receiver_cpu\t%s\ts\n' "$l" "$([ "$l" = one ] || echo s)" "$cpub"
done
stop a; stop c; stop d

# Live entries while blobs move: a chain a - b - c - d (--max-outbound 0, so
# nobody dials round it), b fetching the blob from a and d from c at the same
# time, while a publishes a case every 100 ms. An entry's latency is its
# received_ms at d (three hops away) minus its timestamp (the same clock).
if [[ " $parts " = *" live "* ]]; then
px --data "$tmp/d" blob rm "$ID" >/dev/null
px --data "$tmp/b" blob rm "$ID" >/dev/null 2>&1 || true
start() {  # start NAME PEER... (the chain: no learned dials)
    local n="$1"; shift
    local args=(--data "$tmp/$n" --listen "127.0.0.1:${P[$n]}" --http off --log-level "${BLOB_NET_LOG:-warn}" --max-outbound 0)
    for p in "$@"; do args+=(--peer "$(px --data "$tmp/$p" id)@127.0.0.1:${P[$p]}"); done
    "$PRAXISD" "${args[@]}" 2>"$tmp/$n.log" &
    PID[$n]=$!
    pids+=("$!")
    wait_for test -S "$tmp/$n/control.sock"
}
start a; start b a; start c b; start d c
wait_for connected d 1
wait_for connected c 2
wait_for connected b 2
t0="$(date +%s.%N)"
px --data "$tmp/b" blob get "$ID" --out "$tmp/out.b" --timeout 300 & g1=$!
px --data "$tmp/d" blob get "$ID" --out "$tmp/out.d" --timeout 300 & g2=$!
sent=0
while kill -0 $g1 2>/dev/null || kill -0 $g2 2>/dev/null || [ $sent -lt 10 ]; do
    echo '{"title": {"en": "live"}, "summary": {"en": "s"}, "country": "KZ", "stage": "idea"}' |
        px --data "$tmp/a" publish case - >/dev/null 2>&1
    sent=$((sent + 1))
    sleep 0.1
done
wait $g1 $g2
t1="$(date +%s.%N)"
cmp -s "$tmp/blob" "$tmp/out.b" && cmp -s "$tmp/blob" "$tmp/out.d" || { echo "the bytes differ" >&2; exit 1; }
root_key="$(px --data "$tmp/a" id)"
arrived() { [ "$(python3 - "$tmp/d/store.db" "$root_key" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(db.execute("SELECT count(*) FROM entries WHERE kind = 'case' AND hex(author) = upper(?)", (sys.argv[2],)).fetchone()[0])
PY
)" -ge "$sent" ]; }
wait_for arrived
python3 - "$tmp/d/store.db" "$root_key" "$sent" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
lat = sorted(r - t for t, r in db.execute(
    "SELECT ts, received_ms FROM entries WHERE kind = 'case' AND hex(author) = upper(?)", (sys.argv[2],)))
p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
print("live entries: %d published at a while b and d fetched the blob (%.1f s), three hops to d: "
      "median %d ms, p99 %d ms, max %d ms" % (len(lat), float(sys.argv[4]), lat[len(lat) // 2], p99, lat[-1]),
      file=sys.stderr)
print("figure\tlive_entry_3hop_p99_during_transfer\t%d\tms" % p99)
print("figure\tlive_entry_3hop_median_during_transfer\t%d\tms" % lat[len(lat) // 2])
PY
stop a; stop b; stop c; stop d
fi

# Hypercore in the same run (bench/hypercore: 64 KiB blocks over TCP with
# Noise, its package-lock pinned), when node and the npm packages are there.
hc="$root/bench/hypercore"
if [[ " $parts " != *" hypercore "* ]]; then
    :
elif command -v node >/dev/null && { [ -d "$hc/node_modules/hypercore" ] ||
        (cd "$hc" && npm ci --no-audit --no-fund >/dev/null 2>&1); }; then
    best=""
    for i in 1 2 3; do
        rm -rf "$tmp/hcw" "$tmp/hcr"
        node "$hc/writer.mjs" "$tmp/hcw" "$mib" >"$tmp/hc.out" 2>"$tmp/hc.err" &
        hpid=$!
        pids+=("$hpid")
        wait_for test -s "$tmp/hc.out"
        read -r key hport <"$tmp/hc.out"
        # A reader that has not finished in 60 s counts as a failed run (Hypercore
        # sometimes stalls: its reader spins without finishing).
        line="$(timeout 60 node "$hc/reader.mjs" "$tmp/hcr" "$key" "$hport" "$mib" || echo "0 0 0")"
        kill "$hpid" 2>/dev/null || true
        wait "$hpid" 2>/dev/null || true
        echo "hypercore run $i: $line (MB/s, reader peak RSS MB, reader CPU s)" >&2
        if [ -z "$best" ] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN {exit !(a > b)}'; then best="$line"; fi
    done
    read -r hrate hrss hcpu <<<"$best"
    printf 'figure\thypercore_one_peer_rate\t%s\tMB/s\n' "$hrate"
    printf 'figure\thypercore_reader_rss_peak\t%s\tMB\n' "$hrss"
    printf 'figure\thypercore_reader_cpu\t%s\ts\n' "$hcpu"
else
    echo "hypercore: node or its npm packages (bench/hypercore, npm ci) are not available; no comparison" >&2
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" >&2
