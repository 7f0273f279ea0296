# SPDX-License-Identifier: Apache-2.0
# revocation.sh — revocation cuts at a position, not a time; keys move on.
#   - a revoked node with an announced address receives nothing published
#     after its revocation (the revoker never redials it);
#   - an entry it signed after the revocation's cut, stamped before the
#     revocation, is refused by `feed import` and by gossip (relayed by a
#     member);
#   - lost-key succession (member add --continues) and rotation (key rotate)
#     each show two keys as one centre; the rotated node publishes again.
source "$(dirname "$0")/lib.sh"
PEER="$PRAXIS_BIN/tests/px_peer"

make_network a b c x
KA="$(px --data "$T/a" id)"
KX="$(px --data "$T/x" id)"
start_node a
start_node b a
PORT[x]="$(free_port)"
start_bg "$T/x.log" "$PRAXISD" --data "$T/x" --listen "127.0.0.1:${PORT[x]}" \
    --announce "127.0.0.1:${PORT[x]}" --peer "$KA@127.0.0.1:${PORT[a]}" --log-level debug
NODE_PID[x]=$LAST_PID
a_dials_x() { px --data "$T/a" peers --json | grep -q "$KX@127.0.0.1:${PORT[x]}"; }
wait_until 40 a_dials_x    # A learned X's signed address announcement
a_cases() { px --data "$T/$1" log "$KA" | wc -l; }

# X publishes a case that reaches B: it will fall past the cut.
echo '{"title": {"en": "x early"}, "summary": {"en": "before the revocation, past its cut"}, "country": "KZ", "stage": "idea"}' |
    px --data "$T/x" publish case - >/dev/null
early_seq="$(px --data "$T/x" log --json | "$PY" -c 'import json,sys; print(max(e["seq"] for e in json.load(sys.stdin)["entries"] if e["kind"] == "case"))')"
b_has_early() { px --data "$T/b" cases --json | grep -q "x early"; }
wait_until 20 b_has_early
# X goes offline and signs an entry nobody has seen yet (stamped now).
stop_node x
echo '{"title": {"en": "x late"}, "summary": {"en": "signed after the cut"}, "country": "KZ", "stage": "idea"}' |
    px --data "$T/x" publish case - >/dev/null
px --data "$T/x" feed export --author me "$T/x.feed" 2>/dev/null
sleep 0.1
# A revokes X at the last entry of X's feed that A holds.
id="$(px --data "$T/a" member revoke "$KX" --after $((early_seq - 1)) --reason "key leaked" 2>"$T/err")"
[ "${#id}" = 64 ] || fail "member revoke did not print the entry id"
grep -q "^revoked ${KX:0:16} (x): its entries after seq [0-9]* are refused everywhere" "$T/err" ||
    fail "member revoke did not say what it did: $(cat "$T/err")"
late_ts="$(px --data "$T/x" log --json | "$PY" -c 'import json,sys; print(max(e["timestamp_ms"] for e in json.load(sys.stdin)["entries"]))')"
rev_ts="$(px --data "$T/a" log --json "$KA" | "$PY" -c 'import json,sys; print(max(e["timestamp_ms"] for e in json.load(sys.stdin)["entries"] if e["kind"] == "revoke"))')"
[ "$late_ts" -lt "$rev_ts" ] || fail "the late entry is not stamped before the revocation"

# X comes back, announcing its address; nothing published after reaches it.
start_bg "$T/x2.log" "$PRAXISD" --data "$T/x" --listen "127.0.0.1:${PORT[x]}" \
    --announce "127.0.0.1:${PORT[x]}" --peer "$KA@127.0.0.1:${PORT[a]}" --log-level debug
