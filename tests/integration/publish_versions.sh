# SPDX-License-Identifier: Apache-2.0
# publish_versions.sh — indicator versions written the SDMX way (issue 11,
# RECORDS.md "Indicator versions"): an indicator 1 superseded by "1.2.0";
# results referring to "1.2.0" and "1.2" (the same version) compared on its
# scale; a CSV whose indicator_version column says "1.0" checked against
# version 1's scale; versions shown as written (CLI, --json, export, web);
# a bad version refused naming its field, nothing stored; a supersession
# that is not higher by the comparison rule refused.
source "$(dirname "$0")/lib.sh"

json_get() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

make_network a
A="$T/a"
cat >"$T/i1.json" <<'JSON'
{"code": "KZ-SAT", "version": 1, "name": {"en": "Satisfaction"},
 "measure_type": "mean score", "scale": {"min": 0, "max": 10}}
JSON
i1="$(px --data "$A" publish indicator "$T/i1.json" 2>/dev/null)"
cat >"$T/i2.json" <<JSON
{"code": "KZ-SAT", "version": "1.2.0", "name": {"en": "Satisfaction"},
 "measure_type": "mean score", "scale": {"min": 1, "max": 5}, "supersedes": "$i1"}
JSON
i2="$(px --data "$A" publish indicator "$T/i2.json" 2>/dev/null)"
[ -n "$i2" ] || fail "an indicator with version \"1.2.0\" was not published"

# --- results referring to "1.2.0" and "1.2", compared on 1.2.0's scale ---------------------------
cat >"$T/r.json" <<'JSON'
[{"indicator": "KZ-SAT", "indicator_version": "1.2.0", "country": "KZ", "period": "2018", "value": 4.66, "n": 100},
 {"indicator": "KZ-SAT", "indicator_version": "1.2", "country": "GE", "period": "2018", "value": 4.4, "n": 50}]
JSON
px --data "$A" publish benchmark "$T/r.json" >/dev/null 2>"$T/err" || { cat "$T/err"; fail "results referring to 1.2.0 were refused"; }
px --data "$A" compare KZ-SAT --period 2018 --json >"$T/c"
json_get 'd["indicator"]["version"]' <"$T/c" | grep -qx "1.2.0" || fail "compare's indicator version is not 1.2.0 as written"
json_get 'sorted((r["group"], r["indicator_version"], round(r["value_100"], 1), r["comparable"]) for r in d["rows"])' <"$T/c" >"$T/out"
grep -qx "\[('GE', '1.2', 85.0, True), ('KZ', '1.2.0', 91.5, True)\]" "$T/out" \
    || { cat "$T/out"; fail "compare: 4.66 referring to 1.2.0 is not 91.5 on 1-5"; }
px --data "$A" compare KZ-SAT --period 2018 >"$T/out"
grep -q "^KZ-SAT v1.2.0 " "$T/out" || { cat "$T/out"; fail "compare does not show v1.2.0"; }
grep -qE "^ +91\.5  KZ  4\.66 on 1–5" "$T/out" || { cat "$T/out"; fail "compare text: KZ is not 91.5"; }
pass "results referring to \"1.2.0\" and \"1.2\" match the 1.2.0 definition; 4.66 on 1-5 compares as 91.5"

# --- a CSV with a "1.0" version column: checked against version 1 (0-10) ------------------------
cat >"$T/r10.csv" <<'CSV'
indicator,indicator_version,country,period,value,n
KZ-SAT,1.0,AZ,2017,8.7,40
KZ-SAT,1,AZ,2016,8.1,40
CSV
px --data "$A" publish benchmark "$T/r10.csv" >/dev/null 2>"$T/err" || { cat "$T/err"; fail "a CSV with version 1.0 was refused"; }
px --data "$A" benchmarks --json >"$T/b"
json_get 'sorted((r["period"], r["indicator_version"]) for r in d["results"] if r["country"] == "AZ")' <"$T/b" >"$T/out"
grep -qx "\[('2016', 1), ('2017', '1.0')\]" "$T/out" || { cat "$T/out"; fail "benchmarks do not show versions as written"; }
px --data "$A" export --format csv --indicator KZ-SAT >"$T/x.csv"
grep -q "^KZ-SAT,1.0,AZ," "$T/x.csv" || { cat "$T/x.csv"; fail "export does not write 1.0 as written"; }
# 8.7 is out of 1.2.0's scale 1-5: only version 1.0 = 1 lets it in, and "1.2" keeps it out
printf 'indicator,indicator_version,country,period,value\nKZ-SAT,1.2,AZ,2015,8.7\n' >"$T/out.csv"
expect_exit 1 px --data "$A" publish benchmark "$T/out.csv"
expect_err "field 'value': 8.7 is outside indicator KZ-SAT's scale 1–5"
pass "a CSV with indicator_version 1.0 is checked against version 1; shown as written in benchmarks and export"

