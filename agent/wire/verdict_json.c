/* verdict_json.c — render struct nb_verdict as the `netblame.verdict/v1`
 * contract (DESIGN §4) with cJSON.
 *
 * Unknown is never 0: a segment without samples has "rtt_us": null, one that
 * could not be seen losing has "loss": null, no learnt baseline is
 * "baseline_us": null. Times are microseconds with nanosecond resolution,
 * rates and confidences are rounded (4 and 3 decimals) so that the same
 * verdict always prints the same bytes. The reader (nb_verdicts_json_parse)
 * takes back what a pager line needs, through wire/jsonread.h. */
#include "wire/verdict_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netblame/mem.h"
#include "wire/jsonread.h"

#define SCHEMA "netblame.verdict/v1"

/* Nanoseconds to microseconds, rounded to the nanosecond. */
static double us(double ns)
{
    return round(ns) / 1e3;
}

static double rounded(double x, double step)
{
    return round(x / step) * step;
}

void nb_rfc3339(nb_ns t, char *buf, size_t cap)
{
    /* Floor division, so a time before 1970 still gets a fraction in [0, 1 s). */
    nb_ns sec = t / NB_NS_PER_SEC, frac = t % NB_NS_PER_SEC;
    if (frac < 0) {
        frac += NB_NS_PER_SEC;
        sec--;
    }
    time_t s = (time_t)sec;
    struct tm tm;
    if (cap == 0)
        return;
    if (!gmtime_r(&s, &tm)) {
        snprintf(buf, cap, "%s", "1970-01-01T00:00:00.000Z");
        return;
    }
    size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    if (n == 0) {
        buf[0] = '\0';
        return;
    }
    snprintf(buf + n, cap - n, ".%03dZ", (int)(frac / 1000000));
}

cJSON *nb_where_json(const struct nb_where *w)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "side", nb_side_name(w->side));
    cJSON_AddStringToObject(o, "host", w->host);
    cJSON_AddStringToObject(o, "interface", w->ifname);
    return o;
}

static cJSON *window_json(const struct nb_verdict *v)
{
    char ts[48];
    cJSON *win = cJSON_CreateObject();
    nb_rfc3339(v->start, ts, sizeof(ts));
    cJSON_AddStringToObject(win, "start", ts);
    nb_rfc3339(v->end, ts, sizeof(ts));
    cJSON_AddStringToObject(win, "end", ts);
    cJSON_AddNumberToObject(win, "probes", (double)v->probes);
    cJSON_AddNumberToObject(win, "seconds", round((double)(v->end - v->start) / 1e6) / 1e3);
    return win;
}

static cJSON *segment_json(int s, const struct nb_seg_verdict *sv)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", nb_segment_name((enum nb_segment)s));
    cJSON_AddStringToObject(o, "layer", nb_segment_layer((enum nb_segment)s));
    if (sv->known) {
        cJSON *q = cJSON_AddObjectToObject(o, "rtt_us");
        cJSON_AddNumberToObject(q, "p50", us(sv->p50));
        cJSON_AddNumberToObject(q, "p90", us(sv->p90));
        cJSON_AddNumberToObject(q, "p99", us(sv->p99));
    } else {
        cJSON_AddNullToObject(o, "rtt_us");
    }
    cJSON_AddNumberToObject(o, "samples", (double)sv->samples);
    if (sv->loss_known) {
        cJSON_AddNumberToObject(o, "loss", rounded(sv->loss, 1e-4));
        cJSON *ci = cJSON_AddArrayToObject(o, "loss_ci");
        cJSON_AddItemToArray(ci, cJSON_CreateNumber(rounded(sv->loss_ci.lo, 1e-4)));
        cJSON_AddItemToArray(ci, cJSON_CreateNumber(rounded(sv->loss_ci.hi, 1e-4)));
    } else {
        cJSON_AddNullToObject(o, "loss");
        cJSON_AddNullToObject(o, "loss_ci");
    }
    cJSON_AddNumberToObject(o, "lost", sv->lost);
    cJSON_AddNumberToObject(o, "lost_shared", sv->lost_shared);
    if (sv->have_baseline)
        cJSON_AddNumberToObject(o, "baseline_us", us(sv->baseline));
    else
        cJSON_AddNullToObject(o, "baseline_us");
    if (sv->limit > 0)
        cJSON_AddNumberToObject(o, "threshold_us", us(sv->limit));
    else
        cJSON_AddNullToObject(o, "threshold_us");
    if (sv->known || sv->loss_known)
        cJSON_AddBoolToObject(o, "anomalous", sv->anomalous);
    else
        cJSON_AddNullToObject(o, "anomalous"); /* nothing measured: no claim either way */
    return o;
}

