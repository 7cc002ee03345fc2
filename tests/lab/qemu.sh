# qemu.sh — a real virtio guest for the lab (DESIGN §7's end-to-end check),
# sourced by lab.sh. With LAB_QEMU_gA=1 before lab_up, guest gA is a QEMU
# virtual machine instead of a namespace behind a stand-in:
#
#   QEMU (TCG) in hA's namespace: -netdev tap ifname=vnetA (vhost=off), -device virtio-net-pci
#   kernel: Debian's linux-image package, downloaded (never installed) by
#           deploy/install-deps.sh into $QEMU_CACHE, which keeps only vmlinuz, the
#           uncompressed ELF kernel inside it (QEMU boots it by its PVH entry: no
#           decompression under TCG) and the virtio-net modules, in $QEMU_CACHE/kernel
#   initramfs (built per run, in $NB_TMP): busybox-static, netblamed, netblame, ip and
#           curl bundled with the shared libraries ldd lists, at the host's paths; /init
#           loads the modules, addresses eth0 from the kernel command line (nb_ip=),
#           and serves a command channel on the second serial port (ttyS1).
#
# The command channel is a QEMU pipe chardev (two FIFOs in $NB_TMP), not the lab
# network, so the measured path carries only the lab's own traffic. Protocol, one
# request at a time (flock): the host writes "ID BASE64(SCRIPT)\n"; the guest runs
# the script with sh and answers "NB-OUT ID", base64 of its stdout, "NB-ERR ID",
# base64 of its stderr, "NB-END ID STATUS". qemu_exec NODE CMD... gives back the
# command's stdout, stderr and exit status.
#
# State lives in $NB_TMP/qemu-NODE/ (so `tests/lab/lab exec gA ...` attaches
# too); QEMU is registered with common.sh's cleanup like every other process.
#
# Functions: qemu_check, qemu_boot NODE NS TAP IP/LEN, qemu_exec NODE CMD...,
# qemu_sh NODE SCRIPT, qemu_put NODE HOSTFILE GUESTFILE, qemu_pid NODE,
# qemu_stall_start NODE EVERY_MS FOR_MS, qemu_stall_stop NODE, qemu_is NODE.

QEMU_CACHE=${NB_LAB_CACHE:-/var/cache/netblame-lab}
QEMU_MEM_MB=${QEMU_MEM_MB:-512}
QEMU_BOOT_TIMEOUT=${QEMU_BOOT_TIMEOUT:-60}   # s, kernel start to command channel
QEMU_EXEC_TIMEOUT=${QEMU_EXEC_TIMEOUT:-180}  # s, silence allowed within one command

qemu_dir() { echo "$NB_TMP/qemu-$1"; }

# qemu_is NODE: NODE is a QEMU guest of this lab.
qemu_is() { [ -e "$NB_TMP/qemu-$1/pid" ]; }

# qemu_check: everything a QEMU guest needs is installed; fails (never skips) otherwise.
qemu_check() {
    local miss=()
    command -v qemu-system-x86_64 >/dev/null || miss+=("qemu-system-x86_64 (package qemu-system-x86)")
    [ -x /bin/busybox ] && file_is_static /bin/busybox || miss+=("a static /bin/busybox (package busybox-static)")
    [ -f "$QEMU_CACHE/kernel/ready" ] || miss+=("Debian's kernel in $QEMU_CACHE/kernel (fetched, not installed)")
    [ "${#miss[@]}" -eq 0 ] ||
        nb_fail "QEMU guest needs: ${miss[*]}; run deploy/install-deps.sh --test (as root)"
}

# file_is_static FILE: an ELF with no program interpreter (no dynamic loader).
file_is_static() { ! LC_ALL=C od -An -c -N 4096 "$1" | tr -d ' \n' | grep -q 'ld-linux'; }

