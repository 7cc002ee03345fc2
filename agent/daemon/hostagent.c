/* hostagent.c — the host role on the libev loop (see hostagent.h).
 *
 * What is watched: the configured uplink as the NIC, and every tap ("tun"
 * kind) enslaved to a bridge as a guest tap. The set is recomputed from the
 * link cache whenever a link appears, comes up or regains carrier, and on a
 * slow timer as a safety net (a change of master sends no event we follow);
 * a watched link that vanishes is unwatched at once. Each change is logged:
 * an operator must be able to see that a guest's tap is (again) captured.
 * Once, and briefly: guests come and go all day (tests/lab/churn.sh), so a
 * tap's return is one line ("started", and "carrier on" if the kernel's
 * carrier notice comes after it), its removal at most three ("down",
 * "carrier off", then "stopped, interface vanished"); what follows from
 * those (the capture's filter, the count of tap owners) is debug.
 *
 * Freshness of GET /v1/sightings: the handler drains the capture before it
 * reads the table. An agent asks for sightings after its probe came back, so
 * every frame of that probe was in the capture ring before the request
 * arrived: draining first makes the answer complete without any wait.
 *
 * CPU contention (GET /v1/cpu, cpustat.h): the processes holding the watched
 * taps open are found again at every pass over the links that a link event
 * brings, and at the slow timer's when the taps changed or one has no owner
 * (find_owners), never per request; each request samples the host's CPU
 * pressure and those processes' threads. They are another user's (QEMU's):
 * without the capabilities to read them (privs.h, "tap_owners") they are
 * not looked for, and the answer says "owners":"not_permitted". */
#include "daemon/hostagent.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "net/metrics.h"
#include "wire/cpu_json.h"
#include "netblame/capture.h"
#include "netblame/cpustat.h"
#include "daemon/privs.h"
#include "netblame/linkstats.h"
#include "netblame/log.h"
#include "netblame/mem.h"
#include "netblame/clock.h"
#include "netblame/sightings.h"
#include "wire/links_json.h"
#include "wire/query.h"
#include "wire/sightings_json.h"

#define REDISCOVER_PERIOD 10.0 /* s */
#define CAPTURE_HOLD 0.02      /* s: the capture is read at most this often when busy */
#define CAPTURE_QUIET 50       /* empty polls (1 s) before waking per frame again */
#define MAX_WATCHED 4096

struct watched {
    int ifindex;
    char name[16];
    enum nb_if_role role;
};

struct nb_hostagent {
    struct ev_loop *loop;
    char node[NB_NAME_MAX];
    char uplink[16];
    struct nb_capture *cap;
    struct nb_linkstats *ls;
    struct nb_sightings *table;
    ev_io cap_io, ls_io;
    ev_timer cap_hold; /* busy: the ring is polled, its fd not watched (on_cap) */
    int cap_quiet;     /* polls in a row that found nothing */
    int cap_ep;        /* an epoll set holding the capture's fd while idle */
    ev_timer rediscover;
    ev_timer rediscover_soon; /* coalesces a burst of link events into one pass */
    struct watched *w;
    size_t nw;
    uint64_t link_events[6];
    int uplink_seen;
    struct nb_tapowners *owners; /* who holds the watched taps open */
    size_t nowners;
    bool owners_denied; /* may not read them (privs.h): said once in the log */
    bool owners_scanned;
    bool owners_all; /* the last scan found an owner for every watched tap */
};

static struct watched *find_watched(struct nb_hostagent *h, int ifindex)
{
    for (size_t i = 0; i < h->nw; i++)
        if (h->w[i].ifindex == ifindex)
            return &h->w[i];
    return NULL;
}

static void unwatch(struct nb_hostagent *h, struct watched *w, const char *why)
{
    nb_info("capture on %s (%s): stopped, %s", w->name, w->role == NB_IF_NIC ? "uplink" : "tap",
            why);
    nb_capture_unwatch(h->cap, w->ifindex);
    *w = h->w[--h->nw];
}

struct want {
    struct nb_hostagent *h;
    struct watched list[MAX_WATCHED];
    size_t n;
};

