#!/usr/bin/env bash
# Issue 7: the decomposition on a real virtio path. gA is a QEMU guest (TCG,
# virtio-net-pci on the tap vnetA in hA's bridge, Debian's kernel, a busybox
# initramfs with netblamed inside; tests/lab/qemu.sh); hA, hB, gB, the wire and
# the host agents are the usual lab. netblame diagnose runs inside the VM.
#
# 1. boot reaches a running agent (its /healthz answers); the times are logged;
# 2. healthy: all six segments measured, nothing lost; the real local-virtual
#    figures are logged. Under TCG the guest's p90 now and then crosses the
#    classifier's 1 ms floor (tests/lab/README.md): the verdict must then be
#    local virtual, the only segment allowed to be anomalous — never another;
# 3. faults on real virtio, each attributed by gA's diagnose:
#    a. the backend stalled: QEMU SIGSTOPped 40 ms of every 100 ms while gB
#       sends 1000 probes/s toward gA -> vnetA's tx_dropped in the evidence,
#       a virtual/local finding (named the verdict, or — when only the
#       counters show it, the guest's own probes stopping with it — kept as
#       too weak to name a layer, verdict inconclusive; never another layer);
#       gB's own diagnose sees the stall as virtual/remote;
#    b. QEMU's filter-buffer holds frames (released every 5 ms) -> virtual/local;
#    c. loss at the tap (nftables, frames from/to vnetA only) -> virtual/local,
#       every lost probe localised to the local host's bridge;
#    d. 3 ms on the wire with the QEMU guest in place -> physical;
#    e. QEMU's I/O thread starved by a busy loop on its core -> virtual/local
#       (gA) and virtual/remote (gB), each citing that QEMU thread; with the
#       hog on another core, nothing beyond a healthy run's allowance.
# Missing QEMU packages fail the test (lab_up -> qemu_check), never skip it.
. "$NB_SRC/tests/lib/common.sh"
LAB_QEMU_gA=1
. "$NB_SRC/tests/lab/lab.sh"
lab_up
LAB_AGENT_PEERS_gA=', { "name": "gB", "family": "path", "address": "'$LAB_IP_gB'", "interval_ms": 100 }'
lab_agents # waits for gA's /healthz, through the VM's command channel
nb_log "boot: $(qemu_boot_times gA)"

# diag [diagnose options]: netblame diagnose gB from inside the VM, with the
# guest's config (its host agent hA); the report in $NB_TMP/diag.json.
diag() { lab_diag gA gB --config "$NB_TMP/agent-gA.json" "$@"; }
seg() { jq -r --arg s "$1" ".segments[] | select(.name == \$s) | $2" "${3:-$NB_TMP/diag.json}"; }

# figures WHAT [FILE]: the waterfall and verdict, for the log.
figures() {
    local f=${2:-$NB_TMP/diag.json}
    nb_log "$1: verdict $(jq -r '.verdict + "/" + (.where.side // "-") + " confidence " + (.confidence | tostring)' "$f")"
    nb_log "    probes $(jq -c '.probes | {sent, received, lost, rtt_us}' "$f")"
    jq -r '.segments[] | "    \(.name): p50 \(.rtt_us.p50 // "unknown") p90 \(.rtt_us.p90 // "-") p99 \(.rtt_us.p99 // "-") us, loss \(.loss // "-")\(if .anomalous then " ANOMALOUS" else "" end)"' \
        "$f" >&2
    nb_log "    vnet family: $(jq -c '.probes.vnet | {sent, lost, rtt_us}' "$f")"
    nb_log "    findings: $(jq -c '[.findings[] | {verdict, where: .where.side, confidence, summary}]' "$f")"
    nb_log "    evidence: $(jq -c '.evidence' "$f")"
}

# --- 2. healthy ---
diag --count 100 --interval 10
figures healthy
cp "$NB_TMP/diag.json" "$NB_TMP/base.json"
lab_assert "healthy: all six segments measured" '[.segments[] | select(.rtt_us != null)] | length == 6'
lab_assert "healthy: both host agents answered" '.probes.host_agents.local_ok and .probes.host_agents.remote_ok'
lab_assert "healthy: nothing lost" '.probes.lost == 0 and .probes.vnet.lost == 0'
lab_assert "healthy, or TCG noise blamed on the local virtual segment only" \
    '.verdict == "healthy" or (.verdict == "virtual" and .where.side == "local" and
     ([.segments[] | select(.anomalous) | .name] - ["local_virtual"] | length == 0))'
[ "$(lab_q .verdict)" = healthy ] ||
    nb_log "note: TCG noise crossed the 1 ms floor in the local virtual segment (p90 $(seg local_virtual .rtt_us.p90) us)"

