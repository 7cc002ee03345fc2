/* metrics.h — Prometheus text exposition format (version 0.0.4) writer and a
 * fixed-bucket histogram. Label values are escaped here (\\, \", \n) so no
 * caller can break the format. Label sets are bounded by construction: callers
 * only pass names from config or from fixed enums, never from packets (and the
 * host agent the names of the watched taps and of their owners' threads). */
#ifndef NB_METRICS_H
#define NB_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "netblame/buf.h"

/* "# HELP name help\n# TYPE name type\n" (TYPE: counter|gauge|histogram). */
void nb_prom_family(struct nb_buf *b, const char *name, const char *type, const char *help);

/* One sample: name{k1="v1",k2="v2"} value\n. LABELS is an array of NLABELS
 * (key, value) pairs: labels[2*i] key, labels[2*i+1] value. Values print in the
 * shortest form that reads back exactly (integers exactly), NaN/Inf as Prometheus spells them. */
void nb_prom_sample(struct nb_buf *b, const char *name, const char *const *labels, size_t nlabels,
                    double value);

/* A family with one unlabelled sample: HELP, TYPE and the value. */
void nb_prom_single(struct nb_buf *b, const char *name, const char *type, const char *help,
                    double value);

/* Histogram with cumulative buckets rendered as name_bucket{...,le="x"},
 * name_sum, name_count. Bounds strictly increasing, in the metric's unit. */
#define NB_HISTO_MAX_BUCKETS 32
struct nb_histo {
    const double *bounds;
    size_t nbounds;
    uint64_t counts[NB_HISTO_MAX_BUCKETS]; /* non-cumulative per bucket; [nbounds] is +Inf */
    double sum;
    uint64_t count;
};
void nb_histo_init(struct nb_histo *h, const double *bounds, size_t nbounds);
void nb_histo_observe(struct nb_histo *h, double v);
void nb_histo_render(struct nb_buf *b, const char *name, const char *const *labels, size_t nlabels,
                     const struct nb_histo *h);

/* Default RTT buckets in seconds: 10us .. 10s. */
extern const double nb_rtt_buckets_seconds[];
extern const size_t nb_rtt_buckets_count;

#endif
