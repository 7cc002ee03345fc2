/* verdict_app.c — rule 4 of the classifier (include/netblame/verdict.h):
 * the app's typed failures and server time. A symptom is the app's only
 * while the network is healthy; a DNS answer is the app's whatever the
 * network. */
#include "verdict_int.h"

/* ---- 4. app ---- */

/* Sum of the failure classes F[0..N) in A, listed "nxdomain 10, servfail 2". */
static uint64_t class_sum(const struct nb_cls_app *a, const enum nb_app_fail *f, size_t n,
                          char *list, size_t cap)
{
    uint64_t k = 0;
    list[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!a->fail[f[i]])
            continue;
        k += a->fail[f[i]];
        nb_cls_cat(list, cap, "%s%s %llu", list[0] ? ", " : "", nb_app_fail_name(f[i]),
                   (unsigned long long)a->fail[f[i]]);
    }
    return k;
}

static void app_cand(struct ctx *x, double strength, const char *summary)
{
    struct cand *c = nb_cls_new_cand(x, NB_LAYER_APP, NB_SIDE_REMOTE, -1, SRC_APP, strength);
    if (c)
        nb_cls_fmt(c->summary, sizeof(c->summary), "%s", summary);
}

/* An app symptom with strength ST: the app's if the network is healthy. */
static void app_symptom(struct ctx *x, bool net_bad, double st, const char *t)
{
    if (net_bad)
        nb_cls_add_ev(x, "%s; not blamed on the app while the network is not healthy", t);
    else
        app_cand(x, st, t);
}

void nb_cls_analyse_app(struct ctx *x)
{
    static const enum nb_app_fail dns[] = {NB_AF_NXDOMAIN, NB_AF_SERVFAIL, NB_AF_DNS_REFUSED,
                                           NB_AF_NO_ADDRESS};
    static const enum nb_app_fail silent[] = {NB_AF_DNS_TIMEOUT, NB_AF_DNS_ERROR};
    static const enum nb_app_fail server[] = {NB_AF_REFUSED, NB_AF_RESET, NB_AF_HTTP_STATUS,
                                              NB_AF_UNEXPECTED_REPLY};
    const struct nb_cls_thresholds *th = x->th;
    const struct nb_cls_app *a = &x->in->app;
    const char *tg = x->in->target;
    char t[NB_CLS_TEXTSIZ], list[160];
    double lo;
    if (!a->present)
        return;
    uint64_t n = a->probes;
    if (n < th->min_app_probes) {
        nb_cls_fmt(t, sizeof(t), "only %llu app probes (need %u)", (unsigned long long)n,
                   th->min_app_probes);
        nb_cls_too_few(x, t);
        return;
    }
    bool net_bad = nb_cls_network_unhealthy(x);
#define RATE_STRENGTH(lo_) nb_cls_rate_strength(x, (lo_), n, th->min_app_probes)
    /* A DNS answer is the name owner's (the app's), whatever the network. */
    uint64_t k = class_sum(a, dns, 4, list, sizeof(list));
    if (nb_cls_significant(x, k, n, &lo)) {
        nb_cls_fmt(t, sizeof(t), "DNS for %.80s failed in %llu of %llu probes (%s)", tg,
                   (unsigned long long)k, (unsigned long long)n, list);
        app_cand(x, RATE_STRENGTH(lo), t);
    }
    /* A silent resolver: the path to it is not measured. */
    k = class_sum(a, silent, 2, list, sizeof(list));
    if (nb_cls_significant(x, k, n, &lo)) {
        nb_cls_fmt(t, sizeof(t),
                   "the resolver failed %llu of %llu lookups of %.80s (%s); the path to it "
                   "is not measured",
                   (unsigned long long)k, (unsigned long long)n, tg, list);
        nb_cls_condition(x, false, t);
    }
    k = class_sum(a, server, 4, list, sizeof(list));
    if (nb_cls_significant(x, k, n, &lo)) {
        nb_cls_fmt(t, sizeof(t), "%.80s answered with errors in %llu of %llu probes (%s", tg,
                   (unsigned long long)k, (unsigned long long)n, list);
        if (a->http_status)
            nb_cls_cat(t, sizeof(t), "; HTTP %d", a->http_status);
        nb_cls_cat(t, sizeof(t), ")");
        app_symptom(x, net_bad, RATE_STRENGTH(lo), t);
    }
    uint64_t te = a->timeout_established < a->fail[NB_AF_TIMEOUT] ? a->timeout_established
                                                                  : a->fail[NB_AF_TIMEOUT];
    if (nb_cls_significant(x, te, n, &lo)) {
        nb_cls_fmt(t, sizeof(t),
                   "%.80s accepted the connection but did not answer in time in %llu of "
                   "%llu probes",
                   tg, (unsigned long long)te, (unsigned long long)n);
        app_symptom(x, net_bad, RATE_STRENGTH(lo), t);
    }
    k = a->fail[NB_AF_TIMEOUT] - te + a->fail[NB_AF_UNREACHABLE];
    if (nb_cls_significant(x, k, n, &lo)) {
        if (net_bad) {
            nb_cls_add_ev(
                x,
                "%llu of %llu connects to %.80s failed (timeout, unreachable): consistent "
                "with the network finding",
                (unsigned long long)k, (unsigned long long)n, tg);
        } else {
            nb_cls_fmt(t, sizeof(t),
                       "%llu of %llu connects to %.80s timed out or were unreachable, and "
                       "no observation point locates where",
                       (unsigned long long)k, (unsigned long long)n, tg);
            nb_cls_condition(x, true, t);
        }
    }
    if (a->have_server && a->ok >= th->min_app_probes) {
        const struct nb_base_stat *b;
        double ref, limit = nb_cls_limit_of(x, NB_BM_APP_SERVER, th->server_floor_ns,
                                            th->server_excess_ns, &ref, &b);
        if (a->server_p50 > limit) {
            double st = nb_cls_lat_strength(a->server_p50, ref, limit, a->ok, th->min_app_probes,
                                            b != NULL);
            if (b)
                nb_cls_fmt(t, sizeof(t), "server time of %.80s p50 %s vs baseline %s", tg,
                           nb_cls_dur(a->server_p50).s, nb_cls_dur(b->p50.median).s);
            else
                nb_cls_fmt(t, sizeof(t),
                           "server time of %.80s p50 %s, above the %s floor (no baseline)", tg,
                           nb_cls_dur(a->server_p50).s, nb_cls_dur(limit).s);
            app_symptom(x, net_bad, st, t);
        }
    }
#undef RATE_STRENGTH
    if (a->ok >= th->min_app_probes) {
        x->enough = true;
        if (a->ok > x->healthy_n)
            x->healthy_n = a->ok;
    }
}
