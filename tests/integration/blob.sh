# SPDX-License-Identifier: Apache-2.0
# blob.sh — `praxis blob` (issue 14, the local part): add prints the id that
# an independent implementation of schema/BLOBS.md (verify_blob.py) computes
# too, for an empty file, exactly 2 x 64 KiB, 2 x 64 KiB + 1 and a 3 MB file;
# list and list --json; get by a unique 8-digit prefix gives the same bytes
# (and - writes stdout); a file over 64 MiB is refused and nothing is held;
# rm, then get (with no praxisd running) says the blob is not complete here
# and that praxisd must run to fetch it; a leftover chunk file of a removed blob
# is swept; usage errors exit 2.
source "$(dirname "$0")/lib.sh"

VERIFY="$PY $PRAXIS_SRC/tests/tools/verify_blob.py"
A="$T/a"
px --data "$A" init --name it >/dev/null
blobs_json() { px --data "$A" blob list --json; }
field() { "$PY" -c "import json,sys; b={x['id']:x for x in json.load(sys.stdin)['blobs']}; print(b['$1']$2)"; }

: >"$T/empty"
head -c $((2 * 65536)) /dev/urandom >"$T/exact"
head -c $((2 * 65536 + 1)) /dev/urandom >"$T/plus1"
head -c 3000000 /dev/urandom >"$T/big"
declare -A ID
for f in empty exact plus1 big; do
    ID[$f]="$(px --data "$A" blob add "$T/$f")"
    [[ "${ID[$f]}" =~ ^[0-9a-f]{64}$ ]] || fail "blob add $f printed '${ID[$f]}', not an id"
    [ "${ID[$f]}" = "$($VERIFY "$T/$f")" ] || fail "blob add $f: id differs from verify_blob.py's"
done
[ "${ID[empty]}" = 67c5ad762e0d4655ba569205084d256117e87f50ab8d10dc2f2fe3d89a1d0755 ] ||
    fail "the empty blob's id is not the one in schema/BLOBS.md"
pass "blob add: ids agree with an independent implementation of BLOBS.md"

# Adding the same file again gives the same id and still one blob.
[ "$(px --data "$A" blob add "$T/exact")" = "${ID[exact]}" ] || fail "second add: another id"
[ "$(blobs_json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["blobs"]))')" = 4 ] ||
    fail "blob list does not hold 4 blobs"
[ "$(blobs_json | field "${ID[plus1]}" "['chunks']")" = 3 ] || fail "2 x 64 KiB + 1 is not 3 chunks"
[ "$(blobs_json | field "${ID[exact]}" "['chunks']")" = 2 ] || fail "2 x 64 KiB is not 2 chunks"
[ "$(blobs_json | field "${ID[big]}" "['chunks_held']")" = 46 ] || fail "3 MB: not 46 chunks held"
[ "$(blobs_json | field "${ID[big]}" "['size']")" = 3000000 ] || fail "3 MB: wrong size"
[ "$(blobs_json | field "${ID[big]}" "['complete'], b['${ID[big]}']['own'], b['${ID[big]}']['pinned']")" = "True True False" ] ||
    fail "3 MB: not complete, own and unpinned"
px --data "$A" blob list >"$T/list"
grep -q "^${ID[big]}  *3000000 bytes  *46/46 *complete own$" "$T/list" || fail "blob list text: $(cat "$T/list")"
pass "blob list and --json"

for f in empty exact plus1 big; do
    px --data "$A" blob get "${ID[$f]:0:8}" --out "$T/$f.out"
    cmp -s "$T/$f" "$T/$f.out" || fail "blob get $f: the bytes differ"
done
px --data "$A" blob get "${ID[plus1]}" --out - >"$T/stdout.out"
cmp -s "$T/plus1" "$T/stdout.out" || fail "blob get --out -: the bytes differ"
pass "blob get by an 8-digit prefix writes the same bytes"

# Pin and unpin.
px --data "$A" blob pin "${ID[big]:0:12}"
[ "$(blobs_json | field "${ID[big]}" "['pinned']")" = True ] || fail "pin did not pin"
px --data "$A" blob unpin "${ID[big]}"
[ "$(blobs_json | field "${ID[big]}" "['pinned']")" = False ] || fail "unpin did not unpin"

# Over the limit: refused, nothing held, nothing left in the blob directory.
truncate -s $((64 * 1024 * 1024 + 1)) "$T/huge"
expect_exit 1 px --data "$A" blob add "$T/huge"
expect_err "huge is 67108865 bytes, over the blob size limit of 67108864 bytes"
[ "$(blobs_json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["blobs"]))')" = 4 ] ||
    fail "a refused add changed the blobs held"
