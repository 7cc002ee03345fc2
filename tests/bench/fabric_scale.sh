#!/usr/bin/env bash
# Benchmark: what the fabric family costs one host agent as its peers grow.
# For each size N (default 100 1000 5000) an inventory file is generated
# whose Pingmesh rule (agent/wire/pingmesh.c, defaults per_tor = per_pod = 2)
# gives this host exactly N peers: its ToR of 41 hosts (40 peers), 25 ToRs
# in its pod (2 of each other: 48), and (N - 88) / 2 other pods of 2 ToRs x 2
# hosts (2 of each: N - 88). One netblamed ("src", role host, node "self")
# probes them at 1/s through "fabric": {"inventory_file": ...}. Every peer
# address lies in 198.19.0.0/16, routed to a second namespace ("dst") where
# it is local (a local route, nothing assigned) and one netblamed reflector
# on the wildcard address (its per-source limit off) answers every probe
# from the address probed (IP_PKTINFO). After WARM_S seconds (all peers answered at least once, then
# the rest of the warm-up), over MEASURE_S seconds: src's CPU (utime + stime
# from /proc/PID/stat, % of one core), then its RSS (VmRSS), descriptors
# (sockets among /proc/PID/fd), armed probe timers (netblame_probe_timers)
# and event-loop wake-ups/s (netblame_event_loop_iterations_total), replies
# and losses/s, and /metrics: series (lines not starting with #), size and
# scrape time (median of 5, curl from inside src); then the time from a
# SIGHUP (same file) to the reload's success in /metrics (polled every
# 50 ms, so within about 50 ms plus a scrape). Then, without the lab,
# the config load of a 100,000-host inventory (100 pods x 25 ToRs x 40
# hosts): `netblamed --check` wall time, max RSS and the peers it picks.
# Prints a table (tab-separated) and writes OUT_DIR/fabric_scale.tsv and,
# with gnuplot, OUT_DIR/fabric_scale.png. Asserts nothing.
#   usage: NB_BIN=build/release NB_SRC=. tests/bench/fabric_scale.sh [N...]
#   environment: WARM_S (20), MEASURE_S (60), OUT_DIR (tests/bench/plots),
#   PLOT_ONLY=1 (no run: the plot of OUT_DIR/fabric_scale.tsv again)
. "$NB_SRC/tests/lib/common.sh"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 1000 5000)
warm=${WARM_S:-20}
measure=${MEASURE_S:-60}
out_dir=${OUT_DIR:-$NB_SRC/tests/bench/plots}
hz=$(getconf CLK_TCK)
api=9862
for n in "${sizes[@]}"; do
    [ "$n" -ge 88 ] && [ $(((n - 88) % 2)) -eq 0 ] && [ "$n" -le 16384 ] ||
        nb_fail "size $n: must be even, 88..16384 (the fleet shape above)"
done

# fleet FILE N: the inventory that gives node "self" N peers (shape above).
# Host i is 198.19.0.0 + 1 + i: this pod's 1025 first, other pods' from i = 1100.
fleet() {
    awk -v n="$2" 'BEGIN {
        printf "{\"hosts\": ["; sep = ""
        for (t = 0; t < 25; t++)
            for (h = 0; h < 41; h++) {
                i = t * 41 + h
                name = (t == 0 && h == 0) ? "self" : sprintf("p0-t%02d-h%02d", t, h)
                printf "%s\n{\"name\": \"%s\", \"address\": \"198.19.%d.%d\", \"tor\": \"p0-t%02d\", \"pod\": \"p0\"}", \
                    sep, name, int((i + 1) / 256), (i + 1) % 256, t; sep = ","
            }
        i = 1100
        for (p = 1; p <= (n - 88) / 2; p++)
            for (t = 0; t < 2; t++)
                for (h = 0; h < 2; h++) {
                    printf ",\n{\"name\": \"p%d-t%d-h%d\", \"address\": \"198.19.%d.%d\", \"tor\": \"p%d-t%d\", \"pod\": \"p%d\"}", \
                        p, t, h, int((i + 1) / 256), (i + 1) % 256, p, t, p; i++
                }
        print "\n]}"
    }' >"$1"
}

# fleet100k FILE: 100 pods x 25 ToRs x 40 hosts, "self" the first.
fleet100k() {
    awk 'BEGIN {
        printf "{\"hosts\": ["; i = 0
        for (p = 0; p < 100; p++) for (t = 0; t < 25; t++) for (h = 0; h < 40; h++) {
            name = i ? sprintf("p%02d-t%02d-h%02d", p, t, h) : "self"
            printf "%s\n{\"name\": \"%s\", \"address\": \"198.%d.%d.%d\", \"tor\": \"p%02d-t%02d\", \"pod\": \"p%02d\"}", \
                i ? "," : "", name, 18 + int(i / 65536), int(i / 256) % 256, i % 256, p, t, p
            i++
        }
        print "\n]}"
    }' >"$1"
}

