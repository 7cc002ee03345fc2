/* linkstats.c — per-interface counters and link events through libnl-3's
 * route API (see linkstats.h), the host agent's passive evidence.
 *
 * Two netlink sockets, both bound to the namespace current at creation:
 *
 *  - a cache manager (route/link, NL_AUTO_PROVIDE) subscribed to RTNLGRP_LINK.
 *    It keeps the provided link cache current, but its change callback cannot
 *    drive events: it only fires when libnl's object comparison sees a
 *    difference, and a carrier flap coalesced by linkwatch differs only in
 *    IFLA_CARRIER_CHANGES, which libnl does not compare; and libnl 3.7 files
 *    bridge devices under AF_BRIDGE, mixing them up with per-port bridge
 *    messages. So a NL_CB_MSG_IN hook reads every raw RTM_NEWLINK/DELLINK
 *    first (ifinfomsg, then attributes into a table, iproute2-style), keeps
 *    our own table of (ifindex, admin up, carrier, carrier changes) and
 *    reports only the transitions. A single `ip link set up` sends several
 *    messages (flags, then operstate and carrier from linkwatch).
 *  - a plain blocking socket for on-demand questions: RTM_GETLINK for one
 *    link (the cache only changes on notifications, and counters never
 *    notify), link and qdisc dumps, and the resync after an overrun.
 *
 * If the notification socket overflows (ENOBUFS) some transitions were lost:
 * we drain what is queued, then resync the cache with a full dump and diff
 * our table against it, which fires the missing transitions in one go.
 * Draining first matters: a queued notification applied after the dump
 * would roll the state back. */
#include "netblame/linkstats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>
#include <linux/pkt_sched.h>

#include "netblame/log.h"
#include "netblame/mem.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000 /* <linux/if.h>, which clashes with <net/if.h> */
#endif

#define EVENT_RCVBUF (1 << 20) /* room for a burst of ~500 link notifications */
#define DRAIN_ROUNDS 64        /* recvmsg batches per on_readable call */
#define GET_MANY_DUMP 16       /* links sampled at once from this many on: one link dump */

/* What we last reported for a present link. */
struct known_link {
    int ifindex;
    char name[NB_LINK_NAMESIZ];
    bool up, carrier;
    uint32_t carrier_changes; /* IFLA_CARRIER_CHANGES when last seen */
};

struct nb_linkstats {
    struct nl_sock *ev_sock; /* the manager's socket, ours to free */
    struct nl_cache_mngr *mngr;
    struct nl_cache *links; /* owned by the manager */
    struct nl_sock *sock;   /* plain NETLINK_ROUTE socket for queries */
    nb_link_event_cb cb;
    void *arg;
    struct known_link *known;
    size_t nknown, cap;
    bool resync_pending; /* notifications were lost: dump once drained */
};

static const char *const kind_names[] = {
    [NB_LINK_APPEARED] = "appeared",
    [NB_LINK_VANISHED] = "vanished",
    [NB_LINK_UP] = "up",
    [NB_LINK_DOWN] = "down",
    [NB_LINK_CARRIER_ON] = "carrier_on",
    [NB_LINK_CARRIER_OFF] = "carrier_off",
};

const char *nb_link_event_kind_name(enum nb_link_event_kind kind)
{
    if ((unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]) && kind_names[kind])
        return kind_names[kind];
    return "?";
}

static void copy_name(char dst[NB_LINK_NAMESIZ], const char *src)
{
    snprintf(dst, NB_LINK_NAMESIZ, "%s", src ? src : "");
}

/* ---- the table of reported states ---- */

static struct known_link *known_find(struct nb_linkstats *ls, int ifindex)
{
    for (size_t i = 0; i < ls->nknown; i++)
        if (ls->known[i].ifindex == ifindex)
            return &ls->known[i];
    return NULL;
}

