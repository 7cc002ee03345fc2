/* privs.c — netblamed's least privilege (OpenNTPD's order: open the
 * privileged handles first, then drop). Started as root, netblamed opens its
 * reflector socket, capture, netlink sockets and control API, then becomes
 * the config's "user" (default "netblame"; "root" keeps root and every
 * capability, and says so in the log) keeping only the capabilities below.
 * Started unprivileged (systemd's User= with AmbientCapabilities=), it keeps
 * the same set out of what it was given. Either way nothing is inheritable
 * or ambient, so the diagnose CLI it spawns (diagjob.c) runs with none, and
 * no_new_privs is set. libcap-ng does the work.
 *
 * What each role keeps after the start, and why (measured on Linux 6.18:
 * the daemon run under setpriv as an unprivileged user with one set after
 * another, and kept only what made a behaviour fail without it):
 *   guest  CAP_NET_BIND_SERVICE  the reflector's port 862 (< 1024): a SIGHUP
 *                                that moves the reflector binds it again
 *   host   CAP_NET_BIND_SERVICE  the same
 *          CAP_NET_RAW           the capture (AF_PACKET on "any"): a SIGHUP
 *                                that changes "capture" opens it again; taps
 *                                that come and go only change its filter
 *   host with "capture": {"tap_owners": true}, also
 *          CAP_SYS_PTRACE        readlink of /proc/PID/fd/N, fdinfo and
 *                                pidfd_getfd of another user's process
 *                                (QEMU, often root): the tap owners of
 *                                cpustat.c, whose threads' CPU wait is evidence
 *          CAP_DAC_READ_SEARCH   listing that process's /proc/PID/fd (mode 0500)
 *        Both or neither: with one alone no owner is found. They amount to
 *        reading any process, hence off by default; without them GET /v1/cpu
 *        says "owners":"not_permitted" and has no threads.
 * Not kept, measured unneeded: CAP_NET_ADMIN. The capture on "any" is never
 * promiscuous and stamps in software (no SIOCSHWTSTAMP); linkstats' netlink
 * buffer falls back from SO_RCVBUFFORCE to SO_RCVBUF (net.core.rmem_max) and
 * resyncs after an overrun; cpustat's TUNGETDEVNETNS (which namespace a tap
 * owner's tap is in) is refused without it, so tap owners are then matched
 * by name only, with a warning: right where taps live in one namespace.
 * The control API (port 9862), probes and netlink need nothing. */
#include "daemon/privs.h"

#include <cap-ng.h>
#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netblame/log.h"

static struct {
    bool resolved; /* started as root with a user to become */
    uid_t uid;
    gid_t gid;
} target;

static uid_t spool_uid; /* nftw's callback has no argument */
static gid_t spool_gid;

/* The capabilities CFG's role keeps, into CAPS (room for 4); their count. */
static size_t role_caps(const struct nb_config *cfg, unsigned *caps)
{
    size_t n = 0;
    caps[n++] = CAP_NET_BIND_SERVICE;
    if (cfg->role == NB_ROLE_HOST) {
        caps[n++] = CAP_NET_RAW;
        if (cfg->tap_owners) {
            caps[n++] = CAP_SYS_PTRACE;
            caps[n++] = CAP_DAC_READ_SEARCH;
        }
    }
    return n;
}

static bool staying_root(const struct nb_config *cfg)
{
    return strcmp(cfg->user, "root") == 0;
}

static int chown_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    if (st->st_uid == spool_uid && st->st_gid == spool_gid)
        return 0;
    return lchown(path, spool_uid, spool_gid) < 0 ? -1 : 0;
}

/* mkdir -p DIR, what is created 0700 and owned by the target user; then the
 * user is given DIR and everything under it (a spool root wrote before). */
static int give_spool(const char *dir, char *err, size_t errlen)
{
    char path[sizeof(((struct nb_alerts_cfg *)0)->spool_dir)];
    snprintf(path, sizeof(path), "%s", dir);
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0700) == 0) {
            if (chown(path, target.uid, target.gid) < 0) {
                snprintf(err, errlen, "alert spool: cannot chown %s: %s", path, strerror(errno));
                return -1;
            }
        } else if (errno != EEXIST) {
            snprintf(err, errlen, "alert spool: cannot create %s: %s", path, strerror(errno));
            return -1;
        }
        *p = c;
        if (c == '\0' || p[1] == '\0')
            break;
    }
    spool_uid = target.uid;
    spool_gid = target.gid;
    if (nftw(dir, chown_one, 16, FTW_PHYS | FTW_MOUNT) != 0) {
        snprintf(err, errlen, "alert spool: cannot give %s to uid %u: %s", dir,
                 (unsigned)target.uid, strerror(errno));
        return -1;
    }
    return 0;
}

