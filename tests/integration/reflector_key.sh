#!/usr/bin/env bash
# HMAC key files and their rotation (issue 15, item 6): a key file open to
# its group or others is refused by name; a SIGHUP after the key file
# changed makes the running reflector use the new key on the SAME socket
# (its inode unchanged: the port never closed): probes under the old key
# become HMAC failures, probes under the new key are answered; a reload
# whose key file became readable by others fails and keeps the running key.
. "$NB_SRC/tests/lib/common.sh"

nb_veth_pair a 198.18.0.1/30 b 198.18.0.2/30
A="${NB_P}-a" B="${NB_P}-b"

key() { printf '%s' "$2" >"$NB_TMP/$1.key"; chmod 600 "$NB_TMP/$1.key"; }
key a key-one
key b key-one
cat >"$NB_TMP/b.json" <<JSON
{ "user": "root", "role": "guest", "node": "b", "reflector": { "address": "198.18.0.2" },
  "stamp": { "auth": "hmac", "key_file": "b.key" }, "api": { "port": 9862 } }
JSON
cat >"$NB_TMP/a.json" <<JSON
{ "user": "root", "role": "host", "node": "a", "reflector": { "address": "198.18.0.1" },
  "stamp": { "auth": "hmac", "key_file": "a.key" }, "api": { "port": 9862 },
  "peers": [ { "name": "b", "family": "fabric", "address": "198.18.0.2", "interval_ms": 20 } ] }
JSON

# --- a key file others can read is refused, saying why ---
chmod 644 "$NB_TMP/b.key"
rc=0; "$NB_BIN/netblamed" --config "$NB_TMP/b.json" --check 2>"$NB_TMP/check.err" || rc=$?
[ "$rc" -eq 2 ] || nb_fail "--check with a 0644 key file: exit $rc, expected 2"
grep -q "stamp.key_file: .*open to its group or others (mode 0644)" "$NB_TMP/check.err" ||
    nb_fail "refusal does not say why: $(cat "$NB_TMP/check.err")"
chmod 600 "$NB_TMP/b.key"
"$NB_BIN/netblamed" --config "$NB_TMP/b.json" --check >/dev/null || nb_fail "--check with a 0600 key file"

nb_start "$B" netblamed-b "$NB_BIN/netblamed" --config "$NB_TMP/b.json"; pb=$NB_LAST_PID
nb_start "$A" netblamed-a "$NB_BIN/netblamed" --config "$NB_TMP/a.json"; pa=$NB_LAST_PID
nb_wait_for "agent b healthz" 20 ip netns exec "$B" curl -sf http://127.0.0.1:9862/healthz
nb_wait_for "agent a healthz" 20 ip netns exec "$A" curl -sf http://127.0.0.1:9862/healthz
RX='netblame_stamp_received_total{peer="b",family="fabric"}'
HMAC='netblame_stamp_malformed_total{stamp_role="reflector",reason="hmac"}'
nb_wait_for "probes answered under key-one" 30 nb_metric_ge "$A" 9862 "$RX" 5
inode() { ip netns exec "$B" ss -Huanpe 'sport = :862' | grep -o 'ino:[0-9]*'; }
ino0=$(inode)
[ -n "$ino0" ] || nb_fail "no reflector socket on :862"

# --- rotate b's key: a's old-key probes now fail the HMAC check ---
key b key-two
kill -HUP "$pb"
nb_wait_for "b reloaded" 20 nb_metric_ge "$B" 9862 'netblame_config_reloads_total{result="ok"}' 1
h0=$(nb_metric "$B" 9862 "$HMAC")
nb_wait_for "old key refused after the rotation" 30 nb_metric_ge "$B" 9862 "$HMAC" $((h0 + 5))
[ "$(inode)" = "$ino0" ] || nb_fail "the reflector socket changed on reload: $ino0 -> $(inode)"

# --- a rotates too: answered again, under the new key ---
key a key-two
kill -HUP "$pa"
nb_wait_for "a reloaded" 20 nb_metric_ge "$A" 9862 'netblame_config_reloads_total{result="ok"}' 1
nb_wait_for "probes answered under key-two" 30 nb_metric_ge "$A" 9862 "$RX" 5

# --- a reload with a key file gone public fails and keeps key-two ---
chmod 604 "$NB_TMP/b.key"
kill -HUP "$pb"
nb_wait_for "b's reload refused" 20 nb_metric_ge "$B" 9862 'netblame_config_reloads_total{result="failed"}' 1
grep -q "open to its group or others" "$NB_TMP/netblamed-b.log" || nb_fail "the refused reload is not logged with its reason"
r0=$(nb_metric "$A" 9862 "$RX")
nb_wait_for "still answered under key-two" 30 nb_metric_ge "$A" 9862 "$RX" $((r0 + 5))
[ "$(inode)" = "$ino0" ] || nb_fail "the reflector socket changed: $ino0 -> $(inode)"

nb_stop "$pa" || nb_fail "a did not exit cleanly"
nb_stop "$pb" || nb_fail "b did not exit cleanly"
nb_log "ok"
