# SPDX-License-Identifier: Apache-2.0
# web_publish.sh — the web interface's publish, retract, members and network
# pages, driven with curl against real praxisd processes: a form with an
# unknown field or an out-of-scale value answers 200 with the error beside
# the field and stores nothing; a good form stores exactly one entry and
# redirects to the record's page; "add a language" keeps what was typed; a
# CSV upload with one bad row stores nothing and shows that row; uploads that
# are not UTF-8 or not CSV are refused with a sentence; a new version and a
# retraction from one's own record; a centre gets 403 on /members and on the
# crosswalk form; the root admits a member through the form and `praxis
# member list` shows it, then revokes it after the confirmation step; the
# network page lists the dial targets and "sync now" answers.
source "$(dirname "$0")/lib.sh"

make_network hub g4c
px --data "$T/newbie" init --network "$T/genesis.json" >/dev/null
declare -A HTTP
HTTP[hub]=$(free_port)
HTTP[g4c]=$(free_port)
PORT[hub]=$(free_port)
start_bg "$T/hub.log" "$PRAXISD" --data "$T/hub" --listen "127.0.0.1:${PORT[hub]}" \
    --http "127.0.0.1:${HTTP[hub]}" --log-level debug
NODE_PID[hub]=$LAST_PID
wait_until 10 test -S "$T/hub/control.sock"
HUBKEY="$(px --data "$T/hub" id)"
start_bg "$T/g4c.log" "$PRAXISD" --data "$T/g4c" --listen "127.0.0.1:$(free_port)" \
    --http "127.0.0.1:${HTTP[g4c]}" --peer "$HUBKEY@127.0.0.1:${PORT[hub]}" --log-level debug
NODE_PID[g4c]=$LAST_PID
wait_until 10 test -S "$T/g4c/control.sock"
wait_until 10 test -f "$T/g4c/http.addr"
wait_until 10 test -f "$T/hub/http.addr"

# --- helpers -------------------------------------------------------------------------------
# login NAME: a session cookie for NAME's web interface in $T/NAME.jar.
login() {
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' -c "$T/$1.jar" \
        "http://127.0.0.1:${HTTP[$1]}/login?token=$(cat "$T/$1/web.token")")
    [ "$code" = 303 ] || fail "login to $1 answered $code"
}
# csrf NAME: the session's CSRF token (from a page's hidden input).
csrf() {
    curl -s -b "$T/$1.jar" "http://127.0.0.1:${HTTP[$1]}/network" \
        | grep -o 'name="_csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="\([0-9a-f]*\)"/\1/'
}
# post NAME PATH FIELD=VALUE...: urlencoded POST with the CSRF token; the
# body goes to $T/body, headers to $T/headers; prints the status code.
post() {
    local name="$1" path="$2"; shift 2
    local args=(--data-urlencode "_csrf=${CSRF[$name]}") kv
    for kv in "$@"; do args+=(--data-urlencode "$kv"); done
    curl -s -b "$T/$name.jar" -o "$T/body" -D "$T/headers" -w '%{http_code}' "${args[@]}" \
        "http://127.0.0.1:${HTTP[$name]}$path"
}
# upload NAME FILE: the CSV upload form.
upload() {
    curl -s -b "$T/$1.jar" -o "$T/body" -D "$T/headers" -w '%{http_code}' \
        -F "_csrf=${CSRF[$1]}" -F "csv=@$2;type=text/csv" -F "upload=1" \
        "http://127.0.0.1:${HTTP[$1]}/publish/benchmark"
}
get() {
    curl -s -b "$T/$1.jar" -o "$T/body" -D "$T/headers" -w '%{http_code}' \
        "http://127.0.0.1:${HTTP[$1]}$2"
}
location() { grep -i '^location:' "$T/headers" | tr -d '\r' | sed 's/^[Ll]ocation: *//'; }
body_has() { grep -qF -- "$1" "$T/body" || { head -c 3000 "$T/body" >&2; fail "page lacks: $1"; }; }
# the error shown beside field $1 contains $2
error_beside() {
    "$PY" - "$T/body" "$1" "$2" <<'EOF' || fail "no error beside '$2' containing '$3'"
import re, sys, html
page, field, want = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
m = re.search(r'<p class="error" id="err-%s"[^>]*>(.*?)</p>' % re.escape(field), page, re.S)
sys.exit(0 if m and want in html.unescape(m.group(1)) else 1)
EOF
}
field_value() {
    "$PY" - "$T/body" "$1" <<'EOF'
import re, sys, html
page, name = open(sys.argv[1]).read(), sys.argv[2]
m = re.search(r'<input[^>]* id="%s" name="%s"[^>]* value="([^"]*)"' % (re.escape(name), re.escape(name)), page)
if not m:
    m = re.search(r'<textarea[^>]* id="%s" name="%s"[^>]*>\n?(.*?)</textarea>' % (re.escape(name), re.escape(name)), page, re.S)
print(html.unescape(m.group(1)) if m else "")
EOF
}

