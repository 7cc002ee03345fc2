#!/usr/bin/env bash
# Benchmark: every libFuzzer target at depth, not the CI's smoke run. Builds
# the fuzz flavour (deploy/build.sh fuzz, clang, ASan+UBSan+libFuzzer) unless
# NB_NO_BUILD=1, then runs each target registered in tests/CMakeLists.txt
# (nb_fuzz(...)) one after another, one process each (no -jobs: a single
# worker), seeded from tests/fuzz/corpus/TARGET, for SECONDS of wall time
# (-max_total_time) or, with RUNS=N, for N executions (-runs). Prints a
# table: executions, executions per second, coverage (libFuzzer's cov: edges
# and ft: features), the corpus it ended with (inputs and bytes), new
# inputs, and crashes (crash-, leak-, timeout-, oom- artifacts). Asserts
# nothing; exits 0 even with crashes (they are in the table and in OUT).
#   usage: NB_BIN=build/fuzz NB_SRC=. tests/bench/fuzz_depth.sh [SECONDS]
#   SECONDS per target (default 180); environment: RUNS=N (executions
#   instead of a time; SECONDS then only bounds each target), ONLY=REGEX
#   (the targets whose name matches), NB_NO_BUILD=1, OUT=DIR (default
#   $NB_BIN/fuzz-depth: per target its log, the corpus it grew and any
#   crash artifacts, kept after the run).
. "$NB_SRC/tests/lib/common.sh"
secs=${1:-180}
out=${OUT:-$NB_BIN/fuzz-depth}

if [ "${NB_NO_BUILD:-0}" != 1 ]; then
    (cd "$NB_SRC" && ./deploy/build.sh fuzz) >"$NB_TMP/build.log" 2>&1 ||
        { tail -n 30 "$NB_TMP/build.log" >&2; nb_fail "deploy/build.sh fuzz failed"; }
fi
mapfile -t targets < <(sed -n 's/^ *nb_fuzz(\(fuzz_[a-z0-9_]*\)).*/\1/p' "$NB_SRC/tests/CMakeLists.txt" |
    grep -E "${ONLY:-.}")
[ "${#targets[@]}" -gt 0 ] || nb_fail "no nb_fuzz(...) target in tests/CMakeLists.txt matches '${ONLY:-.}'"

limit=(-max_total_time="$secs")
[ -n "${RUNS:-}" ] && limit+=(-runs="$RUNS")
printf 'fuzz_depth: %d targets, %s each; %s, %s CPUs, load %s\n' "${#targets[@]}" \
    "${RUNS:+$RUNS runs, at most }${secs} s" "$(date -u +%FT%TZ)" "$(nproc)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-20s %8s %12s %9s %7s %7s %8s %10s %6s %7s\n' \
    target seconds execs exec/s cov ft corpus bytes new crashes
total_execs=0 total_crashes=0
for t in "${targets[@]}"; do
    bin=$(find "$NB_BIN" -maxdepth 2 -type f -name "$t" -perm -u+x | head -n 1)
    [ -n "$bin" ] || nb_fail "$t: not built in $NB_BIN"
    seeds="$NB_SRC/tests/fuzz/corpus/$t"
    [ -d "$seeds" ] || nb_fail "$t: no seed corpus $seeds"
    rm -rf "${out:?}/$t"
    mkdir -p "$out/$t/corpus" "$out/$t/artifacts"
    start=$(date +%s.%N)
    # libFuzzer adds new inputs to its FIRST corpus directory: the grown one,
    # the committed seeds read second and never written
    "$bin" "${limit[@]}" -print_final_stats=1 -max_len=4096 -timeout=10 \
        -artifact_prefix="$out/$t/artifacts/" "$out/$t/corpus" "$seeds" \
        >"$out/$t/log" 2>&1 || true
    wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f", e - s }')
    execs=$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$out/$t/log")
    rate=$(awk '/^stat::average_exec_per_sec:/ { print $2 }' "$out/$t/log")
    # the last status line: "#N ... cov: C ft: F corp: U/Bb ..."
    read -r cov ft corp < <(awk '/ cov: / {
            for (i = 1; i <= NF; i++) { if ($i == "cov:") c = $(i+1); if ($i == "ft:") f = $(i+1); if ($i == "corp:") u = $(i+1) }
        } END { print (c ? c : "-"), (f ? f : "-"), (u ? u : "-/-") }' "$out/$t/log")
    units=${corp%%/*} bytes=${corp#*/}
    new=$(find "$out/$t/corpus" -type f | wc -l)
    crashes=$(find "$out/$t/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    printf '%-20s %8s %12s %9s %7s %7s %8s %10s %6s %7s\n' \
        "$t" "$wall" "${execs:--}" "${rate:--}" "$cov" "$ft" "$units" "$bytes" "$new" "$crashes"
    total_execs=$((total_execs + ${execs:-0}))
    total_crashes=$((total_crashes + crashes))
    [ "$crashes" -eq 0 ] || nb_log "$t: $crashes crash artifact(s) in $out/$t/artifacts (log: $out/$t/log)"
done
printf 'total: %d executions, %d crashes; load at the end %s; logs and corpora in %s\n' \
    "$total_execs" "$total_crashes" "$(cut -d' ' -f1-3 /proc/loadavg)" "$out"
