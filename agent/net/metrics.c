/* metrics.c — Prometheus text exposition format 0.0.4: HELP/TYPE lines,
 * samples with escaped label values, and fixed-bucket histograms rendered as
 * cumulative _bucket series plus _sum and _count.
 *
 * Numbers are printed in the shortest %.15g/%.16g/%.17g form that reads back
 * as the same double (so integers print exactly and 0.1 prints as "0.1", not
 * "0.10000000000000001"); NaN and infinities as Prometheus spells them. Bucket
 * bounds use the same form ("1e-05", "0.00025", "2.5"), which is also what the
 * Go client library emits, so series from both agree on their "le" values. */
#include "net/metrics.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const double nb_rtt_buckets_seconds[] = {
    10e-6, 25e-6, 50e-6,  100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3,
    25e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1,      2.5,  5,      10,
};
const size_t nb_rtt_buckets_count =
    sizeof(nb_rtt_buckets_seconds) / sizeof(nb_rtt_buckets_seconds[0]);

/* Write V into OUT (at least 32 bytes) as a Prometheus float. */
static void format_value(char *out, size_t n, double v)
{
    if (isnan(v)) {
        snprintf(out, n, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(out, n, "%s", v > 0 ? "+Inf" : "-Inf");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, n, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

/* Append S with "\\", "\"" and newline escaped; QUOTE selects label-value
 * escaping (all three) versus HELP-text escaping (backslash and newline). */
static void append_escaped(struct nb_buf *b, const char *s, int quote)
{
    const char *run = s;

    for (; *s; s++) {
        const char *esc = NULL;
        if (*s == '\\')
            esc = "\\\\";
        else if (*s == '\n')
            esc = "\\n";
        else if (*s == '"' && quote)
            esc = "\\\"";
        if (!esc)
            continue;
        nb_buf_append(b, run, (size_t)(s - run));
        nb_buf_append(b, esc, 2);
        run = s + 1;
    }
    nb_buf_append(b, run, (size_t)(s - run));
}

/* Append NAME SUFFIX{labels[,LE_KEY="LE_VAL"]} with a space, ready for the value. */
static void append_series(struct nb_buf *b, const char *name, const char *suffix,
                          const char *const *labels, size_t nlabels, const char *le)
{
    nb_buf_printf(b, "%s%s", name, suffix);
    if (nlabels == 0 && !le) {
        nb_buf_append(b, " ", 1);
        return;
    }
    nb_buf_append(b, "{", 1);
    for (size_t i = 0; i < nlabels; i++) {
        nb_buf_printf(b, "%s%s=\"", i ? "," : "", labels[2 * i]);
        append_escaped(b, labels[2 * i + 1], 1);
        nb_buf_append(b, "\"", 1);
    }
    if (le)
        nb_buf_printf(b, "%sle=\"%s\"", nlabels ? "," : "", le);
    nb_buf_append(b, "} ", 2);
}

void nb_prom_family(struct nb_buf *b, const char *name, const char *type, const char *help)
{
    nb_buf_printf(b, "# HELP %s ", name);
    append_escaped(b, help, 0);
    nb_buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

void nb_prom_sample(struct nb_buf *b, const char *name, const char *const *labels, size_t nlabels,
                    double value)
{
    char v[32];

    format_value(v, sizeof(v), value);
    append_series(b, name, "", labels, nlabels, NULL);
    nb_buf_printf(b, "%s\n", v);
}

void nb_histo_init(struct nb_histo *h, const double *bounds, size_t nbounds)
{
    assert(nbounds < NB_HISTO_MAX_BUCKETS);
    if (nbounds >= NB_HISTO_MAX_BUCKETS)
        nbounds = NB_HISTO_MAX_BUCKETS - 1; /* keep one slot for +Inf */
    memset(h, 0, sizeof(*h));
    h->bounds = bounds;
    h->nbounds = nbounds;
}

/* Count V in the first bucket whose bound is >= V (le semantics), else in +Inf.
 * NaN is ignored: it would make _sum NaN for the life of the process. */
void nb_histo_observe(struct nb_histo *h, double v)
{
    size_t i;

    if (isnan(v))
        return;
    for (i = 0; i < h->nbounds; i++)
        if (v <= h->bounds[i])
            break;
    h->counts[i]++;
    h->sum += v;
    h->count++;
}

void nb_histo_render(struct nb_buf *b, const char *name, const char *const *labels, size_t nlabels,
                     const struct nb_histo *h)
{
    char v[32];
    uint64_t cum = 0;

    for (size_t i = 0; i <= h->nbounds; i++) {
        cum += h->counts[i];
        if (i < h->nbounds)
            format_value(v, sizeof(v), h->bounds[i]);
        else
            snprintf(v, sizeof(v), "+Inf");
        append_series(b, name, "_bucket", labels, nlabels, v);
        nb_buf_printf(b, "%" PRIu64 "\n", cum);
    }
    format_value(v, sizeof(v), h->sum);
    append_series(b, name, "_sum", labels, nlabels, NULL);
    nb_buf_printf(b, "%s\n", v);
    append_series(b, name, "_count", labels, nlabels, NULL);
    nb_buf_printf(b, "%" PRIu64 "\n", h->count);
}

void nb_prom_single(struct nb_buf *b, const char *name, const char *type, const char *help,
                    double value)
{
    nb_prom_family(b, name, type, help);
    nb_prom_sample(b, name, NULL, 0, value);
}
