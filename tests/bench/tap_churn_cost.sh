#!/usr/bin/env bash
# Benchmark: what a guest tap's removal and return cost the host agent.
# The lab with hA's agent capturing (no peers of its own, so it does little
# else); gA's tap vnetA taken away and brought back N times
# (lab_tap_cycle), each return awaited in the agent's log ("capture on
# vnetA ... started"), so nothing asks the agent anything meanwhile. Prints
# the agent's CPU time (utime + stime) per cycle, its fds before and after,
# and the wall time per cycle (the stand-in's start and the `ip` commands
# included). Memory is tests/lab/churn.sh's (here the sightings table fills
# meanwhile). Asserts nothing (machines are noisy).
#   usage: NB_BIN=build/release NB_SRC=. tests/bench/tap_churn_cost.sh [N]
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"
n=${1:-200}

LAB_AGENT_SOLO_hA=1
lab_up
lab_agents
pid=$(cat "$NB_TMP/agent-hA.pid")
log=$NB_TMP/agent-hA.log
lab_tap_churn_prepare A
started() { [ "$(grep -c "capture on vnetA (tap, ifindex $1): started" "$log")" -ge 1 ]; }
lab_tap_cycle A # warm up
nb_wait_for "vnetA captured" 20 started "$LAB_TAP_IFINDEX"

cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
fds() { find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l; }
c0=$(cpu) f0=$(fds) t0=$(date +%s%N)
for i in $(seq "$n"); do
    lab_tap_cycle A
    nb_wait_for "vnetA captured (cycle $i)" 20 started "$LAB_TAP_IFINDEX"
done
c1=$(cpu) f1=$(fds) t1=$(date +%s%N)
awk -v c=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$n" -v t=$((t1 - t0)) \
    -v f0="$f0" -v f1="$f1" 'BEGIN {
    printf "cycles\tagent_cpu_ms_per_cycle\twall_ms_per_cycle\tfds_before\tfds_after\n"
    printf "%d\t%.2f\t%.0f\t%d\t%d\n", n, c * 1000 / hz / n, t / 1e6 / n, f0, f1
}'
