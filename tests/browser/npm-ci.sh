#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# npm-ci.sh — install tests/browser's npm packages exactly as
# package-lock.json pins them, unless node_modules/ already holds that lock.
# Safe to run from several tests at once (flock).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
stamp=node_modules/.praxis-lock
exec 9>"$here/.npm-ci.lock"
flock -w 300 9 || { echo "FAIL: waited 300 s for another npm ci in $here" >&2; exit 1; }
if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp"; then
    exit 0
fi
echo "npm ci in tests/browser (puppeteer-core, axe-core; no browser download)" >&2
PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2 \
    || { echo "FAIL: npm ci in $here failed (is the npm registry reachable?)" >&2; exit 1; }
cp package-lock.json "$stamp"
