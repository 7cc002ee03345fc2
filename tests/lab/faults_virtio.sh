#!/usr/bin/env bash
# The lab proves its virtio stand-ins: each fault has the effect claimed,
# where (and only where) it was injected, and clearing it restores the path.
# Delay checks use the minimum RTT, a hard floor (no frame leaves a stand-in
# before its release time), so machine noise cannot fake or hide them.
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"
lab_up
lab_agents
D=20000 # injected delay, us


lab_diag gA gB --count 30
lab_assert "healthy guest-to-guest path" ".probes.received == 30 and .probes.rtt_us.min < $D"

# --- fixed delay, local guest transmit ---
lab_fault virtio local tx delay_us=$D
lab_diag gA gB --count 30
lab_assert "local virtio delay: guest-to-guest min RTT >= injected" ".probes.received == 30 and .probes.rtt_us.min >= $D"
lab_diag hA hB --count 30
lab_assert "local virtio delay: host-to-host path untouched" ".probes.received == 30 and .probes.rtt_us.min < $D"
lab_diag gB hB --count 30
lab_assert "local virtio delay: remote guest-to-host untouched" ".probes.rtt_us.min < $D"
lab_clear
lab_diag gA gB --count 30
lab_assert "cleared: guest-to-guest below the delay again" ".probes.received == 30 and .probes.rtt_us.min < $D"

# --- jitter, remote guest receive ---
lab_fault virtio remote rx jitter_us=$D
lab_diag gA gB --count 60
lab_assert "remote virtio jitter spreads RTT by >= a quarter of the jitter" \
    ".probes.received == 60 and (.probes.rtt_us.max - .probes.rtt_us.min) >= $((D / 4))"
lab_diag gA hA --count 30
lab_assert "remote jitter: local guest-to-host untouched" ".probes.rtt_us.max < $D"
lab_clear

# --- random loss, one direction only ---
lab_fault virtio local tx loss_pct=30
lab_diag gA gB --count 400 --interval 2
lab_loss_within 0.30 400 "local virtio 30% tx loss"
ab=$(lab_stats vA | jq '.ab.drop_loss') ba=$(lab_stats vA | jq '.ba.drop_loss')
[ "$ab" -gt 0 ] && [ "$ba" -eq 0 ] || nb_fail "per-direction loss: ab dropped $ab, ba dropped $ba"
nb_log "ok: loss only in the direction set (ab $ab, ba $ba)"
lab_diag hA hB --count 100 --interval 2
lab_assert "local virtio loss: host-to-host path loses nothing" ".probes.lost == 0"
lab_clear

# --- periodic stalls (starved vhost thread), host->guest ---
lab_fault virtio local rx stall_every_ms=500 stall_for_ms=50
lab_diag gA gB --count 100 --interval 10
lab_assert "stalls: some probe waited >= a fifth of the stall" \
    ".probes.received == 100 and .probes.rtt_us.max >= 10000 and .probes.rtt_us.min < 10000"
lab_clear
# A starved backend stops reading vnetA: the tap's queue overflows into tx_dropped.
lab_exec hA ip link set vnetA txqueuelen 16
before=$(lab_exec hA cat /sys/class/net/vnetA/statistics/tx_dropped)
lab_fault virtio local rx stall_every_ms=1000 stall_for_ms=900
lab_exec hA ping -q -f -c 400 -W 1 "$LAB_IP_gA" >/dev/null 2>&1 || true
after=$(lab_exec hA cat /sys/class/net/vnetA/statistics/tx_dropped)
[ "$after" -gt "$before" ] || nb_fail "stalled backend: vnetA tx_dropped $before -> $after"
nb_log "ok: stalled backend shows as vnetA tx_dropped (+$((after - before)))"
lab_clear

# --- bounded queue overflow ---
lab_fault virtio local tx queue=8 rate_pps=200
lab_exec gA ping -q -f -l 64 -c 300 -W 1 "$LAB_IP_hA" >/dev/null 2>&1 || true
q=$(lab_stats vA | jq '.ab.drop_queue')
[ "$q" -gt 0 ] || nb_fail "queue overflow: nothing dropped"
nb_log "ok: queue overflow dropped $q frames"
lab_clear
lab_diag gA gB --count 30
lab_assert "all cleared: healthy again" ".probes.received == 30 and .probes.rtt_us.min < $D"
nb_log PASS
