/* feed.c — a host agent followed from the daemon's loop (see feed.h). */
#include "daemon/feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/cpuwin.h"
#include "netblame/linkstats.h"
#include "netblame/mem.h"
#include "netblame/clock.h"
#include "input/observe.h"
#include "wire/sightings_json.h"
#include "wire/trace_json.h"

#define NSNAP 16   /* link snapshots kept: one a round, over more than a window */
#define NTAPS 8    /* taps this session was sighted on (a guest has one or two) */
#define TIMEOUT_MS 2500
/* a round reads links, CPU and windows at most this often (half a tick's slack) */
#define NB_FEED_FULL_NS (NB_NS_PER_SEC - NB_NS_PER_SEC / 8)

struct snap {
    nb_ns t; /* monotonic, when the answer came */
    size_t n;
    struct nb_link_report *l;
};

struct csnap {
    nb_ns t; /* monotonic, when the answer came */
    struct nb_cpu_report r;
};

struct nb_feed {
    struct nb_http *http;
    char addr[64], host[80]; /* numeric; "addr:port" with brackets for IPv6 */
    uint16_t port;
    uint32_t session;
    nb_feed_cb cb;
    void *arg;
    struct nb_http_req *req; /* in flight, or NULL */
    enum { PH_SIGHTINGS, PH_LINKS, PH_CPU, PH_WINDOWS } phase; /* what REQ asks */
    char fabric_peer[64];    /* "": no fabric window wanted */
    struct nb_cls_family fabric[2]; /* [0] NB_FEED_FABRIC_S long, [1] NB_FEED_FABRIC_SHORT_MS */
    nb_ns fabric_t[2];       /* monotonic, when each came; 0: never */
    int fabric_next;         /* which is asked next: the long, then the short, each full round */
    nb_ns round_start;
    nb_ns full_at;           /* monotonic start of the last round that read links, CPU, windows */
    uint64_t cursor;         /* the agent's sequence to read from (0: its oldest) */
    bool ok;                 /* the last round read the sightings to the newest */
    nb_ns covered;
    struct nb_sighting *page;
    char taps[NTAPS][16];
    size_t ntaps;
    struct snap snaps[NSNAP];
    size_t snap_next, nsnap;
    struct csnap csnaps[NSNAP]; /* CPU figures (GET /v1/cpu), like the link snapshots */
    size_t csnap_next, ncsnap;
};

static void start(struct nb_feed *f);

static void note_tap(struct nb_feed *f, const struct nb_sighting *s)
{
    if (s->role != NB_IF_TAP || !s->ifname[0])
        return;
    for (size_t i = 0; i < f->ntaps; i++)
        if (strcmp(f->taps[i], s->ifname) == 0)
            return;
    if (f->ntaps < NTAPS)
        snprintf(f->taps[f->ntaps++], sizeof(f->taps[0]), "%s", s->ifname);
}

static void on_links(struct nb_feed *f, const struct nb_http_result *r)
{
    if (r->error || r->status != 200)
        return; /* no snapshot this round: the deltas span more rounds */
    struct nb_link_report *l = nb_calloc(NB_LINKS_MAX, sizeof(*l));
    char perr[160];
    int n = nb_links_json_parse(r->body, r->body_len, l, NB_LINKS_MAX, perr, sizeof(perr));
    if (n < 0) {
        free(l);
        return;
    }
    struct snap *s = &f->snaps[f->snap_next];
    free(s->l);
    s->t = nb_mono_now();
    s->n = (size_t)n;
    s->l = nb_reallocarray(l, (size_t)n + 1, sizeof(*l));
    f->snap_next = (f->snap_next + 1) % NSNAP;
    if (f->nsnap < NSNAP)
        f->nsnap++;
}

static void on_cpu(struct nb_feed *f, const struct nb_http_result *r)
{
    struct nb_cpu_report rep;
    char perr[160];
    if (r->error || r->status != 200 || /* 404: an agent without CPU figures */
        nb_cpu_json_parse(r->body, r->body_len, &rep, NB_CPU_THREADS_MAX, perr, sizeof(perr)) < 0)
        return;
    struct csnap *s = &f->csnaps[f->csnap_next];
    free(s->r.th);
    s->t = nb_mono_now();
    s->r = rep;
    f->csnap_next = (f->csnap_next + 1) % NSNAP;
    if (f->ncsnap < NSNAP)
        f->ncsnap++;
}

