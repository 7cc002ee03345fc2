#!/usr/bin/env bash
# Issue 5's handshake split: an app probe's connect is decomposed into the
# segments of DESIGN §2 by the host agents' sightings of its SYN and SYN-ACK,
# and the backend's own time (first byte minus the SYN's round trip) is kept
# apart from the network's.
#
#   slow backend  -> server time rises, no network segment moves
#   wire delay    -> the physical segment rises with the SYN round trip,
#                    server time does not
#   virtio delay  -> local_virtual (or remote_virtual) rises
#
# Tolerances as in decompose.sh: the faulted figure rises by at least the
# injected delay minus TOL_US and by the end-to-end rise within TOL_US; every
# other figure stays within TOL_US of the healthy run (the stand-ins' timers
# overshoot by up to ~1 ms; a misattribution moves a figure by the whole delay).
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"
lab_up
lab_agents
D=5000 TOL_US=1000 SLOW_MS=20
URL="http://$LAB_IP_gB:$LAB_HTTP_PORT/"
NET_SEGS="local_virtual local_switch physical remote_switch remote_virtual"

app() {
    lab_exec gA "$NB_BIN/netblame" diagnose $LAB_DIAG_TRUST "$URL" --json --count 20 --interval 20 \
        --config "$NB_TMP/agent-gA.json" >"$NB_TMP/diag.json" || true
}
# the handshake's own split (the verdict's segments are the STAMP probes')
p50() { jq -r --arg s "$1" '.app.handshake.segments[] | select(.name == $s) | .rtt_us.p50' "$2"; }
# app figure (ms in the report) in us: syn_rtt_ms / server_ms
fig() { jq -r --arg f "$1" '.app[$f].p50 * 1000' "$2"; }
rise() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
within() { awk -v x="$1" -v t="$TOL_US" 'BEGIN { exit !(x <= t && x >= -t) }'; }

app
cp "$NB_TMP/diag.json" "$NB_TMP/base.json"
lab_assert "healthy: every probe ok, both host agents answered" \
    '.app.reasons == {"ok": 20} and .app.handshake.host_agents.local_ok and .app.handshake.host_agents.remote_ok'
lab_assert "healthy: the five network segments of the handshake measured, remote_app unknown" \
    '([.app.handshake.segments[] | select(.rtt_us != null) | .name] == ["local_virtual","local_switch","physical","remote_switch","remote_virtual"]) and
     ([.app.handshake.segments[] | select(.name == "remote_app")][0].rtt_us == null) and .app.handshake.lost == 0'
lab_assert "healthy: the SYN round trip and the server time measured for every probe" \
    '.app.syn_rtt_ms.n == 20 and .app.server_ms.n == 20'

# check FAULTED_FIGURE INJECTED_US: FAULTED_FIGURE is a segment name or
# "server"; it rose by >= INJECTED - TOL; everything else stayed within TOL.
check() {
    local want=$1 inj=$2 s r e2e
    e2e=$(rise "$(fig syn_rtt_ms "$NB_TMP/base.json")" "$(fig syn_rtt_ms "$NB_TMP/diag.json")")
    for s in $NET_SEGS server; do
        if [ "$s" = server ]; then
            r=$(rise "$(fig server_ms "$NB_TMP/base.json")" "$(fig server_ms "$NB_TMP/diag.json")")
        else
            [ "$(p50 "$s" "$NB_TMP/diag.json")" != null ] || nb_fail "$want: segment $s unknown"
            r=$(rise "$(p50 "$s" "$NB_TMP/base.json")" "$(p50 "$s" "$NB_TMP/diag.json")")
        fi
        if [ "$s" = "$want" ]; then
            awk -v x="$r" -v d="$inj" -v t="$TOL_US" 'BEGIN { exit !(x >= d - t) }' ||
                nb_fail "$want: rose only $r us for $inj us injected"
            # a network segment's rise is the SYN round trip's rise
            [ "$s" = server ] || within "$(rise "$r" "$e2e")" ||
                nb_fail "$want: rose $r us but the SYN round trip rose $e2e us"
        else
            within "$r" || nb_fail "$want injected, but $s moved by $r us"
        fi
    done
    [ "$want" = server ] && { within "$e2e" || nb_fail "slow backend moved the SYN round trip by $e2e us"; }
    nb_log "ok: $want rose, every other figure within $TOL_US us (SYN round trip rose $e2e us)"
}

lab_fault app delay_ms=$SLOW_MS
app
lab_clear
lab_assert "slow backend: still ok" '.app.reasons == {"ok": 20}'
check server $((SLOW_MS * 1000))

lab_fault wire ab delay_us=$D
app
lab_clear
check physical $D

lab_fault virtio local tx delay_us=$D
app
lab_clear
check local_virtual $D

lab_fault virtio remote rx delay_us=$D
app
lab_clear
check remote_virtual $D

# A backend that refuses: the SYN was answered (by a RST), nothing to split,
# no handshake counted as lost.
lab_fault app mode=refuse
app
lab_clear
lab_assert "refused: typed, and not a network loss" '.app.reasons == {"refused": 20} and .app.handshake.lost == 0'
nb_log PASS