/* Collect the links that should be watched now. */
static void collect(void *arg, const struct nb_link_state *st)
{
    struct want *wt = arg;
    enum nb_if_role role;
    if (strcmp(st->name, wt->h->uplink) == 0)
        role = NB_IF_NIC;
    else if (strcmp(st->kind, "tun") == 0 && st->master != 0)
        role = NB_IF_TAP;
    else
        return;
    if (wt->n >= MAX_WATCHED)
        return;
    struct watched *w = &wt->list[wt->n++];
    w->ifindex = st->ifindex;
    snprintf(w->name, sizeof(w->name), "%s", st->name);
    w->role = role;
}

/* The processes (and their threads) that forward the watched taps' frames.
 * A scan walks every process's fds (at 1,024 guests, a process each, it was
 * most of the agent's CPU when every 10 s pass made one), so the periodic
 * pass (PERIODIC) skips it when the watched set is as it was (CHANGED false)
 * and every tap had an owner: a new owner comes with a link event (a tap's
 * carrier goes on when a process attaches), and such passes always scan. */
static void find_owners(struct nb_hostagent *h, bool periodic, bool changed)
{
    bool denied = !nb_privs_tap_owners();
    if (periodic && !changed && h->owners_all && !denied && !h->owners_denied)
        return;
    const char **names = nb_calloc(h->nw ? h->nw : 1, sizeof(*names));
    size_t n = 0;
    for (size_t i = 0; i < h->nw; i++)
        if (h->w[i].role == NB_IF_TAP)
            names[n++] = h->w[i].name;
    if (denied && !h->owners_denied)
        nb_warn("cpu: the processes behind the taps are not read (needs cap_sys_ptrace and "
                "cap_dac_read_search: \"capture\": {\"tap_owners\": true}); GET /v1/cpu says "
                "\"owners\":\"not_permitted\"");
    h->owners_denied = denied;
    if (denied)
        n = 0; /* forget what was found before */
    size_t found = nb_tapowners_scan(h->owners, names, n);
    h->owners_all = nb_tapowners_taps(h->owners) == n;
    if (!h->owners_scanned) /* at start; later changes follow the taps' own lines */
        nb_info("cpu: %zu processes hold the %zu watched taps open (their threads' run-queue "
                "wait is evidence)", found, n);
    else if (found != h->nowners)
        nb_debug("cpu: %zu processes hold the %zu watched taps open", found, n);
    h->owners_scanned = true;
    h->nowners = found;
    free(names);
}

/* One pass over the links (PERIODIC: the slow timer's, not a link event's). */
static void rediscover(struct nb_hostagent *h, bool periodic)
{
    bool changed = false;
    struct want *wt = nb_calloc(1, sizeof(*wt));
    wt->h = h;
    nb_linkstats_foreach(h->ls, collect, wt);
    /* Drop what is no longer wanted (gone, renamed, released from its bridge). */
    for (size_t i = 0; i < h->nw;) {
        size_t j;
        for (j = 0; j < wt->n; j++)
            if (wt->list[j].ifindex == h->w[i].ifindex && wt->list[j].role == h->w[i].role)
                break;
        if (j == wt->n) {
            unwatch(h, &h->w[i], "no longer a bridged tap or the uplink");
            changed = true;
        } else
            i++;
    }
    int uplink_now = 0;
    /* the new ones with one filter install (a first pass can bring a thousand) */
    struct nb_capture_if *add = nb_calloc(wt->n ? wt->n : 1, sizeof(*add));
    const struct watched **from = nb_calloc(wt->n ? wt->n : 1, sizeof(*from));
    size_t nadd = 0;
    for (size_t j = 0; j < wt->n; j++) {
        const struct watched *n = &wt->list[j];
        if (n->role == NB_IF_NIC)
            uplink_now = 1;
        if (find_watched(h, n->ifindex))
            continue;
        add[nadd] = (struct nb_capture_if){n->ifindex, n->name, n->role};
        from[nadd++] = n;
    }
    bool *ok = nb_calloc(nadd ? nadd : 1, sizeof(*ok));
    if (nadd)
        nb_capture_watch_many(h->cap, add, nadd, ok);
    for (size_t j = 0; j < nadd; j++) {
        const struct watched *n = from[j];
        if (!ok[j]) {
            nb_warn("capture on %s: cannot watch (filter refused); retrying at the next change",
                    n->name);
            continue;
        }
        h->w = nb_reallocarray(h->w, h->nw + 1, sizeof(*h->w));
        h->w[h->nw++] = *n;
        changed = true;
        nb_info("capture on %s (%s, ifindex %d): started", n->name,
                n->role == NB_IF_NIC ? "uplink" : "tap", n->ifindex);
    }
    free(ok);
    free(from);
    free(add);
    if (!uplink_now && h->uplink_seen != -1)
        nb_warn("capture: uplink %s not found; physical-side points will be missing", h->uplink);
    h->uplink_seen = uplink_now ? 1 : -1;
    free(wt);
    find_owners(h, periodic, changed);
}

