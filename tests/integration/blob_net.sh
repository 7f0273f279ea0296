# SPDX-License-Identifier: Apache-2.0
# blob_net.sh — blob transfers between praxisd nodes (issue 14, the protocol
# of schema/PROTOCOL.md "Blobs"): two nodes (a 3 MB blob, an empty one,
# exactly 4 x 64 KiB; `blob get` through the daemon, byte for byte); an
# unknown id fails with a sentence after the bounded wait; concurrent gets of
# one blob; a hub (C reaches a blob only A holds through H: the one-hop
# want); a blob over the receiver's size limit is refused before anything
# is held.
source "$(dirname "$0")/lib.sh"

make_network a b
head -c 3000000 /dev/urandom >"$T/big"
: >"$T/empty"
head -c $((4 * 65536)) /dev/urandom >"$T/exact"
declare -A ID
for f in big empty exact; do ID[$f]="$(px --data "$T/a" blob add "$T/$f")"; done

start_node a
start_node b a
wait_until 20 grep -q "connected to" "$T/b.log"

for f in big empty exact; do
    px --data "$T/b" blob get "${ID[$f]}" --out "$T/$f.b" --timeout 30 ||
        { tail -30 "$T/b.log" >&2; fail "blob get $f through b's daemon failed"; }
    cmp -s "$T/$f" "$T/$f.b" || fail "blob get $f: the bytes differ"
done
px --data "$T/b" blob list --json | "$PY" -c "
import json,sys
b={x['id']:x for x in json.load(sys.stdin)['blobs']}
x=b['${ID[big]}']
assert x['complete'] and not x['own'] and x['chunks_held']==46, x" || fail "b does not hold the 3 MB blob complete"
pass "two nodes: a 3 MB blob, an empty one and exactly 4 x 64 KiB fetched through praxisd"

# An id nobody holds: a sentence after the bounded wait.
unknown="$(printf '%064d' 7)"
t0=$SECONDS
expect_exit 1 px --data "$T/b" blob get "$unknown" --out "$T/unknown" --timeout 2
expect_err "blob $unknown could not be fetched: no peer sent the blob in time|no peer sent blob $unknown within 2 s"
[ $((SECONDS - t0)) -le 6 ] || fail "the wait for an unknown id was not bounded"
[ ! -e "$T/unknown" ] || fail "a failed get wrote its output file"
pass "an unknown id fails with a sentence after the bounded wait"

# Concurrent gets of one blob (a new one): both get the same bytes.
head -c 2000000 /dev/urandom >"$T/conc"
ID[conc]="$(px --data "$T/a" blob add "$T/conc")"
px --data "$T/b" blob get "${ID[conc]}" --out "$T/conc.1" --timeout 30 & g1=$!
px --data "$T/b" blob get "${ID[conc]}" --out "$T/conc.2" --timeout 30 & g2=$!
wait $g1 || fail "the first of two concurrent gets failed"
wait $g2 || fail "the second of two concurrent gets failed"
cmp -s "$T/conc" "$T/conc.1" && cmp -s "$T/conc" "$T/conc.2" || fail "concurrent gets: bytes differ"
pass "two concurrent gets of one blob"

# A hub: c is connected only to h, h only to a and c. c wants a blob only
# a holds; h fetches it on c's behalf (one hop) and c gets it from h.
stop_node b
for n in h c; do join "$n"; done
head -c 1500000 /dev/urandom >"$T/far"
ID[far]="$(px --data "$T/a" blob add "$T/far")"
start_node h a
start_node c h
wait_until 20 grep -q "connected to" "$T/c.log"
px --data "$T/c" blob get "${ID[far]}" --out "$T/far.c" --timeout 30 ||
    { tail -20 "$T/h.log" >&2; fail "c could not fetch a blob only a holds through h"; }
cmp -s "$T/far" "$T/far.c" || fail "hub: the bytes differ"
px --data "$T/h" status --json >/dev/null
relayed="$(px --data "$T/h" peers --json 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin).get("blobs",{}).get("wants_relayed",0))' 2>/dev/null || echo "?")"
pass "through a hub: c fetched a blob only a holds (h relayed $relayed want(s))"

# Over the receiver's size limit: refused before anything is held.
stop_node c
head -c 300000 /dev/urandom >"$T/toobig"
ID[toobig]="$(px --data "$T/a" blob add "$T/toobig")"
PORT[c]="$(free_port)"
start_bg "$T/c2.log" "$PRAXISD" --data "$T/c" --listen "127.0.0.1:${PORT[c]}" --log-level debug \
    --peer "$(px --data "$T/h" id)@127.0.0.1:${PORT[h]}" --blob-max-size 200000 --blob-cache 400000
NODE_PID[c]=$LAST_PID
wait_until 10 test -S "$T/c/control.sock"
wait_until 20 grep -q "connected to" "$T/c2.log"
expect_exit 1 px --data "$T/c" blob get "${ID[toobig]}" --out "$T/toobig.c" --timeout 20
expect_err "is 300000 bytes, over the limit of 200000 bytes"
px --data "$T/c" blob list --json | "$PY" -c "
import json,sys
assert '${ID[toobig]}' not in [x['id'] for x in json.load(sys.stdin)['blobs']]" ||
    fail "a blob over the size limit was recorded"
pass "a blob over the receiver's size limit is refused and nothing of it is held"

# The cache (--blob-cache 400000): blobs c need not keep are evicted, least
# recently used first, to make room; the 1.5 MB one from the hub goes first.
ids_c() { px --data "$T/c" blob list --json | "$PY" -c 'import json,sys; print(" ".join(x["id"] for x in json.load(sys.stdin)["blobs"]))'; }
for s in 1 2 3; do
    head -c 150000 /dev/urandom >"$T/s$s"
    ID[s$s]="$(px --data "$T/a" blob add "$T/s$s")"
    px --data "$T/c" blob get "${ID[s$s]}" --out "$T/s$s.c" --timeout 20 || fail "c could not fetch s$s"
    cmp -s "$T/s$s" "$T/s$s.c" || fail "s$s: bytes differ"
done
held_c="$(ids_c)"
[[ "$held_c" != *"${ID[far]}"* ]] || fail "the 1.5 MB blob was not evicted for room"
[[ "$held_c" != *"${ID[s1]}"* ]] || fail "the least recently used blob was not evicted"
[[ "$held_c" == *"${ID[s2]}"* && "$held_c" == *"${ID[s3]}"* ]] || fail "the newer blobs are not held"
pass "the blob cache evicts blobs this node need not keep, least recently used first"
