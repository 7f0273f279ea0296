#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# web.sh — figures for praxisd's web interface (issue 11), with 32
# concurrent clients (wrk, keep-alive connections, each sending its next
# request as soon as the last is answered), every request with a session:
#   - the search page over 10,000 case studies (goal p99 < 100 ms),
#   - a case page (goal p99 < 20 ms),
#   - compare over 1,000,000 benchmark results (the latest quarter, by
#     country: 50 rows, each through a crosswalk),
# requests/s and latency p50/p99 for each; then the 20-node live spread
# (bench/spread.sh) measured while node n0's web interface is under the same
# load on its search page, a different search on every request as in
# "search_varied" below (goal: spread p99 stays under 1 s — the loop that
# carries replication is never blocked by the web server).
#
#   bench/web.sh [BUILD_DIR]          (default: build)
#   PRAXIS_BENCH_RESULTS=N            fewer benchmark results (quicker)
#   PRAXIS_BENCH_CASES=N              case studies (default 10,000)
#   PRAXIS_WEB_SECONDS=S              seconds per load run (default 10)
#   PRAXIS_WEB_CLIENTS=C              concurrent clients (default 32)
#   PRAXIS_WEB_SPREAD=0               skip the spread under load
#   PRAXIS_WEB_KEEP=1                 keep the data set (a node's data directory)
#   PRAXIS_WEB_REUSE=DIR              measure again on a data set kept before (the
#                                     directory PRAXIS_WEB_KEEP=1 printed); kept
# Besides the pages above, "search_varied" asks for a different search on
# every request (120 word pairs and pages in turn), so that the answers the
# web workers keep (16 per thread, until the store changes) seldom serve
# it: every answer is ranked, its snippets made and its facets counted
# again, though from the rows of its words that each worker's connection
# keeps once it has searched for them (23 words in all here; a search for
# words a connection has not met yet costs more: `bench_knowledge page
# STORE` prints that figure apart).
# Prints a summary, then "figure<TAB>name<TAB>value<TAB>unit" lines. Needs
# wrk (Debian's package; bootstrap/install-deps.sh installs it) and about
# 1 GB in $TMPDIR. Wall-clock figures: run it on a quiet machine.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
P="$build/cli/praxis"
D="$build/node/praxisd"
PY=/usr/bin/python3
results="${PRAXIS_BENCH_RESULTS:-1000000}"
cases="${PRAXIS_BENCH_CASES:-10000}"
secs="${PRAXIS_WEB_SECONDS:-10}"
clients="${PRAXIS_WEB_CLIENTS:-32}"
command -v wrk >/dev/null || { echo "web.sh: wrk is not installed (bootstrap/install-deps.sh installs it)" >&2; exit 1; }
reuse="${PRAXIS_WEB_REUSE:-}"
if [ -n "$reuse" ]; then
    [ -d "$reuse/web" ] && [ -s "$reuse/cases.json" ] || { echo "web.sh: $reuse holds no kept data set" >&2; exit 1; }
    T="$reuse"
    PRAXIS_WEB_KEEP=1
else
    T="$(mktemp -d "${TMPDIR:-/tmp}/px-bench-web.XXXXXX")"
fi
PIDS=()
stop() {
    local p
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
    if [ "${PRAXIS_WEB_KEEP:-0}" = 1 ]; then echo "kept $T (the node's data in $T/web)"; else rm -rf "$T"; fi
}
trap stop EXIT
source "$root/tests/integration/net.sh" # free_port

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf 'machine: %s, %s cores, %s; load average %s\n' "$cpu" "$(nproc)" \
    "$(free -g | awk '/Mem:/ {print $2 " GiB"}')" "$(cut -d' ' -f1-3 /proc/loadavg)"

# --- the data set ---------------------------------------------------------------
# As bench_knowledge builds it, but published through the CLI at one node
# (the network's root, hence its secretariat): 10 indicator families, each
# a target on 1-5 and 5 national variants on other scales with a crosswalk
# to the target; 50 countries; 40 quarters 2009-Q1..2018-Q4; per quarter,
# family and country one national result and 49 per service. Case studies
# in English and Russian, ~60-word summaries drawn from the same words as
# bench_knowledge's, so that common words match most cases.
[ -n "$reuse" ] || "$PY" - "$T" "$results" "$cases" <<'PY'
import json, random, sys
T, n, ncases = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(7)
scales = [(1, 5), (0, 10), (0, 100), (1, 7), (1, 10)]
countries = ("KZ AZ GE CA AM KG TJ UZ MN TR UA MD BY RU LT LV EE PL RO BG RS ME MK AL BA HR SI HU SK CZ "
             "AT DE FR IT ES PT GB IE NL BE DK SE NO FI IS US MX BR SG KR").split()