static void on_sightings(struct nb_feed *f, const struct nb_http_result *r)
{
    struct nb_sightings_page pg;
    char perr[160];
    if (r->error || r->status != 200 ||
        nb_sightings_json_parse(r->body, r->body_len, f->page, NB_SIGHTINGS_PAGE_MAX, &pg, perr,
                                sizeof(perr)) < 0) {
        f->ok = false; /* its points go unobservable; the classifier says so */
        return;
    }
    for (size_t i = 0; i < pg.n; i++) {
        note_tap(f, &f->page[i]);
        f->cb(f->arg, &f->page[i]);
    }
    bool more = pg.n == NB_SIGHTINGS_PAGE_MAX && pg.next > f->cursor;
    f->cursor = pg.next;
    if (more) { /* a full page: the agent holds more, same round */
        start(f);
        return;
    }
    f->ok = true;
    f->covered = f->round_start - NB_FEED_GRACE;
    /* The sightings every round (the fast test judges a path's last second
     * every tick); links, CPU and the fabric windows once a second, as the
     * long window and the CPU deltas use them: a round of all four every
     * tick quadrupled what every guest asks of its host agent. */
    if (f->full_at && f->round_start - f->full_at < NB_FEED_FULL_NS)
        return;
    f->full_at = f->round_start;
    f->phase = PH_LINKS;
    start(f);
}

static void on_windows(struct nb_feed *f, const struct nb_http_result *r)
{
    char perr[240];
    struct nb_cls_family fam;
    if (r->error || r->status != 200)
        return; /* the fabric window ages out (nb_feed_fabric's SINCE) */
    int k = f->fabric_next;
    f->fabric_next = !k;
    if (nb_trace_find_fabric(r->body, r->body_len, f->fabric_peer, &fam, perr, sizeof(perr)) > 0) {
        f->fabric[k] = fam;
        f->fabric_t[k] = nb_mono_now();
    }
}

static void on_answer(void *arg, const struct nb_http_result *r)
{
    struct nb_feed *f = arg;
    f->req = NULL;
    switch (f->phase) {
    case PH_SIGHTINGS:
        on_sightings(f, r);
        break;
    case PH_LINKS:
        on_links(f, r);
        f->phase = PH_CPU;
        start(f);
        break;
    case PH_CPU:
        on_cpu(f, r);
        if (f->fabric_peer[0]) {
            f->phase = PH_WINDOWS;
            start(f);
        }
        break;
    case PH_WINDOWS:
        on_windows(f, r);
        if (f->fabric_next) { /* the long one came: the short one too, same round */
            f->phase = PH_WINDOWS;
            start(f);
        }
        break;
    }
}

static void start(struct nb_feed *f)
{
    char url[256], err[200];
    const char *sch = nb_http_agent_scheme(f->http);
    if (f->phase == PH_LINKS)
        snprintf(url, sizeof(url), "%s://%s/v1/links", sch, f->host);
    else if (f->phase == PH_CPU)
        snprintf(url, sizeof(url), "%s://%s/v1/cpu", sch, f->host);
    else if (f->phase == PH_WINDOWS && !f->fabric_next)
        snprintf(url, sizeof(url), "%s://%s/v1/windows?seconds=%d", sch, f->host,
                 NB_FEED_FABRIC_S);
    else if (f->phase == PH_WINDOWS)
        snprintf(url, sizeof(url), "%s://%s/v1/windows?ms=%d", sch, f->host,
                 NB_FEED_FABRIC_SHORT_MS);
    else
        snprintf(url, sizeof(url), "%s://%s/v1/sightings?session=%08x&since=%llu&limit=%d",
                 sch, f->host, f->session, (unsigned long long)f->cursor, NB_SIGHTINGS_PAGE_MAX);
    /* small MSS: the agent may sit behind an MTU black hole (agentclient.c) */
    struct nb_http_opts o = {.timeout_ms = TIMEOUT_MS, .small_mss = true, .agent = true};
    f->req = nb_http_start(f->http, url, &o, on_answer, f, err, sizeof(err));
    if (!f->req && f->phase == PH_SIGHTINGS)
        f->ok = false;
}

struct nb_feed *nb_feed_new(struct nb_http *http, const char *addr, uint16_t port,
                            uint32_t session, nb_feed_cb cb, void *arg)
{
    struct nb_feed *f = nb_calloc(1, sizeof(*f));
    f->http = http;
    snprintf(f->addr, sizeof(f->addr), "%s", addr);
    snprintf(f->host, sizeof(f->host), strchr(addr, ':') ? "[%s]:%u" : "%s:%u", addr, port);
    f->port = port;
    f->session = session;
    f->cb = cb;
    f->arg = arg;
    f->page = nb_calloc(NB_SIGHTINGS_PAGE_MAX, sizeof(*f->page));
    return f;
}

