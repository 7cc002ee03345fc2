#!/usr/bin/env bash
# POST /v1/alerts end to end inside netblamed, with nb-recorder standing in
# for PagerDuty's Events API and a webhook (the one part that cannot run
# here): an alert about a configured target leaves with its verdict
# (netblame_verdict, _where, _summary, ...) in the event's custom_details,
# trigger/resolve from its status, dedup_key its fingerprint; an alert naming
# no target leaves with netblame_error; a bad body is 400; with the sink down
# the notification is accepted (spooled) and delivered once the sink is
# back; netblamed SIGKILLed between the accept and the delivery delivers it
# after its restart, with the same dedup_key; a diagnosis that hangs
# (NETBLAME_CLI a stand-in that never ends) leaves the alert answered and
# forwarded by its deadline, saying so. The alert counters are on
# /metrics. (nb-recorder writes requests.log: a failing run prints it.)
. "$NB_SRC/tests/lib/common.sh"

nb_veth_pair a 198.18.0.1/30 b 198.18.0.2/30
A="${NB_P}-a" B="${NB_P}-b"
printf 'R0123456789abcdef0123456789abcdef\n' >"$NB_TMP/pd.key"
chmod 600 "$NB_TMP/pd.key"
cat >"$NB_TMP/a.json" <<JSON
{ "role": "host", "user": "root", "node": "a", "reflector": { "address": "198.18.0.1" },
  "api": { "port": 9862 },
  "peers": [ { "name": "b", "family": "fabric", "address": "198.18.0.2", "interval_ms": 20 } ],
  "alerts": { "spool_dir": "$NB_TMP/spool", "diagnose": "never",
    "sinks": [ { "name": "pd", "type": "pagerduty", "url": "http://127.0.0.1:9100/v2/enqueue",
                 "routing_key_file": "$NB_TMP/pd.key", "severity": "error" },
               { "name": "hook", "type": "webhook", "url": "http://127.0.0.1:9100/hook" } ] } }
JSON
cat >"$NB_TMP/b.json" <<JSON
{ "role": "host", "user": "root", "node": "b", "reflector": { "address": "198.18.0.2" }, "api": { "port": 9862 } }
JSON
mkdir -p "$NB_TMP/spool"
start_a() { nb_start "$A" netblamed-a "$NB_BIN/netblamed" --config "$NB_TMP/a.json"; pa=$NB_LAST_PID; }
start_rec() { nb_start "$A" recorder "$NB_BIN/tests/nb-recorder" --port 9100 --out "$NB_TMP/requests.log"; prec=$NB_LAST_PID; }
start_a
nb_start "$B" netblamed-b "$NB_BIN/netblamed" --config "$NB_TMP/b.json"
start_rec
nb_wait_for "agent a healthz" 20 ip netns exec "$A" curl -sf http://127.0.0.1:9862/healthz
nb_wait_for "recorder listening" 20 ip netns exec "$A" sh -c 'ss -ltn | grep -q ":9100 "'
nb_wait_for "a verdict for b" 30 sh -c "ip netns exec $A curl -sf 'http://127.0.0.1:9862/v1/verdicts?target=b' | jq -e '.verdicts[0].verdict' >/dev/null"

# NOTIFICATION_ID STATUS TARGET_LABEL FINGERPRINT: an Alertmanager v4 notification
note() {
    cat <<JSON
{"version":"4","groupKey":"{}:{alertname=\"T$1\"}","truncatedAlerts":0,"status":"$2",
 "receiver":"netblame","groupLabels":{"alertname":"T$1"},"commonLabels":{},"commonAnnotations":{},
 "externalURL":"http://am","alerts":[{"status":"$2","labels":{"alertname":"T$1","netblame_target":"$3"},
 "annotations":{"summary":"calls to b are slow"},"startsAt":"2026-12-03T10:00:00Z",
 "endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom","fingerprint":"$4"}]}
JSON
}
post() { # BODY -> status code
    ip netns exec "$A" curl -s -o "$NB_TMP/post.out" -w '%{http_code}' -X POST \
        -H 'Content-Type: application/json' --data "$1" http://127.0.0.1:9862/v1/alerts
}
events() { # FINGERPRINT -> the PagerDuty events recorded for it, one per line
    jq -c --arg f "$1" 'select(.path == "/v2/enqueue" and .body.dedup_key == $f) | .body' \
        "$NB_TMP/requests.log" 2>/dev/null || true
}
nevents() { events "$1" | wc -l; }