static void on_link_event(void *arg, const struct nb_link_event *ev)
{
    struct nb_hostagent *h = arg;
    if ((unsigned)ev->kind < 6)
        h->link_events[ev->kind]++;
    struct watched *w = find_watched(h, ev->ifindex);
    if (w && ev->kind != NB_LINK_VANISHED) /* unwatch() says that one */
        nb_info("link %s: %s", ev->name, nb_link_event_kind_name(ev->kind));
    if (ev->kind == NB_LINK_VANISHED) {
        if (w)
            unwatch(h, w, "interface vanished");
        return;
    }
    /* A guest boot or a flap brings several events at once: one pass, after
     * this loop iteration, serves them all (a pass dumps every link). */
    if (ev->kind == NB_LINK_APPEARED || ev->kind == NB_LINK_UP || ev->kind == NB_LINK_CARRIER_ON)
        ev_timer_start(h->loop, &h->rediscover_soon); /* no-op if already pending */
}

static void on_sighting(void *arg, const struct nb_sighting *s)
{
    struct nb_hostagent *h = arg;
    nb_sightings_add(h->table, s);
}

/* Capture reads are coalesced: a readable capture is taken out of CAP_EP
 * and the ring is polled every CAPTURE_HOLD instead, until CAPTURE_QUIET polls
 * in a row find it empty; so a busy host's frames are read in batches, at
 * most 1 / CAPTURE_HOLD wake-ups a second, and an idle one still wakes at its
 * first frame. Measured at 256 guests (tests/bench/host_scale.sh): woken per
 * frame, and also every ~4 ms with nothing to read (libpcap's TPACKET_V3
 * block timer), the loop spent most of the agent's CPU in epoll_wait. The
 * capture sits in an epoll set of its own (CAP_EP, which the loop watches):
 * libev drops a stopped watcher's fd from its epoll set only when the fd next
 * reports, so stopping the watcher would not stop the wake-ups.
 * Nothing is late for a reader: GET /v1/sightings drains first, and the
 * kernel stamped each frame. */
static void cap_arm(struct nb_hostagent *h, bool on)
{
    struct epoll_event ev = {.events = EPOLLIN};
    if (epoll_ctl(h->cap_ep, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, nb_capture_fd(h->cap), &ev) < 0)
        nb_warn_errno("capture: epoll_ctl");
}

static void on_cap(struct ev_loop *loop, ev_io *w, int revents)
{
    struct nb_hostagent *h = w->data;
    nb_capture_drain(h->cap);
    cap_arm(h, false);
    h->cap_quiet = 0;
    ev_timer_set(&h->cap_hold, CAPTURE_HOLD, 0.); /* a fired one-shot timer keeps no delay */
    ev_timer_start(loop, &h->cap_hold);
}

static void on_cap_hold(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct nb_hostagent *h = w->data;
    if (nb_capture_drain(h->cap) > 0)
        h->cap_quiet = 0;
    if (++h->cap_quiet < CAPTURE_QUIET) { /* busy, or not quiet for long */
        ev_timer_set(&h->cap_hold, CAPTURE_HOLD, 0.);
        ev_timer_start(loop, &h->cap_hold);
    } else
        cap_arm(h, true); /* idle: back to waking on the first frame */
}

static void on_ls(struct ev_loop *loop, ev_io *w, int revents)
{
    struct nb_hostagent *h = w->data;
    nb_linkstats_on_readable(h->ls);
}

static void on_rediscover(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct nb_hostagent *h = w->data;
    rediscover(h, w == &h->rediscover);
}

