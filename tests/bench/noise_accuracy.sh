#!/usr/bin/env bash
# Noise benchmark (issue 12): a seeded, randomised accuracy run of `netblame
# diagnose` and of the daemon's continuous verdict in a noisy lab.
#
# From SEED a plan is drawn and printed first: the same SEED and RUNS give the
# same plan (the draws are this script's own PRNG, not awk's or bash's).
#
# (a) RUNS diagnose runs from gA, exactly round(RUNS x HEALTHY_SHARE) of them
#     healthy, the others one fault each: kind and place drawn from the
#     catalogue in plan() below; the magnitude a factor (0.5x-5x) of the
#     classifier's threshold for that kind, derived from the TH_* block below
#     (band "below" < 1x, "near" 1x-2x, "clear" >= 2x; kinds without a
#     magnitude, an HTTP error, a DNS failure, an MTU black hole, are "clear");
#     the onset 0 (set before diagnose starts) or a point in the first 40 % of
#     the burst (counted from diagnose's start). Each run is judged against gA's
#     daemon's learnt baseline (--config) or, for a share, --no-baseline.
# (b) The daemon: DAEMON_MIN healthy minutes polling gA's verdict on its path
#     peer gB (GET /v1/verdicts?target=gB) every POLL_S seconds, then
#     DAEMON_FAULTS clear faults, each injected once three polls in a row are
#     healthy and timed from injection to the first poll naming its layer and
#     side, then cleared and timed back to healthy.
#
# Every run and every daemon minute also draws its noise: background traffic
# (iperf3, gA <-> gB through the wire, BG_RATE each way), CPU noise (stress-ng
# --cpu on one core or both) and the stand-ins' heavy-tailed healthy jitter
# (lab_noise all "$NOISE": a log-normal wake-up delay per crossing, see
# tests/lab/standin.c). The stand-ins run on libev's select backend so that
# sub-millisecond magnitudes are what they say (epoll rounds timers up to 1 ms).
#
# Prints the plan, one line per run, then per-layer precision and recall
# ("below" runs excluded: they are reported on their own), the right-side
# rate, the false-blame rate on healthy runs with its 95 % Wilson interval,
# the daemon's healthy polls not healthy and its flaps, time to verdict,
# diagnose wall time, and a "GOAL MISSED: ..." line for each goal of the
# README not met. Exit status 0 (a benchmark), unless the lab itself breaks.
#
#   usage: SEED=N RUNS=M NB_BIN=build/release NB_SRC=. tests/bench/noise_accuracy.sh
#   quick: RUNS=20 (10 healthy, 2 daemon minutes, 3 daemon faults, ~5 min);
#   full:  RUNS=220, the default (110 healthy, 12 daemon minutes, 8 daemon
#          faults, ~45 min). PLAN_ONLY=1 prints the plan and stops (no lab).
# Needs iperf3 and stress-ng (deploy/install-deps.sh --bench); both are started
# here as plain processes and stopped on every exit path (common.sh's cleanup).
set -euo pipefail

SEED=${SEED:-1}
RUNS=${RUNS:-220}
HEALTHY_SHARE=${HEALTHY_SHARE:-0.5}
NOBASE_SHARE=${NOBASE_SHARE:-0.3}  # runs judged with --no-baseline
BG_SHARE=${BG_SHARE:-0.3}          # runs/minutes with background traffic
CPU_SHARE=${CPU_SHARE:-0.3}        # ... with CPU noise (a third of them on both cores)
TAIL_SHARE=${TAIL_SHARE:-0.4}      # ... with the stand-ins' heavy-tailed jitter
BG_RATE=${BG_RATE:-10M}            # iperf3 --bidir target rate, each way
NOISE=${NOISE:-p50_us=25 p99_us=700} # per stand-in crossing (tests/lab/README.md)
if [ "$RUNS" -ge 100 ]; then dmin=12 dfaults=8; else dmin=2 dfaults=3; fi
DAEMON_MIN=${DAEMON_MIN:-$dmin}
DAEMON_FAULTS=${DAEMON_FAULTS:-$dfaults}
POLL_S=${POLL_S:-1}
VERDICT_WAIT_S=60                  # daemon: a verdict later than this is "none"

# ---- the classifier's thresholds the magnitudes are drawn around ----
# From classifier/verdict.c nb_cls_thresholds_default(): adjust here (and
# only here) when they change. Without a baseline; a learnt one is tighter.
TH_SEG_FLOOR_US=1000    # floor_ns: a segment's p50 over this is a fault (virtual, physical)
TH_APP_FLOOR_US=1000    # floor_ns[app]: the remote app (reflector) segment's
TH_SERVER_FLOOR_MS=200  # server_floor_ns: an app target's server time
TH_LOSS_FLOOR=0.01      # loss_floor: the loss's Wilson lower bound must exceed it...
TH_Z=2.5758             # ... at this z (NB_Z_99)
TH_TAIL_FLOOR_US=5000   # tail_floor_ns: a segment's p90 over this is a stall
TH_MIN_BASE_WINDOWS=5   # min_base_windows: a baseline is used from this many windows
PATH_COUNT=100          # diagnose's burst toward a path target (tests/lab/scenarios.sh)
PATH_INTERVAL_MS=10
APP_COUNT=20            # ... toward an app target
APP_INTERVAL_MS=20
STALL_EVERY_MS=100      # stalls: one of every STALL_EVERY_MS, its length drawn

