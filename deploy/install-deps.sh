#!/usr/bin/env bash
# Install every Debian package netblame needs to build, test and run its lab.
# Idempotent: installs only what is missing, and runs apt-get update only then.
# Usage: deploy/install-deps.sh [--build|--lab|--bench|--test]   (default: --test, the superset)
#   --bench: the lab's and the benchmarks' (tests/bench/noise_accuracy.sh:
#   iperf3 for background traffic, stress-ng for CPU noise; tests/bench/peer_compare.sh:
#   sockperf, fping and prometheus-blackbox-exporter, the tools compared with;
#   gnuplot-nox draws the scale benchmarks' plots, e.g. tests/bench/fabric_scale.sh;
#   run by hand, never as services). --test includes them.
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config
    libpcap-dev libev-dev libnl-3-dev libnl-route-3-dev libnl-genl-3-dev
    libc-ares-dev libcjson-dev libmicrohttpd-dev libcurl4-openssl-dev libssl-dev libcap-ng-dev)
lab_pkgs=(iproute2 nftables iptables dnsmasq-base curl iputils-ping jq procps socat bind9-dnsutils
    qemu-system-x86 busybox-static xz-utils)
# prometheus: promtool (checks /metrics and the rules); prometheus-alertmanager:
# amtool and the Alertmanager that tests/integration/alertmanager.sh runs;
# file (CPack's .deb), man-db and adduser: tests/integration/package.sh
# builds the package, installs it (its postinst runs adduser) and reads its
# man pages; openssl: the test CAs, certificates and tokens of the control
# API's tests (tests/lib/common.sh nb_test_tls); python3: tests/lab/idle_holder.py;
# systemd: systemd-analyze, which tests/integration/systemd_units.sh scores the
# units with (a minimal Debian has no systemd)
test_pkgs=(libcmocka-dev clang libclang-rt-14-dev prometheus prometheus-alertmanager
    file man-db adduser openssl python3 systemd)
bench_pkgs=(iperf3 stress-ng gnuplot-nox sockperf fping prometheus-blackbox-exporter)

want=("${build_pkgs[@]}")
lab_kernel=0
case "${1:---test}" in
    --build) ;;
    --lab) want+=("${lab_pkgs[@]}"); lab_kernel=1 ;;
    --bench) want+=("${lab_pkgs[@]}" "${bench_pkgs[@]}"); lab_kernel=1 ;;
    --test) want+=("${lab_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}"); lab_kernel=1 ;;
    *) echo "usage: $0 [--build|--lab|--bench|--test]" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: must run as root (apt-get install)" >&2
    exit 1
fi

# The lab's QEMU guest (tests/lab/qemu.sh) boots Debian's kernel; installing
# linux-image-amd64 would run initramfs and bootloader hooks on this machine, so
# its image package is only downloaded into a cache outside the repository and
# the kernel and the virtio-net modules extracted from it (DESIGN §8 order).
lab_cache=${NB_LAB_CACHE:-/var/cache/netblame-lab}
lab_modules=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
    failover net_failover virtio_net)
updated=0
apt_update() { [ "$updated" = 1 ] || { apt-get update -qq; updated=1; }; }

# extract_vmlinux BZIMAGE OUT: the uncompressed ELF kernel inside a bzImage (as
# the kernel's scripts/extract-vmlinux does). QEMU boots it through its PVH note,
# which saves the guest decompressing itself under TCG (about 3 s of a 6 s boot).
extract_vmlinux() {
    local in=$1 out=$2 magic tool off
    for magic in $'\xfd7zXZ:xz' $'\x28\xb5\x2f\xfd:zstd' $'\x1f\x8b\x08:gzip'; do
        tool=${magic##*:}
        command -v "$tool" >/dev/null || continue
        for off in $(LC_ALL=C grep -abo "${magic%:*}" "$in" | cut -d: -f1 | head -n 5); do
            tail -c "+$((off + 1))" "$in" | "$tool" -dc >"$out" 2>/dev/null || true
            [ "$(head -c 4 "$out" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] && return 0
        done
    done
    rm -f "$out"
    return 1
}

fetch_lab_kernel() {
    local kdir=$lab_cache/kernel pkg deb x m f
    [ -f "$kdir/ready" ] && { echo "install-deps: lab kernel present ($(cat "$kdir/ready"))"; return 0; }
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
    if [ -z "$pkg" ]; then
        apt_update
        pkg=$(apt-cache depends linux-image-amd64 | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
    fi
    [ -n "$pkg" ] || { echo "install-deps: cannot resolve linux-image-amd64's kernel package" >&2; exit 1; }
    mkdir -p "$lab_cache"
    deb=$(ls "$lab_cache/${pkg}"_*.deb 2>/dev/null | tail -n 1 || true)
    if [ -z "$deb" ]; then
        echo "install-deps: downloading $pkg (lab kernel, not installed)"
        (cd "$lab_cache" && apt-get download -qq -o APT::Sandbox::User=root "$pkg") ||
            { apt_update; (cd "$lab_cache" && apt-get download -qq -o APT::Sandbox::User=root "$pkg"); }
        deb=$(ls "$lab_cache/${pkg}"_*.deb | tail -n 1)
    fi
    x=$(mktemp -d "$lab_cache/extract.XXXXXX")
    rm -rf "$kdir.new"
    mkdir -p "$kdir.new/modules"
    dpkg-deb -x "$deb" "$x"
    cp "$x"/boot/vmlinuz-* "$kdir.new/vmlinuz"
    extract_vmlinux "$kdir.new/vmlinuz" "$kdir.new/vmlinux" ||
        echo "install-deps: no ELF kernel found in vmlinuz: the lab boots the bzImage (slower)" >&2
    for m in "${lab_modules[@]}"; do
        f=$(find "$x/lib/modules" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -n 1)
        [ -n "$f" ] || { echo "install-deps: $pkg has no module $m" >&2; rm -rf "$x"; exit 1; }
        case "$f" in
            *.xz) xz -dc "$f" >"$kdir.new/modules/$m.ko" ;;
            *.zst) zstd -qdc "$f" >"$kdir.new/modules/$m.ko" ;;
            *) cp "$f" "$kdir.new/modules/$m.ko" ;;
        esac
        echo "$m" >>"$kdir.new/modules/order"
    done
    rm -rf "$x" "$kdir"
    basename "$deb" .deb >"$kdir.new/ready"
    mv "$kdir.new" "$kdir"
    echo "install-deps: lab kernel $(cat "$kdir/ready") in $kdir"
}

missing=()
for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all ${#want[@]} packages present"
else
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Packages such as prometheus, prometheus-alertmanager, dnsmasq and iperf3 ship
    # services; the tests start their own instances, so keep apt from starting
    # system-wide ones (on a host without a policy already in place, for the
    # duration of this install only). They are still enabled for the next boot.
    policy=/usr/sbin/policy-rc.d
    made_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
        made_policy=1
    fi
    trap '[ "$made_policy" = 1 ] && rm -f "$policy"' EXIT
    apt_update
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
[ "$lab_kernel" = 0 ] || fetch_lab_kernel
