# SPDX-License-Identifier: Apache-2.0
# cli_traps.sh — the command line's traps, each with its message: help for
# every verb (praxis help [VERB], VERB --help); one message per bad option;
# --json and --csv refused together; ids and keys by unique prefixes of 8
# and 16 hex digits in show, retract and log, an ambiguous one listing its
# candidates; log's header row; praxisd locking its data directory before it
# binds, and naming --listen when the port is taken; dialling every address
# a name resolves to; README's reference naming every verb.
source "$(dirname "$0")/lib.sh"

SHIM="$PRAXIS_BIN/tests/libpx_resolv_shim.so"
[ -f "$SHIM" ] || fail "the resolver shim $SHIM is not built"

# The verbs, as praxis lists them.
px help >"$T/help" || fail "praxis help exited $?"
VERBS=($(sed -n '/^verbs:/,/^$/p' "$T/help" | awk 'NF > 1 && $1 != "verbs:" {print $1}'))
[ "${#VERBS[@]}" -ge 20 ] || fail "praxis help lists only ${#VERBS[@]} verbs"
for v in init id member network publish log retract show verify feed status peers sync cases \
    indicators benchmarks compare trend aggregate export report reindex help; do
    # (no "printf | grep -q": under pipefail an early grep exit is a SIGPIPE failure)
    [[ " ${VERBS[*]} " == *" $v "* ]] || fail "praxis help does not list $v"
done
pass "praxis help lists ${#VERBS[@]} verbs"

# --- help for every verb ---------------------------------------------------------------
for v in "${VERBS[@]}"; do
    [ "$v" = help ] && continue
    px "$v" --help >"$T/h1" 2>"$T/err" || fail "praxis $v --help exited $?"
    [ -s "$T/err" ] && fail "praxis $v --help wrote to stderr: $(cat "$T/err")"
    head -1 "$T/h1" | grep -q "^usage: praxis $v" || fail "praxis $v --help does not start with its usage"
    px help "$v" >"$T/h2" || fail "praxis help $v exited $?"
    cmp -s "$T/h1" "$T/h2" || fail "praxis help $v differs from praxis $v --help"
done
expect_exit 2 px help no-such-verb
expect_err "unknown verb 'no-such-verb'"
pass "every verb has --help, and praxis help VERB says the same"

# --- one message per bad option --------------------------------------------------------
px --data "$T/a" init --name traps >/dev/null
for v in "${VERBS[@]}"; do
    [ "$v" = help ] && continue
    expect_exit 2 px --data "$T/a" "$v" --no-such-option
    [ "$(grep -c '^praxis' "$T/err")" = 1 ] || { cat "$T/err" >&2; fail "$v: a bad option gives more than one message"; }
    expect_err "^praxis: unknown option --no-such-option$"
done
expect_exit 2 px --data "$T/a" log --limit
expect_err "^praxis: option --limit needs a value$"
[ "$(grep -c '^praxis' "$T/err")" = 1 ] || fail "a missing value gives more than one message"
expect_exit 2 px --data "$T/a" cases -q
expect_err "^praxis: unknown option -q$"
expect_exit 2 px --data "$T/a" cases --json -qz
expect_err "^praxis: unknown option -q$"
expect_exit 2 px --data "$T/a" cases --json=yes
expect_err "^praxis: option --json takes no value$"
expect_exit 2 px --data "$T/a" cases --lim
expect_err "^praxis: option --lim needs a value$"
expect_exit 2 px --data "$T/a" --bogus id
expect_err "unknown option --bogus"
expect_exit 2 "$PRAXISD" --data "$T/a" --bogus
expect_err "^praxisd: unknown option --bogus; 'praxisd --help' lists the options$"
[ "$(wc -l <"$T/err")" = 1 ] || fail "praxisd prints more than one message for a bad option"
expect_exit 2 "$PRAXISD" --data "$T/a" --listen
expect_err "^praxisd: option --listen needs a value"
expect_exit 2 "$PRAXISD" --data= --listen "127.0.0.1:1"
expect_err "^praxisd: --data needs a directory$"
expect_exit 2 px --data= id
expect_err "^praxis: --data needs a directory$"
expect_exit 2 px --data
expect_err "^praxis: --data needs a directory$"
pass "an unknown option or a missing value prints one message (${#VERBS[@]} verbs)"

# --- exclusive options -----------------------------------------------------------------
for args in "cases" "indicators" "benchmarks" "compare X" "trend X" "aggregate X --period 2018"; do
    expect_exit 2 px --data "$T/a" $args --json --csv
    expect_err "^praxis: --json and --csv exclude each other"
    expect_exit 2 px --data "$T/a" $args --csv --json
    expect_err "^praxis: --csv and --json exclude each other"
