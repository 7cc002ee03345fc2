#!/usr/bin/env bash
# `netblame enrich`: an Alertmanager notification through the command line
# against a netblamed in a namespace of its own. Asserts what an on-call
# reader relies on: each alert annotated with its target's verdict (a peer
# named by its instance's address, an app target by netblame_target), an
# alert naming no target saying so, everything else of the notification as
# it came; with no daemon, or one that never answers, every alert still goes
# out saying why, exit 0, within the deadline; input that is no
# notification, exit 2 and nothing written.
. "$NB_SRC/tests/lib/common.sh"

nb_netns a
A="${NB_P}-a"
run() { ip netns exec "$A" "$@"; }

cat >"$NB_TMP/a.json" <<JSON
{ "role": "guest", "user": "root", "node": "a",
  "reflector": { "address": "127.0.0.1" },
  "api": { "address": "127.0.0.1", "port": 9862 },
  "peers": [ { "name": "self", "family": "vnet", "address": "127.0.0.1", "interval_ms": 20 } ],
  "app": [ { "name": "web", "url": "http://127.0.0.1:18080/", "interval_ms": 100 } ],
  "alerts": { "deadline_ms": 3000 } }
JSON
# the same targets, asking a port that accepts and never answers
sed 's/"port": 9862/"port": 9863/' "$NB_TMP/a.json" >"$NB_TMP/silent.json"

cat >"$NB_TMP/note.json" <<'JSON'
{"version":"4","groupKey":"{}:{alertname=\"Slow\"}","truncatedAlerts":0,"status":"firing",
 "receiver":"netblame","groupLabels":{"alertname":"Slow"},"commonLabels":{"alertname":"Slow"},
 "commonAnnotations":{},"externalURL":"http://am:9093","orgId":7,
 "alerts":[
  {"status":"firing","labels":{"alertname":"Slow","instance":"127.0.0.1:9100"},
   "annotations":{"summary":"theirs","netblame_error":"stale"},
   "startsAt":"2024-05-01T10:00:00.123456789+02:00","endsAt":"0001-01-01T00:00:00Z",
   "generatorURL":"http://prom:9090/graph","fingerprint":"1a30ba71cca2921f"},
  {"status":"firing","labels":{"alertname":"Slow","netblame_target":"web"},"annotations":{}},
  {"status":"resolved","labels":{"alertname":"Slow","instance":"10.9.9.9:9100"},"annotations":null}]}
JSON

# enrich CONFIG OUT [ARGS...]: netblame enrich in the namespace; its exit status.
enrich() {
    local cfg=$1 out=$2 rc=0
    shift 2
    run "$NB_BIN/netblame" enrich --config "$cfg" "$@" <"$NB_TMP/note.json" >"$out" || rc=$?
    return "$rc"
}

# the notification as it came, apart from the annotations
same_rest() {
    jq -e --slurpfile in "$NB_TMP/note.json" \
        '(del(.alerts[].annotations) == ($in[0] | del(.alerts[].annotations))) and
         .alerts[0].annotations.summary == "theirs"' "$1" >/dev/null ||
        nb_fail "$1: the notification changed beyond its annotations"
}

# --- no netblamed: every alert goes out saying why, exit 0 ---
rc=0; enrich "$NB_TMP/a.json" "$NB_TMP/none.json" || rc=$?
[ "$rc" -eq 0 ] || nb_fail "no daemon: exit $rc, expected 0"
same_rest "$NB_TMP/none.json"
jq -e '.alerts[0].annotations.netblame_target == "self" and
       (.alerts[0].annotations.netblame_error | startswith("no verdict for self: netblamed at 127.0.0.1:9862 did not answer")) and
       .alerts[0].annotations.netblame_verdict == null and
       (.alerts[1].annotations.netblame_error | startswith("no verdict for web: ")) and
       (.alerts[2].annotations.netblame_error | startswith("no target: instance=\"10.9.9.9:9100\""))' \
    "$NB_TMP/none.json" >/dev/null || nb_fail "no daemon: $(cat "$NB_TMP/none.json")"

# --- a daemon that never answers: over by the deadline, still exit 0 ---
nb_start "$A" silent socat -u TCP-LISTEN:9863,bind=127.0.0.1,reuseaddr OPEN:/dev/null
nb_wait_for "the silent listener" 10 bash -c "ip netns exec '$A' ss -Hltn 'sport = :9863' | grep -q ."
rc=0; enrich "$NB_TMP/silent.json" "$NB_TMP/silent.out" --deadline 300 || rc=$?
[ "$rc" -eq 0 ] || nb_fail "silent daemon: exit $rc, expected 0"
jq -e '.alerts[0].annotations.netblame_error | startswith("no verdict for self: netblamed at 127.0.0.1:9863 did not answer")' \
    "$NB_TMP/silent.out" >/dev/null || nb_fail "silent daemon: $(cat "$NB_TMP/silent.out")"

