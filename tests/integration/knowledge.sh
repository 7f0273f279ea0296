# SPDX-License-Identifier: Apache-2.0
# knowledge.sh — the demo network's data (bootstrap/demo) published into one
# node, then everything a practitioner and an analyst do with it: search in
# Latin, Cyrillic and Georgian script; compare with the issue's numbers (4.66
# on 1-5 is 91.5; 8.7 on 0-10 is 87.0); a trend with its break; aggregates
# (and publishing one); JSON, CSV and SDMX-CSV exports; CSV import errors
# reported with line numbers; supersede and retract; --csv and --help on
# every query verb; the index rebuilt from the entries.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/demo_data.sh"

A="$T/a"
px --data "$A" init --name knowledge >/dev/null
publish_demo "$A"
[ "$(count_entries "$A")" = 37 ] || fail "demo data: $(count_entries "$A") entries, wanted 37"
px --data "$A" verify >/dev/null || fail "the store does not verify"
pass "demo data published (37 entries)"

# --- search ------------------------------------------------------------------------------
px --data "$A" cases --search waiting >"$T/out"
grep -q "Cutting waiting times in a public service hall" "$T/out" || fail "search 'waiting' misses the PSH case"
grep -q "\[waiting\]" "$T/out" || fail "search shows no snippet with the match marked"
px --data "$A" cases --search "ожидания" --lang ru >"$T/out"
grep -q "Сокращение времени ожидания" "$T/out" || fail "Cyrillic search misses the PSH case"
px --data "$A" cases --search "ლოდინის" >"$T/out"
grep -q "GE  implemented" "$T/out" || fail "Georgian search misses the PSH case"
px --data "$A" cases --search "бір терезе" --json | json_get 'd["total"]' >"$T/out"
[ "$(cat "$T/out")" -ge 1 ] || fail "Kazakh search finds nothing"
px --data "$A" cases --search "Pavlodar" --json \
    | json_get 'd["cases"][0]["title"] if d["cases"] else ""' | grep -q "hidden' public services" \
    || fail "search 'Pavlodar' misses the Pavlodar case"
[ "$(px --data "$A" cases --json | json_get 'd["total"]')" = 10 ] || fail "cases does not list 10 cases"
[ "$(px --data "$A" cases --country KZ --json | json_get 'd["total"]')" = 4 ] || fail "--country KZ"
[ "$(px --data "$A" cases --tag "one-stop shop" --json | json_get 'd["total"]')" -ge 3 ] || fail "--tag"
[ "$(px --data "$A" cases --stage pilot --json | json_get 'd["total"]')" = 1 ] || fail "--stage pilot"
px --data "$A" cases --search '"NEAR( AND' >/dev/null || fail "search text with FTS5 syntax fails"
expect_exit 1 px --data "$A" cases --search "   "
expect_err "no words"
pass "search in Latin, Cyrillic and Georgian script, filters"

# --service, --channel, --year: the web's facets, on the command line (the
# same query code); services and channels match whatever their ASCII case.
F="$T/facets"
px --data "$F" init --name facets >/dev/null
cat >"$T/facet-cases.json" <<'JSON'
[{"title": {"en": "Passports at the kiosk"}, "summary": {"en": "Queue waiting cut"},
  "country": "KZ", "stage": "pilot", "start_year": 2019,
  "services": ["Passport renewal", "ID cards"], "channels": ["online", "kiosk"]},
 {"title": {"en": "Pensions by phone"}, "summary": {"en": "Waiting on the phone"},
  "country": "KZ", "stage": "scaled", "start_year": 2019,
  "services": ["pensions"], "channels": ["phone"]},
 {"title": {"en": "Passports online"}, "summary": {"en": "No queue at all"},
  "country": "GE", "stage": "implemented", "start_year": 2021,
  "services": ["passport renewal"], "channels": ["online"]},
 {"title": {"en": "A hall without services listed"}, "summary": {"en": "Queue"},
  "country": "AZ", "stage": "idea"}]