struct nb_hostagent *nb_hostagent_new(struct ev_loop *loop, const struct nb_config *cfg, char *err,
                                      size_t errlen)
{
    struct nb_hostagent *h = nb_calloc(1, sizeof(*h));
    h->loop = loop;
    snprintf(h->node, sizeof(h->node), "%s", cfg->node);
    snprintf(h->uplink, sizeof(h->uplink), "%s", cfg->uplink);
    struct nb_capture_cfg cc = {.stamp_port = cfg->stamp_port,
                                .buffer_bytes = (size_t)cfg->capture_buffer_kib * 1024,
                                .app_port_first = cfg->app_port_first,
                                .app_port_last = cfg->app_port_last};
    h->cap = nb_capture_new(&cc, on_sighting, h, err, errlen);
    if (!h->cap)
        goto fail;
    h->ls = nb_linkstats_new(on_link_event, h, err, errlen);
    if (!h->ls)
        goto fail;
    h->table = nb_sightings_new(cfg->sightings_capacity);
    h->owners = nb_tapowners_new("/proc");
    h->cap_ep = epoll_create1(EPOLL_CLOEXEC);
    if (h->cap_ep < 0) {
        snprintf(err, errlen, "capture: epoll_create1: %s", strerror(errno));
        goto fail;
    }
    cap_arm(h, true);
    ev_io_init(&h->cap_io, on_cap, h->cap_ep, EV_READ);
    h->cap_io.data = h;
    ev_io_start(loop, &h->cap_io);
    ev_timer_init(&h->cap_hold, on_cap_hold, CAPTURE_HOLD, 0.);
    h->cap_hold.data = h;
    ev_io_init(&h->ls_io, on_ls, nb_linkstats_fd(h->ls), EV_READ);
    h->ls_io.data = h;
    ev_io_start(loop, &h->ls_io);
    ev_timer_init(&h->rediscover_soon, on_rediscover, 0., 0.);
    h->rediscover_soon.data = h;
    ev_timer_init(&h->rediscover, on_rediscover, REDISCOVER_PERIOD, REDISCOVER_PERIOD);
    h->rediscover.data = h;
    ev_timer_start(loop, &h->rediscover);
    rediscover(h, false);
    return h;
fail:
    nb_hostagent_free(h);
    return NULL;
}

void nb_hostagent_free(struct nb_hostagent *h)
{
    if (!h)
        return;
    if (h->table) {
        ev_io_stop(h->loop, &h->cap_io);
        ev_timer_stop(h->loop, &h->cap_hold);
        ev_io_stop(h->loop, &h->ls_io);
        ev_timer_stop(h->loop, &h->rediscover);
        ev_timer_stop(h->loop, &h->rediscover_soon);
    }
    if (h->cap_ep > 0)
        close(h->cap_ep);
    nb_capture_free(h->cap);
    nb_linkstats_free(h->ls);
    nb_sightings_free(h->table);
    nb_tapowners_free(h->owners);
    free(h->w);
    free(h);
}

void nb_hostagent_api_sightings(struct nb_hostagent *h, const struct nb_api_req *req,
                                struct nb_api_resp *resp)
{
    if (!h) {
        nb_api_error(resp, 404, "this agent does not capture (not a host agent with \"capture\")");
        return;
    }
    struct nb_sightings_query q;
    if (nb_query_sightings(nb_api_query_get, req, &q) < 0) {
        nb_api_error(resp, 400, NB_QUERY_SIGHTINGS_USAGE);
        return;
    }
    nb_capture_drain(h->cap); /* see the top of this file: complete answers, no wait */
    struct nb_sighting *page = nb_calloc(q.limit, sizeof(*page));
    struct nb_sightings_page pg =
        nb_sightings_read(h->table, q.since, q.session, q.all, page, q.limit);
    nb_sightings_json_render(h->node, &pg, page, &resp->body);
    free(page);
}

/* Sample every watched link with one qdisc dump (a dump per link would cost
 * ~1 ms each on a host with hundreds of taps). OUT[i].ifindex is 0 for a link
 * that vanished since. Caller frees. */
static struct nb_link_state *sample_watched(struct nb_hostagent *h)
{
    int *idx = nb_calloc(h->nw ? h->nw : 1, sizeof(*idx));
    struct nb_link_state *st = nb_calloc(h->nw ? h->nw : 1, sizeof(*st));
    for (size_t i = 0; i < h->nw; i++)
        idx[i] = h->w[i].ifindex;
    nb_linkstats_get_many(h->ls, idx, h->nw, st);
    free(idx);
    return st;
}

