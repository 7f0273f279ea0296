# SPDX-License-Identifier: Apache-2.0
# report.sh — `praxis report` renders in a real browser: the demo data in
# one node, the HTML report written, then loaded in headless Chromium
# (Debian's chromium package) with networking off. The DOM Chromium built
# must hold the bar charts, the line charts with their break marker, the
# case-study summaries, and no element made from record text; a screenshot
# must not be blank.
#
# Without chromium the test cannot run: it says so and exits 77, which
# CTest shows as skipped (SKIP_RETURN_CODE), never as passed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/demo_data.sh"

CHROMIUM="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$CHROMIUM" ]; then
    echo "SKIP: chromium is not installed, so the report cannot be rendered; install Debian's" \
        "chromium package (bootstrap/install-deps.sh does with PRAXIS_WITH_BROWSER=1)" >&2
    exit 77
fi

A="$T/a"
px --data "$A" init --name report-test >/dev/null
publish_demo "$A"
# A case whose text tries to become markup: it must stay text.
cat >"$T/evil.json" <<'JSON'
{"title": {"en": "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"},
 "summary": {"en": "</p><h1 id=\"injected\">x</h1> & \"quotes\""}, "country": "KZ", "stage": "idea",
 "tags": ["<b id=\"tag-injected\">bold</b>"]}
JSON
px --data "$A" publish case "$T/evil.json" >/dev/null
px --data "$A" report --out "$T/report.html" --lang en >/dev/null
[ -s "$T/report.html" ] || fail "no report written"
grep -qE "(src|href)=\"https?:" "$T/report.html" && fail "the report refers to network resources"

chrome() {
    local profile
    profile="$(mktemp -d "$T/chrome.XXXXXX")"
    timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --disable-extensions \
        --user-data-dir="$profile" "$@" 2>>"$T/chrome.log"
}
chrome --dump-dom "file://$T/report.html" >"$T/dom.html" || { tail -5 "$T/chrome.log"; fail "chromium could not load the report"; }
[ -s "$T/dom.html" ] || { tail -5 "$T/chrome.log"; fail "chromium dumped an empty DOM"; }

"$PY" - "$T/dom.html" <<'PY' || fail "the rendered report lacks what it must show (see above)"
import sys
from html.parser import HTMLParser

class Walk(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.text = []
    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
    def handle_data(self, data):
        self.text.append(data)

w = Walk()
w.feed(open(sys.argv[1], encoding="utf-8").read())
tags, text = w.tags, " ".join(w.text)
def cls(t): return (t[1].get("class") or "").split()
bar_svgs = [t for t in tags if t[0] == "svg" and "px-bar" in cls(t)]
line_svgs = [t for t in tags if t[0] == "svg" and "px-line" in cls(t)]
bars = [t for t in tags if t[0] == "rect" and "bar" in cls(t)]
lines = [t for t in tags if t[0] == "polyline" and "series" in cls(t)]
breaks = [t for t in tags if t[0] == "circle" and "break" in cls(t)]
problems = []
if len(bar_svgs) < 2: problems.append("%d bar charts, wanted 2 (KZ-SAT-OVERALL, KZ-SAT-QUALITY-PCT)" % len(bar_svgs))
if len(line_svgs) < 2: problems.append("%d line charts, wanted 2" % len(line_svgs))
if len(bars) < 5: problems.append("%d bars, wanted 5 (4 countries + the percentage)" % len(bars))
if len(lines) < 5: problems.append("%d series lines, wanted at least 5" % len(lines))
if len(breaks) != 1: problems.append("%d break markers, wanted 1 (KZ 2017)" % len(breaks))
widths = sorted(round(float(t[1]["width"]), 1) for t in bars)
# 0-100 scale drawn 380 px wide: 91.5 -> 347.7, 75.0 -> 285.0
if 347.7 not in widths or 285.0 not in widths: problems.append("bar widths %s lack 91.5 and 75.0" % widths)
for must in ["Satisfaction with the quality of public services", "Case studies",
             "Kazakhstan's first one-stop shop", "indicator changed: KZ-SAT-OVERALL-10 to KZ-SAT-OVERALL",
             "<script>document.title='pwned'</script>", "<b id=\"tag-injected\">bold</b>"]:
    if must not in text: problems.append("text %r not shown" % must)
for t in tags:
    if t[0] in ("script", "img") or t[1].get("id") in ("injected", "tag-injected"):
        problems.append("record text became an element: %s %s" % t)
if sum(1 for t in tags if t[0] == "h1") != 1: problems.append("record text became a heading")
for p in problems: print("report:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
pass "chromium renders 2 bar charts, 2 line charts with the break marked, case summaries; record text stays text"

chrome --screenshot="$T/shot.png" --window-size=1100,1600 "file://$T/report.html" >/dev/null \
    || { tail -5 "$T/chrome.log"; fail "chromium could not take a screenshot"; }
"$PY" - "$T/shot.png" <<'PY' || fail "the screenshot is blank or not a PNG"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width, height, colour = 8, b"", 0, 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        width, height, depth, colour = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
bpp = {2: 3, 6: 4}.get(colour)
assert bpp and depth == 8, "unexpected PNG format"
stride = width * bpp
prev = bytearray(stride)
colours = set()
for y in range(height):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 4 == 0:
        for x in range(0, stride, bpp * 2):
            colours.add(bytes(line[x:x + 3]))
    prev = line
print("screenshot %dx%d: %d distinct colours sampled" % (width, height, len(colours)))
sys.exit(0 if len(colours) > 20 else 1)
PY
pass "the screenshot is not blank"