void nb_feed_free(struct nb_feed *f)
{
    if (!f)
        return;
    if (f->req)
        nb_http_cancel(f->http, f->req);
    for (size_t i = 0; i < NSNAP; i++) {
        free(f->snaps[i].l);
        free(f->csnaps[i].r.th);
    }
    free(f->page);
    free(f);
}

void nb_feed_poll(struct nb_feed *f, nb_ns now_mono)
{
    if (f->req)
        return; /* the previous round is still running (a slow or dead agent) */
    f->round_start = now_mono;
    f->phase = PH_SIGHTINGS;
    start(f);
}

bool nb_feed_is(const struct nb_feed *f, const char *addr, uint16_t port, uint32_t session)
{
    return f && f->port == port && f->session == session && strcmp(f->addr, addr) == 0;
}

const char *nb_feed_addr(const struct nb_feed *f) { return f->addr; }
uint32_t nb_feed_session(const struct nb_feed *f) { return f->session; }
bool nb_feed_ok(const struct nb_feed *f) { return f->ok; }
bool nb_feed_busy(const struct nb_feed *f) { return f->req != NULL; }
nb_ns nb_feed_covered(const struct nb_feed *f) { return f->covered; }

static const struct nb_link_report *find_link(const struct snap *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->l[i].name, name) == 0)
            return &s->l[i];
    return NULL;
}

static bool ours(const struct nb_feed *f, const struct nb_link_report *a)
{
    if (a->nic || f->ntaps == 0)
        return true; /* nothing sighted yet: every tap may be this path's */
    for (size_t i = 0; i < f->ntaps; i++)
        if (strcmp(f->taps[i], a->name) == 0)
            return true;
    return false;
}

void nb_feed_links(const struct nb_feed *f, nb_ns since, int local, struct nb_cls_link *out,
                   size_t *n, size_t cap)
{
    if (!f || f->nsnap == 0)
        return;
    const struct snap *last = &f->snaps[(f->snap_next + NSNAP - 1) % NSNAP];
    const struct snap *base = &f->snaps[(f->snap_next + NSNAP - f->nsnap) % NSNAP]; /* oldest */
    for (size_t k = 0; k < f->nsnap; k++) {
        const struct snap *s = &f->snaps[(f->snap_next + NSNAP - f->nsnap + k) % NSNAP];
        if (s->t <= since)
            base = s;
    }
    for (size_t i = 0; i < last->n && *n < cap; i++) {
        const struct nb_link_report *a = &last->l[i], *b = find_link(base, a->name);
        if (!ours(f, a))
            continue;
        struct nb_link_counters dc = {0};
        if (b)
            nb_link_counters_delta(&b->c, &a->c, &dc);
        if (nb_obs_link(local, f->addr, a, &dc, &out[*n]))
            (*n)++;
    }
}

void nb_feed_cpu(const struct nb_feed *f, nb_ns since, struct nb_cls_cpu *out)
{
    if (!f || f->ncsnap < 2)
        return;
    const struct csnap *last = &f->csnaps[(f->csnap_next + NSNAP - 1) % NSNAP];
    const struct csnap *base = &f->csnaps[(f->csnap_next + NSNAP - f->ncsnap) % NSNAP]; /* oldest */
    for (size_t k = 0; k < f->ncsnap; k++) {
        const struct csnap *s = &f->csnaps[(f->csnap_next + NSNAP - f->ncsnap + k) % NSNAP];
        if (s->t <= since)
            base = s;
    }
    if (base != last)
        nb_cpuwin_host(&base->r, &last->r, (const char (*)[NB_CPU_IFNAMSIZ])f->taps, f->ntaps,
                       out);
}

void nb_feed_want_fabric(struct nb_feed *f, const char *peer)
{
    if (strcmp(f->fabric_peer, peer) != 0)
        f->fabric_t[0] = f->fabric_t[1] = 0; /* another peer: what we had is not its */
    snprintf(f->fabric_peer, sizeof(f->fabric_peer), "%s", peer);
}

bool nb_feed_fabric(const struct nb_feed *f, nb_ns since, bool brief, struct nb_cls_family *out)
{
    if (!f || !f->fabric_t[brief] || f->fabric_t[brief] < since)
        return false;
    *out = f->fabric[brief];
    return true;
}