done
expect_exit 2 px --data "$T/a" aggregate X --period 2018 --publish --json
expect_err "--publish .* excludes --json and --csv"
px --data "$T/a" cases --json --json >/dev/null || fail "--json twice is refused"
pass "--json and --csv are refused together"

# --- id prefixes -----------------------------------------------------------------------
"$PY" -c "import json; print(json.dumps([{'title': {'en': 'traps %d' % i}, 'summary': {'en': 'a case'}, 'country': 'KZ', 'stage': 'idea'} for i in range(4)]))" \
    | px --data "$T/a" publish case - >"$T/ids"
mapfile -t ID <"$T/ids"
[ "${#ID[@]}" = 4 ] || fail "publish printed ${#ID[@]} ids for 4 records"
KEY="$(px --data "$T/a" id)"
px --data "$T/a" show "${ID[0]:0:8}" >"$T/out" || fail "show with an 8-hex prefix failed"
grep -q "^id  *${ID[0]}$" "$T/out" || fail "show by prefix does not name the full id"
px --data "$T/a" show "${ID[0]:0:16}" --json | json_id=1 "$PY" -c 'import json,sys; assert json.load(sys.stdin)["id"] == sys.argv[1]' "${ID[0]}" \
    || fail "show with a 16-hex prefix shows another entry"
px --data "$T/a" show "$(echo "${ID[1]:0:16}" | tr a-f A-F)" >/dev/null || fail "show refuses an upper-case prefix"
px --data "$T/a" retract "${ID[1]:0:8}" --reason "prefix test" >"$T/out" 2>"$T/err" || fail "retract with an 8-hex prefix failed"
grep -qE '^[0-9a-f]{64}$' "$T/out" || fail "retract does not print the new entry's id"
grep -q "^retract .*withdraws case ${ID[1]:0:16}$" "$T/err" || fail "retract does not say what it withdrew"
px --data "$T/a" retract "${ID[2]:0:16}" >/dev/null 2>&1 || fail "retract with a 16-hex prefix failed"
px --data "$T/a" show "${ID[1]}" | grep -q "RETRACTED" || fail "retract by prefix withdrew another entry"
px --data "$T/a" show "${ID[2]}" | grep -q "RETRACTED" || fail "retract by 16-hex prefix withdrew another entry"
[ "$(px --data "$T/a" log "${KEY:0:8}" | grep -c '^ *[0-9]')" = "$(px --data "$T/a" log "$KEY" | grep -c '^ *[0-9]')" ] \
    || fail "log with an 8-hex key prefix lists another feed"
px --data "$T/a" log "${KEY:0:16}" --json | "$PY" -c '
import json, sys
es = json.load(sys.stdin)["entries"]
assert len(es) >= 6 and all(e["author"] == sys.argv[1] for e in es)' "$KEY" || fail "log with a 16-hex key prefix"
px --data "$T/a" feed export --author "${KEY:0:12}" "$T/a.feed" 2>"$T/err" || fail "feed export --author with a key prefix failed"
grep -q "^exported [0-9]* entries$" "$T/err" || fail "feed export by key prefix: $(cat "$T/err")"
[ "$(grep -o '[0-9]*' "$T/err")" = "$(px --data "$T/a" log "$KEY" | grep -c '^ *[0-9]')" ] || fail "feed export by key prefix exported another count"
expect_exit 2 px --data "$T/a" show 1234567
expect_err "too short: give at least 8 hex digits"
expect_exit 2 px --data "$T/a" show 1234567z
expect_err "not hex: 'z'"
expect_exit 1 px --data "$T/a" show 00000000
expect_err "no entry held here begins with entry id '00000000'"

# An ambiguous prefix: plant an entry whose id shares the first 8 digits
# (4 bytes) of ID[3] and a feed whose key shares the first 8 of this node's.
P3="${ID[3]:0:8}"
PLANTED="${P3}$(printf 'e%.0s' $(seq 56))"
"$PY" - "$T/a/store.db" "${ID[3]}" "$PLANTED" "${KEY:0:8}" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
src, planted, kpre = sys.argv[2], sys.argv[3], sys.argv[4]
db.execute("INSERT INTO entries (id, author, seq, ts, kind, header, sig, body, purged, flags, received_ms) "
           "SELECT ?, randomblob(32), 1, ts, 'benchmark', header, sig, body, purged, flags, received_ms "
           "FROM entries WHERE id = ?", (bytes.fromhex(planted), bytes.fromhex(src)))
db.execute("INSERT INTO feeds (author, seq, head_id, ts) VALUES (?, 1, randomblob(32), 0)",
           (bytes.fromhex(kpre + "d" * 56),))
