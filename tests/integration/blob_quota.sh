# SPDX-License-Identifier: Apache-2.0
# blob_quota.sh — the quota per author and the keep mark (issue 14,
# schema/BLOBS.md section 6): node b keeps at most 1,000,000 bytes of blobs
# that one author's records attach. A hostile member m attaches three blobs
# of 400,000 bytes: b fetches two, refuses the third with a sentence that
# names the quota, and holds nothing of it; an honest member h's attachment
# still fetches, and so does the secretariat's (over the quota on its own:
# exempt). A blob b fetched before the secretariat's case that attaches it
# arrived is marked kept when the case arrives.
source "$(dirname "$0")/lib.sh"

make_network s m h b
for f in m1 m2 m3 h1; do head -c 400000 /dev/urandom >"$T/$f"; done
head -c 1500000 /dev/urandom >"$T/s1"
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
get s1 || fail "the secretariat's attachment (over the quota, exempt) did not fetch"
cmp -s "$T/s1" "$T/s1.b" || fail "s1: the bytes differ"
own() { px --data "$T/b" blob list --json | "$PY" -c "
import json,sys
b={x['id']:x for x in json.load(sys.stdin)['blobs']}
sys.exit(0 if b['$1']['own'] else 1)"; }
own "${ID[s1]}" || fail "b does not keep the secretariat's attachment"
own "${ID[h1]}" && fail "b keeps a member's attachment as its own"
pass "an honest member's attachment and the secretariat's (exempt from the quota, kept) still fetch"

# --- a blob fetched before the case that attaches it ------------------------------
head -c 300000 /dev/urandom >"$T/k"
K="$(px --data "$T/s" blob add "$T/k")"
ID[k]="$K"
get k || fail "b did not fetch a blob no record attaches yet"
own "$K" && fail "a blob no record attaches is kept"
printf '{"title": {"en": "the report arrives later"}, "summary": {"en": "s"}, "country": "KZ", "stage": "idea", "attachments": [{"blob": "%s", "name": "report.pdf"}]}' \
    "$K" | px --data "$T/s" publish case - >/dev/null
wait_until 60 own "$K"
grep -q "blob(s) held are now kept" "$T/b.log" || fail "b did not say it keeps the blob now"
pass "a blob fetched before the secretariat's case that attaches it is kept once the case arrives"
