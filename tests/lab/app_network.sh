#!/usr/bin/env bash
# Honest app attribution and bounded diagnoses (issue 12, items 6 and 7),
# with real parts: `netblame diagnose URL` from gA against gB's backend,
# its STAMP probes toward gB's reflector beside the app probes, both host
# agents answering.
#  - a resolver that answers after 1.5 s: a DNS finding, the backend not blamed;
#  - a lossy wire with a fast backend: physical, never app (TCP
#    retransmissions are network time, not server time);
#  - an MTU black hole on the wire, the backend's replies larger than a
#    frame: physical, named by the full-size STAMP probes, not app;
#  - a lossy wire and a slow backend at once: two findings;
#  - a hanging backend (and a STAMP target behind a dead wire) with a short
#    --deadline: the diagnosis says it stopped at the deadline, long before
#    the probes' own timeout.
# Assertions are on what the report says (layers, findings, its own
# "diagnosis" object): that the right finding is there and the wrong one is
# not, whatever else a busy machine's noise may add; the network scenarios
# get a generous --deadline so load cannot cut their evidence short. How
# fast and how often right is tests/bench/accuracy.sh's business.
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"
lab_up
lab_agents
URL="http://$LAB_IP_gB:$LAB_HTTP_PORT/"

# diag URL [options]: the JSON report in $NB_TMP/diag.json
diag() {
    lab_exec gA "$NB_BIN/netblame" diagnose $LAB_DIAG_TRUST "$1" --json --count 20 --interval 20 --timeout 2000 \
        --config "$NB_TMP/agent-gA.json" "${@:2}" >"$NB_TMP/diag.json" 2>"$NB_TMP/diag.err" || true
    [ -s "$NB_TMP/diag.json" ] || nb_fail "diagnose $1 printed nothing: $(cat "$NB_TMP/diag.err")"
    nb_log "$(jq -c '{verdict, findings: [.findings[] | "\(.verdict)/\(.where.side): \(.summary)"], diagnosis}' "$NB_TMP/diag.json")"
}
no_app_blamed='[.findings[] | select(.verdict == "app")] | length == 0'

lab_fault dns slow 1500
diag "http://backend.lab:$LAB_HTTP_PORT/" --deadline 15000
lab_clear
lab_assert "slow resolver: one DNS finding (app, no side)" \
    '[.findings[] | select(.verdict == "app" and .where.side == "" and (.summary | startswith("DNS: ")))] | length == 1'
lab_assert "slow resolver: the backend not blamed" \
    '[.findings[] | select(.where.side == "remote")] | length == 0'
lab_assert "slow resolver: its resolve phase measured" '.app.phases_ms.resolve.min >= 1500'

lab_fault wire both loss_pct=15
diag "$URL" --deadline 15000
lab_clear
lab_assert "lossy wire, fast backend: physical" 'any(.findings[]; .verdict == "physical")'
lab_assert "lossy wire, fast backend: the app not blamed" "$no_app_blamed"

lab_fault app body_size=4000
lab_fault wire both mtu=1000
diag "$URL" --deadline 15000
lab_clear
lab_assert "MTU black hole, large replies: physical" 'any(.findings[]; .verdict == "physical")'
lab_assert "MTU black hole: the app not blamed" "$no_app_blamed"
lab_assert "MTU black hole: every full-size STAMP probe lost, named so" \
    '.probes.full_size.sent > 0 and .probes.full_size.lost == .probes.full_size.sent and
     .probes.small.lost < .probes.small.sent and
     any(.findings[]; .verdict == "physical" and (.summary | test("MTU black hole")))'
lab_assert "MTU black hole: the fabric probes do not contradict it" \
    '[.evidence[] | select(test("disagree with the physical"))] | length == 0'

lab_fault wire both loss_pct=10
lab_fault app delay_ms=400
diag "$URL" --deadline 15000
lab_clear
lab_assert "lossy wire and slow backend: two findings, physical and app (remote)" \
    'any(.findings[]; .verdict == "physical") and
     any(.findings[]; .verdict == "app" and .where.side == "remote" and (.summary | test("server time")))'

lab_fault app mode=hang
diag "$URL" --deadline 2000 --timeout 20000
lab_clear
lab_assert "hanging backend, 2 s deadline: the diagnosis says it stopped at the deadline" \
    '.diagnosis.stopped == "deadline" and .diagnosis.deadline_ms == 2000 and (.diagnosis.cut | length > 0)'
lab_assert "hanging backend: ended long before the 20 s probe timeout" '.diagnosis.elapsed_ms < 20000'
lab_assert "hanging backend: still an answer (accepted, no reply in time)" \
    '.app.reasons.timeout > 0 and ([.findings[].summary, .evidence[]] | any(test("did not answer in time")))'

lab_fault wire both down=1
lab_exec gA "$NB_BIN/netblame" diagnose $LAB_DIAG_TRUST "$LAB_IP_gB" --json --timeout 20000 --deadline 1500 \
    --config "$NB_TMP/agent-gA.json" >"$NB_TMP/diag.json" 2>"$NB_TMP/diag.err" || true
lab_clear
nb_log "$(jq -c '{verdict, reason, diagnosis}' "$NB_TMP/diag.json")"
lab_assert "STAMP target behind a dead wire, 1.5 s deadline: stopped at the deadline" \
    '.diagnosis.stopped == "deadline" and .diagnosis.elapsed_ms < 20000 and .verdict != "healthy"'
nb_log PASS