# plan SEED RUNS -> TSV rows on stdout:
#   d  run kind target base fault truth magnitude factor band onset_s bg cpu tail
#   m  minute bg cpu tail                       (a daemon minute)
#   f  n kind fault truth magnitude factor onset_s bg cpu tail   (a daemon fault)
# fault: lab_fault arguments, "; " between several, "-" for none; cpu: 0 (off),
# c0/c1 (one core), 2 (both); bg, tail: 0/1.
plan() {
    awk -v seed="$SEED" -v runs="$RUNS" -v hshare="$HEALTHY_SHARE" -v nbshare="$NOBASE_SHARE" \
        -v bgshare="$BG_SHARE" -v cpushare="$CPU_SHARE" -v tailshare="$TAIL_SHARE" \
        -v dmin="$DAEMON_MIN" -v dfaults="$DAEMON_FAULTS" -v segf="$TH_SEG_FLOOR_US" \
        -v appf="$TH_APP_FLOOR_US" -v srvf="$TH_SERVER_FLOOR_MS" -v lossf="$TH_LOSS_FLOOR" \
        -v z="$TH_Z" -v tailfl="$TH_TAIL_FLOOR_US" -v pcount="$PATH_COUNT" \
        -v pint="$PATH_INTERVAL_MS" -v acount="$APP_COUNT" -v aint="$APP_INTERVAL_MS" \
        -v every="$STALL_EVERY_MS" '
    # minstd (Park-Miller): exact in doubles, the same sequence in any awk
    function rnd() { S = (S * 48271) % 2147483647; return S / 2147483647 }
    # pick from "name:weight name:weight ..."
    function wpick(list,   n, i, a, b, tot, r) {
        n = split(list, a, " "); tot = 0
        for (i = 1; i <= n; i++) { split(a[i], b, ":"); tot += b[2] }
        r = rnd() * tot
        for (i = 1; i <= n; i++) { split(a[i], b, ":"); r -= b[2]; if (r < 0) return b[1] }
        split(a[n], b, ":"); return b[1]
    }
    function wilson_lb(k, n, zz,   p, c, h) {
        p = k / n; c = (p + zz * zz / (2 * n)) / (1 + zz * zz / n)
        h = zz * sqrt(p * (1 - p) / n + zz * zz / (4 * n * n)) / (1 + zz * zz / n)
        return c - h
    }
    function band(f) { return f == "-" ? "clear" : f + 0 < 1 ? "below" : f + 0 < 2 ? "near" : "clear" }
    function conds() {
        BG = rnd() < bgshare ? 1 : 0
        CPU = 0; if (rnd() < cpushare) CPU = rnd() < 2 / 3 ? (rnd() < 0.5 ? "c0" : "c1") : 2
        TAIL = rnd() < tailshare ? 1 : 0
    }
    # per-probe loss p as a setting crossed ND times per round trip, percent
    function per_crossing(p, nd) { return 100 * (1 - (1 - p) ^ (1 / nd)) }
    # fault FACTOR: draws one fault of a kind into K (kind), T (target), F
    # (fault), TR (truth), M (magnitude), FX (effective factor, after rounding)
    function fault(factor,   place, dir, nd, v, p) {
        K = wpick(kinds); T = "path"; FX = factor
        place = rnd() < 0.5 ? "local" : "remote"
        if (K ~ /^virtio/) {
            dir = K == "virtio-stall" ? wpick("tx:1 rx:1") : wpick("tx:2 rx:2 both:1")
            nd = dir == "both" ? 2 : 1; TR = "virtual/" place
        } else if (K ~ /^wire/) {
            dir = wpick("ab:2 ba:2 both:1"); nd = dir == "both" ? 2 : 1; TR = "physical/-"
        }
        if (K == "virtio-delay" || K == "wire-delay") {
            v = int(factor * segf / nd + 0.5); FX = v * nd / segf
            F = (K ~ /^virtio/ ? "virtio " place " " : "wire ") dir " delay_us=" v
            M = v " us" (nd == 2 ? " each way" : "")
        } else if (K == "virtio-jitter") {
            # uniform [0, J]: its median J/2 reaches the floor at J = 2 x floor
            v = int(factor * 2 * segf / nd + 0.5); FX = v * nd / (2 * segf)
            F = "virtio " place " " dir " jitter_us=" v; M = "0-" v " us" (nd == 2 ? " each way" : "")
        } else if (K == "virtio-loss" || K == "wire-loss") {
            p = factor * lossth; if (p > 0.5) p = 0.5
            v = sprintf("%.2f", per_crossing(p, nd)); FX = (1 - (1 - v / 100) ^ nd) / lossth
            F = (K ~ /^virtio/ ? "virtio " place " " : "wire ") dir " loss_pct=" v
            M = v " %" (nd == 2 ? " each way" : "")
        } else if (K == "virtio-stall") {
            v = int(factor * stallth + 0.5); if (v > every * 0.8) v = every * 0.8
            FX = v / stallth
            F = "virtio " place " " dir " stall_every_ms=" every " stall_for_ms=" v
            M = v " of " every " ms"
        } else if (K == "wire-mtu") {
            v = wpick("576:1 1000:1 1400:1"); FX = "-"
            F = "wire both mtu=" v; M = "mtu " v
        } else if (K == "bridge-drop") {
            # nftables numgen: whole percents; a probe crosses the bridge twice
            v = int(per_crossing(factor * lossth, 2) + 0.5); if (v < 1) v = 1
            FX = (1 - (1 - v / 100) ^ 2) / lossth
            F = "bridge " place " drop_pct=" v; M = v " % of frames"; TR = "virtual/" place
        } else if (K == "reflector-hold") {
            v = int(factor * appf + 0.5); FX = v / appf
            F = "reflector remote hold_us=" v; M = v " us"; TR = "app/remote"
        } else if (K == "app-slow") {
            if (factor > 3) factor = 3    # 20 requests: keep the burst bounded
            v = int(factor * srvf + 0.5); FX = v / srvf
            F = "app delay_ms=" v; M = v " ms"; TR = "app/remote"
            T = rnd() < 0.7 ? "app" : "appdns"
        } else if (K == "app-error") {
            F = "app " wpick("status=500:1 status=503:1 mode=reset:1 mode=refuse:1"); FX = "-"
            M = substr(F, 5); TR = "app/remote"; T = "app"
        } else if (K == "dns") {
            v = wpick("servfail:1 nxdomain:1 noanswer:1 refused:1"); FX = "-"
            F = "dns " v; M = v; TR = "app/-"; T = "appdns"
        }
        if (FX != "-") FX = sprintf("%.2f", FX)
    }
    BEGIN {
        S = seed % 2147483646 + 1
        for (i = 0; i < 10; i++) rnd()
        kinds = "virtio-delay:3 virtio-jitter:2 virtio-loss:2 virtio-stall:2 wire-delay:2 " \
                "wire-loss:2 wire-mtu:1 bridge-drop:2 reflector-hold:1 app-slow:1 app-error:1 dns:1"
        factors = "0.5:1 0.8:2 1.2:2 1.5:2 2:2 3:2 5:1"
        # loss: the per-probe rate whose expected count in one burst first puts
        # the Wilson lower bound over the floor
        for (k = 0; k <= pcount; k++) if (wilson_lb(k, pcount, z) > lossf) break
        lossth = k / pcount
        # stalls of L ms every E: P(a probe waits > x) = (L/E)(1 - x/L), so its
        # p90 is L - E/10; over the stall floor from L = that + E/10
        stallth = tailfl / 1000 + every / 10
        printf "#\tthresholds\tsegment p50 %d us; app (reflector) %d us; server %d ms; loss %.1f %% a probe (%d of %d: Wilson lb over %.1f %%); stall %d of %d ms (p90 over the %g ms stall floor)\n", \
            segf, appf, srvf, 100 * lossth, k, pcount, 100 * lossf, stallth, every, tailfl / 1000
        # exactly round(runs x share) healthy runs, at shuffled places
        for (i = 1; i <= runs; i++) ord[i] = i
        for (i = runs; i > 1; i--) { j = 1 + int(rnd() * i); t = ord[i]; ord[i] = ord[j]; ord[j] = t }
        nh = int(runs * hshare + 0.5)
        for (i = 1; i <= nh; i++) healthy[ord[i]] = 1
        for (i = 1; i <= runs; i++) {
            if (healthy[i]) {
                K = "healthy"; T = wpick("path:12 app:5 appdns:3"); F = "-"; TR = "healthy"
                M = "-"; FX = "-"; B = "healthy"
            } else {
                fault(wpick(factors) + 0); B = band(FX)
            }
            base = rnd() < nbshare ? "nobase" : "cfg"
            burst = T == "path" ? pcount * pint / 1000 : acount * aint / 1000
            onset = rnd() < 0.5 || K == "healthy" ? 0 : (0.05 + 0.35 * rnd()) * burst
            conds()
            printf "d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t%s\n", \
                i, K, T, base, F, TR, M, FX, B, onset, BG, CPU, TAIL
        }
        for (i = 1; i <= dmin; i++) { conds(); printf "m\t%d\t%s\t%s\t%s\n", i, BG, CPU, TAIL }
        # daemon faults: path kinds, clear magnitudes
        kinds = "virtio-delay:3 virtio-jitter:1 virtio-loss:2 virtio-stall:2 wire-delay:2 " \
                "wire-loss:2 bridge-drop:2"
        for (i = 1; i <= dfaults; i++) {
            fault(wpick("2:1 3:1") + 0); onset = 5 * rnd(); conds()
            printf "f\t%d\t%s\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t%s\n", i, K, F, TR, M, FX, onset, BG, CPU, TAIL
        }
    }'
}

