# lab.sh — the lab topology of DESIGN §7, sourced after tests/lib/common.sh.
#
#   gA ──[vA stand-in]── hA: br0{vnetA, nicA} ──[wire stand-in]── hB: br0{nicB, vnetB} ──[vB stand-in]── gB
#                                                                                             (backend, DNS)
# Addressing: one L2 segment, 198.18.0.0/24, bridged end to end (the "fabric" is
# a switched VLAN): hA br0 .1, hB br0 .2, gA eth0 .11, gB eth0 .12. Guests sit
# on their host bridge's subnet as in a bridged KVM deployment, so a guest-to-
# guest probe crosses tap, bridge, NIC, wire, NIC, bridge, tap — every point a
# host agent captures.
#
# Every tap is real: a stand-in (tests/lab/standin.c) opens the guest's eth0 in
# the guest namespace and vnetX in the host namespace (or nicA/nicB for the
# wire) and shuttles frames between them, with faults switchable at run time.
# Stand-in direction "ab" is guest->host (vA, vB) and hA->hB (wire).
#
# Functions: lab_up, lab_fault LAYER [PLACE] ARGS..., lab_clear, lab_exec NODE CMD...,
# lab_noise STANDIN|all SPEC|off.
# Everything is registered with common.sh's cleanup (namespaces, processes,
# /etc/netns files).
#
# LAB_QEMU_gA=1 before lab_up: gA is a real QEMU guest (TCG, virtio-net-pci on
# the tap vnetA, QEMU running in hA's namespace) instead of a namespace behind
# the vA stand-in; lab_exec gA then runs commands inside the VM (tests/lab/qemu.sh),
# and lab_agents starts gA's agent there. Faults of the vA stand-in do not exist
# then; `lab_fault qemu local ...` stalls or buffers the real backend instead.
#
# LAB_API_TLS=1 before lab_agents: every agent's control API speaks TLS
# (a test CA and one certificate naming every lab address and 127.0.0.1,
# made with openssl in $NB_TMP/tls) and wants a bearer token (one token file
# for the lab); agents fetch from each other with them, and lab_curl, the
# lab's own curl to an agent, uses them too. Off: host agents serve their lab
# address with "insecure": true. lab_api_sec prints the "api" members either
# way, for a test that writes its own "api" object.
#
# LAB_NOISE="p50_us=N p99_us=M" before lab_up (LAB_NOISE_vA, _vB, _wire for one
# stand-in, overriding it): every stand-in starts with heavy-tailed healthy
# noise on both directions (standin.c's "noise": a log-normal late wake-up).
# It is the lab's healthy state, not a fault: lab_clear leaves it.

LAB_NET=198.18.0
LAB_IP_hA=$LAB_NET.1 LAB_IP_hB=$LAB_NET.2 LAB_IP_gA=$LAB_NET.11 LAB_IP_gB=$LAB_NET.12
# The host agents' addresses a reflector's announcement is believed in (the
# host-agent rule, README): agents get it as stamp.host_agent_prefixes,
# diagnoses as --host-agent-prefix ($LAB_DIAG_TRUST, unquoted on purpose).
LAB_HA_PREFIX=198.18.0.0/15
LAB_DIAG_TRUST="--host-agent-prefix $LAB_HA_PREFIX"
LAB_HTTP_PORT=8080 LAB_RAW_PORT=8081 LAB_ZONE_PORT=5354 LAB_SILENT_PORT=5399
LAB_STANDIN=${NB_BIN}/tests/nb-standin
LAB_BACKEND=${NB_BIN}/tests/nb-backend
LAB_DNSDELAY=${NB_BIN}/tests/nb-dnsdelay

. "$NB_SRC/tests/lab/qemu.sh"

lab_ns() { echo "${NB_P}-$1"; }

# _lab_tls_init: the lab's CA, certificate, key and token (once).
_lab_tls_init() {
    local san="IP:127.0.0.1" ip n
    [ -f "$NB_TMP/tls/token" ] && return 0
    for n in hA hB gA gB; do ip=LAB_IP_$n; san+=",IP:${!ip}"; done
    nb_test_tls "$NB_TMP/tls" "$san"
}

