/* stats.h — the small statistics the classifier's claims rest on (pure):
 * a confidence interval for a loss or failure rate (Wilson score), a robust
 * centre and spread for a baseline (median and MAD), and the effect-size
 * helpers that turn "how far past the threshold" into a number in [0,1].
 *
 * Nothing here allocates, reads a clock or keeps state: callers hand in
 * scratch space where a copy has to be sorted. */
#ifndef NETBLAME_STATS_H
#define NETBLAME_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Two-sided normal quantiles: z such that P(|N(0,1)| <= z) = 95 %, 99 %. */
#define NB_Z_95 1.959963984540054
#define NB_Z_99 2.5758293035489004

/* MAD × this estimates σ for normally distributed data. The classifier uses
 * the raw MAD (k·MAD with k = 6 ≈ 4σ); the constant is for readers. */
#define NB_MAD_TO_SIGMA 1.482602218505602

struct nb_ci {
    double lo, hi; /* within [0,1], lo <= hi */
};

/* Wilson score interval of K successes in N trials at normal quantile Z
 * (Z > 0). K > N is clamped to N; N == 0 gives the uninformative [0, 1].
 * Exact ends: K == 0 gives lo = 0, K == N gives hi = 1. */
struct nb_ci nb_wilson(uint64_t k, uint64_t n, double z);

/* Lower end of nb_wilson(K, N, Z): the rate we are confident is exceeded. */
double nb_wilson_lower(uint64_t k, uint64_t n, double z);

/* Sort V[0..N) ascending in place (NaNs are not expected and end up last). */
void nb_sort_d(double *v, size_t n);

/* Median of sorted V[0..N) (mean of the middle two for even N); 0 if N == 0. */
double nb_median_sorted_d(const double *v, size_t n);

/* Median and MAD (median absolute deviation from the median, unscaled) of
 * V[0..N), which is left untouched; SCRATCH holds N doubles. Returns 0, or
 * -1 when N == 0 (outputs then 0). */
int nb_median_mad_d(const double *v, size_t n, double *scratch, double *median, double *mad);

/* The same over int64 samples (e.g. nanosecond latencies); SCRATCH holds N
 * doubles. Returns 0, or -1 when N == 0. */
int nb_median_mad_i64(const int64_t *v, size_t n, double *scratch, double *median, double *mad);

/* The margin an observation must exceed a learnt median by to count:
 * max(FLOOR, K·MAD). Never below FLOOR, so a baseline with MAD 0 (identical
 * windows) does not make every nanosecond an anomaly. */
double nb_robust_margin(double mad, double k, double floor);

/* Effect ratio of X against a reference and margin: (X - REF) / MARGIN.
 * > 1 means X is past the threshold REF + MARGIN. MARGIN <= 0 gives 0. */
double nb_excess_ratio(double x, double ref, double margin);

/* Map an effect ratio R (>= 1 past the threshold) to [0.5, 1): 1 - 0.5/R.
 * R = 1 → 0.5 (just past), 2 → 0.75, 10 → 0.95. R < 1 gives 0. */
double nb_effect_strength(double r);

/* Weight of N samples when at least MIN are needed: N / (N + MIN/2), so
 * MIN samples → 2/3, 10·MIN → 0.95. 0 if N == 0. */
double nb_sample_weight(uint64_t n, uint64_t min);

/* X clamped to [0,1] (NaN → 0). */
double nb_clamp01(double x);

/* X rounded to the nearest multiple of STEP (> 0), so a figure printed from
 * it has no float noise beyond that resolution. */
double nb_round_to(double x, double step);

/* ---- robust baseline: the last windows' figures, their centre and spread ----
 *
 * A baseline learns what a figure looks like window after window on this
 * path: for each learnt window its p50 and its p90 (the tail: a path whose
 * healthy tail is long keeps a long tail), and from the last NB_BASE_RING
 * windows their median, MAD and second-largest value. The spread between
 * windows is the noise a judged window is compared with (classifier/
 * verdict.c, nb_cls_limits()), so a noisy path gets wide limits and a
 * quiet one narrow limits, each learnt rather than assumed. */

#define NB_BASE_RING 64 /* windows remembered per figure (10 s windows: ~11 minutes) */

/* Centre and spread of one figure over the learnt windows. */
struct nb_base_dist {
    double median, mad; /* over the learnt windows' values */
    double high;        /* the second-largest of them (the largest with one value) */
};

struct nb_base_stat {
    struct nb_base_dist p50; /* of the windows' p50s */
    struct nb_base_dist p90; /* of the windows' p90s (tail.n of them) */
    unsigned n;              /* windows; 0: no baseline */
    unsigned tail_n;         /* windows whose p90 was learnt; 0: no tail baseline */
};

struct nb_base_ring {
    double v[NB_BASE_RING];  /* p50s */
    double t[NB_BASE_RING];  /* p90s; < 0: that window had none */
    unsigned len, next;      /* values held; where the next one goes */
};

/* Push a window's P50 and P90 (P90 < 0: none) into R, dropping the oldest
 * beyond NB_BASE_RING, and set *ST to what R now holds. No allocation. */
void nb_base_push(struct nb_base_ring *r, double p50, double p90, struct nb_base_stat *st);

#endif
