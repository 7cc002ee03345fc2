/* baseline_json.c — render and parse a baseline's figures (see
 * baseline_json.h); cJSON stays in this file. */
#include "wire/baseline_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A figure the wire form carries: finite, at most NB_BASELINE_MAX_US, and
 * not negative if it is a spread (a MAD). A level may be a little below 0:
 * an app's server time (first byte − the SYN's round trip) on a backend that
 * answers at once is measurement noise either way, and is learnt as such. */
static bool figure_ok(double us, bool spread)
{
    return isfinite(us) && us >= (spread ? 0 : -NB_BASELINE_MAX_US) && us <= NB_BASELINE_MAX_US;
}

/* Is fig_keys[I] a spread? */
#define FIG_SPREAD(i) ((i) == 1 || (i) == 4)

/* Nanoseconds as microseconds with nanosecond resolution (no float noise). */
static double ns_to_us(double ns)
{
    return round(ns) / 1e3;
}

/* A metric's figures on the wire, in the order of struct nb_base_stat. */
#define NFIG 6
static const char *const fig_keys[NFIG] = {"median_us",     "mad_us",     "high_us",
                                           "p90_median_us", "p90_mad_us", "p90_high_us"};

void nb_baseline_json_render(const char *target, const struct nb_baseline *b, struct nb_buf *out)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", NB_BASELINE_SCHEMA);
    cJSON_AddStringToObject(root, "target", target);
    cJSON *ms = cJSON_AddObjectToObject(root, "metrics");
    for (int m = 0; m < NB_BM__COUNT; m++) {
        const struct nb_base_stat *st = &b->m[m];
        double f[NFIG] = {st->p50.median, st->p50.mad, st->p50.high,
                          st->p90.median, st->p90.mad, st->p90.high};
        bool ok = st->n > 0 && st->n <= NB_BASE_RING && st->tail_n <= st->n;
        for (int i = 0; i < NFIG; i++) {
            f[i] = ns_to_us(f[i]);
            ok = ok && figure_ok(f[i], FIG_SPREAD(i));
        }
        if (!ok)
            continue;
        cJSON *o = cJSON_AddObjectToObject(ms, nb_base_metric_name((enum nb_base_metric)m));
        cJSON_AddNumberToObject(o, "windows", st->n);
        cJSON_AddNumberToObject(o, "tail_windows", st->tail_n);
        for (int i = 0; i < NFIG; i++)
            cJSON_AddNumberToObject(o, fig_keys[i], f[i]);
    }
    char *s = cJSON_PrintUnformatted(root);
    nb_buf_printf(out, "%s\n", s);
    free(s);
    cJSON_Delete(root);
}

static int fail(char *err, size_t errlen, const char *path, const char *what)
{
    snprintf(err, errlen, "baseline: %s: %s", path, what);
    return -1;
}

/* O is an object whose members are each one of KEYS (N of them), at most
 * once (SEEN[i]: KEYS[i] is there), and all of them when ALL. UNKNOWN names
 * what any other member is. */
static int members(const cJSON *o, const char *path, const char *const *keys, size_t n, bool all,
                   const char *unknown, bool *seen, char *err, size_t errlen)
{
    char p[96];
    if (!cJSON_IsObject(o))
        return fail(err, errlen, path[0] ? path : "answer", "not an object");
    memset(seen, 0, n * sizeof(*seen));
    for (const cJSON *c = o->child; c; c = c->next) {
        size_t i = 0;
        while (i < n && strcmp(keys[i], c->string) != 0)
            i++;
        snprintf(p, sizeof(p), "%s%s%.40s", path, path[0] ? "." : "", c->string);
        if (i == n)
            return fail(err, errlen, p, unknown);
        if (seen[i])
            return fail(err, errlen, p, "given twice");
        seen[i] = true;
    }
    for (size_t i = 0; i < n && all; i++)
        if (!seen[i]) {
            snprintf(p, sizeof(p), "%s%s%s", path, path[0] ? "." : "", keys[i]);
            return fail(err, errlen, p, "missing");
        }
    return 0;
}

