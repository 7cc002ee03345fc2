#!/usr/bin/env bash
# netblamed's user and capabilities at start (agent/daemon/privs.c), without
# a lab:
# 1. started as root with a "user" that does not exist: exits at once with a
#    clear error naming the user and the way out, never runs on as root
#    (--check validates the file only: it does not ask for the user);
# 2. started unprivileged the way systemd starts it (User= with
#    AmbientCapabilities=, here by setpriv), given more than a guest needs
#    (cap_net_raw, cap_net_admin too): it binds its reflector on port 862,
#    then keeps cap_net_bind_service only, clears the ambient and
#    inheritable sets and sets NoNewPrivs;
# 3. the CLI it spawns for POST /v1/diagnose (NETBLAME_CLI, here a script
#    that writes its own /proc/self/status) inherits no capability;
# 4. started as root with a STAMP key file only root may read: it warns at
#    start that a reload as the dropped user would fail, naming the file;
#    once the file is the user's, a SIGHUP reloads.
# The test user is created if missing and removed only if this test made it.
. "$NB_SRC/tests/lib/common.sh"

PUSER=nb-privinteg
created=0
pid=
pid2=
privs_cleanup() {
    local rc=$?
    set +e
    for p in $pid $pid2; do # run as PUSER: stopped (waited) before userdel
        kill -TERM "$p" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    [ "$created" = 1 ] && userdel "$PUSER"
    (exit "$rc")
    nb_cleanup
}
trap privs_cleanup EXIT

# --- 1. a missing user: a clear error, at once ---
missing="nb-nouser-$NB_P"
cat >"$NB_TMP/missing.json" <<JSON
{ "role": "guest", "user": "$missing", "reflector": { "address": "127.0.0.1" } }
JSON
rc=0
timeout 20 "$NB_BIN/netblamed" --config "$NB_TMP/missing.json" 2>"$NB_TMP/missing.err" || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || nb_fail "missing user: exit $rc ($(cat "$NB_TMP/missing.err"))"
grep -qF "user \"$missing\" (config \"user\") does not exist: create it (useradd --system $missing)" \
    "$NB_TMP/missing.err" || nb_fail "missing user: unclear error: $(cat "$NB_TMP/missing.err")"
! grep -q "started" "$NB_TMP/missing.err" || nb_fail "missing user: it started anyway"
"$NB_BIN/netblamed" --config "$NB_TMP/missing.json" --check >/dev/null ||
    nb_fail "--check refused a valid file for its missing user"
nb_log "ok: a missing user is a clear error at start"

# --- 2. started unprivileged with more than it needs ---
if ! id "$PUSER" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PUSER"
    created=1
fi
PUID=$(id -u "$PUSER")
chmod 711 "$NB_TMP"
mkdir -m 1777 "$NB_TMP/out"
cat >"$NB_TMP/cli.sh" <<'SH'
#!/bin/sh
grep -E '^(Uid|Cap|NoNewPrivs)' /proc/self/status >"$(dirname "$0")/out/child.status"
exit 1
SH
chmod 755 "$NB_TMP/cli.sh"
cat >"$NB_TMP/guest.json" <<JSON
{ "role": "guest", "node": "g", "reflector": { "address": "127.0.0.1" },
  "peers": [ { "name": "self", "family": "fabric", "address": "127.0.0.1", "interval_ms": 100 } ] }
JSON
chmod 644 "$NB_TMP/guest.json"
nb_netns a
caps=+net_bind_service,+net_raw,+net_admin
nb_start "${NB_P}-a" guest env NETBLAME_CLI="$NB_TMP/cli.sh" \
    setpriv --reuid "$PUSER" --regid "$PUSER" --clear-groups --inh-caps "$caps" --ambient-caps "$caps" \
    "$NB_BIN/netblamed" --config "$NB_TMP/guest.json"
pid=$NB_LAST_PID
nb_wait_for "the guest agent" 20 ip netns exec "${NB_P}-a" curl -sf http://127.0.0.1:9862/healthz
field() { awk -v f="$1:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "$2"; }
for want in "Uid $PUID $PUID $PUID $PUID" "CapEff 0000000000000400" "CapPrm 0000000000000400" \
    "CapInh 0000000000000000" "CapAmb 0000000000000000" "NoNewPrivs 1"; do
    got=$(field "${want%% *}" "/proc/$pid/status")
    [ "$got" = "${want#* }" ] || nb_fail "unprivileged start: ${want%% *} is '$got', want '${want#* }'"
done
grep -q "running as uid $PUID (started unprivileged: config \"user\" unused), keeping cap_net_bind_service; no_new_privs" \
    "$NB_TMP/guest.log" || nb_fail "no start-up line of the kept set"
nb_wait_for "its own reflector answers on port 862" 20 \
    nb_metric_ge "${NB_P}-a" 9862 'netblame_stamp_received_total{peer="self",family="fabric"}' 1
nb_log "ok: started unprivileged with net_raw and net_admin too, it keeps net_bind_service only"

# --- 3. the diagnose child inherits nothing ---
ip netns exec "${NB_P}-a" curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
    --data '{"target": "self", "count": 3}' http://127.0.0.1:9862/v1/diagnose || true
nb_wait_for "the diagnose child ran" 20 test -s "$NB_TMP/out/child.status"
for want in "CapEff 0000000000000000" "CapPrm 0000000000000000" "CapAmb 0000000000000000" \
    "NoNewPrivs 1"; do
    got=$(field "${want%% *}" "$NB_TMP/out/child.status")
    [ "$got" = "${want#* }" ] || nb_fail "diagnose child: ${want%% *} is '$got', want '${want#* }'"
done
nb_log "ok: the diagnose child has no capability"

# --- 4. a file a reload reads that only root may read ---
mkdir -m 755 "$NB_TMP/k"
head -c 32 /dev/urandom >"$NB_TMP/k/b.key"
chmod 600 "$NB_TMP/k/b.key" # root's: loads at start, not after the drop
cat >"$NB_TMP/k/b.json" <<JSON
{ "role": "guest", "node": "b", "user": "$PUSER", "reflector": { "address": "127.0.0.1" },
  "stamp": { "auth": "hmac", "key_file": "b.key" } }
JSON
chmod 644 "$NB_TMP/k/b.json"
nb_netns b
nb_start "${NB_P}-b" b "$NB_BIN/netblamed" --config "$NB_TMP/k/b.json"
pid2=$NB_LAST_PID
nb_wait_for "the root-started agent" 20 ip netns exec "${NB_P}-b" curl -sf http://127.0.0.1:9862/healthz
grep -qF "a reload (SIGHUP) as uid $PUID would fail: " "$NB_TMP/b.log" &&
    grep -qF "stamp.key_file: cannot open \"$NB_TMP/k/b.key\": Permission denied" "$NB_TMP/b.log" ||
    nb_fail "no warning at start that a reload would fail: $(cat "$NB_TMP/b.log")"
chown "$PUSER" "$NB_TMP/k/b.key"
kill -HUP "$pid2"
nb_wait_for "the reload as $PUSER" 20 \
    nb_metric_ge "${NB_P}-b" 9862 'netblame_config_reloads_total{result="ok"}' 1
[ "$(nb_metric "${NB_P}-b" 9862 netblame_config_last_reload_successful)" = 1 ] ||
    nb_fail "the reload with the user's key file did not succeed"
nb_log "ok: a file only root may read is said at start; the user's file reloads"
nb_log PASS
