# SPDX-License-Identifier: Apache-2.0
# demo_data.sh — publish the demo network's seed data (bootstrap/demo/) into
# one node, as each centre would at its own node. Sourced by knowledge.sh
# and report.sh after lib.sh.

# publish_demo DIR: every file of bootstrap/demo into the node in DIR, in one
# `praxis publish` per centre (indicators first, so benchmarks can be checked
# against their scales), then the hub's crosswalks and cases.
publish_demo() {
    local d="$1" demo="$PRAXIS_SRC/bootstrap/demo" n
    px --data "$d" publish indicator "$demo/g4c/indicators.json" \
        benchmark "$demo/g4c/benchmarks.json" benchmark "$demo/g4c/benchmarks-2018.csv" \
        case "$demo/g4c/case-astana-one-stop-shop.json" \
        case "$demo/g4c/case-pavlodar-hidden-services.json" >"$T/ids.g4c"
    for n in asan psh iccs; do
        px --data "$d" publish indicator "$demo/$n/indicators.json" \
            benchmark "$demo/$n/benchmarks.json" case "$demo/$n/cases.json" >"$T/ids.$n"
    done
    px --data "$d" publish crosswalk "$demo/hub/crosswalks.json" \
        case "$demo/hub/case-alliance-of-practitioners.json" \
        case "$demo/hub/case-bpr-local-level.json" >"$T/ids.hub"
}

# jq-like access without jq: json_get EXPR reads JSON on stdin and prints
# the Python expression EXPR evaluated with d = the document.
json_get() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
