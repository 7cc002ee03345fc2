#!/usr/bin/env bash
# README command one: install what is missing, build, and run the demo.
# The demo builds a throw-away topology in network namespaces, starts the
# agents, runs `netblame diagnose` and prints what it says; everything it made
# is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh --lab
./deploy/build.sh demo
NB_BIN=$PWD/build/demo NB_SRC=$PWD exec tests/lab/demo.sh