int nb_privs_init(const struct nb_config *cfg, char *err, size_t errlen)
{
    if (geteuid() != 0 || staying_root(cfg))
        return 0;
    errno = 0;
    const struct passwd *pw = getpwnam(cfg->user);
    if (!pw) {
        snprintf(err, errlen,
                 "user \"%s\" (config \"user\") %s: create it (useradd --system %s), name "
                 "another, or set \"user\": \"root\" to run as root with every capability",
                 cfg->user, errno ? strerror(errno) : "does not exist", cfg->user);
        return -1;
    }
    if (pw->pw_uid == 0) {
        snprintf(err, errlen, "user \"%s\" (config \"user\") has uid 0: name an unprivileged "
                 "user, or \"root\" to stay root", cfg->user);
        return -1;
    }
    target.resolved = true;
    target.uid = pw->pw_uid;
    target.gid = pw->pw_gid;
    if (cfg->alerts.spool_dir[0] && give_spool(cfg->alerts.spool_dir, err, errlen) < 0)
        return -1;
    return 0;
}

/* The effective set now, as "cap_a,cap_b" (or "none") into OUT. */
static void effective_text(char *out, size_t len)
{
    size_t at = 0;
    out[0] = '\0';
    capng_get_caps_process();
    for (unsigned c = 0; c <= CAP_LAST_CAP && at < len; c++) {
        if (capng_have_capability(CAPNG_EFFECTIVE, c) != 1)
            continue;
        const char *name = capng_capability_to_name(c);
        int w = name ? snprintf(out + at, len - at, "%scap_%s", at ? "," : "", name)
                     : snprintf(out + at, len - at, "%scap_%u", at ? "," : "", c);
        at += w > 0 ? (size_t)w : 0;
    }
    if (!out[0])
        snprintf(out, len, "none");
}

int nb_privs_drop(const struct nb_config *cfg, char *err, size_t errlen)
{
    unsigned keep[4];
    size_t nkeep = role_caps(cfg, keep);
    char have[512];

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
        return -1;
    }
    if (geteuid() == 0 && staying_root(cfg)) {
        nb_warn("running as root with every capability (config \"user\": \"root\")");
        return 0;
    }
    capng_get_caps_process();
    bool setpcap = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP) == 1;
    bool held[4];
    for (size_t i = 0; i < nkeep; i++)
        held[i] = capng_have_capability(CAPNG_PERMITTED, keep[i]) == 1;
    capng_clear(CAPNG_SELECT_ALL);
    for (size_t i = 0; i < nkeep; i++)
        if (held[i])
            capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
                         keep[i]);
    int rc;
    if (target.resolved) {
        /* the bounding set first (with CAP_SETPCAP: a container's root may
         * lack it, and then keeps its bounding set), then the ids:
         * capng_change_id keeps CAP_SETUID/SETGID just long enough */
        if (!setpcap) {
            nb_warn("started as root without cap_setpcap: the bounding set stays as it is");
        } else if ((rc = capng_apply(CAPNG_SELECT_BOUNDS)) < 0) {
            snprintf(err, errlen, "capabilities: cannot shrink the bounding set (libcap-ng %d)",
                     rc);
            return -1;
        }
        if ((rc = capng_change_id((int)target.uid, (int)target.gid,
                                  CAPNG_INIT_SUPP_GRP | CAPNG_CLEAR_AMBIENT)) < 0) {
            snprintf(err, errlen, "cannot become user \"%s\" (uid %u): libcap-ng %d (%s)",
                     cfg->user, (unsigned)target.uid, rc, strerror(errno));
            return -1;
        }
    } else {
        /* unprivileged: CAP_SETPCAP (rare) lets us shrink the bounding set too */
        if ((rc = capng_apply(setpcap ? CAPNG_SELECT_ALL : CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT)) <
            0) {
            snprintf(err, errlen, "capabilities: cannot drop (libcap-ng %d: %s)", rc,
                     strerror(errno));
            return -1;
        }
    }
    for (size_t i = 0; i < nkeep; i++)
        if (!held[i])
            nb_warn("started without cap_%s: %s", capng_capability_to_name(keep[i]),
                    keep[i] == CAP_NET_BIND_SERVICE ? "a reload cannot bind the reflector below "
                                                      "port 1024"
                    : keep[i] == CAP_NET_RAW        ? "a reload cannot reopen the capture"
                                                    : "tap owners cannot be read (GET /v1/cpu)");
    effective_text(have, sizeof(have));
    if (target.resolved)
        nb_info("dropped to uid %u gid %u (%s), keeping %s; no_new_privs", (unsigned)getuid(),
                (unsigned)getgid(), cfg->user, have);
    else
        nb_info("running as uid %u (started unprivileged: config \"user\" unused), keeping %s; "
                "no_new_privs", (unsigned)getuid(), have);
    return 0;
}

bool nb_privs_tap_owners(void)
{
    capng_get_caps_process();
    return capng_have_capability(CAPNG_EFFECTIVE, CAP_SYS_PTRACE) == 1 &&
           capng_have_capability(CAPNG_EFFECTIVE, CAP_DAC_READ_SEARCH) == 1;
}

void nb_privs_render(struct nb_buf *b)
{
    char have[512];
    effective_text(have, sizeof(have));
    nb_buf_printf(b, ",\"uid\":%u,\"capabilities\":\"%s\"", (unsigned)getuid(), have);
}
