#!/usr/bin/env bash
# Fabric peers from an inventory file (config "fabric", README "Fabric peers
# from the inventory"): a host agent finds itself in the file, probes the
# peers the Pingmesh rule picks as fabric peers (answered, judged, in
# /metrics with their level), re-reads the file on SIGHUP (a host added to
# its ToR is probed, a host removed is not), and keeps its running peers when
# the reloaded file is bad or picks more than max_peers, saying why.
# Every peer address (198.19.0.0/16) is routed to namespace b, where it is
# local (a local route, nothing assigned) and one netblamed reflector on the
# wildcard address answers each from the address probed (IP_PKTINFO).
. "$NB_SRC/tests/lib/common.sh"

nb_veth_pair a 198.18.0.1/30 b 198.18.0.2/30
A="${NB_P}-a" B="${NB_P}-b"
ip -n "$A" route add 198.19.0.0/16 via 198.18.0.2
ip -n "$B" route add local 198.19.0.0/16 dev lo

# fleet "NAME ADDRESS TOR POD"...: the inventory file of these hosts
fleet() {
    local sep=""
    {
        printf '{"hosts": ['
        for h in "$@"; do
            set -- $h
            printf '%s\n{"name": "%s", "address": "%s", "tor": "%s", "pod": "%s"}' "$sep" "$@"
            sep=,
        done
        printf ']}\n'
    } >"$NB_TMP/fleet.json"
}
# pod p1: ToR t1 (self, h2, h3), ToR t2 (h4, h5); pod p2: ToR t3 (h6, h7)
base=("self 198.19.0.1 t1 p1" "h2 198.19.0.2 t1 p1" "h4 198.19.1.4 t2 p1" "h5 198.19.1.5 t2 p1"
    "h6 198.19.2.6 t3 p2" "h7 198.19.2.7 t3 p2")
fleet "${base[@]}" "h3 198.19.0.3 t1 p1"
cat >"$NB_TMP/b.json" <<JSON
{ "user": "root", "role": "host", "node": "reflector", "api": { "port": 9862 } }
JSON
cat >"$NB_TMP/a.json" <<JSON
{ "user": "root", "role": "host", "node": "self", "reflector": { "address": "198.18.0.1" },
  "api": { "port": 9862 },
  "fabric": { "inventory_file": "fleet.json", "per_tor": 1, "per_pod": 1, "max_peers": 5,
              "interval_ms": 100 } }
JSON
out=$("$NB_BIN/netblamed" --config "$NB_TMP/a.json" --check) || nb_fail "--check: $out"
[[ $out == *"fabric: 4 peers from 7 hosts of the inventory (2 in this ToR, 1 in the pod's other ToRs, 1 in other pods)"* ]] ||
    nb_fail "--check: expected the pick of 4 peers: $out"

nb_start "$B" netblamed-b "$NB_BIN/netblamed" --config "$NB_TMP/b.json"
nb_start "$A" netblamed-a "$NB_BIN/netblamed" --config "$NB_TMP/a.json"; pa=$NB_LAST_PID
nb_wait_for "agent b healthz" 20 ip netns exec "$B" curl -sf http://127.0.0.1:9862/healthz
nb_wait_for "agent a healthz" 20 ip netns exec "$A" curl -sf http://127.0.0.1:9862/healthz
grep -q "fabric: 4 peers from 7 hosts of the inventory (2 in this ToR, 1 in the pod's other ToRs, 1 in other pods)" \
    "$NB_TMP/netblamed-a.log" || nb_fail "no log line of the pick"
rx() { printf 'netblame_stamp_received_total{peer="%s",family="fabric"}' "$1"; }
for p in h2 h3; do
    nb_wait_for "$p answered" 30 nb_metric_ge "$A" 9862 "$(rx $p)" 5
