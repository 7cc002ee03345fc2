#!/usr/bin/env bash
# Benchmark: netblame beside the tools a user could run instead (issue 16,
# item 1), in one run on one lab path, printed as one table. Asserts nothing.
#
# The lab: namespaces c (clients) and s (servers) on a veth pair,
# 198.18.0.1/24 <-> 198.18.0.2/24; d and e joined by one lab stand-in
# (tests/lab/standin.c, select backend: µs timers), 198.18.3.1 <-> .2.
# In s and e: netblamed as a guest with its reflector on every address
# ("reflector": {"rate_pps": 0}: the per-source limit off, one source sends
# it everything here) and `sockperf server` (in s with a 4 MiB socket buffer,
# as the reflector's). Everything is removed on exit.
#
# 1. Reflector: the highest rate one core answers with < 0.1 % loss. The
#    servers are pinned to CPU 0 (taskset), the load generator to CPU 1.
#    nb-stampload (tests/lab/stampload.c) sends paced requests for STEP_S
#    seconds and counts the answers: STAMP to the reflector, sockperf's own
#    message (client | pong-request flags) to sockperf server, so both are
#    driven by the same code. A step passes when lost/sent < 0.1 % and the
#    generator kept to 95 % of the rate asked. Rates climb x1.5 from R0 until a
#    step fails, then BISECT halvings between the last pass and the first
#    fail. sockperf's own client (`sockperf under-load --reply-every 1`, its
#    own counts: step_sockperf) climbs the same ladder against sockperf server. The
#    round trip (generator to generator, user space) at 1,000 packets/s and at
#    the highest passing rate, the reflector's own hold (STAMP T3 - T2), and
#    the server's CPU (/proc/PID/stat) during that step are printed too.
# 2. RTT accuracy: netblame diagnose (kernel stamps, reflector hold taken
#    out), sockperf ping-pong (--full-rtt) and fping (ICMP, answered by the
#    kernel), RTT_COUNT probes each, one every RTT_INT ms, one tool at a time:
#    over the veth (nothing injected: the figure is the RTT itself) and
#    through the stand-in with DELAY_US injected on the way out; the figure
#    is each tool's p50 and p99 of measured - injected.
# 3. Cost per probe: a guest netblamed in c probing N targets at 1/s (N/2
#    STAMP path peers, each its own session to s's reflector at 198.18.0.2,
#    and N/2 HTTP app targets on 198.18.2.x of s, nb-backend), then Debian's
#    prometheus-blackbox-exporter probing the same targets (http_2xx for the
#    HTTP ones, icmp for the STAMP ones: it has no STAMP), triggered by a loop
#    that scrapes every target's /probe once a second (curl, in parallel).
#    netblamed's /metrics is scraped once a second by the same loop. After
#    WARM_S, CPU seconds (utime + stime of /proc/PID/stat) over COST_S, the
#    probes done in that time (netblamed: STAMP sent + app probes finished,
#    from its /metrics; the exporter: /probe answers), and VmRSS at the end.
#
#   usage: NB_BIN=build/release NB_SRC=. tests/bench/peer_compare.sh
#   environment: STEP_S (3), R0 (20000), BISECT (4), RTT_COUNT (1000), RTT_INT (5),
#   DELAY_US (1000), COST_N ("10 50 100"), WARM_S (5), COST_S (60); ONLY=cost: part 3 alone;
#   QUICK=1: a few seconds of each (STEP_S=1 R0=5000 BISECT=0 RMAX=10000
#   RTT_COUNT=50 COST_N=4 WARM_S=2 COST_S=2), to try the script, not to quote.
# Needs sockperf, fping, prometheus-blackbox-exporter (deploy/install-deps.sh --bench).
. "$NB_SRC/tests/lib/common.sh"

if [ "${QUICK:-0}" = 1 ]; then
    : "${STEP_S:=1}" "${R0:=5000}" "${BISECT:=0}" "${RMAX:=10000}" "${RTT_COUNT:=50}"
    : "${COST_N:=4}" "${WARM_S:=2}" "${COST_S:=2}"
fi
STEP_S=${STEP_S:-3} R0=${R0:-20000} BISECT=${BISECT:-4} RMAX=${RMAX:-3000000}
RTT_COUNT=${RTT_COUNT:-1000} RTT_INT=${RTT_INT:-5} DELAY_US=${DELAY_US:-1000}
COST_N=${COST_N:-10 50 100} WARM_S=${WARM_S:-5} COST_S=${COST_S:-60} ONLY=${ONLY:-}
for t in sockperf fping prometheus-blackbox-exporter taskset socat jq; do
    command -v "$t" >/dev/null || nb_fail "$t not found (deploy/install-deps.sh --bench)"
