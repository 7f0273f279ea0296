#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run.sh FILE.test.mjs — one browser test file under node's test runner
# (CTest runs each file as its own test, label `browser`).
#
# puppeteer-core and axe-core come from npm, pinned by package-lock.json,
# and are installed here with `npm ci` when node_modules/ is missing or
# older than the lock (bootstrap/test.sh does it once before the suite;
# the lock file serialises concurrent tests). puppeteer-core never
# downloads a browser: the tests drive Debian's /usr/bin/chromium
# (bootstrap/install-deps.sh installs it). Without chromium the test says
# so and exits 77, which CTest shows as skipped, never as passed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${PRAXIS_BIN:?PRAXIS_BIN must point at the build directory}"
: "${PRAXIS_SRC:?PRAXIS_SRC must point at the source directory}"
file="${1:?usage: run.sh FILE.test.mjs}"

export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
    echo "SKIP: $CHROMIUM is not installed, so the web interface cannot be tested in a browser;" \
        "install Debian's chromium package (bootstrap/install-deps.sh does)" >&2
    exit 77
fi
command -v node >/dev/null || { echo "FAIL: node is not installed (bootstrap/install-deps.sh installs it)" >&2; exit 1; }

bash "$here/npm-ci.sh"
export PRAXIS_ARTIFACTS="${PRAXIS_ARTIFACTS:-$PRAXIS_BIN/tests/browser}"
mkdir -p "$PRAXIS_ARTIFACTS"
cd "$here"
exec node --test --test-reporter=spec "$file"
