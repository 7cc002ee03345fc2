/* verdicts_input.c — a target's window of results as the classifier's
 * input: the daemon's adapter onto the one builder (input/window.h), which
 * `netblame diagnose` reaches through cli/diag_window.c.
 *
 * A window is the results that came in the last NB_VERDICT_WINDOW_S
 * seconds (from where the fast test last cleared a fault, if later); the
 * fast test's short window the last NB_VD_FAST_MS of them, or back to its
 * minimum count (verdicts_fast.c). Both end at the same place.
 *
 * A `path` peer is decomposed as `netblame diagnose` decomposes a burst: the
 * daemon follows the sender's host agent (guest role: `host_agent`) and the
 * reflector's (learnt in-band from the replies) with feed.c (verdicts.c),
 * keeps their sightings by probe, and judges the window up to where both
 * feeds have read every sighting (feed.h, COVERAGE) — a second or so behind
 * the newest result. A feed that fails leaves its points unobservable (the
 * classifier says which segments are unknown and why) rather than holding
 * verdicts back. The daemon's own vnet and fabric peers over the same span
 * go in as the families that cross-check the path; the host agents' CPU
 * figures (feed.h) and this machine's steal time (/proc/stat, sampled each
 * tick) as CPU contention. */
#include <stdio.h>
#include <stdlib.h>

#include "daemon/feed.h"
#include "daemon/verdicts_int.h"
#include "input/cpuwin.h"
#include "input/observe.h"
#include "netblame/mem.h"

/* The sender's results of the N samples W, as the builder takes them
 * (the caller frees). */
static struct nb_probe_result *results(const struct nb_vd_sample *w, size_t n)
{
    struct nb_probe_result *res = nb_calloc(n + 1, sizeof(*res));
    for (size_t i = 0; i < n; i++)
        res[i] = w[i].r;
    return res;
}

void nb_vd_family(const struct nb_vd_sample *w, size_t n, struct nb_cls_family *f)
{
    struct nb_probe_result *res = results(w, n);
    struct nb_stamp_figs figs;
    nb_stamp_figs_fold(res, NULL, n, &figs);
    nb_window_family(&figs, f);
    free(res);
}

static int by_probe_id(const void *a, const void *b)
{
    uint64_t x = ((const struct nb_vd_sample *)a)->r.probe_id,
             y = ((const struct nb_vd_sample *)b)->r.probe_id;
    return (x > y) - (x < y);
}

/* The host agents' points of W's probes, where feed SIDE had read every
 * sighting of them (feed.h, COVERAGE). Returns whether any side did. */
static bool place_hosts(const struct nb_vd_target *t, const struct nb_vd_sample *w, size_t n,
                        struct nb_path_obs *obs)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        const struct nb_vd_hobs *h = &t->hobs[(uint32_t)w[i].r.probe_id % t->hcap];
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
static void path_input(const struct nb_vd_target *t, struct nb_vd_sample *w, size_t n, nb_ns since,
                       struct nb_cls_input *in)
{
    qsort(w, n, sizeof(*w), by_probe_id); /* results come in completion order */
    struct nb_probe_result *res = results(w, n);
    struct nb_path_obs *obs = nb_calloc(n + 1, sizeof(*obs));
    struct nb_waterfall *wf = NULL;
    struct nb_stamp_figs figs;
    nb_stamp_figs_fold(res, NULL, n, &figs);
    nb_obs_from_results(res, NULL, n, obs);
    if (t->hobs && place_hosts(t, w, n, obs)) {
        wf = nb_calloc(1, sizeof(*wf));
        nb_waterfall_compute(obs, n, wf);
    }
    const struct nb_feed *ours = t->feed[1], *theirs = t->feed[0];
    struct nb_window_agents ag = {.local = ours ? nb_feed_addr(ours) : NULL,
                                  .remote = theirs ? nb_feed_addr(theirs) : NULL,
                                  .local_ok = ours && nb_feed_ok(ours),
                                  .remote_ok = theirs && nb_feed_ok(theirs)};
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

static void app_input(const struct nb_vd_sample *w, size_t n, struct nb_cls_input *in)
{
    struct nb_app_obs *o = nb_calloc(n + 1, sizeof(*o));
    for (size_t i = 0; i < n; i++)
        o[i] = w[i].app;
    nb_window_app_fold(o, n, &in->app);
    free(o);
}

/* Where T's window ends: now, or for a path peer followed by host agents,
 * where every answering feed has read all sightings (feed.h, COVERAGE). */
static nb_ns window_end(const struct nb_vd_target *t, nb_ns now_mono)
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
        const struct nb_vd_target *o = &v->t[i];
        if (o->app || o->family != fam)
            continue;
        size_t n = nb_vd_window(o, since, until, v->win2);
        if (n)
            nb_vd_family(v->win2, n, out);
        return;
    }
}

