/* verdict_json.c — render struct nb_verdict as the `netblame.verdict/v1`
 * contract (DESIGN §4) with cJSON.
 *
 * Unknown is never 0: a segment without samples has "rtt_us": null, one that
 * could not be seen losing has "loss": null, no learnt baseline is
 * "baseline_us": null. Times are microseconds with nanosecond resolution,
 * rates and confidences are rounded (4 and 3 decimals) so that the same
 * verdict always prints the same bytes. */
#include "wire/verdict_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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
