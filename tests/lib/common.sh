# common.sh — shared shell helpers for integration and lab tests (sourced).
#
# Every test gets a unique prefix (NB_P) for its namespaces and interfaces so
# parallel runs never collide, and a cleanup trap that removes everything it
# made — namespaces, interfaces, processes — on exit, error or signal.
# Waiting is always for a condition (a port answering, a counter moving),
# with a hang guard that fails the test; never a fixed sleep.

set -euo pipefail

: "${NB_BIN:?NB_BIN (build directory) must be set}"
: "${NB_SRC:?NB_SRC (source directory) must be set}"

# NB_ATTACH=PREFIX (set by tests/lab/lab for its fault/stats commands): work on a
# running lab's namespaces and state directory; create nothing, clean nothing.
if [ -n "${NB_ATTACH:-}" ]; then
    NB_P=$NB_ATTACH
    NB_TMP=/run/netblame-lab/$NB_P
    [ -d "$NB_TMP" ] || { echo "no running lab '$NB_P' (see: tests/lab/lab list)" >&2; exit 2; }
else
# 6 hex chars: interface names stay under IFNAMSIZ (15) with short suffixes.
NB_P="nb$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
NB_TMP=$(mktemp -d "/tmp/${NB_P}.XXXXXX")
fi
NB_PIDS=()
NB_NETNS=()
NB_ETC_NETNS=()

nb_log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
nb_fail() { nb_log "FAIL: $*"; exit 1; }

nb_cleanup() {
    local rc=$?
    set +e
    for pid in "${NB_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${NB_PIDS[@]}"; do
        # bounded: a process that ignores SIGTERM is killed
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    for ns in "${NB_NETNS[@]}"; do
        # processes left in the namespace die with it
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
        ip netns del "$ns" 2>/dev/null
    done
    for d in "${NB_ETC_NETNS[@]}"; do rm -rf "$d"; done
    if [ "$rc" -ne 0 ] && [ -d "$NB_TMP" ]; then
        for f in "$NB_TMP"/*.log; do
            [ -f "$f" ] && { echo "---- $f"; tail -n 40 "$f"; } >&2
        done
    fi
    rm -rf "$NB_TMP"
    exit "$rc"
}
if [ -z "${NB_ATTACH:-}" ]; then
    trap nb_cleanup EXIT
    trap 'exit 130' INT TERM
fi

# nb_netns NAME: create namespace ${NB_P}-NAME with loopback up; prints its name.
nb_netns() {
    local ns="${NB_P}-$1"
    ip netns add "$ns"
    NB_NETNS+=("$ns")
    ip -n "$ns" link set lo up
}

# nb_veth_pair NAME_A ADDR_A NAME_B ADDR_B: namespaces ${NB_P}-NAME_A and _B joined
# by a veth pair ${NB_P}NAME_A / ${NB_P}NAME_B, addressed (CIDR) and up.
nb_veth_pair() {
    nb_netns "$1"
    nb_netns "$3"
    nb_veth_link "$1" "$1" "$2" "$3" "$3" "$4"
}

# nb_veth_link NS_A IF_A ADDR_A NS_B IF_B ADDR_B: a veth between two
# namespaces that exist already (short names, as nb_netns takes), its ends
# ${NB_P}IF_A in NS_A and ${NB_P}IF_B in NS_B, addressed and up.
nb_veth_link() {
    ip link add "${NB_P}$2" netns "${NB_P}-$1" type veth peer name "${NB_P}$5" netns "${NB_P}-$4"
    ip -n "${NB_P}-$1" addr add "$3" dev "${NB_P}$2"
    ip -n "${NB_P}-$4" addr add "$6" dev "${NB_P}$5"
    ip -n "${NB_P}-$1" link set "${NB_P}$2" up
    ip -n "${NB_P}-$4" link set "${NB_P}$5" up
}

# nb_wait_for DESCRIPTION TIMEOUT_S COMMAND...: poll COMMAND until it succeeds.
nb_wait_for() {
    local what=$1 limit=$2
    shift 2
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || nb_fail "timed out after ${limit}s waiting for: $what"
        sleep 0.05
    done
}

# nb_start NS LOGNAME COMMAND...: start COMMAND in namespace NS ("-": this one)
# in the background; its pid is left in NB_LAST_PID (ip netns exec execs, so it
# is the command's own).
nb_start() {
    local ns=$1 log=$2
    shift 2
    if [ "$ns" = - ]; then
        "$@" >"$NB_TMP/$log.log" 2>&1 &
    else
        ip netns exec "$ns" "$@" >"$NB_TMP/$log.log" 2>&1 &
    fi
    NB_LAST_PID=$!
    NB_PIDS+=("$NB_LAST_PID")
}

# nb_stop PID: SIGTERM and wait; returns the process's exit status.
nb_stop() {
    local pid=$1 rc=0
    kill -TERM "$pid"
    wait "$pid" || rc=$?
    local keep=()
    for p in "${NB_PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
    NB_PIDS=("${keep[@]}")
    return "$rc"
}

# nb_metric NS PORT NAME_WITH_LABELS: print the value of one sample from /metrics.
nb_metric() {
    ip netns exec "$1" curl -sf "http://127.0.0.1:$2/metrics" |
        awk -v m="$3" '$1 == m { print $2; found = 1 } END { if (!found) exit 1 }'
}

# nb_metric_ge NS PORT NAME MIN: true when the sample is >= MIN.
nb_metric_ge() {
    local v
    v=$(nb_metric "$1" "$2" "$3") || return 1
    awk -v v="$v" -v m="$4" 'BEGIN { exit !(v + 0 >= m + 0) }'
}

# nb_test_tls DIR SAN: a throw-away CA (DIR/ca.pem), a certificate for SAN
# (openssl's subjectAltName, e.g. "IP:127.0.0.1,IP:198.18.0.1") signed by it
# (DIR/cert.pem, key DIR/key.pem, mode 600), a bearer token (DIR/token, mode
# 600) and the curl header file carrying it (DIR/auth.hdr), for a control API
# with TLS and a token (README, Securing the control API). Needs openssl.
nb_test_tls() {
    local d=$1 san=$2
    mkdir -p "$d"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=netblame test CA" -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=netblame agent" \
        -keyout "$d/key.pem" -out "$d/agent.csr" 2>/dev/null
    openssl x509 -req -in "$d/agent.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
        -days 2 -extfile <(printf 'subjectAltName=%s\n' "$san") -out "$d/cert.pem" 2>/dev/null
    (umask 077; openssl rand -hex 32 >"$d/token")
    chmod 600 "$d/key.pem" "$d/token"
    printf 'Authorization: Bearer %s\n' "$(cat "$d/token")" >"$d/auth.hdr"
}
