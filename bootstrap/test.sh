#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test.sh — the whole test suite from a fresh machine: install dependencies,
# build with -Werror, run every CTest test (unit, integration, conformance,
# short fuzz runs), then build again with ASan + UBSan and run the suite
# under the sanitizers. Exits non-zero if anything fails.
#
#   bootstrap/test.sh            everything
#   PRAXIS_SKIP_ASAN=1 ...       skip the sanitizer pass (quicker, local use)
#   PRAXIS_SKIP_FUZZ=1 ...       skip the libFuzzer pass (clang build, a few
#                                seconds per fuzz target; tests/fuzz/README.md)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

bash bootstrap/install-deps.sh
# The browser tests' npm packages (puppeteer-core, axe-core), exactly as
# tests/browser/package-lock.json pins them; no browser is downloaded.
bash tests/browser/npm-ci.sh

jobs="$(nproc)"
echo "== release build (-Werror)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRAXIS_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
echo "== tests"
ctest --test-dir build --output-on-failure -j"$jobs" --timeout 600

if [ "${PRAXIS_SKIP_ASAN:-0}" != 1 ]; then
    echo "== ASan + UBSan build"
    # The style test reads the sources, not the binaries: the release pass ran it.
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPRAXIS_ASAN=ON -DPRAXIS_WERROR=ON \
        -DPRAXIS_STYLE_CHECK=OFF >/dev/null
    cmake --build build-asan -j"$jobs"
    echo "== tests under ASan + UBSan"
    # Fewer crash rounds and simulation seeds: the sanitizers make every
    # verify several times slower.
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        PX_CRASH_KILLS=3 PRAXIS_SIM_LAST_SEED=3 ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 900
fi

if [ "${PRAXIS_SKIP_FUZZ:-0}" != 1 ]; then
    if command -v clang >/dev/null 2>&1; then
        echo "== libFuzzer build (clang, ASan + UBSan)"
        CC=clang cmake -S . -B build-fuzz -DPRAXIS_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DPRAXIS_WERROR=ON >/dev/null
        cmake --build build-fuzz -j"$jobs" --target fuzz_all
        echo "== short fuzz runs"
        ctest --test-dir build-fuzz -L fuzz --output-on-failure -j"$jobs" --timeout 300
    else
        echo "== clang not found: skipping the fuzz runs"
    fi
fi
echo "== all tests passed"
