#!/usr/bin/env bash
# The lab proves its app backend and name service faults with plain tools:
# curl for the HTTP backend, dig for dnsmasq.
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"
lab_up
URL="http://backend.lab:$LAB_HTTP_PORT/"

curl_gA() { lab_exec gA curl -s -o /dev/null -m 3 -w '%{http_code} %{time_starttransfer}' "$@" "$URL"; }

out=$(curl_gA) || nb_fail "healthy backend: curl failed"
[ "${out%% *}" = 200 ] || nb_fail "healthy backend: $out"
nb_log "ok: backend.lab resolves through dnsmasq and answers 200"

lab_fault app delay_ms=300
out=$(curl_gA)
awk -v t="${out#* }" 'BEGIN { exit !(t >= 0.3) }' || nb_fail "app delay 300 ms: first byte at ${out#* } s"
nb_log "ok: app delay: first byte after ${out#* } s"
lab_clear

lab_fault app status=503
[ "$(curl_gA | cut -d' ' -f1)" = 503 ] || nb_fail "app status 503"
nb_log "ok: app error status 503"
lab_clear

rc=0; curl_gA >/dev/null || rc=$?
[ "$rc" -eq 0 ] || nb_fail "after clear: curl exit $rc"
lab_fault app mode=reset
rc=0; curl_gA >/dev/null || rc=$?
[ "$rc" -eq 56 ] || nb_fail "app reset: curl exit $rc, expected 56 (connection reset)"
nb_log "ok: app reset"
lab_fault app mode=refuse
rc=0; curl_gA >/dev/null || rc=$?
[ "$rc" -eq 7 ] || nb_fail "app not listening: curl exit $rc, expected 7 (refused)"
nb_log "ok: app not listening"
lab_clear
[ "$(curl_gA | cut -d' ' -f1)" = 200 ] || nb_fail "app back to normal"

dig_gA() { lab_exec gA dig +tries=1 +time=1 "@$LAB_IP_gB" backend.lab; }
dns_status() { dig_gA | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
[ "$(dns_status)" = NOERROR ] || nb_fail "dns ok"
for mode in nxdomain servfail refused; do
    lab_fault dns "$mode"
    st=$(dns_status)
    [ "$st" = "${mode^^}" ] || nb_fail "dns $mode: status $st"
    nb_log "ok: dns $mode"
done
lab_fault dns noanswer
rc=0; dig_gA >/dev/null || rc=$?
[ "$rc" -eq 9 ] || nb_fail "dns noanswer: dig exit $rc, expected 9 (no reply)"
nb_log "ok: dns noanswer"
lab_clear
[ "$(dns_status)" = NOERROR ] || nb_fail "dns back to ok"
nb_log PASS
