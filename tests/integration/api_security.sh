#!/usr/bin/env bash
# The control API secured (issue 15): TLS with a test CA and a bearer token
# from files named in the config. What a fleet operator relies on: a config
# that would serve other machines unauthenticated, or a key or token file
# others can read, is refused with a clear error; over TLS, /healthz needs no
# token, every other endpoint (an unknown path too) answers 401 with
# WWW-Authenticate without it or with a wrong one, and the refusals are
# counted; a client that trusts another CA, or speaks plain HTTP, gets no
# answer; /metrics opens with "metrics_open"; a token rotation by SIGHUP
# (two tokens accepted, then only the new) loses no request; the CLI
# (`netblame enrich --config`) asks its netblamed over TLS with the token.
. "$NB_SRC/tests/lib/common.sh"
command -v openssl >/dev/null || nb_fail "openssl not found (deploy/install-deps.sh --test)"

nb_veth_pair srv 198.18.0.1/24 cli 198.18.0.2/24
SRV="${NB_P}-srv" CLI="${NB_P}-cli"
T=$NB_TMP/tls
nb_test_tls "$T" "IP:127.0.0.1,IP:198.18.0.1"
nb_test_tls "$NB_TMP/other" "IP:198.18.0.1" # another CA, same address
URL=https://198.18.0.1:9862

cfg() { # API_MEMBERS: a host agent serving 0.0.0.0 with these "api" members
    cat <<JSON
{ "role": "host", "user": "root", "node": "srv", "reflector": { "address": "127.0.0.1" },
  "api": { "address": "0.0.0.0", "port": 9862, $1 },
  "peers": [ { "name": "self", "family": "vnet", "address": "127.0.0.1", "interval_ms": 20 } ] }
JSON
}
SEC='"tls": { "cert_file": "tls/cert.pem", "key_file": "tls/key.pem", "ca_file": "tls/ca.pem" }, "token_file": "tls/token"'

# --- refused configs, each naming the key and the reason ---
refused() { # NAME API_MEMBERS WANT_IN_MESSAGE
    cfg "$2" >"$NB_TMP/$1.json"
    local rc=0
    "$NB_BIN/netblamed" --config "$NB_TMP/$1.json" --check 2>"$NB_TMP/$1.err" >/dev/null || rc=$?
    [ "$rc" -eq 2 ] || nb_fail "$1: --check exit $rc, expected 2"
    grep -q -- "$3" "$NB_TMP/$1.err" || nb_fail "$1: message lacks '$3': $(cat "$NB_TMP/$1.err")"
}
refused open '"metrics_open": false' "api.address: 0.0.0.0 is reachable from other machines"
refused notoken '"tls": { "cert_file": "tls/cert.pem", "key_file": "tls/key.pem" }' \
    "without a token"
cp "$T/key.pem" "$T/key-open.pem"; chmod 640 "$T/key-open.pem"
refused keyopen "${SEC/tls\/key.pem/tls/key-open.pem}" "api.tls.key_file: .* is open to its group or others"
cp "$T/token" "$T/token-open"; chmod 644 "$T/token-open"
refused tokenopen "${SEC/tls\/token/tls/token-open}" "api.token_file: .* is open to its group or others"
(umask 077; echo short >"$T/token-short")
refused tokenshort "${SEC/tls\/token/tls/token-short}" "api.token_file: token 1 has 5 characters"
refused certbad "${SEC/tls\/cert.pem/tls/token}" "api.tls.cert_file: .* is not PEM"
cfg '"insecure": true' >"$NB_TMP/insecure.json"
"$NB_BIN/netblamed" --config "$NB_TMP/insecure.json" --check >/dev/null ||
    nb_fail "\"insecure\": true is the explicit way to serve without TLS"

# a key that is not the certificate's: netblamed does not start, and says why
cfg "${SEC/tls\/key.pem/other/key.pem}" >"$NB_TMP/mismatch.json"
rc=0; ip netns exec "$SRV" "$NB_BIN/netblamed" --config "$NB_TMP/mismatch.json" 2>"$NB_TMP/mismatch.err" || rc=$?
[ "$rc" -ne 0 ] && grep -q "a certificate and key that do not load or match" "$NB_TMP/mismatch.err" ||
    nb_fail "a mismatched key: exit $rc, $(cat "$NB_TMP/mismatch.err")"