cond_text() { # BG CPU TAIL
    local t=
    [ "$1" = 1 ] && t+="bg,"
    case "$2" in 0) ;; 2) t+="cpu:both," ;; *) t+="cpu:core${2#c}," ;; esac
    [ "$3" = 1 ] && t+="tail,"
    t=${t%,}
    echo "${t:-quiet}"
}

PLAN=$(plan)
echo "# noise benchmark: SEED=$SEED RUNS=$RUNS HEALTHY_SHARE=$HEALTHY_SHARE NOBASE_SHARE=$NOBASE_SHARE" \
    "BG_SHARE=$BG_SHARE BG_RATE=$BG_RATE CPU_SHARE=$CPU_SHARE TAIL_SHARE=$TAIL_SHARE NOISE='$NOISE'" \
    "DAEMON_MIN=$DAEMON_MIN DAEMON_FAULTS=$DAEMON_FAULTS POLL_S=$POLL_S"
awk -F'\t' '$1 == "#" { print "# " $2 ": " $3 }' <<<"$PLAN"
est=$(awk -F'\t' -v dmin="$DAEMON_MIN" -v df="$DAEMON_FAULTS" '
    $1 == "d" { s += ($3 == "app-slow" ? 3 + 20 * $8 / 1000 : 3) + ($12 == 1 ? 1 : 0) }
    END { printf "%d", (s + 60 * dmin + 40 * df + 120) / 60 + 1 }' <<<"$PLAN")
echo "# plan (estimated ~$est min on this machine; 'onset' is seconds after diagnose starts)"
printf '#%-4s %-15s %-7s %-7s %-15s %-6s %-7s %-6s %-24s %s\n' run kind target judged truth factor band onset noise fault
awk -F'\t' '$1 == "d"' <<<"$PLAN" | while IFS=$'\t' read -r _ i k t b f tr _ fx bd on bg cpu tl; do
    printf '#%-4s %-15s %-7s %-7s %-15s %-6s %-7s %-6s %-24s %s\n' "$i" "$k" "$t" "$b" "$tr" "$fx" "$bd" \
        "$on" "$(cond_text "$bg" "$cpu" "$tl")" "$f"
done
awk -F'\t' '$1 == "m"' <<<"$PLAN" | while IFS=$'\t' read -r _ i bg cpu tl; do
    printf '#daemon minute %-3s healthy, %s\n' "$i" "$(cond_text "$bg" "$cpu" "$tl")"
done
awk -F'\t' '$1 == "f"' <<<"$PLAN" | while IFS=$'\t' read -r _ i k f tr _ fx on bg cpu tl; do
    printf '#daemon fault %-3s %-13s %-13s x%-5s onset %-5s %-20s %s\n' "$i" "$k" "$tr" "$fx" "$on" \
        "$(cond_text "$bg" "$cpu" "$tl")" "$f"
done
[ "${PLAN_ONLY:-0}" = 1 ] && exit 0

. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"
. "$NB_SRC/tests/lab/scenarios.sh"
for tool in iperf3 stress-ng; do
    command -v "$tool" >/dev/null || nb_fail "$tool not installed: deploy/install-deps.sh --bench"
done

LIBEV_FLAGS=1 lab_up
URL="http://$LAB_IP_gB:$LAB_HTTP_PORT/"
URLDNS="http://backend.lab:$LAB_HTTP_PORT/"
LAB_AGENT_PEERS_gA=', { "name": "gB", "family": "path", "address": "'$LAB_IP_gB'", "interval_ms": 50 }'
LAB_AGENT_EXTRA_gA='"app": [ { "name": "web", "url": "'$URL'", "interval_ms": 100 },
    { "name": "webdns", "url": "'$URLDNS'", "interval_ms": 100 } ],'
