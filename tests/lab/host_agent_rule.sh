#!/usr/bin/env bash
# The host-agent rule (issue 15, item 5): a reflector announces a host agent
# at 198.18.0.99 (its config's host_agent); `netblame diagnose` believes it
# only inside --host-agent-prefix (or at the reflector's own address), and
# a netblamed probing it as a path peer only inside stamp.host_agent_prefixes.
# An nftables counter in the reflector's namespace counts every TCP packet
# toward 198.18.0.99:9862, the announced control API:
#  - prefix 198.18.0.0/30 (excludes .99): refused, said in the evidence
#    (diagnose's, and the daemon's verdict's), counted
#    (netblame_stamp_agent_refused_total), and not one packet toward it;
#  - prefix 198.18.0.0/24: believed and contacted (the counter moves: the
#    check above could see a contact).
. "$NB_SRC/tests/lib/common.sh"

nb_veth_pair a 198.18.0.1/24 b 198.18.0.2/24
A="${NB_P}-a" B="${NB_P}-b"
ip -n "$B" addr add 198.18.0.99/32 dev "${NB_P}b"
ip netns exec "$B" nft -f - <<'NFT'
table inet nbrule {
    chain in { type filter hook input priority 0; ip daddr 198.18.0.99 tcp dport 9862 counter; }
}
NFT
contacts() { ip netns exec "$B" nft -j list ruleset | jq '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets] | add'; }

cat >"$NB_TMP/b.json" <<JSON
{ "user": "root", "role": "guest", "node": "b", "reflector": { "address": "198.18.0.2" },
  "host_agent": { "address": "198.18.0.99" },
  "api": { "address": "127.0.0.1", "port": 9862 } }
JSON
nb_start "$B" netblamed-b "$NB_BIN/netblamed" --config "$NB_TMP/b.json"
nb_wait_for "netblamed healthz" 20 ip netns exec "$B" curl -sf http://127.0.0.1:9862/healthz

diag() { # PREFIX
    ip netns exec "$A" "$NB_BIN/netblame" diagnose 198.18.0.2 --json --count 10 --interval 10 \
        --host-agent-prefix "$1" >"$NB_TMP/diag.json" || true
}

diag 198.18.0.0/30
jq -e '.evidence | any(test("host agent address 198.18.0.99 from the reflector refused"))' \
    "$NB_TMP/diag.json" >/dev/null ||
    nb_fail "refusal not said: $(jq -c .evidence "$NB_TMP/diag.json")"
[ "$(contacts)" = 0 ] || nb_fail "the refused host agent was contacted ($(contacts) packets)"

# the daemon: a path peer toward b, the same prefix
cat >"$NB_TMP/a.json" <<JSON
{ "user": "root", "role": "guest", "node": "a", "reflector": { "address": "198.18.0.1" },
  "api": { "address": "127.0.0.1", "port": 9862 },
  "stamp": { "host_agent_prefixes": [ "198.18.0.0/30" ] },
  "peers": [ { "name": "b", "family": "path", "address": "198.18.0.2", "interval_ms": 50 } ] }
JSON
nb_start "$A" netblamed-a "$NB_BIN/netblamed" --config "$NB_TMP/a.json"
pa=$NB_LAST_PID
nb_wait_for "netblamed a healthz" 20 ip netns exec "$A" curl -sf http://127.0.0.1:9862/healthz
nb_wait_for "refusals counted" 30 nb_metric_ge "$A" 9862 'netblame_stamp_agent_refused_total{peer="b",family="path"}' 5
said() {
    ip netns exec "$A" curl -sf 'http://127.0.0.1:9862/v1/verdicts?target=b' |
        jq -e '.verdicts[0].evidence | any(test("host agent address 198.18.0.99 from the reflector refused"))'
}
nb_wait_for "the daemon's verdict says the refusal" 30 said
grep -q "host agent address 198.18.0.99 from the reflector refused" "$NB_TMP/netblamed-a.log" ||
    nb_fail "the refusal is not logged"
[ "$(grep -c "from the reflector refused" "$NB_TMP/netblamed-a.log")" = 1 ] ||
    nb_fail "the refusal logged more than once"
[ "$(contacts)" = 0 ] || nb_fail "the daemon contacted the refused host agent ($(contacts) packets)"
nb_stop "$pa" || nb_fail "netblamed a did not exit cleanly"

diag 198.18.0.0/24
jq -e '.evidence | any(test("refused")) | not' "$NB_TMP/diag.json" >/dev/null ||
    nb_fail "refused inside the prefix: $(jq -c .evidence "$NB_TMP/diag.json")"
[ "$(contacts)" -gt 0 ] || nb_fail "an allowed host agent was never contacted: the counter sees nothing"
nb_log "ok"