inds, walks = [], []
for f in range(10):
    inds.append({"code": "SAT-F%d" % f, "version": 1, "name": {"en": "Satisfaction (family target)"},
                 "measure_type": "mean score", "scale": {"min": 1, "max": 5}})
    for k, (lo, hi) in enumerate(scales):
        v = "SAT-F%d-V%d" % (f, k)
        inds.append({"code": v, "version": 1, "name": {"en": "Satisfaction (national survey)"},
                     "measure_type": "mean score", "scale": {"min": lo, "max": hi}})
        walks.append({"from": v, "to": "SAT-F%d" % f, "conversion": {"type": "endpoints"}, "grade": "close"})
json.dump(inds, open(T + "/indicators.json", "w"))
json.dump(walks, open(T + "/crosswalks.json", "w"))
made = 0
latest = "2009-Q1"
with open(T + "/results.csv", "w") as out:
    out.write("indicator;country;service;period;value;n;method;source\n")
    for q in range(40):
        period = "%d-Q%d" % (2009 + q // 4, q % 4 + 1)
        for f in range(10):
            for c, cc in enumerate(countries):
                k = c % 5
                lo, hi = scales[k]
                for sv in range(50):
                    if made >= n:
                        break
                    v = int((lo + (hi - lo) * (0.55 + 0.4 * random.random())) * 100) / 100
                    out.write("SAT-F%d-V%d;%s;%s;%s;%s;%d;questionnaire;Synthetic data for bench/web.sh\n" % (
                        f, k, cc, ("service %02d" % sv) if sv else "", period, v,
                        (200 + random.randrange(300)) if sv else (5000 + random.randrange(5000))))
                    made += 1
                    latest = period
open(T + "/latest_period", "w").write(latest)
en = ("service centre citizens waiting time queue electronic appointment staff digital mobile one-stop shop "
      "reform survey satisfaction complaints charter standard process reengineering local government licence "
      "passport registration online portal training feedback transparency corruption payment document notary "
      "property business social benefit pension rural outreach kiosk call helpdesk").split()
ru = ("услуга центр граждане ожидание время очередь электронная запись персонал цифровой мобильный окно "
      "реформа опрос удовлетворённость жалобы стандарт процесс местный лицензия паспорт регистрация портал "
      "обучение прозрачность коррупция платёж документ пенсия").split()
w = lambda words, k: " ".join(random.choice(words) for _ in range(k))
stages = ["idea", "pilot", "implemented", "evaluated", "scaled"]
cs = [{"title": {"en": w(en, 6), "ru": w(ru, 6)}, "summary": {"en": w(en, 60), "ru": w(ru, 60)},
       "problem": {"en": w(en, 25), "ru": w(ru, 25)}, "country": countries[i % 50], "stage": stages[i % 5],
       "start_year": 2005 + i % 15, "tags": [random.choice(en), random.choice(en)],
       "channels": [random.choice(["in person", "online", "mobile", "phone"])]} for i in range(ncases)]
json.dump(cs, open(T + "/cases.json", "w"), ensure_ascii=False)
PY

timed() { # timed LABEL COMMAND...: run, print the seconds it took
    local t0 t1
    t0=$(date +%s.%N)
    "${@:2}" >/dev/null 2>"$T/timed.err" || { tail -5 "$T/timed.err" >&2; exit 1; }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" -v l="$1" 'BEGIN {printf "  %-44s %6.1f s\n", l, b - a}'
}
if [ -n "$reuse" ]; then
    echo "the data set kept in $T (its size as it was made)"
else
    echo "publishing the data set at one node:"
    "$P" --data "$T/web" init --name web-bench >/dev/null
    timed "60 indicators, 50 crosswalks" "$P" --data "$T/web" publish indicator "$T/indicators.json" \
        crosswalk "$T/crosswalks.json"
    timed "$cases case studies" "$P" --data "$T/web" publish case "$T/cases.json"
    timed "$results benchmark results (CSV)" "$P" --data "$T/web" publish benchmark "$T/results.csv"
fi

# --- load ------------------------------------------------------------------------

# login BASE_DIR: the session cookie from `praxis ui --url`.
login() {
    local url
    url="$("$P" --data "$1" ui --url)"
    curl -s -o /dev/null -D - "$url" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1
}

# load NAME URL [LUA]: wrk with $clients connections for $secs seconds;
# prints the summary line and the figures. Fails if any answer was not 2xx
# (a fast error page is no figure).
load() {
    local name="$1" url="$2" script="${3:-}" out="$T/wrk.$1"
    local args=(-t2 -c"$clients" -d"${secs}s" --latency --timeout 10s -H "Cookie: $cookie")
    [ -n "$script" ] && args+=(-s "$script")
    local cpu0 cpu1
    cpu0="$(cpu_ticks)"
    wrk "${args[@]}" "$url" >"$out" 2>&1 || { cat "$out" >&2; echo "wrk failed for $url" >&2; exit 1; }
    cpu1="$(cpu_ticks)"
    if grep -q 'Non-2xx' "$out"; then
        cat "$out" >&2
        # Once more for a second, printing the first answers that were not 2xx.
        {
            [ -n "$script" ] && cat "$script"
            echo 'local shown = 0'
            echo 'response = function(status, headers, body)'
            echo '  if status >= 400 and shown < 3 then shown = shown + 1; print(status, body:sub(1, 400)) end'
            echo 'end'
        } >"$T/diagnose.lua"
        wrk -t1 -c"$clients" -d1s -H "Cookie: $cookie" -s "$T/diagnose.lua" "$url" 2>&1 | head -20 >&2 || true
        echo "web.sh: $name: some answers were not 2xx" >&2
        exit 1
    fi
    "$PY" - "$out" "$name" "$url" "$T/figures" "$cpu0" "$cpu1" "$(getconf CLK_TCK)" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
name, url = sys.argv[2], sys.argv[3]
cpu0, cpu1, tck = sys.argv[5], sys.argv[6], float(sys.argv[7])
fig = open(sys.argv[4], "a")
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
    x, u = float(m.group(1)), m.group(2)
    return x / 1000 if u == "us" else x if u == "ms" else x * 1000 if u == "s" else x * 60000
lat = dict((p, ms(v)) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", text, re.M))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
reqs = int(re.search(r"(\d+) requests in", text).group(1))
errs = re.search(r"Socket errors:.*", text)
cpu = ""
if cpu0 and cpu1 and reqs:
    per = (int(cpu1) - int(cpu0)) / tck / reqs * 1000
    cpu = "; praxisd CPU %.2f ms a request" % per
    print("figure\tweb_%s_cpu\t%.2f\tms" % (name, per), file=fig)
print("  %-34s %7.0f req/s  p50 %6.1f ms  p99 %6.1f ms  (%d requests%s%s)" % (
    name, rps, lat["50"], lat["99"], reqs, "; " + errs.group(0) if errs else "", cpu))
print("figure\tweb_%s_rps\t%.0f\treq/s" % (name, rps), file=fig)
print("figure\tweb_%s_p50\t%.1f\tms" % (name, lat["50"]), file=fig)
print("figure\tweb_%s_p99\t%.1f\tms" % (name, lat["99"]), file=fig)
PY
}

# cpu_ticks: user + system clock ticks of the node serving the pages so
# far ("" when it is not ours to read), so that each page's CPU cost shows
# beside its latency (which on a shared machine says as much about the
# neighbours).
web_pid=""
cpu_ticks() {
    [ -n "$web_pid" ] && [ -r "/proc/$web_pid/stat" ] || return 0
    sed 's/^.*) //' "/proc/$web_pid/stat" | awk '{print $12 + $13}'
}

http_port="$(free_port)"
"$D" --data "$T/web" --listen "127.0.0.1:$(free_port)" --http "127.0.0.1:$http_port" 2>"$T/web.log" &
PIDS+=("$!")
web_pid="$!"
for _ in $(seq 1200); do # (opening a big store may migrate it first)
    curl -s -o /dev/null "http://127.0.0.1:$http_port/" && break
    sleep 0.1
done
"$P" --data "$T/web" sync --wait --timeout 60 >/dev/null 2>&1 || true
cookie="$(login "$T/web")"
[ -n "$cookie" ] || { echo "web.sh: no session cookie from praxis ui --url" >&2; exit 1; }
base="http://127.0.0.1:$http_port"

# What each page must show, so that the figures are of real answers.
check() { # check URL PATTERN
    curl -s -H "Cookie: $cookie" "$base$1" >"$T/page"
    grep -q -- "$2" "$T/page" || { echo "web.sh: $1 does not show '$2'" >&2; exit 1; }
}
"$P" --data "$T/web" cases --json --limit 200 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
rows = d["cases"] if isinstance(d, dict) else d
print("\n".join(r["id"] for r in rows))' >"$T/ids"
[ -s "$T/ids" ] || { echo "web.sh: no case ids from praxis cases --json" >&2; exit 1; }
first_id="$(head -1 "$T/ids")"
check "/cases?q=waiting" "/cases/"
check "/cases/$first_id" "<h1"
period="$(cat "$T/latest_period")"
compare_url="/compare?indicator=SAT-F0&period=$period&by=country"
check "$compare_url" "<svg"
# A case page: a different case on each request (100 ids, round robin).
{
    echo 'local ids = {'
    head -100 "$T/ids" | sed 's/.*/  "&",/'
    echo '}'
    echo 'local i = 0'
    echo 'request = function() i = i % #ids + 1; return wrk.format(nil, "/cases/" .. ids[i]) end'
} >"$T/case.lua"

# A different search on every request: 120 word pairs (English and
# Russian words of the data set), each on pages 1 and 2, in turn.
"$PY" - "$T/varied.lua" <<'PY'
import random, sys, urllib.parse
random.seed(11)
en = "service centre citizens waiting time queue electronic appointment staff digital mobile reform survey".split()
ru = "услуга центр граждане ожидание время очередь электронная запись персонал цифровой".split()
paths = []
for i in range(120):
    words = en if i % 2 else ru
    q = " ".join(random.sample(words, 2))
    paths.append("/cases?q=" + urllib.parse.quote_plus(q) + ("&page=2" if i % 3 == 0 else ""))
with open(sys.argv[1], "w") as f:
    f.write("local paths = {\n" + "".join('  "%s",\n' % p for p in paths) + "}\n")
    f.write("local i = 0\nrequest = function() i = i % #paths + 1; return wrk.format(nil, paths[i]) end\n")
PY

echo "web interface, $clients concurrent clients, ${secs} s each (every request with a session):"
: >"$T/figures"
load search "$base/cases?q=waiting"
load search_ru "$base/cases?q=%D0%BE%D1%87%D0%B5%D1%80%D0%B5%D0%B4%D1%8C+%D0%BE%D0%BA%D0%BD%D0%BE"
load search_varied "$base/" "$T/varied.lua"
load case "$base/" "$T/case.lua"
load compare "$base$compare_url"
load home "$base/"
kill "${PIDS[0]}" 2>/dev/null || true
wait "${PIDS[0]}" 2>/dev/null || true
PIDS=()
web_pid=""

# --- the live spread while the web interface is under load ----------------------------
if [ "${PRAXIS_WEB_SPREAD:-1}" = 1 ]; then
    echo "20-node live spread, node n0's search page under the same load (search_varied):"
    "$PY" -c "import json,sys; json.dump(json.load(open('$T/cases.json'))[:$cases], open('$T/seed.json','w'), ensure_ascii=False)"
    spread_http="127.0.0.1:$(free_port)"
    rm -f "$T/ready" "$T/ready.converged" "$T/ready.done" # (left by an earlier run on a kept data set)
    PRAXIS_SPREAD_SEED="$T/seed.json" PRAXIS_SPREAD_HTTP="$spread_http" PRAXIS_SPREAD_READY="$T/ready" \
        PRAXIS_SPREAD_WARMUP=2 bash "$root/bench/spread.sh" "$build" 20 200 >"$T/spread.out" 2>&1 &
    spread_pid=$!
    PIDS+=("$spread_pid")
    # (19 nodes catch up on the seed first: minutes on a busy machine.)
    for _ in $(seq 9000); do
        [ -e "$T/ready" ] && break
        kill -0 "$spread_pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -e "$T/ready" ] || { cat "$T/spread.out" >&2; echo "web.sh: the spread network did not get ready" >&2; exit 1; }
    cookie="$(login "$(cat "$T/ready")")"
    base="http://$spread_http"
    # One load run that covers the whole measurement (publishing and
    # spreading); the spread keeps its nodes up until the load is over.
    secs_saved="$secs"
    secs="${PRAXIS_WEB_SPREAD_SECONDS:-60}"
    load search_during_spread "$base/" "$T/varied.lua"
    secs="$secs_saved"
    [ -e "$T/ready.converged" ] || echo "  (the spread outlasted the ${PRAXIS_WEB_SPREAD_SECONDS:-60} s of load: raise PRAXIS_WEB_SPREAD_SECONDS)"
    touch "$T/ready.done"
    wait "$spread_pid" || { cat "$T/spread.out" >&2; echo "web.sh: the spread run failed" >&2; exit 1; }
    PIDS=()
    grep -v '^figure' "$T/spread.out" | sed 's/^/  /'
    grep '^figure' "$T/spread.out" | sed 's/\tspread_/\tspread_under_web_load_/' >>"$T/figures"
fi
cat "$T/figures"
