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

struct nb_summary {
    size_t n;
    int64_t min, max;
    double p50, p90, p99, mean;
};
/* Summarise V (sorted in place). With N == 0 everything is 0 and n == 0. */
void nb_summarise(int64_t *v, size_t n, struct nb_summary *out);

#endif
