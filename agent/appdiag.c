/* appdiag.c — app probes in a row, summarised (see appdiag.h). The verdict
 * stays `inconclusive` until the classifier weighs these phases against a
 * baseline; the typed reasons and the phase figures are what was measured. */
#include "appdiag.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/mem.h"

struct run {
    struct ev_loop *loop;
    const struct nb_app_target *t;
    struct nb_resolv *resolv;
    struct nb_appdiag_report *rep;
    unsigned count, started;
    ev_timer next;
    int64_t *vals[NB_PH__COUNT];
    size_t n[NB_PH__COUNT];
};

static void start_one(struct run *r);

static void on_result(void *arg, const struct nb_app_result *res)
{
    struct run *r = arg;
    struct nb_appdiag_report *rep = r->rep;
    rep->probes++;
    rep->reasons[res->reason]++;
    if (res->reason == NB_APP_OK)
        rep->ok++;
    else
        snprintf(rep->last_detail, sizeof(rep->last_detail), "%s", res->detail);
    if (res->status)
        rep->last_status = res->status;
    for (int p = 0; p < NB_PH__COUNT; p++)
        if (res->have[p])
            r->vals[p][r->n[p]++] = res->t[p];
    if (r->started < r->count)
        ev_timer_start(r->loop, &r->next);
    else
        ev_break(r->loop, EVBREAK_ALL);
}

static void on_next(struct ev_loop *loop, ev_timer *w, int revents)
{
    start_one(w->data);
}

static void start_one(struct run *r)
{
    r->started++;
    nb_app_probe_start(r->loop, r->resolv, r->t, on_result, r);
}

int nb_appdiag_run(struct ev_loop *loop, const struct nb_app_target *t, const char *url,
                   unsigned count, unsigned interval_ms, struct nb_appdiag_report *rep, char *err,
                   size_t errlen)
{
    memset(rep, 0, sizeof(*rep));
    snprintf(rep->target, sizeof(rep->target), "%s", url);
    struct run r = {.loop = loop, .t = t, .rep = rep, .count = count};
    r.resolv = nb_resolv_new(loop, 1000, 2, err, errlen);
    if (!r.resolv)
        return -1;
    for (int p = 0; p < NB_PH__COUNT; p++)
        r.vals[p] = nb_calloc(count, sizeof(int64_t));
    ev_timer_init(&r.next, on_next, interval_ms / 1000.0, 0.);
    r.next.data = &r;
    start_one(&r);
    ev_run(loop, 0);
    ev_timer_stop(loop, &r.next);
    nb_resolv_free(r.resolv);
    for (int p = 0; p < NB_PH__COUNT; p++) {
        nb_summarise(r.vals[p], r.n[p], &rep->phase[p]);
        free(r.vals[p]);
    }
    return 0;
}

void nb_appdiag_print(const struct nb_appdiag_report *rep, FILE *out)
{
    fprintf(out, "netblame diagnose %s: %u app probes, %u ok\n", rep->target, rep->probes, rep->ok);
    fprintf(out, "\n  %-12s %9s %9s %9s %9s   (milliseconds)\n", "phase", "min", "p50", "p90",
            "max");
    for (int p = 0; p < NB_PH__COUNT; p++) {
        const struct nb_summary *s = &rep->phase[p];
        if (!s->n)
            fprintf(out, "  %-12s %9s %9s %9s %9s\n", nb_app_phase_name((enum nb_app_phase)p), "-",
                    "-", "-", "-");
        else
            fprintf(out, "  %-12s %9.3f %9.3f %9.3f %9.3f\n",
                    nb_app_phase_name((enum nb_app_phase)p), (double)s->min / 1e6, s->p50 / 1e6,
                    s->p90 / 1e6, (double)s->max / 1e6);
    }
    fprintf(out, "\n  results:");
    for (int i = 0; i < NB_APP__COUNT; i++)
        if (rep->reasons[i])
            fprintf(out, " %s %u", nb_app_reason_name((enum nb_app_reason)i), rep->reasons[i]);
    fprintf(out, "\n");
    if (rep->last_detail[0])
        fprintf(out, "  last failure: %s\n", rep->last_detail);
    fprintf(out, "\nverdict: inconclusive — app phases and reasons measured; attributing them to a "
                 "layer needs the classifier and the host agents' handshake sightings\n");
}

void nb_appdiag_json(const struct nb_appdiag_report *rep, struct nb_buf *b)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", "netblame.verdict/v1");
    cJSON_AddStringToObject(root, "target", rep->target);
    cJSON_AddStringToObject(root, "verdict", "inconclusive");
    cJSON_AddStringToObject(root, "reason",
                            "app phases and reasons measured; no layer attribution yet");
    cJSON *app = cJSON_AddObjectToObject(root, "app");
    cJSON_AddNumberToObject(app, "probes", rep->probes);
    cJSON_AddNumberToObject(app, "ok", rep->ok);
    cJSON *rs = cJSON_AddObjectToObject(app, "reasons");
    for (int i = 0; i < NB_APP__COUNT; i++)
        if (rep->reasons[i])
            cJSON_AddNumberToObject(rs, nb_app_reason_name((enum nb_app_reason)i), rep->reasons[i]);
    cJSON *ph = cJSON_AddObjectToObject(app, "phases_ms");
    for (int p = 0; p < NB_PH__COUNT; p++) {
        const struct nb_summary *s = &rep->phase[p];
        if (!s->n) {
            cJSON_AddNullToObject(ph, nb_app_phase_name((enum nb_app_phase)p));
            continue;
        }
        cJSON *o = cJSON_AddObjectToObject(ph, nb_app_phase_name((enum nb_app_phase)p));
        cJSON_AddNumberToObject(o, "min", round((double)s->min / 1e3) / 1e3);
        cJSON_AddNumberToObject(o, "p50", round(s->p50 / 1e3) / 1e3);
        cJSON_AddNumberToObject(o, "max", round((double)s->max / 1e3) / 1e3);
    }
    if (rep->last_status)
        cJSON_AddNumberToObject(app, "last_status", rep->last_status);
    if (rep->last_detail[0])
        cJSON_AddStringToObject(app, "last_failure", rep->last_detail);
    char *s = cJSON_Print(root);
    nb_buf_printf(b, "%s\n", s);
    free(s);
    cJSON_Delete(root);
}