lab_agents

# ---- noise conditions: switched only when they change ----
cur_bg=0 cur_cpu=0 cur_tail=0 bg_pids=() cpu_pid=
bg_stop() {
    local p
    for p in "${bg_pids[@]}"; do nb_stop "$p" 2>/dev/null || true; done  # the server may be gone
    bg_pids=()
}
bg_start() {
    # a one-off server per session: a fresh start every time, never "busy"
    nb_start "$(lab_ns gB)" iperf3-server iperf3 -s -1 -B "$LAB_IP_gB"
    bg_pids+=("$NB_LAST_PID")
    nb_wait_for "iperf3 server" 10 lab_exec gB bash -c "ss -Hltn 'sport = :5201' | grep -q ."
    nb_start "$(lab_ns gA)" iperf3-client iperf3 -c "$LAB_IP_gB" --bidir -b "$BG_RATE" -t 3600 \
        -i 1 --forceflush
    bg_pids+=("$NB_LAST_PID")
    nb_wait_for "iperf3 traffic" 15 grep -q 'bits/sec' "$NB_TMP/iperf3-client.log"
}
cpu_stop() { [ -z "$cpu_pid" ] || nb_stop "$cpu_pid" || true; cpu_pid=; }
cpu_start() { # c0|c1|2
    case "$1" in
        2) nb_start - stress-ng stress-ng --cpu 2 --timeout 3600 --quiet ;;
        *) nb_start - stress-ng stress-ng --cpu 1 --taskset "${1#c}" --timeout 3600 --quiet ;;
    esac
    cpu_pid=$NB_LAST_PID
}
conditions() { # BG CPU TAIL
    if [ "$1" != "$cur_bg" ]; then bg_stop; [ "$1" = 0 ] || bg_start; cur_bg=$1; fi
    if [ "$2" != "$cur_cpu" ]; then cpu_stop; [ "$2" = 0 ] || cpu_start "$2"; cur_cpu=$2; fi
    if [ "$3" != "$cur_tail" ]; then
        if [ "$3" = 1 ]; then lab_noise all "$NOISE"; else lab_noise all off; fi
        cur_tail=$3
    fi
}
# nb_cleanup stops what is left (NB_PIDS); the pieces go first, while the lab stands
trap 'rc=$?; set +e; bg_stop; cpu_stop; (exit $rc); nb_cleanup' EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
# medmax: numbers on stdin -> "median max count" ("- - 0" for none)
medmax() { sort -g | awk '{ v[++n] = $1 } END { if (n) print v[int((n + 1) / 2)], v[n], n; else print "- - 0" }'; }