[ -z "$(ls -A "$A/blobs" | grep -v '\.data$' || true)" ] || fail "a refused add left a file behind"
pass "a file over 64 MiB is refused and leaves nothing"

# rm: gone; get then says why: no daemon runs to fetch it.
px --data "$A" blob rm "${ID[plus1]:0:8}"
[ ! -e "$A/blobs/${ID[plus1]}.data" ] || fail "rm left the chunk file"
expect_exit 1 px --data "$A" blob get "${ID[plus1]}" --out "$T/gone"
expect_err "blob ${ID[plus1]} is not complete here, and no praxisd runs on .* to fetch it from peers: start praxisd"
[ ! -e "$T/gone" ] || fail "a failed get wrote its output file"
expect_exit 1 px --data "$A" blob rm "${ID[plus1]:0:8}"
expect_err "no blob held here has an id beginning with ${ID[plus1]:0:8}"
pass "blob rm; get of a blob not held fails with a sentence"

# A chunk file whose row is gone (a crash between a remove's commit and its
# unlink) is swept at the next open.
cp "$T/exact" "$A/blobs/${ID[plus1]}.data"
px --data "$A" blob list >/dev/null
[ ! -e "$A/blobs/${ID[plus1]}.data" ] || fail "an orphan chunk file was not swept"
pass "orphan chunk files are swept"

# Usage errors and bad ids.
expect_exit 2 px --data "$A" blob
expect_exit 2 px --data "$A" blob frobnicate
expect_exit 2 px --data "$A" blob get "${ID[big]}"
expect_err "blob get needs --out FILE"
expect_exit 2 px --data "$A" blob list --out x
expect_exit 2 px --data "$A" blob rm 1234
expect_err "too short"
expect_exit 2 px --data "$A" blob rm zzzzzzzzzz
expect_err "not hexadecimal"
expect_exit 1 px --data "$T/nowhere" blob list
expect_err "not an initialised praxis data directory"
px --data "$A" blob --help | grep -q "usage: praxis blob add FILE" || fail "blob --help"
px help | grep -q "^  blob " || fail "blob is not in praxis help"
pass "usage errors"

# publish: a case's attachments name local files (added first) or blobs held.
printf 'a survey report\n' >"$T/report.pdf"
cat >"$T/case.json" <<JSON
{"title": {"en": "Case with attachments"}, "summary": {"en": "s"}, "country": "KZ", "stage": "pilot",
 "attachments": [{"file": "$T/report.pdf"}, {"blob": "${ID[big]:0:10}", "name": "big.bin"}]}
JSON
px --data "$A" publish case "$T/case.json" >"$T/pub.out" 2>"$T/pub.err" || { cat "$T/pub.err" >&2; fail "publish with attachments failed"; }
case_id="$(head -1 "$T/pub.out")"
px --data "$A" show "$case_id" --json >"$T/show.json"
REPORT="$($VERIFY "$T/report.pdf")"
"$PY" - "$T/show.json" "$REPORT" "${ID[big]}" <<'PY' || fail "the published attachments are not as given"
import json, sys
rec = json.load(open(sys.argv[1]))
rec = rec["body"]
att = rec["attachments"]
assert att[0] == {"blob": sys.argv[2], "name": "report.pdf", "size": 16, "mime": "application/pdf"}, att[0]
assert att[1] == {"blob": sys.argv[3], "name": "big.bin", "size": 3000000, "mime": "application/octet-stream"}, att[1]
PY
[ "$(blobs_json | field "$REPORT" "['own']")" = True ] || fail "the attached file is not held as an own blob"
pass "publish: attachments from a local file (added first) and from a blob held, by prefix"

cat >"$T/bad.json" <<JSON
{"title": {"en": "Bad"}, "summary": {"en": "s"}, "country": "KZ", "stage": "pilot",
 "attachments": [{"blob": "${ID[big]}", "name": "../etc/passwd", "size": 3000000}]}
JSON
expect_exit 1 px --data "$A" publish case "$T/bad.json"
expect_err "file name without path separators"
cat >"$T/missing.json" <<JSON
{"title": {"en": "Missing"}, "summary": {"en": "s"}, "country": "KZ", "stage": "pilot",
 "attachments": [{"file": "$T/no-such-file"}]}
JSON
expect_exit 1 px --data "$A" publish case "$T/missing.json"
expect_err "attachment 1: .*no-such-file"
pass "publish: a path in an attachment's name and a missing file are refused with a sentence"
