#!/usr/bin/env bash
# netblamed as a daemon: two agents probing each other (fabric), /metrics in
# valid Prometheus format with moving counters and the inventory labels in
# netblame_info, config errors naming the key,
# SIGHUP reload (good and bad), malformed packets counted not fatal, SIGTERM
# clean exit (under the sanitizer build, a leak makes that exit non-zero).
. "$NB_SRC/tests/lib/common.sh"

nb_veth_pair a 198.18.0.1/30 b 198.18.0.2/30
A="${NB_P}-a" B="${NB_P}-b"

agent_cfg() { # NAME SELF PEERNAME PEERADDR [EXTRA_PEER_JSON]
    cat <<JSON
{ "role": "host", "user": "root", "node": "$1",
  "inventory": { "rack": "${RACK:-r1}", "tor": "tor-$1" },
  "reflector": { "address": "$2" },
  "api": { "port": 9862 },
  "stamp": { "jitter_pct": 20 },
  "peers": [ { "name": "$3", "family": "fabric", "address": "$4", "interval_ms": 20 }${5:-} ] }
JSON
}
agent_cfg a 198.18.0.1 b 198.18.0.2 >"$NB_TMP/a.json"
agent_cfg b 198.18.0.2 a 198.18.0.1 >"$NB_TMP/b.json"

# --- config validation names file and key ---
echo '{ "role": "host", "peers": [ { "name": "x", "family": "fabric", "adress": "198.18.0.2" } ] }' \
    >"$NB_TMP/bad.json"
rc=0; "$NB_BIN/netblamed" --config "$NB_TMP/bad.json" --check 2>"$NB_TMP/bad.err" || rc=$?
[ "$rc" -eq 2 ] || nb_fail "bad config: exit $rc, expected 2"
grep -q "bad.json" "$NB_TMP/bad.err" && grep -q "peers\[0\].adress" "$NB_TMP/bad.err" ||
    nb_fail "bad config message does not name file and key: $(cat "$NB_TMP/bad.err")"
"$NB_BIN/netblamed" --config "$NB_TMP/a.json" --check >/dev/null || nb_fail "--check on a good config"

nb_start "$A" netblamed-a "$NB_BIN/netblamed" --config "$NB_TMP/a.json"; pa=$NB_LAST_PID
nb_start "$B" netblamed-b "$NB_BIN/netblamed" --config "$NB_TMP/b.json"; pb=$NB_LAST_PID
nb_wait_for "agent a healthz" 20 ip netns exec "$A" curl -sf http://127.0.0.1:9862/healthz
nb_wait_for "agent b healthz" 20 ip netns exec "$B" curl -sf http://127.0.0.1:9862/healthz
ip netns exec "$A" curl -sf http://127.0.0.1:9862/healthz | jq -e '.status == "ok" and .role == "host" and .node == "a"' >/dev/null ||
    nb_fail "healthz body"

# --- probes flow both ways; RTT histogram fills ---
lbl='{peer="b",family="fabric"}'
nb_wait_for "a's probes answered" 30 nb_metric_ge "$A" 9862 "netblame_stamp_received_total$lbl" 20
nb_wait_for "b's probes answered" 30 nb_metric_ge "$B" 9862 'netblame_stamp_received_total{peer="a",family="fabric"}' 20
ip netns exec "$A" curl -sf http://127.0.0.1:9862/metrics >"$NB_TMP/metrics.txt"
promtool check metrics <"$NB_TMP/metrics.txt" || nb_fail "promtool rejects /metrics"
count=$(awk -v m="netblame_stamp_rtt_seconds_count$lbl" '$1 == m {print $2}' "$NB_TMP/metrics.txt")
inf=$(awk -v m='netblame_stamp_rtt_seconds_bucket{peer="b",family="fabric",le="+Inf"}' '$1 == m {print $2}' "$NB_TMP/metrics.txt")
[ -n "$count" ] && [ "$count" = "$inf" ] && [ "$count" -ge 20 ] || nb_fail "RTT histogram count $count / +Inf $inf"
grep -q '^netblame_stamp_lost_total{peer="b",family="fabric"} 0$' "$NB_TMP/metrics.txt" ||
    nb_fail "loss on a clean veth"
# netblame_info: identity and the config's inventory labels, for Prometheus joins
grep -Eq '^netblame_info\{version="[^"]+",agent_role="host",node="a",rack="r1",tor="tor-a"\} 1$' "$NB_TMP/metrics.txt" ||
    nb_fail "netblame_info: $(grep '^netblame_info' "$NB_TMP/metrics.txt")"
# the verdict's side beside its layer: once b has a verdict, one of its three sides is 1
nb_wait_for "b's verdict served" 20 nb_metric_ge "$A" 9862 'netblame_verdict_side{target="b",side="none"}' 0
ip netns exec "$A" curl -sf http://127.0.0.1:9862/metrics >"$NB_TMP/metrics-side.txt"
sides=$(awk '$1 ~ /^netblame_verdict_side\{target="b",side="(none|local|remote)"\}$/ { n++; s += $2 } END { print n "/" s }' "$NB_TMP/metrics-side.txt")
[ "$sides" = 3/1 ] || nb_fail "netblame_verdict_side of b: $sides (series/sum), expected 3/1"
# the verdict's start is a Unix time, named so (Prometheus conventions)
since=$(awk '$1 == "netblame_verdict_since_timestamp_seconds{target=\"b\"}" {print $2}' "$NB_TMP/metrics-side.txt")
now=$(date +%s)
[ -n "$since" ] && [ "$since" -gt $((now - 600)) ] && [ "$since" -le "$now" ] ||
    nb_fail "netblame_verdict_since_timestamp_seconds of b: '$since', now $now"