static struct known_link *known_add(struct nb_linkstats *ls, int ifindex)
{
    if (ls->nknown == ls->cap) {
        ls->cap = ls->cap ? 2 * ls->cap : 16;
        ls->known = nb_reallocarray(ls->known, ls->cap, sizeof(*ls->known));
    }
    struct known_link *k = &ls->known[ls->nknown++];
    memset(k, 0, sizeof(*k));
    k->ifindex = ifindex;
    return k;
}

static void known_remove(struct nb_linkstats *ls, struct known_link *k)
{
    *k = ls->known[--ls->nknown]; /* order does not matter */
}

/* ---- events ---- */

static void emit(struct nb_linkstats *ls, enum nb_link_event_kind kind, int ifindex,
                 const char *name)
{
    struct nb_link_event ev = {.kind = kind, .ifindex = ifindex, .when = nb_realtime_now()};
    copy_name(ev.name, name);
    nb_debug("link %s (ifindex %d): %s", ev.name, ifindex, nb_link_event_kind_name(kind));
    if (ls->cb)
        ls->cb(ls->arg, &ev);
}

/* One observation of a link, from a notification or a dump. */
struct link_obs {
    int ifindex;
    const char *name; /* may be NULL */
    bool up, carrier;
    uint32_t carrier_changes;
};

/* Compare O with what we reported and report the difference (nothing if
 * QUIET: seeding the table). */
static void observe(struct nb_linkstats *ls, const struct link_obs *o, bool quiet)
{
    struct known_link *k = known_find(ls, o->ifindex);
    bool fresh = !k;

    if (fresh)
        k = known_add(ls, o->ifindex);
    if (o->name)
        copy_name(k->name, o->name);
    /* Update the table before calling out, and emit from a copy: the
     * callback may not touch the table, but it may take its time. */
    struct known_link was = *k;
    k->up = o->up;
    k->carrier = o->carrier;
    k->carrier_changes = o->carrier_changes;
    if (quiet)
        return;
    if (fresh) {
        emit(ls, NB_LINK_APPEARED, o->ifindex, was.name);
        was.carrier_changes = o->carrier_changes;
    }
    if (o->up != was.up)
        emit(ls, o->up ? NB_LINK_UP : NB_LINK_DOWN, o->ifindex, was.name);
    /* Carrier notifications come from linkwatch, later and coalesced: a flap
     * faster than that leaves carrier as it was but the counter moved. Report
     * one flap (the counter has the number), then the transition if any. */
    uint32_t moved = o->carrier_changes - was.carrier_changes;
    if (moved > (o->carrier != was.carrier ? 1u : 0u)) {
        emit(ls, was.carrier ? NB_LINK_CARRIER_OFF : NB_LINK_CARRIER_ON, o->ifindex, was.name);
        emit(ls, was.carrier ? NB_LINK_CARRIER_ON : NB_LINK_CARRIER_OFF, o->ifindex, was.name);
    }
    if (o->carrier != was.carrier)
        emit(ls, o->carrier ? NB_LINK_CARRIER_ON : NB_LINK_CARRIER_OFF, o->ifindex, was.name);
}

static void vanish(struct nb_linkstats *ls, int ifindex)
{
    struct known_link *k = known_find(ls, ifindex);
    char name[NB_LINK_NAMESIZ];

    if (!k)
        return;
    memcpy(name, k->name, sizeof(name));
    known_remove(ls, k);
    emit(ls, NB_LINK_VANISHED, ifindex, name);
}

static const struct nla_policy ifla_policy[IFLA_MAX + 1] = {
    [IFLA_IFNAME] = {.type = NLA_STRING, .maxlen = IFNAMSIZ},
    [IFLA_CARRIER] = {.type = NLA_U8},
    [IFLA_CARRIER_CHANGES] = {.type = NLA_U32},
};

/* NL_CB_MSG_IN on the manager's socket: every message, before libnl's cache
 * sees it. Lets it through to the cache, AF_INET6 link messages excepted. */