JSON
px --data "$F" publish case "$T/facet-cases.json" >/dev/null
total() { px --data "$F" cases "$@" --json | json_get 'd["total"]'; }
[ "$(total --service "PASSPORT RENEWAL")" = 2 ] || fail "--service (ASCII case ignored)"
[ "$(total --channel online)" = 2 ] || fail "--channel online"
[ "$(total --year 2019)" = 2 ] || fail "--year 2019"
[ "$(total --year 2019 --channel online)" = 1 ] || fail "--year with --channel"
[ "$(total --service pensions --search waiting)" = 1 ] || fail "--service with --search"
[ "$(total --service "ID cards" --country GE)" = 0 ] || fail "--service with --country"
px --data "$F" cases --channel phone >"$T/out"
grep -q "Pensions by phone" "$T/out" || fail "--channel phone does not list its case"
expect_exit 2 px --data "$F" cases --year 20x
expect_err "--year takes a year"
px --data "$F" cases --help | grep -q -- "--service S" || fail "cases --help omits --service"
pass "cases --service, --channel, --year"

# --- show in a language -----------------------------------------------------------------
ASTANA="$(tail -2 "$T/ids.g4c" | head -1)" # the second to last: the Astana case
px --data "$A" show "$ASTANA" --lang ru >"$T/out"
grep -q "title      Первый в Казахстане центр «одного окна»" "$T/out" || fail "show --lang ru: no Russian title"
grep -q "status     current version" "$T/out" || fail "show: no status"
px --data "$A" show "$ASTANA" --lang ka >"$T/out"
grep -q "title      Kazakhstan's first one-stop shop" "$T/out" || fail "show --lang ka does not fall back to English"
pass "show renders a record in the reader's language, with fallback"

# --- compare ------------------------------------------------------------------------------
px --data "$A" compare KZ-SAT-OVERALL --period 2018 >"$T/out"
grep -qE "^ +91\.5  KZ  4\.66 on 1–5" "$T/out" || { cat "$T/out"; fail "compare 2018: KZ is not 91.5"; }
grep -qE "^ +85\.0  GE  8\.5 on 0–10 \(GE-PSH-SAT-DEMO → 4\.4\)" "$T/out" || fail "compare 2018: GE through the crosswalk"
grep -qE "^ +75\.0  CA" "$T/out" || fail "compare 2018: CA through the linear crosswalk"
px --data "$A" compare KZ-SAT-OVERALL --period 2014 --json >"$T/c2014"
json_get '[(r["group"], round(r["value_100"], 1), round(r["converted"], 2)) for r in d["rows"] if not r["missing"]]' <"$T/c2014" >"$T/out"
grep -q "('KZ', 87.0, 4.48)" "$T/out" || { cat "$T/out"; fail "compare 2014: 8.7 on 0-10 is not 87.0"; }
# Groups without a 2014 result are missing, never 0.
json_get '[(r["group"], r.get("value"), r.get("value_100"), r["latest_period"]) for r in d["rows"] if r["missing"]]' <"$T/c2014" >"$T/out"
grep -q "('GE', None, None, '2018')" "$T/out" || { cat "$T/out"; fail "compare 2014: GE not marked missing"; }
px --data "$A" compare KZ-SAT-OVERALL --period 2014 >"$T/out"
grep -qE "^ +—  GE  missing: no result for this period \(latest: 2018\)" "$T/out" || fail "missing row text"
grep -qE "^ +0\.0 " "$T/out" && fail "a missing value is shown as 0"
px --data "$A" compare KZ-SAT-OVERALL --csv >"$T/out"
head -1 "$T/out" | grep -q "^group,country,centre,service,channel,indicator" || fail "compare --csv header"
[ "$(wc -l <"$T/out")" = 5 ] || fail "compare --csv: $(wc -l <"$T/out") lines, wanted 5"
expect_exit 1 px --data "$A" compare NOT-HELD
expect_err "no definition of indicator NOT-HELD"
expect_exit 1 px --data "$A" compare KZ-SAT-OVERALL --period 2018-Q5
expect_exit 2 px --data "$A" compare KZ-SAT-OVERALL --by planet
pass "compare: 91.5, 87.0, crosswalks, missing never 0"

