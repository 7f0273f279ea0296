# SPDX-License-Identifier: Apache-2.0
# publish.sh — `praxis publish` as a user meets it (issue 15): the same
# benchmark CSV published twice (refused naming the earlier entry, then
# --replace supersedes it; trend, aggregate and benchmarks count each result
# once, also at a node that imported the feed); an unknown field refused
# with its suggestion; a record with three errors reports all three; CSV
# without a .csv name or --csv, with a BOM, tab-separated; JSON Lines; ids on
# stdout, a labelled summary on stderr; --check stores nothing.
source "$(dirname "$0")/lib.sh"

json_get() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

make_network a b
A="$T/a"
cat >"$T/ind.json" <<'JSON'
{"code": "KZ-SAT-OVERALL", "version": 1, "name": {"en": "Satisfaction"},
 "measure_type": "mean score", "scale": {"min": 1, "max": 5}}
JSON
px --data "$A" publish indicator "$T/ind.json" >/dev/null
cat >"$T/results.csv" <<'CSV'
indicator,country,period,value,n
KZ-SAT-OVERALL,KZ,2017,4.57,9000
KZ-SAT-OVERALL,KZ,2018,4.66,10000
CSV

# --- the same CSV twice ------------------------------------------------------------------------
px --data "$A" publish benchmark "$T/results.csv" >"$T/ids" 2>"$T/err"
[ "$(wc -l <"$T/ids")" = 2 ] || fail "publish did not print 2 ids"
grep -Eqx '[0-9a-f]{64}' "$T/ids" || fail "stdout is not one id per line"
expect_err "^published benchmark [0-9a-f]{16} .*results.csv record 1$"
expect_err "results.csv: 2 benchmark records published"
first="$(sed -n 2p "$T/ids")"
before="$(count_entries "$A")"
expect_exit 1 px --data "$A" publish benchmark "$T/results.csv"
expect_err "record 2 \(line 3\): this node already published this result .* as entry $first; publish with --replace"
expect_err "nothing was published: 2 records were rejected"
[ "$(count_entries "$A")" = "$before" ] || fail "a refused publish stored something"
sed -i 's/4.66,10000/4.7,10000/' "$T/results.csv"
px --data "$A" publish --replace benchmark "$T/results.csv" >"$T/ids2" 2>"$T/err"
[ "$(wc -l <"$T/ids2")" = 2 ] || fail "--replace did not publish 2 results"
expect_err "record 2 \(replaces an earlier result\)"
expect_err "2 benchmark records published \(2 replace an earlier result\)"
px --data "$A" show "$(sed -n 2p "$T/ids2")" --json | grep -q "$first" || fail "the replacement does not name the result it supersedes"
check_once() {
    px --data "$1" aggregate KZ-SAT-OVERALL --period 2018 --json >"$T/agg"
    json_get 'd["groups"][0]["results"], d["groups"][0]["n"], d["groups"][0]["unweighted"]["value"]' <"$T/agg" >"$T/out"
    grep -qx "1 10000 4.7" "$T/out" || { cat "$T/out"; fail "$1: aggregate counts $(cat "$T/out")"; }
    px --data "$1" trend KZ-SAT-OVERALL --country KZ --json \
        | json_get '[p["period"] for s in d["series"] for p in s["points"]]' >"$T/out"
    grep -qx "\['2017', '2018'\]" "$T/out" || { cat "$T/out"; fail "$1: trend points $(cat "$T/out")"; }
    n="$(px --data "$1" benchmarks --json | "$PY" -c 'import json,sys; d=json.load(sys.stdin); r=d.get("benchmarks", d.get("results", d)); print(len(r))')"
    [ "$n" = 2 ] || fail "$1: benchmarks lists $n results, wanted 2"
}
check_once "$A"
# the feed imported elsewhere (replication by file) counts each result once too
px --data "$A" feed export --author me "$T/a.feed" 2>/dev/null
px --data "$T/b" feed import "$T/a.feed" >/dev/null 2>&1
check_once "$T/b"
pass "the same CSV twice: refused naming the earlier entry; --replace supersedes; counted once (also imported)"

