#!/usr/bin/env bash
# Benchmark: what one host agent costs as the guests on its host grow
# (issue 16, item 2). For each size N (default 16 64 256 1024): a host
# namespace ("host") with a bridge br0 (198.18.0.1/20), N persistent taps
# vnet0..vnet<N-1> enslaved to it (from vnet512 on to a second bridge br1
# joined to br0: a bridge takes 1023 ports), and an uplink nic0, a veth whose other
# end is in a second namespace ("far", 198.18.0.2) where a netblamed
# reflector answers. nb-guestload (tests/lab/guestload.c) holds every tap
# open, one process per tap as one QEMU per guest, and is the guests: guest
# i (198.18.4.0 + i) writes a guest agent's STAMP probe into its tap at the
# default rate (1/s, every tenth padded to 1500 bytes) to the far reflector
# and reads the answer back, so each probe crosses tap, bridge and uplink
# both ways: four sightings (vnetI in, nic0 out, nic0 in, vnetI out). The
# host agent (role host, "user": "root", capture on uplink nic0, so every
# bridged tap is watched) starts once the taps are held; after WARM_S
# seconds (every guest answered, then the rest of the warm-up), over
# MEASURE_S seconds: its CPU (utime + stime from /proc/PID/stat, % of one
# core), its RSS (VmRSS) at the end, capture drops (the kernel's, from
# pcap_stats: netblame_capture_kernel_drops_total), sightings recorded and
# evicted from the ring (netblame_sightings_evicted_total) per second, and
# how long the ring holds a sighting at that rate (its capacity over the
# rate); then the kernel filter on its capture socket (instructions:
# netblame_capture_filter_instructions), /metrics (series: lines not starting with #, bytes, scrape
# time: median of 5, curl in the host namespace; the agent's CPU per scrape
# over those 5, in 10 ms ticks: 2 ms resolution), and /v1/sightings: one
# guest session's sightings from the oldest held, as a feed's first read
# (median of 5, bytes). The guests' answers per second say the traffic ran.
# Prints a table (tab-separated), writes OUT_DIR/host_scale.tsv and, with
# gnuplot, OUT_DIR/host_scale.png. Asserts nothing.
#   usage: NB_BIN=build/release NB_SRC=. tests/bench/host_scale.sh [N...]
#   environment: WARM_S (10), MEASURE_S (30), PER_PROC (1: taps per guest
#   process), OUT_DIR (tests/bench/plots), PLOT_ONLY=1 (no run: the plot of
#   OUT_DIR/host_scale.tsv again)
. "$NB_SRC/tests/lib/common.sh"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(16 64 256 1024)
warm=${WARM_S:-10}
measure=${MEASURE_S:-30}
per_proc=${PER_PROC:-1}
out_dir=${OUT_DIR:-$NB_SRC/tests/bench/plots}
hz=$(getconf CLK_TCK)
api=9862
for n in "${sizes[@]}"; do
    [ "$n" -ge 1 ] && [ "$n" -le 4000 ] || nb_fail "size $n: 1..4000 guests"
done

# plot: OUT_DIR/host_scale.tsv as OUT_DIR/host_scale.png (gnuplot)
plot() {
    if ! command -v gnuplot >/dev/null; then
        nb_log "no gnuplot (deploy/install-deps.sh --bench): no plot"
        return 0
    fi
    gnuplot <<EOF
set terminal pngcairo size 1200,800 font ",10"
set output "$out_dir/host_scale.png"
set datafile separator "\t"
set key autotitle columnhead left top noenhanced
set xlabel "guest taps (one guest probing at 1/s on each)"
set logscale x 2
set grid
set multiplot layout 2,2 title "netblamed, host role: cost by guest taps (tests/bench/host_scale.sh)" noenhanced
set ylabel "% of one core"
plot "$out_dir/host_scale.tsv" using 1:2 with linespoints title "CPU"
set ylabel "MiB"
plot "$out_dir/host_scale.tsv" using 1:3 with linespoints title "RSS"
set ylabel "count"
set logscale y
plot "$out_dir/host_scale.tsv" using 1:9 with linespoints title "BPF instructions", \
     "" using 1:10 with linespoints title "/metrics series", \
     "" using 1:5 with linespoints title "sightings/s"
unset logscale y
set ylabel "ms"
plot "$out_dir/host_scale.tsv" using 1:12 with linespoints title "/metrics scrape", \
     "" using 1:13 with linespoints title "/v1/sightings"
unset multiplot
EOF
    nb_log "plot: $out_dir/host_scale.png"
}
if [ -n "${PLOT_ONLY:-}" ]; then
    plot
    exit 0
fi