# lab_api_sec: the "api" members that secure an agent's API as LAB_API_TLS says.
lab_api_sec() {
    if [ "${LAB_API_TLS:-0}" = 1 ]; then
        _lab_tls_init
        printf '"tls": { "cert_file": "%s", "key_file": "%s", "ca_file": "%s" }, "token_file": "%s"' \
            "$NB_TMP/tls/cert.pem" "$NB_TMP/tls/key.pem" "$NB_TMP/tls/ca.pem" "$NB_TMP/tls/token"
    else
        printf '"insecure": true'
    fi
}

# lab_curl NODE PATH [CURL_OPTION...]: curl -sf NODE's control API at PATH,
# with the lab's CA and token when LAB_API_TLS=1.
lab_curl() {
    local node=$1 path=$2 sch=http
    shift 2
    local sec=()
    if [ "${LAB_API_TLS:-0}" = 1 ]; then
        sch=https
        sec=(--cacert "$NB_TMP/tls/ca.pem" -H "@$NB_TMP/tls/auth.hdr")
    fi
    lab_exec "$node" curl -sf "${sec[@]}" "$@" "$sch://$(lab_api "$node")$path"
}

lab_exec() {
    local node=$1
    shift
    if qemu_is "$node"; then qemu_exec "$node" "$@"; else ip netns exec "$(lab_ns "$node")" "$@"; fi
}

# _lab_qemu_up NODE: NODE is to be (or is) a QEMU guest.
_lab_qemu_up() { local v=LAB_QEMU_$1; [ "${!v:-0}" = 1 ] || qemu_is "$1"; }

# lab_ctl SOCKET COMMAND: one control command, fails unless the reply is ok/pong/JSON.
lab_ctl() {
    local reply
    reply=$(printf '%s\n' "$2" | socat -t 5 - "UNIX-CONNECT:$1") || nb_fail "control $1: no reply to '$2'"
    case "$reply" in
        ok*|pong|'{'*) printf '%s\n' "$reply" ;;
        *) nb_fail "control $1: '$2' -> $reply" ;;
    esac
}

_lab_standin() { # NAME NS_A:IF NS_B:IF
    local sock="$NB_TMP/standin-$1.sock"
    nb_start - "standin-$1" "$LAB_STANDIN" --a "$2" --b "$3" --control "$sock" --seed 7
    echo "$NB_LAST_PID" >"$NB_TMP/standin-$1.pid"
    nb_wait_for "stand-in $1" 10 test -S "$sock"
    local v=LAB_NOISE_$1
    v=${!v:-${LAB_NOISE:-}}
    [ -z "$v" ] || lab_ctl "$sock" "noise both $v" >/dev/null
}

# lab_noise vA|vB|wire|all "p50_us=N p99_us=M"|off: set or remove the healthy
# heavy-tailed noise of one stand-in (both directions) or of all of them.
lab_noise() {
    local s list=$1
    [ "$list" = all ] && list="vA vB wire"
    for s in $list; do
        case "$s" in vA|vB|wire) ;; *) nb_fail "lab_noise: stand-in '$s': vA, vB, wire or all" ;; esac
        qemu_is "g${s#v}" && continue
        lab_ctl "$NB_TMP/standin-$s.sock" "noise both $2" >/dev/null
    done
}

# lab_standin_pid NAME: the process id of stand-in NAME (vA, vB, wire).
lab_standin_pid() { cat "$NB_TMP/standin-$1.pid"; }

# lab_cpu_hog CPU: a busy loop pinned on CPU (at the default priority), in
# common.sh's cleanup like every process; its pid is left in NB_LAST_PID.
# lab_cpu_hog_stop PID stops it.
lab_cpu_hog() {
    nb_start - "cpu-hog-$1" taskset -c "$1" sh -c 'while :; do :; done'
}
lab_cpu_hog_stop() { nb_stop "$1" || true; }