static int on_msg_in(struct nl_msg *msg, void *arg)
{
    struct nb_linkstats *ls = arg;
    struct nlmsghdr *nlh = nlmsg_hdr(msg);
    struct nlattr *tb[IFLA_MAX + 1];

    if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
        return NL_OK;
    if (!nlmsg_valid_hdr(nlh, sizeof(struct ifinfomsg)))
        return NL_OK;
    const struct ifinfomsg *ifi = nlmsg_data(nlh);
    /* libnl's link cache also listens to RTNLGRP_IPV6_IFINFO and files each
     * AF_INET6 message as a link object of its own, which nothing removes:
     * the kernel's RTM_DELLINK is AF_UNSPEC. So every tap that ever came
     * and went stayed in the cache (tests/lab/churn.sh: +1 object and 1.5
     * KiB of heap per tap). The cache needs nothing from them. */
    if (ifi->ifi_family == AF_INET6)
        return NL_SKIP;
    if (ifi->ifi_family != AF_UNSPEC)
        return NL_OK; /* AF_BRIDGE: a port's bridge side, not the link */
    if (nlh->nlmsg_type == RTM_DELLINK) {
        vanish(ls, ifi->ifi_index);
        return NL_OK;
    }
    if (nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, ifla_policy) < 0) {
        nb_warn("linkstats: malformed RTM_NEWLINK for ifindex %d ignored", ifi->ifi_index);
        return NL_OK;
    }
    struct link_obs o = {
        .ifindex = ifi->ifi_index,
        .name = tb[IFLA_IFNAME] ? nla_get_string(tb[IFLA_IFNAME]) : NULL,
        .up = ifi->ifi_flags & IFF_UP,
        .carrier = tb[IFLA_CARRIER] ? nla_get_u8(tb[IFLA_CARRIER]) != 0
                                    : (ifi->ifi_flags & IFF_LOWER_UP) != 0,
        .carrier_changes = tb[IFLA_CARRIER_CHANGES] ? nla_get_u32(tb[IFLA_CARRIER_CHANGES]) : 0,
    };
    observe(ls, &o, false);
    return NL_OK;
}

static struct link_obs obs_from_link(struct rtnl_link *link)
{
    struct link_obs o = {
        .ifindex = rtnl_link_get_ifindex(link),
        .name = rtnl_link_get_name(link),
        .up = rtnl_link_get_flags(link) & IFF_UP,
        .carrier = rtnl_link_get_carrier(link) != 0,
    };
    rtnl_link_get_carrier_changes(link, &o.carrier_changes); /* stays 0 if absent */
    return o;
}

/* Bring the manager's cache and our table in line with a full dump and
 * report what changed. Returns 0 or -1 (logged). */
static int resync(struct nb_linkstats *ls)
{
    int r = nl_cache_resync(ls->sock, ls->links, NULL, NULL);
    if (r < 0) {
        nb_warn("linkstats: link dump failed: %s", nl_geterror(r));
        return -1;
    }
    /* Every object left comes from the dump (AF_UNSPEC; bridges show as
     * AF_BRIDGE, a libnl quirk): port-side objects were dropped. */
    size_t n = 0;
    int *present = nb_calloc(nl_cache_nitems(ls->links) + 1, sizeof(*present));
    for (struct nl_object *o = nl_cache_get_first(ls->links); o; o = nl_cache_get_next(o)) {
        struct link_obs obs = obs_from_link((struct rtnl_link *)o);
        present[n++] = obs.ifindex;
        observe(ls, &obs, false);
    }
    for (size_t i = 0; i < ls->nknown;) {
        bool found = false;
        for (size_t j = 0; j < n && !found; j++)
            found = present[j] == ls->known[i].ifindex;
        if (found)
            i++;
        else
            vanish(ls, ls->known[i].ifindex); /* moves the last entry into i */
    }
    free(present);
    return 0;
}

/* ---- life cycle ---- */

struct nb_linkstats *nb_linkstats_new(nb_link_event_cb cb, void *arg, char *err, size_t errlen)
{
    struct nb_linkstats *ls = nb_calloc(1, sizeof(*ls));
    const char *what;
    int r;

