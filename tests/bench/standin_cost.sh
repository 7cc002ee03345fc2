#!/usr/bin/env bash
# Benchmark: what the lab's user-space stand-in adds to a round trip, against a
# plain veth pair. Two namespaces each time, 1000 STAMP probes with netblame
# diagnose (kernel timestamps on both ends), no fault set. Prints figures;
# asserts nothing (machines are noisy).
#   usage: NB_BIN=build/release NB_SRC=. tests/bench/standin_cost.sh [COUNT]
. "$NB_SRC/tests/lib/common.sh"
count=${1:-1000}

nb_veth_pair a 198.18.0.1/24 b 198.18.0.2/24 # plain veth: a <-> b
nb_netns c; nb_netns d
A="${NB_P}-a" B="${NB_P}-b" C="${NB_P}-c" D="${NB_P}-d"
# stand-in: c:tap0 <-> d:tap0
nb_start - standin "$NB_BIN/tests/nb-standin" --a "$C:tap0" --b "$D:tap0" --control "$NB_TMP/s.sock"
nb_wait_for "stand-in" 10 test -S "$NB_TMP/s.sock"
ip -n "$C" addr add 198.18.0.1/24 dev tap0; ip -n "$C" link set tap0 up
ip -n "$D" addr add 198.18.0.2/24 dev tap0; ip -n "$D" link set tap0 up

for ns in "$B" "$D"; do
    echo '{ "role": "guest", "user": "root", "reflector": { "address": "198.18.0.2" } }' >"$NB_TMP/r.json"
    nb_start "$ns" "refl-$ns" "$NB_BIN/netblamed" --config "$NB_TMP/r.json"
    nb_wait_for "reflector in $ns" 20 ip netns exec "$ns" curl -sf http://127.0.0.1:9862/healthz
done
# warm ARP on both paths
ip netns exec "$A" ping -c 2 -i 0.1 198.18.0.2 >/dev/null
ip netns exec "$C" ping -c 2 -i 0.1 198.18.0.2 >/dev/null

row() { # LABEL NS   (diagnose exits 3, "inconclusive", by design: not an error here)
    { ip netns exec "$2" "$NB_BIN/netblame" diagnose 198.18.0.2 --count "$count" --interval 2 --json || true; } |
        jq -r --arg l "$1" '.probes | [$l, .received, .rtt_us.p50, .rtt_us.p90, .rtt_us.p99, .rtt_us.max] | @tsv'
}
printf 'path\treplies\tp50_us\tp90_us\tp99_us\tmax_us\n'
row "veth" "$A"
row "stand-in" "$C"
