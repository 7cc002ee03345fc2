#!/usr/bin/env bash
# fresh-check.sh — README's two commands on a truly fresh Debian 12.
#
# Debootstraps a minimal Debian 12 root (bookworm, --variant=minbase) from
# Debian's archive, clones the committed HEAD of this checkout into it (what
# would land, not the working tree), and inside a chroot runs README command
# one (./deploy/demo.sh), then command two (./deploy/test.sh) on the same root,
# as a new user would on one machine. Prints each command's exit status and
# duration, and for a failure its last step, failed tests and last log lines.
#
# Each command runs in its own mount and PID namespaces (unshare): /proc, /sys,
# a minimal /dev (null, zero, full, random, urandom, tty, net/tun, a private
# devpts), /run and /tmp as tmpfs, the root bind-mounted on itself so
# `ip netns exec` can make it a slave. Nothing of the host's packages is
# mounted; the chroot shares the host's network namespace only for apt (the
# lab builds its own namespaces). When a command ends, its namespaces die:
# every process it left is killed and every mount goes with them, so cleanup
# holds on failure and Ctrl-C too; the scratch root is removed on exit.
#
# Cache (/var/cache/netblame-fresh, NB_FRESH_CACHE): the debootstrapped root as
# a tarball (rebuilt after 7 days) and the .deb files apt downloaded in earlier
# runs. Every run unpacks a pristine root; apt still resolves and installs
# every package, only the downloads are reused (--no-deb-cache: none).
#
# Usage: deploy/fresh-check.sh [--only one|two] [--keep] [--no-deb-cache] [-v]
#        deploy/fresh-check.sh --enter ROOT    (a shell in a kept root)
#   --only one|two  run one command only (two alone starts from a pristine root)
#   --keep          keep the scratch root (printed) for --enter
#   -v              stream the commands' output, not only the summary
# Logs: /var/log/netblame-fresh/RUN/{one,two}.log (NB_FRESH_LOGS). Exit status 0
# when every command run succeeded. Needs root; installs debootstrap if missing.
set -euo pipefail

