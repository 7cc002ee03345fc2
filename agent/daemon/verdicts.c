/* verdicts.c — continuous per-target verdicts (see verdicts.h).
 *
 * Each target keeps a ring of its last results with their monotonic time;
 * the tick (1 s) summarises those of the last NB_VERDICT_WINDOW_S seconds
 * into a struct nb_cls_input and classifies it against the target's own
 * baseline. Judged windows overlap: a verdict follows a fault within about
 * half a window (a p50 moves once half the window's probes are affected).
 *
 * LEARNING. The baseline learns the path's noise, not only its centre: at
 * most one window per window length (so the learnt windows do not overlap
 * and their spread is the real window-to-window spread), and every such
 * window that names no layer — healthy, and also inconclusive or holding
 * only a finding too weak to name a layer (under attribute_min). A noisy
 * path therefore keeps widening its limits until its noise no longer makes
 * findings, instead of crying wolf with the narrow limits of its quietest
 * minutes and never learning again. A real fault names its layer and is not
 * learnt; one that stays too weak to name it for most of the ring (64
 * windows, ~11 minutes) would become the new normal — the median and MAD
 * ignore it while it is a minority of the windows. Nor is a fault's shadow
 * learnt: no window ending less than a window length after one that named
 * a layer (it still holds the fault's last probes, too few to name it).
 * What is learnt are the figures a window is judged on, its lower bounds
 * (nb_baseline_learn).
 *
 * PERSISTENCE. The verdict served (/v1/verdicts, /metrics) changes layer or
 * side only after NB_VERDICT_PERSIST consecutive ticks judged the new one;
 * meanwhile the old one stays (its figures those of the last tick that
 * judged it). A fault is published about 2 s after the window first shows
 * it; a verdict flipping every tick is never published.
 *
 * A `path` peer is decomposed as `netblame diagnose` decomposes a burst: the
 * daemon follows the sender's host agent (guest role: `host_agent`) and the
 * reflector's (learnt in-band from the replies) with feed.c, keeps their
 * sightings by probe, and judges the window up to where both feeds have read
 * every sighting (feed.h, COVERAGE) — a second or so behind the newest
 * result. A feed that fails leaves its points unobservable (the classifier
 * says which segments are unknown and why) rather than holding verdicts
 * back. The daemon's own vnet and fabric peers over the same span go in as
 * the families that cross-check the path; the host agents' CPU figures
 * (feed.h) and this machine's steal time (/proc/stat, sampled each tick) as
 * CPU contention. */
#include "daemon/verdicts.h"

#include <cjson/cJSON.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/cpuwin.h"
#include "daemon/feed.h"
#include "net/metrics.h"
#include "netblame/log.h"
#include "netblame/mem.h"
#include "netblame/ntp.h"
#include "input/observe.h"
#include "wire/trace_json.h"
#include "wire/verdict_json.h"
#include "input/window.h"

#define RING 4096 /* results kept per target (10 s at 400/s) */
/* Host-agent sightings of a path peer's probes, by sequence number: a
 * sighting is read before or after its probe's result comes (a lost probe's
 * comes at its timeout), so they meet here, not in the ring. Twice RING:
 * the judged window ends a little behind the newest probe. */
#define HOBS (2 * RING)
#define NTIMES (NB_VERDICT_WINDOW_S + 4) /* CPU-time samples: one a tick, over a window */

struct sample {
    nb_ns t;     /* monotonic, when the result came */
    bool lost;   /* STAMP: no reply; app: not ok */
    struct nb_probe_result r;        /* STAMP */
    struct nb_app_obs app;           /* app */
};