    ls->cb = cb;
    ls->arg = arg;
    ls->ev_sock = nl_socket_alloc();
    ls->sock = nl_socket_alloc();
    if (!ls->ev_sock || !ls->sock) {
        snprintf(err, errlen, "linkstats: cannot allocate netlink sockets");
        goto fail;
    }
    what = "connecting the query socket";
    if ((r = nl_connect(ls->sock, NETLINK_ROUTE)) < 0)
        goto nlfail;
    /* Connects EV_SOCK, makes it non-blocking and turns off sequence checks. */
    what = "creating the cache manager";
    if ((r = nl_cache_mngr_alloc(ls->ev_sock, NETLINK_ROUTE, NL_AUTO_PROVIDE, &ls->mngr)) < 0)
        goto nlfail;
    /* libnl connects with 32 KiB; SO_RCVBUF is capped by net.core.rmem_max
     * (208 KiB by default), SO_RCVBUFFORCE (CAP_NET_ADMIN) is not. */
    int rcvbuf = EVENT_RCVBUF;
    if (setsockopt(nb_linkstats_fd(ls), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0 &&
        (r = nl_socket_set_buffer_size(ls->ev_sock, EVENT_RCVBUF, 0)) < 0)
        nb_warn("linkstats: cannot enlarge the event socket buffer: %s", nl_geterror(r));
    what = "dumping route/link";
    if ((r = nl_cache_mngr_add(ls->mngr, "route/link", NULL, NULL, &ls->links)) < 0)
        goto nlfail;
    /* The manager's reads copy the socket's callbacks, this one included. */
    nl_socket_modify_cb(ls->ev_sock, NL_CB_MSG_IN, NL_CB_CUSTOM, on_msg_in, ls);
    for (struct nl_object *o = nl_cache_get_first(ls->links); o; o = nl_cache_get_next(o)) {
        struct link_obs obs = obs_from_link((struct rtnl_link *)o);
        observe(ls, &obs, true);
    }
    nb_debug("linkstats: watching %zu links on fd %d", ls->nknown, nb_linkstats_fd(ls));
    return ls;

nlfail:
    /* libnl folds many errnos (EMFILE, EPERM...) into "Unspecific failure". */
    if (r == -NLE_FAILURE && errno)
        snprintf(err, errlen, "linkstats: %s: %s", what, strerror(errno));
    else
        snprintf(err, errlen, "linkstats: %s: %s", what, nl_geterror(r));
fail:
    nb_linkstats_free(ls);
    return NULL;
}

void nb_linkstats_free(struct nb_linkstats *ls)
{
    if (!ls)
        return;
    nl_cache_mngr_free(ls->mngr); /* frees the cache; leaves EV_SOCK to us */
    nl_socket_free(ls->ev_sock);
    nl_socket_free(ls->sock);
    free(ls->known);
    free(ls);
}

int nb_linkstats_fd(const struct nb_linkstats *ls)
{
    return nl_socket_get_fd(ls->ev_sock);
}

size_t nb_linkstats_cached(const struct nb_linkstats *ls, size_t *known)
{
    *known = ls->nknown;
    return (size_t)nl_cache_nitems(ls->links);
}

void nb_linkstats_on_readable(struct nb_linkstats *ls)
{
    int r = 0;

    for (int round = 0; round < DRAIN_ROUNDS; round++) {
        r = nl_cache_mngr_data_ready(ls->mngr);
        if (r == 0 || r == -NLE_AGAIN)
            break; /* drained */
        if (r < 0 && !ls->resync_pending) {
            /* ENOBUFS arrives as -NLE_NOMEM; whatever it was, trust nothing. */
            nb_warn(
                "linkstats: notification socket overrun (%s): link events lost, resynchronising",
                nl_geterror(r));
            ls->resync_pending = true;
        }
    }
    if (r > 0)
        return; /* more queued: the watcher calls us again */
    if (ls->resync_pending && resync(ls) == 0)
        ls->resync_pending = false; /* else retried on the next event */
}

/* ---- sampling ---- */

/* Root qdiscs' drops by ifindex, sorted: built once per dump, so sampling
 * every tap of a host is not a walk of every qdisc per tap (quadratic: at
 * 1,024 taps most of a /metrics scrape, tests/bench/host_scale.sh). */
struct qdrop {
    int ifindex;
    uint64_t drops;
};
struct qtab {
    struct qdrop *v;
    size_t n;
};

static int cmp_qdrop(const void *a, const void *b)
{
    int x = ((const struct qdrop *)a)->ifindex, y = ((const struct qdrop *)b)->ifindex;
    return (x > y) - (x < y);
}

/* The root qdiscs of the cache QC (may be NULL: empty), summed by ifindex. */
static struct qtab qtab_build(struct nl_cache *qc)
{
    struct qtab t = {0};
    size_t cap = qc ? (size_t)nl_cache_nitems(qc) : 0;
    if (cap == 0)
        return t;
    t.v = nb_calloc(cap, sizeof(*t.v));
    for (struct nl_object *o = nl_cache_get_first(qc); o && t.n < cap; o = nl_cache_get_next(o)) {
        struct rtnl_tc *tc = TC_CAST(o);
        if (rtnl_tc_get_parent(tc) == TC_H_ROOT)
            t.v[t.n++] = (struct qdrop){rtnl_tc_get_ifindex(tc), rtnl_tc_get_stat(tc, RTNL_TC_DROPS)};
    }
    qsort(t.v, t.n, sizeof(*t.v), cmp_qdrop);
    size_t k = 0; /* several root qdiscs of one interface (mq's): summed */
    for (size_t i = 0; i < t.n; i++) {
        if (k > 0 && t.v[k - 1].ifindex == t.v[i].ifindex)
            t.v[k - 1].drops += t.v[i].drops;
        else
            t.v[k++] = t.v[i];
    }
    t.n = k;
    return t;
}

/* Sum of drops of the root qdiscs of IFINDEX in T. */
static uint64_t root_qdisc_drops(const struct qtab *t, int ifindex)
{
    struct qdrop key = {.ifindex = ifindex};
    const struct qdrop *q = t->n ? bsearch(&key, t->v, t->n, sizeof(*t->v), cmp_qdrop) : NULL;
    return q ? q->drops : 0;
}

/* A qdisc dump of every interface: the kernel has no per-device filter for
 * RTM_GETQDISC dumps, so the cost grows with the number of interfaces (about
 * 10 us with 3 links, 95 us with 100, 1.1 ms with 500). A targeted GET of the
 * root qdisc would cost the same at any size, but the kernel answers it only
 * with NLM_F_ECHO, by multicasting an RTM_NEWQDISC to every RTNLGRP_TC
 * listener (tc monitor, NetworkManager...): a passive prober must not do
 * that. Returns the root qdiscs' drops (empty after a failure, logged);
 * the caller frees .v. */
static struct qtab qdisc_dump(struct nb_linkstats *ls)
{
    struct nl_cache *qc = NULL;
    int r = rtnl_qdisc_alloc_cache(ls->sock, &qc);
    if (r < 0) {
        nb_warn("linkstats: qdisc dump failed: %s; qdisc drops reported as 0", nl_geterror(r));
        return (struct qtab){0};
    }
    struct qtab t = qtab_build(qc);
    nl_cache_free(qc);
    return t;
}

/* Is NAME a tun/tap? Old kernels give tun no rtnl kind; sysfs still tells.
 * (sysfs shows the namespace it was mounted in: only a fallback.) */
static bool sysfs_is_tun(const char *name)
{
    char path[64];

    if (!name || !*name || strchr(name, '/'))
        return false;
    snprintf(path, sizeof(path), "/sys/class/net/%s/tun_flags", name);
    return access(path, F_OK) == 0;
}

static void fill_state(struct rtnl_link *link, const struct qtab *qt, nb_ns sampled,
                       struct nb_link_state *out)
{
    struct nb_link_counters *c = &out->c;
    uint32_t changes = 0;
    const char *kind;