# _qemu_bundle ROOT FILE...: copy each executable and every shared library ldd
# lists for it (and the dynamic loader) into ROOT at the same absolute paths.
_qemu_bundle() {
    local root=$1 f lib
    shift
    for f in "$@"; do
        mkdir -p "$root$(dirname "$f")"
        cp -L "$f" "$root$f"
        for lib in $(ldd "$f" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
            [ -e "$root$lib" ] && continue
            mkdir -p "$root$(dirname "$lib")"
            cp -L "$lib" "$root$lib"
        done
    done
}

# _qemu_initramfs NODE: $NB_TMP/qemu-NODE/initramfs.cpio (newc, uncompressed:
# TCG decompresses slowly and the archive only crosses memory).
_qemu_initramfs() {
    local d root a
    d=$(qemu_dir "$1")
    root=$d/root
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,lib/nb-modules}
    cp /bin/busybox "$root/bin/busybox"
    _qemu_bundle "$root" "$NB_BIN/netblamed" "$NB_BIN/netblame" "$(command -v ip)" "$(command -v curl)"
    # busybox's sh runs its own applets before searching PATH: qemu_exec names
    # the bundled programs by their paths
    printf '%s\n' "$(command -v ip)" "$(command -v curl)" >"$d/bundled"
    # busybox applets where no bundled program of the same name is
    for a in $(/bin/busybox --list-full); do
        [ -e "$root/$a" ] || [ -e "$root/bin/${a##*/}" ] || [ -e "$root/usr/bin/${a##*/}" ] ||
            ln -s /bin/busybox "$root/$a"
    done
    cp "$QEMU_CACHE"/kernel/modules/*.ko "$QEMU_CACHE/kernel/modules/order" "$root/lib/nb-modules/"
    echo "nameserver $LAB_IP_gB" >"$root/etc/resolv.conf"
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
    printf 'root:x:0:\n' >"$root/etc/group"
    printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
    printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
    mkdir -p "$root$NB_TMP" # the lab's paths work inside the guest too
    cat >"$root/init" <<'INIT'
#!/bin/busybox sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
echo "nb-init: $(cut -d' ' -f1 /proc/uptime)s modules" >/dev/ttyS0
for m in $(cat /lib/nb-modules/order); do insmod "/lib/nb-modules/$m.ko" || echo "nb-init: insmod $m failed" >/dev/ttyS0; done
for a in $(cat /proc/cmdline); do case "$a" in nb_ip=*) ip=${a#nb_ip=} ;; esac; done
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done
ip link set lo up
ip addr add "$ip" dev eth0
ip link set eth0 up
echo "nb-init: $(cut -d' ' -f1 /proc/uptime)s eth0 $ip" >/dev/ttyS0
stty -F /dev/ttyS1 raw -echo
exec /bin/sh /nb-exec-loop </dev/ttyS1 >/dev/ttyS1 2>/dev/ttyS0
INIT
    cat >"$root/nb-exec-loop" <<'LOOP'
echo "NB-READY $(cut -d' ' -f1 /proc/uptime)"
while IFS= read -r line; do
    id=${line%% *}
    echo "${line#* }" | base64 -d >/tmp/nb-cmd 2>/dev/null || { echo "NB-END $id 126"; continue; }
    sh /tmp/nb-cmd </dev/null >/tmp/nb-out 2>/tmp/nb-err
    rc=$?
    echo "NB-OUT $id"; base64 </tmp/nb-out; echo "NB-ERR $id"; base64 </tmp/nb-err; echo "NB-END $id $rc"
done
LOOP
    chmod +x "$root/init"
    (cd "$root" && find . | /bin/busybox cpio -o -H newc -R 0:0 >"$d/initramfs.cpio" 2>/dev/null)
    rm -rf "$root"
}

# qemu_boot NODE NS TAP IP/LEN: boot NODE in namespace NS on a new tap TAP, wait
# until its command channel answers. Leaves QEMU's pid in $NB_TMP/qemu-NODE/pid.
qemu_boot() {
    local node=$1 ns=$2 tap=$3 ip=$4 d t0 line mac host
    host=${ip%/*}
    mac=$(printf '52:54:00:00:00:%02x' "${host##*.}")
    qemu_check
    d=$(qemu_dir "$node")
    mkdir -p "$d"
    t0=$(date +%s.%N)
    _qemu_initramfs "$node"
    mkfifo "$d/cmd.in" "$d/cmd.out"
    # the ELF kernel (PVH entry) if install-deps found one, else the bzImage
    local t1 kernel=$QEMU_CACHE/kernel/vmlinux
    [ -f "$kernel" ] || kernel=$QEMU_CACHE/kernel/vmlinuz
    t1=$(date +%s.%N)
    # -accel tcg: /dev/kvm on these machines does not run guests (DESIGN §8).
    # debug-threads: QEMU's threads carry their role in their names ("CPU 0/TCG"),
    # as under libvirt; a host agent's CPU evidence cites them by name
    nb_start "$ns" "qemu-$node" qemu-system-x86_64 -accel tcg -machine pc -smp 1 \
        -name "$node,debug-threads=on" -m "$QEMU_MEM_MB" -nodefaults -no-user-config -display none -no-reboot \
        -kernel "$kernel" -initrd "$d/initramfs.cpio" \
        -append "console=ttyS0 quiet panic=-1 nb_ip=$ip" \
        -serial "file:$NB_TMP/qemu-$node-console.log" \
        -chardev "pipe,id=cmd,path=$d/cmd" -serial chardev:cmd \
        -monitor "unix:$d/monitor.sock,server=on,wait=off" \
        -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no,vhost=off" \
        -device "virtio-net-pci,netdev=n0,mac=$mac"
    echo "$NB_LAST_PID" >"$d/pid"
    nb_wait_for "QEMU's tap $tap in $ns" 20 ip netns exec "$ns" test -e "/sys/class/net/$tap"
    # Wait for the guest's "NB-READY": bounded by QEMU_BOOT_TIMEOUT, and by QEMU exiting.
    exec {QEMU_FD}<>"$d/cmd.out"
    local deadline=$((SECONDS + QEMU_BOOT_TIMEOUT))
    while :; do
        if IFS= read -r -t 1 -u "$QEMU_FD" line; then
            case "$line" in NB-READY*) break ;; esac
        fi
        kill -0 "$(cat "$d/pid")" 2>/dev/null || nb_fail "QEMU $node exited during boot (see qemu-$node.log, qemu-$node-console.log)"
        [ "$SECONDS" -lt "$deadline" ] || nb_fail "QEMU $node: no command channel after ${QEMU_BOOT_TIMEOUT}s"
    done
    exec {QEMU_FD}<&-
    date +%s.%N >"$d/t-ready"
    echo "$t0" >"$d/t-build"
    echo "$t1" >"$d/t-start"
    echo "${line#NB-READY }" >"$d/guest-uptime-ready"
    nb_log "QEMU $node booted: $(qemu_boot_times "$node")"
}

# qemu_boot_times NODE: how long the boot took (and the agent's start, once lab_agents ran).
qemu_boot_times() {
    local d
    d=$(qemu_dir "$1")
    awk -v a="$(cat "$d/t-build")" -v b="$(cat "$d/t-start")" -v c="$(cat "$d/t-ready")" \
        -v g="$(cat "$d/guest-uptime-ready")" -v s="$(cat "$d/t-agent-start" 2>/dev/null)" \
        -v h="$(cat "$d/t-agent-healthy" 2>/dev/null)" 'BEGIN {
        printf "initramfs built in %.2f s; QEMU start to guest shell %.2f s (guest kernel uptime then %.2f s)", b - a, c - b, g
        if (h != "") printf "; agent start to /healthz answering %.2f s; QEMU start to running agent %.2f s", h - s, h - b
    }'
}

qemu_pid() { cat "$(qemu_dir "$1")/pid"; }

# qemu_sh NODE SCRIPT: run SCRIPT with the guest's sh; its stdout and stderr
# come back, and its exit status is returned.
qemu_sh() {
    local node=$1 script=$2 d id line sect='' rc='' out err
    d=$(qemu_dir "$node")
    id="$BASHPID.$RANDOM$RANDOM"
    out=$(mktemp "$d/out.XXXXXX") err=$(mktemp "$d/err.XXXXXX")
    {
        flock 9
        local w r
        exec {w}<>"$d/cmd.in" {r}<>"$d/cmd.out"
        printf '%s %s\n' "$id" "$(printf '%s\n' "$script" | base64 -w0)" >&"$w"
        while :; do
            if ! IFS= read -r -t "$QEMU_EXEC_TIMEOUT" -u "$r" line; then
                exec {w}>&- {r}<&-
                rm -f "$out" "$err"
                nb_log "QEMU $node: no answer within ${QEMU_EXEC_TIMEOUT}s to: $script"
                return 125
            fi
            case "$line" in
                "NB-OUT $id") sect=$out ;;
                "NB-ERR $id") sect=$err ;;
                "NB-END $id "*) rc=${line##* }; break ;;
                *) [ -z "$sect" ] || printf '%s\n' "$line" >>"$sect" ;;
            esac
        done
        exec {w}>&- {r}<&-
    } 9>"$d/lock"
    base64 -d <"$out"
    base64 -d <"$err" >&2
    rm -f "$out" "$err"
    return "$rc"
}

# qemu_exec NODE CMD...: run one command (arguments quoted for the guest's sh).
qemu_exec() {
    local node=$1 p
    shift
    case "$1" in
        */*) ;;
        *) while read -r p; do [ "${p##*/}" = "$1" ] && set -- "$p" "${@:2}" && break; done \
               <"$(qemu_dir "$node")/bundled" ;;
    esac
    qemu_sh "$node" "$(printf '%q ' "$@")"
}

