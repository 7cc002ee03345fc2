/* verdicts.c — continuous per-target verdicts (see verdicts.h): the
 * targets, their rings of results, the host agents followed for a path
 * peer, and the tick that judges them (verdicts_int.h names the other
 * files: the window as input, LEARNING and PERSISTENCE, /metrics, the API).
 *
 * Each target keeps a ring of its last results with their monotonic time;
 * once a second the tick summarises those of the last NB_VERDICT_WINDOW_S
 * seconds into a struct nb_cls_input (verdicts_input.c) and classifies it
 * against the target's own baseline, and every tick (NB_VD_TICK_MS) the
 * last second of them likewise, the fast test (verdicts_fast.c). A path
 * peer's probes are followed to the host agents that sighted them: ours
 * (configured) and the reflector's (announced in its replies), one feed.c
 * each, whose sightings wait here by probe until the window that holds
 * the probe is judged. */
#include "daemon/verdicts.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/feed.h"
#include "daemon/verdicts_int.h"
#include "input/observe.h"
#include "netblame/log.h"
#include "netblame/mem.h"

/* The targets are indexed by name (FNV-1a, open addressing, at least twice
 * as many slots as targets): each result finds its target at once, where a
 * scan of all of them made 5,000 fabric peers cost 25 million name
 * comparisons a second. */
static size_t name_slot(const char *name, bool app, size_t mask)
{
    uint64_t x = 0xcbf29ce484222325ULL ^ (uint64_t)app;
    for (const char *s = name; *s; s++)
        x = (x ^ (unsigned char)*s) * 0x100000001b3ULL;
    return (size_t)(x ^ (x >> 32)) & mask;
}

static void index_targets(struct nb_verdicts *v)
{
    size_t slots = 16;
    while (slots < 2 * v->n)
        slots <<= 1;
    v->index = nb_calloc(slots, sizeof(*v->index));
    v->index_mask = slots - 1;
    for (size_t i = 0; i < v->n; i++) {
        size_t k = name_slot(v->t[i].name, v->t[i].app, v->index_mask);
        while (v->index[k])
            k = (k + 1) & v->index_mask;
        v->index[k] = (uint32_t)(i + 1);
    }
}

struct nb_vd_target *nb_vd_find(const struct nb_verdicts *v, const char *name, bool app)
{
    if (!v || !v->index)
        return NULL;
    for (size_t k = name_slot(name, app, v->index_mask); v->index[k];
         k = (k + 1) & v->index_mask) {
        struct nb_vd_target *t = &v->t[v->index[k] - 1];
        if (t->app == app && strcmp(t->name, name) == 0)
            return t;
    }
    return NULL;
}

static struct nb_vd_sample *push(struct nb_vd_target *t, nb_ns now_mono)
{
    struct nb_vd_sample *s = &t->ring[t->head];
    t->head = (t->head + 1) % t->cap;
    if (t->n < t->cap)
        t->n++;
    memset(s, 0, sizeof(*s));
    s->t = now_mono;
    return s;
}

static void on_sighting(void *arg, const struct nb_sighting *sg, int local)
{
    struct nb_vd_target *t = arg;
    struct nb_vd_hobs *h = &t->hobs[(uint32_t)sg->probe_id % t->hcap];
    if (h->probe_id != sg->probe_id) { /* a newer probe takes the slot */
        memset(h, 0, sizeof(*h));
        h->probe_id = sg->probe_id;
    }
    nb_obs_place(&h->o, local, sg);
}
static void on_local_sighting(void *arg, const struct nb_sighting *s)
{
    on_sighting(arg, s, 1);
}
static void on_remote_sighting(void *arg, const struct nb_sighting *s)
{
    on_sighting(arg, s, 0);
}

/* Follow the agents that saw this session's probes: ours (configured) and
 * the reflector's (announced in its replies). A new session (a reload) or
 * another reflector agent starts a new feed. */