# --- strict publishing, every error --------------------------------------------------------------
cat >"$T/case.json" <<'JSON'
[{"title": {"en": "A"}, "summmary": {"en": "typo"}, "country": "KZ", "stage": "idea"},
 {"title": {"en": "B"}, "summary": {"en": "three errors"}, "country": "UK", "stage": "done", "colour": "red"}]
JSON
before="$(count_entries "$A")"
expect_exit 1 px --data "$A" publish case "$T/case.json"
expect_err "record 1 \(line 1\): field 'summmary' is not a field of a case; did you mean 'summary'\?"
expect_err "record 2 \(line 2\): field 'country'"
expect_err "record 2 \(line 2\): field 'stage': 'done' is not one of"
expect_err "record 2 \(line 2\): field 'colour' is not a field of a case"
expect_err "2 records were rejected \(5 errors\)"
[ "$(count_entries "$A")" = "$before" ] || fail "a rejected case was stored"
pass "unknown fields refused with a suggestion; every error of every record listed"

# --- CSV traps ---------------------------------------------------------------------------------------
printf '\xef\xbb\xbfindicator;country;period;value\nKZ-SAT-OVERALL;KZ;2016;4.4\n' >"$T/results.txt"
px --data "$A" publish benchmark "$T/results.txt" >/dev/null || fail "CSV named .txt (with a BOM) was not recognised"
printf 'indicator,country,period,value\nKZ-SAT-OVERALL,KZ,2015,4.3\n' | px --data "$A" publish benchmark - >/dev/null \
    || fail "CSV on stdin without --csv was not recognised"
printf 'indicator\tcountry\tperiod\tvalue\nKZ-SAT-OVERALL\tKZ\t2014\t4.2\n' >"$T/tabs.tsv"
px --data "$A" publish benchmark "$T/tabs.tsv" >/dev/null || fail "a tab-separated file was not read"
printf 'just some words\n' >"$T/words.txt"
expect_exit 1 px --data "$A" publish benchmark "$T/words.txt"
expect_err "neither JSON .* nor CSV .*give --csv"
expect_exit 1 px --data "$A" publish case "$T/results.txt"
expect_err "only benchmark results can be read from CSV"
pass "CSV recognised by content, BOM dropped, tabs read; other text named"

# --- JSON Lines, --check -----------------------------------------------------------------------------
"$PY" -c "
import json
for i in range(300):
    print(json.dumps({'title': {'en': 'case %d' % i}, 'summary': {'en': 'bulk'}, 'country': 'KZ', 'stage': 'idea'}))
" >"$T/bulk.jsonl"
before="$(count_entries "$A")"
px --data "$A" publish --check case "$T/bulk.jsonl" >"$T/ids" 2>"$T/err"
[ ! -s "$T/ids" ] || fail "--check printed ids"
expect_err "bulk.jsonl: 300 case records checked"
[ "$(count_entries "$A")" = "$before" ] || fail "--check stored something"
px --data "$A" publish case "$T/bulk.jsonl" case "$T/ind.json" >"$T/ids" 2>"$T/err" && fail "a case file of an indicator was accepted"
px --data "$A" publish case "$T/bulk.jsonl" >"$T/ids" 2>"$T/err"
[ "$(wc -l <"$T/ids")" = 300 ] || fail "JSON Lines: $(wc -l <"$T/ids") ids, wanted 300"
expect_err "bulk.jsonl: 300 case records published"
expect_err "\.\.\. and 280 more"
[ "$(count_entries "$A")" = $((before + 300)) ] || fail "JSON Lines: not 300 entries"
pass "JSON Lines: 300 records, ids on stdout, a summary on stderr; --check stores nothing"
