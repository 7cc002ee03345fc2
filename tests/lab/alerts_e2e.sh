#!/usr/bin/env bash
# Issue 14's end-to-end proof, on real Prometheus and Alertmanager (Debian's
# packages): Prometheus scrapes gA's netblamed and evaluates the fleet rules
# (deploy/prometheus/netblame.rules.yml, their `for:` shortened to seconds
# for the lab); Alertmanager routes their alerts to gA's POST /v1/alerts;
# gA enriches them with its verdict on its path peer gB and forwards them to
# nb-recorder, standing in for PagerDuty's Events API (the one part that
# cannot run here). A wire delay must reach the recorder as an event whose
# custom_details name physical; then a stalled virtio backend on gA's side,
# virtual/local. Between the two, the fault cases on the same real path: the
# sink down while the wire delay clears (Alertmanager's resolved
# notification is accepted and spooled), gA's netblamed SIGKILLed and
# restarted before the sink comes back — the resolve is then delivered, after
# its trigger (order per dedup key), with the same dedup_key.
# The whole lab runs with LAB_API_TLS=1 (issue 15): every agent's API over
# TLS with a bearer token, so Prometheus scrapes gA with tls_config.ca_file
# and authorization.credentials_file (its `up` is 1), Alertmanager posts with
# http_config's, and gA's path verdicts need hA's and hB's sightings fetched
# over TLS with the token (the daemon's own client). Everything runs
# in the lab's namespaces (Prometheus, Alertmanager and the recorder in hA's)
# and is stopped by the test.
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"
command -v prometheus >/dev/null || nb_fail "prometheus not found (deploy/install-deps.sh --test)"
command -v prometheus-alertmanager >/dev/null || nb_fail "prometheus-alertmanager not found"
LAB_API_TLS=1
lab_up
printf 'R0123456789abcdef0123456789abcdef\n' >"$NB_TMP/pd.key"
chmod 600 "$NB_TMP/pd.key"
mkdir -p "$NB_TMP/spool" "$NB_TMP/prom" "$NB_TMP/am"
LAB_API_gA=$LAB_IP_gA:9862
LAB_AGENT_EXTRA_gA='"api": { "address": "'$LAB_IP_gA'", '$(lab_api_sec)' },
  "alerts": { "spool_dir": "'$NB_TMP/spool'", "diagnose": "never",
    "sinks": [ { "name": "pd", "type": "pagerduty", "url": "http://'$LAB_IP_hA':9100/v2/enqueue",
                 "routing_key_file": "'$NB_TMP/pd.key'" } ] },'
LAB_AGENT_PEERS_gA=', { "name": "gB", "family": "path", "address": "'$LAB_IP_gB'", "interval_ms": 50 }'
lab_agents

HA=$(lab_ns hA)
start_recorder() {
    nb_start "$HA" recorder "$NB_BIN/tests/nb-recorder" --listen "$LAB_IP_hA" --port 9100 \
        --out "$NB_TMP/requests.log"
    recorder=$NB_LAST_PID
}
start_recorder
# The rules as shipped, their `for:` in seconds: the lab's faults last tens
# of seconds, not minutes.
sed -E 's/^( *)for: .*/\1for: 3s/' "$NB_SRC/deploy/prometheus/netblame.rules.yml" >"$NB_TMP/rules.yml"
cat >"$NB_TMP/prometheus.yml" <<YML
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: ["$NB_TMP/rules.yml"]
alerting: { alertmanagers: [ { static_configs: [ { targets: ["127.0.0.1:9093"] } ] } ] }
scrape_configs:
  - job_name: netblame
    scheme: https
    tls_config: { ca_file: "$NB_TMP/tls/ca.pem" }
    authorization: { credentials_file: "$NB_TMP/tls/token" }
    static_configs: [ { targets: ["$LAB_IP_gA:9862"] } ]
YML
cat >"$NB_TMP/alertmanager.yml" <<YML
route: { receiver: netblame, group_by: [alertname, instance, netblame_target],
         group_wait: 1s, group_interval: 1s, repeat_interval: 1h }
receivers:
  - name: netblame
    webhook_configs:
      - url: "https://$LAB_IP_gA:9862/v1/alerts"
        send_resolved: true
        http_config:
          authorization: { credentials_file: "$NB_TMP/tls/token" }
          tls_config: { ca_file: "$NB_TMP/tls/ca.pem" }
YML
promtool check config "$NB_TMP/prometheus.yml" >/dev/null || nb_fail "promtool rejects the test's prometheus.yml"
nb_start "$HA" alertmanager prometheus-alertmanager --config.file="$NB_TMP/alertmanager.yml" \
    --storage.path="$NB_TMP/am" --web.listen-address=127.0.0.1:9093 --cluster.listen-address=
nb_start "$HA" prometheus prometheus --config.file="$NB_TMP/prometheus.yml" \
    --storage.tsdb.path="$NB_TMP/prom" --web.listen-address=127.0.0.1:9090