static void follow(struct nb_verdicts *v, struct nb_vd_target *t, const struct nb_probe_result *r)
{
    uint32_t session = (uint32_t)(r->probe_id >> 32);
    if (v->local_agent && !nb_feed_is(t->feed[1], v->local_addr, v->local_port, session)) {
        nb_feed_free(t->feed[1]);
        t->feed[1] =
            nb_feed_new(v->http, v->local_addr, v->local_port, session, on_local_sighting, t);
    }
    if (r->lost)
        return;
    char addr[INET6_ADDRSTRLEN];
    if (r->refused_family) { /* the sender refused it: never contacted, said (judge) */
        inet_ntop(r->refused_family == 4 ? AF_INET : AF_INET6, r->refused_addr, addr,
                  sizeof(addr));
        if (strcmp(addr, t->agent_refused) != 0)
            nb_warn("peer %s: host agent address %s from the reflector refused: not the "
                    "reflector's own address nor in stamp.host_agent_prefixes",
                    t->name, addr);
        snprintf(t->agent_refused, sizeof(t->agent_refused), "%s", addr);
    }
    if (!r->agent_family)
        return;
    t->agent_refused[0] = '\0';
    inet_ntop(r->agent_family == 4 ? AF_INET : AF_INET6, r->agent_addr, addr, sizeof(addr));
    if (!nb_feed_is(t->feed[0], addr, r->agent_port, session)) {
        nb_feed_free(t->feed[0]);
        t->feed[0] = nb_feed_new(v->http, addr, r->agent_port, session, on_remote_sighting, t);
    }
}

void nb_vd_stamp_at(struct nb_verdicts *v, const char *name, const struct nb_probe_result *r,
                    nb_ns now_mono)
{
    struct nb_vd_target *t = nb_vd_find(v, name, false);
    if (!t)
        return;
    struct nb_vd_sample *s = push(t, now_mono);
    s->lost = r->lost;
    s->r = *r;
    if (t->hobs)
        follow(v, t, r);
}

void nb_verdicts_stamp(struct nb_verdicts *v, const char *name, const struct nb_probe_result *r)
{
    nb_vd_stamp_at(v, name, r, nb_mono_now());
}

void nb_vd_app_at(struct nb_verdicts *v, const char *name, const struct nb_app_result *r,
                  nb_ns now_mono)
{
    struct nb_vd_target *t = nb_vd_find(v, name, true);
    if (!t)
        return;
    struct nb_vd_sample *s = push(t, now_mono);
    s->lost = r->reason != NB_APP_OK;
    nb_app_obs_from(r, &s->app);
}

void nb_verdicts_app(struct nb_verdicts *v, const char *name, const struct nb_app_result *r)
{
    nb_vd_app_at(v, name, r, nb_mono_now());
}

size_t nb_vd_window(const struct nb_vd_target *t, nb_ns since, nb_ns until,
                    struct nb_vd_sample *out)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        const struct nb_vd_sample *s = nb_vd_at(t, i);
        if (s->t >= since && s->t <= until)
            out[k++] = *s;
    }
    return k;
}

static void say(const struct nb_vd_target *t)
{
    const struct nb_verdict *vd = &t->verdict;
    const char *by = t->fast_named ? " [fast test]" : ""; /* else the long window's */
    if (vd->nfindings)
        nb_info("verdict %s: %s (%s, %.2f): %s%s", t->name, nb_layer_name(vd->layer),
                nb_side_name(vd->where.side), vd->confidence, vd->findings[0].summary, by);
    else
        nb_info("verdict %s: %s%s%s", t->name, nb_layer_name(vd->layer), vd->reason[0] ? ": " : "",
                vd->reason);
}

/* Judge T at NOW_MONO: its short window (FAST TEST, verdicts_fast.c), then
 * with LONG_DUE its window (once a second), classified against its
 * baseline, learnt from (LEARNING: not in the shadow of a short window that
 * named a layer), served (PERSISTENCE) unless the fast test owns the served
 * fault. A change is said in the log. */
