/* verdicts_fast.c — the FAST TEST: a target's short recent window judged
 * against its learnt baseline every tick, so a clear fault is named, and
 * cleared, within about two seconds rather than once a 10 s window's
 * median has moved (or emptied).
 *
 * Each tick (NB_VD_TICK_MS) the last NB_VD_FAST_MS of a target's results
 * (back to th.min_samples of them if that second holds fewer, at most
 * NB_VD_FAST_MAX_MS: a target probed slower than that has no fast test,
 * only the long window) go through the same classifier as the long window
 * and against the same baseline. Why this holds false alarms down without
 * a constant tuned on a quiet lab: the classifier judges a window's LOWER
 * 99 % confidence bounds (distribution-free order statistics: of 20 results
 * the p50's is the 5th smallest), so a short window's own sampling noise
 * never reads as a shift, and the limit it is compared with is the learnt
 * noise of this target (median + max(excess, 6 MAD) of its healthy windows,
 * and never under their second largest; include/netblame/verdict.h). What
 * a short window adds is bursts of noise a second long, which a 10 s median
 * smooths. Against those, first, the short window is judged a second time
 * against a baseline of short windows (t->sbase: one learnt every 10 s,
 * whatever it holds, while nothing is named, so its 64 windows span ~11
 * minutes of this target's second-to-second noise, as the long baseline's
 * span its window-to-window noise), and it names a layer only if both
 * judgements name it (floors alone, until 5 short windows are learnt); a
 * path whose healthy seconds have bursts has learnt them. Nor does a short
 * window name a STALL (a segment slow by its p90, not its p50): the p90 of
 * 20 results rests on their largest few, a stall is intermittent by
 * nature, and under CPU noise the lab's stand-ins and reflectors stall for
 * a second at a time (a first version, without this rule nor the second
 * baseline, three windows in a row, blamed 10 healthy polls of a noise
 * bench's first 5 minutes so, every one a stall); stalls are the long
 * window's, 200 results. Then the test is SEQUENTIAL:
 *   - onset: NB_VD_FAST_ON short windows in a row (0.75 s: their results
 *     cover 1.75 s; three cost 0.5 s less and were the first version's)
 *     must name the same layer and side before the served verdict changes
 *     to it (the long window's NB_VERDICT_PERSIST rule does not apply then;
 *     it still applies to what only the long window sees, e.g. a loss too
 *     thin for 20 probes);
 *   - return: a fault the fast test named (or judged too) is cleared by
 *     NB_VD_FAST_OFF short windows in a row judged healthy (1.25 s; their
 *     results cover 2.25 s), and the long window then restarts where the
 *     first of them began (t->since), so the faulty probes it still holds
 *     cannot name the fault again (nor be learnt). Any short window not
 *     healthy (slow, or inconclusive) in between restarts the count: the
 *     hysteresis that keeps a fault near its threshold from flapping;
 *   - a short window that is suspicious but not conclusive (inconclusive,
 *     or one or two windows naming) changes nothing: the served verdict
 *     stays what it was.
 * While the fast test owns the served fault its figures are the long
 * window's when that names it too (more results, more evidence), else the
 * short window's, with an evidence line saying so. Nothing here probes
 * faster: at the lab's 50-100 ms intervals a second holds 10-20 results
 * (tests/bench/README.md "Time to verdict"); a 1/s peer keeps the long
 * window's pace. A probe counts as lost only at its timeout, so a loss
 * reaches (and leaves) a short window that much late: counting probes in
 * flight past their expected reply, as GET /v1/windows?ms= does, is not
 * done here yet. */
#include <stdio.h>

#include "daemon/verdicts_int.h"

static bool names(const struct nb_verdict *v)
{
    return v->layer != NB_LAYER_HEALTHY && v->layer != NB_LAYER_INCONCLUSIVE;
}

static bool same(const struct nb_verdict *a, const struct nb_verdict *b)
{
    return a->layer == b->layer && a->where.side == b->where.side;
}

/* Serve FAST (the short window's verdict of N results over SPAN ns; IN_ROW:
 * as the end of a run of them). */
