#!/usr/bin/env bash
# Idle connections cannot lock peers out of the control API (issue 15): a
# namespace holds 200 idle TCP connections to netblamed's API (TLS and a
# token on, as a fleet runs it) — tests/lab/idle_holder.py re-opens every
# one the server closes — and a Prometheus-like scrape of /metrics from
# another namespace still answers 200 with the metrics while they are held
# (the server keeps its per-address limit of them established: checked with
# ss before and after the scrape); the refusals are counted, and the log
# holds a bounded number of lines about them (one a kind every 10 s, api.c).
. "$NB_SRC/tests/lib/common.sh"
command -v openssl >/dev/null || nb_fail "openssl not found (deploy/install-deps.sh --test)"
PER_IP=16 # api.c API_CONN_PER_IP

nb_veth_pair srv 198.18.0.1/24 atk 198.18.0.2/24
nb_netns ok
nb_veth_link ok ok 198.18.1.2/24 srv ok2 198.18.1.1/24
SRV="${NB_P}-srv" OK="${NB_P}-ok" ATK="${NB_P}-atk"
T=$NB_TMP/tls
nb_test_tls "$T" "IP:198.18.0.1,IP:198.18.1.1"
cat >"$NB_TMP/srv.json" <<JSON
{ "role": "host", "user": "root", "node": "srv", "reflector": { "enabled": false },
  "api": { "address": "0.0.0.0", "port": 9862, "token_file": "tls/token",
           "tls": { "cert_file": "tls/cert.pem", "key_file": "tls/key.pem" } } }
JSON
nb_start "$SRV" netblamed "$NB_BIN/netblamed" --config "$NB_TMP/srv.json"
scrape() {
    ip netns exec "$OK" curl -sf -m 5 --cacert "$T/ca.pem" -H "@$T/auth.hdr" \
        https://198.18.1.1:9862/metrics >"$NB_TMP/metrics.txt"
}
nb_wait_for "netblamed's API" 20 scrape
start=$SECONDS

nb_start "$ATK" holder python3 "$NB_SRC/tests/lab/idle_holder.py" 198.18.0.1 9862 -n 200 \
    --seconds 120 --status "$NB_TMP/holder.status"
holder=$NB_LAST_PID
# established at the server, from the holder's address
held() { ip netns exec "$SRV" ss -Htn state established "( sport = :9862 and dst 198.18.0.2 )" | wc -l; }
# the holder has its 200 open or opening, and the server refused the rest (counted)
holding() { read -r open _ <"$NB_TMP/holder.status" && [ "$open" -eq 200 ] && [ "$(held)" -ge "$PER_IP" ]; }
nb_wait_for "200 idle connections held" 30 holding
refusing() { scrape && awk '$1 == "netblame_api_connections_refused_total" && $2 >= 100 { f = 1 }
    END { exit !f }' "$NB_TMP/metrics.txt"; }
nb_wait_for "refusals counted while the scrape still answers" 60 refusing

# Past several idle timeouts (3 s) and one log period (10 s) of pressure:
# the log's second line about the refusals says how many it left out.
nb_wait_for "a rate-limited log line" 60 grep -q "more like it since the last such line" \
    "$NB_TMP/netblamed.log"

# The assertion: with the connections held, a scrape from elsewhere answers.
before=$(held)
nb_wait_for "a scrape from another namespace while they are held" 30 scrape
after=$(held)
kill -0 "$holder" 2>/dev/null || nb_fail "the holder stopped before the scrape"
[ "$before" -ge "$PER_IP" ] && [ "$after" -ge "$PER_IP" ] ||
    nb_fail "idle connections held at the server: $before before, $after after the scrape"
grep -q '^netblame_build_info{' "$NB_TMP/metrics.txt" || nb_fail "the scrape has no netblame_build_info"
promtool check metrics <"$NB_TMP/metrics.txt" || nb_fail "promtool rejects /metrics"
refused=$(awk '$1 == "netblame_api_connections_refused_total" { print $2 }' "$NB_TMP/metrics.txt")
conns=$(awk '$1 == "netblame_api_connections" { print $2 }' "$NB_TMP/metrics.txt")
# netblamed's own count (ss above also sees the kernel's accept queue): the
# holder's address at its limit, and this scrape
[ "$conns" -le $((PER_IP + 1)) ] || nb_fail "$conns connections open, over $PER_IP and the scrape"
nb_stop "$holder" || true

# The log: one line a kind of message every 10 s, whatever the refusals.
elapsed=$((SECONDS - start))
lines=$(grep -c "connection limit" "$NB_TMP/netblamed.log" || true)
[ "$lines" -le $((elapsed / 10 + 2)) ] ||
    nb_fail "$lines log lines about the connection limit in ${elapsed}s ($refused refusals)"
nb_log "ok: 200 idle connections held ($before/$after at the server), scrape answered; $refused refused, $conns open, $lines log lines in ${elapsed}s"
