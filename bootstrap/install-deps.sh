#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# install-deps.sh — install what praxis needs to build, test and run, from
# Debian's packages (Debian 12 or newer; run as root). Idempotent: packages
# already present are left alone and apt is not touched if nothing is missing.
set -euo pipefail

# msgpack-c's development package was renamed after Debian 12.
msgpack_pkg=libmsgpack-dev
if apt-cache show libmsgpack-c-dev >/dev/null 2>&1 && ! apt-cache show libmsgpack-dev >/dev/null 2>&1; then
    msgpack_pkg=libmsgpack-c-dev
fi

packages=(
    # build
    build-essential cmake pkg-config
    # libraries (DESIGN.md "Dependencies")
    libsodium-dev libuv1-dev libsqlite3-dev "$msgpack_pkg" libjansson-dev libcsv-dev
    # the web interface: HTTP server, message catalogues; curl for its tests
    libmicrohttpd-dev gettext curl
    # tests: independent verifier, fuzzing; the style check (tests/tools/style-check.sh)
    python3 python3-msgpack python3-nacl clang clang-format
    # bench/web.sh: the web interface's load generator
    wrk
)
# The conformance suite (shs1-test) runs on Node.js. Machines that already
# have node and npm (e.g. from another repository) keep theirs: Debian's npm
# package conflicts with them.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    packages+=(nodejs npm)
fi
if [ "${PRAXIS_WITH_BROWSER:-1}" = 1 ]; then
    packages+=(chromium)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}; run this script as root" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