struct target {
    char name[NB_NAME_MAX];
    bool app;
    enum nb_family family; /* STAMP peers */
    struct sample *ring;
    size_t head, n;
    struct nb_baseline base;   /* learnt from this target's windows (LEARNING) */
    struct nb_verdict verdict; /* published (PERSISTENCE) */
    struct nb_verdict raw;     /* the latest tick's */
    bool have_verdict;
    enum nb_layer pend_layer; /* a different verdict the ticks are judging... */
    enum nb_side pend_side;
    unsigned pend_n; /* ...this many in a row */
    nb_ns changed;     /* realtime when the layer last changed */
    nb_ns last_learn;  /* monotonic */
    nb_ns last_named;  /* monotonic: a tick's window last named a layer */
    uint64_t windows;
    char peer[NB_CLS_HOSTSIZ];    /* STAMP peers: the reflector's address (numeric) */
    unsigned timeout_ms;          /* STAMP peers: their probes' timeout */
    struct nb_cls_input *last;    /* the last window judged (GET /v1/windows) */
    /* path peers: host agents' sightings ([0] the reflector's, [1] ours) */
    struct nb_feed *feed[2];
    struct hobs *hobs;
};

struct hobs {
    uint64_t probe_id; /* whose points these are (the slot is seq % HOBS) */
    struct nb_path_obs o;
};

struct nb_verdicts {
    struct ev_loop *loop;
    struct nb_http *http; /* NULL: no feeds (path peers end to end only) */
    bool local_agent;     /* guest role with a host agent: follow it */
    char local_addr[NB_HOST_MAX];
    uint16_t local_port;
    struct nb_cls_thresholds th; /* the config's "classifier" */
    ev_timer tick;
    struct target *t;
    size_t n;
    struct nb_cls_input scratch;
    struct sample *win; /* RING samples: one target's window, reused every tick */
    struct sample *win2; /* ... and a cross-checking family's */
    struct times_sample {
        nb_ns t; /* monotonic */
        struct nb_cpu_times c;
    } times[NTIMES]; /* this machine's CPU times, one a tick: its steal over a window */
    size_t times_next, ntimes;
};

static struct target *find(const struct nb_verdicts *v, const char *name, bool app)
{
    for (size_t i = 0; v && i < v->n; i++)
        if (v->t[i].app == app && strcmp(v->t[i].name, name) == 0)
            return &v->t[i];
    return NULL;
}

static struct sample *push(struct target *t)
{
    struct sample *s = &t->ring[t->head];
    t->head = (t->head + 1) % RING;
    if (t->n < RING)
        t->n++;
    memset(s, 0, sizeof(*s));
    s->t = nb_mono_now();
    return s;
}

static void on_sighting(void *arg, const struct nb_sighting *sg, int local)
{
    struct target *t = arg;
    struct hobs *h = &t->hobs[(uint32_t)sg->probe_id % HOBS];
    if (h->probe_id != sg->probe_id) { /* a newer probe takes the slot */
        memset(h, 0, sizeof(*h));
        h->probe_id = sg->probe_id;
    }
    nb_obs_place(&h->o, local, sg);
}
static void on_local_sighting(void *arg, const struct nb_sighting *s) { on_sighting(arg, s, 1); }
static void on_remote_sighting(void *arg, const struct nb_sighting *s) { on_sighting(arg, s, 0); }

/* Follow the agents that saw this session's probes: ours (configured) and
 * the reflector's (announced in its replies). A new session (a reload) or
 * another reflector agent starts a new feed. */
static void follow(struct nb_verdicts *v, struct target *t, const struct nb_probe_result *r)
{
    uint32_t session = (uint32_t)(r->probe_id >> 32);
    if (v->local_agent && !nb_feed_is(t->feed[1], v->local_addr, v->local_port, session)) {
        nb_feed_free(t->feed[1]);
        t->feed[1] = nb_feed_new(v->http, v->local_addr, v->local_port, session,
                                 on_local_sighting, t);
    }
    if (r->lost || !r->agent_family)
        return;
    char addr[INET6_ADDRSTRLEN];
    inet_ntop(r->agent_family == 4 ? AF_INET : AF_INET6, r->agent_addr, addr, sizeof(addr));
    if (!nb_feed_is(t->feed[0], addr, r->agent_port, session)) {
        nb_feed_free(t->feed[0]);
        t->feed[0] = nb_feed_new(v->http, addr, r->agent_port, session, on_remote_sighting, t);
    }
}

void nb_verdicts_stamp(struct nb_verdicts *v, const char *name, const struct nb_probe_result *r)
{
    struct target *t = find(v, name, false);
    if (!t)
        return;
    struct sample *s = push(t);
    s->lost = r->lost;
    s->r = *r;
    if (t->hobs)
        follow(v, t, r);
}