NODE_PID[x]=$LAST_PID
b_knows() { px --data "$T/b" member list --json | "$PY" -c '
import json, sys
sys.exit(0 if any(m["public_key"] == sys.argv[1] and m["status"] == "revoked" for m in json.load(sys.stdin)["members"]) else 1)' "$KX"; }
wait_until 20 b_knows
before="$(a_cases x)"
echo '{"title": {"en": "after the revocation"}, "summary": {"en": "must not reach x"}, "country": "KZ", "stage": "idea"}' |
    px --data "$T/a" publish case - >/dev/null
b_has() { [ "$(a_cases b)" -gt "$before" ]; }
wait_until 20 b_has
sleep 6   # today's main redials X and replicates within a couple of seconds
[ "$(a_cases x)" = "$before" ] || fail "the revoked node received an entry published after its revocation"
pass "a revoked node with an announced address receives nothing after its revocation"

# The entry that arrived before the revocation, past its cut, stops counting.
b_dropped() { ! px --data "$T/b" cases --json | grep -q "x early"; }
wait_until 20 b_dropped
px --data "$T/b" log "$KX" --json | grep "\"seq\": $early_seq" >/dev/null || fail "the entry past the cut was not kept as evidence"
px --data "$T/b" member list | grep -q "1 entries past the cut kept as evidence" ||
    fail "member list does not show the evidence kept"
px --data "$T/b" verify >/dev/null || fail "verify fails with evidence kept"
px --data "$T/b" status | grep -q "${KX:0:16}.*CUT: revoked or handed over after seq $((early_seq - 1)); 1 later entries kept as evidence only" ||
    fail "status does not show the evidence past the cut"
PORT[c]="$(free_port)"
start_node c b
c_synced() { [ "$(a_cases c)" -ge "$(a_cases b)" ]; }
wait_until 20 c_synced
[ "$(px --data "$T/c" log "$KX" | grep -c "^ *[0-9]")" -lt "$early_seq" ] || fail "B forwarded an entry past the cut to a newcomer"
stop_node c
pass "an entry past the cut that arrived before the revocation stops counting: not shown, not forwarded, kept"

# The late entry (past the cut, stamped before the revocation) is refused.
held_x() { px --data "$T/$1" log "$KX" | wc -l; }
nb="$(held_x b)"
expect_exit 1 px --data "$T/b" feed import "$T/x.feed"
expect_err "refused: they come after the last valid entry of their author"
[ "$(held_x b)" = "$nb" ] || fail "feed import stored an entry past the revocation's cut"
"$PEER" relay --data "$T/c" --to "$(px --data "$T/b" id)@127.0.0.1:${PORT[b]}" --file "$T/x.feed" \
    --hold 1500 >"$T/relay.out" 2>&1 || { cat "$T/relay.out" >&2; fail "px_peer relay failed"; }
[ "$(held_x b)" = "$nb" ] || fail "gossip stored an entry past the revocation's cut"
px --data "$T/b" verify >/dev/null || fail "verify fails after the refusals"
pass "an entry signed after the cut and stamped before the revocation is refused by import and gossip"

# Lost key: the secretariat admits a new key that continues X.
px --data "$T/y" init --network "$T/genesis.json" >/dev/null
KY="$(px --data "$T/y" id)"
expect_exit 1 px --data "$T/a" member add "$KY" --org x --country KZ --continues "$KA"
expect_err "not the root"
px --data "$T/a" member add "$KY" --org x --country KZ --continues "$KX" >/dev/null 2>"$T/err"
grep -q "continuing ${KX:0:16}" "$T/err" || fail "member add --continues did not say so"
px --data "$T/a" member list --json | "$PY" -c '
import json, sys
m = {r["public_key"]: r for r in json.load(sys.stdin)["members"]}
y, x = m[sys.argv[2]], m[sys.argv[1]]
assert y["status"] == "member" and y["centre_key"] == sys.argv[1] and y["continues"] == sys.argv[1], y
assert x["status"] == "revoked" and x["continued_by"] == sys.argv[2], x
' "$KX" "$KY" || fail "member list does not show the succession as one centre"
pass "lost-key succession: the new key continues the old one, one centre"

# Organisation and reason reach the terminal through the terminal-safe writer.
px --data "$T/z" init --network "$T/genesis.json" >/dev/null
KZ="$(px --data "$T/z" id)"
px --data "$T/a" member add "$KZ" --org "$(printf 'Evil\033]0;pwned\007\033[2J centre')" --country KZ >/dev/null 2>&1
px --data "$T/a" member revoke "$KZ" --reason "$(printf 'bad\033[31m key')" >/dev/null 2>&1
px --data "$T/a" member list >"$T/list.txt"
grep -q "Evil" "$T/list.txt" || fail "member list lost the organisation"
if LC_ALL=C grep -q "$(printf '\033')" "$T/list.txt"; then fail "member list printed an escape sequence"; fi
px --data "$T/a" member list --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
assert isinstance(d, dict) and list(d) == ["members"], list(d)
z = [m for m in d["members"] if m["public_key"] == sys.argv[1]][0]
assert z["organisation"].startswith("Evil\x1b") and z["reason"] == "bad\x1b[31m key", z
assert all(v is not None for m in d["members"] for v in m.values())
' "$KZ" || fail "member list --json is not {\"members\": [...]} with the fields as published"
pass "member list: terminal-safe text, {\"members\": [...]} in JSON"

# Rotation: B hands over to a new key with no secretariat action. It runs
# while praxisd does, which sends the hand-over (in the old key's feed) to
# its peers before the key file switches.
KB="$(px --data "$T/b" id)"
nkb="$(px --data "$T/b" key rotate --wait 20 2>"$T/err")"
[ "${#nkb}" = 64 ] && [ "$nkb" != "$KB" ] || fail "key rotate did not print a new key: $(cat "$T/err")"
grep -q "warning" "$T/err" && fail "key rotate: $(cat "$T/err")"
[ "$(px --data "$T/b" id)" = "$nkb" ] || fail "the data directory does not use the new key"
[ "$(stat -c %a "$T/b/secret.key")" = 600 ] || fail "the new key file is not 0600"
stop_node b
start_node b a
echo '{"title": {"en": "from the new key"}, "summary": {"en": "rotated"}, "country": "KZ", "stage": "idea"}' |
    px --data "$T/b" publish case - >/dev/null
a_has_new() { [ "$(px --data "$T/a" log "$nkb" | grep -c "^ *[0-9]")" -ge 2 ]; }
wait_until 20 a_has_new
px --data "$T/a" member list --json | "$PY" -c '
import json, sys
m = {r["public_key"]: r for r in json.load(sys.stdin)["members"]}
n, o = m[sys.argv[2]], m[sys.argv[1]]
assert n["status"] == "member" and n["centre_key"] == sys.argv[1] and n["organisation"] == "b", n
assert o["status"] == "handed-over" and o["continued_by"] == sys.argv[2], o
' "$KB" "$nkb" || fail "member list does not show the rotation as one centre"
px --data "$T/a" member list | grep -q "handed over after seq" || fail "member list text lacks the hand-over"
px --data "$T/a" cases --json | "$PY" -c '
import json, sys
c = [r for r in json.load(sys.stdin)["cases"] if r["author"] == sys.argv[2]]
assert c and all(r["centre_key"] == sys.argv[1] for r in c), c
' "$KB" "$nkb" || fail "cases do not show the new key'"'"'s case under the centre'"'"'s first key"
pass "rotation: the old key hands over, the new key publishes, one centre"
echo "revocation: all passed"