done
metrics() { ip netns exec "$A" curl -sf http://127.0.0.1:9862/metrics; }
m=$(metrics)
# one of t2 (h4 or h5), one of p2 (h6 or h7): which one is the rule's, the same every time
t2=$(grep -o 'netblame_stamp_sent_total{peer="h[45]"' <<<"$m" | grep -o 'h[45]')
p2=$(grep -o 'netblame_stamp_sent_total{peer="h[67]"' <<<"$m" | grep -o 'h[67]')
[ "$(wc -w <<<"$t2 $p2")" -eq 2 ] || nb_fail "expected one peer of t2 and one of p2, got: $t2 $p2"
nb_wait_for "$t2 and $p2 answered" 30 nb_metric_ge "$A" 9862 "$(rx "$p2")" 5
for want in 'netblame_fabric_peers{level="tor"} 2' 'netblame_fabric_peers{level="pod"} 1' \
    'netblame_fabric_peers{level="dc"} 1' 'netblame_fabric_inventory_hosts 7'; do
    grep -qxF "$want" <<<"$m" || nb_fail "/metrics lacks: $want"
done
# a pacing timer per peer (4), plus the loss expiry only while a probe is
# outstanding: 4 or 5 depending on the instant of the scrape
grep -qxE 'netblame_probe_timers [45]' <<<"$m" ||
    nb_fail "timers: $(grep '^netblame_probe_timers' <<<"$m"), expected 4 peers' pacing (+1 expiry)"
grep -q '^netblame_fabric_rtt_seconds_count{level="tor"} [1-9]' <<<"$m" ||
    nb_fail "no RTT summed for the ToR level"
! grep -q '^netblame_stamp_rtt_seconds_count{peer="h2"' <<<"$m" ||
    nb_fail "an inventory peer has a histogram of its own (peer_histograms is false)"
# judged like any fabric peer: healthy once its window has enough probes
healthy() {
    ip netns exec "$A" curl -sf "http://127.0.0.1:9862/v1/verdicts?target=$1" |
        jq -e '.verdicts[0].verdict == "healthy"'
}
nb_wait_for "a verdict for h2" 30 healthy h2

# --- SIGHUP re-reads the file: h8 joins t1, h3 leaves ---
fleet "${base[@]}" "h8 198.19.0.8 t1 p1"
kill -HUP "$pa"
nb_wait_for "a reloaded" 20 nb_metric_ge "$A" 9862 'netblame_config_reloads_total{result="ok"}' 1
nb_wait_for "h8 answered" 30 nb_metric_ge "$A" 9862 "$(rx h8)" 5
m=$(metrics)
! grep -q 'peer="h3"' <<<"$m" || nb_fail "h3 left the inventory but is still probed"
grep -q "netblame_stamp_sent_total{peer=\"$t2\"" <<<"$m" || nb_fail "the pick of t2 changed on reload"

# --- a bad file, then one over max_peers: refused, the running peers stay ---
printf '{"hosts": [{"name": "self"}]}' >"$NB_TMP/fleet.json"
kill -HUP "$pa"
nb_wait_for "reload refused" 20 nb_metric_ge "$A" 9862 'netblame_config_reloads_total{result="failed"}' 1
grep -q 'reload failed, keeping the running configuration: .*fabric.inventory_file: .*fleet.json: hosts\[0\].address: missing (required)' \
    "$NB_TMP/netblamed-a.log" || nb_fail "the refusal does not name the file and the host"
fleet "${base[@]}" "h3 198.19.0.3 t1 p1" "h8 198.19.0.8 t1 p1" "h9 198.19.0.9 t1 p1"
kill -HUP "$pa"
nb_wait_for "second reload refused" 20 nb_metric_ge "$A" 9862 'netblame_config_reloads_total{result="failed"}' 2
grep -q 'fabric.max_peers: the rule picks 6 peers for node "self" (4 in its ToR, 1 in the other ToRs of its pod, 1 in other pods), more than max_peers (5)' \
    "$NB_TMP/netblamed-a.log" || nb_fail "the max_peers refusal does not give the counts"
s0=$(nb_metric "$A" 9862 'netblame_stamp_sent_total{peer="h8",family="fabric"}')
nb_wait_for "h8 still probed" 20 nb_metric_ge "$A" 9862 'netblame_stamp_sent_total{peer="h8",family="fabric"}' $((${s0%.*} + 5))
! metrics | grep -q 'peer="h9"' || nb_fail "h9 probed though the reload was refused"
nb_log "ok"