suite=bookworm
mirror=${NB_FRESH_MIRROR:-http://deb.debian.org/debian}
cache=${NB_FRESH_CACHE:-/var/cache/netblame-fresh}
base=$cache/$suite-minbase.tar
cmd_one=./deploy/demo.sh
cmd_two=./deploy/test.sh

usage() { sed -n 's/^# \{0,1\}//; /^Usage:/,/^Logs:/p' "$0" | sed '$d' >&2; exit 2; }

# ---- the namespace side: run as PID 1 of a new PID and mount namespace ----

# _inner ROOT COMMAND: mount the chroot's file systems, run COMMAND in it as a
# child (PID 1 stays here and reaps orphans), report what it left behind.
_inner() {
    local root=$1 cmd=$2 rc=0 p left=()
    mount --bind "$root" "$root"
    mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
    mount -t sysfs -o nosuid,nodev,noexec sysfs "$root/sys"
    mount -t tmpfs -o mode=755,nosuid dev "$root/dev"
    mkdir -p "$root/dev/pts" "$root/dev/shm" "$root/dev/net"
    for p in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0 net/tun:10:200; do
        mknod -m 666 "$root/dev/${p%%:*}" c "$(echo "$p" | cut -d: -f2)" "${p##*:}"
    done
    mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$root/dev/pts"
    ln -s pts/ptmx "$root/dev/ptmx"
    ln -s /proc/self/fd "$root/dev/fd"
    ln -s /proc/self/fd/0 "$root/dev/stdin"
    ln -s /proc/self/fd/1 "$root/dev/stdout"
    ln -s /proc/self/fd/2 "$root/dev/stderr"
    mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"
    mount -t tmpfs -o mode=755,nosuid,nodev run "$root/run"
    mount -t tmpfs -o mode=1777,nosuid,nodev tmp "$root/tmp"
    [ "$cmd" = shell ] && exec chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -l
    chroot "$root" /usr/bin/env -i HOME=/root LOGNAME=root USER=root SHELL=/bin/bash \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        /bin/bash -c 'cd /root/netblame && exec "$0"' "$cmd" </dev/null &
    wait $! || rc=$?
    # Hygiene: the project's rule is that every test cleans up after itself.
    for p in "$root"/proc/[0-9]*; do
        p=${p##*/}
        [ "$p" = 1 ] || [ "$p" = "$BASHPID" ] && continue
        left+=("$p:$(tr '\0' ' ' <"$root/proc/$p/cmdline" 2>/dev/null | cut -c1-100)")
    done
    [ "${#left[@]}" -eq 0 ] || printf 'fresh-check: left running: %s\n' "${left[@]}"
    for p in "$root"/run/netns/* "$root"/etc/netns/*; do
        [ -e "$p" ] && echo "fresh-check: left behind: ${p#"$root"}"
    done
    return "$rc"
}

if [ "${1:-}" = --inner ]; then
    _inner "$2" "$3"
    exit
fi

# ---- the host side ----

only='' keep=0 debcache=1 verbose=0 enter=''
while [ $# -gt 0 ]; do
    case "$1" in
        --only) only=${2:-}; shift; case "$only" in one|two) ;; *) usage ;; esac ;;
        --keep) keep=1 ;;
        --no-deb-cache) debcache=0 ;;
        -v) verbose=1 ;;
        --enter) enter=${2:-}; shift; [ -d "$enter/root/netblame" ] || usage ;;
        *) usage ;;
    esac
    shift
done
[ "$(id -u)" -eq 0 ] || { echo "fresh-check: must run as root (debootstrap, chroot, mounts)" >&2; exit 1; }
self=$(readlink -f "$0")
if [ -n "$enter" ]; then
    exec unshare --mount --pid --fork --kill-child --propagation private bash "$self" --inner "$enter" shell
fi

src=$(cd "$(dirname "$self")/.." && pwd)
commit=$(git -C "$src" rev-parse HEAD)
[ -z "$(git -C "$src" status --porcelain --untracked-files=no)" ] ||
    echo "fresh-check: uncommitted changes in $src are not checked (HEAD $commit is)" >&2

run=$(date +%Y%m%d-%H%M%S)-$$
logs=${NB_FRESH_LOGS:-/var/log/netblame-fresh}/$run
mkdir -p "$cache/debs" "$logs"
scratch=$(mktemp -d /var/tmp/netblame-fresh.XXXXXX)
root=$scratch/root
ns_pid=''

# Keep the .debs apt fetched (hard links: the scratch root is on the same disk).
save_debs() {
    local f
    [ "$debcache" = 1 ] && [ -d "$root/var/cache/apt/archives" ] || return 0
    for f in "$root"/var/cache/apt/archives/*.deb; do
        [ -e "$f" ] && [ ! -e "$cache/debs/${f##*/}" ] || continue
        ln "$f" "$cache/debs/" 2>/dev/null || cp "$f" "$cache/debs/" 2>/dev/null || true
    done
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    # unshare --kill-child: its end SIGKILLs the namespace's PID 1, and with it
    # every process in the namespace; the mounts were never visible here.
    [ -n "$ns_pid" ] && { kill -TERM "$ns_pid" 2>/dev/null; wait "$ns_pid" 2>/dev/null; }
    save_debs
    if grep -q " $scratch" /proc/self/mountinfo; then
        echo "fresh-check: mounts left under $scratch; not removing it" >&2
    elif [ "$keep" = 1 ]; then
        echo "fresh-check: root kept in $root (deploy/fresh-check.sh --enter $root; rm -rf $scratch)"
    else
        rm -rf --one-file-system "$scratch"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "fresh-check: interrupted" >&2; exit 130' INT TERM

elapsed() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# ---- the pristine root ----
if ! command -v debootstrap >/dev/null; then
    echo "fresh-check: installing debootstrap on this machine"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 ||
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
fi
(
    flock 9
    find "$cache/debs" -name '*.deb' -mtime +30 -delete # apt fetches them again if needed
    [ -f "$base" ] && [ -z "$(find "$base" -mtime +7)" ] && exit 0
    for b in "$cache"/bootstrap.*; do [ -d "$b" ] && rm -rf --one-file-system "$b"; done # interrupted
    t0=$SECONDS b=$(mktemp -d "$cache/bootstrap.XXXXXX")
    echo "fresh-check: debootstrap --variant=minbase $suite from $mirror (log $logs/debootstrap.log)"
    # in a mount namespace of its own: the /proc it mounts in the target never outlives it
    unshare --mount --propagation private \
        debootstrap --variant=minbase "$suite" "$b" "$mirror" >"$logs/debootstrap.log" 2>&1 ||
        { tail -n 20 "$logs/debootstrap.log" >&2; rm -rf --one-file-system "$b"; exit 1; }
    # what a fresh install's sources list has: the release, its updates, security
    cat >"$b/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb http://deb.debian.org/debian-security $suite-security main
EOF
    rm -f "$b"/var/cache/apt/archives/*.deb
    tar -C "$b" --numeric-owner -cf "$base.new" .
    rm -rf --one-file-system "$b"
    mv "$base.new" "$base"
    echo "fresh-check: base root cached in $base ($(elapsed $((SECONDS - t0))))"
) 9>"$cache/base.lock"
mkdir "$root"
tar -C "$root" --numeric-owner -xpf "$base"
chmod 755 "$root" # the tarball's "." is debootstrap's mktemp directory (0700)
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
git clone -q --no-hardlinks "$src" "$root/root/netblame"
git -C "$root/root/netblame" checkout -q --detach "$commit"
if [ "$debcache" = 1 ]; then
    find "$cache/debs" -name '*.deb' -exec ln -t "$root/var/cache/apt/archives/" {} + 2>/dev/null ||
        find "$cache/debs" -name '*.deb' -exec cp -t "$root/var/cache/apt/archives/" {} +
fi
echo "fresh-check: $(git -C "$src" log -1 --format='%h %s' "$commit")"
echo "fresh-check: Debian $(cat "$root/etc/debian_version") minbase ($(date -r "$base" +%F)) in $root; logs in $logs"

# ---- the commands ----
summary=() status=0
run_command() { # NAME COMMAND
    local name=$1 cmd=$2 log=$logs/$1.log t0=$SECONDS rc=0 took step failed
    echo "fresh-check: command $name ($cmd) running"
    if [ "$verbose" = 1 ]; then
        unshare --mount --pid --fork --kill-child --propagation private \
            bash "$self" --inner "$root" "$cmd" > >(tee "$log") 2>&1 &
    else
        unshare --mount --pid --fork --kill-child --propagation private \
            bash "$self" --inner "$root" "$cmd" >"$log" 2>&1 &
    fi
    ns_pid=$!
    wait "$ns_pid" || rc=$?
    ns_pid=''
    took=$(elapsed $((SECONDS - t0)))
    if [ "$rc" -eq 0 ]; then
        summary+=("command $name: ok in $took")
    else
        status=1
        step=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^(== |install-deps:|build:|CMake Error)' |
            tail -n 1 || true)
        failed=$(sed -n '/The following tests FAILED:/,/^Errors while running/p' "$log" |
            grep -E '^\s+[0-9]+ - ' | sed 's/^[[:space:]]*//' | paste -sd ';' - | sed 's/;/; /g' || true)
        summary+=("command $name: FAILED (exit status $rc) after $took; last step: ${step:-?}${failed:+; failed tests: $failed}")
        summary+=("$(tail -n 25 "$log" | sed 's/^/    | /')")
    fi
    grep '^fresh-check: left' "$log" | sed 's/^/    /' >>"$logs/hygiene" || true
    save_debs
}
[ "$only" = two ] || run_command one "$cmd_one"
[ "$only" = one ] || run_command two "$cmd_two"

echo
echo "fresh-check: $(git -C "$src" log -1 --format=%h "$commit") on a fresh Debian $suite minbase root:"
printf '%s\n' "${summary[@]}"
[ ! -s "$logs/hygiene" ] || { echo "left behind after the commands:"; cat "$logs/hygiene"; }
echo "logs: $logs"
exit "$status"