# lab_sched PID CPUS NICE: every thread of process PID pinned on CPUS (a
# taskset list: 1, 0-1) at priority NICE. Next to a busy loop on its core, a
# process at nice 19 waits to run (a vhost or QEMU thread on an
# overcommitted core); at -20 nothing else on its core delays it for long.
lab_sched() {
    taskset -a -pc "$2" "$1" >/dev/null
    local t
    for t in /proc/"$1"/task/*; do renice -n "$3" -p "${t##*/}" >/dev/null; done
}

_lab_dns_resolver() { # MODE: ok|nxdomain|servfail|noanswer|refused|slow [MS]
    local mode=$1 args=() slow_ms=${2:-1500}
    case "$mode" in
        ok) args=(--server="$LAB_IP_gB#$LAB_ZONE_PORT") ;;
        nxdomain) args=(--local=/lab/) ;;
        servfail) # a validating resolver whose trust anchor the zone cannot satisfy:
                  # DNSSEC validation fails and dnsmasq answers SERVFAIL
            args=(--server="$LAB_IP_gB#$LAB_ZONE_PORT" --dnssec --dnssec-check-unsigned
                  --trust-anchor=.,20326,8,2,E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D) ;;
        noanswer) args=(--server="$LAB_IP_gB#$LAB_SILENT_PORT") ;; # upstream never answers
        refused) args=() ;;                                          # no upstream at all
        slow) ;;                                 # nb-dnsdelay instead: right answers, late
        *) nb_fail "dns mode '$mode': ok|nxdomain|servfail|noanswer|refused|slow [MS]" ;;
    esac
    # The pid and mode live in files: `tests/lab/lab fault dns` runs in another
    # process than the one that built the lab.
    if [ -f "$NB_TMP/dns-resolver.pid" ]; then
        local old
        old=$(cat "$NB_TMP/dns-resolver.pid")
        kill "$old" 2>/dev/null || true
        nb_wait_for "old resolver to exit" 10 bash -c "! kill -0 $old 2>/dev/null"
        wait "$old" 2>/dev/null || true
    fi
    if [ "$mode" = slow ]; then # answers of the zone server, each held SLOW_MS
        nb_start "$(lab_ns gB)" dns-resolver "$LAB_DNSDELAY" --listen "$LAB_IP_gB:53" \
            --upstream "$LAB_IP_gB:$LAB_ZONE_PORT" --delay-ms "$slow_ms"
    else
        nb_start "$(lab_ns gB)" dns-resolver dnsmasq --keep-in-foreground --no-resolv --no-hosts \
            --listen-address="$LAB_IP_gB" --bind-interfaces --user=root --pid-file= \
            --log-facility=- "${args[@]}"
    fi
    echo "$NB_LAST_PID" >"$NB_TMP/dns-resolver.pid"
    echo "$mode" >"$NB_TMP/dns-resolver.mode"
    nb_wait_for "dns resolver ($mode)" 10 lab_exec gB bash -c "ss -Hlun 'sport = :53' | grep -q ."
}

