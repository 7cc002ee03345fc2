/* stats.c — Wilson score intervals, median/MAD, effect-size helpers and the
 * robust baseline ring (stats.h). Pure: no state, no clock, no allocation.
 * Which of the classifier's figures a baseline learns is baseline.c's.
 *
 * Why these estimators:
 *  - Wilson, not the normal ("Wald") interval: windows hold tens to hundreds
 *    of probes and loss is usually 0 or a few, where Wald collapses to [0,0]
 *    (0/100 "certainly no loss") or leaves [0,1]. Wilson stays honest at the
 *    edges: 0/100 at 95 % is [0, 3.7 %], so "no loss seen" is not "no loss".
 *  - Median and MAD for baselines: a healthy-window history can still hold a
 *    stray slow window (a GC pause, a noisy neighbour); one outlier moves a
 *    mean and a standard deviation, not a median and a MAD. The baseline
 *    keeps each figure's last NB_BASE_RING window values in a fixed ring
 *    (nb_base_push), so learning allocates nothing and forgets old regimes;
 *    nb_baseline_learn() (baseline.c) feeds it the figures of windows judged
 *    healthy. */
#include "netblame/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct nb_ci nb_wilson(uint64_t k, uint64_t n, double z)
{
    struct nb_ci ci = {0.0, 1.0};
    if (n == 0)
        return ci;
    if (k > n)
        k = n;
    double nn = (double)n;
    double p = (double)k / nn;
    double z2 = z * z;
    double denom = 1.0 + z2 / nn;
    double centre = (p + z2 / (2.0 * nn)) / denom;
    double half = z * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;
    ci.lo = k == 0 ? 0.0 : nb_clamp01(centre - half);
    ci.hi = k == n ? 1.0 : nb_clamp01(centre + half);
    if (ci.lo > ci.hi) /* rounding at the extremes only */
        ci.lo = ci.hi;
    return ci;
}

double nb_wilson_lower(uint64_t k, uint64_t n, double z)
{
    return nb_wilson(k, n, z).lo;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    /* NaN sorts last and equal to itself, so qsort sees a total order. */
    if (isnan(x) || isnan(y))
        return isnan(x) - isnan(y);
    return (x > y) - (x < y);
}

void nb_sort_d(double *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_d);
}

double nb_median_sorted_d(const double *v, size_t n)
{
    if (n == 0)
        return 0.0;
    if (n % 2)
        return v[n / 2];
    return (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* Median and MAD of SCRATCH[0..N), which already holds a copy of the data
 * (it is reordered and overwritten). */
static void median_mad_scratch(double *scratch, size_t n, double *median, double *mad)
{
    nb_sort_d(scratch, n);
    double m = nb_median_sorted_d(scratch, n);
    for (size_t i = 0; i < n; i++)
        scratch[i] = fabs(scratch[i] - m);
    nb_sort_d(scratch, n);
    *median = m;
    *mad = nb_median_sorted_d(scratch, n);
}

int nb_median_mad_d(const double *v, size_t n, double *scratch, double *median, double *mad)
{
    *median = *mad = 0.0;
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        scratch[i] = v[i];
    median_mad_scratch(scratch, n, median, mad);
    return 0;
}

int nb_median_mad_i64(const int64_t *v, size_t n, double *scratch, double *median, double *mad)
{
    *median = *mad = 0.0;
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        scratch[i] = (double)v[i];
    median_mad_scratch(scratch, n, median, mad);
    return 0;
}

double nb_robust_margin(double mad, double k, double floor)
{
    double m = k * mad;
    return m > floor ? m : floor;
}

double nb_excess_ratio(double x, double ref, double margin)
{
    if (!(margin > 0.0))
        return 0.0;
    return (x - ref) / margin;
}

double nb_effect_strength(double r)
{
    if (!(r >= 1.0))
        return 0.0;
    return 1.0 - 0.5 / r;
}

double nb_sample_weight(uint64_t n, uint64_t min)
{
    if (n == 0)
        return 0.0;
    double nn = (double)n;
    return nn / (nn + (double)min / 2.0);
}

double nb_clamp01(double x)
{
    if (!(x > 0.0)) /* also NaN */
        return 0.0;
    return x > 1.0 ? 1.0 : x;
}

double nb_round_to(double x, double step)
{
    if (!(step > 0.0))
        return x;
    return round(x / step) * step;
}

/* Median, MAD and second-largest of V[0..N) (N >= 1). */
static void dist_of(const double *v, unsigned n, struct nb_base_dist *d)
{
    double scratch[NB_BASE_RING];
    nb_median_mad_d(v, n, scratch, &d->median, &d->mad);
    for (unsigned i = 0; i < n; i++)
        scratch[i] = v[i];
    nb_sort_d(scratch, n);
    d->high = scratch[n >= 2 ? n - 2 : 0];
}

void nb_base_push(struct nb_base_ring *r, double p50, double p90, struct nb_base_stat *st)
{
    unsigned at = r->next % NB_BASE_RING; /* a ring read from a trace may be off */
    r->v[at] = p50;
    r->t[at] = p90 >= 0 ? p90 : -1.0;
    r->next = (at + 1) % NB_BASE_RING;
    if (r->len < NB_BASE_RING)
        r->len++;
    else
        r->len = NB_BASE_RING;
    memset(st, 0, sizeof(*st));
    dist_of(r->v, r->len, &st->p50);
    st->n = r->len;
    double tails[NB_BASE_RING];
    unsigned k = 0;
    for (unsigned i = 0; i < r->len; i++)
        if (r->t[i] >= 0)
            tails[k++] = r->t[i];
    if (k) {
        dist_of(tails, k, &st->p90);
        st->tail_n = k;
    }
}
