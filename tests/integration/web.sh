# SPDX-License-Identifier: Apache-2.0
# web.sh — the web interface's security contract over real HTTP (curl):
# 401 without a session, 403 for a foreign Host, 403 for a POST without the
# CSRF token, login -> cookie -> 200, CSP and nosniff on every answer,
# --new-token ending sessions, method and size limits; then the read-only
# pages over the demo data (compare shows 91.5 for 4.66 on 1-5, a Russian
# search, a hostile case rendered as text), downloads, and /api/ giving the
# CLI's numbers.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/demo_data.sh"

command -v curl >/dev/null || fail "curl is needed (bootstrap/install-deps.sh installs it)"
A="$T/a"
export A
px --data "$A" init --name webtest >/dev/null
publish_demo "$A"
HP="$(free_port)"
start_bg "$T/a.log" "$PRAXISD" --data "$A" --http "127.0.0.1:$HP" --http-host praxis.test \
    --log-level debug
NODE_PID[a]=$LAST_PID
wait_until 10 test -f "$A/http.addr"
[ "$(cat "$A/http.addr")" = "127.0.0.1:$HP" ] || fail "http.addr holds '$(cat "$A/http.addr")'"
[ "$(stat -c %a "$A/web.token")" = 600 ] || fail "web.token is not 0600"
U="http://127.0.0.1:$HP"

# get URL [CURL ARGS...]: status code on stdout, headers in $T/h, body in $T/b.
get() {
    local url="$1"; shift
    curl -s -o "$T/b" -D "$T/h.raw" -w '%{http_code}' "$@" "$url"
    tr -d '\r' <"$T/h.raw" >"$T/h"
}
headers_ok() {
    grep -qi "^Content-Security-Policy: default-src 'none'; script-src 'self'" "$T/h" \
        || fail "no CSP without inline script on $1"
    grep -qi "unsafe-inline" "$T/h" && fail "the CSP allows inline code on $1"
    grep -qi '^X-Content-Type-Options: nosniff' "$T/h" || fail "no nosniff on $1"
    return 0
}

# --- without a session ----------------------------------------------------------------------
[ "$(get "$U/")" = 401 ] || fail "/ without a session is not 401"
grep -q "praxis ui" "$T/b" || fail "the 401 page does not say to run praxis ui"
headers_ok "the 401 page"
[ "$(get "$U/api/cases")" = 401 ] || fail "/api/cases without a session is not 401"
[ "$(get "$U/login?token=$(printf 'f%.0s' $(seq 64))")" = 401 ] || fail "a wrong token logs in"
[ "$(get "$U/assets/app.css")" = 200 ] || fail "the stylesheet needs a session"
grep -qi '^Content-Type: text/css' "$T/h" || fail "app.css is not text/css"
pass "401 without a session (page names praxis ui), wrong token refused, assets public"

# --- Host check ------------------------------------------------------------------------------
[ "$(get "$U/" -H "Host: evil.example:$HP")" = 403 ] || fail "a foreign Host is not 403"
headers_ok "the 403 page"
[ "$(get "$U/" -H "Host: 127.0.0.1.evil.example:$HP")" = 403 ] || fail "a look-alike Host passes"
[ "$(get "$U/" -H "Host: localhost:$((HP + 1))")" = 403 ] || fail "another port passes"
[ "$(get "$U/" -H "Host: localhost:$HP")" = 401 ] || fail "localhost:PORT is refused"
[ "$(get "$U/" -H "Host: [::1]:$HP")" = 401 ] || fail "[::1]:PORT is refused"
[ "$(get "$U/" -H "Host: praxis.test:$HP")" = 401 ] || fail "an --http-host name is refused"
pass "403 for a foreign Host; bound address, localhost, [::1] and --http-host accepted"

# --- login ------------------------------------------------------------------------------------
LINK="$(px --data "$A" ui --url)"
case "$LINK" in "$U/login?token="*) ;; *) fail "praxis ui --url prints '$LINK'" ;; esac
[ "$(get "$LINK" -c "$T/jar")" = 303 ] || fail "login does not redirect"
grep -qi '^Location: /$' "$T/h" || fail "login does not redirect to /"
grep -i '^Set-Cookie: px_session=' "$T/h" | grep -qi 'HttpOnly' || fail "session cookie not HttpOnly"
grep -i '^Set-Cookie: px_session=' "$T/h" | grep -qi 'SameSite=Strict' || fail "cookie not SameSite=Strict"
[ "$(get "$U/" -b "$T/jar")" = 200 ] || fail "/ with the session is not 200"
headers_ok "the home page"
grep -q '<script src="/assets/app.js"' "$T/b" || fail "home page lacks its script"
grep -q '<script>' "$T/b" && fail "a page holds inline script"
grep -q 'style=' "$T/b" && fail "a page holds an inline style"
CSRF="$(sed -n 's/.*name="csrf-token" content="\([0-9a-f]*\)".*/\1/p' "$T/b")"
[ "${#CSRF}" = 64 ] || fail "no CSRF token in the page"
pass "praxis ui --url, login -> HttpOnly SameSite=Strict cookie -> 200"