# plot: OUT_DIR/fabric_scale.tsv as OUT_DIR/fabric_scale.png (gnuplot)
plot() {
    if ! command -v gnuplot >/dev/null; then
        nb_log "no gnuplot (deploy/install-deps.sh --bench): no plot"
        return 0
    fi
    gnuplot <<EOF
set terminal pngcairo size 1200,800 font ",10"
set output "$out_dir/fabric_scale.png"
set datafile separator "\t"
set key autotitle columnhead left top noenhanced
set xlabel "fabric peers (1 probe/s each)"
set xrange [0:*]
set grid
set multiplot layout 2,2 title "netblamed, fabric family: cost by peer count (tests/bench/fabric_scale.sh)" noenhanced
set ylabel "% of one core"
plot "$out_dir/fabric_scale.tsv" using 1:2 with linespoints title "CPU"
set ylabel "MiB"
plot "$out_dir/fabric_scale.tsv" using 1:3 with linespoints title "RSS"
set ylabel "count"
set logscale y
plot "$out_dir/fabric_scale.tsv" using 1:5 with linespoints title "armed probe timers", \
     "" using 1:6 with linespoints title "sockets", \
     "" using 1:10 with linespoints title "/metrics series", \
     "" using 1:7 with linespoints title "event-loop wake-ups/s"
unset logscale y
set ylabel "ms / KiB"
plot "$out_dir/fabric_scale.tsv" using 1:11 with linespoints title "/metrics scrape (ms)", \
     "" using 1:(\$12 / 100) with linespoints title "/metrics size (100 KiB)", \
     "" using 1:13 with linespoints title "SIGHUP reload (ms)"
unset multiplot
EOF
    nb_log "plot: $out_dir/fabric_scale.png"
}
if [ -n "${PLOT_ONLY:-}" ]; then
    plot
    exit 0
fi

nb_veth_pair src 198.18.0.1/24 dst 198.18.0.2/24
src=${NB_P}-src dst=${NB_P}-dst
ip -n "$src" route add 198.19.0.0/16 via 198.18.0.2
ip -n "$dst" route add local 198.19.0.0/16 dev lo
cat >"$NB_TMP/dst.json" <<EOF
{"role": "host", "node": "reflector", "user": "root", "log_level": "warn",
 "reflector": {"rate_pps": 0}}
EOF
nb_start "$dst" dst "$NB_BIN/netblamed" --config "$NB_TMP/dst.json"
refl_pid=$NB_LAST_PID
nb_wait_for "reflector's API" 20 ip netns exec "$dst" curl -sf "http://127.0.0.1:$api/healthz"

metrics() { ip netns exec "$src" curl -sf "http://127.0.0.1:$api/metrics"; }
# sum NAME: the sum of every sample of NAME in METRICS_TXT
sum() {
    awk -v m="$1" '{ k = $1; sub(/[{].*/, "", k) } k == m { s += $2 } END { printf "%.0f\n", s }' \
        "$NB_TMP/m.txt"
}
# every peer answered at least once
all_answered() {
    metrics >"$NB_TMP/m.txt" || return 1
    [ "$(awk '$1 ~ /^netblame_stamp_received_total{/ && $2 > 0 { k++ } END { print k + 0 }' \
        "$NB_TMP/m.txt")" -ge "$1" ]
}

rows=()
for n in "${sizes[@]}"; do
    fleet "$NB_TMP/fleet.json" "$n"
    cat >"$NB_TMP/src.json" <<EOF
{"role": "host", "node": "self", "user": "root", "log_level": "warn",
 "reflector": {"address": "198.18.0.1"},
 "fabric": {"inventory_file": "fleet.json", "max_peers": 16384}}