# ---- the daemon's baseline first: --config runs are judged against it ----
learnt() {
    lab_exec gA curl -sf "http://$(lab_api gA)/v1/baselines?target=gB&kind=peer" |
        jq -e --argjson m "$TH_MIN_BASE_WINDOWS" '[.metrics[] | .windows // 0] | max >= $m' >/dev/null
}
t0=$(now)
if (nb_wait_for "gA's baseline for gB" 180 learnt); then
    echo "# gA's daemon learnt gB's baseline ($TH_MIN_BASE_WINDOWS windows) in $(since "$t0") s"
else
    echo "# NOTE: gA's daemon had no baseline for gB after 180 s: --config runs say what they used"
fi

# deadline: diagnose's own, if it has one (DEADLINE_S overrides its default)
has_deadline=0 deadline=
if lab_exec gA "$NB_BIN/netblame" diagnose --help 2>&1 | grep -q -- '--deadline'; then
    has_deadline=1
    # "--deadline MS ... (default 5000; ...)", the default on the option's
    # first lines, in the option's unit
    deadline=${DEADLINE_S:-$(lab_exec gA "$NB_BIN/netblame" diagnose --help 2>&1 |
        grep -A2 -- '--deadline' | tr '\n' ' ' |
        sed -n 's/.*--deadline \(MS\|S\)\b.*default \([0-9.]*\).*/\1 \2/p' |
        awk '{ print $1 == "MS" ? $2 / 1000 : $2 }')}
    if [ -n "$deadline" ]; then
        echo "# diagnose has --deadline ($deadline s): wall times are checked against it"
    else
        echo "# NOTE: diagnose has --deadline, but --help gives no default this script reads: set DEADLINE_S"
    fi
else
    echo "# diagnose has no --deadline: wall times are reported, not checked"
fi

# ---- (a) diagnose runs ----
runs=$NB_TMP/runs.tsv
: >"$runs"
nd=$(grep -c '^d' <<<"$PLAN")
echo
printf '%-7s %-15s %-7s %-7s %-15s %-6s %-7s %-18s %-12s %-5s %-2s %-6s %s\n' run kind target judged \
    truth factor band noise result conf rc wall verdict
while IFS=$'\t' read -r -u 3 _ i kind target base fault truth _ fx band onset bg cpu tail; do
    conditions "$bg" "$cpu" "$tail"
    opts=()
    [ "$base" = nobase ] && opts=(--no-baseline)
    rm -f "$NB_TMP/diag.json" "$NB_TMP/diag.rc"
    if [ "$onset" = 0.00 ]; then
        [ "$fault" = - ] || scenario_faults "$fault"
        t0=$(now)
        scenario_diagnose "$target" "${opts[@]}"
    else
        t0=$(now)
        scenario_diagnose "$target" "${opts[@]}" &
        dpid=$!
        sleep "$onset"              # the drawn onset, not a synchronisation
        scenario_faults "$fault"
        wait "$dpid" || true
    fi
    wall=$(since "$t0")
    [ "$fault" = - ] || lab_clear
    v=$(scenario_verdict)
    read -r layer side conf used < <(jq -r '[.verdict, (.where.side // "" | if . == "" then "-" else . end),
        (.confidence // 0), (.baseline.used // false)] | @tsv' "$NB_TMP/diag.json" 2>/dev/null ||
        echo "error - 0 false")
    rc=$(cat "$NB_TMP/diag.rc" 2>/dev/null || echo -)
    read -r r50 r99 < <(jq -r '[.probes.rtt_us.p50 // "-", .probes.rtt_us.p99 // "-"] | @tsv' \
        "$NB_TMP/diag.json" 2>/dev/null || echo "- -")
    tl=${truth%/*} ts=${truth#*/}
    if [ "$truth" = healthy ]; then
        case "$layer" in healthy) res=ok ;; inconclusive) res=inconclusive ;; error) res=error ;;
            *) res="FALSE-BLAME" ;; esac
    else
        case "$layer" in
            "$tl") if [ "$ts" = - ] || [ "$ts" = "$side" ]; then res=right; else res=wrong-side; fi ;;
            healthy) res=missed ;; inconclusive) res=inconclusive ;; error) res=error ;;
            *) res=wrong-layer ;;
        esac
    fi
    printf '%s\n' "$i	$kind	$target	$base	$truth	$fx	$band	$onset	$bg	$cpu	$tail	$layer	$side	$v	$conf	$rc	$wall	$res	$used	$r50	$r99" >>"$runs"
    printf '%-7s %-15s %-7s %-7s %-15s %-6s %-7s %-18s %-12s %-5s %-2s %-6s %s\n' "$i/$nd" "$kind" \
        "$target" "$base$([ "$base" = cfg ] && [ "$used" != true ] && echo '*')" "$truth" "$fx" "$band" \
        "$(cond_text "$bg" "$cpu" "$tail")" "$res" "$conf" "$rc" "$wall" "$v"
