#!/usr/bin/env bash
# The hardened reflector under a flood (issue 15, item 6). Two namespaces on
# a veth: f (the flooder nb-flood, and a legitimate peer: `netblame diagnose`
# from f's own address) and r (netblamed's reflector, 5 packets/s per source,
# burst 10). For 10 s nb-flood sends spoofed STAMP packets from 198.19.0.0/16
# (lab range): half from 64 heavy sources far over budget, half spread over
# the /16 to fill the reflector's tables. r routes replies to the spoofed
# sources back to f, which drops them (not its addresses, no forwarding):
# nothing leaves the lab. Asserted, independent of how fast this shared
# machine lets the flood go (its rate is printed, not judged):
#  - memory bounded: VmRSS after <= before + the fixed tables
#    (netblame_reflector_table_bytes) + 4 MiB for everything else;
#  - no amplification: bytes out <= bytes in on r's interface;
#  - the legitimate peer (2 probes/s, within its budget) loses nothing — any
#    loss must be the kernel's (UDP RcvbufErrors, the machine too slow to
#    drain the socket), never the reflector refusing it;
#  - the heavy sources were refused (netblame_reflector_ratelimited_total).
. "$NB_SRC/tests/lib/common.sh"

nb_veth_pair f 198.18.0.1/24 r 198.18.0.2/24
F="${NB_P}-f" R="${NB_P}-r" RIF="${NB_P}r"
ip -n "$R" route add 198.19.0.0/16 via 198.18.0.1

cat >"$NB_TMP/r.json" <<JSON
{ "user": "root", "role": "guest", "node": "r",
  "reflector": { "address": "198.18.0.2", "rate_pps": 5, "burst": 10 },
  "api": { "address": "127.0.0.1", "port": 9862 } }
JSON
nb_start "$R" netblamed-r "$NB_BIN/netblamed" --config "$NB_TMP/r.json"
daemon=$NB_LAST_PID
nb_wait_for "netblamed healthz" 20 ip netns exec "$R" curl -sf http://127.0.0.1:9862/healthz

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$daemon/status"; } # KiB
ifbytes() { ip -n "$R" -j -s link show dev "$RIF" | jq ".[0].stats64.$1.bytes"; }
rcvbuf_errors() { ip netns exec "$R" awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["RcvbufErrors"] }' /proc/net/snmp; }
metric() { nb_metric "$R" 9862 "$1"; }

rss0=$(rss) rx0=$(ifbytes rx) tx0=$(ifbytes tx) rb0=$(rcvbuf_errors)
table=$(metric netblame_reflector_table_bytes)

# the legitimate peer: 20 probes at 2/s over the flood's 10 s, all counted
nb_start "$F" legit "$NB_BIN/netblame" diagnose 198.18.0.2 --json --count 20 --interval 500 \
    --timeout 2000 --deadline 0
legit=$NB_LAST_PID
# niced: the flood stands for other machines, so it must not take the
# reflector's CPU on this one (the reflector is not niced up either).
# NB_FLOOD_NICE=0: as fast as it can (tests/bench/reflector_flood.sh).
ip netns exec "$F" nice -n "${NB_FLOOD_NICE:-19}" "$NB_BIN/tests/nb-flood" 198.18.0.2 862 198.19.0.0 16 64 10 >"$NB_TMP/flood.out" ||
    nb_fail "nb-flood failed: $(cat "$NB_TMP/flood.out")"
wait "$legit" || true
read -r _ sent _ heavy _ secs _ pps <"$NB_TMP/flood.out"

rss1=$(rss) rx1=$(ifbytes rx) tx1=$(ifbytes tx) rb1=$(rcvbuf_errors)
received=$(metric netblame_reflector_received_total)
reflected=$(metric netblame_reflector_reflected_total)
limited=$(metric netblame_reflector_ratelimited_total)
sources=$(metric netblame_reflector_sources)
evicted=$(metric netblame_reflector_sources_evicted_total)
rin=$((rx1 - rx0)) rout=$((tx1 - tx0)) kdrops=$((rb1 - rb0))
bound=$((rss0 + (${table%.*} + 4 * 1048576) / 1024))
lsent=$(jq .probes.sent "$NB_TMP/legit.log") lrecv=$(jq .probes.received "$NB_TMP/legit.log")
llost=$(jq .probes.lost "$NB_TMP/legit.log")
cat <<EOF2
flood: sent $sent packets ($heavy from 64 heavy sources) in $secs s: $pps packets/s
reflector: received $received, answered $reflected, refused over budget $limited,
           sources tracked $sources (table of ${table%.*} B), forgotten $evicted
kernel: UDP receive-buffer drops in r: $kdrops
interface $RIF: in $rin B, out $rout B
VmRSS: $rss0 KiB before, $rss1 KiB after (bound $bound KiB)
legitimate peer: sent $lsent, received $lrecv, lost $llost
EOF2

[ "$sent" -gt 0 ] || nb_fail "the flood sent nothing"
[ "$rss1" -le "$bound" ] || nb_fail "VmRSS grew past the fixed tables: $rss0 -> $rss1 KiB (bound $bound)"
[ "$rout" -le "$rin" ] || nb_fail "amplification: $rout B out for $rin B in"
[ "${reflected%.*}" -le "${received%.*}" ] || nb_fail "more replies than datagrams"
# each heavy source may be answered at most burst + rate x time (10 + 5/s)
# plus a burst per time it was forgotten; far more than that were sent
if [ "$heavy" -gt $((64 * (10 + 5 * 20) * 4)) ]; then
    [ "${limited%.*}" -gt 0 ] || nb_fail "heavy sources sent $heavy packets, none refused"
fi
[ "$lsent" = 20 ] || nb_fail "the legitimate peer sent $lsent probes, not 20"
if [ "$kdrops" -eq 0 ]; then
    [ "$llost" = 0 ] && [ "$lrecv" = 20 ] ||
        nb_fail "the legitimate peer lost $llost of 20 probes with no kernel drop: refused by the reflector"
else
    [ "$llost" -le "$kdrops" ] || nb_fail "the legitimate peer lost $llost, more than the kernel's $kdrops drops"
    [ "$llost" = 0 ] || nb_log "NOTE: the legitimate peer lost $llost probes, all within the kernel's $kdrops receive-buffer drops (this machine could not drain the flood)"
fi
nb_stop "$daemon" || nb_fail "netblamed did not exit cleanly"
nb_log "ok"