EOF
    nb_start "$src" "src-$n" "$NB_BIN/netblamed" --config "$NB_TMP/src.json"
    pid=$NB_LAST_PID
    nb_wait_for "src's API ($n peers)" 60 ip netns exec "$src" curl -sf "http://127.0.0.1:$api/healthz"
    nb_wait_for "every one of $n peers answered" 60 all_answered "$n"
    peers=$(awk '$1 ~ /^netblame_fabric_peers{/ { s += $2 } END { print s + 0 }' "$NB_TMP/m.txt")
    [ "$peers" = "$n" ] || nb_fail "the rule picked $peers peers, not $n"
    t_end=$((SECONDS + warm))
    while [ "$SECONDS" -lt "$t_end" ]; do sleep 1; done # warm-up: a duration, not a sync

    metrics >"$NB_TMP/m.txt"
    rx0=$(sum netblame_stamp_received_total) lost0=$(sum netblame_stamp_lost_total)
    it0=$(sum netblame_event_loop_iterations_total)
    c0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat") w0=$(date +%s%N)
    sleep "$measure" # the measured interval
    c1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat") w1=$(date +%s%N)
    metrics >"$NB_TMP/m.txt"
    rx1=$(sum netblame_stamp_received_total) lost1=$(sum netblame_stamp_lost_total)
    it1=$(sum netblame_event_loop_iterations_total)
    timers=$(sum netblame_probe_timers)
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
    sockets=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 -lname 'socket:*' | wc -l)
    series=$(grep -vc '^#' "$NB_TMP/m.txt")
    for i in 1 2 3 4 5; do
        ip netns exec "$src" curl -sf -o /dev/null -w '%{time_total} %{size_download}\n' \
            "http://127.0.0.1:$api/metrics"
    done >"$NB_TMP/scrape.txt"
    scrape_ms=$(sort -n "$NB_TMP/scrape.txt" | awk 'NR == 3 { printf "%.1f", $1 * 1000 }')
    scrape_kib=$(awk 'NR == 1 { printf "%.0f", $2 / 1024 }' "$NB_TMP/scrape.txt")
    # a SIGHUP with the same file: every peer's socket and timer made again
    r0=$(date +%s%N)
    kill -HUP "$pid"
    nb_wait_for "reload of $n peers" 60 nb_metric_ge "$src" "$api" 'netblame_config_reloads_total{result="ok"}' 1
    reload_ms=$((($(date +%s%N) - r0) / 1000000))
    rows+=("$(awk -v n="$n" -v c=$((c1 - c0)) -v hz="$hz" -v w=$((w1 - w0)) -v rss="$rss" \
        -v timers="$timers" -v sockets="$sockets" -v it=$((it1 - it0)) -v rx=$((rx1 - rx0)) \
        -v lost=$((lost1 - lost0)) -v series="$series" -v ms="$scrape_ms" -v kib="$scrape_kib" \
        -v reload="$reload_ms" 'BEGIN { s = w / 1e9
        printf "%d\t%.2f\t%d\t%d\t%d\t%.0f\t%.0f\t%.2f\t%d\t%s\t%s\t%d\n", n, c / hz / s * 100,
            rss, timers, sockets, it / s, rx / s, lost / s, series, ms, kib, reload }')")
    nb_stop "$pid" || true
done
nb_stop "$refl_pid" || true

# the config load of a 100,000-host inventory, without the lab
fleet100k "$NB_TMP/fleet.json"
cat >"$NB_TMP/check.json" <<EOF
{"role": "host", "node": "self", "user": "root", "fabric": {"inventory_file": "fleet.json"}}
EOF
/usr/bin/time -f '%e %M' -o "$NB_TMP/time.txt" "$NB_BIN/netblamed" --config "$NB_TMP/check.json" \
    --check >"$NB_TMP/check.txt"
read -r check_s check_kib <"$NB_TMP/time.txt"

mkdir -p "$out_dir"
# RSS in MiB, and per peer added since the previous size (KiB)
printf '%s\n' "${rows[@]}" | awk -F'\t' -v OFS='\t' 'BEGIN {
    print "peers", "cpu_pct", "rss_mib", "rss_kib_per_added_peer", "timers", "sockets",
        "wakeups_per_s", "replies_per_s", "lost_per_s", "series", "scrape_ms", "scrape_kib",
        "reload_ms" }
    { per = NR > 1 ? sprintf("%.1f", ($3 - rss) / ($1 - n)) : "-"; n = $1; rss = $3
      print $1, $2, sprintf("%.1f", $3 / 1024), per, $4, $5, $6, $7, $8, $9, $10, $11, $12 }' |
    tee "$out_dir/fabric_scale.tsv"
awk -v b="$(stat -c %s "$NB_TMP/fleet.json")" -v s="$check_s" -v k="$check_kib" -v c="$(tail -n 1 "$NB_TMP/check.txt")" \
    'BEGIN { printf "\ninventory of 100000 hosts (%.1f MiB): netblamed --check %s s, max RSS %.1f MiB: %s\n",
        b / 1048576, s, k / 1024, c }'
nb_log "measured over ${measure}s after a ${warm}s warm-up; commit $(git -C "$NB_SRC" rev-parse --short HEAD 2>/dev/null)"

plot