void nb_hostagent_api_links(struct nb_hostagent *h, const struct nb_api_req *req,
                            struct nb_api_resp *resp)
{
    if (!h) {
        nb_api_error(resp, 404, "this agent does not capture (not a host agent with \"capture\")");
        return;
    }
    struct nb_link_report *l = nb_calloc(h->nw ? h->nw : 1, sizeof(*l));
    struct nb_link_state *st = sample_watched(h);
    size_t n = 0;
    for (size_t i = 0; i < h->nw; i++) {
        if (st[i].ifindex == 0)
            continue; /* vanished since: its event will unwatch it */
        snprintf(l[n].name, sizeof(l[n].name), "%s", st[i].name);
        l[n].nic = h->w[i].role == NB_IF_NIC;
        l[n].up = st[i].up;
        l[n].carrier = st[i].carrier;
        l[n].c = st[i].c;
        n++;
    }
    nb_links_json_render(h->node, l, n, &resp->body);
    free(st);
    free(l);
}

/* CPU pressure and the tap owners' threads now, into R (R->th: caller frees). */
static void sample_cpu(struct nb_hostagent *h, struct nb_cpu_report *r)
{
    memset(r, 0, sizeof(*r));
    r->th = nb_calloc(NB_CPU_THREADS_MAX, sizeof(*r->th));
    r->owners_denied = !nb_privs_tap_owners();
    if (!r->owners_denied)
        r->nthreads = nb_tapowners_sample(h->owners, r->th, NB_CPU_THREADS_MAX, &r->truncated);
    r->psi = nb_psi_read(&r->pressure) == 0;
    r->mono = nb_mono_now();
}

void nb_hostagent_api_cpu(struct nb_hostagent *h, const struct nb_api_req *req,
                          struct nb_api_resp *resp)
{
    if (!h) {
        nb_api_error(resp, 404, "this agent does not capture (not a host agent with \"capture\")");
        return;
    }
    struct nb_cpu_report r;
    sample_cpu(h, &r);
    nb_cpu_json_render(h->node, &r, &resp->body);
    free(r.th);
}

/* CPU pressure and the tap owners' threads as counters. */
static void render_cpu_metrics(struct nb_hostagent *h, struct nb_buf *b)
{
    struct nb_cpu_report r;
    sample_cpu(h, &r);
    if (r.psi)
        nb_prom_single(b, "netblame_host_cpu_pressure_waiting_seconds_total", "counter",
                       "Time some runnable task on this host waited for a CPU (PSI cpu some total).",
                       (double)r.pressure.total_us / 1e6);
    static const struct {
        const char *name, *help;
        bool wait;
    } fam[] = {
        {"netblame_tap_owner_wait_seconds_total",
         "Time a thread of the process holding a guest tap open waited on a run queue.", true},
        {"netblame_tap_owner_run_seconds_total",
         "Time a thread of the process holding a guest tap open ran on a CPU.", false},
    };
    for (size_t k = 0; k < sizeof(fam) / sizeof(fam[0]); k++) {
        nb_prom_family(b, fam[k].name, "counter", fam[k].help);
        for (size_t i = 0; i < r.nthreads; i++) {
            const struct nb_cpu_thread *t = &r.th[i];
            char tid[16], comm[NB_COMM_SIZ];
            snprintf(tid, sizeof(tid), "%d", (int)t->tid);
            /* no spaces in label values: QEMU's "CPU 0/KVM" is "CPU_0/KVM" */
            snprintf(comm, sizeof(comm), "%s", t->comm);
            for (char *c = comm; *c; c++)
                if (*c == ' ')
                    *c = '_';
            const char *l[] = {"interface", t->tap, "thread", comm, "tid", tid};
            nb_prom_sample(b, fam[k].name, l, 3,
                           (double)(fam[k].wait ? t->wait_ns : t->run_ns) / 1e9);
        }
    }
    free(r.th);
}

