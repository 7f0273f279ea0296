# SPDX-License-Identifier: Apache-2.0
# membership.sh — no one in who does not belong: a five-node network where a
# key is refused at the handshake until admitted, its entries held back
# until the admission arrives, cut off everywhere once revoked; an observer
# cannot publish knowledge; a member that forges an entry is dropped while
# the others keep syncing.
source "$(dirname "$0")/lib.sh"
PEER="$PRAXIS_BIN/tests/px_peer"

make_network a b c d
px --data "$T/x" init --network "$T/genesis.json" >/dev/null   # not admitted (yet)
KX="$(px --data "$T/x" id)"
start_node a
start_node b a
start_node c a
start_node d b

# --- a non-member is refused at the handshake ----------------------------------------
"$PEER" hello --data "$T/x" --to "127.0.0.1:${PORT[a]}" --timeout 3000 >"$T/x.hello" 2>&1 &&
    fail "a non-member completed a handshake"
grep -q "not a member; refused" "$T/a.log" || fail "the refusal is not logged"
pass "non-member refused at the handshake"

# --- its entries, imported before its admission, are held back, not lost --------------
echo '[{"title": {"en": "x one"}, "summary": {"en": "test record"}, "country": "KZ", "stage": "idea"}, {"title": {"en": "x two"}, "summary": {"en": "test record"}, "country": "KZ", "stage": "idea"}]' | px --data "$T/x" publish case - >/dev/null
px --data "$T/x" feed export --author me "$T/x.feed" 2>/dev/null
expect_exit 1 px --data "$T/b" feed import "$T/x.feed"
expect_err "2 entries refused: their author .* is not an admitted member; they are held back"
px --data "$T/b" log "$KX" | grep -q . && fail "a non-member's entries were stored"
pass "imported feed of a non-member refused (held back)"

# --- admitted: it gets in, and the held entries are accepted ----------------------------
px --data "$T/a" member add "$KX" --org "Late Centre" --country GE >/dev/null
x_in_b() { [ "$(px --data "$T/b" log "$KX" | grep -c "^ *[0-9]")" -ge 2 ]; }
wait_until 20 x_in_b    # B learned the admission by gossip and released what it held
grep -q "held-back entries accepted after an admission" "$T/b.log" || fail "B did not release held entries"
start_node x a
x_connected() {
    px --data "$T/a" peers --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if any(c["public_key"] == sys.argv[1] and c["state"] == "connected" for c in d["connections"]) else 1)' "$KX"
}
wait_until 20 x_connected
echo '{"title": {"en": "x three"}, "summary": {"en": "test record"}, "country": "KZ", "stage": "idea"}' | px --data "$T/x" publish case - >/dev/null
x_everywhere() { local n; for n in a b c d; do [ "$(px --data "$T/$n" log "$KX" | grep -c "^ *[0-9]")" -ge 3 ] || return 1; done; }
wait_until 20 x_everywhere
pass "admitted: handshake accepted, held entries accepted, its entries reach every node"

# --- revoked: connections closed, new entries refused by every node -----------------------
sleep 0.05   # the revocation is stamped after x's last entry
px --data "$T/a" member revoke "$KX" --reason "key leaked" >/dev/null
x_gone() { ! x_connected; }
wait_until 20 x_gone
grep -q "its key was revoked" "$T/a.log" || fail "A did not say why it closed the connection"
revoked_everywhere() {
    local n
    for n in b c d; do
        px --data "$T/$n" member list --json | "$PY" -c '
import json, sys
sys.exit(0 if any(m["public_key"] == sys.argv[1] and m["status"] == "revoked" for m in json.load(sys.stdin)["members"]) else 1)' "$KX" || return 1
    done
}
wait_until 20 revoked_everywhere
echo '{"title": {"en": "x after revocation"}, "summary": {"en": "test record"}, "country": "KZ", "stage": "idea"}' | px --data "$T/x" publish case - >/dev/null
px --data "$T/x" feed export --author me "$T/x2.feed" 2>/dev/null
for n in a b c d; do
    expect_exit 1 px --data "$T/$n" feed import "$T/x2.feed"
    expect_err "refused: they come after the last valid entry of their author"
    [ "$(px --data "$T/$n" log "$KX" | grep -c "^ *[0-9]")" = 3 ] || fail "$n stored an entry signed after the revocation"
done
"$PEER" hello --data "$T/x" --to "$(px --data "$T/b" id)@127.0.0.1:${PORT[b]}" \
    --timeout 3000 >/dev/null 2>&1 && fail "a revoked key completed a handshake"