void nb_verdicts_app(struct nb_verdicts *v, const char *name, const struct nb_app_result *r)
{
    struct target *t = find(v, name, true);
    if (!t)
        return;
    struct sample *s = push(t);
    s->lost = r->reason != NB_APP_OK;
    nb_app_obs_from(r, &s->app);
}

/* The samples of T that came in [SINCE, UNTIL], oldest first, into OUT;
 * returns count. */
static size_t window(const struct target *t, nb_ns since, nb_ns until, struct sample *out)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        const struct sample *s = &t->ring[(t->head + RING - t->n + i) % RING];
        if (s->t >= since && s->t <= until)
            out[k++] = *s;
    }
    return k;
}

/* A vnet or fabric peer: one layer, end to end. */
static void family_input(const struct sample *w, size_t n, struct nb_cls_family *f)
{
    struct nb_probe_result *res = nb_calloc(n + 1, sizeof(*res));
    struct nb_stamp_figs figs;
    for (size_t i = 0; i < n; i++)
        res[i] = w[i].r;
    nb_stamp_figs_fold(res, NULL, n, &figs);
    nb_window_family(&figs, f);
    free(res);
}

static int by_probe_id(const void *a, const void *b)
{
    uint64_t x = ((const struct sample *)a)->r.probe_id, y = ((const struct sample *)b)->r.probe_id;
    return (x > y) - (x < y);
}

/* The host agents' points of W's probes, where feed SIDE had read every
 * sighting of them (feed.h, COVERAGE). Returns whether any side did. */
static bool place_hosts(const struct target *t, const struct sample *w, size_t n,
                        struct nb_path_obs *obs)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        const struct hobs *h = &t->hobs[(uint32_t)w[i].r.probe_id % HOBS];
        for (int side = 0; side < 2; side++) {
            const struct nb_feed *f = t->feed[side];
            if (!f || nb_feed_covered(f) < w[i].t ||
                nb_feed_session(f) != (uint32_t)(w[i].r.probe_id >> 32))
                continue;
            any = true;
            nb_obs_host_observable(&obs[i], side);
        }
        if (h->probe_id != w[i].r.probe_id)
            continue;
        for (int p = 0; p < NB_PT__COUNT; p++)
            if (h->o.seen[p] && obs[i].observable[p]) {
                obs[i].seen[p] = true;
                obs[i].t[p] = h->o.t[p];
            }
    }
    return any;
}

/* A path peer: the round trip, the reflector's own time, and — with host
 * agents' sightings — every segment of DESIGN §2, plus their link counters
 * over the window (from SINCE, monotonic). W is reordered. */
static void path_input(const struct target *t, struct sample *w, size_t n, nb_ns since,
                       struct nb_cls_input *in)
{
    qsort(w, n, sizeof(*w), by_probe_id); /* results come in completion order */
    struct nb_probe_result *res = nb_calloc(n + 1, sizeof(*res));
    struct nb_path_obs *obs = nb_calloc(n + 1, sizeof(*obs));
    struct nb_waterfall *wf = NULL;
    struct nb_stamp_figs figs;
    for (size_t i = 0; i < n; i++)
        res[i] = w[i].r;
    nb_stamp_figs_fold(res, NULL, n, &figs);
    nb_obs_from_results(res, NULL, n, obs);
    if (t->hobs && place_hosts(t, w, n, obs)) {
        wf = nb_calloc(1, sizeof(*wf));
        nb_waterfall_compute(obs, n, wf);
    }
    struct nb_window_agents ag = {t->feed[1] ? nb_feed_addr(t->feed[1]) : NULL,
                                  t->feed[0] ? nb_feed_addr(t->feed[0]) : NULL,
                                  t->feed[1] && nb_feed_ok(t->feed[1]),
                                  t->feed[0] && nb_feed_ok(t->feed[0])};
    nb_window_path(&figs, wf, &ag, in);
    for (int side = 0; side < 2; side++) {
        const struct nb_feed *f = t->feed[side];
        if (!f)
            continue;
        nb_feed_links(f, since, side, in->links, &in->nlinks, NB_CLS_MAX_LINKS);
        nb_feed_cpu(f, since, side ? &in->cpu_local : &in->cpu_remote);
    }
    free(wf);
    free(res);
    free(obs);
}

