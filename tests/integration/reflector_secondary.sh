#!/usr/bin/env bash
# A reflector bound to the wildcard address answers from the address it was
# probed at (IP_PKTINFO): namespace b holds 198.18.0.2/24 (primary) and
# 198.18.0.3, 198.18.0.4 (secondaries) on one interface, plus 198.19.0.0/24
# as a local route (every address of it answered, none assigned: how the
# fabric benchmark gives one reflector thousands of peers); one netblamed
# there, its reflector on 0.0.0.0. Agent a probes each address as a fabric
# peer from a connected socket, which takes only replies from the address
# probed: each peer's received counter grows, and b's reflector counts no
# ICMP port-unreachable for its replies (one from the primary address would
# be refused by a's kernel so, and counted there).
. "$NB_SRC/tests/lib/common.sh"

nb_veth_pair a 198.18.0.1/24 b 198.18.0.2/24
A="${NB_P}-a" B="${NB_P}-b"
ip -n "$B" addr add 198.18.0.3/24 dev "${NB_P}b"
ip -n "$B" addr add 198.18.0.4/24 dev "${NB_P}b"
addrs=$(ip -n "$B" -4 addr show dev "${NB_P}b")
[[ $addrs == *"inet 198.18.0.3/24 "*secondary* ]] || nb_fail "198.18.0.3 is not a secondary address: $addrs"
ip -n "$B" route add local 198.19.0.0/24 dev lo
ip -n "$A" route add 198.19.0.0/24 via 198.18.0.2

cat >"$NB_TMP/b.json" <<JSON
{ "user": "root", "role": "guest", "node": "b", "api": { "port": 9862 } }
JSON
peers=""
for ip in 198.18.0.2 198.18.0.3 198.18.0.4 198.19.0.7; do
    peers="$peers${peers:+, }{ \"name\": \"$ip\", \"family\": \"fabric\", \"address\": \"$ip\", \"interval_ms\": 20 }"
done
cat >"$NB_TMP/a.json" <<JSON
{ "user": "root", "role": "host", "node": "a", "reflector": { "address": "198.18.0.1" },
  "api": { "port": 9862 }, "peers": [ $peers ] }
JSON

nb_start "$B" netblamed-b "$NB_BIN/netblamed" --config "$NB_TMP/b.json"; pb=$NB_LAST_PID
nb_wait_for "agent b healthz" 20 ip netns exec "$B" curl -sf http://127.0.0.1:9862/healthz
socks=$(ip netns exec "$B" ss -Huan 'sport = :862')
[[ $socks == *0.0.0.0:862* ]] || nb_fail "b's reflector is not on the wildcard address: $socks"
nb_start "$A" netblamed-a "$NB_BIN/netblamed" --config "$NB_TMP/a.json"; pa=$NB_LAST_PID
nb_wait_for "agent a healthz" 20 ip netns exec "$A" curl -sf http://127.0.0.1:9862/healthz
for ip in 198.18.0.2 198.18.0.3 198.18.0.4 198.19.0.7; do
    nb_wait_for "replies from $ip" 30 nb_metric_ge "$A" 9862 \
        "netblame_stamp_received_total{peer=\"$ip\",family=\"fabric\"}" 20
done
unreach=$(nb_metric "$B" 9862 netblame_reflector_unreachable_total) ||
    nb_fail "no netblame_reflector_unreachable_total in b's /metrics"
[ "$unreach" = 0 ] || nb_fail "b's replies refused by a's kernel $unreach times (a reply from another source)"
nb_stop "$pa" || nb_fail "a did not exit cleanly"
nb_stop "$pb" || nb_fail "b did not exit cleanly"
nb_log "ok"
