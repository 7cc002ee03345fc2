/* quantile.h — order statistics over small samples (classifier, pure). */
#ifndef NETBLAME_QUANTILE_H
#define NETBLAME_QUANTILE_H

#include <stddef.h>
#include <stdint.h>

/* Sort V (N values) ascending in place. */
void nb_sort_i64(int64_t *v, size_t n);
/* Quantile Q in [0,1] of sorted V by linear interpolation between closest ranks
 * (Hyndman-Fan type 7, what numpy and R default to). N must be > 0. */
double nb_quantile_sorted(const int64_t *v, size_t n, double q);

/* One-sided confidence of the lower bounds below: 99 %. */
#define NB_QUANTILE_LO_ALPHA 0.01

/* A distribution-free lower confidence bound for quantile Q of the
 * population sorted V (N values) was drawn from: the order statistic X_(r)
 * with the largest r such that P(Binomial(N, Q) >= r) >= 1 - ALPHA, so the
 * true quantile is below it with probability at most ALPHA, whatever the
 * distribution (no normality, no independence of the quantile from the
 * tail). 0 when N is too small for any order statistic to be such a bound
 * (e.g. the median of 5 values at 99 %): no claim can rest on it. */
double nb_quantile_lower_sorted(const int64_t *v, size_t n, double q, double alpha);

struct nb_summary {
    size_t n;
    int64_t min, max;
    double p50, p90, p99, mean;
    /* 99 % lower confidence bounds of the p50 and p90 (NB_QUANTILE_LO_ALPHA):
     * what a "slower than usual" claim rests on, so a short burst's sampling
     * noise is not taken for a shift. */
    double p50_lo, p90_lo;
};
/* Summarise V (sorted in place). With N == 0 everything is 0 and n == 0. */
void nb_summarise(int64_t *v, size_t n, struct nb_summary *out);

#endif
