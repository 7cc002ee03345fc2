#!/usr/bin/env bash
# netblamed's continuous app probes (issue 5, item 4): guest agent gA probes
# the lab backend in gB by name over HTTP ("web") and by address over raw TCP
# ("raw"), and its /metrics (valid for promtool) carries the phase histograms,
# the probes by reason, up, the last HTTP status and the skipped probes.
#
#   healthy        -> every phase observed, ok grows, up 1, last status 200
#   status=503     -> http_status grows, up 0, last status 503; raw stays ok
#   mode=refuse    -> refused grows for both targets
#   mode=hang      -> timeouts, and the probes due meanwhile are skipped, not
#                     stacked; a reload with a probe in flight keeps counting
#   dns noanswer   -> dns_timeout for the named target only; reload mid-lookup
#   SIGTERM        -> clean exit (the sanitizer build fails it on a leak)
#
# Every wait is for a counter or a gauge; nothing is timed.
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"
lab_up
# shellcheck disable=SC2034 # read by lab_agents through ${!name}
LAB_AGENT_EXTRA_gA='"app": [
    { "name": "web", "url": "http://backend.lab:'$LAB_HTTP_PORT'/", "interval_ms": 100, "timeout_ms": 1500 },
    { "name": "raw", "url": "tcp://'$LAB_IP_gB:$LAB_RAW_PORT'", "send": "hello", "expect": "PONG hello",
      "interval_ms": 100, "timeout_ms": 1500 } ],'
lab_agents

M=$NB_TMP/metrics.txt
scrape() { lab_exec gA curl -sf "http://$(lab_api gA)/metrics" >"$M"; }
# val NAME: the sample's value in the last scrape (fails if absent)
val() { awk -v m="$1" '$1 == m { print $2; found = 1 } END { if (!found) exit 1 }' "$M"; }
# is NAME VALUE: a fresh scrape has NAME == VALUE
is() { scrape && [ "$(val "$1")" = "$2" ]; }
probes() { echo "netblame_app_probes_total{target=\"$1\",reason=\"$2\"}"; }
up() { echo "netblame_app_up{target=\"$1\"}"; }
status() { echo "netblame_app_last_status{target=\"$1\"}"; }
skipped() { echo "netblame_app_skipped_total{target=\"$1\"}"; }
# grows NAME BY WHAT: wait until NAME is BY above its value now
grows() {
    local before
    scrape
    before=$(val "$1") || before=0
    nb_wait_for "$3" 40 nb_metric_ge_at gA "$1" $((before + $2))
    nb_log "ok: $3"
}
# histo TARGET PHASE MIN: the phase histogram's count equals its +Inf bucket and is >= MIN
histo() {
    local s="{target=\"$1\",phase=\"$2\"" c inf
    c=$(val "netblame_app_phase_seconds_count$s}") || nb_fail "no $2 histogram for $1"
    inf=$(val "netblame_app_phase_seconds_bucket$s,le=\"+Inf\"}") || nb_fail "no $2 +Inf bucket for $1"
    { [ "$c" = "$inf" ] && [ "$c" -ge "$3" ]; } || nb_fail "$1 $2: count $c, +Inf bucket $inf, wanted >= $3"
}
# reload: SIGHUP gA after the config edit in $NB_TMP/agent-gA.json; wait until taken
reload() {
    local before
    scrape
    before=$(val 'netblame_config_reloads_total{result="ok"}')
    kill -HUP "$(cat "$NB_TMP/agent-gA.pid")"
    nb_wait_for "gA reload" 20 nb_metric_ge_at gA 'netblame_config_reloads_total{result="ok"}' $((before + 1))
}

# --- healthy: every phase observed, in valid exposition format ---
nb_wait_for "web probes ok" 40 nb_metric_ge_at gA "$(probes web ok)" 20
nb_wait_for "raw probes ok" 40 nb_metric_ge_at gA "$(probes raw ok)" 20
scrape
promtool check metrics <"$M" || nb_fail "promtool rejects /metrics"
grep -q '^# TYPE netblame_app_phase_seconds histogram$' "$M" || nb_fail "phase family not a histogram"
for ph in resolve connect first_byte total; do histo web $ph 20; done
for ph in connect first_byte total; do histo raw $ph 20; done
histo raw resolve 0
[ "$(val 'netblame_app_phase_seconds_count{target="raw",phase="resolve"}')" = 0 ] ||
    nb_fail "a numeric target has no resolve phase"
