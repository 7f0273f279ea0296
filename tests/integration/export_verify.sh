# SPDX-License-Identifier: Apache-2.0
# export_verify.sh — schema/ENTRIES.md is enough to check an export: the
# independent Python verifier (tests/tools/verify_export.py) accepts what
# `praxis feed export` writes and the doc's worked example, and both the
# verifier and `praxis feed import` refuse an export with one signature byte
# flipped, naming the same item.
source "$(dirname "$0")/lib.sh"

VERIFY_PY="$PRAXIS_SRC/tests/tools/verify_export.py"
verify() { "$PY" "$VERIFY_PY" "$@"; }
EXAMPLE="$PRAXIS_BIN/tests/entries_example"

# The verifier needs Debian's python3-msgpack and python3-nacl.
"$PY" -c 'import msgpack, nacl.signing' 2>/dev/null ||
    fail "$PY lacks the msgpack or nacl module: install Debian's python3-msgpack and python3-nacl (bootstrap/install-deps.sh does)"
[ -x "$EXAMPLE" ] || fail "$EXAMPLE is not built"

# flip FILE OFFSET: xor one byte of FILE with 0x01, in place.
flip() {
    "$PY" - "$1" "$2" <<'PY'
import sys
path, off = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    f.seek(off)
    b = f.read(1)[0]
    f.seek(off)
    f.write(bytes([b ^ 1]))
PY
}

# sig_offset FILE N: offset of the first signature byte of item N (items
# are 93, c4 LL header, c4 40 signature, c4/c5/c6 LL.. body or c0).
sig_offset() {
    "$PY" - "$1" "$2" <<'PY'
import sys
data, want = open(sys.argv[1], "rb").read(), int(sys.argv[2])
off = 0
for n in range(1, want + 1):
    assert data[off] == 0x93 and data[off + 1] == 0xC4
    sig = off + 2 + 1 + data[off + 2] + 2
    if n == want:
        print(sig)
        break
    body = sig + 64
    t = data[body]
    size = {0xC0: 1, 0xC4: 2 + (data[body + 1] if t == 0xC4 else 0)}.get(t)
    if size is None:
        w = {0xC5: 2, 0xC6: 4}[t]
        size = 1 + w + int.from_bytes(data[body + 1:body + 1 + w], "big")
    off = body + size
PY
}

# The worked example of ENTRIES.md: its export checks out.
"$EXAMPLE" --write "$T"
verify "$T/example.mp" "$T/genesis.json" >"$T/out" || fail "the example export does not verify"
grep -q "seq 1..2" "$T/out" || fail "verifier did not see the example's 2 entries"
pass "doc example export verifies"

# A real node's export checks out.
A="$T/a"; B="$T/b"; C="$T/c"
px --data "$A" init >/dev/null
case_json() { printf '{"title":{"en":"%s"},"summary":{"en":"%s"},"country":"KZ","stage":"pilot"}' "$1" "$1"; }
echo "[$(case_json a),$(case_json b),$(case_json c)]" | px --data "$A" publish case - >/dev/null
px --data "$A" feed export "$T/x.mp" 2>/dev/null
verify "$T/x.mp" "$A/genesis.json" >"$T/out" || { cat "$T/out"; fail "verifier refused a good export"; }
grep -q "seq 1..3" "$T/out" || fail "verifier did not see 3 entries"
pass "praxis export verifies independently"

# A network name of 32+ bytes is str 8 in the network id preimage.
px --data "$C" init --name "a-network-name-longer-than-thirty-two-bytes" >/dev/null
echo "$(case_json long)" | px --data "$C" publish case - >/dev/null
px --data "$C" feed export "$T/c.mp" 2>/dev/null
verify "$T/c.mp" "$C/genesis.json" >/dev/null || fail "long network name: export does not verify"
expect_exit 1 verify "$T/c.mp" "$A/genesis.json"
expect_err "another network"
pass "network id derivation agrees (long name; other network refused)"

# One flipped signature byte in item 2: both refuse from item 2 on.
cp "$T/x.mp" "$T/bad.mp"
flip "$T/bad.mp" "$(( $(sig_offset "$T/bad.mp" 2) + 10 ))"
expect_exit 1 verify "$T/bad.mp" "$A/genesis.json"
expect_err "item 2 .*signature does not verify"
px --data "$B" init --network "$A/genesis.json" >/dev/null
expect_exit 1 px --data "$B" feed import "$T/bad.mp"
expect_err "item 2"
expect_err "signature"
px --data "$B" feed export "$T/b.mp" 2>/dev/null
verify "$T/b.mp" "$A/genesis.json" >"$T/out" || fail "b's store does not verify"
grep -q "seq 1..1" "$T/out" || fail "import kept something other than item 1"
pass "flipped signature refused by verifier and import"

# The good export then imports, and b's copy verifies both ways.
px --data "$B" feed import "$T/x.mp" 2>/dev/null
px --data "$B" verify >/dev/null || fail "praxis verify fails after import"
px --data "$B" feed export "$T/b.mp" 2>/dev/null
cmp -s "$T/b.mp" "$T/x.mp" || fail "b's export differs from a's"
pass "good export imports; bytes round-trip"