declare -A CSRF
login g4c
login hub
CSRF[g4c]="$(csrf g4c)"
CSRF[hub]="$(csrf hub)"
[ -n "${CSRF[g4c]}" ] && [ -n "${CSRF[hub]}" ] || fail "no CSRF token on the pages"
G=$T/g4c

# --- a case study ----------------------------------------------------------------------------
before=$(held g4c)
code=$(post g4c /publish/case lang_0=en "title_0=One-stop shop <script>alert(1)</script>" \
    "summary_0=A pilot." country=KZ stage=pilot start_year=2005 "summmary=typo" publish=1)
[ "$code" = 200 ] || fail "a case with an unknown field answered $code, wanted 200"
body_has 'id="form-errors"'
error_beside summary_0 "summmary"
[ "$(held g4c)" = "$before" ] || fail "a case with an unknown field stored something"
[ "$(field_value title_0)" = "One-stop shop <script>alert(1)</script>" ] || fail "the form lost the typed title"
grep -q '<script>alert' "$T/body" && fail "typed markup reached the page unescaped"
pass "a case form with an unknown field: 200, error shown, typed values kept, nothing stored"

code=$(post g4c /publish/case lang_0=en "title_0=Waiting times" "summary_0=Cut." country=KZ \
    stage=done publish=1)
[ "$code" = 200 ] || fail "a case with a bad stage answered $code"
error_beside stage "done"
code=$(post g4c /publish/case lang_0=en "title_0=Waiting times" country=KZ stage=pilot \
    start_year=20x5 publish=1)
[ "$code" = 200 ] || fail "a case without a summary answered $code"
error_beside summary_0 "summary"
error_beside start_year "start_year"
[ "$(held g4c)" = "$before" ] || fail "a rejected case stored something"
pass "errors beside their fields (stage, summary_0, start_year)"

code=$(post g4c /publish/case lang_0=en "title_0=Waiting times" "summary_0=Cut." country=KZ \
    stage=pilot add_lang=1)
[ "$code" = 200 ] || fail "add_lang answered $code"
body_has 'id="lang_1"'
[ "$(field_value title_0)" = "Waiting times" ] || fail "add_lang lost the typed title"
[ "$(held g4c)" = "$before" ] || fail "add_lang stored something"
pass "add a language: a second block, what was typed kept"