# --- an alert about b: enriched with b's verdict, forwarded to both sinks ---
code=$(post "$(note 1 firing b fp0001)")
[ "$code" = 200 ] || nb_fail "POST /v1/alerts: $code $(cat "$NB_TMP/post.out")"
nb_wait_for "the PagerDuty event for fp0001" 30 sh -c "[ \$(jq -c 'select(.body.dedup_key == \"fp0001\")' $NB_TMP/requests.log | wc -l) -ge 1 ]"
events fp0001 | head -1 >"$NB_TMP/ev1.json"
jq -e '.event_action == "trigger" and .routing_key == "R0123456789abcdef0123456789abcdef" and
       .payload.severity == "error" and
       (.payload.custom_details.netblame_verdict | IN("healthy", "inconclusive", "physical", "virtual", "app")) and
       .payload.custom_details.netblame_target == "b" and
       (.payload.custom_details.netblame_summary | length > 0) and
       (.payload.custom_details.netblame_window | test("^[0-9T:.Z-]+/[0-9T:.Z-]+$"))' "$NB_TMP/ev1.json" >/dev/null ||
    nb_fail "the PagerDuty event: $(cat "$NB_TMP/ev1.json")"
# (jq -s and any(): with select alone, jq -e's status is the last line's)
nb_wait_for "the webhook copy" 30 sh -c "jq -s -e 'any(.[]; .path == \"/hook\" and .body.alerts[0].annotations.netblame_target == \"b\")' $NB_TMP/requests.log >/dev/null"
nb_log "ok: an alert about b leaves with b's verdict ($(jq -r .payload.custom_details.netblame_verdict "$NB_TMP/ev1.json")) to PagerDuty and the webhook"

# --- resolved: event_action resolve, the same dedup_key ---
code=$(post "$(note 1 resolved b fp0001)")
[ "$code" = 200 ] || nb_fail "POST resolved: $code"
nb_wait_for "the resolve event" 30 sh -c "[ \$(jq -c 'select(.body.dedup_key == \"fp0001\" and .body.event_action == \"resolve\")' $NB_TMP/requests.log | wc -l) -ge 1 ]"
nb_log "ok: a resolved alert is a resolve event with the same dedup_key"

# --- no target; a bad body ---
code=$(post "$(note 2 firing nowhere fp0002)")
[ "$code" = 200 ] || nb_fail "POST no target: $code"
nb_wait_for "the no-target event" 30 sh -c "[ \$(jq -c 'select(.body.dedup_key == \"fp0002\")' $NB_TMP/requests.log | wc -l) -ge 1 ]"
events fp0002 | head -1 | jq -e '.payload.custom_details.netblame_error | test("no target")' >/dev/null ||
    nb_fail "no-target alert: $(events fp0002)"
code=$(post '{"version":"4","alerts":"x"}')
[ "$code" = 400 ] || nb_fail "a bad notification: $code"
nb_log "ok: an alert naming no target leaves with netblame_error; a bad body is 400"

# --- the sink down, then back: accepted, delivered once it is back ---
kill -TERM "$prec"; wait "$prec" 2>/dev/null || true
code=$(post "$(note 3 firing b fp0003)")
[ "$code" = 200 ] || nb_fail "POST with the sink down: $code (must be accepted: it is spooled)"
nb_wait_for "a failed attempt retried" 30 nb_metric_ge "$A" 9862 'netblame_alert_retries_total{sink="pd"}' 1
start_rec
nb_wait_for "fp0003 delivered after the sink came back" 60 sh -c "[ \$(jq -c 'select(.body.dedup_key == \"fp0003\")' $NB_TMP/requests.log | wc -l) -ge 1 ]"
nb_log "ok: with the sink down the alert is spooled, retried and delivered once it is back"

