/* enrich_local.c — a notification enriched from the local netblamed's
 * served verdicts (enrich_local.h). */
#include "cli/enrich_local.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "alert/enrich.h"
#include "netblame/mem.h"
#include "net/agentclient.h"

/* The daemon's verdicts, fetched at the first alert that needs them. */
struct served {
    const struct nb_config *cfg;
    nb_ns deadline;
    bool asked;
    struct nb_verdict *v; /* owned */
    size_t n;
    char err[320]; /* why there are none: the fetch failed */
};

static const struct nb_verdict *lookup(void *arg, const struct nb_enrich_target *t, char *why,
                                       size_t whylen)
{
    struct served *s = arg;
    const char *api = nb_config_api_reach(s->cfg);

    if (!s->asked) {
        long left_ms = (long)((s->deadline - nb_mono_now()) / 1000000);
        s->asked = true;
        if (left_ms <= 0)
            snprintf(s->err, sizeof(s->err), "netblamed not asked: the deadline had passed");
        else
            nb_agent_fetch_verdicts(api, s->cfg->api_port, left_ms, &s->v, &s->n, s->err,
                                    sizeof(s->err));
    }
    if (s->err[0]) {
        snprintf(why, whylen, "%s", s->err);
        return NULL;
    }
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i].target, t->name) == 0)
            return &s->v[i];
    char host[80];
    snprintf(host, sizeof(host), strchr(api, ':') ? "[%s]:%u" : "%s:%u", api, s->cfg->api_port);
    snprintf(why, whylen, "netblamed at %s serves none (not judged yet, or it runs another config)",
             host);
    return NULL;
}

/* Does ALERT still lack a verdict (its netblame_error set)? */
static bool lacks_verdict(const cJSON *alert)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(alert, "annotations");
    return cJSON_GetObjectItemCaseSensitive(a, "netblame_error") != NULL;
}

/* One target's diagnosis in this notification, kept for its other alerts. */
struct diagnosed {
    struct nb_enrich_target t;
    bool ok;
    struct nb_verdict v;
    char err[400];
};

/* The second way to a verdict: the local netblamed's POST /v1/diagnose, for
 * each target still without one (every mapped target with "always"), one
 * diagnosis per target, one after the other, while the deadline allows. */
static void diagnose_rest(const struct nb_config *cfg, struct nb_alert_note *n, nb_ns deadline,
                          bool always)
{
    const char *api = nb_config_api_reach(cfg);
    struct diagnosed *d = nb_calloc(n->nalerts ? n->nalerts : 1, sizeof(*d));
    size_t nd = 0;
    for (size_t i = 0; i < n->nalerts; i++) {
        struct nb_enrich_target t;
        char why[800];
        if ((!always && !lacks_verdict(n->alerts[i])) ||
            nb_enrich_map(cfg, n->alerts[i], &t, why, sizeof(why)) < 0)
            continue;
        struct diagnosed *x = NULL;
        for (size_t j = 0; j < nd && !x; j++)
            if (d[j].t.app == t.app && strcmp(d[j].t.name, t.name) == 0)
                x = &d[j];
        if (!x) {
            long left = (long)((deadline - nb_mono_now()) / 1000000);
            x = &d[nd++];
            x->t = t;
            if (left - NB_ENRICH_DIAG_MARGIN_MS < NB_ENRICH_DIAG_MIN_MS)
                x->err[0] = '\0'; /* not tried: the first reason says enough */
            else
                x->ok = nb_agent_diagnose(api, cfg->api_port, t.name,
                                          (unsigned)(left - NB_ENRICH_DIAG_MARGIN_MS), left, &x->v,
                                          x->err, sizeof(x->err)) == 0;
        }
        if (x->ok) {
            nb_enrich_verdict(n->alerts[i], t.name, &x->v);
        } else if (x->err[0] && lacks_verdict(n->alerts[i])) {
            /* the first reason stays first (what the served verdicts said),
             * the diagnosis' after it */
            const cJSON *a = cJSON_GetObjectItemCaseSensitive(n->alerts[i], "annotations");
            const cJSON *e = cJSON_GetObjectItemCaseSensitive(a, "netblame_error");
            snprintf(why, sizeof(why), "%.300s; no diagnosis either: %s",
                     cJSON_IsString(e) ? e->valuestring : "no verdict", x->err);
            nb_enrich_error(n->alerts[i], t.name, why);
        }
    }
    free(d);
}

size_t nb_enrich_local(const struct nb_config *cfg, struct nb_alert_note *n, nb_ns deadline,
                       nb_ns now)
{
    struct served s = {.cfg = cfg, .deadline = deadline};
    size_t got = 0;
    /* the served verdicts first, "always" too: an alert naming no target
     * says so, and a failed diagnosis leaves the served verdict in place */
    nb_enrich_note(cfg, n, lookup, &s, now);
    free(s.v);
    if (cfg->alerts.diagnose != NB_ALERT_DIAG_NEVER)
        diagnose_rest(cfg, n, deadline, cfg->alerts.diagnose == NB_ALERT_DIAG_ALWAYS);
    for (size_t i = 0; i < n->nalerts; i++)
        got += !lacks_verdict(n->alerts[i]);
    return got;
}
