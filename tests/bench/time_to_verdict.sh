#!/usr/bin/env bash
# Benchmark: how long after a fault's onset the daemon's continuous verdict
# names it. In the lab, REPS times each: a 6 ms virtio delay under gA (its
# vnet peer hA must turn virtual/local), a 6 ms wire delay (hA's fabric
# peer hB must turn physical) and a backend answering HTTP 503 (gA's app
# target "web", probed every 100 ms, must turn app); the time is from the
# fault's injection to the
# first /v1/verdicts answer naming it, polled every 100 ms. Between runs the
# fault is cleared and the verdict must be healthy again.
#   usage: NB_BIN=build/release NB_SRC=. tests/bench/time_to_verdict.sh [REPS]
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"
reps=${1:-3}
lab_up
LAB_AGENT_EXTRA_gA='"app": [ { "name": "web", "url": "http://'$LAB_IP_gB:$LAB_HTTP_PORT'/",
    "interval_ms": 100, "timeout_ms": 1500 } ],'
lab_agents

verdict_is() { # NODE TARGET LAYER
    lab_exec "$1" curl -sf "http://$(lab_api "$1")/v1/verdicts?target=$2" |
        jq -e --arg l "$3" '.verdicts[0].verdict == $l' >/dev/null
}
# seconds from now until NODE's verdict on TARGET is LAYER (60 s at most)
until_verdict() {
    local t0 now
    t0=$(date +%s.%N)
    while ! verdict_is "$1" "$2" "$3"; do
        now=$(date +%s.%N)
        awk -v a="$t0" -v b="$now" 'BEGIN { exit !(b - a > 60) }' && { echo timeout; return; }
        sleep 0.1
    done
    awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", b - a }'
}

nb_wait_for "gA healthy" 60 verdict_is gA hA healthy
nb_wait_for "hA healthy" 60 verdict_is hA hB healthy
nb_wait_for "web healthy" 60 verdict_is gA web healthy
printf 'fault\tverdict\tseconds_to_verdict\tseconds_back_to_healthy\n'
for _ in $(seq "$reps"); do
    lab_fault virtio local tx delay_us=6000
    a=$(until_verdict gA hA virtual)
    lab_clear
    b=$(until_verdict gA hA healthy)
    printf 'virtio local 6 ms\tvirtual\t%s\t%s\n' "$a" "$b"
    lab_fault wire ab delay_us=6000
    a=$(until_verdict hA hB physical)
    lab_clear
    b=$(until_verdict hA hB healthy)
    printf 'wire 6 ms\tphysical\t%s\t%s\n' "$a" "$b"
    lab_fault app status=503
    a=$(until_verdict gA web app)
    lab_clear
    b=$(until_verdict gA web healthy)
    printf 'backend HTTP 503\tapp\t%s\t%s\n' "$a" "$b"
done
