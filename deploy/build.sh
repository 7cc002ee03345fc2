#!/usr/bin/env bash
# Configure and build one flavour of netblame into build/<flavour>.
# Usage: deploy/build.sh [release|asan|fuzz]   (default release)
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
jobs=$(nproc 2>/dev/null || echo 2)
case "$flavour" in
    release) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DNB_WERROR=ON) ;;
    asan)    args=(-DCMAKE_BUILD_TYPE=Debug -DNB_WERROR=ON -DNB_SANITIZE=ON) ;;
    fuzz)    args=(-DCMAKE_BUILD_TYPE=Debug -DNB_FUZZ=ON -DCMAKE_C_COMPILER=clang) ;;
    *) echo "usage: $0 [release|asan|fuzz]" >&2; exit 2 ;;
esac
cmake -S . -B "build/$flavour" "${args[@]}" >/dev/null
cmake --build "build/$flavour" -j "$jobs"
