# SPDX-License-Identifier: Apache-2.0
# cli_json.sh — every verb's --json output follows schema/CLI.md: parsed by
# Python's json, an object at the top, listings in named arrays, no null
# anywhere (absent instead), no "ok" member, ids and keys in lowercase hex,
# the same name for a grouping label everywhere ("group", never "label"),
# and every real in its shortest exact form (4.66 prints as 4.66).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/demo_data.sh"

make_network a b
publish_n b 3
publish_demo "$T/a"
px --data "$T/b" feed export --author me "$T/b.feed" 2>/dev/null
px --data "$T/a" feed import "$T/b.feed" 2>/dev/null
KEY_B="$(px --data "$T/b" id)"

cat >"$T/check.py" <<'PY'
import json, re, sys

HEX64 = re.compile(r"^[0-9a-f]{64}$")
ID_KEYS = {"id", "author", "public_key", "prev", "head", "network_id", "root", "body_hash",
           "bad_entry", "retracted_by", "target"}
what, path = sys.argv[1], sys.argv[2]
problems = []

def sig_digits(s):
    m = s.lstrip("-").lower().split("e")[0].replace(".", "").lstrip("0").rstrip("0")
    return len(m)

def real(s):
    v = float(s)
    if sig_digits(s) > sig_digits(repr(v)):
        problems.append("real %s is not in its shortest form %r" % (s, v))
    return v

def walk(v, where):
    if v is None:
        problems.append("null at %s" % where)
    elif isinstance(v, dict):
        for k, x in v.items():
            if k == "ok":
                problems.append("an 'ok' member at %s" % where)
            if k == "label":
                problems.append("'label' at %s (a grouping label is 'group')" % where)
            if k in ID_KEYS and isinstance(x, str) and not HEX64.match(x):
                problems.append("%s.%s = %r is not 64 lowercase hex digits" % (where, k, x))
            walk(x, where + "." + k)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(x, "%s[%d]" % (where, i))

text = open(path, encoding="utf-8").read()
try:
    doc = json.loads(text, parse_float=real)
except ValueError as e:
    sys.exit("%s: not JSON: %s" % (what, e))
if not isinstance(doc, dict):
    problems.append("the top level is a %s, not an object" % type(doc).__name__)
walk(doc, "$")
if problems:
    sys.exit("%s: %s" % (what, "; ".join(problems[:5])))
PY

# check LABEL ARGS...: run praxis with ARGS on node a; its stdout must follow the convention.
check() {
    local label="$1"; shift
    px --data "$T/a" "$@" >"$T/json" || fail "$label: praxis $* exited $?"
    "$PY" "$T/check.py" "$label" "$T/json" || fail "$label does not follow schema/CLI.md"
    WALKED=$((WALKED + 1))
}
WALKED=0

check "id" id --json
check "network show" network show --json
check "log" log --json
check "log AUTHOR" log "$KEY_B" --json
check "log --limit" log --json --limit 3
check "verify" verify --json
check "reindex" reindex --json
check "status (no daemon)" status --json
check "cases" cases --json
check "cases --search" cases --search waiting --json
check "cases --country" cases --country KZ --json
check "indicators" indicators --json
check "benchmarks" benchmarks --json
check "benchmarks --indicator" benchmarks --indicator KZ-SAT-OVERALL --json
check "compare" compare KZ-SAT-OVERALL --period 2018 --json
check "compare --by centre" compare KZ-SAT-OVERALL --period 2018 --by centre --json
check "compare (latest period)" compare KZ-SAT-OVERALL --json
check "trend" trend KZ-SAT-OVERALL --json
check "trend --country" trend KZ-SAT-OVERALL --country KZ --json
check "aggregate" aggregate KZ-SAT-OVERALL --period 2018 --json
check "aggregate --by country" aggregate KZ-SAT-OVERALL --period 2018 --by country --json
check "member list" member list --json

# show: one entry of every kind held (records, memberships, announcements).
px --data "$T/a" log --json >"$T/log.json"
"$PY" -c '
import json, sys
seen = {}
for e in json.load(open(sys.argv[1]))["entries"]:
    seen.setdefault(e["kind"], e["id"])
for k, i in sorted(seen.items()):
    print(k, i)' "$T/log.json" >"$T/kinds"
[ "$(wc -l <"$T/kinds")" -ge 5 ] || fail "the walk holds too few kinds of entry: $(cat "$T/kinds")"
while read -r kind id; do
    check "show ($kind)" show "$id" --json
    check "show ($kind, 8-hex prefix)" show "${id:0:8}" --json
done <"$T/kinds"

# With praxisd running: status, peers and sync answer from the daemon.
PORT[a]=$(free_port)
start_node a
check "status (daemon)" status --json
check "peers" peers --json
check "sync" sync --json
pass "$WALKED --json outputs follow schema/CLI.md"

# Numbers in their shortest exact form: the issue's 4.66 on 1-5 is 91.5.
px --data "$T/a" compare KZ-SAT-OVERALL --period 2018 --json >"$T/c.json"
grep -qE '"value": 4\.66,' "$T/c.json" || fail "compare does not print 4.66 as 4.66"
grep -qE '"value_100": 91\.5,' "$T/c.json" || fail "compare does not print 91.5 as 91.5"
# The numbers as published (value, n, CI, scale) print as they were written.
! grep -E '"(value|ci_low|ci_high|std_err|scale_min|scale_max)": ' "$T/c.json" \
    | grep -qE '[0-9]\.[0-9]*0000000[0-9]|[0-9]\.[0-9]*9999999[0-9]' || fail "compare prints float noise"
pass "4.66 prints as 4.66 and 91.5 as 91.5"

# Absent, never null: a result without a confidence interval has no ci_low.
"$PY" -c '
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
assert rows, "no rows"
assert all(("ci_low" in r) == ("ci_high" in r) for r in rows), "ci_low without ci_high"
assert any("ci_low" not in r for r in rows), "every row has a CI: the check proves nothing"
assert all(isinstance(r["group"], str) for r in rows), "a row without its group"' "$T/c.json" \
    || fail "compare rows do not leave missing values out"
px --data "$T/a" trend KZ-SAT-OVERALL --json \
    | json_get 'all(isinstance(s["group"], str) and s["points"] for s in d["series"]) and len(d["series"]) > 0' \
    | grep -qx True || fail "trend's series are not named by 'group'"
pass "missing values are absent; trend, compare and aggregate say 'group'"