lab_up() {
    local n
    _lab_qemu_up gA && qemu_check # before anything is built
    for n in gA hA hB gB; do
        _lab_qemu_up "$n" || nb_netns "$n"
    done
    for n in gA gB; do # ip netns exec bind-mounts this over /etc/resolv.conf
        _lab_qemu_up "$n" && continue # a QEMU guest has its own
        mkdir -p "/etc/netns/$(lab_ns $n)"
        echo "nameserver $LAB_IP_gB" >"/etc/netns/$(lab_ns $n)/resolv.conf"
        NB_ETC_NETNS+=("/etc/netns/$(lab_ns $n)")
    done
    if _lab_qemu_up gA; then
        # its address comes from the kernel command line, before any lab frame
        qemu_boot gA "$(lab_ns hA)" vnetA "$LAB_IP_gA/24"
    else
        _lab_standin vA "$(lab_ns gA):eth0" "$(lab_ns hA):vnetA"
    fi
    _lab_standin vB "$(lab_ns gB):eth0" "$(lab_ns hB):vnetB"
    _lab_standin wire "$(lab_ns hA):nicA" "$(lab_ns hB):nicB"
    local h g v nic
    for h in A B; do
        lab_exec "h$h" ip link add br0 type bridge
        for dev in "vnet$h" "nic$h"; do
            lab_exec "h$h" ip link set "$dev" master br0
            lab_exec "h$h" ip link set "$dev" up
        done
        lab_exec "h$h" ip link set br0 up
        v=LAB_IP_h$h
        lab_exec "h$h" ip addr add "${!v}/24" dev br0
        qemu_is "g$h" && continue
        v=LAB_IP_g$h
        lab_exec "g$h" ip addr add "${!v}/24" dev eth0
        lab_exec "g$h" ip link set eth0 up
    done
    _lab_pin_neighbours
    # App backend and DNS in gB.
    nb_start "$(lab_ns gB)" backend "$LAB_BACKEND" --listen "$LAB_IP_gB:$LAB_HTTP_PORT" \
        --raw-listen "$LAB_IP_gB:$LAB_RAW_PORT" --control "$NB_TMP/backend.sock"
    nb_wait_for "app backend" 10 test -S "$NB_TMP/backend.sock"
    nb_start "$(lab_ns gB)" dns-zone dnsmasq --keep-in-foreground --no-resolv --no-hosts \
        --listen-address="$LAB_IP_gB" --port="$LAB_ZONE_PORT" --bind-interfaces --user=root \
        --pid-file= --log-facility=- \
        --host-record="backend.lab,$LAB_IP_gB" --host-record="ga.lab,$LAB_IP_gA" \
        --host-record="gb.lab,$LAB_IP_gB" --host-record="ha.lab,$LAB_IP_hA" --host-record="hb.lab,$LAB_IP_hB"
    _lab_dns_resolver ok
}

# Pin neighbours: the first probe to a new neighbour would wait for ARP
# (DESIGN §8), and a lab fault must not be confused with ARP. Idempotent.
_lab_pin_neighbours() {
    local a b ipb macb
    for a in hA hB gA gB; do
        for b in hA hB gA gB; do
            [ "$a" = "$b" ] && continue
            ipb=LAB_IP_$b
            macb=$(lab_exec "$b" cat "/sys/class/net/$(_lab_dev "$b")/address")
            lab_exec "$a" ip neigh replace "${!ipb}" lladdr "$macb" dev "$(_lab_dev "$a")" nud permanent
        done
    done
}

# lab_replug_guest A|B: the guest's virtio backend goes away and comes back
# (a VM restart or migration in): its stand-in exits, taking eth0 and vnetX
# with it; a new one recreates both, vnetX is enslaved and brought up again.
lab_replug_guest() {
    local h=$1 mac
    qemu_is "g$h" && nb_fail "lab_replug_guest: g$h is a QEMU guest"
    mac=$(lab_exec "g$h" cat /sys/class/net/eth0/address)
    lab_ctl "$NB_TMP/standin-v$h.sock" quit >/dev/null
    nb_wait_for "vnet$h gone" 10 bash -c "! ip netns exec $(lab_ns "h$h") test -e /sys/class/net/vnet$h"
    _lab_standin "v$h" "$(lab_ns "g$h"):eth0" "$(lab_ns "h$h"):vnet$h"
    lab_exec "h$h" ip link set "vnet$h" master br0
    lab_exec "h$h" ip link set "vnet$h" up
    local ip=LAB_IP_g$h
    lab_exec "g$h" ip link set eth0 address "$mac"
    lab_exec "g$h" ip addr add "${!ip}/24" dev eth0
    lab_exec "g$h" ip link set eth0 up
    _lab_pin_neighbours
}

# lab_tap_churn_prepare A|B: make lab_tap_cycle possible. A bridge without
# an address of its own takes its smallest port's, so a new vnetX could
# change hX's br0 address under every neighbour pinned to it: it is fixed
# (as a KVM host's network setup does), and gX's MAC and neighbours noted.
lab_tap_churn_prepare() {
    local h=$1 n ip neigh=
    lab_exec "h$h" ip link set br0 address "$(lab_exec "h$h" cat /sys/class/net/br0/address)"
    _lab_pin_neighbours
    for n in hA hB gA gB; do
        [ "$n" = "g$h" ] && continue
        ip=LAB_IP_$n
        neigh+="neigh replace ${!ip} lladdr $(lab_exec "$n" cat "/sys/class/net/$(_lab_dev "$n")/address") dev eth0 nud permanent"$'\n'
    done
    ip=LAB_IP_g$h
    printf -v "_LAB_CHURN_g$h" '%s' "link set eth0 address $(lab_exec "g$h" cat /sys/class/net/eth0/address)
addr add ${!ip}/24 dev eth0
link set eth0 up
$neigh"
}

