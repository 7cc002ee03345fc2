#!/usr/bin/env bash
# The Debian package (cmake/packaging.cmake): `deploy/build.sh package` makes
# the .deb and its -dbgsym .ddeb (or NB_DEB names a .deb), `apt-get install ./netblame_*.deb` installs
# it on this machine, then: the files are where a user looks for them (the
# programs, man pages, units, examples, conffile, Prometheus rules), the
# system user and state directory exist, `netblamed --check` accepts every
# shipped configuration, both programs' --version and netblame_build_info
# carry the package's version with this checkout's git revision, the
# installed daemon serves and runs the installed CLI for POST /v1/diagnose;
# finally `apt-get purge` leaves none of it. The package is purged on every
# exit, failure and signal included.
#
# It changes this machine's /usr, /etc and /lib, so it runs under a lock
# (one at a time, also across build flavours) and never touches a netblame
# package it did not install: one installed otherwise makes it skip (77).
# The other tests run their build tree's binaries, never the installed ones.
# The system user `netblame` stays after the purge, as Debian's packages
# leave theirs.
. "$NB_SRC/tests/lib/common.sh"

PKG=netblame
MARK=/var/tmp/netblame-package-test.installed # we installed it: ours to purge
STATE=/var/lib/netblame

mkdir -p /run/lock
exec 9>/run/lock/netblame-package-test.lock
flock -w 900 9 || nb_fail "another package test held the lock for 15 min"

apt_get() {
    DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300 "$@"
}
pkg_status() { dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null || true; }

state_mode=""
purge_ours() {
    if [ -f "$MARK" ]; then
        if [ -n "$(pkg_status)" ] && [ "$(pkg_status)" != not-installed ]; then
            apt_get purge "$PKG" >"$NB_TMP/purge-trap.log" 2>&1 ||
                dpkg --purge "$PKG" >>"$NB_TMP/purge-trap.log" 2>&1 || true
        fi
        rm -f "$MARK"
    fi
    # an empty state directory that was here before the test comes back as it was
    if [ -n "$state_mode" ] && [ ! -d "$STATE" ]; then
        install -d -m "${state_mode%% *}" -o "${state_mode#* }" "$STATE" 2>/dev/null ||
            install -d -m "${state_mode%% *}" "$STATE"
    fi
}
trap 'rc=$?; purge_ours; (exit $rc); nb_cleanup' EXIT

status=$(pkg_status)
if [ -n "$status" ] && [ "$status" != not-installed ]; then
    if [ -f "$MARK" ]; then
        nb_log "a run that was killed left the package installed: purging it"
        purge_ours
    else
        nb_log "SKIP: package $PKG is installed on this machine ($status) and not by this test"
        exit 77
    fi
fi
if [ -d "$STATE" ]; then
    [ -z "$(ls -A "$STATE")" ] ||
        { nb_log "SKIP: $STATE exists and is not empty; a purge would remove it"; exit 77; }
    state_mode="$(stat -c '%a %U' "$STATE")"
    rmdir "$STATE" # postinst makes its own; the trap puts this one back
fi

# --- the .deb ---
if [ -n "${NB_DEB:-}" ]; then
    deb=$NB_DEB
else
    "$NB_SRC/deploy/build.sh" package >"$NB_TMP/build.log" 2>&1 ||
        { tail -n 30 "$NB_TMP/build.log" >&2; nb_fail "deploy/build.sh package failed"; }
    debs=("$NB_SRC"/build/package/"$PKG"_*.deb)
    [ "${#debs[@]}" = 1 ] && [ -f "${debs[0]}" ] || nb_fail "expected one .deb in build/package: ${debs[*]}"
    deb=${debs[0]}
    ddeb=$(ls "$NB_SRC"/build/package/"$PKG"-dbgsym_*.ddeb) || nb_fail "no -dbgsym .ddeb in build/package"
