/* verdicts_learn.c — what a target's baseline learns of its windows, and
 * which verdict it serves (verdicts_int.h).
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
 * it; a verdict flipping every tick is never published. */
#include "daemon/verdicts_int.h"

static bool names_layer(const struct nb_verdict *v)
{
    return v->layer != NB_LAYER_HEALTHY && v->layer != NB_LAYER_INCONCLUSIVE;
}

bool nb_vd_learn(struct nb_vd_target *t, const struct nb_cls_input *in,
                 const struct nb_verdict *raw, const struct nb_cls_thresholds *th, nb_ns now_mono)
{
    nb_ns span = (nb_ns)NB_VERDICT_WINDOW_S * NB_NS_PER_SEC;
    if (names_layer(raw)) {
        t->last_named = now_mono;
        return false;
    }
    if (now_mono - t->last_learn < span || (t->last_named && now_mono - t->last_named < span) ||
        (t->since && now_mono - t->since < span)) /* a whole window since the fast test cleared */
        return false;
    nb_baseline_learn(&t->base, in, th);
    t->last_learn = now_mono;
    return true;
}

bool nb_vd_publish(struct nb_vd_target *t, const struct nb_verdict *raw, nb_ns now_rt)
{
    bool same = t->have_verdict && raw->layer == t->verdict.layer &&
                raw->where.side == t->verdict.where.side;
    if (!same && t->have_verdict) {
        if (nb_vd_in_row(&t->pend_layer, &t->pend_side, &t->pend_n, raw) < NB_VERDICT_PERSIST)
            return false;
    }
    t->pend_n = 0;
    t->verdict = *raw;
    t->have_verdict = true;
    if (same)
        return false;
    t->changed = now_rt;
    return true;
}