# lab_tap_cycle A|B: lab_replug_guest's fast form, after lab_tap_churn_prepare
# (a guest stopped and started again, only its side rebuilt): gX's stand-in
# stops, taking eth0 and vnetX with it; a new one recreates both, vnetX is
# enslaved and up, eth0 gets its MAC, address and neighbours back. Leaves
# vnetX's new ifindex in LAB_TAP_IFINDEX (not for $(...): the stand-in is a
# child of this shell).
lab_tap_cycle() {
    local h=$1 nsh nsg v
    qemu_is "g$h" && nb_fail "lab_tap_cycle: g$h is a QEMU guest"
    nsh=$(lab_ns "h$h") nsg=$(lab_ns "g$h") v=_LAB_CHURN_g$h
    nb_stop "$(lab_standin_pid "v$h")"
    nb_wait_for "vnet$h gone" 10 bash -c "! ip -n $nsh link show vnet$h"
    _lab_standin "v$h" "$nsg:eth0" "$nsh:vnet$h"
    ip -n "$nsh" link set "vnet$h" master br0 up
    ip -n "$nsg" -batch - <<<"${!v:?lab_tap_churn_prepare $h first}"
    LAB_TAP_IFINDEX=$(ip -n "$nsh" -o link show "vnet$h")
    LAB_TAP_IFINDEX=${LAB_TAP_IFINDEX%%:*}
}

_lab_dev() { case "$1" in h*) echo br0 ;; g*) echo eth0 ;; esac; }

# lab_fault LAYER PLACE ARGS...
#   virtio local|remote  KEY=VALUE...  stand-in faults (see standin.c), DIR as
#                        first arg: tx (guest->host), rx (host->guest) or both
#   wire                 DIR KEY=VALUE... (DIR: ab = hA->hB, ba, both)
#   bridge local|remote  drop_pct=N   nftables drop in the host bridge (forwarded frames)
#   app                  KEY=VALUE... backend knobs (delay_ms, status, mode, body, body_size)
#   dns                  ok|nxdomain|servfail|noanswer|refused, or slow [MS]: every
#                        right answer held MS ms (default 1500) by nb-dnsdelay
#   tap local|remote     drop_pct=N   nftables drop of frames from or to the guest's
#                        tap only (vnetA/vnetB), in the host bridge
#   qemu local           stall_every_ms=N stall_for_ms=M: SIGSTOP/SIGCONT of gA's QEMU
#                        (the whole backend starves); or buffer_us=N: QEMU's
#                        filter-buffer on its netdev (each frame held up to N us)
lab_fault() {
    local layer=$1
    shift
    case "$layer" in
        virtio)
            local place=$1 dir=$2
            shift 2
            local sock
            case "$place" in local) sock=vA ;; remote) sock=vB ;; *) nb_fail "virtio place '$place'" ;; esac
            qemu_is "g${sock#v}" && nb_fail "virtio $place: g${sock#v} is a QEMU guest, no stand-in (lab_fault qemu ...)"
            case "$dir" in tx) dir=ab ;; rx) dir=ba ;; both) ;; *) nb_fail "virtio dir '$dir'" ;; esac
            lab_ctl "$NB_TMP/standin-$sock.sock" "set $dir $*" >/dev/null ;;
        wire)
            local dir=$1
            shift
            lab_ctl "$NB_TMP/standin-wire.sock" "set $dir $*" >/dev/null ;;
        bridge)
            local place=$1 pct=${2#drop_pct=} h
            case "$place" in local) h=hA ;; remote) h=hB ;; *) nb_fail "bridge place '$place'" ;; esac
            lab_exec "$h" nft -f - <<NFT
