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
jittered_p50=$(jq '.probes.rtt_us.p50' "$NB_TMP/diag.json")
lab_diag gA hA --count 30
# untouched: most of its probes are faster than the jittered path's median
# (measured side by side, so the machine's own load cannot decide it; a
# fixed bound on the max could: one late wake-up on a busy machine)
lab_assert "remote jitter: local guest-to-host untouched" ".probes.rtt_us.p90 < $jittered_p50"
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

# --- healthy heavy-tailed noise (not a fault): lab_clear leaves it ---
# A constant (p50 = p99) delays every wake-up by that much; a frame arriving
# while one is pending leaves with it, sooner (the agents' own probes cross
# vA too), so it is no floor on the minimum: the slowest probe waited it.
lab_noise vA "p50_us=$D p99_us=$D"
lab_clear
lab_stats vA | jq -e --argjson d "$D" '.noise.ab.p50_us == $d and .noise.ba.p99_us == $d' >/dev/null ||
    nb_fail "lab_clear removed the noise: $(lab_stats vA | jq -c .noise)"
lab_diag gA gB --count 30
lab_assert "constant noise: a probe waited its value, and clear left it" \
    ".probes.received == 30 and .probes.rtt_us.max >= $D"
# Log-normal, one direction: every ping's RTT holds one draw, so at least
# half of them (less 4.5 sigma of 100) reach the median; 50 ms apart, no ping
# rides the previous one's wake-up (P(draw > 50 ms) is under 0.1 %).
N50=2000
lab_ctl "$NB_TMP/standin-vA.sock" "noise ab p50_us=$N50 p99_us=$((10 * N50))" >/dev/null
lab_ctl "$NB_TMP/standin-vA.sock" "noise ba off" >/dev/null
lab_exec gA ping -n -c 100 -i 0.05 -W 2 "$LAB_IP_gB" >"$NB_TMP/ping.txt" || true
over=$(awk -v m="$N50" -F'time=' 'NF > 1 { split($2, t, " "); if (t[1] * 1000 >= m) n++ } END { print n + 0 }' "$NB_TMP/ping.txt")
[ "$over" -ge 28 ] || nb_fail "log-normal noise, median $N50 us: only $over of 100 pings reached it"
nb_log "ok: log-normal noise: $over of 100 pings at or over its median"
[ "$(lab_stats vA | jq '.ab.wakes')" -ge 100 ] || nb_fail "noise: fewer wake-ups than pings: $(lab_stats vA)"
# Bad settings change nothing.
for bad in "noise both" "noise both p50_us=10" "noise both p50_us=100 p99_us=10" \
           "noise both p50_us=0 p99_us=10" "noise up p50_us=1 p99_us=2" "noise both off p50_us=1"; do
    r=$(printf '%s\n' "$bad" | socat -t 5 - "UNIX-CONNECT:$NB_TMP/standin-vA.sock")
    case "$r" in error:*) ;; *) nb_fail "stand-in accepted '$bad': $r" ;; esac
done
lab_stats vA | jq -e --argjson m "$N50" '.noise.ab.p50_us == $m and .noise.ba.p50_us == 0' >/dev/null ||
    nb_fail "a refused noise command changed the settings: $(lab_stats vA | jq -c .noise)"
lab_noise all off
lab_diag gA gB --count 30
lab_assert "all cleared: healthy again" ".probes.received == 30 and .probes.rtt_us.min < $D"
nb_log PASS
