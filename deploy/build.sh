#!/usr/bin/env bash
# Configure and build one flavour of netblame into build/<flavour>.
# Usage: deploy/build.sh [release|asan|fuzz|demo|package]   (default release)
#   release, asan, fuzz: with every test (needs deploy/install-deps.sh --test);
#   demo: release flags without the tests, so only --build packages are needed:
#         netblamed, netblame and the lab programs (README command one);
#   package: Debian's hardening flags (dpkg-buildflags), prefix /usr, no
#         tests, then the .deb into build/package/ (cmake/packaging.cmake).
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
jobs=$(nproc 2>/dev/null || echo 2)
case "$flavour" in
    release) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DNB_WERROR=ON -DNB_TESTS=ON) ;;
    asan)    args=(-DCMAKE_BUILD_TYPE=Debug -DNB_WERROR=ON -DNB_SANITIZE=ON -DNB_TESTS=ON) ;;
    fuzz)    args=(-DCMAKE_BUILD_TYPE=Debug -DNB_FUZZ=ON -DCMAKE_C_COMPILER=clang -DNB_TESTS=ON) ;;
    demo)    args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DNB_WERROR=ON -DNB_TESTS=OFF) ;;
    package) args=(-DCMAKE_BUILD_TYPE=None -DNB_WERROR=ON -DNB_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr) ;;
    *) echo "usage: $0 [release|asan|fuzz|demo|package]" >&2; exit 2 ;;
esac
# Before CMake: its own message for a missing compiler does not name the package.
need() { # PROGRAM PACKAGE
    command -v "$1" >/dev/null ||
        { echo "build: $1 not found: apt-get install $2 (or run deploy/install-deps.sh)" >&2; exit 1; }
}
need cmake cmake
need make build-essential
if [ "$flavour" = fuzz ]; then need clang clang; else need cc build-essential; fi
if [ "$flavour" = package ]; then
    need dpkg-buildflags dpkg-dev
    need dpkg-shlibdeps dpkg-dev
    need file file # CPack's DEB generator finds the binaries with it
    # Debian's flags (-O2 -g, stack protector, _FORTIFY_SOURCE, relro, bindnow);
    # build type None adds none of CMake's own. Read at the first configure.
    export DEB_BUILD_MAINT_OPTIONS=hardening=+all
    CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
    LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
    export CFLAGS LDFLAGS
fi
cmake -S . -B "build/$flavour" "${args[@]}" >/dev/null
cmake --build "build/$flavour" -j "$jobs"
if [ "$flavour" = package ]; then
    rm -f build/package/*.deb build/package/*.ddeb
    (cd build/package && cpack -G DEB -B "$PWD" >/dev/null)
    rm -rf build/package/_CPack_Packages
    ls build/package/*.deb build/package/*.ddeb
fi