table bridge nblab
delete table bridge nblab
table bridge nblab {
    chain nbdrop {
        type filter hook forward priority 0; policy accept;
        numgen random mod 100 < $pct counter drop
    }
}
NFT
            ;;
        tap)
            local place=$1 pct=${2#drop_pct=} h tap
            case "$place" in local) h=hA tap=vnetA ;; remote) h=hB tap=vnetB ;; *) nb_fail "tap place '$place'" ;; esac
            lab_exec "$h" nft -f - <<NFT
table bridge nblabtap
delete table bridge nblabtap
table bridge nblabtap {
    chain nbdrop {
        type filter hook forward priority 0; policy accept;
        iifname "$tap" numgen random mod 100 < $pct counter drop
        oifname "$tap" numgen random mod 100 < $pct counter drop
    }
}
NFT
            ;;
        qemu)
            [ "$1" = local ] || nb_fail "qemu place '$1': local (gA) only"
            qemu_is gA || nb_fail "qemu fault: gA is not a QEMU guest (LAB_QEMU_gA=1)"
            shift
            local kv every= stall_for= buf=
            for kv in "$@"; do
                case "$kv" in
                    stall_every_ms=*) every=${kv#*=} ;;
                    stall_for_ms=*) stall_for=${kv#*=} ;;
                    buffer_us=*) buf=${kv#*=} ;;
                    *) nb_fail "qemu fault '$kv': stall_every_ms=N stall_for_ms=M | buffer_us=N" ;;
                esac
            done
            if [ -n "$buf" ]; then
                qemu_monitor gA "object_del nblabbuf" >/dev/null
                local r
                r=$(qemu_monitor gA "object_add filter-buffer,id=nblabbuf,netdev=n0,queue=all,interval=$buf")
                [ -z "$r" ] || nb_fail "qemu filter-buffer: $r"
                touch "$(qemu_dir gA)/buffer"
            fi
            if [ -n "$every" ]; then
                qemu_stall_stop gA
                qemu_stall_start gA "$every" "${stall_for:?stall_for_ms}"
            fi ;;
        app) lab_ctl "$NB_TMP/backend.sock" "set $*" >/dev/null ;;
        reflector) # local|remote hold_us=N: the guest agent's STAMP reflector answers late
            local place=$1 node
            case "$place" in local) node=gA ;; remote) node=gB ;; *) nb_fail "reflector place '$place'" ;; esac
            _lab_reflector_hold "$node" "${2#hold_us=}" ;;
        dns) _lab_dns_resolver "$@" ;;
        *) nb_fail "unknown fault layer '$layer'" ;;
    esac
}

# _lab_reflector_hold NODE US: set the guest agent's reflector.hold_us by a
# config reload (SIGHUP), and wait until the agent has taken it.
_lab_reflector_hold() {
    local node=$1 us=$2 before
    before=$(lab_curl "$node" /metrics |
        awk '$1 == "netblame_config_reloads_total{result=\"ok\"}" { print $2 }')
    jq --argjson h "$us" '.reflector.hold_us = $h' "$NB_TMP/agent-$node.json" >"$NB_TMP/agent-$node.json.new"
    mv "$NB_TMP/agent-$node.json.new" "$NB_TMP/agent-$node.json"
    if qemu_is "$node"; then
        qemu_put "$node" "$NB_TMP/agent-$node.json" "$NB_TMP/agent-$node.json"
        qemu_sh "$node" 'kill -HUP "$(cat /run/agent.pid)"'
    else
        kill -HUP "$(cat "$NB_TMP/agent-$node.pid")"
    fi
    nb_wait_for "agent $node reload" 10 nb_metric_ge_at "$node" 'netblame_config_reloads_total{result="ok"}' $((before + 1))
    if [ "$us" = 0 ]; then rm -f "$NB_TMP/hold-$node"; else touch "$NB_TMP/hold-$node"; fi
}