done 3< <(grep '^d' <<<"$PLAN")
echo "(judged cfg* : --config, but the daemon's baseline was not used; see the report's baseline.note)"

# ---- (b) the daemon: healthy minutes, then faults ----
dpoll() { # -> verdict side confidence (one line), or "error - 0"
    lab_exec gA curl -sf "http://$(lab_api gA)/v1/verdicts?target=gB" 2>/dev/null |
        jq -r '.verdicts[0] | [.verdict, (.where.side // "" | if . == "" then "-" else . end),
            (.confidence // 0)] | @tsv' 2>/dev/null || echo "error	-	0"
}
# dwait LAYER SIDE: seconds until the daemon's verdict is LAYER (and SIDE unless
# "-"), polled every 0.2 s; "none" after VERDICT_WAIT_S
dwait() {
    local t0 l s c
    t0=$(now)
    while :; do
        read -r l s c < <(dpoll)
        if [ "$l" = "$1" ] && { [ "$2" = - ] || [ "$2" = "$s" ]; }; then since "$t0"; return; fi
        awk -v a="$t0" -v b="$(now)" -v m="$VERDICT_WAIT_S" 'BEGIN { exit !(b - a > m) }' &&
            { echo none; return; }
        sleep 0.2
    done
}
# dsteady: seconds until 3 polls in a row, 0.2 s apart, are healthy; "none"
# after VERDICT_WAIT_S
dsteady() {
    local t0 l s c k=0
    t0=$(now)
    while [ "$k" -lt 3 ]; do
        read -r l s c < <(dpoll)
        if [ "$l" = healthy ]; then k=$((k + 1)); else k=0; fi
        [ "$k" -lt 3 ] || break
        awk -v a="$t0" -v b="$(now)" -v m="$VERDICT_WAIT_S" 'BEGIN { exit !(b - a > m) }' &&
            { echo none; return; }
        sleep 0.2
    done
    since "$t0"
}
conditions 0 0 0
echo
t0=$(now)
back=$(dwait healthy -)
echo "# daemon: gA's verdict on gB healthy after the diagnose runs: $back s"
polls=$NB_TMP/polls.tsv
: >"$polls"
while IFS=$'\t' read -r -u 3 _ i bg cpu tail; do
    conditions "$bg" "$cpu" "$tail"
    m0=$(now)
    n=0 bad=0
    while awk -v a="$m0" -v b="$(now)" 'BEGIN { exit !(b - a < 60) }'; do
        read -r l s c < <(dpoll)
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "$(since "$m0")" "$bg" "$cpu" "$tail" "$l" "$s" "$c" >>"$polls"
        n=$((n + 1))
        [ "$l" = healthy ] || bad=$((bad + 1))
        sleep "$POLL_S"          # the poll cadence
    done
    echo "daemon minute $i/$DAEMON_MIN ($(cond_text "$bg" "$cpu" "$tail"), $(since "$m0") s): $bad of $n polls not healthy$(
        awk -F'\t' -v m="$i" '$1 == m && $6 != "healthy" { c[$6 "/" $7]++ }
            END { for (k in c) printf " %s:%d", k, c[k] }' "$polls")"
done 3< <(grep '^m' <<<"$PLAN")
dres=$NB_TMP/dfaults.tsv
: >"$dres"
while IFS=$'\t' read -r -u 3 _ i kind fault truth _ fx onset bg cpu tail; do
    conditions "$bg" "$cpu" "$tail"
    what="daemon fault $i/$DAEMON_FAULTS $kind x$fx ($(cond_text "$bg" "$cpu" "$tail")) [$fault]"
    sleep "$onset"                # the drawn onset (the daemon's window phase)
    # timed only from a steady healthy verdict: a verdict already naming the
    # layer (a flap) would give a time of nothing
    pre=$(dsteady)
    if [ "$pre" = none ]; then
        read -r l s c < <(dpoll)
        printf '%s\t%s\t%s\tuntimed\t-\t%s\t%s\n' "$i" "$kind" "$truth" "$l/$s" "$(cond_text "$bg" "$cpu" "$tail")" >>"$dres"
        echo "$what: not timed, the verdict was not steadily healthy within $VERDICT_WAIT_S s before it (last: $l/$s $c)"
        continue
    fi
    scenario_faults "$fault"
    a=$(dwait "${truth%/*}" "${truth#*/}")
    read -r l s c < <(dpoll)
    lab_clear
    b=$(dwait healthy -)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "$kind" "$truth" "$a" "$b" "$l/$s" "$(cond_text "$bg" "$cpu" "$tail")" >>"$dres"
    echo "$what: $truth after $a s (verdict then: $l/$s $c), healthy again after $b s"
done 3< <(grep '^f' <<<"$PLAN")
conditions 0 0 0

# ---- summary ----
echo
echo "== summary (SEED=$SEED RUNS=$RUNS; a shared, busy 2-core machine: load average $(cut -d' ' -f1-3 /proc/loadavg))"
# columns of runs.tsv: 1 run 2 kind 3 target 4 base 5 truth 6 factor 7 band 8 onset 9 bg
# 10 cpu 11 tail 12 layer 13 side 14 findings 15 conf 16 rc 17 wall 18 result 19 baseline used
# 20 round trip p50 (us) 21 p99
awk -F'\t' '
    function wil(k, n, side,   p, z, c, h) { if (!n) return 0; z = 1.96; p = k / n
        c = (p + z * z / (2 * n)) / (1 + z * z / n)
        h = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return side < 0 ? (c - h < 0 ? 0 : c - h) : (c + h > 1 ? 1 : c + h) }
    function pct(a, b) { return b ? sprintf("%5.1f %%", 100 * a / b) : "  n/a" }
    {
        t = $5 == "healthy" ? "healthy" : substr($5, 1, index($5, "/") - 1)
        p = $12
        if ($7 != "below") { act[t]++; pred[p]++; if (p == t) tp[t]++ }
        if ($5 == "healthy") {
            h++; if ($18 == "FALSE-BLAME") fb++; if ($18 == "inconclusive") hin++; if ($16 == 1) hrc1++
            if ($18 == "error") herr++
            jk = $3 "/" $4; jh[jk]++; if ($18 == "FALSE-BLAME") jf[jk]++; if ($18 == "inconclusive") ji[jk]++
            cn = ($9 ? "bg " : "") ($10 != "0" ? "cpu " : "") ($11 ? "tail" : "")
            if (cn == "") cn = "quiet"
            split(cn, cs, " ")
            for (j in cs) if (cs[j] != "") { ch[cs[j]]++; if ($18 == "FALSE-BLAME") cf[cs[j]]++
                if ($18 == "inconclusive") ci[cs[j]]++ }
        } else {
            bn[$7]++; if ($18 == "right") br[$7]++
            if ($18 == "wrong-layer") bwl[$7]++; if ($18 == "wrong-side") bws[$7]++
            if ($18 == "missed") bm[$7]++; if ($18 == "inconclusive") bi[$7]++
            if ($7 != "below" && substr($5, 1, index($5, "/") - 1) == $12 && $5 !~ /\/-$/) {
                sn++; if ($18 == "right") sr++ }
            kn[$2]++; if ($18 == "right") kr[$2]++
        }
    }
    END {
        print "per layer (runs below their threshold excluded):"
        printf "  %-13s %6s %6s %5s %9s %9s\n", "layer", "truth", "named", "right", "precision", "recall"
        split("app virtual physical healthy", L, " ")
        for (j = 1; j <= 4; j++) printf "  %-13s %6d %6d %5d %9s %9s\n", L[j], act[L[j]], pred[L[j]],
            tp[L[j]], pct(tp[L[j]], pred[L[j]]), pct(tp[L[j]], act[L[j]])
        printf "  %-13s %6s %6d   (never right)\n", "inconclusive", "-", pred["inconclusive"]
        if (pred["error"]) printf "  %-13s %6s %6d   (no report)\n", "error", "-", pred["error"]
        print "fault runs by band (factor of the threshold): right / wrong layer / wrong side / missed (healthy) / inconclusive (below: missing it is no error)"
        split("clear near below", B, " ")
        for (j = 1; j <= 3; j++) printf "  %-6s %3d runs: %3d right (%s)  %d / %d / %d / %d\n", B[j], bn[B[j]],
            br[B[j]], pct(br[B[j]], bn[B[j]]), bwl[B[j]], bws[B[j]], bm[B[j]], bi[B[j]]
        printf "fault runs by kind (right of all bands):"
        for (k in kn) printf " %s %d/%d;", k, kr[k], kn[k]
        printf "\nright side among right-layer verdicts with a side to name: %d/%d (%s)\n", sr, sn, pct(sr, sn)
        printf "healthy diagnose runs: %d; blamed a layer (false blame): %d = %s, 95 %% Wilson [%.1f %%, %.1f %%]; inconclusive: %d; exit status 1: %d; no report: %d\n",
            h, fb, pct(fb, h), 100 * wil(fb, h, -1), 100 * wil(fb, h, 1), hin, hrc1, herr
        printf "  by target and judgement:"
        for (c in jh) printf " %s %d blamed, %d inconclusive of %d;", c, jf[c], ji[c], jh[c]
        printf "\n"
        printf "  by noise (a run counts under each it had): "
        for (c in ch) printf "%s %d blamed, %d inconclusive of %d; ", c, cf[c], ci[c], ch[c]
        printf "\n"
        # for the goals
        printf "%d %d %d %d\n", fb, h, br["clear"], bn["clear"] > "/dev/stderr"
    }' "$runs" 2>"$NB_TMP/goals1"
read -r fb h cr cn <"$NB_TMP/goals1"
# what the noise did to a healthy path: its round trip
for tl in 0 1; do
    read -r a _ n < <(awk -F'\t' -v t="$tl" '$5 == "healthy" && $3 == "path" && $11 == t && $20 != "-" { print $20 }' "$runs" | medmax)
    read -r b c _ < <(awk -F'\t' -v t="$tl" '$5 == "healthy" && $3 == "path" && $11 == t && $21 != "-" { print $21 }' "$runs" | medmax)
    [ "$n" = 0 ] || echo "healthy path runs $([ "$tl" = 1 ] && echo "with" || echo "without") the heavy tail: $n, round trip p50 median $a us, p99 median $b us (max $c us)"
done
read -r wmed wmax _ < <(cut -f17 "$runs" | medmax)
over=$(awk -F'\t' -v d="${deadline:-}" 'd != "" && $17 > d + 0 { o++ } END { print o + 0 }' "$runs")
echo "diagnose wall time (from gA, incl. the fault's onset): median $wmed s, max $wmax s$([ -n "$deadline" ] && echo "; over the ${deadline} s deadline: $over")"
for t in path app appdns; do
    read -r a b n < <(awk -F'\t' -v t="$t" '$3 == t { print $17 }' "$runs" | medmax)
    [ "$n" = 0 ] || echo "  $t: $n runs, median $a s, max $b s"
done
# daemon
read -r dpolls dbad dblame dflaps dchg dmins < <(awk -F'\t' '
    { n++; v = $6 "/" $7; if ($6 != "healthy") { bad++; if ($6 ~ /^(app|virtual|physical)$/) bl++
          if (prev == "healthy" || n == 1 || $1 != pm) fl++ }
      if (n > 1 && $1 == pm && v != pv) chg++
      prev = $6; pv = v; pm = $1; if ($2 > last[$1]) last[$1] = $2 }
    END { for (m in last) s += last[m]; printf "%d %d %d %d %d %.1f\n", n, bad, bl, fl, chg, s / 60 }' "$polls")
echo "daemon, healthy: $dmins min, $dpolls polls (every ${POLL_S} s): $dbad not healthy ($dblame blamed a layer), in $dflaps flaps (runs of polls not healthy), $dchg verdict changes; polls blamed: $(awk -v k="$dblame" -v n="$dpolls" 'BEGIN {
    if (!n) { print "n/a"; exit } z = 1.96; p = k / n; c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    printf "%.1f %%, 95 %% Wilson [%.1f %%, %.1f %%] (polls of one minute are not independent)", 100 * p, 100 * (c - h < 0 ? 0 : c - h), 100 * (c + h) }')"
awk -F'\t' '$6 != "healthy" { c[$6 "/" $7]++ } END { printf "  not healthy by verdict:"; for (k in c) printf " %s %d;", k, c[k]; printf "\n" }' "$polls"
awk -F'\t' '{ cn = ($3 ? "bg " : "") ($4 != "0" ? "cpu " : "") ($5 ? "tail" : ""); if (cn == "") cn = "quiet"
        split(cn, cs, " "); for (j in cs) if (cs[j] != "") { n[cs[j]]++; if ($6 != "healthy") b[cs[j]]++ } }
    END { printf "  by noise:"; for (c in n) printf " %s %d of %d not healthy;", c, b[c], n[c]; printf "\n" }' "$polls"