static void judge(struct nb_verdicts *v, struct nb_vd_target *t, bool long_due, nb_ns now_mono,
                  nb_ns now_rt)
{
    struct nb_cls_input *in = &v->scratch;
    bool changed = false;
    nb_ns start = 0, end = 0;
    size_t n = nb_vd_input_recent(v, t, now_mono, now_rt, v->th.min_samples, &start, &end, in);
    if (n) {
        if (!t->sbase) { /* a target probed fast enough: its short windows' own noise */
            t->sbase = nb_calloc(1, sizeof(*t->sbase));
            nb_baseline_init(t->sbase);
        }
        nb_classify(in, &t->base, &v->th, &t->fast);
        nb_classify(in, t->sbase, &v->th, &v->fast2);
        nb_vd_fast_join(t, in, &t->fast, &v->fast2, &v->th, now_mono);
    }
    changed = nb_vd_fast(t, &t->fast, n, start, end, now_mono, now_rt);
    if (long_due) {
        nb_vd_input(v, t, now_mono, now_rt, in);
        nb_classify(in, &t->base, &v->th, &t->raw);
        if (t->agent_refused[0] && t->raw.nevidence < NB_CLS_MAX_EVIDENCE)
            snprintf(t->raw.evidence[t->raw.nevidence++], NB_CLS_TEXTSIZ,
                     "host agent address %s from the reflector refused: not the reflector's "
                     "own address nor in stamp.host_agent_prefixes",
                     t->agent_refused);
        nb_vd_learn(t, in, &t->raw, &v->th, now_mono);
        t->windows++;
        *t->last = *in;
        if (!t->fast_named)
            changed |= nb_vd_publish(t, &t->raw, now_rt);
        else if (t->raw.layer == t->verdict.layer && t->raw.where.side == t->verdict.where.side)
            t->verdict = t->raw; /* the fast test's fault, with the long window's evidence */
    }
    if (changed)
        say(t);
}

void nb_vd_tick_at(struct nb_verdicts *v, nb_ns now_mono, nb_ns now_rt)
{
    /* the long windows once a second (half a tick's slack for the timer) */
    bool long_due = !v->long_at ||
                    now_mono - v->long_at >= NB_NS_PER_SEC - (nb_ns)NB_VD_TICK_MS * 500000;
    if (long_due)
        v->long_at = now_mono;
    for (size_t i = 0; i < v->n; i++) {
        judge(v, &v->t[i], long_due, now_mono, now_rt);
        for (int side = 0; side < 2; side++)
            if (v->t[i].feed[side])
                nb_feed_poll(v->t[i].feed[side], now_mono);
    }
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct nb_verdicts *v = w->data;
    nb_ns mono = nb_mono_now(), rt = nb_realtime_now();
    const struct nb_vd_times *prev = &v->times[(v->times_next + NB_VD_NTIMES - 1) % NB_VD_NTIMES];
    /* this machine's CPU times once a second, as the long windows */
    if ((!v->ntimes || mono - prev->t >= NB_NS_PER_SEC - (nb_ns)NB_VD_TICK_MS * 500000)) {
        struct nb_vd_times *ts = &v->times[v->times_next];
        if (nb_procstat_read(&ts->c) == 0) {
            ts->t = mono;
            v->times_next = (v->times_next + 1) % NB_VD_NTIMES;
            if (v->ntimes < NB_VD_NTIMES)
                v->ntimes++;
        }
    }
    nb_vd_tick_at(v, mono, rt);
}

/* A result comes between its probe's send and its timeout (lost), probes
 * go at least every interval / 2 (pace.c's jitter is at most 50 %), and a
 * window spans NB_VERDICT_WINDOW_S (GET /v1/windows' spans are shorter): so
 * at most 2 (window + timeout) / interval + 1 results arrive within one,
 * and a ring of that many (and some slack) holds every window. Sized so,
 * a target probed once a second keeps 64 results, not NB_VD_RING: 14 KiB
 * rather than 864 KiB each, which 5,000 fabric peers filled at 1 MiB/s. */
size_t nb_vd_ring_cap(unsigned interval_ms, unsigned timeout_ms)
{
    uint64_t w = (uint64_t)NB_VERDICT_WINDOW_S * 1000 + timeout_ms;
    uint64_t n = 2 * w / (interval_ms ? interval_ms : 1) + 1 + 16;
    return n < 64 ? 64 : n > NB_VD_RING ? NB_VD_RING : (size_t)n;
}