db.commit()
PY
expect_exit 2 px --data "$T/a" show "$P3"
expect_err "entry id '$P3' is ambiguous: 2 entries held here begin with it"
expect_err "^  ${ID[3]}  case$"
expect_err "^  $PLANTED  benchmark$"
expect_err "^give more digits$"
expect_exit 2 px --data "$T/a" retract "$P3"
expect_err "ambiguous"
px --data "$T/a" show "${ID[3]:0:16}" >/dev/null || fail "a 16-hex prefix stopped working beside the planted entry"
expect_exit 2 px --data "$T/a" log "${KEY:0:8}"
expect_err "author key '${KEY:0:8}' is ambiguous: 2 keys held here begin with it"
expect_err "^  $KEY  root$"
px --data "$T/a" log "${KEY:0:16}" >/dev/null || fail "log with a 16-hex key prefix beside the planted feed"
pass "8- and 16-hex prefixes in show, retract and log; an ambiguous one lists the candidates"

# --- log's header row ------------------------------------------------------------------
px --data "$T/a" log >"$T/out"
head -1 "$T/out" | grep -qE '^ +seq +id +kind +time +author$' || fail "log has no header row: $(head -1 "$T/out")"
[ "$(grep -c '^ *seq ' "$T/out")" = 1 ] || fail "log repeats its header"
px --data "$T/b-none" log >/dev/null 2>&1 && fail "log on an uninitialised directory succeeded"
pass "log prints a header row"

# --- praxisd: the lock before the port, and a port in use -----------------------------
PA=$(free_port)
start_node_at() { # NAME LISTEN [ARGS...]
    local name="$1" listen="$2"; shift 2
    start_bg "$T/$name.log" "$PRAXISD" --data "$T/$name" --listen "$listen" --log-level debug "$@"
    NODE_PID[$name]=$LAST_PID
    wait_until 10 test -S "$T/$name/control.sock"
}
declare -A NODE_PID
start_node_at a "127.0.0.1:$PA"
PX2=$(free_port)
expect_exit 1 "$PRAXISD" --data "$T/a" --listen "127.0.0.1:$PX2"
expect_err "another praxisd is running on the data directory"
grep -q "listening" "$T/err" && fail "the second praxisd listened before it found the lock"
"$PY" -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$PX2" \
    || fail "the second praxisd left port $PX2 bound"
px --data "$T/a" status | grep -q "praxisd     running" || fail "the first praxisd was disturbed"

px --data "$T/c" init --name other >/dev/null
expect_exit 1 "$PRAXISD" --data "$T/c" --listen "127.0.0.1:$PA"
expect_err "^praxisd: --listen 127\.0\.0\.1:$PA: the address is already in use"
expect_err "choose another port with --listen HOST:PORT"
[ -e "$T/c/control.sock" ] && fail "a praxisd that could not listen left its control socket"
pass "praxisd refuses a locked data directory before binding; a taken port names --listen"
stop_node a

# --- dialling every resolved address ---------------------------------------------------
# A listens on [::1] only; B dials a name resolving to 127.0.0.1 first, then ::1.
V6=$("$PY" -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0)); print(s.getsockname()[1])')
ROOT=a
px --data "$T/a" network export "$T/genesis.json" >/dev/null
join b
start_node_at a "[::1]:$V6"
# Under ASan the sanitizer's runtime must come first among preloaded libraries.
PRELOAD="$SHIM"
ASAN_RT="$(ldd "$PRAXISD" | awk '/libasan/ {print $3; exit}')"
[ -n "$ASAN_RT" ] && PRELOAD="$ASAN_RT $SHIM"
LD_PRELOAD="$PRELOAD" start_node_at b "127.0.0.1:$(free_port)" --peer "$KEY@dualstack.praxis.test:$V6"
b_connected() {
    px --data "$T/b" peers --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if any(c["state"] == "connected" and c["public_key"] == sys.argv[1]
                  for c in d["connections"]) else 1)' "$KEY"
}
wait_until 20 b_connected
grep -q "trying its next address" "$T/b.log" || fail "B connected without trying the refused address first"
pass "a name resolving to 127.0.0.1 and ::1 reaches a node listening on [::1] only"

# --- README's command reference --------------------------------------------------------
README="$PRAXIS_SRC/README.md"
for v in "${VERBS[@]}"; do
    grep -qE "^\| *\`praxis $v\b|^praxis $v\b|\`praxis $v( |\`)" "$README" || fail "README's command reference omits $v"
done
for sub in "network show" "network export" "network bootstrap" "feed export" "feed import" \
    "member add" "member revoke" "member list"; do
    grep -q "praxis $sub" "$README" || fail "README's command reference omits '$sub'"
done
pass "README's reference lists every verb"
