#!/usr/bin/env bash
# The systemd units of deploy/systemd/ stay valid and hardened:
# 1. `systemd-analyze verify` passes without a word (the ExecStart= path is
#    pointed at this build: verify wants the binary to exist);
# 2. `systemd-analyze security --offline=true` scores each unit no worse
#    than the README quotes (guest 1.8, host 2.0, both "OK"): a removed
#    hardening line or a wider capability set fails here;
# 3. each unit's capabilities are its role's set in agent/daemon/privs.c,
#    and only the host may open packet sockets;
# 4. the sysusers.d file parses.
# No machine state is touched: every file is read or copied into NB_TMP.
. "$NB_SRC/tests/lib/common.sh"

U=$NB_SRC/deploy/systemd
# unit:threshold (exposure x 10, as --threshold takes it):caps:families
for spec in "netblamed.service:18:CAP_NET_BIND_SERVICE:AF_INET AF_INET6 AF_NETLINK AF_UNIX" \
    "netblamed-host.service:20:CAP_NET_BIND_SERVICE CAP_NET_RAW:AF_INET AF_INET6 AF_NETLINK AF_PACKET AF_UNIX"; do
    IFS=: read -r unit threshold caps families <<<"$spec"
    sed "s|^ExecStart=/usr/sbin/netblamed |ExecStart=$NB_BIN/netblamed |" "$U/$unit" >"$NB_TMP/$unit"
    grep -q "^ExecStart=$NB_BIN/netblamed --config /etc/netblame/netblamed.json$" "$NB_TMP/$unit" ||
        nb_fail "$unit: ExecStart is not /usr/sbin/netblamed --config /etc/netblame/netblamed.json"
    rc=0
    systemd-analyze verify --man=no "$NB_TMP/$unit" >"$NB_TMP/verify.out" 2>&1 || rc=$?
    [ "$rc" = 0 ] && [ ! -s "$NB_TMP/verify.out" ] || nb_fail "$unit: verify: $(cat "$NB_TMP/verify.out")"
    rc=0
    systemd-analyze security --offline=true --threshold="$threshold" "$U/$unit" >"$NB_TMP/score.out" 2>&1 || rc=$?
    [ "$rc" = 0 ] || nb_fail "$unit: exposure above $threshold/10: $(grep -E '✗|Overall' "$NB_TMP/score.out")"
    nb_log "ok: $unit: $(grep -o 'Overall exposure level.*' "$NB_TMP/score.out")"
    for key in AmbientCapabilities CapabilityBoundingSet; do
        [ "$(sed -n "s/^$key=//p" "$U/$unit")" = "$caps" ] || nb_fail "$unit: $key is not '$caps'"
    done
    [ "$(sed -n 's/^RestrictAddressFamilies=//p' "$U/$unit")" = "$families" ] ||
        nb_fail "$unit: RestrictAddressFamilies is not '$families'"
    grep -q '^User=netblame$' "$U/$unit" && grep -q '^NoNewPrivileges=yes$' "$U/$unit" &&
        grep -q '^StateDirectory=netblame$' "$U/$unit" && grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$U/$unit" ||
        nb_fail "$unit: User, NoNewPrivileges, StateDirectory or ExecReload missing"
done
systemd-sysusers --dry-run "$U/netblame-sysusers.conf" || nb_fail "sysusers.d file refused"
nb_log PASS