static cJSON *finding_json(const struct nb_finding *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "verdict", nb_layer_name(f->layer));
    cJSON_AddItemToObject(o, "where", nb_where_json(&f->where));
    cJSON_AddNumberToObject(o, "confidence", rounded(f->confidence, 1e-3));
    if (f->segment >= 0 && f->segment < NB_SEG__COUNT)
        cJSON_AddStringToObject(o, "segment", nb_segment_name((enum nb_segment)f->segment));
    else
        cJSON_AddNullToObject(o, "segment");
    cJSON_AddStringToObject(o, "summary", f->summary);
    return o;
}

cJSON *nb_verdict_to_json(const struct nb_verdict *v)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", SCHEMA);
    cJSON_AddStringToObject(root, "target", v->target);
    cJSON_AddItemToObject(root, "window", window_json(v));
    cJSON_AddStringToObject(root, "verdict", nb_layer_name(v->layer));
    cJSON_AddItemToObject(root, "where", nb_where_json(&v->where));
    cJSON_AddNumberToObject(root, "confidence", rounded(v->confidence, 1e-3));
    if (v->layer == NB_LAYER_INCONCLUSIVE)
        cJSON_AddStringToObject(root, "reason", v->reason);

    if (v->seg_source != NB_SEGS_NONE)
        cJSON_AddStringToObject(root, "segments_from", nb_seg_source_name(v->seg_source));
    else
        cJSON_AddNullToObject(root, "segments_from");
    cJSON *segs = cJSON_AddArrayToObject(root, "segments");
    for (int s = 0; v->seg_source != NB_SEGS_NONE && s < NB_SEG__COUNT; s++)
        cJSON_AddItemToArray(segs, segment_json(s, &v->seg[s]));

    cJSON *fs = cJSON_AddArrayToObject(root, "findings");
    for (size_t i = 0; i < v->nfindings && i < NB_CLS_MAX_FINDINGS; i++)
        cJSON_AddItemToArray(fs, finding_json(&v->findings[i]));

    cJSON *ev = cJSON_AddArrayToObject(root, "evidence");
    for (size_t i = 0; i < v->nevidence && i < NB_CLS_MAX_EVIDENCE; i++)
        cJSON_AddItemToArray(ev, cJSON_CreateString(v->evidence[i]));
    return root;
}

void nb_verdict_json(const struct nb_verdict *v, struct nb_buf *b)
{
    cJSON *root = nb_verdict_to_json(v);
    char *s = cJSON_Print(root);
    if (s)
        nb_buf_printf(b, "%s\n", s);
    free(s);
    cJSON_Delete(root);
}

/* ---- reading ---- */