fi
case "$deb" in /*) ;; *) deb=$PWD/$deb ;; esac
ver=$(dpkg-deb -f "$deb" Version)
[ "$(dpkg-deb -f "$deb" Package)" = "$PKG" ] || nb_fail "$deb: not package $PKG"
# the git revision: 0.1.0+N.gSHA[-dirty], SHA this checkout's HEAD
if git -C "$NB_SRC" rev-parse --git-dir >/dev/null 2>&1; then
    sha=$(git -C "$NB_SRC" rev-parse --short=10 HEAD)
    [[ "$ver" =~ ^[0-9]+\.[0-9]+\.[0-9]+\+([0-9]+\.)?g${sha}(-dirty)?$ ]] ||
        nb_fail "package version $ver does not carry HEAD's revision g$sha"
fi
# dependencies from dpkg-shlibdeps: the libraries the binaries link, versioned
deps=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libpcap0.8 libmicrohttpd12 libcurl4 libev4 libcjson1 libc-ares2 adduser; do
    grep -Eq "(^|, )$lib( \(|,|$)" <<<"$deps" || nb_fail "Depends lacks $lib: $deps"
done
dpkg-deb -c "$deb" | awk '{ print $6 }' >"$NB_TMP/contents"
for lab in nb-standin nb-backend nb-dnsdelay nb-recorder; do
    grep -q "/$lab\$" "$NB_TMP/contents" && nb_fail "the lab program $lab is in the package"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles >"$NB_TMP/conffiles"
grep -qx /etc/netblame/netblamed.json "$NB_TMP/conffiles" ||
    nb_fail "/etc/netblame/netblamed.json is not a conffile: $(cat "$NB_TMP/conffiles")"
nb_log "ok: $(basename "$deb"): version $ver, Depends from shlibdeps, no lab programs, one conffile"

# --- install ---
touch "$MARK"
apt_get install --no-install-recommends "$deb" >"$NB_TMP/install.log" 2>&1 ||
    { tail -n 30 "$NB_TMP/install.log" >&2; nb_fail "apt-get install $deb failed"; }
[ "$(pkg_status)" = installed ] || nb_fail "after apt-get install: status $(pkg_status)"

[ -x /usr/sbin/netblamed ] && [ -x /usr/bin/netblame ] || nb_fail "programs not installed"
# stripped, and their symbols in the -dbgsym package under their build ids
[ -z "${ddeb:-}" ] || dpkg-deb -c "$ddeb" >"$NB_TMP/dbgsym"
for prog in /usr/sbin/netblamed /usr/bin/netblame; do
    readelf -S "$prog" >"$NB_TMP/sections"
    grep -q '\.debug_info' "$NB_TMP/sections" && nb_fail "$prog is not stripped"
    if [ -n "${ddeb:-}" ]; then
        bid=$(readelf -n "$prog" | awk '/Build ID:/ { print $3 }')
        grep -q "/usr/lib/debug/\.build-id/${bid:0:2}/${bid:2}\.debug\$" "$NB_TMP/dbgsym" ||
            nb_fail "$(basename "$ddeb") has no symbols for $prog (build id $bid)"
    fi
done
for page in 8:netblamed 1:netblame 5:netblame.json; do
    p=$(man -w "${page%%:*}" "${page#*:}") || nb_fail "man -w ${page/:/ }: no page"
    [ "$p" = "/usr/share/man/man${page%%:*}/${page#*:}.${page%%:*}.gz" ] ||
        nb_fail "man ${page/:/ } resolves to $p"
    warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$p" 2>&1 >/dev/null)
    [ -z "$warn" ] || nb_fail "man ${page/:/ } renders with warnings: $warn"
done
for f in "$NB_SRC"/deploy/systemd/*; do
    n=$(basename "$f")
    case "$n" in
        *sysusers*.conf) dest=/usr/lib/sysusers.d/netblame.conf ;;
        *tmpfiles*.conf) dest=/usr/lib/tmpfiles.d/netblame.conf ;;
        *) dest=/lib/systemd/system/$n ;;
    esac
    cmp -s "$f" "$dest" || nb_fail "deploy/systemd/$n not installed as $dest"
done
[ -f /lib/systemd/system/netblamed.service ] || nb_fail "no netblamed.service"
# every program a unit starts is installed, and so is every --config it
# names (a value with a variable or specifier is not checked)
for u in /lib/systemd/system/netblamed*.service; do
    while read -r line; do
        read -ra w <<<"${line#*=}"
        prog=${w[0]#[-+!@:]}
        prog=${prog#[-+!@:]}
        [ -x "$prog" ] || nb_fail "$(basename "$u"): $prog is not an installed program: $line"
        for ((i = 1; i < ${#w[@]}; i++)); do
            c=""
            case "${w[i]}" in
                --config) c=${w[i + 1]:-} ;;
                --config=*) c=${w[i]#--config=} ;;
            esac
            case "$c" in "" | *'$'* | *%*) continue ;; esac
            [ -f "$c" ] || nb_fail "$(basename "$u"): --config $c is not installed: $line"
        done
    done < <(grep -E '^Exec(Start|StartPre|StartPost|Reload|Stop)=' "$u")
done
for f in "$NB_SRC"/deploy/examples/*.json; do
    cmp -s "$f" "/usr/share/doc/netblame/examples/$(basename "$f")" ||
        nb_fail "example $(basename "$f") not in /usr/share/doc/netblame/examples"
done
for f in "$NB_SRC"/deploy/prometheus/*; do
    cmp -s "$f" "/usr/share/netblame/prometheus/$(basename "$f")" ||
        nb_fail "$(basename "$f") not in /usr/share/netblame/prometheus"
done
promtool check rules /usr/share/netblame/prometheus/netblame.rules.yml >"$NB_TMP/promtool.log" 2>&1 ||
    nb_fail "promtool rejects the installed rules: $(cat "$NB_TMP/promtool.log")"
grep -q '^ /etc/netblame/netblamed.json ' <<<"$(dpkg-query -W -f='${Conffiles}\n' "$PKG")" ||
    nb_fail "dpkg does not keep /etc/netblame/netblamed.json as a conffile"
getent passwd netblame >/dev/null || nb_fail "no system user netblame"
[ "$(stat -c '%U %a' "$STATE")" = "netblame 750" ] ||
    nb_fail "$STATE: $(stat -c '%U %a' "$STATE"), not netblame 750"
nb_log "ok: programs, man pages, units, examples, rules, conffile, user and $STATE installed"

# --- every shipped configuration passes --check ---
# An example naming a secret file (a PagerDuty routing key) is checked in a
# copy beside a stand-in key, as its reader would give it one.
mkdir -p "$NB_TMP/ex"
n=0
for f in /etc/netblame/netblamed.json /usr/share/doc/netblame/examples/*.json; do
    keys=$(jq -r '[.. | objects | (.routing_key_file, .key_file) | strings] | .[]' "$f")
    cfg=$f
    if [ -n "$keys" ]; then
        cfg=$NB_TMP/ex/$(basename "$f")
        cp "$f" "$cfg"
        for k in $keys; do
            (umask 077 && echo 0123456789abcdef0123456789abcdef >"$NB_TMP/ex/$k")
        done
    fi
    /usr/sbin/netblamed --config "$cfg" --check >"$NB_TMP/check.log" 2>&1 ||
        nb_fail "netblamed --check $f: $(cat "$NB_TMP/check.log")"
    n=$((n + 1))
done
[ "$n" -ge 4 ] || nb_fail "only $n shipped configurations found"
nb_log "ok: netblamed --check accepts the $n shipped configurations"

# --- an edited conffile survives a reinstall (postinst's upgrade path) ---
jq '.node = "edited-by-admin"' /etc/netblame/netblamed.json >"$NB_TMP/edited.json"
cat "$NB_TMP/edited.json" >/etc/netblame/netblamed.json
apt_get install --reinstall --no-install-recommends "$deb" </dev/null >"$NB_TMP/reinstall.log" 2>&1 ||
    { tail -n 30 "$NB_TMP/reinstall.log" >&2; nb_fail "apt-get install --reinstall failed"; }
jq -e '.node == "edited-by-admin"' /etc/netblame/netblamed.json >/dev/null ||
    nb_fail "a reinstall replaced the edited /etc/netblame/netblamed.json"
nb_log "ok: an edited /etc/netblame/netblamed.json survives a reinstall"

# --- the version: both programs and /metrics ---
[ "$(/usr/sbin/netblamed --version)" = "netblamed $ver" ] ||
    nb_fail "netblamed --version: $(/usr/sbin/netblamed --version), package $ver"
[ "$(/usr/bin/netblame --version)" = "netblame $ver" ] ||
    nb_fail "netblame --version: $(/usr/bin/netblame --version), package $ver"

# --- the installed daemon runs, and finds the installed CLI (/usr/bin from
# /usr/sbin) for POST /v1/diagnose; in a namespace of its own, so its ports
# are free whatever else runs ---
nb_netns p
NS="${NB_P}-p"
cat >"$NB_TMP/run.json" <<JSON
{ "role": "guest", "node": "pkgtest", "reflector": { "address": "127.0.0.1" },
  "api": { "address": "127.0.0.1", "port": 9862 },
  "peers": [ { "name": "self", "family": "vnet", "address": "127.0.0.1" } ] }
JSON
# started as root, it drops to the package's user netblame (the default
# "user"), who reads run.json (again at a reload) and so does the CLI it runs
chmod 711 "$NB_TMP"
chmod 644 "$NB_TMP/run.json"
nb_start "$NS" netblamed /usr/sbin/netblamed --config "$NB_TMP/run.json"
pid=$NB_LAST_PID
nb_wait_for "installed netblamed's healthz" 30 ip netns exec "$NS" curl -sf http://127.0.0.1:9862/healthz
ip netns exec "$NS" curl -sf http://127.0.0.1:9862/healthz |
    jq -e --argjson u "$(id -u netblame)" '.uid == $u and .capabilities == "cap_net_bind_service"' >/dev/null ||
    nb_fail "the installed netblamed did not drop to netblame: $(ip netns exec "$NS" curl -sf http://127.0.0.1:9862/healthz)"
bi=$(ip netns exec "$NS" curl -sf http://127.0.0.1:9862/metrics | grep '^netblame_build_info{')
grep -qF "version=\"$ver\"" <<<"$bi" || nb_fail "netblame_build_info without version $ver: $bi"
code=$(ip netns exec "$NS" curl -s -o "$NB_TMP/diag.json" -w '%{http_code}' -X POST \
    --data '{"target": "self", "count": 10, "interval_ms": 5}' http://127.0.0.1:9862/v1/diagnose)
[ "$code" = 200 ] && jq -e '.schema == "netblame.verdict/v1"' "$NB_TMP/diag.json" >/dev/null ||
    nb_fail "POST /v1/diagnose on the installed daemon: $code $(cat "$NB_TMP/diag.json")"
nb_stop "$pid" || nb_fail "installed netblamed did not stop cleanly"
nb_log "ok: --version and netblame_build_info say $ver; the installed daemon runs the installed CLI"

# --- purge: nothing left ---
apt_get purge "$PKG" >"$NB_TMP/purge.log" 2>&1 ||
    { tail -n 30 "$NB_TMP/purge.log" >&2; nb_fail "apt-get purge failed"; }
rm -f "$MARK"
st=$(pkg_status)
[ -z "$st" ] || [ "$st" = not-installed ] || nb_fail "after purge: status $st"
for p in /usr/sbin/netblamed /usr/bin/netblame /etc/netblame /lib/systemd/system/netblamed.service \
    /usr/share/man/man8/netblamed.8.gz /usr/share/man/man1/netblame.1.gz \
    /usr/share/man/man5/netblame.json.5.gz /usr/share/doc/netblame /usr/share/netblame "$STATE"; do
    [ ! -e "$p" ] || nb_fail "after purge $p is still there"
done
nb_log "ok: purged, no file left"