done
[ "$(nproc)" -ge 2 ] || nb_fail "needs 2 CPUs (server on one, load generator on the other)"
LOAD=$NB_BIN/tests/nb-stampload
HZ=$(getconf CLK_TCK)
load_start=$(cut -d' ' -f1-3 /proc/loadavg) # the machine is shared: said with the figures

# ---- the lab ----
nb_veth_pair c 198.18.0.1/24 s 198.18.0.2/24
C="${NB_P}-c" S="${NB_P}-s"
nb_netns d; nb_netns e
D="${NB_P}-d" E="${NB_P}-e"
LIBEV_FLAGS=1 nb_start - standin "$NB_BIN/tests/nb-standin" --a "$D:tap0" --b "$E:tap0" \
    --control "$NB_TMP/standin.sock"
nb_wait_for "stand-in" 10 test -S "$NB_TMP/standin.sock"
ip -n "$D" addr add 198.18.3.1/24 dev tap0; ip -n "$D" link set tap0 up
ip -n "$E" addr add 198.18.3.2/24 dev tap0; ip -n "$E" link set tap0 up

echo '{ "role": "guest", "user": "root", "node": "refl", "reflector": { "rate_pps": 0 } }' \
    >"$NB_TMP/refl.json"
nb_start "$S" refl-s taskset -c 0 "$NB_BIN/netblamed" --config "$NB_TMP/refl.json"
refl=$NB_LAST_PID
# sockperf's receive buffer as large as the reflector's (4 MiB, reflector.c
# RCVBUF): at its default (rmem_default) it drops bursts at half a core
nb_start "$S" sockperf-s taskset -c 0 sockperf server -i 0.0.0.0 -p 11111 --buffer-size 4194304
sps=$NB_LAST_PID
nb_start "$E" refl-e "$NB_BIN/netblamed" --config "$NB_TMP/refl.json"
nb_start "$E" sockperf-e sockperf server -i 198.18.3.2 -p 11111
for ns in "$S" "$E"; do
    nb_wait_for "reflector in $ns" 20 ip netns exec "$ns" curl -sf http://127.0.0.1:9862/healthz
done
sp_up() { ip netns exec "$1" "$LOAD" --sockperf "$2" 11111 20 0.5 | grep -q 'received [1-9]'; }
nb_wait_for "sockperf server in s" 20 sp_up "$C" 198.18.0.2
nb_wait_for "sockperf server in e" 20 sp_up "$D" 198.18.3.2
ip netns exec "$C" ping -c 2 -i 0.1 198.18.0.2 >/dev/null # ARP, both paths
ip netns exec "$D" ping -c 2 -i 0.1 198.18.3.2 >/dev/null

# udp_drops NS: the namespace's UDP receive-buffer drops so far (/proc/net/snmp)
udp_drops() {
    ip netns exec "$1" awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["RcvbufErrors"] }' /proc/net/snmp
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
now() { printf '%s\n' "$EPOCHREALTIME"; }

