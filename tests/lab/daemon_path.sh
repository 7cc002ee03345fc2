#!/usr/bin/env bash
# The daemon decomposes a path peer (issue 6): guest gA probes guest gB
# (`path`), follows its own host agent (hA) and gB's (hB, learnt in-band)
# for their sightings and link counters, and judges each window per
# segment, with its vnet peer as a cross-check. A fault in each layer must
# turn gA's verdict on gB to that layer and side, with the segment that
# explains it marked anomalous, and clearing it must bring back healthy. A
# dead remote host agent must leave the remote segments unknown (and say
# so), not stop the verdicts. Waits are polls of the API with a hang guard;
# how fast is measured by tests/bench/time_to_verdict.sh, not asserted.
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"
lab_up
LAB_AGENT_PEERS_gA=', { "name": "gB", "family": "path", "address": "'$LAB_IP_gB'", "interval_ms": 50 }'
lab_agents

verdict() { lab_exec gA curl -sf "http://$(lab_api gA)/v1/verdicts?target=gB" | jq -c '.verdicts[0]'; }

# verdict_is LAYER [SIDE [SEGMENT]]: the verdict on gB, and SEGMENT anomalous
verdict_is() {
    verdict | jq -e --arg l "$1" --arg s "${2:-}" --arg g "${3:-}" '
        .verdict == $l and ($s == "" or .where.side == $s) and
        ($g == "" or any(.segments[]; .name == $g and .anomalous == true))' >/dev/null
}

# decomposed: every segment of DESIGN §2 was measured in the window
decomposed() {
    verdict | jq -e '[.segments[] | select(.rtt_us.p50 != null)] | length == 6' >/dev/null
}

# wait_verdict WHAT COMMAND...: poll COMMAND; on timeout fail with the verdict
wait_verdict() {
    local what=$1
    shift
    (nb_wait_for "$what" 40 "$@") || nb_fail "$what; last verdict: $(verdict)"
}

healthy_decomposed() { verdict_is healthy && decomposed; }
wait_verdict "gA: path peer gB healthy, every segment measured" healthy_decomposed

check() { # NAME LAYER SIDE SEGMENT FAULT...
    local name=$1 layer=$2 side=$3 seg=$4
    shift 4
    lab_fault "$@"
    wait_verdict "$name: gB judged $layer${side:+ ($side)}, $seg anomalous" \
        verdict_is "$layer" "$side" "$seg"
    lab_clear
    wait_verdict "$name cleared: healthy again" verdict_is healthy
}

check "virtio delay at gA" virtual local local_virtual virtio local tx delay_us=6000
check "wire delay" physical "" physical wire ab delay_us=6000
check "virtio delay at gB" virtual remote remote_virtual virtio remote rx delay_us=6000
check "bridge drops at hA" virtual local local_switch bridge local drop_pct=30

# A dead remote host agent: its points become unobservable, the verdict says
# why, the daemon goes on.
kill "$(cat "$NB_TMP/agent-hB.pid")"
remote_unknown() {
    verdict | jq -e '[.segments[] | select(.name == "remote_virtual") | .rtt_us.p50] == [null]'
}
wait_verdict "remote host agent's absence noticed" remote_unknown
verdict | jq -e '.evidence | any(test("remote host agent"))' >/dev/null ||
    nb_fail "no evidence names the missing remote host agent: $(verdict)"
lab_exec gA curl -sf "http://$(lab_api gA)/healthz" >/dev/null || nb_fail "gA's daemon stopped answering"
nb_log PASS