# lab_clear: every fault off.
lab_clear() {
    local s
    for s in vA vB wire; do
        qemu_is "g${s#v}" && continue
        lab_ctl "$NB_TMP/standin-$s.sock" "clear" >/dev/null
    done
    for s in hA hB; do lab_exec "$s" nft delete table bridge nblab 2>/dev/null || true; done
    for s in hA hB; do lab_exec "$s" nft delete table bridge nblabtap 2>/dev/null || true; done
    if qemu_is gA; then
        qemu_stall_stop gA
        if [ -e "$(qemu_dir gA)/buffer" ]; then
            qemu_monitor gA "object_del nblabbuf" >/dev/null
            rm -f "$(qemu_dir gA)/buffer"
        fi
    fi
    lab_ctl "$NB_TMP/backend.sock" "clear" >/dev/null
    [ "$(cat "$NB_TMP/dns-resolver.mode")" = ok ] || _lab_dns_resolver ok
    for s in gA gB; do [ -e "$NB_TMP/hold-$s" ] && _lab_reflector_hold "$s" 0; done
    return 0
}

# lab_stats NAME: the stand-in's counters (JSON).
lab_stats() { lab_ctl "$NB_TMP/standin-$1.sock" stats; }

# lab_agents: netblamed in every node. Host agents capture on their bridged
# taps and their NIC (nicA/nicB) and serve their control API on their lab
# address (peer agents fetch sightings there); they probe each other
# (fabric). Guest agents know their host agent (announced in-band to path
# senders) and probe it (vnet). Every agent reflects on its lab address.
# LAB_AGENT_EXTRA_<node> (e.g. LAB_AGENT_EXTRA_gA), if set: more top-level
# members for that node's config, each followed by a comma ('"app": [...],').
# LAB_AGENT_PEERS_<node>, if set: more peers, each preceded by a comma.
# LAB_AGENT_USER: the agents' "user" (daemon/privs.c); default "root": they
# keep root and every capability, as a lab test that is not about privileges
# needs no user of its own (tests/lab/privdrop.sh drops).
# LAB_CAPTURE_EXTRA_<host> (hA, hB), if set: more members of that host
# agent's "capture" object, each preceded by a comma (', "sightings": 1024').
# LAB_AGENT_SOLO_<node>=1: that agent probes no peer of its own (it still
# reflects; LAB_AGENT_PEERS_<node>, if set with it, must not start with a comma).
lab_agents() {
    local n ip extra peers more sec
    sec=$(lab_api_sec)
    for n in hA hB gA gB; do
        ip=LAB_IP_$n
        case "$n" in
            hA) peers='{ "name": "hB", "family": "fabric", "address": "'$LAB_IP_hB'", "interval_ms": 100 }'
                extra='"api": { "address": "'$LAB_IP_hA'", '$sec' }, "capture": { "uplink": "nicA"'${LAB_CAPTURE_EXTRA_hA:-}' },' ;;
            hB) peers='{ "name": "hA", "family": "fabric", "address": "'$LAB_IP_hA'", "interval_ms": 100 }'
                extra='"api": { "address": "'$LAB_IP_hB'", '$sec' }, "capture": { "uplink": "nicB"'${LAB_CAPTURE_EXTRA_hB:-}' },' ;;
            gA) peers='{ "name": "hA", "family": "vnet", "address": "'$LAB_IP_hA'", "interval_ms": 100 }'
                extra='"host_agent": { "address": "'$LAB_IP_hA'" },' ;;
            gB) peers='{ "name": "hB", "family": "vnet", "address": "'$LAB_IP_hB'", "interval_ms": 100 }'
                extra='"host_agent": { "address": "'$LAB_IP_hB'" },' ;;
        esac
        more=LAB_API_$n
        # a guest's API on loopback: secured too with LAB_API_TLS, unless the
        # test writes its own "api" object (and then says where: LAB_API_<node>)
        if [ "${LAB_API_TLS:-0}" = 1 ] && [ "${n:0:1}" = g ] && [ -z "${!more:-}" ]; then
            extra+='"api": { '$sec' },'
        fi
        more=LAB_AGENT_SOLO_$n
        if [ "${!more:-0}" = 1 ]; then peers=; fi
        more=LAB_AGENT_EXTRA_$n
        extra+=${!more:-}
        more=LAB_AGENT_PEERS_$n
        peers+=${!more:-}
        cat >"$NB_TMP/agent-$n.json" <<JSON
{ "role": "$(case $n in h*) echo host ;; *) echo guest ;; esac)", "node": "$n", $extra
  "user": "${LAB_AGENT_USER:-root}",
  "reflector": { "address": "${!ip}" }, "stamp": { "host_agent_prefixes": [ "$LAB_HA_PREFIX" ] },
  "peers": [ $peers ] }
