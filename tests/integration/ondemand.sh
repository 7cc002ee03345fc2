#!/usr/bin/env bash
# POST /v1/diagnose: netblamed runs `netblame diagnose` for a configured
# target and answers with its verdict JSON; a target it was not configured
# with is refused (404: the API never makes it probe an address its config
# did not name); a second request for a target being diagnosed gets 429 with
# Retry-After; bad bodies get 400 naming the key; a request still waiting
# when the daemon stops is answered 503, not dropped.
. "$NB_SRC/tests/lib/common.sh"

nb_veth_pair a 198.18.0.1/30 b 198.18.0.2/30
A="${NB_P}-a" B="${NB_P}-b"
# a: probes b (answers) and a silent address (nothing reflects there: a
# diagnosis of it runs until its deadline)
ip -n "$A" route add 198.18.9.9/32 dev "${NB_P}a"
cat >"$NB_TMP/a.json" <<JSON
{ "role": "host", "user": "root", "node": "a", "reflector": { "address": "198.18.0.1" },
  "api": { "port": 9862 },
  "peers": [ { "name": "b", "family": "fabric", "address": "198.18.0.2" },
             { "name": "silent", "family": "fabric", "address": "198.18.9.9" } ] }
JSON
cat >"$NB_TMP/b.json" <<JSON
{ "role": "host", "user": "root", "node": "b", "reflector": { "address": "198.18.0.2" }, "api": { "port": 9862 } }
JSON
nb_start "$A" netblamed-a "$NB_BIN/netblamed" --config "$NB_TMP/a.json"; pa=$NB_LAST_PID
nb_start "$B" netblamed-b "$NB_BIN/netblamed" --config "$NB_TMP/b.json"
nb_wait_for "agent a healthz" 20 ip netns exec "$A" curl -sf http://127.0.0.1:9862/healthz
nb_wait_for "agent b healthz" 20 ip netns exec "$B" curl -sf http://127.0.0.1:9862/healthz

post() { # BODY OUT -> prints the status code; headers in OUT.h
    ip netns exec "$A" curl -s -o "$2" -D "$2.h" -w '%{http_code}' -X POST \
        -H 'Content-Type: application/json' --data "$1" http://127.0.0.1:9862/v1/diagnose
}

# --- a configured target, by name: the CLI's verdict JSON ---
code=$(post '{"target": "b", "count": 30, "interval_ms": 5}' "$NB_TMP/d1.json")
[ "$code" = 200 ] || nb_fail "diagnose b: $code $(cat "$NB_TMP/d1.json")"
jq -e '.schema == "netblame.verdict/v1" and .verdict == "healthy" and .probes.sent == 30' \
    "$NB_TMP/d1.json" >/dev/null || nb_fail "diagnose b: $(jq -c '{schema, verdict, probes: .probes.sent}' "$NB_TMP/d1.json")"
# the same by its address
code=$(post '{"target": "198.18.0.2", "count": 10, "interval_ms": 5}' "$NB_TMP/d2.json")
[ "$code" = 200 ] || nb_fail "diagnose by address: $code $(cat "$NB_TMP/d2.json")"
nb_log "ok: a configured target is diagnosed, by name and by address"

# --- not a configured target; bad bodies ---
code=$(post '{"target": "198.18.0.77"}' "$NB_TMP/e1.json")
[ "$code" = 404 ] && jq -e '.error | test("not a target of this netblamed")' "$NB_TMP/e1.json" >/dev/null ||
    nb_fail "unconfigured target: $code $(cat "$NB_TMP/e1.json")"
code=$(post '{"target": "b", "cuont": 3}' "$NB_TMP/e2.json")
[ "$code" = 400 ] && jq -e '.error | test("cuont")' "$NB_TMP/e2.json" >/dev/null ||
    nb_fail "unknown key: $code $(cat "$NB_TMP/e2.json")"
code=$(post 'not json' "$NB_TMP/e3.json")
[ "$code" = 400 ] || nb_fail "not JSON: $code"
code=$(post '{"target": "b", "count": 0}' "$NB_TMP/e4.json")
[ "$code" = 400 ] && jq -e '.error | test("count")' "$NB_TMP/e4.json" >/dev/null ||
    nb_fail "count 0: $code $(cat "$NB_TMP/e4.json")"
nb_log "ok: unconfigured targets 404, bad bodies 400 naming the key"

# --- one at a time per target: 429 with Retry-After; a stop answers 503 ---
# The silent target's diagnosis runs until its 20 s deadline (every probe
# sent, none answered); the test does not wait for it: it stops the daemon.
(post '{"target": "silent", "count": 100000, "interval_ms": 10, "deadline_ms": 20000}' \
    "$NB_TMP/long.json" >"$NB_TMP/long.code") &
long=$!
nb_wait_for "the long diagnosis started" 20 grep -q "on-demand diagnosis of silent started" \
    "$NB_TMP/netblamed-a.log"
code=$(post '{"target": "198.18.9.9"}' "$NB_TMP/busy.json")
[ "$code" = 429 ] || nb_fail "second diagnosis of a running target: $code $(cat "$NB_TMP/busy.json")"
ra=$(awk -F': ' 'tolower($1) == "retry-after" {print $2+0}' "$NB_TMP/busy.json.h")
[ -n "$ra" ] && [ "$ra" -ge 1 ] || nb_fail "429 without Retry-After: $(cat "$NB_TMP/busy.json.h")"
code=$(post '{"target": "b", "count": 10, "interval_ms": 5}' "$NB_TMP/other.json")
[ "$code" = 200 ] || nb_fail "another target while one runs: $code"
nb_log "ok: a running target gets 429 with Retry-After $ra s; another target is served"
kill -TERM "$pa"
wait "$long" || true
[ "$(cat "$NB_TMP/long.code")" = 503 ] || nb_fail "request waiting at stop: $(cat "$NB_TMP/long.code") $(cat "$NB_TMP/long.json")"
nb_wait_for "netblamed a exited" 20 sh -c "! kill -0 $pa 2>/dev/null"
ip netns pids "$A" | xargs -r ps -o comm= -p | grep -qx netblame && nb_fail "a diagnosis outlived netblamed"
nb_log "ok: the waiting request is answered 503 at stop, its diagnosis killed"