# --- trend ----------------------------------------------------------------------------------
px --data "$A" trend KZ-SAT-OVERALL --country KZ --json >"$T/trend"
json_get '[(p["period"], p["break"], round(p["converted_100"], 2)) for s in d["series"] for p in s["points"]]' <"$T/trend" >"$T/out"
grep -q "('2014', False, 87.0), ('2017', True, 89.25), ('2018', False, 91.5)" "$T/out" \
    || { cat "$T/out"; fail "trend KZ: series or break wrong"; }
px --data "$A" trend KZ-SAT-OVERALL --country KZ >"$T/out"
grep -q "BREAK: indicator changed: KZ-SAT-OVERALL-10 to KZ-SAT-OVERALL" "$T/out" \
    || fail "trend text does not mark the break"
[ "$(px --data "$A" trend KZ-SAT-OVERALL --csv | wc -l)" = 10 ] || fail "trend --csv lines"
pass "trend with the 2014/2017 break marked"

# --- aggregate ------------------------------------------------------------------------------
px --data "$A" aggregate KZ-SAT-OVERALL --period 2018 --json >"$T/agg"
json_get 'd["groups"][0]["results"], d["groups"][0]["members"], d["groups"][0]["n"], round(d["groups"][0]["unweighted"]["value_100"], 2), round(d["groups"][0]["n_weighted"]["value"], 4)' <"$T/agg" >"$T/out"
grep -qx "4 1 13000 84.75 4.5769" "$T/out" || { cat "$T/out"; fail "aggregate 2018: $(cat "$T/out")"; }
px --data "$A" aggregate KZ-SAT-OVERALL --period 2018 >"$T/out"
grep -q "n-weighted mean  4.577  (0-100: 89.4)" "$T/out" || { cat "$T/out"; fail "aggregate text: n-weighted"; }
grep -q "unweighted mean  4.390  (0-100: 84.8)" "$T/out" || fail "aggregate text: unweighted"
[ "$(px --data "$A" aggregate KZ-SAT-OVERALL --period 2018 --by country --json | json_get 'len(d["groups"])')" = 4 ] \
    || fail "aggregate --by country: not 4 groups"
px --data "$A" aggregate KZ-SAT-OVERALL --period 2018 --publish >"$T/aggids"
[ "$(wc -l <"$T/aggids")" = 2 ] || fail "aggregate --publish did not print 2 ids"
px --data "$A" show "$(head -1 "$T/aggids")" >"$T/out"
grep -q "weighting  n-weighted" "$T/out" || fail "published aggregate not shown"
expect_exit 2 px --data "$A" aggregate KZ-SAT-OVERALL
pass "aggregate: n-weighted and unweighted, members counted, published by the root"

# --- exports ------------------------------------------------------------------------------------
px --data "$A" export --format json | json_get 'len(d)' >"$T/out"
[ "$(cat "$T/out")" = 11 ] || fail "export json: $(cat "$T/out") results, wanted 11"
px --data "$A" export --format csv --out "$T/x.csv" 2>/dev/null
head -1 "$T/x.csv" | tr -d '\r' | grep -qx "indicator,indicator_version,country,centre,service,channel,period,value,n,ci_low,ci_high,std_err,method,status,source,illustrative,unit,id,author,centre_key" \
    || fail "export csv header"
[ "$(wc -l <"$T/x.csv")" = 12 ] || fail "export csv rows"
grep -q '"Sanj Research Center, Monitoring' "$T/x.csv" || fail "export csv does not quote a field with commas"
px --data "$A" export --format sdmx-csv >"$T/x.sdmx"
[ "$(head -1 "$T/x.sdmx" | tr -d '\r')" = "DATAFLOW,REF_AREA,CENTRE,SERVICE,INDICATOR,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,N_OBS,CI_LOWER,CI_UPPER,COLL_METHOD" ] \
    || fail "SDMX-CSV header is not exactly the documented one"