# PER_PROC taps in one guest process, and whatever the agent opens: a
# shell's default of 1024 descriptors can be too few; the hard limit is raised
# to (root without CAP_SYS_RESOURCE in a container cannot go past it).
ulimit -n "$(ulimit -Hn)"

nb_netns host
nb_netns far
host=${NB_P}-host far=${NB_P}-far
for ns in "$host" "$far"; do # no IPv6 autoconfiguration chatter on a thousand ports
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n "$host" link add br0 type bridge stp_state 0
ip -n "$host" addr add 198.18.0.1/20 dev br0
ip -n "$host" link set br0 up
# A Linux bridge takes at most 1023 ports (BR_MAX_PORTS, port 0 reserved):
# taps from vnet512 on go to a second bridge br1, joined to br0 by a veth
# pair (a host with 1,024 guests on Linux bridges needs two, or OVS).
ip -n "$host" link add br1 type bridge stp_state 0
ip -n "$host" link set br1 up
ip -n "$host" link add br1up type veth peer name br0dn
ip -n "$host" link set br1up master br1 up
ip -n "$host" link set br0dn master br0 up
ip link add nic0 netns "$host" type veth peer name eth0 netns "$far"
ip -n "$host" link set nic0 master br0 up
ip -n "$far" addr add 198.18.0.2/20 dev eth0
ip -n "$far" link set eth0 up
far_mac=$(ip -n "$far" -br link show eth0 | awk '{ print $3 }')
cat >"$NB_TMP/far.json" <<EOF
{"role": "host", "node": "far", "user": "root", "log_level": "warn",
 "reflector": {"address": "198.18.0.2", "rate_pps": 0}}
EOF
nb_start "$far" far "$NB_BIN/netblamed" --config "$NB_TMP/far.json"
nb_wait_for "the far reflector's API" 20 ip netns exec "$far" curl -sf "http://127.0.0.1:$api/healthz"
cat >"$NB_TMP/host.json" <<EOF
{"role": "host", "node": "host", "user": "root", "log_level": "warn",
 "reflector": {"address": "198.18.0.1"}, "capture": {"uplink": "nic0"}}
EOF

metrics() { ip netns exec "$host" curl -sf "http://127.0.0.1:$api/metrics"; }
# val NAME: the sample NAME (no labels) in $NB_TMP/m.txt
val() { awk -v m="$1" '$1 == m { print $2 + 0; exit }' "$NB_TMP/m.txt"; }
# gen_counts: the guests' counts now ("sent N received R ..."), printed on a
# SIGUSR1 (sent again each second until a new line comes)
gen_counts() {
    local before deadline=$((SECONDS + 20))
    before=$(grep -c '^sent ' "$NB_TMP/guests.log" || true)
    until [ "$(grep -c '^sent ' "$NB_TMP/guests.log")" -gt "$before" ]; do
        [ "$SECONDS" -lt "$deadline" ] || nb_fail "the guests print no counts"
        kill -USR1 "$gen_pid"
        for _ in $(seq 20); do
            [ "$(grep -c '^sent ' "$NB_TMP/guests.log")" -gt "$before" ] && break
            sleep 0.05
        done
    done
    grep '^sent ' "$NB_TMP/guests.log" | tail -n 1
}
watching() { metrics >"$NB_TMP/m.txt" && [ "$(val netblame_capture_interfaces)" = "$1" ]; }
answered() { [ "$(gen_counts | awk '{ print $4 }')" -ge "$1" ]; }
# median5 URL: 5 fetches in the host namespace: "median_ms bytes"
median5() {
    for _ in 1 2 3 4 5; do
        ip netns exec "$host" curl -sf -o /dev/null -w '%{time_total} %{size_download}\n' "$1"
    done | sort -n | awk 'NR == 3 { printf "%.2f %d\n", $1 * 1000, $2 }'
}

