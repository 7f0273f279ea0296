# SPDX-License-Identifier: Apache-2.0
# progress.sh — long CLI operations show a progress line on stderr when it
# is a terminal, and nothing when it is not (issue 11): publish of a large
# CSV (records so far, rate), feed import (entries so far), verify and
# reindex (entries of the total). On a pseudo-terminal: the line appears,
# is redrawn at most ~4 times a second, and is erased before the summary;
# into a file: not one byte of it, and stdout is the same either way.
source "$(dirname "$0")/lib.sh"

# ontty OUT ERR CMD...: run CMD with stderr on a pseudo-terminal (captured
# into ERR) and stdout into OUT; its exit status, then its run time in
# seconds, into $T/tty.rc.
ontty() {
    local out="$1" err="$2"; shift 2
    "$PY" - "$out" "$err" "$T/tty.rc" "$@" <<'PY'
import os, pty, select, subprocess, sys, time
out, err, rcfile, cmd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
master, slave = pty.openpty()
t0 = time.monotonic()
with open(out, "wb") as o:
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=o, stderr=slave)
os.close(slave)
got = bytearray()
deadline = t0 + 120
while time.monotonic() < deadline:
    r, _, _ = select.select([master], [], [], 0.2)
    if r:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        got += chunk
    elif p.poll() is not None:
        break
rc = p.wait(timeout=max(1, deadline - time.monotonic()))
secs = time.monotonic() - t0
open(err, "wb").write(bytes(got))
open(rcfile, "w").write(f"{rc} {secs:.3f}\n")
PY
}

# redraws FILE VERB: how many times FILE draws VERB's progress line.
redraws() { grep -ao $'\r'"$2: " "$1" | wc -l; }

# drawn_then_erased FILE VERB UNIT: FILE draws VERB's line with UNIT, and
# erases it ("\r", erase to end of line) before anything else is printed.
drawn_then_erased() {
    "$PY" - "$@" <<'PY' || fail "$2: the progress line is not drawn, or not erased before the next output"
import re, sys
b = open(sys.argv[1], "rb").read()
verb, unit = sys.argv[2].encode(), sys.argv[3].encode()
draws = [m.end() for m in re.finditer(rb"\r" + re.escape(verb) + rb": \d+ ", b)]
assert draws, b[:300]
last = b[draws[-1]:]
# the last drawn line: its text, "erase to end of line", then "\r" + erase again
m = re.match(rb"[^\r\n]*" + re.escape(unit) + rb"[^\r\n]*\x1b\[K\r\x1b\[K", last)
assert m, last[:200]
assert b"\x1b" not in last[m.end():], "nothing after the erase draws again"
PY
}

# quiet FILE: FILE (stderr that went to a file) holds no progress at all.
quiet() {
    ! grep -qa $'\r\|\x1b' "$1" || fail "$2: progress bytes written to a file: $(head -c 200 "$1" | od -c | head -3)"
    ! grep -qaE '^(publishing|checking|importing|verifying|indexing): ' "$1" \
        || fail "$2: a progress line went into a file"
}

make_network a b
A="$T/a"
B="$T/b"
cat >"$T/ind.json" <<'JSON'
{"code": "KZ-SAT-OVERALL", "version": 1, "name": {"en": "Satisfaction"},
 "measure_type": "mean score", "scale": {"min": 1, "max": 5}}
JSON
px --data "$A" publish indicator "$T/ind.json" >/dev/null 2>&1
# 6000 results (one per centre and period), then 50 more for the file run.
"$PY" - "$T/big.csv" "$T/small.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("indicator,country,centre,period,value,n\n")
    for i in range(6000):
        f.write(f"KZ-SAT-OVERALL,KZ,Centre {i // 4},{2000 + i % 4},{1 + (i % 400) / 100},{100 + i}\n")
with open(sys.argv[2], "w") as f:
    f.write("indicator,country,centre,period,value,n\n")
    for i in range(50):
        f.write(f"KZ-SAT-OVERALL,KZ,Other {i},2020,4.5,{100 + i}\n")
PY

# --- publish ------------------------------------------------------------------------------------
ontty "$T/pub.out" "$T/pub.tty" "$PRAXIS" --data "$A" publish benchmark "$T/big.csv"
read -r rc secs <"$T/tty.rc"
[ "$rc" = 0 ] || { cat "$T/pub.tty"; fail "publish on a terminal exited $rc"; }
[ "$(wc -l <"$T/pub.out")" = 6000 ] || fail "publish on a terminal: stdout is not the 6000 ids"
drawn_then_erased "$T/pub.tty" publishing records
grep -aq $'\rpublishing: [0-9]* records' "$T/pub.tty" || fail "publish shows no record count"
tr -d '\r' <"$T/pub.tty" | grep -aq "big.csv: 6000 benchmark records published" \
    || fail "publish on a terminal lost its summary"