void nb_hostagent_render_metrics(struct nb_hostagent *h, struct nb_buf *b)
{
    struct nb_capture_stats cs;
    struct nb_sightings_stats ss;
    nb_capture_stats(h->cap, &cs);
    nb_sightings_stats(h->table, &ss);
    nb_prom_single(b, "netblame_capture_packets_total", "counter", "Frames the probe capture read.",
                   (double)(cs.packets));
    nb_prom_single(b, "netblame_capture_sightings_total", "counter", "Probe sightings recorded.",
                   (double)(cs.sightings));
    nb_prom_single(b, "netblame_capture_malformed_total", "counter",
                   "Captured frames that were not a probe.",
                   (double)(cs.malformed + cs.no_probe_id));
    nb_prom_single(b, "netblame_capture_kernel_drops_total", "counter",
                   "Frames the capture ring dropped (kernel).", (double)(cs.kernel_drops));
    nb_prom_single(b, "netblame_capture_interfaces", "gauge", "Interfaces the capture watches.",
                   (double)(h->nw));
    nb_prom_single(b, "netblame_capture_filter_instructions", "gauge",
                   "Instructions of the capture's kernel filter (the kernel allows 4096).",
                   (double)(cs.filter_insns));
    nb_prom_single(b, "netblame_sightings_evicted_total", "counter",
                   "Sightings evicted from the full table, oldest first.", (double)(ss.evicted));
    nb_prom_single(b, "netblame_sightings_held", "gauge", "Sightings in the table.",
                   (double)(ss.held));
    nb_prom_family(b, "netblame_link_events_total", "counter",
                   "Link events on this host (deduplicated transitions).");
    for (int k = 0; k < 6; k++) {
        const char *l[] = {"event", nb_link_event_kind_name((enum nb_link_event_kind)k)};
        nb_prom_sample(b, "netblame_link_events_total", l, 1, (double)h->link_events[k]);
    }
    /* Per watched interface: bounded by the taps on this host. */
    static const struct {
        const char *name, *help;
        size_t off;
    } ctr[] = {
        {"netblame_link_rx_packets_total", "Packets received.",
         offsetof(struct nb_link_counters, rx_packets)},
        {"netblame_link_tx_packets_total", "Packets sent.",
         offsetof(struct nb_link_counters, tx_packets)},
        {"netblame_link_rx_dropped_total", "Received packets dropped.",
         offsetof(struct nb_link_counters, rx_dropped)},
        {"netblame_link_tx_dropped_total",
         "Packets dropped on send (a stalled guest backend shows here on its tap).",
         offsetof(struct nb_link_counters, tx_dropped)},
        {"netblame_link_rx_errors_total", "Receive errors.",
         offsetof(struct nb_link_counters, rx_errors)},
        {"netblame_link_tx_errors_total", "Transmit errors.",
         offsetof(struct nb_link_counters, tx_errors)},
        {"netblame_link_carrier_changes_total", "Carrier changes.",
         offsetof(struct nb_link_counters, carrier_changes)},
        {"netblame_link_qdisc_drops_total", "Drops of the root qdisc.",
         offsetof(struct nb_link_counters, qdisc_drops)},
    };
    struct nb_link_state *st = sample_watched(h);
    int *ok = nb_calloc(h->nw ? h->nw : 1, sizeof(*ok));
    for (size_t i = 0; i < h->nw; i++)
        ok[i] = st[i].ifindex != 0;
    for (size_t k = 0; k < sizeof(ctr) / sizeof(ctr[0]); k++) {
        nb_prom_family(b, ctr[k].name, "counter", ctr[k].help);
        for (size_t i = 0; i < h->nw; i++) {
            if (!ok[i])
                continue;
            const char *l[] = {"interface", h->w[i].name, "interface_role",
                               h->w[i].role == NB_IF_NIC ? "nic" : "tap"};
            nb_prom_sample(b, ctr[k].name, l, 2,
                           (double)*(const uint64_t *)((const char *)&st[i].c + ctr[k].off));
        }
    }
    nb_prom_family(b, "netblame_link_up", "gauge", "Link administratively up and with carrier.");
    for (size_t i = 0; i < h->nw; i++) {
        if (!ok[i])
            continue;
        const char *l[] = {"interface", h->w[i].name, "interface_role",
                           h->w[i].role == NB_IF_NIC ? "nic" : "tap"};
        nb_prom_sample(b, "netblame_link_up", l, 2, st[i].up && st[i].carrier);
    }
    free(st);
    free(ok);
    render_cpu_metrics(h, b);
}
