#!/usr/bin/env bash
# App probes against the lab's real backend and dnsmasq: every failure comes
# back with its typed reason, a slow backend shows in first_byte and not in
# connect, a slow wire shows in connect. Delays are checked as floors (no
# byte can come before the backend's delay or the wire's) and with a 10x
# margin on the side that must not move.
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"
lab_up
URL="http://backend.lab:$LAB_HTTP_PORT/"

# (a deadline long enough for a silent resolver: c-ares tries it for 3 s)
app() { lab_exec gA "$NB_BIN/netblame" diagnose $LAB_DIAG_TRUST "$URL" --json --count "${1:-5}" --interval 10 --timeout 3000 --deadline 15000 >"$NB_TMP/diag.json" || true; }
reason() { # FAULT... REASON
    local want=${*: -1}
    lab_fault "${@:1:$#-1}"
    app 3
    lab_clear
    lab_assert "$* -> every probe '$want'" ".app.reasons == {\"$want\": 3}"
}

app
lab_assert "healthy backend: all ok, every phase measured" \
    '.app.reasons == {"ok": 5} and ([.app.phases_ms[] | select(. != null)] | length == 4)'

# the server closes first (we wait for its FIN): no reserved port of ours is
# left in TIME_WAIT, so a small port range sustains a high probe rate
tw=$(lab_exec gA ss -Htan state time-wait '( sport >= :61000 and sport <= :61255 )' | wc -l)
[ "$tw" -eq 0 ] || nb_fail "$tw reserved source ports in TIME_WAIT after HTTP probes"
nb_log "ok: no reserved source port left in TIME_WAIT"

# probes are paced: 3 probes 300 ms apart cannot take less than 600 ms (a
# one-shot libev timer restarted without being set again fired at once)
lab_exec gA "$NB_BIN/netblame" diagnose $LAB_DIAG_TRUST "$URL" --json --count 3 --interval 300 >"$NB_TMP/diag.json" || true
lab_assert "paced: --interval holds between probes" '.window.seconds >= 0.6 and .window.probes == 3'

lab_fault app delay_ms=200
app
lab_clear
# connect untouched: its median far under the delay (relative: a fixed
# bound on its max would depend on the machine being quiet)
lab_assert "slow backend: first byte after >= 200 ms, connect untouched" \
    '.app.phases_ms.first_byte.min >= 200 and .app.phases_ms.connect.p50 < .app.phases_ms.first_byte.min / 4'

lab_fault wire both delay_us=20000
app
lab_clear
lab_assert "slow wire: connect >= 40 ms (SYN and SYN-ACK each cross it once)" \
    '.app.phases_ms.connect.min >= 40 and .app.reasons == {"ok": 5}'

reason app status=503 http_status
reason app mode=reset reset
reason app mode=refuse refused
reason app mode=hang timeout
reason app mode=close unexpected_reply
reason dns nxdomain nxdomain
reason dns servfail servfail
reason dns refused dns_refused
reason dns noanswer dns_timeout

lab_exec gA "$NB_BIN/netblame" diagnose $LAB_DIAG_TRUST "tcp://$LAB_IP_gB:$LAB_RAW_PORT" --send hello --expect "PONG hello" \
    --count 3 --json >"$NB_TMP/diag.json" || true
lab_assert "raw mode: reply prefix checked" '.app.reasons == {"ok": 3}'
lab_exec gA "$NB_BIN/netblame" diagnose $LAB_DIAG_TRUST "tcp://$LAB_IP_gB:$LAB_RAW_PORT" --send hello --expect "NOPE" \
    --count 1 --json >"$NB_TMP/diag.json" || true
lab_assert "raw mode: a wrong prefix is an unexpected reply" '.app.reasons == {"unexpected_reply": 1}'
nb_log PASS