pass "revoked: connections closed, refused at handshakes, its new entries refused by every node"

# --- an observer replicates but cannot publish knowledge ---------------------------------
px --data "$T/o" init --network "$T/genesis.json" >/dev/null
px --data "$T/a" member add "$(px --data "$T/o" id)" --org Observer --country CA --role observer >/dev/null
echo '{"title": {"en": "observer case"}, "summary": {"en": "test record"}, "country": "KZ", "stage": "idea"}' | px --data "$T/o" publish case - >/dev/null
px --data "$T/o" feed export --author me "$T/o.feed" 2>/dev/null
wait_until 20 sh -c "px() { \"$PRAXIS\" \"\$@\"; }; px --data '$T/c' member list | grep -q observer"
expect_exit 1 px --data "$T/c" feed import "$T/o.feed"
expect_err "not an admitted member"
pass "an observer's case study is refused"

# --- a member that forges an entry is dropped; the others keep syncing ---------------------
px --data "$T/f" init --network "$T/genesis.json" >/dev/null
px --data "$T/a" member add "$(px --data "$T/f" id)" --org Forger --country KZ >/dev/null
wait_until 20 sh -c "\"$PRAXIS\" --data '$T/b' member list | grep -q Forger"
"$PEER" forge --data "$T/f" --to "$(px --data "$T/b" id)@127.0.0.1:${PORT[b]}" --timeout 5000 \
    >"$T/forge.out" 2>&1 || { cat "$T/forge.out" >&2; fail "px_peer forge: the node kept the connection"; }
grep -q "sent a bad entry" "$T/b.log" || fail "B did not log the bad entry"
"$PEER" hello --data "$T/f" --to "$(px --data "$T/b" id)@127.0.0.1:${PORT[b]}" --timeout 2000 \
    >/dev/null 2>&1 && fail "the forger was let in again at once"
publish_n a 50
before="$(held d)"
wait_until 20 has_entries d $((before + 0))
all_synced() { local n; for n in b c d; do [ "$(held "$n")" -ge "$(held a)" ] || return 1; done; }
wait_until 20 all_synced
pass "forging member disconnected and backed off; the others keep syncing"
# --- a passphrase-protected key; the daemon starts unattended ----------------------------
printf 'a long passphrase\n' >"$T/pass"
chmod 600 "$T/pass"
PRAXIS_PASSPHRASE_FILE="$T/pass" px --data "$T/s" init --network "$T/genesis.json" --protect >/dev/null
grep -q '"encrypted"' "$T/s/secret.key" || fail "the key file is not encrypted"
px --data "$T/a" member add "$(px --data "$T/s" id)" --org Protected --country KZ >/dev/null
PORT[s]="$(free_port)"
start_bg "$T/s.log" "$PRAXISD" --data "$T/s" --peer "127.0.0.1:${PORT[a]}" --passphrase-file "$T/pass"
s_in() { px --data "$T/a" peers --json | grep -q "$(px --data "$T/s" id)"; }
wait_until 20 s_in
# (on a copy of its key: the running praxisd holds the data directory's lock)
mkdir -m 700 "$T/s2" && cp -p "$T/s/secret.key" "$T/s/genesis.json" "$T/s2/"
expect_exit 1 env PRAXIS_PASSPHRASE=wrong-passphrase "$PRAXISD" --data "$T/s2"
expect_err "wrong passphrase"
px --data "$T/b" peers | grep -q "offence" || fail "praxis peers does not show the forger's offence"
pass "protected key: unattended start with --passphrase-file; a wrong passphrase is refused"
# Verbs that only read need no secret key, so no passphrase (no terminal and
# no passphrase source here: setsid leaves no controlling terminal).
noterm() { setsid -w env -u PRAXIS_PASSPHRASE -u PRAXIS_PASSPHRASE_FILE "$@" </dev/null; }
for verb in "cases --json" "status --json" "log me" "member list --json" "indicators" "verify"; do
    # shellcheck disable=SC2086 # the verb's words split on purpose
    noterm "$PRAXIS" --data "$T/s2" $verb >/dev/null 2>"$T/err" ||
        { cat "$T/err" >&2; fail "'praxis $verb' needs the passphrase on a protected key"; }
done
echo '{"title": {"en": "t"}, "summary": {"en": "s"}, "country": "KZ", "stage": "idea"}' >"$T/one.json"
expect_exit 1 noterm "$PRAXIS" --data "$T/s2" publish case "$T/one.json"
expect_err "passphrase"
pass "protected key: reading verbs run without the passphrase; publish still asks for it"
echo "membership: all passed"
