/* enrich.c — map an alert to a target and annotate it with the target's
 * verdict (the rules: enrich.h). */
#include "alert/enrich.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "wire/jsonread.h"
#include "wire/verdict_json.h"

#define PREFIX "netblame_"

/* ---- the mapping rule ---- */

/* V's host part (enrich.h, rule 2) into OUT (CAP bytes); "" when it does
 * not fit (no address is that long). */
static void host_part(const char *v, char *out, size_t cap)
{
    const char *colon = strchr(v, ':');
    size_t len = strlen(v);

    if (v[0] == '[') { /* "[v6]:port" or "[v6]" */
        const char *close = strchr(v, ']');
        if (close && (close[1] == '\0' || close[1] == ':')) {
            v++;
            len = (size_t)(close - v);
        }
    } else if (colon && !strchr(colon + 1, ':')) { /* one colon: "host:port" */
        len = (size_t)(colon - v);
    }
    if (len >= cap)
        len = 0;
    snprintf(out, cap, "%.*s", (int)len, v);
}

/* A and B the same address, however written (or the same text). */
static bool same_addr(const char *a, const char *b)
{
    unsigned char x[sizeof(struct in6_addr)], y[sizeof(struct in6_addr)];

    if (strcmp(a, b) == 0)
        return true;
    if (inet_pton(AF_INET, a, x) == 1 && inet_pton(AF_INET, b, y) == 1)
        return memcmp(x, y, 4) == 0;
    if (inet_pton(AF_INET6, a, x) == 1 && inet_pton(AF_INET6, b, y) == 1)
        return memcmp(x, y, 16) == 0;
    return false;
}

/* V names app target T by its url, host or host:port (rule 3). */
static bool names_app(const char *v, const struct nb_app_cfg *t)
{
    char hp[sizeof(t->target.host) + 8];

    snprintf(hp, sizeof(hp), "%s:%u", t->target.host, t->target.port);
    return strcmp(v, t->url) == 0 || strcmp(v, t->target.host) == 0 || strcmp(v, hp) == 0;
}

static int found(struct nb_enrich_target *out, const char *name, bool app, size_t i)
{
    *out = (struct nb_enrich_target){.name = name, .app = app, .index = i};
    return 0;
}

int nb_enrich_map(const struct nb_config *cfg, const cJSON *alert, struct nb_enrich_target *out,
                  char *why, size_t whylen)
{
    const struct nb_alerts_cfg *a = &cfg->alerts;
    const char *v = NULL, *label = NULL;
    char host[NB_HOST_MAX], q[NB_JR_QUOTE_MAX];

    for (size_t i = 0; i < a->ntarget_labels && !v; i++)
        v = nb_alert_label(alert, label = a->target_labels[i]);
    if (!v) {
        size_t l = (size_t)snprintf(why, whylen, "no target: the alert has none of the labels");
        for (size_t i = 0; i < a->ntarget_labels && l < whylen; i++)
            l += (size_t)snprintf(why + l, whylen - l, "%s %s", i ? "," : "", a->target_labels[i]);
        return -1;
    }
    for (size_t i = 0; i < cfg->npeers; i++)
        if (strcmp(v, cfg->peers[i].name) == 0)
            return found(out, cfg->peers[i].name, false, i);
    for (size_t i = 0; i < cfg->napps; i++)
        if (strcmp(v, cfg->apps[i].name) == 0)
            return found(out, cfg->apps[i].name, true, i);
    host_part(v, host, sizeof(host));
    for (size_t i = 0; i < cfg->npeers; i++)
        if (same_addr(host, cfg->peers[i].host))
            return found(out, cfg->peers[i].name, false, i);
    for (size_t i = 0; i < cfg->napps; i++)
        if (names_app(v, &cfg->apps[i]))
            return found(out, cfg->apps[i].name, true, i);
    nb_jr_quote(q, sizeof(q), v);
    snprintf(why, whylen, "no target: %s=%s names no peer or app target of this agent", label, q);
    return -1;
}

/* ---- the annotations ---- */

/* ALERT's annotations, those named netblame_* removed. */
static cJSON *own_annotations(cJSON *alert)
{
    cJSON *ann = nb_alert_annotations(alert), *it = ann->child;

    while (it) {
        cJSON *next = it->next;
        if (it->string && strncmp(it->string, PREFIX, strlen(PREFIX)) == 0)
            cJSON_Delete(cJSON_DetachItemViaPointer(ann, it));
        it = next;
    }
    return ann;
}