/* N digits of S as a number, or -1 if one is not a digit. */
static long digits(const char *s, int n)
{
    long v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Days from 1970-01-01 to Y-M-D of the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int nb_rfc3339_parse(const char *s, int64_t *sec, long *nsec)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    long y = digits(s, 4), mo, d, h, mi, se, frac = 0, off = 0;

    if (y < 0 || s[4] != '-' || (mo = digits(s + 5, 2)) < 1 || mo > 12 || s[7] != '-' ||
        (d = digits(s + 8, 2)) < 1 || d > mdays[mo - 1] || (s[10] != 'T' && s[10] != 't') ||
        (h = digits(s + 11, 2)) < 0 || h > 23 || s[13] != ':' || (mi = digits(s + 14, 2)) < 0 ||
        mi > 59 || s[16] != ':' || (se = digits(s + 17, 2)) < 0 || se > 60)
        return -1;
    if (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400)))
        return -1;
    s += 19;
    if (*s == '.') {
        int n = 0;
        for (s++; *s >= '0' && *s <= '9'; s++, n++)
            if (n < 9)
                frac = frac * 10 + (*s - '0');
        if (n < 1 || n > 9)
            return -1;
        for (; n < 9; n++)
            frac *= 10;
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        long oh, om; /* in order: each read only if the text reaches it */
        if ((oh = digits(s + 1, 2)) < 0 || oh > 23 || s[3] != ':' || (om = digits(s + 4, 2)) < 0 ||
            om > 59)
            return -1;
        off = (*s == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        s += 6;
    } else {
        return -1;
    }
    if (*s)
        return -1;
    *sec = days_from_civil(y, (int)mo, (int)d) * 86400 + h * 3600 + mi * 60 + se - off;
    *nsec = frac;
    return 0;
}

/* Member KEY of O, an RFC 3339 time within nb_ns's range, into *OUT. */
static int read_time(struct nb_jr *r, const cJSON *o, const char *path, const char *key, nb_ns *out)
{
    const char *s;
    char q[NB_JR_QUOTE_MAX];
    int64_t sec;
    long ns;

    if (nb_jr_str(r, o, path, key, NB_JR_REQUIRED, 64, &s) < 0)
        return -1;
    if (nb_rfc3339_parse(s, &sec, &ns) < 0 || sec < -INT64_MAX / NB_NS_PER_SEC + 1 ||
        sec > INT64_MAX / NB_NS_PER_SEC - 1) {
        nb_jr_quote(q, sizeof(q), s);
        return nb_jr_fail(r, path, key, "must be an RFC 3339 time of 1678..2262 (got %s)", q);
    }
    *out = sec * NB_NS_PER_SEC + ns;
    return 0;
}

static int read_where(struct nb_jr *r, const cJSON *o, const char *path, struct nb_where *w)
{
    static const char *const sides[] = {"", "local", "remote", NULL};
    const cJSON *wo;
    char p[NB_JR_PATH_MAX];
    unsigned side = 0;

    if (nb_jr_obj(r, o, path, "where", NB_JR_REQUIRED, NULL, &wo) < 0)
        return -1;
    nb_jr_at(p, sizeof(p), path, "where");
    if (nb_jr_enum(r, wo, p, "side", NB_JR_REQUIRED, sides, &side) < 0 ||
        nb_jr_text(r, wo, p, "host", NB_JR_REQUIRED, w->host, sizeof(w->host)) < 0 ||
        nb_jr_text(r, wo, p, "interface", NB_JR_REQUIRED, w->ifname, sizeof(w->ifname)) < 0)
        return -1;
    w->side = (enum nb_side)side;
    return 0;
}