# --- methods, CSRF, limits -------------------------------------------------------------------------
[ "$(get "$U/" -b "$T/jar" -X PUT)" = 405 ] || fail "PUT is not 405"
[ "$(get "$U/" -b "$T/jar" -X DELETE)" = 405 ] || fail "DELETE is not 405"
[ "$(get "$U/logout" -b "$T/jar" -X POST -d x=1)" = 403 ] || fail "POST without CSRF is not 403"
headers_ok "the CSRF refusal"
[ "$(get "$U/logout" -b "$T/jar" -X POST -d "_csrf=$(printf '0%.0s' $(seq 64))")" = 403 ] \
    || fail "POST with a wrong CSRF token is not 403"
[ "$(get "$U/logout" -b "$T/jar" -X POST -H "Origin: http://evil.example" -d "_csrf=$CSRF")" = 403 ] \
    || fail "a cross-site POST is not refused"
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'a' | sed 's/^/q=/' >"$T/big"
[ "$(get "$U/logout" -b "$T/jar" -X POST --data-binary @"$T/big")" = 413 ] || fail "a 2 MiB form is not 413"
[ "$(get "$U/" -b "$T/jar")" = 200 ] || fail "the session did not survive refused POSTs"
pass "405 for other methods; 403 without CSRF, with a wrong one, from another origin; 413"

# --- pages --------------------------------------------------------------------------------------------
for page in / /cases /indicators /indicators/KZ-SAT-OVERALL "/compare?indicator=KZ-SAT-OVERALL" \
    "/trend?indicator=KZ-SAT-OVERALL" "/aggregate?indicator=KZ-SAT-OVERALL&period=2018" /export; do
    [ "$(get "$U$page" -b "$T/jar")" = 200 ] || fail "$page is not 200"
    headers_ok "$page"
done
get "$U/compare?indicator=KZ-SAT-OVERALL&period=2018" -b "$T/jar" >/dev/null
grep -q '<svg class="chart"' "$T/b" || fail "compare has no chart"
grep -q '>91.5<' "$T/b" || fail "compare does not show 91.5 for 4.66 on 1-5"
grep -q '>4.66<' "$T/b" || fail "compare does not show the value on its own scale"
get "$U/compare?indicator=KZ-SAT-OVERALL&period=2018" -b "$T/jar" -b "px_lang=ru" >/dev/null
grep -q '>91,5<' "$T/b" || fail "Russian pages do not write 91,5"
grep -q 'Сравнение' "$T/b" || fail "the px_lang cookie does not switch to Russian"
get "$U/trend?indicator=KZ-SAT-OVERALL&country=KZ" -b "$T/jar" >/dev/null
grep -q 'class="brk"' "$T/b" || fail "the trend marks no break"
get "$U/cases?q=%D0%BE%D0%B6%D0%B8%D0%B4%D0%B0%D0%BD%D0%B8%D1%8F&lang=ru" -b "$T/jar" \
    -H "Accept-Language: ru-RU,ru;q=0.9" >/dev/null
grep -q '<mark>' "$T/b" || fail "a Russian search marks no words"
grep -q 'Кейсы' "$T/b" || fail "Accept-Language: ru does not give Russian"
pass "pages: compare 91.5 with its chart, Russian numbers, trend break, Russian search"

# --- downloads and the API ------------------------------------------------------------------------------
[ "$(get "$U/compare?indicator=KZ-SAT-OVERALL&period=2018&format=csv" -b "$T/jar")" = 200 ] \
    || fail "compare CSV"
grep -qi '^Content-Disposition: attachment' "$T/h" || fail "a download is not an attachment"
grep -q '^group,' "$T/b" || fail "compare CSV lacks its header"
[ "$(get "$U/compare?indicator=KZ-SAT-OVERALL&period=2018&format=sdmx-csv" -b "$T/jar")" = 200 ] \
    || fail "compare SDMX-CSV"
grep -q '^DATAFLOW,REF_AREA' "$T/b" || fail "SDMX-CSV lacks its header"
grep -q '^PRAXIS:BENCHMARK(1.0),KZ,.*,4.66,' "$T/b" || fail "SDMX-CSV lacks KZ's 4.66"
[ "$(get "$U/compare?indicator=KZ-SAT-OVERALL&period=2018&format=sdmx-csv2" -b "$T/jar")" = 200 ] \
    || fail "compare SDMX-CSV 2.0"
grep -qi '^Content-Disposition: attachment' "$T/h" || fail "the SDMX-CSV 2.0 download is not an attachment"
grep -q '^STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA' "$T/b" || fail "SDMX-CSV 2.0 lacks its header"
grep -q '^dataflow,PRAXIS:BENCHMARK(1.0),I,KZ,.*,4.66,' "$T/b" || fail "SDMX-CSV 2.0 lacks KZ's 4.66"
get "$U/compare?indicator=KZ-SAT-OVERALL&period=2018" -b "$T/jar" >/dev/null
grep -q 'format=sdmx-csv2"' "$T/b" || fail "the compare page offers no SDMX-CSV 2.0 download"
[ "$(get "$U/export?format=sdmx-csv2" -b "$T/jar")" = 200 ] || fail "export SDMX-CSV 2.0"
px --data "$A" export --format sdmx-csv2 >"$T/cli.sdmx2"
cmp -s "$T/b" "$T/cli.sdmx2" || fail "the web export differs from 'praxis export --format sdmx-csv2'"
[ "$(get "$U/export?format=csv" -b "$T/jar")" = 200 ] || fail "export CSV"
px --data "$A" export --format csv >"$T/cli.csv"
cmp -s "$T/b" "$T/cli.csv" || fail "the web export differs from 'praxis export --format csv'"
[ "$(get "$U/api/compare?indicator=KZ-SAT-OVERALL&period=2018" -b "$T/jar")" = 200 ] || fail "api"
"$PY" - "$T/b" <<'EOF' || fail "/api/compare is not the CLI's compare"
import json, subprocess, sys, os
web = json.load(open(sys.argv[1]))
cli = json.loads(subprocess.check_output([os.environ["PRAXIS_BIN"] + "/cli/praxis", "--data",
    os.environ["A"], "compare", "KZ-SAT-OVERALL", "--period", "2018", "--lang", "en", "--json"]))
def clean(v):
    if isinstance(v, dict): return {k: clean(x) for k, x in v.items() if x is not None}
    if isinstance(v, list): return [clean(x) for x in v]
    if isinstance(v, float): return round(v, 9)
    return v
assert clean(web) == clean(cli), "differs"
EOF
[ "$(get "$U/api/cases?q=waiting" -b "$T/jar")" = 200 ] || fail "api cases"
grep -q '"total": [1-9]' "$T/b" || fail "/api/cases?q=waiting finds nothing"
pass "downloads (attachment, CSV, SDMX-CSV 1.0 and 2.0, export = CLI's) and /api/ = the CLI's JSON"

# --- a hostile member's text shows as text ----------------------------------------------------------------
cat >"$T/evil.json" <<'EOF'
{"title": {"en": "<script>alert(1)</script><img src=x onerror=alert(2)> \u202Egnp.exe"},
 "summary": {"en": "\" onmouseover=\"alert(3) \u001b[31m"}, "country": "KZ", "stage": "idea",
 "tags": ["<b>bold</b>"]}
EOF
kz_cases() { # the KZ count of /cases' country facet
    get "$U/cases" -b "$T/jar" >/dev/null
    "$PY" -c 'import re,sys; m=re.search(r">KZ</a><span class=\"num\">(\d+)<", open(sys.argv[1]).read()); print(m.group(1) if m else -1)' "$T/b"
}
KZ_BEFORE="$(kz_cases)"
[ "$(kz_cases)" = "$KZ_BEFORE" ] || fail "the facets change without a change"
EVIL="$(px --data "$A" publish case "$T/evil.json")"
[ "$(kz_cases)" = $((KZ_BEFORE + 1)) ] || fail "the facets did not see a new case (cache not emptied)"
[ "$(get "$U/cases/$EVIL" -b "$T/jar")" = 200 ] || fail "the hostile case page"
grep -q '<script>alert' "$T/b" && fail "record markup reached the page"
grep -q '<img src=x' "$T/b" && fail "record markup reached the page"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$T/b" || fail "the hostile title is not shown as text"
grep -q '\[U+202E\]' "$T/b" || fail "a right-to-left override is not shown as text"
grep -q '\[U+001B\]' "$T/b" || fail "an escape character is not shown as text"
grep -q '&lt;b&gt;bold' "$T/b" || fail "a hostile tag is not shown as text"
get "$U/cases?q=script" -b "$T/jar" >/dev/null
grep -q '<script>alert' "$T/b" && fail "record markup reached the search page"
[ "$(get "$U/cases/zz" -b "$T/jar")" = 404 ] || fail "a bad id is not 404"
pass "a hostile case renders as text (markup, RLO, escapes), bad ids 404"

# --- facets and filters: services, channels, start years ---------------------------------------------------
cat >"$T/lists.json" <<'EOF'
{"title": {"en": "Appointments by text message"}, "summary": {"en": "Queue tickets by SMS."},
 "country": "KZ", "stage": "pilot", "start_year": 2031, "services": ["Passport <issue>"],
 "channels": ["Mobile app"]}
EOF
LISTS="$(px --data "$A" publish case "$T/lists.json")"
get "$U/cases" -b "$T/jar" >/dev/null
grep -q 'id="facet-service"' "$T/b" || fail "/cases has no services facet"
grep -q 'id="facet-channel"' "$T/b" || fail "/cases has no channels facet"
grep -q 'service=Passport%20%3Cissue%3E[^"]*">Passport &lt;issue&gt;</a><span class="num">1<' "$T/b" \
    || fail "the services facet does not link its value with its count (escaped)"
grep -q 'channel=Mobile%20app[^"]*">Mobile app</a><span class="num">1<' "$T/b" \
    || fail "the channels facet does not link its value with its count"
grep -q 'year=2031[^"]*">2031</a><span class="num">1<' "$T/b" || fail "start years are not clickable"
for q in "year=2031" "channel=MOBILE%20APP" "service=passport%20%3Cissue%3E&year=2031" \
    "q=text&channel=mobile%20app"; do
    [ "$(get "$U/cases?$q" -b "$T/jar")" = 200 ] || fail "/cases?$q"
    grep -q "/cases/$LISTS" "$T/b" || fail "/cases?$q does not find the case"
    grep -q '>1 case study<' "$T/b" || fail "/cases?$q finds more than that case"
    grep -q 'aria-current="true"' "$T/b" || fail "/cases?$q does not mark its filter"
done
[ "$(get "$U/cases?year=2030" -b "$T/jar")" = 200 ] || fail "/cases?year=2030"
grep -q "/cases/$LISTS" "$T/b" && fail "the year filter lets another year through"
get "$U/cases?year=2031&page=1" -b "$T/jar" >/dev/null
grep -q 'name="year" value="2031"' "$T/b" || fail "the search form drops the year filter"
[ "$(get "$U/cases?year=next" -b "$T/jar")" = 400 ] || fail "a bad year is not 400"
grep -q 'The start year must be a year' "$T/b" || fail "a bad year is not named"
[ "$(get "$U/api/cases?channel=mobile%20app&year=2031" -b "$T/jar")" = 200 ] || fail "api filters"
grep -q '"total": 1' "$T/b" || fail "/api/cases does not filter by channel and year"
pass "facets for services and channels, clickable start years, their filters (case ignored)"

# --- logout and new token ---------------------------------------------------------------------------------
[ "$(get "$U/logout" -b "$T/jar" -X POST -d "_csrf=$CSRF")" = 200 ] || fail "logout with CSRF"
[ "$(get "$U/" -b "$T/jar")" = 401 ] || fail "the session survives logout"
get "$(px --data "$A" ui --url)" -c "$T/jar2" >/dev/null
[ "$(get "$U/" -b "$T/jar2")" = 200 ] || fail "a second login"
px --data "$A" ui --url --new-token >"$T/newlink" 2>"$T/err"
grep -q "every open session has ended" "$T/err" || fail "--new-token does not say so"
[ "$(get "$U/" -b "$T/jar2")" = 401 ] || fail "--new-token did not end the session"
[ "$(get "$LINK")" = 401 ] || fail "the old link still logs in"
[ "$(get "$(cat "$T/newlink")" -c "$T/jar3")" = 303 ] || fail "the new link does not log in"
[ "$(get "$U/" -b "$T/jar3")" = 200 ] || fail "the new session"
pass "logout; --new-token ends every session and the old link"

stop_node a
[ ! -e "$A/http.addr" ] || fail "http.addr is left after a clean stop"
expect_exit 1 px --data "$A" ui --url
expect_err "praxisd"
pass "http.addr removed on stop; praxis ui says praxisd does not serve"
