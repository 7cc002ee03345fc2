#!/usr/bin/env bash
# Benchmark: how long after a fault's onset the daemon's continuous verdict
# names it. In the lab, REPS times each of:
#   - gA's `path` peer gB (probed every 50 ms, decomposed from both host
#     agents' sightings): a 3 ms virtio delay under gA (virtual/local), under
#     gB (virtual/remote), a 3 ms wire delay (physical), 20 % drops in hA's
#     bridge (virtual/local);
#   - the single-layer families (probed every 100 ms in the lab): a 6 ms
#     virtio delay under gA (gA's vnet peer hA must turn virtual/local),
#     under gB (gB's vnet peer hB, virtual/local: a vnet peer speaks for its
#     own host), a 6 ms wire delay and 30 % wire loss (hA's fabric peer hB
#     must turn physical);
#   - a backend answering HTTP 503 (gA's app target "web", probed every
#     100 ms, must turn app, on the remote side).
# The time is from the fault's injection to the first /v1/verdicts answer
# naming its layer and side, polled every 100 ms, once every target has a
# learnt baseline (as in service); then the fault is cleared
# and the time back to healthy is measured the same way. Ends with one line
# per family: the median and the worst of both times over its faults.
#   usage: NB_BIN=build/release NB_SRC=. tests/bench/time_to_verdict.sh [REPS]
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"
reps=${1:-3}
lab_up
LAB_AGENT_EXTRA_gA='"app": [ { "name": "web", "url": "http://'$LAB_IP_gB:$LAB_HTTP_PORT'/",
    "interval_ms": 100, "timeout_ms": 1500 } ],'
LAB_AGENT_PEERS_gA=', { "name": "gB", "family": "path", "address": "'$LAB_IP_gB'", "interval_ms": 50 }'
lab_agents

verdict_is() { # NODE TARGET LAYER [SIDE]
    lab_exec "$1" curl -sf "http://$(lab_api "$1")/v1/verdicts?target=$2" |
        jq -e --arg l "$3" --arg s "${4:-}" \
            '.verdicts[0] | .verdict == $l and ($s == "" or .where.side == $s)' >/dev/null
}
# seconds from now until NODE's verdict on TARGET is LAYER [SIDE] (60 s at most)
until_verdict() {
    local t0 now
    t0=$(date +%s.%N)
    while ! verdict_is "$@"; do
        now=$(date +%s.%N)
        awk -v a="$t0" -v b="$now" 'BEGIN { exit !(b - a > 60) }' && { echo timeout; return; }
        sleep 0.1
    done
    awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", b - a }'
}
# one LABEL FAMILY NODE TARGET LAYER SIDE FAULT...: inject, time the
# verdict, clear, time the way back
one() {
    local label=$1 fam=$2 node=$3 target=$4 layer=$5 side=$6 a b
    shift 6
    lab_fault "$@"
    a=$(until_verdict "$node" "$target" "$layer" "$side")
    lab_clear
    b=$(until_verdict "$node" "$target" healthy)
    printf '%s\t%s\t%s\t%s\t%s\n' "$label" "$target" "$layer${side:+/$side}" "$a" "$b"
    printf '%s\t%s\t%s\n' "$fam" "$a" "$b" >>"$NB_TMP/ttv.tsv"
}

# judged as in service: against a learnt baseline (5 windows), healthy
learnt() { # NODE TARGET
    lab_exec "$1" curl -sf "http://$(lab_api "$1")/metrics" |
        awk -v t="netblame_baseline_windows{target=\"$2\"}" '$1 == t && $2 >= 5 { ok = 1 } END { exit !ok }'
}
for t in "gA hA" "gB hB" "hA hB" "gA web" "gA gB"; do
    nb_wait_for "$t baseline" 180 learnt $t
    nb_wait_for "$t healthy" 60 verdict_is $t healthy
done
printf 'fault\ttarget\tverdict\tseconds_to_verdict\tseconds_back_to_healthy\n'
for _ in $(seq "$reps"); do
    one "virtio gA 3 ms" path gA gB virtual local virtio local tx delay_us=3000
    one "virtio gB 3 ms" path gA gB virtual remote virtio remote rx delay_us=3000
    one "wire 3 ms" path gA gB physical "" wire ab delay_us=3000
    one "bridge hA 20 % drops" path gA gB virtual local bridge local drop_pct=20
    one "virtio gA 6 ms" vnet gA hA virtual local virtio local tx delay_us=6000
    one "virtio gB 6 ms" vnet gB hB virtual local virtio remote tx delay_us=6000
    one "wire 6 ms" fabric hA hB physical "" wire ab delay_us=6000
    one "wire 30 % loss" fabric hA hB physical "" wire ab loss_pct=30
    one "backend HTTP 503" app gA web app remote app status=503
done
# per family: the median and the worst of each time ("timeout": over 60 s,
# or a median that is)
echo
printf 'family\tfaults\tto_verdict_median\tto_verdict_max\tback_median\tback_max\n'
for fam in path vnet fabric app; do
    awk -F'\t' -v fam="$fam" '
        function med(a, n,   i, j, t) {
            for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
                t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        function v(x) { return x == "timeout" ? 999 : x + 0 }
        function s(x) { return x >= 500 ? "timeout" : sprintf("%.1f", x) }
        $1 == fam { n++; a[n] = v($2); b[n] = v($3)
                    if (a[n] > amax) amax = a[n]; if (b[n] > bmax) bmax = b[n] }
        END { if (n) printf "%s\t%d\t%s\t%s\t%s\t%s\n", fam, n, s(med(a, n)), s(amax),
                           s(med(b, n)), s(bmax) }' "$NB_TMP/ttv.tsv"
done
