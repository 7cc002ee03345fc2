#!/usr/bin/env bash
# The demo (README command one). Today: a host agent and a guest agent in two
# network namespaces joined by a veth pair, each running netblamed (reflector
# plus a probe toward the other), then `netblame diagnose` from the host to the
# guest, as text and as JSON. Everything is removed on exit.
. "$NB_SRC/tests/lib/common.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "topology: ${NB_P}-host (198.18.0.1) <-veth-> ${NB_P}-guest (198.18.0.2)"
nb_netns host; nb_netns guest
H="${NB_P}-host" G="${NB_P}-guest"
ip link add "${NB_P}h" netns "$H" type veth peer name "${NB_P}g" netns "$G"
ip -n "$H" addr add 198.18.0.1/30 dev "${NB_P}h"
ip -n "$G" addr add 198.18.0.2/30 dev "${NB_P}g"
ip -n "$H" link set "${NB_P}h" up
ip -n "$G" link set "${NB_P}g" up

cat >"$NB_TMP/host.json" <<JSON
{ "role": "host", "node": "demo-host", "reflector": { "address": "198.18.0.1" },
  "peers": [ { "name": "demo-guest", "family": "vnet", "address": "198.18.0.2", "interval_ms": 100 } ] }
JSON
cat >"$NB_TMP/guest.json" <<JSON
{ "role": "guest", "node": "demo-guest", "reflector": { "address": "198.18.0.2" },
  "peers": [ { "name": "demo-host", "family": "vnet", "address": "198.18.0.1", "interval_ms": 100 } ] }
JSON
say "starting netblamed in both namespaces"
nb_start "$H" host "$NB_BIN/netblamed" --config "$NB_TMP/host.json"
nb_start "$G" guest "$NB_BIN/netblamed" --config "$NB_TMP/guest.json"
nb_wait_for "host agent" 20 ip netns exec "$H" curl -sf http://127.0.0.1:9862/healthz
nb_wait_for "guest agent" 20 ip netns exec "$G" curl -sf http://127.0.0.1:9862/healthz

say "netblame diagnose 198.18.0.2   (from the host namespace)"
rc=0
ip netns exec "$H" "$NB_BIN/netblame" diagnose 198.18.0.2 --count 200 --interval 5 || rc=$?
echo "(exit status $rc: 0 healthy, 1 fault attributed, 3 inconclusive)"

say "netblame diagnose 198.18.0.2 --json"
ip netns exec "$H" "$NB_BIN/netblame" diagnose 198.18.0.2 --count 50 --interval 5 --json || true

say "the host agent's /metrics (excerpt)"
nb_wait_for "host agent probes answered" 20 nb_metric_ge "$H" 9862 'netblame_stamp_received_total{peer="demo-guest",family="vnet"}' 5
ip netns exec "$H" curl -sf http://127.0.0.1:9862/metrics |
    grep -E '^netblame_stamp_(sent|received|lost)_total|rtt_seconds_(count|sum)'

say "done: namespaces and agents are removed on exit"
