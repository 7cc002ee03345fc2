#!/usr/bin/env bash
# The daemon's continuous verdicts (issue 6): every peer of every agent is
# judged once a second over its last window; GET /v1/verdicts and /metrics
# say what was found. Guest gA probes its host agent (vnet), host hA probes
# hB (fabric). A virtio delay must turn gA's verdict on its vnet peer to
# virtual, a wire delay hA's on its fabric peer to physical, and clearing the
# fault must bring both back to healthy. Waits are polls of the API with a
# hang guard (nb_wait_for), never sleeps; how fast this happens is measured
# by tests/bench/time_to_verdict.sh, not asserted here. The delays (10 ms)
# are twice the 5 ms round-trip floor, so the verdict does not wait for a
# baseline to be learnt (five windows, 50 s), and its confidence names the
# layer (attribute_min) without one. A dead
# wire shows in hA's one-second fabric window as overdue probes, before
# their timeout.
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"
lab_up
lab_agents

# verdict_is NODE TARGET LAYER [SIDE]
verdict_is() {
    lab_exec "$1" curl -sf "http://$(lab_api "$1")/v1/verdicts?target=$2" |
        jq -e --arg l "$3" --arg s "${4:-}" \
            '.verdicts[0] | .verdict == $l and ($s == "" or .where.side == $s)' >/dev/null
}

nb_wait_for "gA: vnet peer hA healthy" 40 verdict_is gA hA healthy
nb_wait_for "hA: fabric peer hB healthy" 40 verdict_is hA hB healthy
lab_exec gA curl -sf "http://$(lab_api gA)/v1/verdicts" |
    jq -e '.verdicts | length == 1 and .[0].schema == "netblame.verdict/v1" and .[0].target == "hA"' \
        >/dev/null || nb_fail "/v1/verdicts lists the peer's verdict in the contract"
code=$(lab_exec gA curl -s -o /dev/null -w '%{http_code}' "http://$(lab_api gA)/v1/verdicts?target=nope")
[ "$code" = 404 ] || nb_fail "unknown target gave $code"

lab_fault virtio local tx delay_us=10000
nb_wait_for "gA: vnet peer hA judged virtual (local)" 40 verdict_is gA hA virtual local
verdict_is hA hB healthy || nb_fail "a virtio delay at gA moved hA's fabric verdict"
lab_clear
nb_wait_for "gA: healthy again" 40 verdict_is gA hA healthy

lab_fault wire ab delay_us=10000
nb_wait_for "hA: fabric peer hB judged physical" 40 verdict_is hA hB physical
lab_clear
nb_wait_for "hA: healthy again" 40 verdict_is hA hB healthy

# A fabric window of the last second counts the probes still in flight past
# their expected reply as lost (its "overdue"): a wire that stops carrying
# shows at once, not only at the probes' 2 s timeout.
overdue_counted() {
    lab_exec hA curl -sf "http://$(lab_api hA)/v1/windows?seconds=1" |
        jq -se 'any(.[]; .fabric.overdue > 0 and .fabric.lost >= .fabric.overdue)' >/dev/null
}
lab_fault wire both loss_pct=100
nb_wait_for "hA's one-second fabric window counts overdue probes as lost" 20 overdue_counted
lab_clear
nb_wait_for "hA: healthy again after the dead wire" 40 verdict_is hA hB healthy

lab_exec hA curl -sf "http://$(lab_api hA)/metrics" >"$NB_TMP/metrics.txt"
promtool check metrics <"$NB_TMP/metrics.txt" || nb_fail "promtool rejects /metrics"
grep -q '^netblame_verdict{target="hB",verdict="healthy"} 1$' "$NB_TMP/metrics.txt" ||
    nb_fail "netblame_verdict gauge"
grep -q '^netblame_verdict{target="hB",verdict="physical"} 0$' "$NB_TMP/metrics.txt" ||
    nb_fail "netblame_verdict one-hot"
nb_log PASS