# A result filed under version 1.0 (0-10) is carried onto 1.2.0's scale (1-5) by the
# endpoints when compared with the latest version: 8.7 on 0-10 is 87.0, 4.48 on 1-5 (it was
# once read as 8.7 on 1-5, 192.5).
px --data "$A" compare KZ-SAT --period 2017 --json >"$T/c17"
json_get '[(r["value"], r["value_100"], r["converted"], r["converted_100"]) for r in d["rows"] if r["country"] == "AZ"]' <"$T/c17" >"$T/out"
grep -qx "\[(8.7, 87.0, 4.48, 87.0)\]" "$T/out" || { cat "$T/out"; fail "a result under version 1.0 is not carried onto 1.2.0's scale"; }
pass "a result under an older version with another scale compares through its own scale's endpoints"

# --- bad versions -----------------------------------------------------------------------------------
before="$(count_entries "$A")"
printf 'indicator,indicator_version,country,period,value\nKZ-SAT,1.,KZ,2019,4\nKZ-SAT,01,KZ,2019,4\nKZ-SAT,1.2.3.4,KZ,2019,4\nKZ-SAT,v1,KZ,2019,4\nKZ-SAT,1.2,KZ,2019,4\n' >"$T/bad.csv"
expect_exit 1 px --data "$A" publish benchmark "$T/bad.csv"
expect_err "record 1 \(line 2\): field 'indicator_version': '1\.' is not a version"
expect_err "record 2 \(line 3\): field 'indicator_version': '01' is not a version"
expect_err "record 3 \(line 4\): field 'indicator_version': '1\.2\.3\.4' is not a version"
expect_err "record 4 \(line 5\): field 'indicator_version': 'v1' is not a version"
expect_err "nothing was published: 4 records were rejected"
for v in '""' '"1."' '".1"' '"01"' '"1.2.3.4"' '"v1"' '1.5' '0'; do
    printf '{"code": "KZ-NEW", "version": %s, "name": {"en": "n"}, "measure_type": "rate", "scale": {"min": 0, "max": 1}}\n' "$v" >"$T/iv.json"
    expect_exit 1 px --data "$A" publish indicator "$T/iv.json"
    expect_err "field 'version': "
done
cat >"$T/i3.json" <<JSON
{"code": "KZ-SAT", "version": "1.2", "name": {"en": "Satisfaction"},
 "measure_type": "mean score", "scale": {"min": 1, "max": 5}, "supersedes": "$i2"}
JSON
expect_exit 1 px --data "$A" publish indicator "$T/i3.json"
expect_err "field 'version': 1.2 must be higher than the superseded definition's 1.2.0"
[ "$(count_entries "$A")" = "$before" ] || fail "a refused version stored something"
pass "bad versions refused naming their field; \"1.2\" does not supersede \"1.2.0\"; nothing stored"

# --- latest version by components: 1.10 is above 1.9 and above 1.2.0 --------------------------------
cat >"$T/i4.json" <<JSON
{"code": "KZ-SAT", "version": "1.10", "name": {"en": "Satisfaction"},
 "measure_type": "mean score", "scale": {"min": 0, "max": 100}, "supersedes": "$i2"}
JSON
px --data "$A" publish indicator "$T/i4.json" >/dev/null 2>&1 || fail "1.10 does not supersede 1.2.0"
px --data "$A" indicators --json | json_get '[(i["code"], i["version"], i["older_versions"]) for i in d["indicators"]]' >"$T/out"
grep -qx "\[('KZ-SAT', '1.10', 2)\]" "$T/out" || { cat "$T/out"; fail "indicators: latest is not 1.10"; }
printf 'indicator,country,period,value\nKZ-SAT,KZ,2020,64\n' >"$T/latest.csv"
px --data "$A" publish benchmark "$T/latest.csv" >/dev/null 2>"$T/err" || { cat "$T/err"; fail "a result without a version is not checked against the latest (1.10, 0-100)"; }
# a rebuilt index keeps keys and the versions as written
px --data "$A" reindex >/dev/null 2>&1 || fail "reindex failed"
px --data "$A" indicators | grep -q "^KZ-SAT v1.10 " || fail "after reindex the version is not shown as written"
pass "latest version by components (1.10 > 1.2.0); a result without a version uses it; reindex keeps it"