# --- SIGKILL between the accept and the delivery: delivered after the restart ---
kill -TERM "$prec"; wait "$prec" 2>/dev/null || true
code=$(post "$(note 4 firing b fp0004)")
[ "$code" = 200 ] || nb_fail "POST before the kill: $code"
kill -KILL "$pa"; wait "$pa" 2>/dev/null || true
[ "$(nevents fp0004)" = 0 ] || nb_fail "fp0004 delivered with the sink down"
start_rec
nb_wait_for "recorder listening again" 20 ip netns exec "$A" sh -c 'ss -ltn | grep -q ":9100 "'
start_a
nb_wait_for "fp0004 delivered after the restart" 60 sh -c "[ \$(jq -c 'select(.body.dedup_key == \"fp0004\")' $NB_TMP/requests.log | wc -l) -ge 1 ]"
events fp0004 | head -1 | jq -e '.event_action == "trigger" and .payload.custom_details.netblame_target == "b"' >/dev/null ||
    nb_fail "fp0004 after the restart: $(events fp0004)"
nb_log "ok: SIGKILLed between accept and delivery, the alert is delivered after the restart (same dedup_key)"

# --- a diagnosis that hangs: the alert leaves within the deadline, unenriched ---
# alerts.diagnose "always" and NETBLAME_CLI a stand-in that never ends: the
# answer must still come (alerts.deadline_ms 1000), the alert carrying why.
kill -TERM "$pa"; wait "$pa" 2>/dev/null || true
printf '#!/bin/sh\nexec sleep 600\n' >"$NB_TMP/hang.sh"
chmod +x "$NB_TMP/hang.sh"
sed -e 's/"diagnose": "never"/"diagnose": "always", "deadline_ms": 1000/' "$NB_TMP/a.json" >"$NB_TMP/a-hang.json"
nb_start "$A" netblamed-hang env NETBLAME_CLI="$NB_TMP/hang.sh" "$NB_BIN/netblamed" --config "$NB_TMP/a-hang.json"; pa=$NB_LAST_PID
nb_wait_for "agent a healthz (hanging diagnoses)" 20 ip netns exec "$A" curl -sf http://127.0.0.1:9862/healthz
code=$(post "$(note 5 firing b fp0005)")
[ "$code" = 200 ] || nb_fail "POST with a hanging diagnosis: $code $(cat "$NB_TMP/post.out")"
nb_wait_for "fp0005 forwarded" 30 sh -c "[ \$(jq -c 'select(.body.dedup_key == \"fp0005\")' $NB_TMP/requests.log | wc -l) -ge 1 ]"
events fp0005 | head -1 | jq -e '.payload.custom_details.netblame_error | test("no verdict within the 1000 ms deadline")' >/dev/null ||
    nb_fail "fp0005: $(events fp0005)"
nb_log "ok: a diagnosis that hangs: the alert is answered and forwarded within its deadline, saying so"

# --- counters ---
nb_wait_for "agent a healthz again" 20 ip netns exec "$A" curl -sf http://127.0.0.1:9862/healthz
ip netns exec "$A" curl -sf http://127.0.0.1:9862/metrics >"$NB_TMP/metrics.txt"
promtool check metrics <"$NB_TMP/metrics.txt" || nb_fail "promtool rejects /metrics"
grep -q '^netblame_alerts_received_total ' "$NB_TMP/metrics.txt" &&
    grep -q '^netblame_alerts_unenriched_total{reason="no_target"} ' "$NB_TMP/metrics.txt" &&
    grep -q '^netblame_alert_delivered_total{sink="pd"} ' "$NB_TMP/metrics.txt" ||
    nb_fail "alert metrics missing: $(grep alert "$NB_TMP/metrics.txt" | head -20)"
nb_log "ok: the alert counters are on /metrics"