# --- bad input: exit 2, nothing on standard output ---
rc=0
echo '{"version":"4","status":"firing"}' | run "$NB_BIN/netblame" enrich --config "$NB_TMP/a.json" \
    >"$NB_TMP/bad.out" 2>"$NB_TMP/bad.err" || rc=$?
[ "$rc" -eq 2 ] && [ ! -s "$NB_TMP/bad.out" ] || nb_fail "bad input: exit $rc, output $(cat "$NB_TMP/bad.out")"
grep -q "notification: alerts: missing (required)" "$NB_TMP/bad.err" || nb_fail "bad input message: $(cat "$NB_TMP/bad.err")"
rc=0; run "$NB_BIN/netblame" enrich <"$NB_TMP/note.json" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || nb_fail "no --config: exit $rc, expected 2"

# --- with netblamed and its verdicts ---
nb_start "$A" backend "$NB_BIN/tests/nb-backend" --listen 127.0.0.1:18080 --control "$NB_TMP/backend.ctl"
nb_wait_for "backend ready" 10 test -S "$NB_TMP/backend.ctl"
nb_start "$A" netblamed "$NB_BIN/netblamed" --config "$NB_TMP/a.json"
nb_wait_for "netblamed healthz" 20 run curl -sf http://127.0.0.1:9862/healthz
nb_wait_for "verdicts of self and web" 60 \
    bash -c "ip netns exec '$A' curl -sf http://127.0.0.1:9862/v1/verdicts |
             jq -e '[.verdicts[].target] | sort == [\"self\", \"web\"]'"

rc=0; enrich "$NB_TMP/a.json" "$NB_TMP/out.json" || rc=$?
[ "$rc" -eq 0 ] || nb_fail "enrich: exit $rc, expected 0"
cat "$NB_TMP/out.json" >&2
[ "$(wc -l <"$NB_TMP/out.json")" -eq 1 ] || nb_fail "not one line"
same_rest "$NB_TMP/out.json"
for i in 0 1; do
    jq -e --argjson i "$i" '.alerts[$i].annotations as $a |
        ($a.netblame_verdict | IN("healthy", "app", "virtual", "physical", "inconclusive")) and
        ($a.netblame_where | startswith($a.netblame_verdict)) and
        ($a.netblame_confidence | test("^[01]\\.[0-9]{2}$")) and
        ($a.netblame_summary | startswith($a.netblame_where)) and
        ($a.netblame_summary | length <= 200) and
        ($a.netblame_window | test("^[0-9-]{10}T[0-9:.]{12}Z/[0-9-]{10}T[0-9:.]{12}Z$")) and
        ($a.netblame_evidence | type == "string") and
        $a.netblame_error == null' "$NB_TMP/out.json" >/dev/null ||
        nb_fail "alert $i not enriched"
done
jq -e '.alerts[0].annotations.netblame_target == "self" and
       .alerts[1].annotations.netblame_target == "web" and
       (.alerts[2].annotations.netblame_error | startswith("no target: ")) and
       (.alerts[2].annotations | keys == ["netblame_error"])' "$NB_TMP/out.json" >/dev/null ||
    nb_fail "mapping"
# --- alerts.diagnose "always": each mapped target diagnosed by netblamed
# (POST /v1/diagnose) within the deadline, its verdict on the alert ---
sed 's/"alerts": { "deadline_ms": 3000 }/"alerts": { "deadline_ms": 5000, "diagnose": "always" }/' \
    "$NB_TMP/a.json" >"$NB_TMP/always.json"
grep -q '"diagnose": "always"' "$NB_TMP/always.json" || nb_fail "test setup: always.json"
rc=0; enrich "$NB_TMP/always.json" "$NB_TMP/always.out" || rc=$?
[ "$rc" -eq 0 ] || nb_fail "enrich (always): exit $rc"
jq -e '.alerts[0].annotations.netblame_target == "self" and .alerts[0].annotations.netblame_error == null and
       (.alerts[0].annotations.netblame_verdict | type == "string") and
       (.alerts[2].annotations.netblame_error | startswith("no target: "))' "$NB_TMP/always.out" >/dev/null ||
    nb_fail "enrich (always): $(cat "$NB_TMP/always.out")"
grep -q "on-demand diagnosis of self started" "$NB_TMP/netblamed.log" ||
    nb_fail "enrich (always): netblamed ran no diagnosis of self"
nb_log "PASS"