static void app_input(const struct sample *w, size_t n, struct nb_cls_input *in)
{
    struct nb_app_obs *o = nb_calloc(n + 1, sizeof(*o));
    for (size_t i = 0; i < n; i++)
        o[i] = w[i].app;
    nb_window_app_fold(o, n, &in->app);
    free(o);
}

/* Where T's window ends: now, or for a path peer followed by host agents,
 * where every answering feed has read all sightings (feed.h, COVERAGE). */
static nb_ns window_end(const struct target *t, nb_ns now_mono)
{
    nb_ns end = now_mono;
    for (int side = 0; side < 2; side++) {
        const struct nb_feed *f = t->feed[side];
        if (f && nb_feed_ok(f) && nb_feed_covered(f) < end)
            end = nb_feed_covered(f);
    }
    return end;
}

/* The daemon's first peer of FAMILY (vnet or fabric) over [SINCE, UNTIL]:
 * the family that cross-checks a path window. */
static void cross_family(struct nb_verdicts *v, enum nb_family fam, nb_ns since, nb_ns until,
                         struct nb_cls_family *out)
{
    for (size_t i = 0; i < v->n; i++) {
        const struct target *o = &v->t[i];
        if (o->app || o->family != fam)
            continue;
        size_t n = window(o, since, until, v->win2);
        if (n)
            family_input(v->win2, n, out);
        return;
    }
}

/* This machine's steal time from SINCE (monotonic) to the newest sample:
 * a guest's own share of the local virtual layer's contention. */
static void steal_input(const struct nb_verdicts *v, nb_ns since, struct nb_cls_cpu *out)
{
    if (v->ntimes < 2)
        return;
    const struct times_sample *last = &v->times[(v->times_next + NTIMES - 1) % NTIMES];
    const struct times_sample *base = &v->times[(v->times_next + NTIMES - v->ntimes) % NTIMES];
    for (size_t k = 0; k < v->ntimes; k++) {
        const struct times_sample *x = &v->times[(v->times_next + NTIMES - v->ntimes + k) % NTIMES];
        if (x->t <= since)
            base = x;
    }
    if (base != last)
        nb_cpuwin_steal(&base->c, &last->c, out);
}

