#!/usr/bin/env bash
# The host agent in the lab: it captures on its bridged taps and its NIC,
# follows a tap that vanishes and returns (no restart, a log line each time),
# validates its sightings API, and its /metrics stay valid Prometheus text.
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"
lab_up
lab_agents
HA="$LAB_IP_hA:9862"
api() { lab_exec "$1" curl -s -o /dev/null -w '%{http_code}' "$2"; }

# --- the sightings API checks what it is asked ---
[ "$(api hA "http://$HA/v1/sightings?session=zz")" = 400 ] || nb_fail "bad session accepted"
[ "$(api hA "http://$HA/v1/sightings?limit=0")" = 400 ] || nb_fail "limit=0 accepted"
[ "$(api hA "http://$HA/v1/sightings?since=-1")" = 400 ] || nb_fail "negative since accepted"
[ "$(api hA "http://$HA/v1/sightings?since=0&limit=5")" = 200 ] || nb_fail "good query refused"
[ "$(api gA "http://127.0.0.1:9862/v1/sightings")" = 404 ] || nb_fail "a guest answered for sightings"
lab_exec hA curl -sf "http://$HA/v1/sightings?limit=5" | jq -e '.node == "hA" and (.sightings | length) <= 5' >/dev/null ||
    nb_fail "sightings page"
nb_log "ok: sightings API validates its query"

# --- a tap vanishes and returns: captured again, logged both times ---
lab_replug_guest A
grep -q "capture on vnetA (tap): stopped, interface vanished" "$NB_TMP/agent-hA.log" ||
    nb_fail "vanished tap not logged"
nb_wait_for "vnetA captured again" 20 nb_metric_ge_at hA netblame_capture_interfaces 2
[ "$(grep -c 'capture on vnetA (tap, ifindex [0-9]*): started' "$NB_TMP/agent-hA.log")" = 2 ] ||
    nb_fail "re-capture of vnetA not logged"
lab_diag gA gB --local-agent "$LAB_IP_hA" --count 50 --interval 2
lab_assert "after the replug every segment is measured again" \
    '.probes.received == 50 and ([.segments[] | select(.rtt_us != null)] | length == 6)'

# --- /metrics: valid, with capture and link figures ---
lab_exec hA curl -sf "http://$HA/metrics" >"$NB_TMP/metrics.txt"
promtool check metrics <"$NB_TMP/metrics.txt" || nb_fail "promtool rejects the host agent's /metrics"
grep -q '^netblame_link_tx_packets_total{interface="vnetA",interface_role="tap"} ' "$NB_TMP/metrics.txt" || nb_fail "no tap counters"
grep -q '^netblame_link_up{interface="nicA",interface_role="nic"} 1$' "$NB_TMP/metrics.txt" || nb_fail "no NIC state"
grep -q '^netblame_link_events_total{event="vanished"} [1-9]' "$NB_TMP/metrics.txt" || nb_fail "vanish event not counted"
nb_log PASS