# the process_* metrics every exporter has, of this very process
for m in process_cpu_seconds_total process_resident_memory_bytes process_virtual_memory_bytes \
    process_start_time_seconds process_open_fds process_max_fds; do
    grep -Eq "^$m [0-9.e+]+$" "$NB_TMP/metrics.txt" || nb_fail "no $m"
done
start=$(awk '$1 == "process_start_time_seconds" {printf "%d", $2}' "$NB_TMP/metrics.txt")
[ "$start" -gt $((now - 600)) ] && [ "$start" -le "$now" ] || nb_fail "process_start_time_seconds $start, now $now"
fds=$(awk '$1 == "process_open_fds" {print $2}' "$NB_TMP/metrics.txt")
real=$(ls "/proc/$pa/fd" | wc -l)
[ "$fds" -ge 3 ] && [ "$fds" -le $((real + 4)) ] || nb_fail "process_open_fds $fds, /proc/$pa/fd has $real"
grep -q '^netblame_config_last_reload_successful 1$' "$NB_TMP/metrics.txt" ||
    nb_fail "the start's load not counted as successful"

# --- an unknown path: 404 with a JSON error ---
code=$(ip netns exec "$A" curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9862/nope)
[ "$code" = 404 ] || nb_fail "unknown path gave $code"

# --- malformed packets are counted and dropped, the daemon carries on ---
ip netns exec "$A" bash -c 'for i in $(seq 200); do printf "junk" >/dev/udp/198.18.0.2/862; done'
head -c 60 /dev/zero | ip netns exec "$A" bash -c 'cat >/dev/udp/198.18.0.2/862' # valid length, zero errest
nb_wait_for "short packets counted" 20 nb_metric_ge "$B" 9862 'netblame_stamp_malformed_total{stamp_role="reflector",reason="short"}' 200
nb_wait_for "zero error estimate counted" 20 nb_metric_ge "$B" 9862 'netblame_stamp_malformed_total{stamp_role="reflector",reason="errest"}' 1
ip netns exec "$B" curl -sf http://127.0.0.1:9862/healthz >/dev/null || nb_fail "b unhealthy after junk"

# --- SIGHUP: a new peer appears; a broken file keeps the running config ---
RACK=r2 agent_cfg a 198.18.0.1 b 198.18.0.2 ', { "name": "b2", "family": "vnet", "address": "198.18.0.2", "interval_ms": 20 }' \
    >"$NB_TMP/a.json"
kill -HUP "$pa"
nb_wait_for "reload ok counted" 20 nb_metric_ge "$A" 9862 'netblame_config_reloads_total{result="ok"}' 1
okts=$(nb_metric "$A" 9862 netblame_config_last_reload_success_timestamp_seconds)
[ "$okts" -ge "$now" ] || nb_fail "last reload success at $okts, before the reload ($now)"
nb_wait_for "new peer probing" 30 nb_metric_ge "$A" 9862 'netblame_stamp_received_total{peer="b2",family="vnet"}' 5
ip netns exec "$A" curl -sf http://127.0.0.1:9862/metrics >"$NB_TMP/metrics2.txt"
grep -q '^netblame_info{.*,rack="r2",tor="tor-a"} 1$' "$NB_TMP/metrics2.txt" ||
    nb_fail "the reload's inventory not in netblame_info: $(grep '^netblame_info' "$NB_TMP/metrics2.txt")"
echo '{ "role": "host", "bogus": 1 }' >"$NB_TMP/a.json"
kill -HUP "$pa"
nb_wait_for "failed reload counted" 20 nb_metric_ge "$A" 9862 'netblame_config_reloads_total{result="failed"}' 1
[ "$(nb_metric "$A" 9862 netblame_config_last_reload_successful)" = 0 ] || nb_fail "a failed reload left last_reload_successful at 1"
[ "$(nb_metric "$A" 9862 netblame_config_last_reload_success_timestamp_seconds)" = "$okts" ] ||
    nb_fail "a failed reload moved the last success's time"
before=$(nb_metric "$A" 9862 'netblame_stamp_sent_total{peer="b2",family="vnet"}')
nb_wait_for "still probing after a bad reload" 30 nb_metric_ge "$A" 9862 'netblame_stamp_sent_total{peer="b2",family="vnet"}' $((before + 5))
grep -q "bogus" "$NB_TMP/netblamed-a.log" || nb_fail "bad reload not logged with the key"

# --- SIGTERM: clean exit ---
nb_stop "$pa" || nb_fail "agent a exit status $?"
nb_stop "$pb" || nb_fail "agent b exit status $?"
grep -q "stopped" "$NB_TMP/netblamed-a.log" || nb_fail "no clean-stop log line"
nb_log "PASS"