[ "$(grep -c '^netblame_app_probes_total{target="web",' "$M")" = 13 ] ||
    nb_fail "every reason has a sample (rate() works from the first failure)"
{ [ "$(val "$(up web)")" = 1 ] && [ "$(val "$(status web)")" = 200 ]; } || nb_fail "web not up with 200"
{ [ "$(val "$(up raw)")" = 1 ] && [ "$(val "$(status raw)")" = 0 ]; } || nb_fail "raw not up without a status"
val "$(skipped web)" >/dev/null || nb_fail "no skipped counter"
nb_log "ok: healthy: histograms fill (count == +Inf), every reason exported, up 1"
grows "$(probes web ok)" 10 "healthy: ok keeps growing"

# --- the backend answers 503: http_status, down; the raw service is unaffected ---
lab_fault app status=503
grows "$(probes web http_status)" 3 "status=503: http_status grows"
nb_wait_for "web down" 20 is "$(up web)" 0
nb_wait_for "web last status 503" 20 is "$(status web)" 503
grows "$(probes raw ok)" 3 "status=503: raw target still ok"
lab_clear
nb_wait_for "web up again" 20 is "$(up web)" 1

# --- nothing listens: refused, for both ---
lab_fault app mode=refuse
grows "$(probes web refused)" 3 "mode=refuse: web refused grows"
grows "$(probes raw refused)" 3 "mode=refuse: raw refused grows"
nb_wait_for "web down (refused)" 20 is "$(up web)" 0
nb_wait_for "no status without an answer" 20 is "$(status web)" 0
lab_clear
nb_wait_for "web up after refuse" 20 is "$(up web)" 1

# --- a hung backend: one probe at a time, the others skipped; reload mid-probe ---
lab_fault app mode=hang
grows "$(probes web timeout)" 2 "mode=hang: timeouts"
grows "$(skipped web)" 5 "mode=hang: probes due while one hangs are skipped"
scrape
ok_before=$(val "$(probes web ok)") timeouts_before=$(val "$(probes web timeout)")
jq '.app += [{ "name": "gb", "url": "http://gb.lab:'$LAB_HTTP_PORT'/health", "interval_ms": 200 }]' \
    "$NB_TMP/agent-gA.json" >"$NB_TMP/agent-gA.json.new"
mv "$NB_TMP/agent-gA.json.new" "$NB_TMP/agent-gA.json"
reload # the hung probes are cancelled, not reported
scrape
{ [ "$(val "$(probes web ok)")" -ge "$ok_before" ] &&
    [ "$(val "$(probes web timeout)")" -ge "$timeouts_before" ]; } ||
    nb_fail "a reload reset the counters of a kept target"
lab_clear
grows "$(probes gb ok)" 3 "reload: the added target probes"
nb_wait_for "web up after hang" 20 is "$(up web)" 1

# --- the resolver never answers: dns_timeout by name only; reload mid-lookup ---
lab_fault dns noanswer
grows "$(probes web dns_timeout)" 1 "dns noanswer: web dns_timeout grows"
grows "$(probes raw ok)" 3 "dns noanswer: the numeric target does not resolve"
reload
lab_clear
nb_wait_for "web up after dns" 40 is "$(up web)" 1
lab_exec gA curl -sf "http://$(lab_api gA)/healthz" >/dev/null || nb_fail "gA unhealthy"

# --- SIGTERM: clean exit with probes running ---
pid=$(cat "$NB_TMP/agent-gA.pid")
nb_stop "$pid" || nb_fail "gA exit status $? (a leak fails the sanitizer build)"
grep -q "stopped" "$NB_TMP/agent-gA.log" || nb_fail "gA: no clean-stop log line"
grep -q "app web: http_status" "$NB_TMP/agent-gA.log" || nb_fail "gA: a change of state is not logged"
nb_log PASS
