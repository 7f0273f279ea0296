# SPDX-License-Identifier: Apache-2.0
# blob_quota.sh — the quota per author and the keep mark (issue 14,
# schema/BLOBS.md section 6): node b keeps at most 1,000,000 bytes of blobs
# that one author's records attach. A hostile member m attaches three blobs
# of 400,000 bytes: b fetches two, refuses the third with a sentence that
# names the quota, and holds nothing of it; an honest member h's attachment
# still fetches, and so do the secretariat's: the first kept, the second
# (over the quota with the first) fetched but only cached, saying why. A blob
# b fetched before the secretariat's case that attaches it arrived is marked
# kept when the case arrives, within the quota; the next one, over it, is
# not (the same rule as at fetch time).
source "$(dirname "$0")/lib.sh"

make_network s m h b
for f in m1 m2 m3 h1; do head -c 400000 /dev/urandom >"$T/$f"; done
for f in s1 s2; do head -c 600000 /dev/urandom >"$T/$f"; done
declare -A ID
publish_with() { # NODE FILE: a case at NODE attaching FILE
    printf '{"title": {"en": "case with %s"}, "summary": {"en": "s"}, "country": "KZ", "stage": "idea", "attachments": [{"file": "%s"}]}' \
        "$2" "$T/$2" | px --data "$T/$1" publish case - >/dev/null
    ID[$2]="$("$PY" "$PRAXIS_SRC/tests/tools/verify_blob.py" "$T/$2")"
}
r0="$(held s)" # the root's feed, which m, h and b were handed
for f in m1 m2 m3; do publish_with m "$f"; done
publish_with h h1
publish_with s s1
publish_with s s2
expect=$(($(held s) + $(held m) - r0 + $(held h) - r0 + $(held b) - r0))

start_node s
start_node m
start_node h
key() { px --data "$T/$1" id; }
PORT[b]="$(free_port)"
start_bg "$T/b.log" "$PRAXISD" --data "$T/b" --listen "127.0.0.1:${PORT[b]}" --log-level debug \
    --blob-quota-per-author 1000000 \
    --peer "$(key s)@127.0.0.1:${PORT[s]}" --peer "$(key m)@127.0.0.1:${PORT[m]}" \
    --peer "$(key h)@127.0.0.1:${PORT[h]}"
NODE_PID[b]=$LAST_PID
wait_until 60 grep -q "started;" "$T/b.log"
wait_until 60 has_entries b "$expect"

get() { px --data "$T/b" blob get "${ID[$1]}" --out "$T/$1.b" --timeout 30; }
for f in m1 m2; do
    get "$f" || fail "b did not fetch $f (within the quota)"
    cmp -s "$T/$f" "$T/$f.b" || fail "$f: the bytes differ"
done
expect_exit 1 get m3
expect_err "quota per author is 1000000"
[ ! -e "$T/m3.b" ] || fail "a refused get wrote its output file"
px --data "$T/b" blob list --json | "$PY" -c "
import json,sys
ids=[x['id'] for x in json.load(sys.stdin)['blobs']]
assert '${ID[m3]}' not in ids, ids" || fail "b recorded the refused blob"
pass "a member's attachments beyond the quota per author are refused ($(head -1 "$T/err")); nothing of them is held"

get h1 || fail "an honest member's attachment did not fetch beside the hostile one's"
cmp -s "$T/h1" "$T/h1.b" || fail "h1: the bytes differ"
get s1 || fail "the secretariat's attachment did not fetch"
cmp -s "$T/s1" "$T/s1.b" || fail "s1: the bytes differ"
own() { px --data "$T/b" blob list --json | "$PY" -c "
import json,sys
b={x['id']:x for x in json.load(sys.stdin)['blobs']}
sys.exit(0 if b['$1']['own'] else 1)"; }
unkept() { px --data "$T/b" blob list --json | "$PY" -c "
import json,sys
b={x['id']:x for x in json.load(sys.stdin)['blobs']}
print(b['$1'].get('unkept', ''))"; }
own "${ID[s1]}" || fail "b does not keep the secretariat's attachment"
own "${ID[h1]}" && fail "b keeps a member's attachment as its own"
get s2 || fail "the secretariat's second attachment (over its quota with the first) did not fetch"
cmp -s "$T/s2" "$T/s2.b" || fail "s2: the bytes differ"
own "${ID[s2]}" && fail "b keeps the secretariat's attachments beyond its quota per author"
why="$(unkept "${ID[s2]}")"
[[ "$why" = *"take 600000 bytes"*"quota per author of 1000000"* ]] || fail "list does not say why s2 is not kept: '$why'"
px --data "$T/b" blob list | grep -q "not kept, only cached" || fail "the text list does not say why either"
"$PY" - "$T/b/control.sock" "${ID[s2]}" <<'PY' || fail "the daemon's blob status does not say why s2 is not kept"
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((json.dumps({"op": "blob_status", "id": sys.argv[2]}) + "\n").encode())
r = json.loads(s.makefile().readline())
sys.exit(0 if r.get("kept") is False and "quota per author" in r.get("unkept", "") else 1)
PY
pass "an honest member's attachment and the secretariat's still fetch; the secretariat's are kept within its quota per author, beyond it only cached ($why)"

# --- a blob fetched before the case that attaches it ------------------------------
head -c 300000 /dev/urandom >"$T/k"
head -c 300000 /dev/urandom >"$T/k2"
K="$(px --data "$T/s" blob add "$T/k")"
ID[k]="$K"
get k || fail "b did not fetch a blob no record attaches yet"
own "$K" && fail "a blob no record attaches is kept"
printf '{"title": {"en": "the report arrives later"}, "summary": {"en": "s"}, "country": "KZ", "stage": "idea", "attachments": [{"blob": "%s", "name": "report.pdf"}]}' \
    "$K" | px --data "$T/s" publish case - >/dev/null
wait_until 60 own "$K"
grep -q "blob(s) held are now kept" "$T/b.log" || fail "b did not say it keeps the blob now"
pass "a blob fetched before the secretariat's case that attaches it is kept once the case arrives"

# The next one would take the secretariat's kept blobs (s1, k) past the
# quota: when its case arrives it stays cache, and says why.
K2="$(px --data "$T/s" blob add "$T/k2")"
get_id() { px --data "$T/b" blob get "$1" --out "$T/$2.b" --timeout 30; }
get_id "$K2" k2 || fail "b did not fetch a second blob no record attaches yet"
printf '{"title": {"en": "a second late report"}, "summary": {"en": "s"}, "country": "KZ", "stage": "idea", "attachments": [{"blob": "%s", "name": "report2.pdf"}]}' \
    "$K2" | px --data "$T/s" publish case - >/dev/null
has_why() { [[ "$(unkept "$K2")" = *"quota per author of 1000000"* ]]; }
wait_until 60 has_why
own "$K2" && fail "a blob attached after it was fetched is kept beyond the keeper's quota"
pass "a blob fetched before its case arrives is kept only within the keeper's quota per author ($(unkept "$K2"))"
