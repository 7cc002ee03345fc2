#!/usr/bin/env bash
# The lab proves its wire and host-bridge faults: delay, loss, MTU black hole,
# link down (carrier off) and nftables drops in a host bridge.
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"
lab_up
lab_agents
D=20000


# --- wire delay, one direction ---
lab_fault wire ab delay_us=$D
lab_diag hA hB --count 30
lab_assert "wire delay: host-to-host min RTT >= injected" ".probes.received == 30 and .probes.rtt_us.min >= $D"
lab_diag gA hA --count 30
lab_assert "wire delay: local guest-to-host untouched" ".probes.rtt_us.min < $D"
lab_clear
lab_diag hA hB --count 30
lab_assert "cleared" ".probes.rtt_us.min < $D"

# --- wire loss ---
lab_fault wire ab loss_pct=20
lab_diag hA hB --count 400 --interval 2
lab_loss_within 0.20 400 "wire 20% loss"
lab_diag gB hB --count 100 --interval 2
lab_assert "wire loss: remote guest-to-host loses nothing" ".probes.lost == 0"
lab_clear

# --- MTU black hole: big frames vanish, small ones pass ---
lab_fault wire both mtu=1000
lab_exec hA ping -q -c 5 -i 0.05 -W 1 -M do -s 1200 "$LAB_IP_hB" >/dev/null 2>&1 &&
    nb_fail "MTU black hole: 1228-byte packets got through"
lab_exec hA ping -q -c 5 -i 0.05 -W 1 -M do -s 500 "$LAB_IP_hB" >/dev/null ||
    nb_fail "MTU black hole: small packets dropped too"
nb_log "ok: MTU black hole drops only frames over 1000 bytes"
# diagnose's every 4th probe is full size: exactly those are lost, on the wire
lab_diag gA gB --count 40 --interval 5 --timeout 300 --local-agent "$LAB_IP_hA"
lab_assert "MTU black hole: diagnose loses exactly its full-size probes, located on the wire" \
    '.probes.full_size.sent == 10 and .probes.full_size.lost == 10 and .probes.full_size.bytes == 1500 and
     .probes.small.lost == 0 and (.evidence | any(test("MTU black hole"))) and
     ([.segments[] | select(.name == "physical")][0].lost == 10)'
lab_clear

# --- link down: carrier off, nothing passes; back up restores ---
lab_fault wire both down=1
[ "$(lab_exec hA cat /sys/class/net/nicA/carrier)" = 0 ] || nb_fail "link down: nicA still has carrier"
lab_diag hA hB --count 10 --timeout 200
lab_assert "link down: host-to-host all lost" ".probes.received == 0"
lab_clear
nb_wait_for "nicA carrier back" 10 bash -c "[ \"\$(ip netns exec $(lab_ns hA) cat /sys/class/net/nicA/carrier)\" = 1 ]"
nb_wait_for "path back after link up" 20 bash -c "ip netns exec $(lab_ns hA) ping -c1 -W1 $LAB_IP_hB"
lab_diag hA hB --count 20
lab_assert "link up: host-to-host healthy" ".probes.received == 20"

# --- host bridge: nftables drops on forwarded frames ---
lab_fault bridge local drop_pct=25
lab_diag gA gB --count 400 --interval 2
# each probe is forwarded by hA's bridge twice (out and back): p = 1 - 0.75^2
lab_loss_within 0.4375 400 "bridge 25% drop per crossing"
lab_diag hA hB --count 100 --interval 2
lab_assert "bridge drops: host's own traffic is not forwarded, not dropped" ".probes.lost == 0"
lab_clear
lab_diag gA gB --count 30
lab_assert "all cleared" ".probes.received == 30"
nb_log PASS
