#!/usr/bin/env bash
# Issue 15 (item 3): least privilege without systemd. Every agent of the lab
# is started as root with "user" set to an unprivileged test user, and drops
# (agent/daemon/privs.c):
# 1. /proc/PID/status of every thread: the user's uid and gid, CapEff = CapPrm
#    = CapBnd = the role's set exactly (guest cap_net_bind_service; host also
#    cap_net_raw), nothing inheritable or ambient, NoNewPrivs 1; /healthz and
#    the start-up log say the same; the alert spool (made by root before)
#    belongs to the user;
# 2. a SIGHUP reload still works after the drop: hA gets a new peer (gA) and a
#    capture of another size (the capture is opened again: cap_net_raw), gA a
#    host agent on another port (its reflector is bound to port 862 again:
#    cap_net_bind_service); both count the reload, the new peer is answered,
#    and the sets are unchanged;
# 3. a tap that vanishes and returns under the running host agent (gA's
#    virtio backend unplugged and plugged again: vnetA deleted and created)
#    is captured again: sightings on vnetA resume;
# 4. /v1/cpu of hA says its tap owners may not be read ("not_permitted", no
#    threads); hB restarted with "tap_owners": true keeps cap_sys_ptrace and
#    cap_dac_read_search too, and names the vB stand-in as vnetB's owner.
# The test user is created if missing and removed only if this test made it.
. "$NB_SRC/tests/lib/common.sh"
. "$NB_SRC/tests/lab/lab.sh"

PUSER=nb-privtest
created=0
priv_cleanup() {
    local rc=$? n pid
    set +e
    # the agents run as PUSER: stop them (by pid, waited) before userdel
    for n in hA hB gA gB; do
        pid=$(cat "$NB_TMP/agent-$n.pid" 2>/dev/null) || continue
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    [ "$created" = 1 ] && userdel "$PUSER"
    (exit "$rc")
    nb_cleanup
}
trap priv_cleanup EXIT
if ! id "$PUSER" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PUSER"
    created=1
fi
PUID=$(id -u "$PUSER") PGID=$(id -g "$PUSER")
chmod 711 "$NB_TMP" # the agents read their configs again at SIGHUP, as PUSER

GUEST=0000000000000400 HOST=0000000000002400 OWNERS=0000000000082404
GUEST_N=cap_net_bind_service HOST_N=cap_net_bind_service,cap_net_raw
OWNERS_N=cap_dac_read_search,cap_net_bind_service,cap_net_raw,cap_sys_ptrace

# a spool root left behind: given to the user before the drop
mkdir -p "$NB_TMP/spool-gA/old"
touch "$NB_TMP/spool-gA/old/x"
LAB_AGENT_USER=$PUSER
LAB_AGENT_EXTRA_gA='"alerts": { "spool_dir": "'$NB_TMP'/spool-gA" },'
lab_up
lab_agents

# status_is PID FIELD VALUE: FIELD of /proc/PID/status (fields joined by one
# space) is VALUE in every thread.
status_is() {
    local t v
    for t in /proc/"$1"/task/*; do
        v=$(awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "$t/status")
        [ "$v" = "$3" ] || nb_fail "pid $1 thread ${t##*/}: $2 is '$v', want '$3'"
    done
}
# dropped NODE MASK NAMES: NODE's agent runs as PUSER with exactly MASK.
dropped() {
    local pid
    pid=$(cat "$NB_TMP/agent-$1.pid")
    status_is "$pid" Uid "$PUID $PUID $PUID $PUID"
    status_is "$pid" Gid "$PGID $PGID $PGID $PGID"
    status_is "$pid" CapEff "$2"
    status_is "$pid" CapPrm "$2"
    status_is "$pid" CapBnd "$2"
    status_is "$pid" CapInh 0000000000000000
    status_is "$pid" CapAmb 0000000000000000
    status_is "$pid" NoNewPrivs 1
    lab_exec "$1" curl -sf "http://$(lab_api "$1")/healthz" |
        jq -e --argjson u "$PUID" --arg c "$3" '.uid == $u and .capabilities == $c' >/dev/null ||
        nb_fail "$1: /healthz does not say uid $PUID, $3"
    grep -q "dropped to uid $PUID gid $PGID ($PUSER), keeping $3; no_new_privs" "$NB_TMP/agent-$1.log" ||
        nb_fail "$1: no start-up line of the drop"
}