JSON
        if qemu_is "$n"; then
            # same paths inside the VM; its log goes to the guest's console
            # ($NB_TMP/qemu-$n-console.log), its pid stays in the guest
            qemu_put "$n" "$NB_TMP/agent-$n.json" "$NB_TMP/agent-$n.json"
            date +%s.%N >"$(qemu_dir "$n")/t-agent-start"
            qemu_sh "$n" "'$NB_BIN/netblamed' --config '$NB_TMP/agent-$n.json' >/dev/ttyS0 2>&1 &
                          echo \$! >/run/agent.pid"
            continue
        fi
        nb_start "$(lab_ns "$n")" "agent-$n" "$NB_BIN/netblamed" --config "$NB_TMP/agent-$n.json"
        echo "$NB_LAST_PID" >"$NB_TMP/agent-$n.pid"
    done
    for n in hA hB gA gB; do
        nb_wait_for "agent $n" 20 lab_curl "$n" /healthz
        if qemu_is "$n"; then date +%s.%N >"$(qemu_dir "$n")/t-agent-healthy"; fi
    done
    # Host agents capture from the moment they report their taps and NIC watched.
    for n in hA hB; do
        nb_wait_for "capture on $n" 20 nb_metric_ge_at "$n" netblame_capture_interfaces 2
    done
}

# lab_api NODE: where NODE's control API listens.
lab_api() {
    local ip=LAB_IP_$1 o=LAB_API_$1
    # LAB_API_<node>: a test that put that agent's API elsewhere (on its lab
    # address, for a Prometheus in another namespace) says where
    [ -n "${!o:-}" ] && { echo "${!o}"; return; }
    case "$1" in h*) echo "${!ip}:9862" ;; *) echo "127.0.0.1:9862" ;; esac
}

# nb_metric_ge_at NODE NAME MIN: a sample of NODE's /metrics is >= MIN.
nb_metric_ge_at() {
    local v
    v=$(lab_curl "$1" /metrics |
        awk -v m="$2" '$1 == m { print $2; found = 1 } END { if (!found) exit 1 }') || return 1
    awk -v v="$v" -v m="$3" 'BEGIN { exit !(v + 0 >= m + 0) }'
}

# lab_diag FROM TO [diagnose options]: netblame diagnose from node FROM to node
# TO's reflector; the JSON report is left in $NB_TMP/diag.json.
lab_diag() {
    local from=$1 to=LAB_IP_$2
    shift 2
    lab_exec "$from" "$NB_BIN/netblame" diagnose $LAB_DIAG_TRUST "${!to}" --json "$@" >"$NB_TMP/diag.json" || true
}

# lab_q JQ_EXPR: evaluate against the last report (prints the value).
lab_q() { jq -r "$1" "$NB_TMP/diag.json"; }

# lab_assert WHAT JQ_BOOL_EXPR: fail with the report's figures unless true.
lab_assert() {
    jq -e "$2" "$NB_TMP/diag.json" >/dev/null ||
        nb_fail "$1 [$(jq -c '.probes | {sent, received, lost, rtt_us}' "$NB_TMP/diag.json") evidence: $(jq -c .evidence "$NB_TMP/diag.json") agents: $(jq -c .probes.host_agents "$NB_TMP/diag.json")]"
    nb_log "ok: $1"
}

# lab_loss_within P N WHAT: the last report's loss is within 4.5 sigma of P
# (binomial, N probes): a wrong rate fails, noise practically never does.
lab_loss_within() {
    local lo hi
    read -r lo hi < <(awk -v p="$1" -v n="$2" 'BEGIN { s = 4.5 * sqrt(p * (1 - p) / n); print p - s, p + s }')
    lab_assert "$3: loss in [$lo, $hi]" ".probes.loss >= $lo and .probes.loss <= $hi"
}