# ---- 1. reflector rate ----
declare -A R # results, by name
# judge RATE: the step's verdict from $line: "pass", or why not; sets pass.
judge() {
    verdict=$(awk -v r="$1" '{ for (i = 1; i < NF; i += 2) f[$i] = $(i + 1) }
        END { if (f["sent"] == 0) print "FAIL: nothing sent"
              else if (f["lost"] / f["sent"] >= 0.001) printf "FAIL: %.3f %% lost\n", 100 * f["lost"] / f["sent"]
              else if (f["rate_pps"] < 0.95 * r) printf "FAIL: the generator sent only %d/s\n", f["rate_pps"]
              else print "pass" }' <<<"$line")
    pass=$([ "$verdict" = pass ] && echo 1 || echo 0)
}
# step_load SPID [--sockperf] DST PORT RATE: one step of nb-stampload from c
# (CPU 1) against DST:PORT, served by SPID; sets the globals pass, line.
step_load() {
    local spid=$1 rate=${!#} c0 c1 t0 t1 ds0 dc0
    local args=("${@:2:$#-2}")
    c0=$(cpu_ticks "$spid") t0=$(now) ds0=$(udp_drops "$S") dc0=$(udp_drops "$C")
    line=$(ip netns exec "$C" taskset -c 1 "$LOAD" "${args[@]}" "$rate" "$STEP_S") || nb_fail "nb-stampload: $line"
    c1=$(cpu_ticks "$spid") t1=$(now)
    line="$line server_cpu_pct $(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" -v hz="$HZ" \
        'BEGIN { printf "%.0f", 100 * (b - a) / hz / (t1 - t0) }')"
    line="$line server_rcvbuf_drops $(($(udp_drops "$S") - ds0)) generator_rcvbuf_drops $(($(udp_drops "$C") - dc0))"
    judge "$rate"
}
# step_sockperf RATE: one step of sockperf's own client from c (CPU 1). Its
# figures are its own: the "Valid Duration" window (the run less its warm-up
# and end), the messages sent in it and its "dropped messages" (sequence gaps
# in the replies; a reply still in flight when the run stops is not a drop).
step_sockperf() {
    local rate=$1 out c0 c1 t0 t1
    c0=$(cpu_ticks "$sps") t0=$(now)
    out=$(ip netns exec "$C" taskset -c 1 sockperf under-load -i 198.18.0.2 -p 11111 -t "$STEP_S" \
        --mps "$rate" --reply-every 1 --full-rtt -m 44 2>&1) || nb_fail "sockperf under-load: $out"
    c1=$(cpu_ticks "$sps") t1=$(now)
    line=$(awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$HZ" '
        /\[Valid Duration\]/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); v = kv[2]; sub(/;$/, "", v)
                if (kv[1] == "RunTime") rt = v; if (kv[1] == "SentMessages") s = v; if (kv[1] == "ReceivedMessages") r = v } }
        /# dropped messages =/ { d = $0; sub(/.*# dropped messages = /, "", d); sub(/;.*/, "", d) }
        /percentile 50.000/ { p50 = $NF } /percentile 99.000/ { p99 = $NF }
        END { printf "sent %d received %d lost %d seconds %s rate_pps %.0f rtt_p50_us %s rtt_p99_us %s hold_p50_us - hold_p99_us - server_cpu_pct %.0f\n",
              s, r, d, rt, (rt > 0 ? s / rt : 0), (p50 == "" ? "-" : p50), (p99 == "" ? "-" : p99), 100 * (c1 - c0) / hz / (t1 - t0) }' <<<"$out")
    judge "$rate"
}
field() { awk -v k="$2" '{ for (i = 1; i < NF; i += 2) if ($i == k) print $(i + 1) }' <<<"$1"; }
# find_max NAME STEPFN ARGS...: the ladder, then bisection; R[NAME] = best rate,
# R[NAME.line] = that step's figures.
find_max() {
    local name=$1 lo=0 hi=0 r=$R0 best="" mid
    shift
    while [ "$r" -le "$RMAX" ]; do
        "$@" "$r"
        printf '  %-12s %8d/s asked: %s -> %s\n' "$name" "$r" "$line" "$verdict"
        if [ "$pass" = 1 ]; then lo=$r best=$line; r=$((r * 3 / 2)); else hi=$r; break; fi
    done
    if [ "$hi" -gt 0 ]; then
        for _ in $(seq "$BISECT"); do
            mid=$(((lo + hi) / 2))
            "$@" "$mid"
            printf '  %-12s %8d/s asked: %s -> %s\n' "$name" "$mid" "$line" "$verdict"
            if [ "$pass" = 1 ]; then lo=$mid best=$line; else hi=$mid; fi
        done
    fi
    R[$name]=$lo R[$name.line]=$best R[$name.capped]=$([ "$hi" = 0 ] && echo 1 || echo 0)
}
if [ "$ONLY" != cost ]; then
echo "== reflector: highest rate with < 0.1 % loss (server on CPU 0, load on CPU 1, ${STEP_S} s steps)"
find_max netblame step_load "$refl" 198.18.0.2 862
find_max sockperf step_load "$sps" --sockperf 198.18.0.2 11111
find_max sockperf-own step_sockperf
# the round trip at a low rate, same generator
step_load "$refl" 198.18.0.2 862 1000; R[netblame.low]=$line
step_load "$sps" --sockperf 198.18.0.2 11111 1000; R[sockperf.low]=$line

