# SPDX-License-Identifier: Apache-2.0
# blob_web.sh — attachments through the web interface (issue 14): a case
# published at a with a file attached reaches b; b's case page lists the
# attachment (name, size, type, not held here) with a fetch form; the JSON
# route starts the fetch and reports progress until complete; the download
# is the same bytes, as an attachment (Content-Disposition), never inline
# (application/octet-stream, nosniff); the form without script redirects
# back to the case page; a POST without the CSRF token is refused.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || fail "curl is needed (bootstrap/install-deps.sh installs it)"

make_network a b
head -c 700000 /dev/urandom >"$T/survey report.pdf"
cat >"$T/case.json" <<JSON
{"title": {"en": "A case with its survey report"}, "summary": {"en": "s"}, "country": "KZ",
 "stage": "evaluated", "attachments": [{"file": "$T/survey report.pdf"}]}
JSON
CASE="$(px --data "$T/a" publish case "$T/case.json" 2>/dev/null | head -1)"
[[ "$CASE" =~ ^[0-9a-f]{64}$ ]] || fail "publish did not print the case id"
BLOB="$("$PY" "$PRAXIS_SRC/tests/tools/verify_blob.py" "$T/survey report.pdf")"
before="$(held a)"
HA="$(free_port)"; HB="$(free_port)"
PORT[a]="$(free_port)"; PORT[b]="$(free_port)"
start_bg "$T/a.log" "$PRAXISD" --data "$T/a" --listen "127.0.0.1:${PORT[a]}" --http "127.0.0.1:$HA"
NODE_PID[a]=$LAST_PID
wait_until 10 test -S "$T/a/control.sock"
start_bg "$T/b.log" "$PRAXISD" --data "$T/b" --listen "127.0.0.1:${PORT[b]}" --http "127.0.0.1:$HB" \
    --peer "$(px --data "$T/a" id)@127.0.0.1:${PORT[a]}"
NODE_PID[b]=$LAST_PID
wait_until 10 test -f "$T/b/http.addr"
wait_until 30 has_entries b "$before"
U="http://127.0.0.1:$HB"

get() {
    local url="$1"; shift
    curl -s -o "$T/body" -D "$T/h.raw" -w '%{http_code}' "$@" "$url"
    tr -d '\r' <"$T/h.raw" >"$T/h"
}
[ "$(get "$(px --data "$T/b" ui --url)" -c "$T/jar")" = 303 ] || fail "login failed"
[ "$(get "$U/cases/$CASE" -b "$T/jar")" = 200 ] || fail "the case page is not 200 at b"
grep -q "<h2>Attachments</h2>" "$T/body" || fail "the case page lists no attachments"
grep -q "<strong>survey report.pdf</strong>" "$T/body" || fail "the attachment's name is not shown"
grep -q "683.6 KiB · application/pdf" "$T/body" || fail "size and type are not shown"
grep -q "not held here" "$T/body" || fail "the page does not say the blob is not held here"
grep -q "data-blob-fetch" "$T/body" || fail "no fetch form"
CSRF="$(sed -n 's/.*name="csrf-token" content="\([0-9a-f]*\)".*/\1/p' "$T/body")"
pass "b's case page lists the attachment (name, size, type, not held here) with a fetch form"

[ "$(get "$U/blobs/$BLOB?name=x.pdf" -b "$T/jar")" = 404 ] || fail "a download of a blob not held is not 404"
[ "$(get "$U/api/blobs/$BLOB" -b "$T/jar" -X POST)" = 403 ] || fail "a fetch without the CSRF token is not 403"
[ "$(get "$U/api/blobs/$BLOB" -b "$T/jar" -X POST -H "X-CSRF-Token: $CSRF")" = 200 ] ||
    fail "POST /api/blobs/ID with the token is not 200: $(cat "$T/body")"
complete() { get "$U/api/blobs/$BLOB" -b "$T/jar" >/dev/null; grep -q '"complete": true' "$T/body"; }
wait_until 30 complete
grep -q '"chunks": 11' "$T/body" || fail "the status does not give the chunk count: $(cat "$T/body")"
px --data "$T/b" blob list --json | "$PY" -c "
import json,sys
b={x['id']:x for x in json.load(sys.stdin)['blobs']}
assert b['$BLOB']['own'], b['$BLOB']" || fail "b does not keep an attachment of the root's (the secretariat's) record"
pass "the JSON route starts the fetch and reports it complete; an attachment of the secretariat's record is kept"