/* One contract object O, named PATH, into V. */
static int read_verdict(struct nb_jr *r, const cJSON *o, const char *path, struct nb_verdict *v)
{
    const cJSON *win, *ev;
    const char *schema, *layer;
    char p[NB_JR_PATH_MAX], q[NB_JR_QUOTE_MAX];
    uint64_t probes = 0;
    size_t i = 0;

    if (nb_jr_members(r, o, path, NULL, NULL) < 0 ||
        nb_jr_str(r, o, path, "schema", NB_JR_REQUIRED, 64, &schema) < 0)
        return -1;
    if (strcmp(schema, SCHEMA) != 0) {
        nb_jr_quote(q, sizeof(q), schema);
        return nb_jr_fail(r, path, "schema", "must be \"" SCHEMA "\" (got %s)", q);
    }
    if (nb_jr_text(r, o, path, "target", NB_JR_REQUIRED, v->target, sizeof(v->target)) < 0 ||
        nb_jr_obj(r, o, path, "window", NB_JR_REQUIRED, NULL, &win) < 0)
        return -1;
    nb_jr_at(p, sizeof(p), path, "window");
    if (read_time(r, win, p, "start", &v->start) < 0 || read_time(r, win, p, "end", &v->end) < 0 ||
        nb_jr_uint(r, win, p, "probes", NB_JR_REQUIRED, 0, UINT64_MAX, &probes) < 0 ||
        nb_jr_str(r, o, path, "verdict", NB_JR_REQUIRED, 32, &layer) < 0)
        return -1;
    v->probes = probes;
    if (nb_layer_from_name(layer, &v->layer) < 0) {
        nb_jr_quote(q, sizeof(q), layer);
        return nb_jr_fail(r, path, "verdict", "not a layer (got %s)", q);
    }
    if (read_where(r, o, path, &v->where) < 0 ||
        nb_jr_num(r, o, path, "confidence", NB_JR_REQUIRED, 0, 1, &v->confidence) < 0 ||
        nb_jr_text(r, o, path, "reason", 0, v->reason, sizeof(v->reason)) < 0 ||
        nb_jr_arr(r, o, path, "evidence", NB_JR_REQUIRED, &ev) < 0)
        return -1;
    nb_jr_at(p, sizeof(p), path, "evidence");
    if (cJSON_GetArraySize(ev) > NB_CLS_MAX_EVIDENCE)
        return nb_jr_fail(r, p, NULL, "at most %d sentences (got %d)", NB_CLS_MAX_EVIDENCE,
                          cJSON_GetArraySize(ev));
    for (const cJSON *it = ev->child; it; it = it->next, i++) {
        char ip[NB_JR_PATH_MAX];
        nb_jr_index(ip, sizeof(ip), p, i);
        if (nb_jr_text(r, it, ip, NULL, NB_JR_REQUIRED, v->evidence[i], NB_CLS_TEXTSIZ) < 0)
            return -1;
    }
    v->nevidence = i;
    return 0;
}

int nb_verdicts_json_parse(const char *text, size_t len, size_t max, struct nb_verdict **out,
                           size_t *n, char *err, size_t errlen)
{
    struct nb_jr r = {.doc = "verdicts", .err = err, .errlen = errlen};
    const cJSON *arr;
    cJSON *root;
    int rc = -1;

    *out = NULL;
    *n = 0;
    if (nb_jr_parse(&r, text, len, &root) < 0)
        return -1;
    if (nb_jr_members(&r, root, "", NULL, NULL) < 0 ||
        nb_jr_arr(&r, root, "", "verdicts", NB_JR_REQUIRED, &arr) < 0)
        goto out;
    size_t count = (size_t)cJSON_GetArraySize(arr), i = 0;
    if (count > max) {
        nb_jr_fail(&r, "verdicts", NULL, "at most %zu (got %zu)", max, count);
        goto out;
    }
    struct nb_verdict *v = count ? nb_calloc(count, sizeof(*v)) : NULL;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char p[32];
        if (read_verdict(&r, it, nb_jr_index(p, sizeof(p), "verdicts", i), &v[i]) < 0) {
            free(v);
            goto out;
        }
    }
    *out = v;
    *n = count;
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

int nb_verdict_json_parse_one(const char *text, size_t len, struct nb_verdict **out, char *err,
                              size_t errlen)
{
    struct nb_buf b;
    size_t n = 0;
    nb_buf_init(&b);
    nb_buf_printf(&b, "{\"verdicts\":[%.*s]}", (int)len, text ? text : "");
    int rc = nb_verdicts_json_parse(b.data, b.len, 1, out, &n, err, errlen);
    nb_buf_free(&b);
    if (rc == 0 && n != 1) {
        snprintf(err, errlen, "no verdict");
        free(*out);
        *out = NULL;
        rc = -1;
    }
    return rc;
}
