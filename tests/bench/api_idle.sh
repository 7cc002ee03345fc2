#!/usr/bin/env bash
# api_idle.sh — what N idle TCP connections from one namespace do to the
# control API: the time a /metrics scrape from another namespace takes while
# they are held, the connections held, and the log lines netblamed wrote.
# Prints figures; asserts nothing (tests/integration/api_limits.sh does).
# Usage (root): [SOURCES=K] NB_BIN=build/release NB_SRC=. tests/bench/api_idle.sh [N]
# (SOURCES: the holder's namespace connects from K addresses, default 1)
. "$NB_SRC/tests/lib/common.sh"
N=${1:-200}

nb_veth_pair srv 198.18.0.1/24 atk 198.18.0.2/24
nb_netns ok
nb_veth_link ok ok 198.18.1.2/24 srv ok2 198.18.1.1/24
SRV="${NB_P}-srv"
sec=${NB_API_SEC:-'"insecure": true'} # NB_API_SEC: other "api" members (TLS, token)
cat >"$NB_TMP/srv.json" <<JSON
{ "role": "host", "user": "root", "node": "srv", "reflector": { "enabled": false },
  "api": { "address": "0.0.0.0", "port": 9862, $sec } }
JSON
nb_start "$SRV" netblamed "$NB_BIN/netblamed" --config "$NB_TMP/srv.json"
nb_wait_for "healthz" 20 ip netns exec "$SRV" curl -sf http://127.0.0.1:9862/healthz
before=$(wc -l <"$NB_TMP/netblamed.log")
# SOURCES addresses in the holder's namespace (default 1), the connections spread over them
SOURCES=${SOURCES:-1}
src=198.18.0.2
for i in $(seq 2 "$SOURCES"); do
    ip -n "${NB_P}-atk" addr add "198.18.0.$((i + 1))/24" dev "${NB_P}atk"
    src="$src,198.18.0.$((i + 1))"
done
nb_start "${NB_P}-atk" holder python3 "$NB_SRC/tests/lab/idle_holder.py" 198.18.0.1 9862 -n "$N" --seconds 60 --source "$src"
held() { ip netns exec "$SRV" ss -Htn state established "( sport = :9862 and dst 198.18.0.0/24 )" | wc -l; }
for _ in $(seq 100); do [ "$(held)" -gt 0 ] && break; sleep 0.1; done
sleep 2
for i in 1 2 3 4 5; do
    t=$(ip netns exec "${NB_P}-ok" curl -s -o /dev/null -m 15 -w '%{http_code} %{time_total}' http://198.18.1.1:9862/metrics || true)
    echo "scrape $i from another namespace: status/seconds $t; idle connections held: $(held)"
done
echo "log lines during the run: $(( $(wc -l <"$NB_TMP/netblamed.log") - before ))"
{ grep -c "connection limit" "$NB_TMP/netblamed.log" || true; } | sed 's/^/lines about the connection limit: /'
ip netns exec "${NB_P}-ok" curl -s -m 15 http://198.18.1.1:9862/metrics |
    grep -E '^netblame_api_(connections|log_suppressed)' || true # absent before issue 15
