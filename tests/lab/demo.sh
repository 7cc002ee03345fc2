#!/usr/bin/env bash
# The demo (README command one): the lab of DESIGN §7 in network namespaces,
# agents in every node, one fault per layer in turn, and what
# `netblame diagnose` prints for each. Everything is removed on exit.
#
# diagnose decomposes every probe's round trip into the six segments of
# DESIGN §2 from the host agents' captures (local agent given, remote one
# learnt in-band), cites link counters that moved, and prints the
# classifier's verdict: the layer and side, a confidence, the evidence.
# diagnose has no learnt baseline: it judges against absolute floors.
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
diagnose() { # FROM TO
    local to=LAB_IP_$2 rc=0
    printf '$ netblame diagnose %s   (from %s)\n' "${!to}" "$1"
    lab_exec "$1" "$NB_BIN/netblame" diagnose $LAB_DIAG_TRUST "${!to}" --local-agent "$LAB_IP_hA" \
        --count 100 --interval 5 --timeout 500 || rc=$?
    echo "(exit status $rc)"
}

say "lab: gA ─[virtio]─ hA:br0 ─[wire]─ hB:br0 ─[virtio]─ gB   (prefix $NB_P)"
lab_up
lab_agents
echo "agents running in hA hB gA gB; backend http://backend.lab:$LAB_HTTP_PORT/ and DNS in gB"

say "1. healthy"
diagnose gA gB

say "2. virtual layer: local virtio stand-in delays guest transmit by 2 ms"
lab_fault virtio local tx delay_us=2000
diagnose gA gB
lab_clear

say "3. physical layer: the wire loses 20% of frames hA -> hB"
lab_fault wire ab loss_pct=20
diagnose gA gB
lab_clear

say "4. virtual layer: remote virtio backend stalls 50 ms every 200 ms (its tap's queue overflows)"
lab_exec hB ip link set vnetB txqueuelen 16
lab_fault virtio remote rx stall_every_ms=200 stall_for_ms=50
diagnose gA gB
lab_clear

say "5. app layer: the remote reflector answers 3 ms late"
lab_fault reflector remote hold_us=3000
diagnose gA gB
lab_clear

# 600 ms over 20 probes: without a learnt baseline (no --config here) a
# server time must clear the 200 ms floor well to name the app (attribute_min)
say "6. app layer: the backend answers after 600 ms (app probes: DNS, connect, request)"
lab_fault app delay_ms=600
rc=0
printf '$ netblame diagnose http://backend.lab:%s/   (from gA)\n' "$LAB_HTTP_PORT"
lab_exec gA "$NB_BIN/netblame" diagnose $LAB_DIAG_TRUST "http://backend.lab:$LAB_HTTP_PORT/" \
    --local-agent "$LAB_IP_hA" --count 20 --interval 20 || rc=$?
echo "(exit status $rc)"
lab_clear

say "7. app layer: DNS answers SERVFAIL"
lab_fault dns servfail
rc=0
lab_exec gA "$NB_BIN/netblame" diagnose $LAB_DIAG_TRUST "http://backend.lab:$LAB_HTTP_PORT/" --count 5 || rc=$?
echo "(exit status $rc)"
lab_clear

say "done: topology, agents and stand-ins are removed on exit"
