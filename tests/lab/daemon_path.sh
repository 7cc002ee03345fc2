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

# hA serves its last fabric window toward hB: what gA takes as its fabric family
lab_exec hA curl -sf "http://$(lab_api hA)/v1/windows" |
    jq -se --arg b "$LAB_IP_hB" 'any(.[]; .schema == "netblame.window/v1" and
        .remote_host == $b and .fabric.probes > 0)' >/dev/null ||
    nb_fail "hA's /v1/windows has no fabric window toward hB"

check "virtio delay at gA" virtual local local_virtual virtio local tx delay_us=6000

# The wire delay is also seen by hA's fabric probes, which gA's verdict
# takes from its host agent: the finding says they agree.
fabric_agrees() { verdict_is physical "" physical && verdict | jq -e '.findings[0].summary | test("fabric probes agree")'; }
lab_fault wire ab delay_us=6000
wait_verdict "wire delay: physical, fabric probes agreeing" fabric_agrees
lab_clear
wait_verdict "wire delay cleared: healthy again" verdict_is healthy

check "virtio delay at gB" virtual remote remote_virtual virtio remote rx delay_us=6000
check "bridge drops at hA" virtual local local_switch bridge local drop_pct=30

# THE SIDE of intermittent stalls (a starved virtio backend, 40 of every 100
# ms), each direction on each side, one after the other in the same daemon:
# the daemon and `diagnose --config` (judged against the daemon's baseline,
# which earlier faults must not have taught) both name the stalled side,
# never the other.
stall_side() { # SIDE SEGMENT PLACE DIRECTION
    local side=$1 seg=$2
    lab_fault virtio "$3" "$4" stall_every_ms=100 stall_for_ms=40
    wait_verdict "stall at virtio $3 $4: daemon says virtual ($side), $seg anomalous" \
        verdict_is virtual "$side" "$seg"
    lab_diag gA gB --count 100 --interval 10 --timeout 500 --config "$NB_TMP/agent-gA.json"
    lab_assert "stall at virtio $3 $4: diagnose says virtual ($side), $seg anomalous" \
        '.verdict == "virtual" and .where.side == "'"$side"'" and
         any(.segments[]; .name == "'"$seg"'" and .anomalous == true)'
    lab_clear
    wait_verdict "stall at virtio $3 $4 cleared: healthy again" verdict_is healthy
}
stall_side local local_virtual local rx
stall_side local local_virtual local tx
stall_side remote remote_virtual remote rx
stall_side remote remote_virtual remote tx

# One probe in ten is full size (peers[].full_size_every): an MTU black hole
# on the wire is loss of exactly those, in the physical segment, and the
# verdict names it.
mtu_named() {
    verdict_is physical "" physical &&
        verdict | jq -e '.findings[0].summary | test("MTU black hole")' >/dev/null
}
lab_fault wire both mtu=1000
wait_verdict "MTU black hole: physical, named by the full-size probes" mtu_named
lab_clear
wait_verdict "MTU black hole cleared: healthy again" verdict_is healthy

# A dead remote host agent: its points become unobservable, the verdict says
# why, the daemon goes on.
kill "$(cat "$NB_TMP/agent-hB.pid")"
remote_unknown() {
    verdict | jq -e '[.segments[] | select(.name == "remote_virtual") | .rtt_us.p50] == [null]'
}
wait_verdict "remote host agent's absence noticed" remote_unknown
verdict | jq -e '.evidence | any(test("remote host agent"))' >/dev/null ||
    nb_fail "no evidence names the missing remote host agent: $(verdict)"
# hB's agent was also hA's fabric reflector: its silence is not blamed on
# the physical layer while gA's path probes cross it.
verdict | jq -e '.verdict != "physical"' >/dev/null || nb_fail "a dead peer agent blamed on the network: $(verdict)"
lab_exec gA curl -sf "http://$(lab_api gA)/healthz" >/dev/null || nb_fail "gA's daemon stopped answering"
nb_log PASS