# --- 3a. a stalled backend ---
# At probe rates a 40 ms stall queues a handful of frames toward the guest (a
# stopped guest sends nothing, so its own probes' replies rarely wait), far
# below the tap's ring (txqueuelen); with a 16-frame ring and gB probing gA at
# 1000/s, the ring overflows in every stall: tx_dropped on vnetA.
lab_exec hA ip link set vnetA txqueuelen 16
before=$(lab_exec hA cat /sys/class/net/vnetA/statistics/tx_dropped)
lab_fault qemu local stall_every_ms=100 stall_for_ms=40
# A load from gB keeps vnetA's ring overflowing for as long as gA's burst
# takes (gA is a TCG guest stopped 40 % of the time: on a loaded machine, or
# under ASan, its diagnosis takes seconds); gA's burst starts only once the
# ring overflows, so the drops overlap it however slowly either starts. Then
# gB's own view, in a burst of its own while the stall goes on.
nb_start "$(lab_ns gB)" load-gB "$NB_BIN/netblame" diagnose $LAB_DIAG_TRUST "$LAB_IP_gA" --count 100000 \
    --interval 1 --deadline 120000
load=$NB_LAST_PID
nb_wait_for "gB's load overflowing vnetA's ring" 30 \
    sh -c "[ \$(ip netns exec $(lab_ns hA) cat /sys/class/net/vnetA/statistics/tx_dropped) -gt $before ]"
diag --count 100 --interval 10 --deadline 30000
kill -TERM "$load" 2>/dev/null || true
wait "$load" 2>/dev/null || true
lab_exec gB "$NB_BIN/netblame" diagnose $LAB_DIAG_TRUST "$LAB_IP_gA" --json --count 3000 --interval 1 \
    --deadline 15000 --config "$NB_TMP/agent-gB.json" >"$NB_TMP/gB-view.json" || true
lab_clear
lab_exec hA ip link set vnetA txqueuelen 1000
after=$(lab_exec hA cat /sys/class/net/vnetA/statistics/tx_dropped)
figures "backend stall (gA's view)"
nb_log "    vnetA tx_dropped $before -> $after"
lab_assert "backend stall: virtual/local (named, or the only, too weak, finding)" \
    '(.verdict == "virtual" and .where.side == "local") or
     (.verdict == "inconclusive" and (.findings | length) == 1 and
      .findings[0].verdict == "virtual" and .findings[0].where.side == "local")'
lab_assert "backend stall: vnetA's tx_dropped is evidence" \
    '[.evidence[] | select(test("local host tap vnetA:.*tx_dropped \\+[0-9]+"))] | length == 1'
figures "backend stall (gB's view, probing gA)" "$NB_TMP/gB-view.json"
jq -e '.verdict == "virtual" and .where.side == "remote" and
       ([.segments[] | select(.name == "remote_virtual") | .rtt_us.p90 >= 10000][0])' \
    "$NB_TMP/gB-view.json" >/dev/null || nb_fail "backend stall: gB's view is not virtual/remote with remote virtual p90 >= 10 ms"
nb_log "ok: backend stall: gB sees it as virtual/remote (remote virtual p90 $(seg remote_virtual .rtt_us.p90 "$NB_TMP/gB-view.json") us)"

# --- 3b. the backend holds frames: QEMU's filter-buffer on the netdev ---
lab_fault qemu local buffer_us=5000
diag --count 100 --interval 10
lab_clear
figures "filter-buffer 5 ms"
lab_assert "filter-buffer: virtual/local" '.verdict == "virtual" and .where.side == "local"'
lab_assert "filter-buffer: the local virtual median rose by at least half the interval" \
    "([.segments[] | select(.name == \"local_virtual\") | .rtt_us.p50][0]) - $(seg local_virtual .rtt_us.p50 "$NB_TMP/base.json") >= 2500"

# --- 3c. loss at the tap ---
lab_fault tap local drop_pct=10
diag --count 200 --interval 5
lab_clear
figures "tap loss 10%"
lab_assert "tap loss: virtual/local" '.verdict == "virtual" and .where.side == "local"'
lab_assert "tap loss: every lost probe localised to the local host's bridge" \
    '.probes.lost as $n | $n > 0 and ([.segments[] | select(.name == "local_switch") | .lost == $n][0])'

# --- 3d. the wire, with the QEMU guest in place ---
lab_fault wire ab delay_us=3000
diag --count 100 --interval 10
lab_clear
figures "wire delay 3 ms"
lab_assert "wire delay: physical" '.verdict == "physical"'
lab_assert "wire delay: in the physical segment" \
    "([.segments[] | select(.name == \"physical\") | .rtt_us.p50][0]) - $(seg physical .rtt_us.p50 "$NB_TMP/base.json") >= 2000"

