# SPDX-License-Identifier: Apache-2.0
# foundation.sh — one node through the CLI: init, publish, log, show,
# verify; a corrupted store byte; export/import across nodes and networks;
# concurrent publishers; bad input that must store nothing.
source "$(dirname "$0")/lib.sh"

A="$T/a"; B="$T/b"; C="$T/c"
px --data "$A" init --name alliance >/dev/null
[ "$(stat -c %a "$A/secret.key")" = 600 ] || fail "key file is not 0600"
[ "$(stat -c %a "$A/genesis.json")" = 600 ] || fail "genesis is not 0600"
expect_exit 1 px --data "$A" init
expect_err "already initialised"
pass "init"

cat >"$T/cases.json" <<'JSON'
[{"title": {"en": "One-stop shop pilot", "ru": "Пилот центра обслуживания"}, "summary": {"en": "test record"}, "country": "KZ", "stage": "pilot"},
 {"title": {"en": "Hidden services focus group"}, "summary": {"en": "test record"}, "country": "KZ", "stage": "pilot"},
 {"title": {"en": "Process reengineering"}, "summary": {"en": "test record"}, "country": "KZ", "stage": "pilot"}]
JSON
px --data "$A" publish case "$T/cases.json" >"$T/ids"
[ "$(wc -l <"$T/ids")" = 3 ] || fail "publish did not print 3 ids"
grep -qvE '^[0-9a-f]{64}$' "$T/ids" && fail "publish printed something other than ids"
ID2="$(sed -n 2p "$T/ids")"
px --data "$A" log | grep -q "$ID2" || fail "log does not list $ID2"
px --data "$A" show "$ID2" | grep -q "Hidden services" || fail "show does not render the body"
px --data "$A" show --json "$ID2" | grep -q '"seq": 2' || fail "show --json lacks seq"
expect_exit 1 px --data "$A" show "$(printf '%064d' 0)"
expect_err "no entry"
expect_exit 2 px --data "$A" show nothex
px --data "$A" verify | grep -q "ok: 3 entries" || fail "verify did not pass"
pass "publish, log, show, verify"

# Bad input stores nothing and says what was wrong.
printf '{"title": {"en": "x"},\n "oops" }\n' >"$T/bad.json"
expect_exit 1 px --data "$A" publish case "$T/bad.json"
expect_err "bad.json: record 1 \(line 1\): not valid JSON \(line 2, column"
printf '[{"title": {"en": "fine"}, "summary": {"en": "test record"}, "country": "KZ", "stage": "idea"}, 42]' >"$T/bad2.json"
expect_exit 1 px --data "$A" publish case "$T/bad2.json"
expect_err "record 2 is not a JSON object"
expect_exit 2 px --data "$A" publish recipe "$T/cases.json"
expect_err "unknown kind 'recipe'"
expect_exit 1 px --data "$A" publish case "$T/missing.json"
expect_err "cannot open .*missing.json"
expect_exit 2 px --data "$A" publish case
[ "$(count_entries "$A")" = 3 ] || fail "a refused publish stored something"
chmod 644 "$A/secret.key"
expect_exit 1 px --data "$A" publish case "$T/cases.json"
expect_err "chmod 600"
chmod 600 "$A/secret.key"
pass "bad input refused, nothing stored"

# Two publishers at once end with one valid chain.
"$PY" -c 'import json; print(json.dumps([{"title": {"en": "r%d" % i}, "summary": {"en": "test record"}, "country": "KZ", "stage": "idea"} for i in range(300)]))' >"$T/many.json"
px --data "$A" publish case "$T/many.json" >"$T/p1" & P1=$!
px --data "$A" publish case "$T/many.json" >"$T/p2" & P2=$!
wait "$P1" || fail "publisher 1 failed"
wait "$P2" || fail "publisher 2 failed"
[ "$(count_entries "$A")" = 603 ] || fail "concurrent publish lost or duplicated entries"
px --data "$A" verify | grep -q "ok: 603 entries in 1 feeds" || fail "chain broken by concurrent publish"
pass "concurrent publishers"

# Export, import into a member of the same network; refused by another.
px --data "$A" network export "$T/genesis.json" >/dev/null
[ "$(stat -c %a "$T/genesis.json")" = 600 ] || fail "exported genesis is not 0600"
px --data "$B" init --network "$T/genesis.json" >/dev/null
[ "$(px --data "$B" network show --json | grep network_id)" = "$(px --data "$A" network show --json | grep network_id)" ] || fail "joined node has another network id"
px --data "$A" feed export "$T/a.feed" 2>/dev/null
px --data "$B" feed import "$T/a.feed" 2>"$T/err"
grep -q "imported 603 new entries" "$T/err" || fail "import count wrong: $(cat "$T/err")"
px --data "$B" verify | grep -q "ok: 603 entries" || fail "imported store does not verify"
px --data "$B" feed import "$T/a.feed" 2>"$T/err"
grep -q "0 new entries (603 already held" "$T/err" || fail "re-import not idempotent"
px --data "$C" init --name other >/dev/null
expect_exit 1 px --data "$C" feed import "$T/a.feed"
expect_err "item 1 refused.*another network"
[ "$(count_entries "$C")" = 0 ] || fail "another network's entries were stored"
pass "export/import, other network refused"

# A truncated import keeps what came before the bad item and names it.
rm -rf "$B"; px --data "$B" init --network "$T/genesis.json" >/dev/null
head -c 5000 "$T/a.feed" >"$T/cut.feed"
expect_exit 1 px --data "$B" feed import "$T/cut.feed"
expect_err "import stopped: item [0-9]+ is truncated"
N="$(count_entries "$B")"
[ "$N" -gt 0 ] && [ "$N" -lt 603 ] || fail "truncated import kept $N entries"
px --data "$B" verify >/dev/null || fail "store invalid after truncated import"
pass "truncated import refused from the bad item on"

# Corrupt one byte of one entry's signature inside the SQLite file itself.
SIG="$(px --data "$A" show --json "$ID2" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["signature"])')"
"$PY" - "$A/store.db" "$SIG" <<'PY'
import sys
path, sig = sys.argv[1], bytes.fromhex(sys.argv[2])
data = bytearray(open(path, "rb").read())
i = data.find(sig)
assert i >= 0, "signature not found in the database file"
data[i + 10] ^= 0xFF
open(path, "wb").write(data)
PY
expect_exit 1 px --data "$A" verify
expect_err "$ID2"
pass "verify names the corrupted entry"
echo "foundation: all passed"