made=0 rows=()
for n in "${sizes[@]}"; do
    # taps vnet0..vnet<n-1> (the ones made for a smaller size stay), and the
    # far side's neighbour entry for each guest (nothing answers ARP)
    if [ "$n" -gt "$made" ]; then
        for ((i = made; i < n; i++)); do
            echo "tuntap add dev vnet$i mode tap"
            echo "link set vnet$i master br$((i / 512)) up"
        done | ip -n "$host" -batch -
        for ((i = made; i < n; i++)); do
            printf 'neigh replace 198.18.%d.%d lladdr 02:4e:42:00:%02x:%02x dev eth0 nud permanent\n' \
                $((4 + i / 256)) $((i % 256)) $((i >> 8)) $((i & 255))
        done | ip -n "$far" -batch -
        made=$n
    fi
    [ "$n" -ge "$made" ] || nb_fail "sizes must grow (taps are only added)"
    nb_start "$host" guests "$NB_BIN/tests/nb-guestload" vnet "$n" 198.18.4.0 198.18.0.2 \
        "$far_mac" 1000 "$per_proc"
    gen_pid=$NB_LAST_PID
    nb_wait_for "$n guests holding their taps" 120 grep -q '^ready' "$NB_TMP/guests.log"
    nb_start "$host" "host-$n" "$NB_BIN/netblamed" --config "$NB_TMP/host.json"
    pid=$NB_LAST_PID
    nb_wait_for "the host agent's API ($n taps)" 60 ip netns exec "$host" curl -sf "http://127.0.0.1:$api/healthz"
    nb_wait_for "capture on $n taps and the uplink" 120 watching $((n + 1))
    gc=$(gen_counts) || exit 1
    g0=$(awk '{ print $4 }' <<<"$gc")
    nb_wait_for "answers to every guest" 60 answered $((g0 + 2 * n))
    t_end=$((SECONDS + warm))
    while [ "$SECONDS" -lt "$t_end" ]; do sleep 1; done # warm-up: a duration, not a sync

    metrics >"$NB_TMP/m.txt"
    s0=$(val netblame_capture_sightings_total) e0=$(val netblame_sightings_evicted_total)
    d0=$(val netblame_capture_kernel_drops_total)
    gc=$(gen_counts) || exit 1
    read -r _ tx0 _ rx0 _ <<<"$gc"
    c0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat") w0=$(date +%s%N)
    sleep "$measure" # the measured interval
    c1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat") w1=$(date +%s%N)
    gc=$(gen_counts) || exit 1
    read -r _ tx1 _ rx1 _ <<<"$gc"
    metrics >"$NB_TMP/m.txt"
    s1=$(val netblame_capture_sightings_total) e1=$(val netblame_sightings_evicted_total)
    d1=$(val netblame_capture_kernel_drops_total)
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
    fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
    bpf=$(val netblame_capture_filter_instructions) # the kernel filter (SO_GET_FILTER checked)
    series=$(grep -vc '^#' "$NB_TMP/m.txt")
    k0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    read -r scrape_ms scrape_b <<<"$(median5 "http://127.0.0.1:$api/metrics")"
    k1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat") # the agent's CPU for those 5 scrapes
    read -r sight_ms sight_b <<<"$(median5 "http://127.0.0.1:$api/v1/sightings?session=4e420005&since=0&limit=4096")"
    cap=$(awk '$1 == "netblame_sightings_held" { print $2 + 0 }' "$NB_TMP/m.txt")
    rows+=("$(awk -v n="$n" -v c=$((c1 - c0)) -v hz="$hz" -v w=$((w1 - w0)) -v rss="$rss" \
        -v s=$((s1 - s0)) -v e=$((e1 - e0)) -v d=$((d1 - d0)) -v dall="$d1" -v bpf="${bpf:--}" \
        -v series="$series" -v sb="$scrape_b" -v sms="$scrape_ms" -v vms="$sight_ms" -v vb="$sight_b" \
        -v rx=$((rx1 - rx0)) -v tx=$((tx1 - tx0)) -v held="$cap" -v fds="$fds" -v k=$((k1 - k0)) \
        'BEGIN { t = w / 1e9
        printf "%d\t%.2f\t%.1f\t%d/%d\t%.0f\t%.0f\t%.0f\t%.1f/%.1f\t%s\t%d\t%.0f\t%s\t%s\t%.0f\t%d\t%.0f\n",
            n, c / hz / t * 100, rss / 1024, d, dall, s / t, e / t,
            (s > 0 ? held / (s / t) : 0), tx / t, rx / t, bpf, series, sb / 1024, sms, vms,
            vb / 1024, fds, k / hz * 1000 / 5 }')")
    nb_stop "$pid" || true
    nb_stop "$gen_pid" || true
done

mkdir -p "$out_dir"
printf '%s\n' "${rows[@]}" | awk -F'\t' -v OFS='\t' 'BEGIN {
    print "taps", "cpu_pct", "rss_mib", "drops_interval/total", "sightings_per_s", "evicted_per_s",
        "ring_span_s", "guest_sent/answered_per_s", "bpf_insns", "series", "metrics_kib",
        "scrape_ms", "sightings_ms", "sightings_kib", "fds", "scrape_cpu_ms" }
    { print }' | tee "$out_dir/host_scale.tsv"
nb_log "measured over ${measure}s after a ${warm}s warm-up, $per_proc tap(s) per guest process;" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg); commit $(git -C "$NB_SRC" rev-parse --short HEAD 2>/dev/null)"

plot
