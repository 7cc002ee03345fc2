#!/usr/bin/env bash
# Benchmark: how exactly the per-segment decomposition attributes an injected
# delay. For each place, REPS times: a healthy burst and a burst with DELAY_US
# injected there (200 probes each, gA -> gB, both host agents capturing).
# Prints, per run: the end-to-end median rise (network RTT + reflector time), the faulted segment's median
# rise, their difference (what the decomposition failed to attribute), and
# the largest median move of any other segment. The stand-ins' own timers add
# up to ~1 ms to the injected delay (libev's epoll timeout has 1 ms
# resolution): compare the segment with the RTT rise, not with DELAY_US.
#   usage: NB_BIN=build/release NB_SRC=. tests/bench/decompose_accuracy.sh [REPS] [DELAY_US]
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"
reps=${1:-3} D=${2:-5000}
lab_up
lab_agents

diag() { lab_diag gA gB --local-agent "$LAB_IP_hA" --count 200 --interval 3 --timeout 300; }
run() { # SEGMENT FAULT...
    local seg=$1
    shift
    diag
    cp "$NB_TMP/diag.json" "$NB_TMP/base.json"
    case "$1" in
        reflector) lab_fault "$@" "hold_us=$D" ;;
        *) lab_fault "$@" "delay_us=$D" ;;
    esac
    diag
    lab_clear
    jq -n -r --slurpfile a "$NB_TMP/base.json" --slurpfile b "$NB_TMP/diag.json" --arg seg "$seg" --arg place "$*" '
        def p50(r; $s): [r.segments[] | select(.name == $s) | .rtt_us.p50][0];
        def total(r): r.probes.rtt_us.p50 + r.probes.reflector_us.p50; # T4-T1, app time included
        (total($b[0]) - total($a[0])) as $drtt
        | (p50($b[0]; $seg) - p50($a[0]; $seg)) as $dseg
        | ([$a[0].segments[] | .name | select(. != $seg)] | map((p50($b[0]; .) - p50($a[0]; .)) | fabs) | max) as $other
        | [$place, $seg, ($drtt | floor), ($dseg | floor), (($dseg - $drtt) | fabs | floor), ($other | floor)] | @tsv'
}
printf 'place\tsegment\trtt_rise_us\tsegment_rise_us\tunattributed_us\tmax_other_move_us\n'
for _ in $(seq "$reps"); do
    run local_virtual virtio local tx
    run physical wire ab
    run remote_virtual virtio remote rx
    run remote_app reflector remote
done