static void judge(struct nb_verdicts *v, struct target *t, nb_ns now_mono, nb_ns now_rt)
{
    nb_ns span = (nb_ns)NB_VERDICT_WINDOW_S * NB_NS_PER_SEC;
    nb_ns end = window_end(t, now_mono), start = end - span;
    struct sample *w = v->win;
    size_t n = window(t, start, end, w);
    struct nb_cls_input *in = &v->scratch;
    nb_ns end_rt = now_rt - (now_mono - end);
    nb_window_head(in, t->name, end_rt - span, end_rt);
    if (t->app) {
        app_input(w, n, in);
    } else if (t->family == NB_FAMILY_PATH) {
        path_input(t, w, n, start, in);
        steal_input(v, start, &in->cpu_local);
        cross_family(v, NB_FAMILY_VNET, start, end, &in->vnet);
        cross_family(v, NB_FAMILY_FABRIC, start, end, &in->fabric);
        /* a guest has no fabric peer: its host agent's, toward the host of
         * the reflector's agent, if it has one (fresh: within two rounds) */
        if (t->feed[1] && t->feed[0]) {
            nb_feed_want_fabric(t->feed[1], nb_feed_addr(t->feed[0]));
            if (!in->fabric.present)
                nb_feed_fabric(t->feed[1], now_mono - 2 * NB_NS_PER_SEC, &in->fabric);
        }
    } else {
        family_input(w, n, t->family == NB_FAMILY_VNET ? &in->vnet : &in->fabric);
        if (t->family == NB_FAMILY_VNET) /* the local virtual layer: this guest's CPU too */
            steal_input(v, start, &in->cpu_local);
        /* the measured peer: guests ask their host agent for its fabric
         * window toward a given host (nb_trace_find_fabric) */
        snprintf(in->remote_host, sizeof(in->remote_host), "%.*s", (int)sizeof(in->remote_host) - 1,
                 t->peer); /* numeric: fits */
    }
    nb_classify(in, &t->base, &v->th, &t->raw);
    const struct nb_verdict *raw = &t->raw;
    bool names = raw->layer != NB_LAYER_HEALTHY && raw->layer != NB_LAYER_INCONCLUSIVE;
    if (names)
        t->last_named = now_mono;
    if (!names && now_mono - t->last_learn >= span && /* LEARNING */
        (!t->last_named || now_mono - t->last_named >= span)) {
        nb_baseline_learn(&t->base, in, &v->th);
        t->last_learn = now_mono;
    }
    t->windows++;
    *t->last = *in;
    /* PERSISTENCE */
    bool same = t->have_verdict && raw->layer == t->verdict.layer &&
                raw->where.side == t->verdict.where.side;
    if (!same && t->have_verdict) {
        if (t->pend_n && raw->layer == t->pend_layer && raw->where.side == t->pend_side) {
            t->pend_n++;
        } else {
            t->pend_layer = raw->layer;
            t->pend_side = raw->where.side;
            t->pend_n = 1;
        }
        if (t->pend_n < NB_VERDICT_PERSIST)
            return;
    }
    t->pend_n = 0;
    enum nb_layer before = t->have_verdict ? t->verdict.layer : NB_LAYER__COUNT;
    enum nb_side side_before = t->verdict.where.side;
    t->verdict = *raw;
    t->have_verdict = true;
    if (t->verdict.layer != before || t->verdict.where.side != side_before) {
        t->changed = now_rt;
        const struct nb_verdict *vd = &t->verdict;
        if (vd->nfindings)
            nb_info("verdict %s: %s (%s, %.2f): %s", t->name, nb_layer_name(vd->layer),
                    nb_side_name(vd->where.side), vd->confidence, vd->findings[0].summary);
        else
            nb_info("verdict %s: %s%s%s", t->name, nb_layer_name(vd->layer),
                    vd->reason[0] ? ": " : "", vd->reason);
    }
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct nb_verdicts *v = w->data;
    nb_ns mono = nb_mono_now(), rt = nb_realtime_now();
    struct times_sample *ts = &v->times[v->times_next];
    if (nb_procstat_read(&ts->c) == 0) {
        ts->t = mono;
        v->times_next = (v->times_next + 1) % NTIMES;
        if (v->ntimes < NTIMES)
            v->ntimes++;
    }
    for (size_t i = 0; i < v->n; i++) {
        judge(v, &v->t[i], mono, rt);
        for (int side = 0; side < 2; side++)
            if (v->t[i].feed[side])
                nb_feed_poll(v->t[i].feed[side], mono);
    }
}

static void add_target(struct nb_verdicts *v, const char *name, const char *peer, bool app,
                       enum nb_family fam, struct nb_verdicts *old)
{
    struct target *t = &v->t[v->n++];
    memset(t, 0, sizeof(*t));
    snprintf(t->name, sizeof(t->name), "%s", name);
    snprintf(t->peer, sizeof(t->peer), "%s", peer);
    t->last = nb_calloc(1, sizeof(*t->last));
    t->app = app;
    t->family = fam;
    t->ring = nb_calloc(RING, sizeof(*t->ring));
    if (!app && fam == NB_FAMILY_PATH && v->http)
        t->hobs = nb_calloc(HOBS, sizeof(*t->hobs));
    nb_baseline_init(&t->base);
    const struct target *o = find(old, name, app);
    if (o && (app || o->family == fam)) { /* same measurement: keep what it learnt */
        memcpy(t->ring, o->ring, RING * sizeof(*t->ring));
        t->head = o->head;
        t->n = o->n;
        t->base = o->base;
        t->last_learn = o->last_learn;
        t->last_named = o->last_named;
        if (t->hobs && o->hobs) /* sightings already read stay; feeds restart */
            memcpy(t->hobs, o->hobs, HOBS * sizeof(*t->hobs));
    }
}

