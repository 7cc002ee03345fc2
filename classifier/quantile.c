/* quantile.c — sorting and quantiles for latency samples. Pure functions. */
#include "netblame/quantile.h"

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
}