    memset(out, 0, sizeof(*out));
    out->ifindex = rtnl_link_get_ifindex(link);
    copy_name(out->name, rtnl_link_get_name(link));
    out->up = rtnl_link_get_flags(link) & IFF_UP;
    out->carrier = rtnl_link_get_carrier(link) != 0;
    out->operstate = rtnl_link_get_operstate(link);
    out->master = rtnl_link_get_master(link);
    kind = rtnl_link_get_type(link);
    if (!kind && sysfs_is_tun(out->name))
        kind = "tun";
    copy_name(out->kind, kind);

    c->rx_packets = rtnl_link_get_stat(link, RTNL_LINK_RX_PACKETS);
    c->tx_packets = rtnl_link_get_stat(link, RTNL_LINK_TX_PACKETS);
    c->rx_bytes = rtnl_link_get_stat(link, RTNL_LINK_RX_BYTES);
    c->tx_bytes = rtnl_link_get_stat(link, RTNL_LINK_TX_BYTES);
    c->rx_dropped = rtnl_link_get_stat(link, RTNL_LINK_RX_DROPPED);
    c->tx_dropped = rtnl_link_get_stat(link, RTNL_LINK_TX_DROPPED);
    c->rx_errors = rtnl_link_get_stat(link, RTNL_LINK_RX_ERRORS);
    c->tx_errors = rtnl_link_get_stat(link, RTNL_LINK_TX_ERRORS);
    if (rtnl_link_get_carrier_changes(link, &changes) == 0)
        c->carrier_changes = changes;
    c->qdisc_drops = root_qdisc_drops(qt, out->ifindex);
    out->sampled = sampled;
}

/* One RTM_GETLINK by IFINDEX (if > 0) or NAME, with drops from QC. */
static int get_one(struct nb_linkstats *ls, int ifindex, const char *name, const struct qtab *qt,
                   struct nb_link_state *out)
{
    struct rtnl_link *link = NULL;
    int r = rtnl_link_get_kernel(ls->sock, ifindex, name, &link);
    if (r < 0) {
        if (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV)
            nb_debug("linkstats: no link %s (ifindex %d)", name ? name : "-", ifindex);
        else
            nb_warn("linkstats: RTM_GETLINK %s (ifindex %d): %s", name ? name : "-", ifindex,
                    nl_geterror(r));
        return -1;
    }
    fill_state(link, qt, nb_realtime_now(), out);
    rtnl_link_put(link);
    return 0;
}

/* get_one() with a qdisc dump of its own. */
static int get_fresh(struct nb_linkstats *ls, int ifindex, const char *name,
                     struct nb_link_state *out)
{
    struct qtab qt = qdisc_dump(ls);
    int r = get_one(ls, ifindex, name, &qt, out);
    free(qt.v);
    return r;
}

int nb_linkstats_get(struct nb_linkstats *ls, const char *name, struct nb_link_state *out)
{
    if (!name || !*name || strlen(name) >= NB_LINK_NAMESIZ)
        return -1;
    return get_fresh(ls, 0, name, out);
}

int nb_linkstats_get_index(struct nb_linkstats *ls, int ifindex, struct nb_link_state *out)
{
    if (ifindex <= 0)
        return -1;
    return get_fresh(ls, ifindex, NULL, out);
}

struct want_pos {
    int ifindex;
    size_t pos;
};

static int cmp_want(const void *a, const void *b)
{
    int x = ((const struct want_pos *)a)->ifindex, y = ((const struct want_pos *)b)->ifindex;
    return (x > y) - (x < y);
}

size_t nb_linkstats_get_many(struct nb_linkstats *ls, const int *ifindex, size_t n,
                             struct nb_link_state *out)
{
    struct qtab qt = qdisc_dump(ls);
    struct nl_cache *lc = NULL;
    size_t found = 0;

