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

# Every stage runs even when an earlier one failed (a flaky lab test must not
# hide a broken fuzz build); the failed ones are listed at the end.
failed=()
stage() { # WHAT COMMAND...: run COMMAND; on failure note WHAT and return 1
    local what=$1
    shift
    "$@" && return 0
    failed+=("$what")
    return 1
}

echo "== release build"
if stage "release build" ./deploy/build.sh release; then
    stage "release unit tests" ctest_run build/release -j "$jobs" -L unit || :
    # Namespace tests each use private names, but run them one at a time so CPU
    # contention on a 2-core machine cannot starve a daemon into a hang guard.
    stage "release integration and lab tests" ctest_run build/release -L 'integration|lab' || :
fi

echo "== ASan+UBSan build"
if stage "ASan build" ./deploy/build.sh asan; then
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
        stage "ASan unit tests" ctest_run build/asan -j "$jobs" -L unit || :
    ASAN_OPTIONS=detect_leaks=1 stage "ASan integration and lab tests" ctest_run build/asan -L 'integration|lab' || :
fi

echo "== libFuzzer build"
if stage "libFuzzer build" ./deploy/build.sh fuzz; then
    stage "fuzz runs" ctest_run build/fuzz -j "$jobs" -L fuzz || :
fi

if [ "${#failed[@]}" -ne 0 ]; then
    printf -v list '%s; ' "${failed[@]}"
    echo "== FAILED: ${list%; }"
    exit 1
fi
echo "== all tests passed"