# ---- 2. RTT accuracy ----
# each prints "P50 P99" in µs
rtt_netblame() {
    { ip netns exec "$1" "$NB_BIN/netblame" diagnose "$2" --count "$RTT_COUNT" --interval "$RTT_INT" \
        --deadline 0 --json || true; } | jq -r '.probes.rtt_us | "\(.p50) \(.p99)"'
}
rtt_sockperf() {
    { ip netns exec "$1" sockperf ping-pong -i "$2" -p 11111 -m 44 --full-rtt \
        -t "$(( (RTT_COUNT * RTT_INT + 999) / 1000 ))" --mps "$((1000 / RTT_INT))" 2>&1 || true; } |
        awk '/percentile 50.000/ { p50 = $NF } /percentile 99.000/ { p99 = $NF } END { print p50, p99 }'
}
rtt_fping() { # nearest rank over the answered pings (fping prints ms, "-" for none)
    { ip netns exec "$1" fping -C "$RTT_COUNT" -p "$RTT_INT" -q "$2" 2>&1 || true; } |
        awk -F' : ' '{ n = split($2, v, " "); for (i = 1; i <= n; i++) if (v[i] != "-") print v[i] * 1000 }' |
        sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) { print "- -"; exit }
            i50 = int(NR * 0.5 + 0.999999); i99 = int(NR * 0.99 + 0.999999); print a[i50], a[i99] }'
}
ctl() { printf '%s\n' "$1" | socat -t 5 - "UNIX-CONNECT:$NB_TMP/standin.sock"; }
echo "== RTT: $RTT_COUNT probes every $RTT_INT ms per tool; stand-in: +$DELAY_US µs on the way out"
for tool in netblame sockperf fping; do
    R[$tool.veth]=$("rtt_$tool" "$C" 198.18.0.2)
    R[$tool.standin0]=$("rtt_$tool" "$D" 198.18.3.2)
done
ctl "set ab delay_us=$DELAY_US" | grep -q '^ok' || nb_fail "stand-in refused the delay"
for tool in netblame sockperf fping; do
    R[$tool.standin]=$("rtt_$tool" "$D" 198.18.3.2)
    echo "  $tool p50 p99 µs: veth ${R[$tool.veth]}; stand-in ${R[$tool.standin0]}; stand-in +$DELAY_US µs ${R[$tool.standin]}"
done
ctl "clear" >/dev/null
fi # ONLY

# ---- 3. cost per probe ----
maxn=0
for n in $COST_N; do [ "$n" -gt "$maxn" ] && maxn=$n; done
half=$(((maxn + 1) / 2))
[ "$half" -le 250 ] || nb_fail "COST_N at most 500"
# The STAMP peers share the reflector's first address: a reflector bound to
# 0.0.0.0 answers from the interface's primary address, not the one asked,
# and a sender drops such replies (so one address per peer would be all loss).
for i in $(seq "$half"); do ip -n "$S" addr add "198.18.2.$i/32" dev "${NB_P}s"; done
ip -n "$C" route add 198.18.2.0/24 dev "${NB_P}c"
nb_start "$S" backend "$NB_BIN/tests/nb-backend" --listen 0.0.0.0:8080 --control "$NB_TMP/backend.sock"
nb_wait_for "nb-backend" 10 test -S "$NB_TMP/backend.sock"
cat >"$NB_TMP/bb.yml" <<'YML'
modules:
  http_2xx:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
  icmp:
    prober: icmp
    timeout: 5s
    icmp:
      preferred_ip_protocol: ip4
YML

