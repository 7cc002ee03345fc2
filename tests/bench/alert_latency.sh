#!/usr/bin/env bash
# Benchmark: what POST /v1/alerts costs. netblamed (namespace a, fabric peer b
# over a veth pair, probed every 20 ms, so a fresh verdict is served) with an
# "alerts" section: a spool under $NB_TMP (fsync'd per accept) and two sinks,
# a pagerduty one and a webhook, both pointing at nb-recorder, which stamps
# each request it receives (t_ns, CLOCK_REALTIME). Each notification carries
# one alert about b and its own fingerprint. Three phases, in this order:
#   fresh   N notifications one after another, each enriched with b's fresh
#           served verdict (alerts.diagnose "stale", the default);
#   load    CLIENTS concurrent loops sending as fast as they can for
#           DURATION_S seconds (verdicts fresh, as in the first phase);
#   always  N_DIAG more one after another with alerts.diagnose "always"
#           (netblamed restarted): each waits for an on-demand diagnosis of b,
#           bounded by alerts.deadline_ms (DEADLINE_MS).
# Each phase ends when netblamed's sink queues are empty.
# It prints, per phase, the answer time (connecting and sending the POST to
# netblamed's status line) and the time from the POST to the recorder's
# receipt of the PagerDuty event and of the webhook copy (the recorder's
# t_ns), all on CLOCK_REALTIME; how each alert was enriched; for the load
# phase the notifications accepted per second, and how many reached the
# recorder once netblamed's queues were empty. The clients (bash loops, a
# connection per POST) run in the same namespace on the same machine as
# netblamed, competing with it for the CPUs. Asserts nothing.
#   usage: NB_BIN=build/release NB_SRC=. tests/bench/alert_latency.sh [N] [DURATION_S] [CLIENTS]
#   environment: N_DIAG (default N), DEADLINE_MS (alerts.deadline_ms, default 2000)
. "$NB_SRC/tests/lib/common.sh"
n=${1:-200} duration=${2:-10} clients=${3:-4}
n_diag=${N_DIAG:-$n} deadline_ms=${DEADLINE_MS:-2000}
commit=$(git -C "$NB_SRC" rev-parse --short HEAD)
git -C "$NB_SRC" diff --quiet HEAD -- agent common classifier prober include tests/lab || commit+=" (with uncommitted changes)"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

nb_veth_pair a 198.18.0.1/30 b 198.18.0.2/30
A="${NB_P}-a" B="${NB_P}-b"
printf 'R0123456789abcdef0123456789abcdef\n' >"$NB_TMP/pd.key"
chmod 600 "$NB_TMP/pd.key"
mkdir -p "$NB_TMP/spool"
config() { # DIAGNOSE -> a.json
    cat >"$NB_TMP/a.json" <<JSON
{ "role": "host", "user": "root", "node": "a", "reflector": { "address": "198.18.0.1" },
  "api": { "port": 9862 },
  "peers": [ { "name": "b", "family": "fabric", "address": "198.18.0.2", "interval_ms": 20 } ],
  "alerts": { "spool_dir": "$NB_TMP/spool", "diagnose": "$1", "deadline_ms": $deadline_ms,
    "sinks": [ { "name": "pd", "type": "pagerduty", "url": "http://127.0.0.1:9100/v2/enqueue",
                 "routing_key_file": "$NB_TMP/pd.key" },
               { "name": "hook", "type": "webhook", "url": "http://127.0.0.1:9100/hook" } ] } }
JSON
}
cat >"$NB_TMP/b.json" <<JSON
{ "role": "host", "user": "root", "node": "b", "reflector": { "address": "198.18.0.2" }, "api": { "port": 9862 } }
JSON
start_a() { # DIAGNOSE
    config "$1"
    nb_start "$A" "netblamed-a-$1" "$NB_BIN/netblamed" --config "$NB_TMP/a.json"
    pa=$NB_LAST_PID
    nb_wait_for "agent a healthz" 20 ip netns exec "$A" curl -sf http://127.0.0.1:9862/healthz
}
nb_start "$B" netblamed-b "$NB_BIN/netblamed" --config "$NB_TMP/b.json"
nb_start "$A" recorder "$NB_BIN/tests/nb-recorder" --port 9100 --out "$NB_TMP/requests.jsonl"
prec=$NB_LAST_PID
nb_wait_for "recorder listening" 20 ip netns exec "$A" sh -c 'ss -ltn | grep -q ":9100 "'
start_a stale
nb_wait_for "a verdict for b" 30 sh -c "ip netns exec $A curl -sf 'http://127.0.0.1:9862/v1/verdicts?target=b' | jq -e '.verdicts[0].verdict' >/dev/null"