static void serve(struct nb_vd_target *t, const struct nb_verdict *fast, size_t n, nb_ns span,
                  bool in_row)
{
    t->verdict = *fast;
    if (t->verdict.nevidence < NB_CLS_MAX_EVIDENCE)
        snprintf(t->verdict.evidence[t->verdict.nevidence++], NB_CLS_TEXTSIZ,
                 "fast test: judged on the last %.2f s (%zu results) against the baseline%s",
                 (double)span / NB_NS_PER_SEC, n,
                 in_row ? (names(fast) ? "; named so by short windows in a row"
                                       : "; the fault's short windows healthy in a row")
                        : "");
}

/* Whether V's top finding is a segment's stall (slow by its p90, not its
 * p50, losing nothing). */
static bool stall(const struct nb_verdict *v)
{
    int s = v->nfindings ? v->findings[0].segment : -1;
    return s >= 0 && s < NB_SEG__COUNT && v->seg[s].tail && !v->seg[s].lossy;
}

void nb_vd_fast_join(struct nb_vd_target *t, const struct nb_cls_input *in, struct nb_verdict *fast,
                     const struct nb_verdict *fast2, const struct nb_cls_thresholds *th,
                     nb_ns now_mono)
{
    static const struct nb_verdict stalled = {.layer = NB_LAYER_INCONCLUSIVE};
    nb_ns span = (nb_ns)NB_VERDICT_WINDOW_S * NB_NS_PER_SEC;
    /* learnt: one short window per long window length, whatever it holds,
     * while neither the long window nor the served verdict names a layer
     * (nor did within a window length) */
    if (t->sbase && now_mono - t->slast_learn >= span && !names(&t->raw) &&
        !(t->have_verdict && names(&t->verdict)) &&
        !(t->last_named && now_mono - t->last_named < span)) {
        nb_baseline_learn(t->sbase, in, th);
        t->slast_learn = now_mono;
    }
    if (names(fast) && stall(fast))
        fast2 = &stalled; /* the long window's to judge */
    if (names(fast) && same(fast, fast2))
        return;
    if (fast->layer == NB_LAYER_HEALTHY && fast2->layer == NB_LAYER_HEALTHY)
        return;
    if (names(fast) || names(fast2)) { /* one says so: suspicious, not conclusive */
        fast->layer = NB_LAYER_INCONCLUSIVE;
        fast->where.side = NB_SIDE_NONE;
    }
}

bool nb_vd_fast(struct nb_vd_target *t, const struct nb_verdict *fast, size_t n, nb_ns start,
                nb_ns end, nb_ns now_mono, nb_ns now_rt)
{
    if (!t->have_verdict || !n) { /* no fast test: the long window decides */
        t->fast_named = false;
        t->fpend_n = t->fclear_n = 0;
        return false;
    }
    bool served = names(&t->verdict);
    if (names(fast)) {
        t->last_named = now_mono; /* nor is this learnt (LEARNING) */
        t->fclear_n = 0;
        if (served && same(fast, &t->verdict)) {
            t->fast_named = true; /* judged by the fast test too: it may clear it */
            t->fpend_n = 0;
            if (!same(&t->raw, fast)) /* else the long window's, with more evidence */
                serve(t, fast, n, end - start, false);
            return false;
        }
        if (nb_vd_in_row(&t->fpend_layer, &t->fpend_side, &t->fpend_n, fast) < NB_VD_FAST_ON)
            return false;
        serve(t, fast, n, end - start, true);
    } else {
        t->fpend_n = 0;
        if (fast->layer != NB_LAYER_HEALTHY || !served || !t->fast_named) {
            t->fclear_n = 0;
            return false;
        }
        if (t->fclear_n++ == 0)
            t->fclear_from = start;
        if (t->fclear_n < NB_VD_FAST_OFF)
            return false;
        serve(t, fast, n, end - start, true);
        t->since = t->fclear_from; /* the long window restarts there */
        t->fast_named = false;
    }
    t->fast_named = names(fast);
    t->fpend_n = t->fclear_n = 0;
    t->pend_n = 0; /* the long window's count starts anew */
    t->changed = now_rt;
    return true;
}
