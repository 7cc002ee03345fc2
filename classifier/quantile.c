/* quantile.c — sorting and quantiles for latency samples. Pure functions. */
#include "netblame/quantile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void nb_sort_i64(int64_t *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_i64);
}

double nb_quantile_sorted(const int64_t *v, size_t n, double q)
{
    if (q <= 0)
        return (double)v[0];
    if (q >= 1)
        return (double)v[n - 1];
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)h;
    double frac = h - (double)lo;
    if (lo + 1 >= n)
        return (double)v[n - 1];
    return (double)v[lo] + frac * ((double)v[lo + 1] - (double)v[lo]);
}

double nb_quantile_lower_sorted(const int64_t *v, size_t n, double q, double alpha)
{
    if (n == 0 || !(q > 0.0) || !(q < 1.0))
        return 0.0;
    /* P(B <= k) for B ~ Binomial(n, q), summed from k = 0 in log space (n
     * is at most a few thousand). X_(k+1) is a valid bound while P(B <= k)
     * <= alpha: below the quantile at most k values fall with that chance. */
    double lodds = log(q) - log1p(-q), lp = (double)n * log1p(-q), cdf = 0.0;
    size_t r = 0; /* 1-based rank of the bound; 0: none */
    for (size_t k = 0; k < n; k++) {
        cdf += exp(lp); /* lp = log P(B = k), by the pmf's recurrence */
        if (cdf > alpha)
            break;
        r = k + 1;
        lp += log((double)(n - k) / (double)(k + 1)) + lodds;
    }
    return r ? (double)v[r - 1] : 0.0;
}

void nb_summarise(int64_t *v, size_t n, struct nb_summary *out)
{
    memset(out, 0, sizeof(*out));
    if (n == 0)
        return;
    nb_sort_i64(v, n);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)v[i];
    out->n = n;
    out->min = v[0];
    out->max = v[n - 1];
    out->mean = sum / (double)n;
    out->p50 = nb_quantile_sorted(v, n, 0.50);
    out->p90 = nb_quantile_sorted(v, n, 0.90);
    out->p99 = nb_quantile_sorted(v, n, 0.99);
    out->p50_lo = nb_quantile_lower_sorted(v, n, 0.50, NB_QUANTILE_LO_ALPHA);
    out->p90_lo = nb_quantile_lower_sorted(v, n, 0.90, NB_QUANTILE_LO_ALPHA);
}