/* The sightings of every probe the ring holds and of those sent since: the
 * ring's size by rate again, twice. It was NB_VD_HOBS (8,192 x 136 B, 1.1
 * MiB) for every path peer, filled slot by slot at the probe rate: at 1/s,
 * all of it resident after 2.3 hours; 128 slots (17 KiB) hold the same. */
size_t nb_vd_hobs_cap(size_t ring_cap)
{
    return ring_cap > NB_VD_HOBS / 2 ? NB_VD_HOBS : 2 * (ring_cap ? ring_cap : 1);
}

static void add_target(struct nb_verdicts *v, const char *name, const char *peer, bool app,
                       enum nb_family fam, size_t cap, struct nb_verdicts *old)
{
    struct nb_vd_target *t = &v->t[v->n++];
    memset(t, 0, sizeof(*t));
    snprintf(t->name, sizeof(t->name), "%s", name);
    snprintf(t->peer, sizeof(t->peer), "%s", peer);
    t->last = nb_calloc(1, sizeof(*t->last));
    t->app = app;
    t->family = fam;
    t->cap = cap;
    t->ring = nb_calloc(cap, sizeof(*t->ring));
    if (!app && fam == NB_FAMILY_PATH && v->http) {
        t->hcap = nb_vd_hobs_cap(cap);
        t->hobs = nb_calloc(t->hcap, sizeof(*t->hobs));
    }
    nb_baseline_init(&t->base);
    const struct nb_vd_target *o = nb_vd_find(old, name, app);
    if (o && (app || o->family == fam)) { /* same measurement: keep what it learnt */
        t->n = o->n < cap ? o->n : cap; /* the newest of them, oldest first */
        for (size_t i = 0; i < t->n; i++)
            t->ring[i] = *nb_vd_at(o, o->n - t->n + i);
        t->head = t->n % cap;
        t->base = o->base;
        t->last_learn = o->last_learn;
        t->last_named = o->last_named;
        for (size_t i = 0; t->hobs && o->hobs && i < o->hcap; i++) {
            /* sightings already read stay (in their slot of the new size, the
             * newest probe's where two meet); feeds restart */
            const struct nb_vd_hobs *h = &o->hobs[i];
            struct nb_vd_hobs *d = &t->hobs[(uint32_t)h->probe_id % t->hcap];
            if (h->probe_id && h->probe_id > d->probe_id)
                *d = *h;
        }
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
    v->win = nb_calloc(NB_VD_RING, sizeof(*v->win));
    v->win2 = nb_calloc(NB_VD_RING, sizeof(*v->win2));
    for (size_t i = 0; i < cfg->npeers; i++) {
        add_target(v, cfg->peers[i].name, cfg->peers[i].host, false, cfg->peers[i].family,
                   nb_vd_ring_cap(cfg->peers[i].interval_ms, cfg->peers[i].timeout_ms), old);
        v->t[v->n - 1].timeout_ms = cfg->peers[i].timeout_ms;
    }
    for (size_t i = 0; i < cfg->napps; i++)
        add_target(v, cfg->apps[i].name, "", true, NB_FAMILY_PATH,
                   nb_vd_ring_cap(cfg->apps[i].interval_ms, cfg->apps[i].target.timeout_ms), old);
    index_targets(v);
    ev_timer_init(&v->tick, on_tick, NB_VD_TICK_MS / 1000., NB_VD_TICK_MS / 1000.);
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
        free(v->t[i].sbase);
    }
    free(v->t);
    free(v->index);
    free(v->win);
    free(v->win2);
    free(v);
}

const struct nb_baseline *nb_verdicts_baseline(const struct nb_verdicts *v, const char *name,
                                               bool app)
{
    const struct nb_vd_target *t = nb_vd_find(v, name, app);
    return t ? &t->base : NULL;
}

const struct nb_verdict *nb_verdicts_current(const struct nb_verdicts *v, const char *name,
                                             bool app)
{
    const struct nb_vd_target *t = nb_vd_find(v, name, app);
    return t && t->have_verdict ? &t->verdict : NULL;
}
