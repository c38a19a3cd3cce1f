#!/usr/bin/env bash
# test.sh -- the whole test suite: normal build, then AddressSanitizer +
# UndefinedBehaviorSanitizer build, then the threaded suites under
# ThreadSanitizer. Fails when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
scripts/setup.sh build -DCBN_WERROR=ON
(cd build && ctest --output-on-failure -j"$jobs")
scripts/setup.sh build-asan -DCBN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
   ctest --output-on-failure -j"$jobs")
scripts/setup.sh build-tsan -DCBN_TSAN=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j"$jobs" -L threads)
