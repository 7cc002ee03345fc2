/* verdict_ctx.c — what every rule of the classifier shares (verdict_int.h):
 * the text helpers, the working state of one classification (evidence,
 * conditions, candidates) and how a figure is judged (limits from a learnt
 * baseline or the floors, strengths, significance). The rules call into this
 * file; it calls none of them. */
#include "verdict_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- text ---- */

void nb_cls_fmt(char *dst, size_t cap, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(dst, cap, f, ap);
    va_end(ap);
}

/* Append to the NUL-terminated DST (truncating). */
void nb_cls_cat(char *dst, size_t cap, const char *f, ...)
{
    size_t n = strlen(dst);
    if (n + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, f);
    vsnprintf(dst + n, cap - n, f, ap);
    va_end(ap);
}

/* A duration for a person: "20.4 ms", "1.25 ms", "30 us", "2.1 s". */
struct txt nb_cls_dur(double ns)
{
    struct txt t;
    double a = fabs(ns);
    if (a >= 1e9)
        nb_cls_fmt(t.s, sizeof(t.s), "%.2f s", ns / 1e9);
    else if (a >= 10e6)
        nb_cls_fmt(t.s, sizeof(t.s), "%.1f ms", ns / 1e6);
    else if (a >= 1e6)
        nb_cls_fmt(t.s, sizeof(t.s), "%.2f ms", ns / 1e6);
    else if (a >= 10e3)
        nb_cls_fmt(t.s, sizeof(t.s), "%.0f us", ns / 1e3);
    else
        nb_cls_fmt(t.s, sizeof(t.s), "%.1f us", ns / 1e3);
    return t;
}

/* "a, b, c" of the segments in MASK. */
struct line nb_cls_seg_list(unsigned mask)
{
    struct line t = {""};
    for (int s = 0; s < NB_SEG__COUNT; s++)
        if (mask & BIT(s))
            nb_cls_cat(t.s, sizeof(t.s), "%s%s", t.s[0] ? ", " : "",
                       nb_segment_name((enum nb_segment)s));
    return t;
}

unsigned nb_cls_popcount(unsigned m)
{
    unsigned n = 0;
    for (; m; m &= m - 1)
        n++;
    return n;
}

/* One team: physical is one finding whatever the side. */
int nb_cls_team(enum nb_layer l, enum nb_side s)
{
    return (int)l * 3 + (l == NB_LAYER_PHYSICAL ? 0 : (int)s);
}

/* ---- the working state of one classification ---- */

void nb_cls_add_ev(struct ctx *x, const char *f, ...)
{
    struct nb_verdict *v = x->v;
    char line[NB_CLS_TEXTSIZ] = ""; /* copied whole: no stack garbage after the NUL */
    va_list ap;
    va_start(ap, f);
    vsnprintf(line, sizeof(line), f, ap);
    va_end(ap);
    for (size_t i = 0; i < v->nevidence; i++)
        if (strcmp(v->evidence[i], line) == 0)
            return;
    if (v->nevidence < NB_CLS_MAX_EVIDENCE)
        memcpy(v->evidence[v->nevidence++], line, sizeof(line));
}

/* An unexplained symptom: the first is the reason, later ones evidence. */
void nb_cls_condition(struct ctx *x, bool network, const char *text)
{
    if (!x->reason[0])
        nb_cls_fmt(x->reason, sizeof(x->reason), "%s", text);
    else
        nb_cls_add_ev(x, "%s", text);
    x->net_condition |= network;
}

void nb_cls_too_few(struct ctx *x, const char *text)
{
    if (!x->few[0])
        nb_cls_fmt(x->few, sizeof(x->few), "%s", text);
}

struct cand *nb_cls_new_cand(struct ctx *x, enum nb_layer l, enum nb_side side, int seg,
                             unsigned src, double strength)
{
    if (x->nc >= MAX_CANDS)
        return NULL;
    struct cand *c = &x->c[x->nc++];
    memset(c, 0, sizeof(*c));
    c->layer = l;
    c->side = side;
    c->segment = seg;
    c->src = src;
    c->strength = strength;
    c->penalty = 1.0;
    c->link = -1;
    return c;
}

/* A learnt baseline of metric M, or NULL if there is none worth using. */
const struct nb_base_stat *nb_cls_baseline_of(const struct ctx *x, int m)
{
    if (!x->base || m < 0 || m >= NB_BM__COUNT)
        return NULL;
    const struct nb_base_stat *b = &x->base->m[m];
    if (b->n == 0 || b->n < x->th->min_base_windows)
        return NULL;
    return b;
}

/* A rate of K in N that counts: enough events and a Wilson lower bound over
 * the floor. *LO gets the lower bound. */
bool nb_cls_significant(const struct ctx *x, uint64_t k, uint64_t n, double *lo)
{
    *lo = nb_wilson_lower(k, n, x->th->z);
    return k > 0 && k >= x->th->min_events && *lo > x->th->loss_floor;
}

/* The limit of one learnt figure D: above its median by the margin
 * max(EXCESS, k·MAD, MAD credited with at least the resolution), and above
 * the second-largest learnt value. */
static double dist_limit(const struct ctx *x, const struct nb_base_dist *d, double excess)
{
    double mad = d->mad > x->th->spread_floor_ns ? d->mad : x->th->spread_floor_ns;
    double lim = d->median + nb_robust_margin(mad, x->th->k_mad, excess);
    return lim > d->high ? lim : d->high;
}

struct nb_cls_lim nb_cls_limits(struct ctx *x, int bm, double floor, double excess,
                                double tail_floor, double tail_excess)
{
    struct nb_cls_lim l = {.b = nb_cls_baseline_of(x, bm), .limit = floor};
    if (l.b) {
        x->baseline_used = true;
        l.ref = l.b->p50.median;
        l.limit = dist_limit(x, &l.b->p50, excess);
    }
    l.tlimit = tail_floor;
    if (l.b && l.b->tail_n >= x->th->min_base_windows) {
        l.tref = l.b->p90.median;
        l.tlimit = dist_limit(x, &l.b->p90, tail_excess);
    }
    if (l.tlimit < l.limit) /* a p90 is never judged more strictly than a p50 */
        l.tlimit = l.limit;
    return l;
}

double nb_cls_limit_of(struct ctx *x, int bm, double floor, double excess, double *ref,
                       const struct nb_base_stat **bp)
{
    struct nb_cls_lim l = nb_cls_limits(x, bm, floor, excess, floor, excess);
    *ref = l.ref;
    if (bp)
        *bp = l.b;
    return l.limit;
}

double nb_cls_lo(double lo, double point)
{
    return lo > 0.0 ? lo : point;
}

/* c0 of a latency claim: P past LIMIT over N samples (MIN needed). */
double nb_cls_lat_strength(double p, double ref, double limit, uint64_t n, unsigned min, bool based)
{
    return nb_effect_strength(nb_excess_ratio(p, ref, limit - ref)) * nb_sample_weight(n, min) *
           (based ? 1.0 : NO_BASELINE_FACTOR);
}

/* c0 of a rate claim: Wilson lower bound LO over N trials (MIN needed). */
double nb_cls_rate_strength(const struct ctx *x, double lo, uint64_t n, unsigned min)
{
    return nb_effect_strength(lo / x->th->loss_floor) * nb_sample_weight(n, min);
}