struct nb_verdicts *nb_verdicts_new(struct ev_loop *loop, struct nb_http *http,
                                    const struct nb_config *cfg, struct nb_verdicts *old)
{
    struct nb_verdicts *v = nb_calloc(1, sizeof(*v));
    v->loop = loop;
    v->http = http;
    v->local_agent = http && cfg->role == NB_ROLE_GUEST && cfg->has_host_agent;
    snprintf(v->local_addr, sizeof(v->local_addr), "%s", cfg->host_agent_addr);
    v->local_port = cfg->host_agent_port;
    v->th = cfg->cls;
    v->t = nb_calloc(cfg->npeers + cfg->napps + 1, sizeof(*v->t));
    v->win = nb_calloc(RING, sizeof(*v->win));
    v->win2 = nb_calloc(RING, sizeof(*v->win2));
    for (size_t i = 0; i < cfg->npeers; i++) {
        add_target(v, cfg->peers[i].name, cfg->peers[i].host, false, cfg->peers[i].family, old);
        v->t[v->n - 1].timeout_ms = cfg->peers[i].timeout_ms;
    }
    for (size_t i = 0; i < cfg->napps; i++)
        add_target(v, cfg->apps[i].name, "", true, NB_FAMILY_PATH, old);
    ev_timer_init(&v->tick, on_tick, 1., 1.);
    v->tick.data = v;
    if (v->n)
        ev_timer_start(loop, &v->tick);
    return v;
}

void nb_verdicts_free(struct nb_verdicts *v)
{
    if (!v)
        return;
    ev_timer_stop(v->loop, &v->tick);
    for (size_t i = 0; i < v->n; i++) {
        nb_feed_free(v->t[i].feed[0]);
        nb_feed_free(v->t[i].feed[1]);
        free(v->t[i].hobs);
        free(v->t[i].last);
        free(v->t[i].ring);
    }
    free(v->t);
    free(v->win);
    free(v->win2);
    free(v);
}

void nb_verdicts_render_metrics(const struct nb_verdicts *v, struct nb_buf *b)
{
    if (!v || v->n == 0)
        return;
    nb_prom_family(b, "netblame_verdict", "gauge",
                   "The classifier's current verdict per target: 1 for the layer it names "
                   "(healthy, app, virtual, physical, inconclusive), 0 for the others.");
    for (size_t i = 0; i < v->n; i++)
        for (int l = 0; l < NB_LAYER__COUNT && v->t[i].have_verdict; l++) {
            const char *labels[] = {"target", v->t[i].name, "verdict",
                                    nb_layer_name((enum nb_layer)l)};
            nb_prom_sample(b, "netblame_verdict", labels, 2, (int)v->t[i].verdict.layer == l);
        }
    nb_prom_family(b, "netblame_verdict_confidence", "gauge",
                   "Confidence in [0,1] of the current verdict (0 when inconclusive).");
    for (size_t i = 0; i < v->n; i++)
        if (v->t[i].have_verdict) {
            const char *labels[] = {"target", v->t[i].name};
            nb_prom_sample(b, "netblame_verdict_confidence", labels, 1,
                           v->t[i].verdict.confidence);
        }
    nb_prom_family(b, "netblame_verdict_since_seconds", "gauge",
                   "Unix time when the current verdict's layer began.");
    for (size_t i = 0; i < v->n; i++)
        if (v->t[i].have_verdict) {
            const char *labels[] = {"target", v->t[i].name};
            nb_prom_sample(b, "netblame_verdict_since_seconds", labels, 1,
                           (double)(v->t[i].changed / NB_NS_PER_SEC));
        }
    nb_prom_family(b, "netblame_baseline_windows", "gauge",
                   "Healthy windows the target's baseline has learnt from (its round trip or "
                   "connect time; 0: judged against absolute floors).");
    for (size_t i = 0; i < v->n; i++) {
        const struct target *t = &v->t[i];
        int m = t->app ? NB_BM_APP_CONNECT
                : t->family == NB_FAMILY_VNET   ? NB_BM_VNET_RTT
                : t->family == NB_FAMILY_FABRIC ? NB_BM_FABRIC_RTT
                                                : NB_BM_PATH_RTT;
        const char *labels[] = {"target", t->name};
        nb_prom_sample(b, "netblame_baseline_windows", labels, 1, t->base.m[m].n);
    }
}

