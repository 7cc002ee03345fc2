#!/usr/bin/env bash
# Two namespaces joined by a veth pair: netblamed reflects in one, `netblame
# diagnose` probes from the other. Asserts what a user reads off the report:
# every probe counted, RTT figures positive and ordered, honest verdict and
# exit status — and, with the reflector gone, loss reported as such.
. "$NB_SRC/tests/lib/common.sh"

nb_veth_pair a 198.18.0.1/30 b 198.18.0.2/30
A="${NB_P}-a" B="${NB_P}-b"

cat >"$NB_TMP/b.json" <<JSON
{ "role": "guest", "user": "root", "node": "b",
  "reflector": { "address": "198.18.0.2" },
  "api": { "address": "127.0.0.1", "port": 9862 } }
JSON
nb_start "$B" netblamed-b "$NB_BIN/netblamed" --config "$NB_TMP/b.json"
daemon=$NB_LAST_PID
nb_wait_for "netblamed healthz" 20 ip netns exec "$B" curl -sf http://127.0.0.1:9862/healthz

# --- healthy path: JSON report ---
rc=0
ip netns exec "$A" "$NB_BIN/netblame" diagnose 198.18.0.2 --count 50 --interval 5 --json \
    >"$NB_TMP/diag.json" || rc=$?
cat "$NB_TMP/diag.json"
# No host agent here: no segment is known, but a fast, lossless round trip
# clears every segment at once — healthy, exit 0, with a confidence that says
# how little was seen.
[ "$rc" -eq 0 ] || nb_fail "exit status $rc, expected 0 (healthy)"
jq -e '.schema == "netblame.verdict/v1" and .verdict == "healthy" and .confidence > 0 and .confidence < 1' \
    "$NB_TMP/diag.json" >/dev/null || nb_fail "schema/verdict"
jq -e '.probes.sent == 50 and .probes.received == 50 and .probes.lost == 0 and .window.probes == 50' \
    "$NB_TMP/diag.json" >/dev/null || nb_fail "probe counts"
jq -e '.probes.rtt_us as $r | $r.min > 0 and $r.min <= $r.p50 and $r.p50 <= $r.p90
       and $r.p90 <= $r.p99 and $r.p99 <= $r.max' "$NB_TMP/diag.json" >/dev/null ||
    nb_fail "RTT figures not positive and ordered"
jq -e '.probes.reflector_us.min >= 0 and .probes.timestamps.send_kernel == 50
       and .probes.timestamps.receive_kernel == 50' "$NB_TMP/diag.json" >/dev/null ||
    nb_fail "kernel timestamps not used on both ends"
# without host agents only the reflector's own time (T3 - T2) is a segment
jq -e '[.segments[] | select(.rtt_us != null) | .name] == ["remote_app"] and
       [.segments[] | select(.name != "remote_app") | .anomalous] == [null, null, null, null, null]' \
    "$NB_TMP/diag.json" >/dev/null || nb_fail "a segment figure was claimed that was not measured"

# --- healthy path: human report ---
rc=0
ip netns exec "$A" "$NB_BIN/netblame" diagnose 198.18.0.2:862 --count 20 --interval 5 \
    >"$NB_TMP/diag.txt" || rc=$?
cat "$NB_TMP/diag.txt"
[ "$rc" -eq 0 ] || nb_fail "text mode exit $rc"
grep -q 'sent 20  received 20  lost 0 (0.0%)' "$NB_TMP/diag.txt" || nb_fail "text counts"
grep -q '^  round trip' "$NB_TMP/diag.txt" || nb_fail "text RTT row"
grep -q '^verdict: healthy' "$NB_TMP/diag.txt" || nb_fail "text verdict"

# --- the reflector's probe counters moved accordingly ---
nb_metric_ge "$B" 9862 netblame_reflector_reflected_total 70 || nb_fail "reflector counted < 70"

# --- reflector gone: every probe lost, said so ---
nb_stop "$daemon" || nb_fail "netblamed did not exit cleanly on SIGTERM"
rc=0
ip netns exec "$A" "$NB_BIN/netblame" diagnose 198.18.0.2 --count 10 --interval 5 --timeout 200 \
    --json >"$NB_TMP/dead.json" || rc=$?
cat "$NB_TMP/dead.json"
[ "$rc" -eq 3 ] || nb_fail "dead reflector: exit $rc, expected 3"
jq -e '.probes.sent == 10 and .probes.received == 0 and .probes.lost == 10 and .probes.icmp_errors > 0
       and (.reason | test("no reply"))' "$NB_TMP/dead.json" >/dev/null || nb_fail "dead reflector report"

# --- usage errors exit 2 ---
rc=0; "$NB_BIN/netblame" diagnose not-an-address 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || nb_fail "bad target: exit $rc, expected 2"
rc=0; "$NB_BIN/netblame" diagnose 198.18.0.2 --count 0 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || nb_fail "bad --count: exit $rc, expected 2"
nb_log "PASS"