tr -d '\r' <"$T/x.sdmx" >"$T/x.lf"
grep -qx "PRAXIS:BENCHMARK(1.0),KZ,_T,_T,KZ-SAT-OVERALL,2018,4.66,points,A,10000,,,questionnaire" "$T/x.lf" \
    || fail "SDMX-CSV row for KZ 2018"
grep -qx "PRAXIS:BENCHMARK(1.0),KZ,_T,_T,KZ-SAT-QUALITY-PCT,2017,65.9,PC,A,9517,,,questionnaire" "$T/x.lf" \
    || fail "SDMX-CSV: percent as PC"
"$PY" - "$T/x.sdmx" <<'PY' || fail "SDMX-CSV does not parse as CSV with 13 columns"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert len(rows) == 12 and all(len(r) == 13 for r in rows), rows
PY
[ "$(px --data "$A" export --format sdmx-csv --indicator KZ-SAT-OVERALL | wc -l)" = 3 ] || fail "export --indicator"
# SDMX-CSV 2.0: STRUCTURE, STRUCTURE_ID, ACTION, then 1.0's columns after DATAFLOW, row for row.
px --data "$A" export --format sdmx-csv2 >"$T/x.sdmx2"
[ "$(head -1 "$T/x.sdmx2")" = "$(printf 'STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,CENTRE,SERVICE,INDICATOR,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,N_OBS,CI_LOWER,CI_UPPER,COLL_METHOD\r')" ] \
    || fail "SDMX-CSV 2.0 header is not exactly the documented one (CRLF included)"
tr -d '\r' <"$T/x.sdmx2" >"$T/x2.lf"
grep -qx "dataflow,PRAXIS:BENCHMARK(1.0),I,KZ,_T,_T,KZ-SAT-OVERALL,2018,4.66,points,A,10000,,,questionnaire" "$T/x2.lf" \
    || fail "SDMX-CSV 2.0 row for KZ 2018"
tail -n +2 "$T/x.lf" | sed 's/^PRAXIS:BENCHMARK(1\.0),/dataflow,PRAXIS:BENCHMARK(1.0),I,/' >"$T/x1to2"
tail -n +2 "$T/x2.lf" | cmp -s - "$T/x1to2" || fail "SDMX-CSV 2.0 rows are not 1.0's rows behind STRUCTURE, STRUCTURE_ID, ACTION"
"$PY" - "$T/x.sdmx2" <<'PY' || fail "SDMX-CSV 2.0 does not parse as CSV with 15 columns"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert len(rows) == 12 and all(len(r) == 15 for r in rows), rows
PY
expect_exit 2 px --data "$A" export --format xml
pass "exports: JSON, CSV (quoted), SDMX-CSV 1.0 and 2.0 (exact headers)"

# --- CSV import: every bad row with its line number; nothing stored ---------------------------
before="$(count_entries "$A")"
cat >"$T/bad.csv" <<'CSV'
indicator;country;period;value;n
KZ-SAT-OVERALL;KZ;2019;4.7;100

KZ-SAT-OVERALL;KZ;2019-Q5;4.7;100
KZ-SAT-OVERALL;KZ;2019;5.7;100
NOT-HELD;KZ;2019;3;1
KZ-SAT-OVERALL;KZ;2019;4,66;1
CSV
expect_exit 1 px --data "$A" publish benchmark "$T/bad.csv"
expect_err "4 records were rejected"
expect_err "record 2 \(line 4\): field 'period': '2019-Q5'"
expect_err "record 3 \(line 5\): field 'value': 5.7 is outside indicator KZ-SAT-OVERALL's scale 1–5"
expect_err "record 3 \(line 5\): the same result .* as record 1 of .*bad.csv in this publication"
expect_err "record 4 \(line 6\): field 'indicator': no definition of NOT-HELD"
expect_err "record 5 \(line 7\): field 'value': '4,66' is not a number"
[ "$(count_entries "$A")" = "$before" ] || fail "a rejected CSV stored something"
printf '[{"indicator": "KZ-SAT-OVERALL", "country": "KZ", "period": "2019", "value": 9}]' >"$T/bad.json"
expect_exit 1 px --data "$A" publish benchmark "$T/bad.json"
expect_err "record 1 \(line 1\): field 'value': 9 is outside indicator KZ-SAT-OVERALL's scale 1–5"
printf 'indicator,country,period,value\nKZ-SAT-OVERALL,KZ,2019,4.7\n' | px --data "$A" publish --csv benchmark - >/dev/null \
    || fail "a good CSV from stdin was refused"
