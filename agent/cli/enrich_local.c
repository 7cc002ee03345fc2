/* enrich_local.c — a notification enriched from the local netblamed's
 * served verdicts (enrich_local.h). */
#include "cli/enrich_local.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/enrich.h"
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

size_t nb_enrich_local(const struct nb_config *cfg, struct nb_alert_note *n, nb_ns deadline,
                       nb_ns now)
{
    struct served s = {.cfg = cfg, .deadline = deadline};
    size_t got = nb_enrich_note(cfg, n, lookup, &s, now);
    free(s.v);
    return got;
}