code=$(post g4c /publish/case lang_0=en "title_0=Waiting times in Astana" "summary_0=Cut by half." \
    lang_1=ru "title_1=Время ожидания в Астане" "summary_1=Сократили вдвое." country=KZ \
    stage=implemented "tags=queues
one-stop shop" publish=1)
[ "$code" = 303 ] || { cat "$T/body" | head -c 2000; fail "a good case answered $code, wanted 303"; }
CASE="$(location | sed -n 's#^/cases/\([0-9a-f]\{64\}\)$#\1#p')"
[ -n "$CASE" ] || fail "a good case redirected to '$(location)', not /cases/ID"
[ "$(held g4c)" = $((before + 1)) ] || fail "a good case stored $(( $(held g4c) - before )) entries, wanted 1"
px --data "$G" show "$CASE" --lang ru | grep -q "Время ожидания в Астане" || fail "the case is not held as published"
pass "a good case form stores exactly one entry and redirects to /cases/ID"

# --- a new version and a retraction ------------------------------------------------------------
[ "$(get g4c "/cases/$CASE")" = 200 ] || fail "the case page"
body_has "href=\"/publish/case?supersedes=$CASE\""
body_has "href=\"/retract/$CASE\""
[ "$(get g4c "/publish/case?supersedes=$CASE")" = 200 ] || fail "the new-version form"
[ "$(field_value title_1)" = "Время ожидания в Астане" ] || fail "the new-version form is not prefilled"
[ "$(field_value supersedes)" = "$CASE" ] || true
grep -q "name=\"supersedes\" value=\"$CASE\"" "$T/body" || fail "the new-version form does not carry supersedes"
code=$(post g4c /publish/case supersedes="$CASE" lang_0=en "title_0=Waiting times in Astana, v2" \
    "summary_0=Cut by two thirds." country=KZ stage=evaluated publish=1)
[ "$code" = 303 ] || fail "a new version answered $code"
CASE2="$(location | sed -n 's#^/cases/\([0-9a-f]\{64\}\)$#\1#p')"
px --data "$G" show "$CASE" | grep -qi "superseded" || fail "the first version is not superseded"
[ "$(get g4c "/retract/$CASE2")" = 200 ] || fail "the retraction page"
body_has 'id="retract-record"'
code=$(post g4c "/retract/$CASE2" "reason=Published by mistake." reason_lang=en retract=1)
[ "$code" = 303 ] || fail "a retraction answered $code"
px --data "$G" show "$CASE2" | grep -qi "retracted" || fail "the case is not retracted"
code=$(post g4c "/retract/$CASE2" "reason=again" reason_lang=en retract=1)
[ "$code" = 409 ] || fail "a second retraction answered $code"
body_has "retracted already"
HUBCASE="$(px --data "$T/hub" publish case - <<<'{"title":{"en":"Hub case"},"summary":{"en":"x"},"country":"KZ","stage":"idea"}')"
wait_until 20 px --data "$G" show "$HUBCASE"
[ "$(get g4c "/retract/$HUBCASE")" = 403 ] || fail "retracting another node's record is not 403"
get g4c "/cases/$HUBCASE" >/dev/null
grep -q 'id="retract-link"' "$T/body" && fail "another node's case offers to retract it"
pass "a new version from a prefilled form; retraction with a reason; another's record refused"

# --- indicator, benchmark, CSV ----------------------------------------------------------------
before=$(held g4c)
code=$(post g4c /publish/indicator code=WEB-SAT version=1 lang_0=en "name_0=Satisfaction" \
    "measure_type=mean score" scale_min=1 scale_max=5 higher_is_better=true unit=points publish=1)
[ "$code" = 303 ] || { head -c 3000 "$T/body"; fail "a good indicator answered $code"; }
[ "$(location)" = /indicators/WEB-SAT ] || fail "the indicator redirected to $(location)"
code=$(post g4c /publish/indicator code=WEB-BAD version=1 lang_0=en "name_0=Bad" \
    "measure_type=mean score" scale_min=5 scale_max=1 publish=1)
[ "$code" = 200 ] || fail "an indicator with min > max answered $code"
body_has 'id="form-errors"'
[ "$(held g4c)" = $((before + 1)) ] || fail "indicators stored $(( $(held g4c) - before )), wanted 1"
code=$(post g4c /publish/benchmark indicator=WEB-SAT country=KZ period=2018 value=7 n=100 publish=1)
[ "$code" = 200 ] || fail "an out-of-scale result answered $code, wanted 200"
error_beside value "outside"
[ "$(field_value value)" = 7 ] || fail "the form lost the typed value"
code=$(post g4c /publish/benchmark indicator=WEB-SAT country=KZ period=2018 value=4,66 publish=1)
[ "$code" = 200 ] || fail "a result with a decimal comma answered $code"
error_beside value "value"
[ "$(held g4c)" = $((before + 1)) ] || fail "rejected results stored something"
code=$(post g4c /publish/benchmark indicator=WEB-SAT country=KZ period=2018 value=4.66 n=1000 \
    method=questionnaire publish=1)
[ "$code" = 303 ] || fail "a good result answered $code"
[ "$(held g4c)" = $((before + 2)) ] || fail "a good result did not store exactly one entry"
pass "indicator and result forms: out of scale and decimal comma beside 'value', nothing stored; good ones stored once"

# versions written the SDMX way (RECORDS.md "Indicator versions")
before=$(held g4c)
code=$(post g4c /publish/indicator code=WEB-VER version=1. lang_0=en "name_0=Versioned" \
    "measure_type=mean score" scale_min=1 scale_max=5 publish=1)
[ "$code" = 200 ] || fail "an indicator with version '1.' answered $code"
error_beside version "is not a version"
[ "$(field_value version)" = 1. ] || fail "the form lost the typed version"
code=$(post g4c /publish/indicator code=WEB-VER version=1.2.0 lang_0=en "name_0=Versioned" \
    "measure_type=mean score" scale_min=1 scale_max=5 publish=1)
[ "$code" = 303 ] || { head -c 3000 "$T/body"; fail "an indicator with version 1.2.0 answered $code"; }
get g4c /indicators/WEB-VER >/dev/null
body_has '<dd>1.2.0</dd>'
code=$(post g4c /publish/benchmark indicator=WEB-VER indicator_version=1.2 country=KZ period=2018 \
    value=4.66 publish=1)
[ "$code" = 303 ] || { head -c 3000 "$T/body"; fail "a result referring to version 1.2 answered $code"; }
code=$(post g4c /publish/benchmark indicator=WEB-VER indicator_version=1.3 country=KZ period=2018 \
    value=4.66 publish=1)
[ "$code" = 200 ] || fail "a result referring to an unknown version answered $code"
error_beside indicator "version 1.3"
[ "$(held g4c)" = $((before + 2)) ] || fail "version forms stored $(( $(held g4c) - before )), wanted 2"
pass "version forms: '1.' refused beside 'version'; 1.2.0 published and shown; a result's 1.2 finds it"

before=$(held g4c)
printf 'indicator;country;period;value;n\nWEB-SAT;KZ;2017;4.5;900\nWEB-SAT;KZ;2016;9.1;800\nWEB-SAT;GE;2016-Q5;4;10\n' >"$T/bad.csv"
code=$(upload g4c "$T/bad.csv")
[ "$code" = 200 ] || fail "an upload with bad rows answered $code"
body_has 'id="csv-errors"'
body_has 'id="csv-line-3"'
body_has 'id="csv-line-4"'
grep -q 'id="csv-line-2"' "$T/body" && fail "the good row is listed as rejected"
[ "$(held g4c)" = "$before" ] || fail "an upload with a bad row stored something"
printf 'indicator,country,period,value\nWEB-SAT,KZ,2017,4.5\nWEB-SAT,KZ,2016,3.9\n' >"$T/good.csv"
code=$(upload g4c "$T/good.csv")
[ "$code" = 303 ] || { head -c 3000 "$T/body"; fail "a good upload answered $code"; }
[ "$(held g4c)" = $((before + 2)) ] || fail "a good upload did not store its 2 rows"
printf 'indicator,country,period,value\nWEB-SAT,KZ,2015,4\xff\n' >"$T/latin1.csv"
[ "$(upload g4c "$T/latin1.csv")" = 200 ] || fail "a non-UTF-8 upload"
error_beside csv "UTF-8"
printf 'PK\003\004binary' >"$T/book.xlsx"
[ "$(upload g4c "$T/book.xlsx")" = 200 ] || fail "a workbook upload"
error_beside csv "CSV"
echo '{"indicator": "WEB-SAT"}' >"$T/results.json"
[ "$(upload g4c "$T/results.json")" = 200 ] || fail "a JSON upload"
body_has "cannot be read as benchmark results"
[ "$(held g4c)" = $((before + 2)) ] || fail "refused uploads stored something"
pass "CSV upload: every bad row shown, nothing stored; a good file stored; not UTF-8 / not CSV refused"

# --- crosswalk: centres too (the kinds table's rule, as replication applies it; only the
# secretariat's crosswalks count for comparisons) ------------------------------------------------
[ "$(get g4c /publish/crosswalk)" = 200 ] || fail "a centre is refused the crosswalk form"
get g4c /publish >/dev/null
body_has 'href="/publish/crosswalk"'
code=$(post g4c /publish/crosswalk from=WEB-SAT to=WEB-SAT conversion=endpoints grade=close publish=1)
[ "$code" = 200 ] || fail "a centre's crosswalk onto itself answered $code"
body_has 'id="form-errors"'
wait_until 20 px --data "$T/hub" show "$(px --data "$G" log --json | "$PY" -c 'import json,sys; print([e["id"] for e in json.load(sys.stdin)["entries"] if e["kind"]=="indicator"][-1])')"
code=$(post hub /publish/crosswalk from=WEB-SAT to=WEB-SAT conversion=endpoints grade=close publish=1)
[ "$code" = 200 ] || fail "a crosswalk onto itself answered $code"
body_has 'id="form-errors"'
pass "crosswalk form: open to a centre and the secretariat, their errors shown"

# --- members ---------------------------------------------------------------------------------------
[ "$(get g4c /members)" = 403 ] || fail "a centre gets $(get g4c /members) on /members"
body_has "secretariat"
[ "$(post g4c /members key=00 organisation=x country=KZ role=centre)" = 403 ] || fail "a centre may POST /members"
NEWKEY="$(px --data "$T/newbie" id)"
[ "$(get hub /members)" = 200 ] || fail "the root's /members"
body_has 'id="admit-member"'
code=$(post hub /members key=1234 organisation="New centre" country=KZ role=centre admit=1)
[ "$code" = 200 ] || fail "a bad key answered $code"
error_beside key "64 hex digits"
code=$(post hub /members key="$NEWKEY" organisation="New centre" country=XX role=centre admit=1)
[ "$code" = 200 ] || fail "a bad country answered $code"
error_beside country "XX"
[ "$(field_value organisation)" = "New centre" ] || fail "the admit form lost the organisation"
code=$(post hub /members key="$NEWKEY" organisation="New centre" country=AZ role=observer admit=1)
[ "$code" = 303 ] || fail "admitting answered $code"
px --data "$T/hub" member list | grep -qE "^${NEWKEY:0:16} .*observer +member +AZ +New centre" \
    || { px --data "$T/hub" member list; fail "member list does not show the admitted member"; }
code=$(post hub /members/revoke key="$NEWKEY" "reason=Left the network")
[ "$code" = 200 ] || fail "revoke without confirmation answered $code"
body_has 'id="revoke-member"'
px --data "$T/hub" member list | grep -qE "^${NEWKEY:0:16} .*observer +member" || fail "revoked without confirmation"
code=$(post hub /members/revoke key="$NEWKEY" confirm=yes "reason=Left the network" revoke=1)
[ "$code" = 303 ] || fail "revoking answered $code"
px --data "$T/hub" member list | grep -qE "^${NEWKEY:0:16} .*observer +revoked.*Left the network" \
    || { px --data "$T/hub" member list; fail "member list does not show the revocation"; }
px --data "$T/evil" init --network "$T/genesis.json" >/dev/null
px --data "$T/hub" member add "$(px --data "$T/evil" id)" --org $'<script>alert(1)</script>\u202e' \
    --country KZ >/dev/null
get hub /members >/dev/null
body_has "&lt;script&gt;alert(1)&lt;/script&gt;"
grep -q "<script>alert" "$T/body" && fail "a member's organisation reached the page as markup"
pass "members: 403 for a centre; admit with errors beside fields, then admitted; revoke after confirmation"

# --- in Russian -------------------------------------------------------------------------------------
for page in /publish/case /publish/benchmark /members /network; do
    code=$(curl -s -b "$T/hub.jar" -b "px_lang=ru" -o "$T/body" -w '%{http_code}' "http://127.0.0.1:${HTTP[hub]}$page")
    [ "$code" = 200 ] || fail "$page in Russian answered $code"
done
body_has "Синхронизировать сейчас"
curl -s -b "$T/hub.jar" -b "px_lang=ru" -o "$T/body" "http://127.0.0.1:${HTTP[hub]}/publish/case"
body_has "Опубликовать кейс"
body_has "Добавить язык"
pass "the pages speak Russian"

# --- network ------------------------------------------------------------------------------------------
[ "$(get g4c /network)" = 200 ] || fail "the network page"
body_has 'id="dial-target-list"'
body_has "127.0.0.1:${PORT[hub]}"
body_has 'id="sync-now"'
code=$(post g4c /network sync=1)
[ "$code" = 303 ] || fail "sync now answered $code"
code=$(curl -s -b "$T/g4c.jar" -o /dev/null -w '%{http_code}' --data "sync=1" "http://127.0.0.1:${HTTP[g4c]}/network")
[ "$code" = 403 ] || fail "sync now without the CSRF token answered $code"
pass "network page: dial targets, sync now (and 403 without the CSRF token)"

# What the centre published by form reached the hub by gossip.
wait_until 20 px --data "$T/hub" show "$CASE"
pass "a case published through the form reached the hub"
