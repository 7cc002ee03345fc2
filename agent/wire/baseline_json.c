/* baseline_json.c — render and parse a baseline's figures (see
 * baseline_json.h); cJSON stays in this file. */
#include "wire/baseline_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/jsonread.h"

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

/* Read with wire/jsonread.h's rules (a repeated key is refused, as an
 * unknown one), in this form's own words where its clients and tests know
 * them: "not an object", "missing", and a repeat "given twice". */

/* O is an object whose members are each one of KNOWN (NOUN names what any
 * other member is), at most once, and all of them when ALL. */
static int members(struct nb_jr *r, const cJSON *o, const char *path, const char *const *known,
                   const char *noun, bool all)
{
    const cJSON *v;
    if (!cJSON_IsObject(o))
        return nb_jr_fail(r, path[0] ? path : "answer", NULL, "not an object");
    if (nb_jr_members(r, o, path, known, noun) < 0)
        return -1;
    for (size_t i = 0; all && known[i]; i++)
        if (nb_jr_value(r, o, path, known[i], NB_JR_REQUIRED, &v) < 0)
            return -1;
    return 0;
}

/* A whole number of windows in 0..NB_BASE_RING, member K of O: the kit's
 * rule, asked without a message, in this form's words. */
static int windows(struct nb_jr *r, const cJSON *o, const char *path, const char *k, unsigned *out)
{
    struct nb_jr quiet = {.doc = NULL};
    uint64_t v;
    if (nb_jr_uint(&quiet, o, path, k, NB_JR_REQUIRED, 0, NB_BASE_RING, &v) < 0)
        return nb_jr_fail(r, path, k, "not a whole number in 0..64");
    *out = (unsigned)v;
    return 0;
}

/* One metric's {"windows","tail_windows", fig_keys...} into ST (times in ns). */
static int metric(struct nb_jr *r, const cJSON *o, const char *path, struct nb_base_stat *st)
{
    static const char *const keys[NFIG + 3] = {"windows",    "tail_windows", "median_us",
                                               "mad_us",     "high_us",      "p90_median_us",
                                               "p90_mad_us", "p90_high_us",  NULL};
    if (members(r, o, path, keys, NULL, true) < 0)
        return -1;
    unsigned n, tail_n;
    if (windows(r, o, path, "windows", &n) < 0 || windows(r, o, path, "tail_windows", &tail_n) < 0)
        return -1;
    if (tail_n > n)
        return nb_jr_fail(r, path, NULL, "more tail_windows than windows");
    double v[NFIG];
    for (int i = 0; i < NFIG; i++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, fig_keys[i]);
        if (!cJSON_IsNumber(f) || !figure_ok(f->valuedouble, FIG_SPREAD(i)))
            return nb_jr_fail(r, path, fig_keys[i], "%s",
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
    static const char *const keys[] = {"schema", "target", "metrics", NULL};
    const char *names[NB_BM__COUNT + 1];
    struct nb_jr r = {.doc = "baseline", .err = err, .errlen = errlen, .dup = "given twice"};
    nb_baseline_init(b);
    if (cap)
        target[0] = '\0';
    if (len > NB_BASELINE_JSON_MAX)
        return nb_jr_fail(&r, "answer", NULL, "longer than 16 KiB");
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    while (root && end < text + len &&
           (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    if (!root || end < text + len) {
        cJSON_Delete(root);
        return nb_jr_fail(&r, "answer", NULL, "not one JSON value");
    }
    int rc = -1;
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "target");
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(root, "metrics");
    if (members(&r, root, "", keys, NULL, true) < 0)
        goto out;
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, NB_BASELINE_SCHEMA) != 0) {
        nb_jr_fail(&r, "schema", NULL, "not " NB_BASELINE_SCHEMA);
        goto out;
    }
    if (!cJSON_IsString(name) || !name->valuestring[0] || strlen(name->valuestring) >= cap) {
        nb_jr_fail(&r, "target", NULL, "not a name (a non-empty string, not too long)");
        goto out;
    }
    for (int m = 0; m < NB_BM__COUNT; m++)
        names[m] = nb_base_metric_name((enum nb_base_metric)m);
    names[NB_BM__COUNT] = NULL;
    if (members(&r, ms, "metrics", names, "metric", false) < 0)
        goto out;
    for (const cJSON *c = ms->child; c; c = c->next) {
        int m = 0;
        while (strcmp(names[m], c->string) != 0) /* members() checked it is one */
            m++;
        char p[NB_JR_PATH_MAX];
        nb_jr_at(p, sizeof(p), "metrics", names[m]);
        if (metric(&r, c, p, &b->m[m]) < 0)
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