# scrape_loop PID URLFILE COUNTER: one round a second (absolute ticks) for
# WARM_S + COST_S rounds, each round one curl fetching every URL of URLFILE in
# parallel; CPU and COUNTER (a function printing the probes done so far) are
# read after round WARM_S and after the last. Sets cost_cpu, cost_probes, cost_rss_kib, cost_hwm_kib.
scrape_loop() {
    local pid=$1 urls=$2 counter=$3 start k c0 p0 c1 p1 tick
    start=$(now)
    for k in $(seq $((WARM_S + COST_S))); do
        ip netns exec "$C" curl -s -Z --parallel-max 512 -m 10 -K "$urls" >>"$NB_TMP/scrape.out" 2>/dev/null || true
        if [ "$k" = "$WARM_S" ]; then c0=$(cpu_ticks "$pid") p0=$("$counter"); fi
        tick=$(awk -v s="$start" -v k="$k" -v n="$(now)" 'BEGIN { d = s + k - n; printf "%.3f", (d > 0 ? d : 0) }')
        sleep "$tick" # pacing the scrape rounds, not waiting for a condition
    done
    c1=$(cpu_ticks "$pid") p1=$("$counter")
    cost_cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$HZ" 'BEGIN { printf "%.3f", (b - a) / hz }')
    cost_probes=$((p1 - p0))
    cost_rss_kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
    cost_hwm_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
}
nb_probes() { # STAMP probes sent + app probes finished; NB_OK: answered / ok, so far
    ip netns exec "$C" curl -sf http://127.0.0.1:9862/metrics >"$NB_TMP/nbm.txt"
    NB_OK=$(awk '/^netblame_stamp_received_total[{ ]/ || /^netblame_app_probes_total[{].*reason="ok"/ { s += $NF }
        END { printf "%d\n", s }' "$NB_TMP/nbm.txt")
    awk '/^netblame_stamp_sent_total[{ ]/ || /^netblame_app_probes_total[{ ]/ { s += $NF } END { printf "%d\n", s }' "$NB_TMP/nbm.txt"
}
bb_probes() { grep -c '^probe_success ' "$NB_TMP/scrape.out" || true; }
echo "== cost: N targets at 1/s (N/2 STAMP, N/2 HTTP), ${WARM_S} s warm-up, CPU over ${COST_S} s"
for n in $COST_N; do
    h=$((n / 2)) st=$((n - n / 2)) # STAMP targets st, HTTP targets h
    peers="" apps="" bbu="$NB_TMP/bb.urls"
    : >"$bbu"
    for i in $(seq "$st"); do
        peers="$peers${peers:+,}{ \"name\": \"s$i\", \"family\": \"path\", \"address\": \"198.18.0.2\" }"
        echo "url = \"http://127.0.0.1:9115/probe?module=icmp&target=198.18.0.2\"" >>"$bbu"
    done
    for i in $(seq "$h"); do
        apps="$apps${apps:+,}{ \"name\": \"h$i\", \"url\": \"http://198.18.2.$i:8080/\" }"
        echo "url = \"http://127.0.0.1:9115/probe?module=http_2xx&target=http://198.18.2.$i:8080/\"" >>"$bbu"
    done
    echo "{ \"role\": \"guest\", \"user\": \"root\", \"node\": \"cost\", \"peers\": [ $peers ], \"app\": [ $apps ] }" \
        >"$NB_TMP/cost.json"
    printf 'url = "http://127.0.0.1:9862/metrics"\noutput = "/dev/null"\n' >"$NB_TMP/nb.urls"

    nb_start "$C" "netblamed-cost-$n" "$NB_BIN/netblamed" --config "$NB_TMP/cost.json"
    pid=$NB_LAST_PID
    nb_wait_for "netblamed (cost, $n)" 20 ip netns exec "$C" curl -sf http://127.0.0.1:9862/healthz
    scrape_loop "$pid" "$NB_TMP/nb.urls" nb_probes
    nb_probes >/dev/null
    R[nb.$n]="$cost_cpu $cost_probes $cost_rss_kib $cost_hwm_kib $NB_OK"
    nb_stop "$pid" || true

    : >"$NB_TMP/scrape.out"
    nb_start "$C" "blackbox-$n" prometheus-blackbox-exporter --config.file="$NB_TMP/bb.yml" \
        --web.listen-address=127.0.0.1:9115
    pid=$NB_LAST_PID
    nb_wait_for "blackbox exporter ($n)" 20 ip netns exec "$C" curl -sf http://127.0.0.1:9115/-/healthy
    scrape_loop "$pid" "$bbu" bb_probes
    ok=$(grep -c '^probe_success 1$' "$NB_TMP/scrape.out" || true)
    R[bb.$n]="$cost_cpu $cost_probes $cost_rss_kib $cost_hwm_kib $ok"
    nb_stop "$pid" || true
    echo "  N=$n (cpu_s probes rss_kib hwm_kib, then answered/ok over the whole run): netblamed ${R[nb.$n]}; blackbox_exporter ${R[bb.$n]}"
done

# ---- the table ----
commit=$(git -C "$NB_SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git -C "$NB_SRC" status --porcelain --untracked-files=no 2>/dev/null)" ] || commit="$commit+changes"
yn() { awk "BEGIN { print ($1) ? \"yes\" : \"no\" }"; }
r1() { awk -v v="$1" 'BEGIN { if (v ~ /^[0-9.]+$/) printf "%.1f\n", v; else print v }'; } # µs, 0.1
pq() { printf '%s/%s' "$(r1 "$(field "$1" "$2_p50_us")")" "$(r1 "$(field "$1" "$2_p99_us")")"; }
cap() { [ "${R[$1.capped]}" = 1 ] && echo "≥" || true; }
{
    printf 'measure\tnetblame\tsockperf\tfping\tblackbox_exporter\tgoal\tmet\n'
    if [ "$ONLY" != cost ]; then
    nbr=${R[netblame]} spr=${R[sockperf]} own=${R[sockperf-own]}
    printf 'reflector: packets/s, < 0.1 %% loss (nb-stampload)\t%s%s\t%s%s\t\t\t≥ 90 %% of sockperf\t%s (%s %%)\n' \
        "$(cap netblame)" "$nbr" "$(cap sockperf)" "$spr" \
        "$(yn "$spr > 0 && $nbr >= 0.9 * $spr")" "$(awk -v a="$nbr" -v b="$spr" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }')"
    printf "reflector: packets/s, < 0.1 %% loss (sockperf's client)\t\t%s%s\t\t\t\t\n" "$(cap sockperf-own)" "$own"
    printf 'reflector: server CPU at that rate, %% of a core\t%s\t%s (own client %s)\t\t\t\t\n' \
        "$(field "${R[netblame.line]}" server_cpu_pct)" "$(field "${R[sockperf.line]}" server_cpu_pct)" \
        "$(field "${R[sockperf-own.line]}" server_cpu_pct)"
    printf 'reflector: RTT at 1,000/s, p50/p99 µs\t%s\t%s\t\t\t\t\n' "$(pq "${R[netblame.low]}" rtt)" "$(pq "${R[sockperf.low]}" rtt)"
    printf 'reflector: RTT at that rate, p50/p99 µs\t%s\t%s (own client %s)\t\t\t\t\n' \
        "$(pq "${R[netblame.line]}" rtt)" "$(pq "${R[sockperf.line]}" rtt)" "$(pq "${R[sockperf-own.line]}" rtt)"
    printf 'reflector: own hold T3-T2 at 1,000/s; at that rate, p50/p99 µs\t%s; %s\t\t\t\t\t\n' \
        "$(pq "${R[netblame.low]}" hold)" "$(pq "${R[netblame.line]}" hold)"
    row_rtt() { # LABEL KEY SUBTRACT
        local out=() t a b
        for t in netblame sockperf fping; do
            read -r a b <<<"${R[$t.$2]}"
            out+=("$(awk -v a="$a" -v b="$b" -v d="$3" 'BEGIN { if (a == "" || a == "-" || a == "null") print "-"; else printf "%.1f/%.1f", a - d, b - d }')")
        done
        printf '%s\t%s\t%s\t%s\t\t\t\n' "$1" "${out[@]}"
    }
    row_rtt "RTT over the veth, p50/p99 µs" veth 0
    row_rtt "RTT via the stand-in, nothing injected, p50/p99 µs" standin0 0
    row_rtt "via the stand-in +${DELAY_US} µs: measured - injected, p50/p99 µs" standin "$DELAY_US"
    fi # ONLY
    for n in $COST_N; do
        read -r ncpu nprobes nrss _ <<<"${R[nb.$n]}"
        read -r bcpu bprobes brss _ _ <<<"${R[bb.$n]}"
        npp=$(awk -v c="$ncpu" -v p="$nprobes" 'BEGIN { printf "%.0f", (p > 0 ? 1e6 * c / p : 0) }')
        bpp=$(awk -v c="$bcpu" -v p="$bprobes" 'BEGIN { printf "%.0f", (p > 0 ? 1e6 * c / p : 0) }')
        printf '%s targets: CPU µs per probe (CPU s / probes, %s s)\t%s (%s/%s)\t\t\t%s (%s/%s)\tless than blackbox\t%s\n' \
            "$n" "$COST_S" "$npp" "$ncpu" "$nprobes" "$bpp" "$bcpu" "$bprobes" \
            "$(yn "$nprobes > 0 && $bprobes > 0 && $npp < $bpp")"
        printf '%s targets: VmRSS MiB\t%s\t\t\t%s\tless than blackbox\t%s\n' "$n" \
            "$(awk -v k="$nrss" 'BEGIN { printf "%.1f", k / 1024 }')" "$(awk -v k="$brss" 'BEGIN { printf "%.1f", k / 1024 }')" \
            "$(yn "$nrss < $brss")"
    done
} >"$NB_TMP/table.tsv"
echo
echo "peer_compare: commit $commit, kernel $(uname -r), $(nproc) CPUs, $(date -u +%FT%TZ)," \
    "load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
column -t -s $'\t' "$NB_TMP/table.tsv"
