/* baseline.c — the classifier's baseline (verdict.h): which of a window's
 * figures are learnt, and what of them (the judged bound). The statistics of
 * one figure's ring (median, MAD, tail) are stats.c's; the limits it yields
 * are applied in verdict.c. */
#include "netblame/verdict.h"

#include <string.h>

#include "netblame/stats.h"

const char *nb_base_metric_name(enum nb_base_metric m)
{
    /* clang-format off */
    static const char *const names[NB_BM__COUNT] = {
        "path.local_virtual", "path.local_switch", "path.physical", "path.remote_switch",
        "path.remote_virtual", "path.remote_app", "path.rtt", "vnet.rtt", "fabric.rtt",
        "app.connect", "app.server", "handshake.local_virtual", "handshake.local_switch",
        "handshake.physical", "handshake.remote_switch", "handshake.remote_virtual",
        "handshake.remote_app", "app.resolve"};
    /* clang-format on */
    return (unsigned)m < NB_BM__COUNT ? names[m] : "?";
}

void nb_baseline_init(struct nb_baseline *b)
{
    memset(b, 0, sizeof(*b));
}

static unsigned push(struct nb_baseline *b, int m, double p50, double p90)
{
    nb_base_push(&b->ring[m], p50, p90, &b->m[m]);
    return 1;
}

/* The figure a window is judged on (its lower bound, or the point figure
 * when it carries none): what is learnt, so a window is compared with the
 * learnt windows like for like, and a window judged healthy never teaches a
 * value over the limit it was judged against (the point p90 of a window
 * whose stalled tenth is just too small to count would). */
static double judged(double lo, double point)
{
    return lo > 0.0 ? lo : point;
}

static unsigned learn_waterfall(struct nb_baseline *b, const struct nb_waterfall *w, int m0,
                                unsigned min)
{
    unsigned n = 0;
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        const struct nb_seg_figures *f = &w->seg[s];
        if (f->known >= min)
            n += push(b, m0 + s, judged(f->p50_lo, f->p50), judged(f->p90_lo, f->p90));
    }
    return n;
}

static unsigned learn_family(struct nb_baseline *b, const struct nb_cls_family *f, int m,
                             unsigned min)
{
    if (!f->present || !f->rtt.known || f->lost > f->probes || f->probes - f->lost < min)
        return 0;
    return push(b, m, judged(f->rtt.p50_lo, f->rtt.p50), judged(f->rtt.p90_lo, f->rtt.p90));
}

unsigned nb_baseline_learn(struct nb_baseline *b, const struct nb_cls_input *in,
                           const struct nb_cls_thresholds *th)
{
    struct nb_cls_thresholds defaults;
    if (!th) {
        nb_cls_thresholds_default(&defaults);
        th = &defaults;
    }
    unsigned n = 0;
    const struct nb_cls_path *p = &in->path;
    if (p->present) {
        n += learn_waterfall(b, &p->wf, NB_BM_PATH_SEG, th->min_samples);
        if (p->rtt.known && p->wf.answered >= th->min_samples)
            n += push(b, NB_BM_PATH_RTT, judged(p->rtt.p50_lo, p->rtt.p50),
                      judged(p->rtt.p90_lo, p->rtt.p90));
    }
    n += learn_family(b, &in->vnet, NB_BM_VNET_RTT, th->min_samples);
    n += learn_family(b, &in->fabric, NB_BM_FABRIC_RTT, th->min_samples);
    const struct nb_cls_app *a = &in->app;
    if (a->present && a->ok >= th->min_app_probes) {
        if (a->have_connect)
            n += push(b, NB_BM_APP_CONNECT, a->connect_p50, -1.0);
        if (a->have_server)
            n += push(b, NB_BM_APP_SERVER, a->server_p50, -1.0);
        if (a->have_handshake)
            n += learn_waterfall(b, &a->handshake, NB_BM_HS_SEG, th->min_samples);
    }
    if (a->present && a->have_resolve && a->resolved >= th->min_app_probes)
        n += push(b, NB_BM_APP_RESOLVE, a->resolve_p50, -1.0);
    return n;
}
