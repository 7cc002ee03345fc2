#!/usr/bin/env bash
# Install every Debian package netblame needs to build, test and run its lab.
# Idempotent: installs only what is missing, and runs apt-get update only then.
# Usage: deploy/install-deps.sh [--build|--test|--lab]   (default: --test, the superset)
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config
    libpcap-dev libev-dev libnl-3-dev libnl-route-3-dev libnl-genl-3-dev
    libc-ares-dev libcjson-dev libmicrohttpd-dev libcurl4-openssl-dev libssl-dev)
lab_pkgs=(iproute2 nftables iptables dnsmasq-base curl iputils-ping jq procps socat bind9-dnsutils)
test_pkgs=(libcmocka-dev clang libclang-rt-14-dev prometheus)

want=("${build_pkgs[@]}")
case "${1:---test}" in
    --build) ;;
    --lab) want+=("${lab_pkgs[@]}") ;;
    --test) want+=("${lab_pkgs[@]}" "${test_pkgs[@]}") ;;
    *) echo "usage: $0 [--build|--lab|--test]" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: must run as root (apt-get install)" >&2
    exit 1
fi

missing=()
for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all ${#want[@]} packages present"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Packages such as prometheus and dnsmasq ship services; the tests start their own
# instances, so keep apt from starting system-wide ones (on a host without a
# policy already in place, for the duration of this install only).
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    made_policy=1
fi
trap '[ "$made_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
