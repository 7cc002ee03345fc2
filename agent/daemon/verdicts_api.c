/* verdicts_api.c — the daemon's verdicts on the control API (verdicts.h):
 * GET /v1/verdicts (the served verdicts, netblame.verdict/v1) and
 * GET /v1/windows (the windows judged, or a vnet/fabric window over a
 * burst's own span computed now, netblame.window/v1). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/verdicts_int.h"
#include "wire/query.h"
#include "wire/trace_json.h"
#include "wire/verdict_json.h"

void nb_verdicts_api(const struct nb_verdicts *v, const struct nb_api_req *req,
                     struct nb_api_resp *resp)
{
    const char *only = nb_api_query(req, "target");
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(root, "verdicts");
    bool found = false;
    for (size_t i = 0; v && i < v->n; i++) {
        const struct nb_vd_target *t = &v->t[i];
        if (only && strcmp(only, t->name) != 0)
            continue;
        found = true;
        if (t->have_verdict)
            cJSON_AddItemToArray(arr, nb_verdict_to_json(&t->verdict));
    }
    if (only && !found) {
        cJSON_Delete(root);
        nb_api_error(resp, 404, "no such target");
        return;
    }
    char *s = cJSON_PrintUnformatted(root);
    nb_buf_printf(&resp->body, "%s\n", s);
    free(s);
    cJSON_Delete(root);
}

void nb_verdicts_windows(struct nb_verdicts *v, nb_overdue_fn overdue, const void *arg,
                         const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct nb_windows_query q;
    const char *err;
    if (nb_query_windows(nb_api_query_get, req, NB_VERDICT_WINDOW_S, &q, &err) < 0) {
        nb_api_error(resp, 400, err);
        return;
    }
    const char *only = q.target;
    long ms = q.ms;
    bool found = false;
    nb_ns rt = nb_realtime_now();
    for (size_t i = 0; v && i < v->n; i++) {
        const struct nb_vd_target *t = &v->t[i];
        if (only && strcmp(only, t->name) != 0)
            continue;
        found = true;
        if (!ms) {
            if (t->have_verdict)
                nb_trace_render(t->last, &resp->body);
            continue;
        }
        if (t->app || t->family == NB_FAMILY_PATH)
            continue; /* a path or app window is what was judged, not recomputed */
        /* a vnet/fabric window of the probes sent in the last SECONDS,
         * computed now: a burst's cross-check must not carry a fault
         * cleared ten seconds ago */
        nb_ns span = (nb_ns)ms * 1000000;
        struct nb_cls_input *in = &v->scratch;
        nb_window_head(in, t->name, rt - span, rt);
        snprintf(in->remote_host, sizeof(in->remote_host), "%s", t->peer);
        /* by send time (this host's clock): a probe lost before the span is
         * reported at its timeout, inside it, and must not count */
        size_t n = 0;
        for (size_t k = 0; k < t->n; k++) {
            const struct nb_vd_sample *x = nb_vd_at(t, k);
            if (x->r.t1 >= rt - span)
                v->win2[n++] = *x;
        }
        struct nb_cls_family *f = t->family == NB_FAMILY_VNET ? &in->vnet : &in->fabric;
        nb_vd_family(v->win2, n, f);
        /* probes still in flight past their expected reply are lost in all
         * likelihood: counted so, or a short window would see a loss only
         * at its timeout (seconds later) */
        if (overdue) {
            unsigned full = 0;
            nb_ns age =
                nb_overdue_age(f->rtt.known ? f->rtt.p99 : 0, (nb_ns)t->timeout_ms * 1000000);
            f->overdue = overdue(arg, t->name, age, rt - span, &full);
            f->probes += f->overdue;
            f->lost += f->overdue;
            f->full_probes += full;
            f->full_lost += full;
        }
        nb_trace_render(in, &resp->body);
    }
    if (only && !found)
        nb_api_error(resp, 404, "no such target");
}