# The client, run inside namespace a: a bash loop speaking HTTP/1.1 through
# bash's /dev/tcp, a new connection per POST, so that no process starts
# between the clock readings (curl's start-up costs more than netblamed's
# answer here, and its trace time stamps are not wall-clock time). One
# notification per fingerprint PREFIX-<i>; one line per POST:
#   FINGERPRINT HTTP_STATUS T_SENT T_ANSWERED
# (T_*: $EPOCHREALTIME, CLOCK_REALTIME like the recorder's t_ns: just before
# connecting, just after the answer's status line was read; status 000: the
# connection failed).
#   post.sh PREFIX COUNT       COUNT POSTs one after another
#   post.sh PREFIX - END_S     as many as fit before $EPOCHREALTIME END_S
cat >"$NB_TMP/post.sh" <<'SH'
prefix=$1 count=$2 end=${3:-} i=0
export LC_ALL=C
note() { # FINGERPRINT -> $body
    body='{"version":"4","groupKey":"{}:{alertname=\"'$1'\"}","truncatedAlerts":0,"status":"firing",'
    body+='"receiver":"netblame","groupLabels":{"alertname":"'$1'"},"commonLabels":{},"commonAnnotations":{},'
    body+='"externalURL":"http://am","alerts":[{"status":"firing","labels":{"alertname":"'$1'","netblame_target":"b"},'
    body+='"annotations":{"summary":"calls to b are slow"},"startsAt":"2026-12-03T10:00:00Z",'
    body+='"endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom","fingerprint":"'$1'"}]}'
}
while :; do
    if [ "$count" = - ]; then
        [ "${EPOCHREALTIME/./}" -lt "${end/./}" ] || break
    else
        [ "$i" -lt "$count" ] || break
    fi
    i=$((i + 1))
    note "$prefix-$i"
    req=$'POST /v1/alerts HTTP/1.1\r\nHost: 127.0.0.1:9862\r\nContent-Type: application/json\r\n'
    req+=$'Connection: close\r\n'"Content-Length: ${#body}"$'\r\n\r\n'"$body"
    status=000
    t0=$EPOCHREALTIME
    if { exec 3<>/dev/tcp/127.0.0.1/9862 && printf '%s' "$req" >&3 && IFS= read -r -t 30 status <&3; } 2>/dev/null; then
        t1=$EPOCHREALTIME
        while IFS= read -r _ <&3; do :; done # the rest, to netblamed's close
        status=${status#* }
    else
        t1=$EPOCHREALTIME
    fi
    exec 3<&-
    echo "$prefix-$i ${status%% *} $t0 $t1"
done
SH

# cpu PID: the CPU seconds (user + system) the process has used so far
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' "/proc/$1/stat"; }
# drained: every event accepted so far delivered or failed, for both sinks
drained() {
    nb_metric "$A" 9862 'netblame_alert_queued{sink="pd"}' | grep -qx 0 &&
        nb_metric "$A" 9862 'netblame_alert_queued{sink="hook"}' | grep -qx 0
}
# pcts: numbers on stdin -> "p50 p99 max" (nearest rank), or "- - -"
pcts() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (!NR) { print "- - -"; exit }
        i50 = int(NR * 0.50); if (i50 < NR * 0.50) i50++
        i99 = int(NR * 0.99); if (i99 < NR * 0.99) i99++
        printf "%.1f %.1f %.1f\n", v[i50], v[i99], v[NR] }'
}
# ms [PATH KEY] < client lines: for each accepted POST, ms from its send to
# its answer, or (PATH) to the recorder's first receipt of its event on PATH
# (KEY: the jq path of the fingerprint there)
ms() {
    awk 'FILENAME != "-" { if (!($1 in t)) t[$1] = $2 / 1e9; next }
         $2 != 200 { next }
         path == "" { printf "%.3f\n", ($4 - $3) * 1000 }
         path != "" && ($1 in t) { printf "%.3f\n", (t[$1] - $3) * 1000 }' path="${1:-}" \
        <(if [ -n "${1:-}" ]; then jq -r --arg p "$1" "select(.path == \$p) | [$2, .t_ns] | @tsv" "$NB_TMP/requests.jsonl"; fi) -
}
# events PREFIX: the PagerDuty events recorded for the fingerprints PREFIX-*
events() {
    jq -c --arg p "$1-" 'select(.path == "/v2/enqueue" and (.body.dedup_key | startswith($p))) | .body' \
        "$NB_TMP/requests.jsonl"
}
# phase LABEL PREFIX: the figures of one phase from $NB_TMP/PREFIX.out (its client lines)
rows=()
phase() {
    local out="$NB_TMP/$2.out" sent ok ans pd hook enr
    sent=$(wc -l <"$out")
    ok=$(awk '$2 == 200' "$out" | wc -l)
    ans=$(ms <"$out" | pcts)
    pd=$(ms /v2/enqueue .body.dedup_key <"$out" | pcts)
    hook=$(ms /hook '.body.alerts[0].fingerprint' <"$out" | pcts)
    enr=$(events "$2" | jq -rs 'map(.payload.custom_details) |
        "\(map(select(.netblame_verdict)) | length) verdict, \(map(select(.netblame_error)) | length) error"')
    # shellcheck disable=SC2086 # $ans, $pd, $hook: three figures each
    rows+=("$(printf '%-26s %6s %6s  %5s %5s %6s   %5s %5s %6s   %5s %5s %6s   %s' \
        "$1" "$sent" "$ok" $ans $pd $hook "$enr")")
}
# the phase's PagerDuty events and webhook copies, counted once the queues are empty
delivered() { # PREFIX -> "PD_DISTINCT PD_LINES HOOK_DISTINCT HOOK_LINES"
    local pd hook
    pd=$(events "$1" | jq -r .dedup_key)
    hook=$(jq -r --arg p "$1-" 'select(.path == "/hook") | .body.alerts[0].fingerprint |
        select(startswith($p))' "$NB_TMP/requests.jsonl")
    echo "$(sort -u <<<"$pd" | grep -c .) $(grep -c . <<<"$pd") $(sort -u <<<"$hook" | grep -c .) $(grep -c . <<<"$hook")"
}

ip netns exec "$A" bash "$NB_TMP/post.sh" warm 5 >/dev/null # first connections, first spool files
nb_log "fresh: $n notifications, one after another"
ip netns exec "$A" bash "$NB_TMP/post.sh" fresh "$n" >"$NB_TMP/fresh.out"
nb_wait_for "fresh: delivered" 120 drained
phase "fresh verdict, sequential" fresh

nb_log "load: $clients clients for $duration s"
cpu_a=$(cpu "$pa") cpu_rec=$(cpu "$prec")
t_start=$EPOCHREALTIME
end=$(awk -v t="$t_start" -v d="$duration" 'BEGIN { printf "%.6f", t + d }')
cpids=()
for c in $(seq "$clients"); do
    nb_start "$A" "client-$c" bash "$NB_TMP/post.sh" "load-c$c" - "$end"
    cpids+=("$NB_LAST_PID")
done
for p in "${cpids[@]}"; do wait "$p"; done
t_end=$EPOCHREALTIME
cpu_a=$(awk -v a="$cpu_a" -v b="$(cpu "$pa")" -v s="$t_start" -v e="$t_end" 'BEGIN { printf "%.0f", (b - a) / (e - s) * 100 }')
cpu_rec=$(awk -v a="$cpu_rec" -v b="$(cpu "$prec")" -v s="$t_start" -v e="$t_end" 'BEGIN { printf "%.0f", (b - a) / (e - s) * 100 }')
cat "$NB_TMP"/client-*.log >"$NB_TMP/load.out"
nb_wait_for "load: delivered" 600 drained
drain_s=$(awk -v a="$t_end" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
phase "load, $clients clients" load
read -r sent ok rate < <(awk -v s="$(awk -v a="$t_start" -v b="$t_end" 'BEGIN { print b - a }')" \
    '{ n++; if ($2 == 200) ok++ } END { printf "%d %d %.0f\n", n, ok, ok / s }' "$NB_TMP/load.out")
read -r pd_d pd_l hook_d hook_l < <(delivered load)
retries=$(nb_metric "$A" 9862 'netblame_alert_retries_total{sink="pd"}')/$(nb_metric "$A" 9862 'netblame_alert_retries_total{sink="hook"}')

nb_log "always: $n_diag notifications, one after another, each waiting for a diagnosis"
nb_stop "$pa"
start_a always
ip netns exec "$A" bash "$NB_TMP/post.sh" always "$n_diag" >"$NB_TMP/always.out"
nb_wait_for "always: delivered" 120 drained
phase "diagnose always, seq." always
reasons=$(ip netns exec "$A" curl -sf http://127.0.0.1:9862/metrics |
    awk '/^netblame_alerts_unenriched_total\{/ && $2 > 0 { sub(/.*reason="/, "", $1); sub(/".*/, "", $1); printf "%s%s %d", s, $1, $2; s = ", " }')
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cat <<EOF
alert_latency.sh: commit $commit, $(date -u +%FT%TZ), $(nproc) CPUs, kernel $(uname -r)
load average before: $load_before, after: $load_after
spool: $(df -T "$NB_TMP" | awk 'NR == 2 { print $2 }') under $NB_TMP (fsync'd before each 200); sinks: pagerduty + webhook -> nb-recorder; peer b fabric interval_ms 20
N $n (fresh), N_DIAG $n_diag (always, deadline_ms $deadline_ms), load $clients clients x $duration s; 5 warm-up POSTs not counted

times in ms           answer: POST -> 200    PagerDuty event: POST -> recorder    webhook: POST -> recorder
phase                        sent     ok    p50   p99    max     p50   p99    max     p50   p99    max   PagerDuty events recorded
EOF
printf '%s\n' "${rows[@]}"
cat <<EOF

load: $ok of $sent accepted (200) = $rate notifications/s accepted; meanwhile netblamed used $cpu_a %, nb-recorder $cpu_rec % of one CPU
load: delivered $pd_d of $ok to PagerDuty ($pd_l events recorded), $hook_d of $ok to the webhook ($hook_l recorded); queues empty $drain_s s after the last answer; attempts retried since the start (PagerDuty/webhook): $retries
always: alerts without a verdict by reason: ${reasons:-none}
EOF