# --- TLS and the token ---
cfg "$SEC" >"$NB_TMP/srv.json"
nb_start "$SRV" netblamed "$NB_BIN/netblamed" --config "$NB_TMP/srv.json"
pid=$NB_LAST_PID
c() { ip netns exec "$CLI" curl -s -o "$NB_TMP/body" -D "$NB_TMP/hdr" -w '%{http_code}' "$@"; }
nb_wait_for "healthz over TLS" 20 ip netns exec "$CLI" curl -sf --cacert "$T/ca.pem" "$URL/healthz"
grep -q "control API 0.0.0.0:9862 (https, bearer token required)" "$NB_TMP/netblamed.log" ||
    nb_fail "the start line does not say https with a token"
code=$(c --cacert "$T/ca.pem" "$URL/metrics")
[ "$code" = 401 ] || nb_fail "/metrics without a token: $code"
grep -qi '^WWW-Authenticate: Bearer realm="netblame"' "$NB_TMP/hdr" || nb_fail "401 without WWW-Authenticate"
code=$(c --cacert "$T/ca.pem" -H "Authorization: Bearer $(cat "$NB_TMP/other/token")" "$URL/v1/verdicts")
[ "$code" = 401 ] || nb_fail "/v1/verdicts with a wrong token: $code"
code=$(c --cacert "$T/ca.pem" -H "Authorization: Basic dXNlcjpwYXNz" "$URL/v1/verdicts")
[ "$code" = 401 ] || nb_fail "/v1/verdicts with Basic auth: $code"
code=$(c --cacert "$T/ca.pem" "$URL/no/such/path")
[ "$code" = 401 ] || nb_fail "an unknown path without a token: $code (the routes stay unknown)"
code=$(c --cacert "$T/ca.pem" -X POST -d '{"target":"self"}' "$URL/v1/diagnose")
[ "$code" = 401 ] || nb_fail "POST /v1/diagnose without a token: $code"
code=$(c --cacert "$T/ca.pem" -H "@$T/auth.hdr" "$URL/v1/verdicts")
[ "$code" = 200 ] || nb_fail "/v1/verdicts with the token: $code"
code=$(c --cacert "$T/ca.pem" --oauth2-bearer "$(cat "$T/token")" "$URL/metrics")
[ "$code" = 200 ] || nb_fail "/metrics with the token (--oauth2-bearer): $code"
grep -q '^netblame_api_auth_failures_total 5$' "$NB_TMP/body" ||
    nb_fail "auth failures: $(grep auth_failures "$NB_TMP/body")"
promtool check metrics <"$NB_TMP/body" || nb_fail "promtool rejects /metrics"

# a client that trusts another CA, or none, or speaks plain HTTP: no answer
rc=0; ip netns exec "$CLI" curl -s -o /dev/null --cacert "$NB_TMP/other/ca.pem" "$URL/healthz" || rc=$?
[ "$rc" = 60 ] || nb_fail "a client with the wrong CA: curl exit $rc, expected 60 (peer certificate)"
rc=0; ip netns exec "$CLI" curl -s -o /dev/null "$URL/healthz" || rc=$?
# 60: the system's CAs do not vouch for it; 77: this machine has no CA bundle
# at all (a minimal Debian without ca-certificates): refused either way
[ "$rc" = 60 ] || [ "$rc" = 77 ] || nb_fail "a client with the system's CAs: curl exit $rc, expected 60 (or 77: no CA bundle)"
rc=0; ip netns exec "$CLI" curl -s -o /dev/null --cacert "$T/ca.pem" --tls-max 1.1 "$URL/healthz" || rc=$?
[ "$rc" != 0 ] || nb_fail "TLS 1.1 accepted"
code=$(c -m 5 "http://198.18.0.1:9862/healthz" || true)
[ "$code" != 200 ] || nb_fail "plain HTTP answered 200 on the TLS port"