/* This machine's steal time from SINCE (monotonic) to the newest sample:
 * a guest's own share of the local virtual layer's contention. */
static void steal_input(const struct nb_verdicts *v, nb_ns since, struct nb_cls_cpu *out)
{
    if (v->ntimes < 2)
        return;
    const struct nb_vd_times *last = &v->times[(v->times_next + NB_VD_NTIMES - 1) % NB_VD_NTIMES];
    const struct nb_vd_times *base =
        &v->times[(v->times_next + NB_VD_NTIMES - v->ntimes) % NB_VD_NTIMES];
    for (size_t k = 0; k < v->ntimes; k++) {
        const struct nb_vd_times *x =
            &v->times[(v->times_next + NB_VD_NTIMES - v->ntimes + k) % NB_VD_NTIMES];
        if (x->t <= since)
            base = x;
    }
    if (base != last)
        nb_cpuwin_steal(&base->c, &last->c, out);
}

/* Build IN from T's N samples in v->win, which came in [START, END]. */
static void build(struct nb_verdicts *v, const struct nb_vd_target *t, size_t n, nb_ns start,
                  nb_ns end, nb_ns now_mono, nb_ns now_rt, bool brief, struct nb_cls_input *in)
{
    struct nb_vd_sample *w = v->win;
    nb_ns end_rt = now_rt - (now_mono - end);
    nb_window_head(in, t->name, end_rt - (end - start), end_rt);
    if (t->app) {
        app_input(w, n, in);
    } else if (t->family == NB_FAMILY_PATH) {
        path_input(t, w, n, start, in);
        steal_input(v, start, &in->cpu_local);
        cross_family(v, NB_FAMILY_VNET, start, end, &in->vnet);
        cross_family(v, NB_FAMILY_FABRIC, start, end, &in->fabric);
        /* a guest has no fabric peer: its host agent's, toward the host of
         * the reflector's agent, if it has one (fresh: within two seconds),
         * as long as the window (BRIEF: the fast test's, whose cross-check
         * must not be a 10 s window whose p50 has not moved yet) */
        if (t->feed[1] && t->feed[0]) {
            nb_feed_want_fabric(t->feed[1], nb_feed_addr(t->feed[0]));
            if (!in->fabric.present)
                nb_feed_fabric(t->feed[1], now_mono - 2 * NB_NS_PER_SEC, brief, &in->fabric);
        }
    } else {
        nb_vd_family(w, n, t->family == NB_FAMILY_VNET ? &in->vnet : &in->fabric);
        if (t->family == NB_FAMILY_VNET) /* the local virtual layer: this guest's CPU too */
            steal_input(v, start, &in->cpu_local);
        /* the measured peer: guests ask their host agent for its fabric
         * window toward a given host (nb_trace_find_fabric) */
        snprintf(in->remote_host, sizeof(in->remote_host), "%.*s", (int)sizeof(in->remote_host) - 1,
                 t->peer); /* numeric: fits */
    }
}

void nb_vd_input(struct nb_verdicts *v, const struct nb_vd_target *t, nb_ns now_mono, nb_ns now_rt,
                 struct nb_cls_input *in)
{
    nb_ns span = (nb_ns)NB_VERDICT_WINDOW_S * NB_NS_PER_SEC;
    nb_ns end = window_end(t, now_mono), start = end - span;
    if (t->since > start) /* the fast test cleared a fault there (verdicts_fast.c) */
        start = t->since;
    size_t n = nb_vd_window(t, start, end, v->win);
    build(v, t, n, start, end, now_mono, now_rt, false, in);
}

size_t nb_vd_input_recent(struct nb_verdicts *v, const struct nb_vd_target *t, nb_ns now_mono,
                          nb_ns now_rt, size_t min_n, nb_ns *startp, nb_ns *endp,
                          struct nb_cls_input *in)
{
    nb_ns end = window_end(t, now_mono), start = end - (nb_ns)NB_VD_FAST_MS * 1000000;
    nb_ns oldest = end - (nb_ns)NB_VD_FAST_MAX_MS * 1000000;
    size_t n = 0, i = t->n;
    /* newest first: the last NB_VD_FAST_MS, or back to the MIN_N'th newest */
    while (i > 0) {
        const struct nb_vd_sample *s = nb_vd_at(t, i - 1);
        if (s->t > end) {
            i--;
            continue;
        }
        if (s->t < oldest || (s->t < start && n >= min_n))
            break;
        n++;
        i--;
    }
    if (n < min_n)
        return 0;
    for (size_t k = 0; k < n; k++) /* contiguous: results are kept in arrival order */
        v->win[k] = *nb_vd_at(t, i + k);
    if (n && v->win[0].t < start)
        start = v->win[0].t;
    *startp = start;
    *endp = end;
    build(v, t, n, start, end, now_mono, now_rt, true, in);
    return n;
}