# --- 3e. QEMU's I/O thread starved of CPU (issue 12, item 4) ---
# With vhost=off QEMU's main-loop thread reads and writes the tap (vhost-net's
# worker with vhost=on). Pinned on one core with a busy loop, at nice 19 (the
# hog at the default priority), it waits to run: a backend thread on an
# overcommitted core. The vCPU thread is left alone, so the guest runs and
# diagnoses from inside. hA's agent finds QEMU as vnetA's owner and reads its
# threads; gA's verdict (local) and gB's (remote) must cite a QEMU thread.
# The assertions name the verdict and the thread; the figures are logged.
ncpu=$(nproc)
[ "$ncpu" -ge 2 ] || nb_fail "3e needs two CPUs (the hog's core and another); this machine has $ncpu"
HOG_CPU=$((ncpu - 1)) OTHER_CPU=0 QP=$(qemu_pid gA)
# a thread of QEMU (pid QP), as the evidence names it (a regex, for jq --arg)
qemu_thread="(qemu-system-x86\\[$QP\\]|.+\\[[0-9]+\\] of qemu-system-x86\\[$QP\\])"
cpu_figures() {
    nb_log "    cpu: $(jq -c .probes.cpu "${1:-$NB_TMP/diag.json}")"
    nb_log "    CPU evidence: $(jq -c '[.evidence[] | select(test("CPU"))]' "${1:-$NB_TMP/diag.json}")"
}
# cites_qemu FILE SIDE: FILE's verdict is virtual/SIDE, its evidence names a
# QEMU thread behind vnetA on that side's host (hA) with its wait share, and
# its finding cites that thread.
cites_qemu() {
    jq -e --arg side "$2" --arg t "$qemu_thread" --arg host "$LAB_IP_hA" '
        .verdict == "virtual" and .where.side == $side and
        ([.evidence[] | select(test("^CPU contention on the \($side) host \($host): \($t) \\(forwards tap vnetA\\) waited [0-9.]+ % of the window to run"))] | length == 1) and
        (.findings[0].summary | test("\($t) waited [0-9.]+ % of the window"))' "$1" >/dev/null
}
lab_cpu_hog "$HOG_CPU"
HOG=$NB_LAST_PID
taskset -pc "$HOG_CPU" "$QP" >/dev/null # the main thread only (tid = pid)
renice -n 19 -p "$QP" >/dev/null
# A 20 s deadline: gA fetches its host agent's sightings (tens of KB) through
# the very QEMU thread this starves; on a loaded machine the default 5 s left
# under 1 s for it and the fetch was cut (the fresh-machine check: "local host
# agent unreachable ... timed out"), so no CPU evidence could be cited. The
# assertions are the same; only the time the evidence may take is longer.
diag --count 100 --interval 10 --deadline 20000
lab_exec gB "$NB_BIN/netblame" diagnose $LAB_DIAG_TRUST "$LAB_IP_gA" --json --count 100 --interval 10 \
    --deadline 20000 --config "$NB_TMP/agent-gB.json" >"$NB_TMP/gB-cpu.json" || true
figures "QEMU's I/O thread starved (gA's view)"
cpu_figures
figures "QEMU's I/O thread starved (gB's view)" "$NB_TMP/gB-cpu.json"
cpu_figures "$NB_TMP/gB-cpu.json"
cites_qemu "$NB_TMP/diag.json" local ||
    nb_fail "QEMU starved: gA's view is not virtual/local citing a QEMU thread (pid $QP)"
nb_log "ok: QEMU starved: gA sees virtual/local, citing QEMU's thread"
cites_qemu "$NB_TMP/gB-cpu.json" remote ||
    nb_fail "QEMU starved: gB's view is not virtual/remote citing a QEMU thread (pid $QP)"
nb_log "ok: QEMU starved: gB sees virtual/remote, citing QEMU's thread"

# the same hog on a core QEMU's I/O thread is not on (there at nice -20):
# host-wide pressure remains, and is never a finding on its own (the verdict
# itself is logged, not asserted: TCG noise and the machine's other load may
# slow a segment, tests/lab/cpu_contention.sh says more)
taskset -pc "$OTHER_CPU" "$QP" >/dev/null
renice -n -20 -p "$QP" >/dev/null
diag --count 100 --interval 10
figures "QEMU's I/O thread on CPU $OTHER_CPU, hog on CPU $HOG_CPU"
cpu_figures
lab_assert "off-core: CPU is never a finding alone (every finding citing a wait has a measured symptom)" \
    '[.findings[] | select(.summary | test("waited [0-9.]+ % of the window to run")) |
      select(.segment == null and (.summary | test("^vnet probes") | not))] | length == 0'
lab_cpu_hog_stop "$HOG"
taskset -pc "0-$((ncpu - 1))" "$QP" >/dev/null
renice -n 0 -p "$QP" >/dev/null
nb_log PASS