/* S cut to at most MAX bytes (MAX > 3) on a UTF-8 character boundary, "..."
 * marking the cut. */
static void cut(char *s, size_t max)
{
    size_t n;

    if (strlen(s) <= max)
        return;
    n = max - 3;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) /* s[n] continues a character */
        n--;
    memcpy(s + n, "...", 4);
}

void nb_enrich_verdict(cJSON *alert, const char *target, const struct nb_verdict *v)
{
    cJSON *ann = own_annotations(alert);
    char where[NB_CLS_HOSTSIZ + NB_CLS_IFNAMSIZ + 40], conf[16], start[48], end[48];
    char line[NB_CLS_TEXTSIZ + sizeof(where) + 4], window[2 * sizeof(start) + 2];
    char evidence[NB_ENRICH_EVIDENCE * NB_CLS_TEXTSIZ];
    size_t l;

    l = (size_t)snprintf(where, sizeof(where), "%s", nb_layer_name(v->layer));
    if (v->where.side != NB_SIDE_NONE)
        l += (size_t)snprintf(where + l, sizeof(where) - l, "/%s", nb_side_name(v->where.side));
    if (v->where.host[0])
        l += (size_t)snprintf(where + l, sizeof(where) - l, " on %s", v->where.host);
    if (v->where.ifname[0])
        snprintf(where + l, sizeof(where) - l, " %s", v->where.ifname);
    snprintf(conf, sizeof(conf), "%.2f", v->confidence);
    const char *first = v->nevidence ? v->evidence[0] : v->reason;
    snprintf(line, sizeof(line), "%s%s%s", where, first[0] ? ": " : "", first);
    cut(line, NB_ENRICH_SUMMARY_MAX);
    l = 0;
    evidence[0] = '\0';
    for (size_t i = 0; i < v->nevidence && i < NB_ENRICH_EVIDENCE; i++)
        l += (size_t)snprintf(evidence + l, sizeof(evidence) - l, "%s%s", i ? "\n" : "",
                              v->evidence[i]);
    nb_rfc3339(v->start, start, sizeof(start));
    nb_rfc3339(v->end, end, sizeof(end));
    snprintf(window, sizeof(window), "%s/%s", start, end);

    cJSON_AddStringToObject(ann, PREFIX "target", target);
    cJSON_AddStringToObject(ann, PREFIX "verdict", nb_layer_name(v->layer));
    cJSON_AddStringToObject(ann, PREFIX "where", where);
    cJSON_AddStringToObject(ann, PREFIX "confidence", conf);
    cJSON_AddStringToObject(ann, PREFIX "summary", line);
    cJSON_AddStringToObject(ann, PREFIX "evidence", evidence);
    cJSON_AddStringToObject(ann, PREFIX "window", window);
}

void nb_enrich_error(cJSON *alert, const char *target, const char *why)
{
    cJSON *ann = own_annotations(alert);

    if (target)
        cJSON_AddStringToObject(ann, PREFIX "target", target);
    cJSON_AddStringToObject(ann, PREFIX "error", why);
}

size_t nb_enrich_note(const struct nb_config *cfg, struct nb_alert_note *n,
                      nb_enrich_lookup_fn lookup, void *arg, nb_ns now)
{
    nb_ns fresh = (nb_ns)cfg->alerts.fresh_ms * 1000000;
    size_t enriched = 0;

    for (size_t i = 0; i < n->nalerts; i++) {
        struct nb_enrich_target t;
        char why[512], what[320];
        const struct nb_verdict *v;

        if (nb_enrich_map(cfg, n->alerts[i], &t, why, sizeof(why)) < 0) {
            nb_enrich_error(n->alerts[i], NULL, why);
            continue;
        }
        if (!(v = lookup(arg, &t, what, sizeof(what)))) {
            snprintf(why, sizeof(why), "no verdict for %s: %s", t.name, what);
            nb_enrich_error(n->alerts[i], t.name, why);
            continue;
        }
        if (v->end < now - fresh) {
            snprintf(why, sizeof(why),
                     "no fresh verdict for %s: its last window ended %.1f s ago (alerts.fresh_ms "
                     "is %u)",
                     t.name, (double)(now - v->end) / 1e9, cfg->alerts.fresh_ms);
            nb_enrich_error(n->alerts[i], t.name, why);
            continue;
        }
        nb_enrich_verdict(n->alerts[i], t.name, v);
        enriched++;
    }
    return enriched;
}