[ "$(count_entries "$A")" = $((before + 1)) ] || fail "the good CSV was not stored"
pass "CSV import: rejected rows listed with line numbers, nothing stored; scales checked"

# --- supersede and retract -------------------------------------------------------------------------
PSH="$(sed -n 4p "$T/ids.psh")" # indicator, 2 benchmarks, then the cases
"$PY" - "$PRAXIS_SRC/bootstrap/demo/psh/cases.json" "$PSH" >"$T/v2.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))[0]
c["title"]["en"] = "Cutting waiting times, second version (illustrative record)"
c["supersedes"] = sys.argv[2]
print(json.dumps(c, ensure_ascii=False))
PY
V2="$(px --data "$A" publish case "$T/v2.json")"
px --data "$A" cases --search waiting >"$T/out"
grep -q "second version" "$T/out" || fail "search does not show the new version"
grep -q "1 older version" "$T/out" || fail "search does not say an older version exists"
[ "$(px --data "$A" cases --json | json_get 'd["total"]')" = 10 ] || fail "the old version is still listed"
px --data "$A" show "$PSH" >"$T/out"
grep -q "status     superseded" "$T/out" || fail "show: old version not marked superseded"
expect_exit 1 px --data "$A" publish case "$T/v2.json"
expect_err "field 'supersedes': .* is already superseded by"
printf '{"title": {"en": "x"}, "summary": {"en": "x"}, "country": "KZ", "stage": "idea", "supersedes": "%s"}' \
    "$(sed -n 1p "$T/ids.psh")" >"$T/wrongkind.json"
expect_exit 1 px --data "$A" publish case "$T/wrongkind.json"
expect_err "field 'supersedes': .* is an indicator entry, not a case"
px --data "$A" retract "$V2" --reason "wrong figures" >/dev/null
px --data "$A" cases --search waiting >"$T/out"
grep -q "second version" "$T/out" && fail "a retracted version is still shown"
grep -q "Cutting waiting times in a public service hall" "$T/out" || fail "retracting v2 did not bring back v1"
px --data "$A" show "$V2" >"$T/out"
grep -q "RETRACTED" "$T/out" && grep -q "reason     wrong figures" "$T/out" || fail "show: retraction not shown"
expect_exit 1 px --data "$A" retract "$V2"
expect_err "already retracted"
BENCH_GE="$(sed -n 2p "$T/ids.psh")"
px --data "$A" retract "$BENCH_GE" >/dev/null
px --data "$A" compare KZ-SAT-OVERALL --period 2017 --json | json_get '[r["group"] for r in d["rows"] if not r["missing"]]' >"$T/out"
grep -q "'GE'" "$T/out" && fail "a retracted benchmark result is still compared"
expect_exit 1 px --data "$A" retract "$(printf '%064d' 0)"
expect_err "no entry"
pass "supersede and retract: latest version shown, older ones noted, retracted hidden"

# --- --csv and --help on every query verb; reindex --------------------------------------------------
for v in cases indicators benchmarks; do
    px --data "$A" "$v" --csv >"$T/out"
    head -1 "$T/out" | grep -q "," || fail "$v --csv prints no CSV header"
done
for v in cases indicators benchmarks compare trend aggregate export report retract reindex show publish; do
    px --data "$A" "$v" --help >"$T/out"
    grep -q "^usage: praxis $v" "$T/out" || fail "$v --help"
done
px --data "$A" cases --json >"$T/before.json"
px --data "$A" reindex >"$T/out"
grep -q "^reindexed 4[0-9] entries" "$T/out" || fail "reindex"
px --data "$A" cases --json >"$T/after.json"
cmp -s "$T/before.json" "$T/after.json" || fail "reindex changed what cases shows"
pass "--csv, --help, reindex"