/* A whole number of windows in 0..NB_BASE_RING, member K of O. */
static int windows(const cJSON *o, const char *path, const char *k, unsigned *out, char *err,
                   size_t errlen)
{
    char p[96];
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, k);
    snprintf(p, sizeof(p), "%.60s.%s", path, k);
    if (!cJSON_IsNumber(w) || !(w->valuedouble >= 0) || w->valuedouble > NB_BASE_RING ||
        w->valuedouble != floor(w->valuedouble))
        return fail(err, errlen, p, "not a whole number in 0..64");
    *out = (unsigned)w->valuedouble;
    return 0;
}

/* One metric's {"windows","tail_windows", fig_keys...} into ST (times in ns). */
static int metric(const cJSON *o, const char *path, struct nb_base_stat *st, char *err,
                  size_t errlen)
{
    static const char *const keys[NFIG + 2] = {"windows",       "tail_windows", "median_us",
                                               "mad_us",        "high_us",      "p90_median_us",
                                               "p90_mad_us",    "p90_high_us"};
    bool seen[NFIG + 2];
    char p[96];
    if (members(o, path, keys, NFIG + 2, true, "unknown key", seen, err, errlen) < 0)
        return -1;
    unsigned n, tail_n;
    if (windows(o, path, "windows", &n, err, errlen) < 0 ||
        windows(o, path, "tail_windows", &tail_n, err, errlen) < 0)
        return -1;
    if (tail_n > n)
        return fail(err, errlen, path, "more tail_windows than windows");
    double v[NFIG];
    for (int i = 0; i < NFIG; i++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, fig_keys[i]);
        snprintf(p, sizeof(p), "%.60s.%s", path, fig_keys[i]);
        if (!cJSON_IsNumber(f) || !figure_ok(f->valuedouble, FIG_SPREAD(i)))
            return fail(err, errlen, p,
                        FIG_SPREAD(i) ? "not a time in microseconds (0..1e8)"
                                      : "not a time in microseconds (-1e8..1e8)");
        v[i] = f->valuedouble * 1e3;
    }
    *st = (struct nb_base_stat){.p50 = {v[0], v[1], v[2]},
                                .p90 = {v[3], v[4], v[5]},
                                .n = n,
                                .tail_n = tail_n};
    return 0;
}

int nb_baseline_json_parse(const char *text, size_t len, char *target, size_t cap,
                           struct nb_baseline *b, char *err, size_t errlen)
{
    static const char *const keys[] = {"schema", "target", "metrics"};
    const char *names[NB_BM__COUNT];
    bool seen[NB_BM__COUNT];
    nb_baseline_init(b);
    if (cap)
        target[0] = '\0';
    if (len > NB_BASELINE_JSON_MAX)
        return fail(err, errlen, "answer", "longer than 16 KiB");
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    while (root && end < text + len &&
           (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    if (!root || end < text + len) {
        cJSON_Delete(root);
        return fail(err, errlen, "answer", "not one JSON value");
    }
    int rc = -1;
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "target");
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(root, "metrics");
    if (members(root, "", keys, 3, true, "unknown key", seen, err, errlen) < 0)
        goto out;
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, NB_BASELINE_SCHEMA) != 0) {
        fail(err, errlen, "schema", "not " NB_BASELINE_SCHEMA);
        goto out;
    }
    if (!cJSON_IsString(name) || !name->valuestring[0] || strlen(name->valuestring) >= cap) {
        fail(err, errlen, "target", "not a name (a non-empty string, not too long)");
        goto out;
    }
    for (int m = 0; m < NB_BM__COUNT; m++)
        names[m] = nb_base_metric_name((enum nb_base_metric)m);
    if (members(ms, "metrics", names, NB_BM__COUNT, false, "unknown metric", seen, err, errlen) < 0)
        goto out;
    for (const cJSON *c = ms->child; c; c = c->next) {
        int m = 0;
        while (strcmp(names[m], c->string) != 0) /* members() checked it is one */
            m++;
        char p[96];
        snprintf(p, sizeof(p), "metrics.%s", names[m]);
        if (metric(c, p, &b->m[m], err, errlen) < 0)
            goto out;
    }
    snprintf(target, cap, "%s", name->valuestring);
    rc = 0;
out:
    cJSON_Delete(root);
    if (rc < 0) {
        nb_baseline_init(b);
        if (cap)
            target[0] = '\0';
    }
    return rc;
}