read -r tmed tmax tn < <(awk -F'\t' '$4 != "none" && $4 != "untimed" { print $4 }' "$dres" | medmax)
tnone=$(awk -F'\t' '$4 == "none"' "$dres" | wc -l)
tun=$(awk -F'\t' '$4 == "untimed"' "$dres" | wc -l)
echo "daemon, time to the right verdict: median $tmed s, max $tmax s over $tn faults; no right verdict within $VERDICT_WAIT_S s: $tnone; not timed (not healthy before): $tun"
read -r a b n < <(awk -F'\t' '$5 != "none" && $5 != "-" { print $5 }' "$dres" | medmax)
echo "daemon, back to healthy after clearing: median $a s, max $b s ($n of $(wc -l <"$dres"))"

# ---- goals (README) ----
[ "$h" -ge 100 ] || echo "NOTE: $h healthy diagnose runs (a full run has >= 100: RUNS >= 200)"
awk -v m="$dmins" 'BEGIN { exit !(m < 10) }' && echo "NOTE: $dmins healthy daemon-minutes (a full run has >= 10)"
[ "$fb" = 0 ] || echo "GOAL MISSED: 0 false blames: $fb of $h healthy diagnose runs blamed a layer"
[ "$dblame" = 0 ] || echo "GOAL MISSED: 0 false blames: the daemon blamed a layer in $dblame of $dpolls healthy polls"
awk -v r="$cr" -v n="$cn" 'BEGIN { exit !(n && r / n < 0.97) }' &&
    echo "GOAL MISSED: >= 97 % of single faults on the right layer and side: $cr of $cn clear faults ($(awk -v r="$cr" -v n="$cn" 'BEGIN { printf "%.1f", 100 * r / n }') %)"
if [ "$has_deadline" = 0 ]; then
    echo "GOAL MISSED: no diagnosis over its deadline: diagnose has no --deadline (wall time max $wmax s)"
elif [ -z "$deadline" ]; then
    echo "NOTE: deadline not checked (no default read from --help; set DEADLINE_S)"
elif [ "$over" != 0 ]; then
    echo "GOAL MISSED: no diagnosis over its deadline: $over runs over ${deadline} s (max $wmax s)"
fi
exit 0
