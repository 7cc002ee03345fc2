#!/usr/bin/env bash
# The example Alertmanager configuration (deploy/prometheus/alertmanager.yml)
# in a real Alertmanager: with NetblameRackPhysical firing for rack r12, the
# physical pages and silent reflectors of r12's hosts are inhibited, and
# nothing else is: not the same alerts in another rack or from an agent
# without inventory, not a virtual page in r12. Alertmanager runs in a
# namespace of its own, so its ports meet no other test's.
. "$NB_SRC/tests/lib/common.sh"

command -v prometheus-alertmanager >/dev/null ||
    nb_fail "prometheus-alertmanager not found (deploy/install-deps.sh --test installs it)"
nb_netns am
AM="${NB_P}-am"
mkdir -p "$NB_TMP/am"
# no cluster: a lone instance has no peers to wait for before it notifies
nb_start "$AM" alertmanager prometheus-alertmanager \
    --config.file="$NB_SRC/deploy/prometheus/alertmanager.yml" \
    --storage.path="$NB_TMP/am" --web.listen-address=127.0.0.1:9093 --cluster.listen-address=
am() { ip netns exec "$AM" curl -sf "$@"; }
nb_wait_for "alertmanager ready" 30 am http://127.0.0.1:9093/-/ready

# ALERTNAME [LABEL=VALUE...]: one firing alert as JSON, labelled as
# netblame.rules.yml labels it (the rack alert has no instance: it counts hosts)
alert() {
    printf '{"labels":{"alertname":"%s"' "$1"
    shift
    for kv in "$@"; do printf ',"%s":"%s"' "${kv%%=*}" "${kv#*=}"; done
    printf '},"annotations":{"summary":"test"}}'
}
h11=(job=netblame instance=h11:9862 rack=r12 tor=tor-3)
{
    printf '['
    alert NetblameRackPhysical rack=r12 tor=tor-3 layer=physical severity=critical
    printf ','
    alert NetblameTargetFault "${h11[@]}" target=t1 layer=physical side=none severity=critical
    printf ','
    alert NetblameReflectorSilent "${h11[@]}" peer=t2 family=fabric severity=warning
    printf ','
    alert NetblameTargetFault job=netblame instance=h12:9862 rack=r12 tor=tor-3 target=t1 \
        layer=virtual side=local severity=critical
    printf ','
    alert NetblameTargetFault job=netblame instance=h21:9862 rack=r13 tor=tor-4 target=t1 \
        layer=physical side=none severity=critical
    printf ','
    alert NetblameTargetFault job=netblame instance=h91:9862 target=t1 layer=physical \
        severity=critical
    printf ']'
} >"$NB_TMP/alerts.json"
am -X POST -H 'Content-Type: application/json' --data @"$NB_TMP/alerts.json" \
    http://127.0.0.1:9093/api/v2/alerts >/dev/null || nb_fail "alertmanager refused the alerts"

# STATE ALERTNAME INSTANCE: that alert is there in STATE (active, suppressed)
state_is() {
    am http://127.0.0.1:9093/api/v2/alerts >"$NB_TMP/state.json" &&
        jq -e --arg s "$1" --arg n "$2" --arg i "$3" \
            '[.[] | select(.labels.alertname == $n and (.labels.instance // "") == $i)]
             | length == 1 and .[0].status.state == $s' "$NB_TMP/state.json" >/dev/null
}
alerts_are() { am http://127.0.0.1:9093/api/v2/alerts | jq -e --argjson n "$1" 'length == $n'; }
nb_wait_for "all six alerts received" 20 alerts_are 6
nb_wait_for "r12's physical page inhibited" 20 state_is suppressed NetblameTargetFault h11:9862
nb_wait_for "r12's silent reflector inhibited" 20 state_is suppressed NetblameReflectorSilent h11:9862
# inhibition is decided when the alerts are listed: the states below are final
state_is active NetblameRackPhysical "" || nb_fail "the rack alert is not active: $(cat "$NB_TMP/state.json")"
state_is active NetblameTargetFault h12:9862 || nb_fail "a virtual page in r12 was muted"
state_is active NetblameTargetFault h21:9862 || nb_fail "a physical page in r13 was muted"
state_is active NetblameTargetFault h91:9862 || nb_fail "a page without a rack label was muted"
jq -e '[.[] | select(.labels.instance == "h11:9862") | .status.inhibitedBy | length == 1] | all' \
    "$NB_TMP/state.json" >/dev/null || nb_fail "inhibitedBy: $(cat "$NB_TMP/state.json")"
nb_log "PASS"