# --- the CLI over TLS with the token: netblame enrich asks GET /v1/verdicts ---
note='{"version":"4","groupKey":"{}:{alertname=\"Slow\"}","truncatedAlerts":0,"status":"firing",
 "receiver":"netblame","groupLabels":{"alertname":"Slow"},"commonLabels":{"alertname":"Slow"},
 "commonAnnotations":{},"externalURL":"http://am:9093",
 "alerts":[{"status":"firing","labels":{"alertname":"Slow","netblame_target":"self"},"annotations":{}}]}'
served() { ip netns exec "$SRV" curl -sf --cacert "$T/ca.pem" -H "@$T/auth.hdr" \
    "https://127.0.0.1:9862/v1/verdicts?target=self" | jq -e '.verdicts | length == 1'; }
nb_wait_for "a verdict on self" 30 served
printf '%s' "$note" | ip netns exec "$SRV" "$NB_BIN/netblame" enrich --config "$NB_TMP/srv.json" \
    >"$NB_TMP/enriched.json"
jq -e '.alerts[0].annotations | has("netblame_verdict") and (has("netblame_error") | not)' \
    "$NB_TMP/enriched.json" >/dev/null || nb_fail "enrich over TLS: $(jq -c '.alerts[0].annotations' "$NB_TMP/enriched.json")"

# --- metrics_open: /metrics without a token, the rest still not ---
# --- rotation: "old,new" accepted both; then "new" only; no restart ---
old=$(cat "$T/token") new=$(openssl rand -hex 32)
printf '%s\n%s\n' "$old" "$new" >"$T/token"
sed -i 's/"port": 9862,/"port": 9862, "metrics_open": true,/' "$NB_TMP/srv.json"
kill -HUP "$pid"
nb_wait_for "reload" 20 sh -c "ip netns exec $CLI curl -sf --cacert $T/ca.pem $URL/metrics |
    grep -q '^netblame_config_reloads_total{result=\"ok\"} 1$'"
for t in "$old" "$new"; do
    code=$(c --cacert "$T/ca.pem" --oauth2-bearer "$t" "$URL/v1/verdicts")
    [ "$code" = 200 ] || nb_fail "during the rotation a token got $code"
done
code=$(c --cacert "$T/ca.pem" "$URL/v1/links")
[ "$code" = 401 ] || nb_fail "metrics_open opened /v1/links too: $code"
printf '%s\n' "$new" >"$T/token"
kill -HUP "$pid"
nb_wait_for "second reload" 20 sh -c "ip netns exec $CLI curl -sf --cacert $T/ca.pem $URL/metrics |
    grep -q '^netblame_config_reloads_total{result=\"ok\"} 2$'"
code=$(c --cacert "$T/ca.pem" --oauth2-bearer "$old" "$URL/v1/verdicts")
[ "$code" = 401 ] || nb_fail "the old token after the rotation: $code"
code=$(c --cacert "$T/ca.pem" --oauth2-bearer "$new" "$URL/v1/verdicts")
[ "$code" = 200 ] || nb_fail "the new token after the rotation: $code"
# a token file made open to others: the reload is refused, the running tokens stay
chmod 644 "$T/token"
kill -HUP "$pid"
nb_wait_for "refused reload" 20 sh -c "ip netns exec $CLI curl -sf --cacert $T/ca.pem $URL/metrics |
    grep -q '^netblame_config_reloads_total{result=\"failed\"} 1$'"
code=$(c --cacert "$T/ca.pem" --oauth2-bearer "$new" "$URL/v1/verdicts")
[ "$code" = 200 ] || nb_fail "after a refused reload the running token: $code"
grep -q "token_file: .* is open to its group or others" "$NB_TMP/netblamed.log" ||
    nb_fail "the refused reload does not say why"
nb_stop "$pid" || nb_fail "netblamed did not exit cleanly"
nb_log "ok: TLS, 401s, wrong CA, CLI over TLS, metrics_open, token rotation"