    for (size_t i = 0; i < n; i++)
        memset(&out[i], 0, sizeof(out[i]));
    /* Many links: one dump, each matched by a binary search (a GET per link
     * was a netlink round trip each: 1,024 per scrape on a host of 1,024
     * guests). Few: a GET each, cheaper than dumping every link of the host. */
    if (n >= GET_MANY_DUMP && rtnl_link_alloc_cache(ls->sock, AF_UNSPEC, &lc) == 0) {
        struct want_pos *w = nb_calloc(n, sizeof(*w));
        for (size_t i = 0; i < n; i++)
            w[i] = (struct want_pos){ifindex[i], i};
        qsort(w, n, sizeof(*w), cmp_want);
        nb_ns sampled = nb_realtime_now();
        for (struct nl_object *o = nl_cache_get_first(lc); o; o = nl_cache_get_next(o)) {
            struct want_pos key = {.ifindex = rtnl_link_get_ifindex((struct rtnl_link *)o)};
            struct want_pos *hit = key.ifindex > 0
                                       ? bsearch(&key, w, n, sizeof(*w), cmp_want)
                                       : NULL;
            if (!hit)
                continue;
            while (hit > w && hit[-1].ifindex == key.ifindex)
                hit--; /* the same ifindex asked twice: fill each */
            for (; hit < w + n && hit->ifindex == key.ifindex; hit++) {
                fill_state((struct rtnl_link *)o, &qt, sampled, &out[hit->pos]);
                found++;
            }
        }
        free(w);
        nl_cache_free(lc);
    } else {
        for (size_t i = 0; i < n; i++)
            if (ifindex[i] > 0 && get_one(ls, ifindex[i], NULL, &qt, &out[i]) == 0)
                found++;
            else
                memset(&out[i], 0, sizeof(out[i]));
    }
    free(qt.v);
    return found;
}

void nb_linkstats_foreach(struct nb_linkstats *ls,
                          void (*fn)(void *arg, const struct nb_link_state *st), void *arg)
{
    struct nl_cache *lc = NULL;
    int r = rtnl_link_alloc_cache(ls->sock, AF_UNSPEC, &lc);
    if (r < 0) {
        nb_warn("linkstats: link dump failed: %s", nl_geterror(r));
        return;
    }
    nb_ns sampled = nb_realtime_now();
    struct qtab qt = qdisc_dump(ls);
    struct nb_link_state st;

    for (struct nl_object *o = nl_cache_get_first(lc); o; o = nl_cache_get_next(o)) {
        fill_state((struct rtnl_link *)o, &qt, sampled, &st);
        fn(arg, &st);
    }
    free(qt.v);
    nl_cache_free(lc);
}

/* ---- arithmetic ---- */

static uint64_t sub_sat(uint64_t a, uint64_t b)
{
    return b >= a ? b - a : 0;
}

void nb_link_counters_delta(const struct nb_link_counters *a, const struct nb_link_counters *b,
                            struct nb_link_counters *out)
{
    struct nb_link_counters d = {
        .rx_packets = sub_sat(a->rx_packets, b->rx_packets),
        .tx_packets = sub_sat(a->tx_packets, b->tx_packets),
        .rx_bytes = sub_sat(a->rx_bytes, b->rx_bytes),
        .tx_bytes = sub_sat(a->tx_bytes, b->tx_bytes),
        .rx_dropped = sub_sat(a->rx_dropped, b->rx_dropped),
        .tx_dropped = sub_sat(a->tx_dropped, b->tx_dropped),
        .rx_errors = sub_sat(a->rx_errors, b->rx_errors),
        .tx_errors = sub_sat(a->tx_errors, b->tx_errors),
        .carrier_changes = sub_sat(a->carrier_changes, b->carrier_changes),
        .qdisc_drops = sub_sat(a->qdisc_drops, b->qdisc_drops),
    };
    *out = d;
}
