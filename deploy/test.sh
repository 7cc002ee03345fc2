#!/usr/bin/env bash
# README command two: install what is missing, build, and run every test:
#   release build (-Werror): unit, integration and lab tests;
#   ASan+UBSan build: unit, integration and lab tests again;
#   clang libFuzzer build: a bounded run of every fuzz target over its corpus.
# Must run as root (namespaces, veth, apt). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh --test

jobs=$(nproc 2>/dev/null || echo 2)
ctest_run() { # build-dir ctest-args...
    local dir=$1
    shift
    (cd "$dir" && ctest --output-on-failure "$@")
}

echo "== release build"
./deploy/build.sh release
ctest_run build/release -j "$jobs" -L unit
# Namespace tests each use private names, but run them one at a time so CPU
# contention on a 2-core machine cannot starve a daemon into a hang guard.
ctest_run build/release -L 'integration|lab'

echo "== ASan+UBSan build"
./deploy/build.sh asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest_run build/asan -j "$jobs" -L unit
ASAN_OPTIONS=detect_leaks=1 ctest_run build/asan -L 'integration|lab'

echo "== libFuzzer build"
./deploy/build.sh fuzz
ctest_run build/fuzz -j "$jobs" -L fuzz

echo "== all tests passed"