# qemu_put NODE HOSTFILE GUESTFILE: copy a file into the guest.
qemu_put() {
    qemu_sh "$1" "mkdir -p '$(dirname "$3")' && echo '$(base64 -w0 <"$2")' | base64 -d >'$3'"
}

# qemu_stall_start NODE EVERY_MS FOR_MS: the guest's whole backend (QEMU: vCPU,
# virtio-net and tap reads) stops for FOR_MS of every EVERY_MS — a starved
# backend, as when the host cannot schedule the VM. qemu_stall_stop ends it and
# leaves QEMU running; so does the cleanup (the loop resumes QEMU on SIGTERM,
# and ends by itself once QEMU is gone).
qemu_stall_start() {
    local node=$1 every=$2 stall=$3 pid on off
    pid=$(qemu_pid "$node")
    on=$(awk -v f="$stall" 'BEGIN { printf "%.3f", f / 1000 }')
    off=$(awk -v e="$every" -v f="$stall" 'BEGIN { printf "%.3f", (e - f) / 1000 }')
    nb_start - "qemu-$node-stall" bash -c "
        trap 'kill -CONT $pid; exit 0' TERM INT
        while kill -STOP $pid 2>/dev/null; do sleep $on; kill -CONT $pid; sleep $off; done"
    echo "$NB_LAST_PID" >"$(qemu_dir "$node")/stall.pid"
}

qemu_stall_stop() {
    local f pid
    f="$(qemu_dir "$1")/stall.pid"
    [ -e "$f" ] || return 0
    pid=$(cat "$f")
    rm -f "$f"
    if [ -z "${NB_ATTACH:-}" ]; then nb_stop "$pid" || true; else kill -TERM "$pid" 2>/dev/null || true; fi
    kill -CONT "$(qemu_pid "$1")" 2>/dev/null || true
}

# qemu_monitor NODE CMD: one HMP command on QEMU's monitor (e.g. object_add
# filter-buffer,id=fb0,netdev=n0,interval=5000); prints the reply.
qemu_monitor() {
    printf '%s\n' "$2" | socat -t 1 - "UNIX-CONNECT:$(qemu_dir "$1")/monitor.sock" | tr -d '\r' |
        grep -v -e '^QEMU ' -e '^(qemu)' || true
}