nb_wait_for "alertmanager ready" 60 lab_exec hA curl -sf http://127.0.0.1:9093/-/ready
nb_wait_for "prometheus ready" 60 lab_exec hA curl -sf http://127.0.0.1:9090/-/ready
nb_wait_for "prometheus scraping gA" 60 sh -c "ip netns exec $HA curl -sf 'http://127.0.0.1:9090/api/v1/query?query=up' |
    jq -e '.data.result[0].value[1] == \"1\"' >/dev/null"

verdict() { lab_curl gA "/v1/verdicts?target=gB" | jq -c '.verdicts[0]'; }
gB_healthy() { lab_curl gA "/v1/verdicts?target=gB" | jq -e '.verdicts[0].verdict == "healthy"'; }
nb_wait_for "gA: gB healthy" 60 gB_healthy
# without the token: 401, counted; /healthz needs none
code=$(lab_exec gA curl -s -o /dev/null -w '%{http_code}' --cacert "$NB_TMP/tls/ca.pem" \
    "https://$LAB_API_gA/v1/verdicts")
[ "$code" = 401 ] || nb_fail "gA's /v1/verdicts without a token: $code, expected 401"
lab_exec gA curl -sf --cacert "$NB_TMP/tls/ca.pem" "https://$LAB_API_gA/healthz" >/dev/null ||
    nb_fail "gA's /healthz over TLS without a token"
nb_metric_ge_at gA netblame_api_auth_failures_total 1 || nb_fail "the 401 not counted"
# gA's daemon fetched its path's sightings from both host agents over TLS
# with the token: they answered it, and refused no one
for h in hA hB; do
    nb_metric_ge_at "$h" 'netblame_api_requests_total{code="2xx"}' 10 ||
        nb_fail "$h answered no fetches over TLS"
    [ "$(lab_curl "$h" /metrics | awk '$1 == "netblame_api_auth_failures_total" { print $2 }')" = 0 ] ||
        nb_fail "$h refused a token"
done

# event_for LAYER: the recorder has a trigger event for target gB whose
# custom_details name LAYER (and, with SIDE, where begins LAYER/SIDE)
event_for() {
    jq -s -e --arg l "$1" --arg s "${2:-}" 'any(.[]; .path == "/v2/enqueue" and
        .body.event_action == "trigger" and .body.payload.custom_details.netblame_target == "gB" and
        .body.payload.custom_details.netblame_verdict == $l and
        ($s == "" or (.body.payload.custom_details.netblame_where | startswith($l + "/" + $s))))' \
        "$NB_TMP/requests.log" >/dev/null 2>&1
}
wait_event() { # WHAT LAYER [SIDE]
    (nb_wait_for "$1" 120 event_for "$2" "${3:-}") ||
        nb_fail "$1; gA's verdict on gB: $(verdict); alerts at Alertmanager: $(lab_exec hA curl -sf http://127.0.0.1:9093/api/v2/alerts | jq -c '[.[] | .labels]')"
}

lab_fault wire both delay_us=5000
wait_event "a wire delay reaches the on-call system as physical" physical
nb_log "ok: wire delay → Prometheus → Alertmanager → gA's /v1/alerts → PagerDuty stand-in: physical"
key=$(jq -r 'select(.path == "/v2/enqueue" and .body.payload.custom_details.netblame_verdict == "physical") |
    .body.dedup_key' "$NB_TMP/requests.log" | head -1)

# The sink goes down; the delay clears; Alertmanager's resolved notification
# is accepted (spooled) but cannot be delivered; gA's netblamed is killed
# without warning and started again; then the sink comes back.
kill -TERM "$recorder"; wait "$recorder" 2>/dev/null || true
lab_clear
nb_wait_for "the resolved notification accepted while the sink is down" 120 \
    nb_metric_ge_at gA 'netblame_alert_queued{sink="pd"}' 1
old=$(cat "$NB_TMP/agent-gA.pid")
kill -KILL "$old"
# reaped before the new one starts: kill returns before the kernel has torn
# the process down, and its reflector and API ports were seen still bound
# ("Address already in use") on a loaded fresh-machine check
wait "$old" 2>/dev/null || true
nb_start "$(lab_ns gA)" agent-gA-again "$NB_BIN/netblamed" --config "$NB_TMP/agent-gA.json"
echo "$NB_LAST_PID" >"$NB_TMP/agent-gA.pid"
nb_wait_for "gA's netblamed back" 30 lab_curl gA /healthz
start_recorder
resolved() {
    jq -s -e --arg k "$key" '[.[] | select(.path == "/v2/enqueue" and .body.dedup_key == $k) |
        .body.event_action] | index("resolve") as $r | $r != null and index("trigger") < $r' \
        "$NB_TMP/requests.log" >/dev/null 2>&1
}
nb_wait_for "the resolve delivered after the restart, after its trigger" 120 resolved
nb_log "ok: sink down, netblamed SIGKILLed and restarted: the resolve ($key) is delivered after its trigger"
nb_wait_for "gA: gB healthy again" 90 gB_healthy

lab_fault virtio local rx stall_every_ms=100 stall_for_ms=40
wait_event "a stalled virtio backend on gA's side reaches it as virtual/local" virtual local
nb_log "ok: virtio stall at gA → the page says virtual/local"
lab_clear