n="$(redraws "$T/pub.tty" publishing)"
# at most 4 a second (+1: the first is drawn at once, +1 for rounding at the edges)
max="$("$PY" -c "import math; print(math.floor($secs * 4) + 2)")"
[ "$n" -ge 1 ] && [ "$n" -le "$max" ] || fail "publish redrew its line $n times in $secs s (at most $max)"
# A third redraw comes at least 2 x 1/4 s after the start: late enough for the rate.
if [ "$n" -ge 3 ]; then
    grep -aqE $'\rpublishing: [0-9]+ records \\([0-9]+/s\\)' "$T/pub.tty" \
        || fail "a publish redrawn $n times shows no rate"
fi
px --data "$A" publish benchmark "$T/small.csv" >"$T/small.out" 2>"$T/small.err"
quiet "$T/small.err" publish
[ "$(wc -l <"$T/small.out")" = 50 ] || fail "publish into a file: stdout is not the 50 ids"
pass "publish: records and rate on a terminal ($n redraws in $secs s), erased before the summary; nothing in a file"

# --- feed import -----------------------------------------------------------------------------------
px --data "$A" feed export --author me "$T/a.feed" 2>/dev/null
ontty "$T/imp.out" "$T/imp.tty" "$PRAXIS" --data "$B" feed import "$T/a.feed"
read -r rc secs <"$T/tty.rc"
[ "$rc" = 0 ] || { cat "$T/imp.tty"; fail "feed import on a terminal exited $rc"; }
drawn_then_erased "$T/imp.tty" importing entries
tr -d '\r' <"$T/imp.tty" | grep -aqE "\[Kimported [0-9]{4,} new entries" || fail "import lost its summary: $(tr -d '\r' <"$T/imp.tty" | tail -2)"
px --data "$B" feed import "$T/a.feed" >/dev/null 2>"$T/imp.err"
quiet "$T/imp.err" "feed import"
grep -qE "^imported 0 new entries \([0-9]{4,} already held" "$T/imp.err" || fail "import into a file: $(cat "$T/imp.err")"
pass "feed import: entries so far on a terminal, erased before the summary; nothing in a file"

# --- verify and reindex ---------------------------------------------------------------------------
total="$(count_entries "$B")"
ontty "$T/ver.out" "$T/ver.tty" "$PRAXIS" --data "$B" verify
read -r rc secs <"$T/tty.rc"
[ "$rc" = 0 ] || { cat "$T/ver.tty"; fail "verify on a terminal exited $rc"; }
drawn_then_erased "$T/ver.tty" verifying entries
grep -aqE $'\rverifying: [0-9]+ of '"$total"' entries \([0-9]+%\)' "$T/ver.tty" || fail "verify shows no 'N of $total entries (P%)'"
grep -q "^ok: $total entries" "$T/ver.out" || fail "verify on a terminal: stdout changed"
px --data "$B" verify >"$T/ver2.out" 2>"$T/ver.err"
quiet "$T/ver.err" verify
cmp -s <(sed 's/ in [0-9.]* s / /' "$T/ver.out") <(sed 's/ in [0-9.]* s / /' "$T/ver2.out") \
    || fail "verify's stdout differs between a terminal and a file"

ontty "$T/rei.out" "$T/rei.tty" "$PRAXIS" --data "$B" reindex
read -r rc secs <"$T/tty.rc"
[ "$rc" = 0 ] || { cat "$T/rei.tty"; fail "reindex on a terminal exited $rc"; }
drawn_then_erased "$T/rei.tty" indexing entries
grep -aqE $'\rindexing: [0-9]+ of '"$total"' entries' "$T/rei.tty" || fail "reindex shows no 'N of $total entries'"
grep -q "^reindexed $total entries" "$T/rei.out" || fail "reindex on a terminal: stdout changed"
px --data "$B" reindex --json >"$T/rei.json" 2>"$T/rei.err"
quiet "$T/rei.err" reindex
[ ! -s "$T/rei.err" ] || fail "reindex into a file wrote to stderr: $(cat "$T/rei.err")"
pass "verify and reindex: N of $total entries on a terminal, erased; nothing in a file"