# --- 1. the sets per role ---
for n in gA gB; do dropped "$n" "$GUEST" "$GUEST_N"; done
for n in hA hB; do dropped "$n" "$HOST" "$HOST_N"; done
[ -z "$(find "$NB_TMP/spool-gA" ! -user "$PUSER" -print -quit)" ] ||
    nb_fail "the alert spool is not all $PUSER's: $(find "$NB_TMP/spool-gA" ! -user "$PUSER")"
nb_log "ok: guests keep $GUEST_N, hosts $HOST_N, as uid $PUID, no_new_privs"

# --- 2. a SIGHUP reload after the drop ---
jq --arg ip "$LAB_IP_gA" '.peers += [{ "name": "gA", "family": "vnet", "address": $ip,
   "interval_ms": 100 }] | .capture.buffer_kib = 8192' "$NB_TMP/agent-hA.json" >"$NB_TMP/new.json"
mv "$NB_TMP/new.json" "$NB_TMP/agent-hA.json"
jq '.host_agent.port = 9863' "$NB_TMP/agent-gA.json" >"$NB_TMP/new.json"
mv "$NB_TMP/new.json" "$NB_TMP/agent-gA.json"
chmod 644 "$NB_TMP"/agent-*.json
kill -HUP "$(cat "$NB_TMP/agent-hA.pid")" "$(cat "$NB_TMP/agent-gA.pid")"
for n in hA gA; do
    nb_wait_for "$n reloaded" 20 nb_metric_ge_at "$n" 'netblame_config_reloads_total{result="ok"}' 1
done
grep -q "capture on any: 8192 KiB ring" "$NB_TMP/agent-hA.log" || nb_fail "hA did not reopen its capture"
nb_wait_for "hA's capture watches again" 20 nb_metric_ge_at hA netblame_capture_interfaces 2
nb_wait_for "hA's new peer gA answered (gA's reflector bound again)" 20 \
    nb_metric_ge_at hA 'netblame_stamp_received_total{peer="gA",family="vnet"}' 5
dropped hA "$HOST" "$HOST_N"
dropped gA "$GUEST" "$GUEST_N"
nb_log "ok: reloads after the drop reopen the capture, rebind the reflector, add a peer"

# --- 3. a tap vanishes and returns ---
sightings() { lab_exec hA curl -sf "http://$LAB_IP_hA:9862/v1/sightings?since=$1&limit=4096"; }
head_seq=$(sightings 18446744073709551615 | jq -r .next)
lab_replug_guest A
nb_wait_for "vnetA vanished" 20 nb_metric_ge_at hA 'netblame_link_events_total{event="vanished"}' 1
on_vnetA() { sightings "$head_seq" | jq -e '[.sightings[] | select(.ifname == "vnetA")] | length > 0'; }
# sightings after the replug: the cursor moves past what was seen before it
head_seq=$(sightings 18446744073709551615 | jq -r .next)
nb_wait_for "sightings on vnetA again" 30 on_vnetA
dropped hA "$HOST" "$HOST_N"
nb_log "ok: vnetA vanished and returned: captured again after the drop"

# --- 4. tap owners: not read without their capabilities, read with them ---
lab_exec hA curl -sf "http://$LAB_IP_hA:9862/v1/cpu" |
    jq -e '.owners == "not_permitted" and (.threads | length) == 0' >/dev/null ||
    nb_fail "hA's /v1/cpu does not say its tap owners are not permitted"
jq '.capture.tap_owners = true' "$NB_TMP/agent-hB.json" >"$NB_TMP/new.json"
mv "$NB_TMP/new.json" "$NB_TMP/agent-hB.json"
nb_stop "$(cat "$NB_TMP/agent-hB.pid")"
nb_start "$(lab_ns hB)" agent-hB "$NB_BIN/netblamed" --config "$NB_TMP/agent-hB.json"
echo "$NB_LAST_PID" >"$NB_TMP/agent-hB.pid"
nb_wait_for "hB again" 20 lab_exec hB curl -sf "http://$LAB_IP_hB:9862/healthz"
dropped hB "$OWNERS" "$OWNERS_N"
SP=$(lab_standin_pid vB)
owner() {
    lab_exec hB curl -sf "http://$LAB_IP_hB:9862/v1/cpu" |
        jq -e --argjson p "$SP" '.owners == "read" and
            ([.threads[] | select(.tap == "vnetB" and .pid == $p)] | length) >= 1'
}
nb_wait_for "hB names the vB stand-in ($SP) as vnetB's owner" 30 owner
nb_log "ok: tap owners: not_permitted by default, read with capture.tap_owners"
nb_log PASS
