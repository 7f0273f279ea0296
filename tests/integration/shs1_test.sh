#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# shs1_test.sh — runs the shs1-test conformance suite (npm package
# shs1-test: https://github.com/AljoschaMeyer/shs1-test) against
# tests/shs1_adapter.c in both roles: shs1testserver checks our server side,
# shs1testclient our client side, each with 45 well-behaved and misbehaving
# peers. The suite is installed with npm into the build tree on first use.
#
# Environment: PRAXIS_BIN (build directory, set by CTest), SHS1_SEED (replay
# a run: the seed is printed), SHS1_TEST_VERSION (default 1.1.1).
# Exit status: 0 if both roles pass, 1 otherwise.
set -euo pipefail

bin=${PRAXIS_BIN:?PRAXIS_BIN must name the build directory}
adapter=$bin/tests/shs1_adapter
version=${SHS1_TEST_VERSION:-1.1.1}
suite=$bin/tests/npm-shs1-test

fail() { echo "shs1_test: $*" >&2; exit 1; }

[ -x "$adapter" ] || fail "adapter $adapter is not built (cmake --build ... --target shs1_adapter)"
command -v node >/dev/null || fail "node is not installed; the shs1-test suite needs Node.js and npm"
command -v npm >/dev/null || fail "npm is not installed; the shs1-test suite needs Node.js and npm"

if [ ! -x "$suite/node_modules/.bin/shs1testserver" ] || \
   [ ! -x "$suite/node_modules/.bin/shs1testclient" ]; then
    echo "shs1_test: installing shs1-test@$version into $suite" >&2
    mkdir -p "$suite"
    [ -f "$suite/package.json" ] || echo '{"name":"praxis-shs1-test","private":true}' >"$suite/package.json"
    (cd "$suite" && npm install --no-audit --no-fund --loglevel=error "shs1-test@$version") >&2 \
        || fail "npm install shs1-test@$version failed"
fi

seed=${SHS1_SEED:-$RANDOM$RANDOM}
echo "shs1_test: seed $seed (set SHS1_SEED=$seed to replay)"

status=0
for role in server client; do
    log=$(mktemp)
    if "$suite/node_modules/.bin/shs1test$role" "$adapter" "$seed" >"$log" 2>&1; then
        echo "shs1_test: $role role passed: $(grep -i 'passed' "$log" | tail -n 1)"
    else
        echo "shs1_test: $role role FAILED; suite output:" >&2
        cat "$log" >&2
        status=1
    fi
    rm -f "$log"
done
exit $status