[ "$(get "$U/blobs/$BLOB?name=survey%20report.pdf" -b "$T/jar")" = 200 ] || fail "the download is not 200"
cmp -s "$T/body" "$T/survey report.pdf" || fail "the download is not the same bytes"
grep -qi '^Content-Disposition: attachment; filename=' "$T/h" || fail "the download is not an attachment"
grep -qi '^Content-Type: application/octet-stream' "$T/h" || fail "the download is not application/octet-stream"
grep -qi '^X-Content-Type-Options: nosniff' "$T/h" || fail "the download lacks nosniff"
[ "$(get "$U/cases/$CASE" -b "$T/jar")" = 200 ] || fail "the case page is not 200"
grep -q 'data-blob-download>Download' "$T/body" || fail "the case page does not offer the download once held"
pass "the download: same bytes, Content-Disposition attachment, octet-stream, nosniff"

# Without script: the form posts and comes back to the case page.
px --data "$T/b" blob rm "$BLOB"
[ "$(get "$U/blobs/$BLOB" -b "$T/jar" -X POST -d "_csrf=$CSRF" -d "back=/cases/$CASE")" = 303 ] ||
    fail "the fetch form does not redirect"
grep -qi "^Location: /cases/$CASE$" "$T/h" || fail "the fetch form does not come back to the case page"
[ "$(get "$U/blobs/$BLOB" -b "$T/jar" -X POST -d "_csrf=$CSRF" -d "back=https://evil.example/")" = 303 ] ||
    fail "the fetch form with a foreign back address does not redirect"
grep -qi "^Location: /cases$" "$T/h" || fail "the fetch form follows a foreign back address"
wait_until 30 complete
pass "the fetch form without script redirects back to the case page (and only there)"

# The case form uploads a file: a's web publishes a case with it attached.
HA_U="http://127.0.0.1:$HA"
[ "$(get "$(px --data "$T/a" ui --url)" -c "$T/jara")" = 303 ] || fail "login at a failed"
[ "$(get "$HA_U/publish/case" -b "$T/jara")" = 200 ] || fail "the case form is not 200"
grep -q 'enctype="multipart/form-data"' "$T/body" || fail "the case form does not upload files"
grep -q 'type="file" id="attachment" name="attachment"' "$T/body" || fail "the case form has no file field"
CSRFA="$(sed -n 's/.*name="csrf-token" content="\([0-9a-f]*\)".*/\1/p' "$T/body")"
printf 'questionnaire, version 2\n' >"$T/q.txt"
code="$(get "$HA_U/publish/case" -b "$T/jara" -F "_csrf=$CSRFA" -F lang_0=en \
    -F "title_0=A case with an uploaded questionnaire" -F "summary_0=s" -F country=KZ -F stage=idea \
    -F "attachment=@$T/q.txt;filename=../../questionnaire v2.txt" -F publish=1)"
[ "$code" = 303 ] || { head -c 1500 "$T/body" >&2; fail "the case form with a file answered $code"; }
NEW="$(sed -n 's#^Location: /cases/\([0-9a-f]\{64\}\)$#\1#p' "$T/h")"
[ -n "$NEW" ] || fail "the case form did not redirect to the case"
Q="$("$PY" "$PRAXIS_SRC/tests/tools/verify_blob.py" "$T/q.txt")"
px --data "$T/a" show "$NEW" --json | "$PY" -c "
import json,sys
a = json.load(sys.stdin)['body']['attachments']
assert a == [{'blob': '$Q', 'name': 'questionnaire v2.txt', 'size': 25, 'mime': 'text/plain'}], a" ||
    fail "the uploaded attachment is not as sent (the name without its path)"
px --data "$T/a" blob list --json | grep -q "\"$Q\"" || fail "the uploaded file is not held at a"
[ -z "$(ls "$T/a/blobs" | grep upload || true)" ] || fail "the upload's temporary file was left behind"
pass "the case form uploads a file: attached as a blob, its name without the path the browser sent"