const struct nb_baseline *nb_verdicts_baseline(const struct nb_verdicts *v, const char *name,
                                               bool app)
{
    const struct target *t = find(v, name, app);
    return t ? &t->base : NULL;
}

void nb_verdicts_api(const struct nb_verdicts *v, const struct nb_api_req *req,
                     struct nb_api_resp *resp)
{
    const char *only = nb_api_query(req, "target");
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(root, "verdicts");
    bool found = false;
    for (size_t i = 0; v && i < v->n; i++) {
        const struct target *t = &v->t[i];
        if (only && strcmp(only, t->name) != 0)
            continue;
        found = true;
        if (t->have_verdict)
            cJSON_AddItemToArray(arr, nb_verdict_to_json(&t->verdict));
    }
    if (only && !found) {
        cJSON_Delete(root);
        nb_api_error(resp, 404, "no such target");
        return;
    }
    char *s = cJSON_PrintUnformatted(root);
    nb_buf_printf(&resp->body, "%s\n", s);
    free(s);
    cJSON_Delete(root);
}

void nb_verdicts_windows(struct nb_verdicts *v, nb_overdue_fn overdue, const void *arg,
                         const struct nb_api_req *req, struct nb_api_resp *resp)
{
    const char *only = nb_api_query(req, "target"), *secs = nb_api_query(req, "seconds");
    const char *msq = nb_api_query(req, "ms");
    long seconds = 0, ms = 0;
    if (secs && msq) {
        nb_api_error(resp, 400, "seconds or ms, not both");
        return;
    }
    if (secs) {
        char *end;
        seconds = strtol(secs, &end, 10);
        if (*end || end == secs || seconds < 1 || seconds > NB_VERDICT_WINDOW_S) {
            nb_api_error(resp, 400, "seconds must be 1..10");
            return;
        }
        ms = seconds * 1000;
    }
    if (msq) { /* a burst's own span, to the millisecond */
        char *end;
        ms = strtol(msq, &end, 10);
        if (*end || end == msq || ms < 100 || ms > NB_VERDICT_WINDOW_S * 1000) {
            nb_api_error(resp, 400, "ms must be 100..10000");
            return;
        }
    }
    bool found = false;
    nb_ns rt = nb_realtime_now();
    for (size_t i = 0; v && i < v->n; i++) {
        const struct target *t = &v->t[i];
        if (only && strcmp(only, t->name) != 0)
            continue;
        found = true;
        if (!ms) {
            if (t->have_verdict)
                nb_trace_render(t->last, &resp->body);
            continue;
        }
        if (t->app || t->family == NB_FAMILY_PATH)
            continue; /* a path or app window is what was judged, not recomputed */
        /* a vnet/fabric window of the probes sent in the last SECONDS,
         * computed now: a burst's cross-check must not carry a fault
         * cleared ten seconds ago */
        nb_ns span = (nb_ns)ms * 1000000;
        struct nb_cls_input *in = &v->scratch;
        nb_window_head(in, t->name, rt - span, rt);
        snprintf(in->remote_host, sizeof(in->remote_host), "%s", t->peer);
        /* by send time (this host's clock): a probe lost before the span is
         * reported at its timeout, inside it, and must not count */
        size_t n = 0;
        for (size_t k = 0; k < t->n; k++) {
            const struct sample *x = &t->ring[(t->head + RING - t->n + k) % RING];
            if (x->r.t1 >= rt - span)
                v->win2[n++] = *x;
        }
        struct nb_cls_family *f = t->family == NB_FAMILY_VNET ? &in->vnet : &in->fabric;
        family_input(v->win2, n, f);
        /* probes still in flight past their expected reply are lost in all
         * likelihood: counted so, or a short window would see a loss only
         * at its timeout (seconds later) */
        if (overdue) {
            unsigned full = 0;
            nb_ns age =
                nb_overdue_age(f->rtt.known ? f->rtt.p99 : 0, (nb_ns)t->timeout_ms * 1000000);
            f->overdue = overdue(arg, t->name, age, rt - span, &full);
            f->probes += f->overdue;
            f->lost += f->overdue;
            f->full_probes += full;
            f->full_lost += full;
        }
        nb_trace_render(in, &resp->body);
    }
    if (only && !found)
        nb_api_error(resp, 404, "no such target");
}
