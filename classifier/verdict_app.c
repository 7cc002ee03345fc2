/* verdict_app.c — rule 4 of the classifier (include/netblame/verdict.h):
 * the app's typed failures, its server time and its resolve phase.
 *
 * A symptom the network can cause (timeouts, resets, a slow first byte) is
 * the app's only while the network is healthy — or, with a network finding
 * at the same time, only where the network cannot explain it: a server
 * slow in at least three quarters of the probes whose TCP retransmitted
 * nothing (loss delays the probes whose packets were lost, a slow backend
 * delays them all), so a lossy wire and a slow backend give two findings.
 * An answer (a DNS answer, an HTTP status) is the app's whatever the
 * network. TCP retransmissions are network time, never server time: the
 * agent leaves those probes out of the server time, and here they are a
 * network symptom, explained by a network finding or left unexplained.
 * A slow resolve phase is a DNS finding of its own (app layer, no side: the
 * resolver is neither this guest nor the backend, and its team is not the
 * backend's), so a slow resolver and a slow backend are two findings. */
#include "verdict_int.h"

#include <string.h>

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

/* "p50 X vs baseline Y" or "p50 X, above the Z floor (no baseline)". */
static void against(char *t, size_t cap, const char *what, double p, const struct nb_base_stat *b,
                    double limit)
{
    if (b)
        nb_cls_cat(t, cap, "%s %s vs baseline %s", what, nb_cls_dur(p).s,
                   nb_cls_dur(b->p50.median).s);
    else
        nb_cls_cat(t, cap, "%s %s, above the %s floor (no baseline)", what, nb_cls_dur(p).s,
                   nb_cls_dur(limit).s);
}

/* Retransmissions the guest's TCP saw: network loss on the way to the
 * backend, located by the network rules (path probes, handshake split) or
 * by nothing. */
static void retransmissions(struct ctx *x, uint64_t n)
{
    const struct nb_cls_app *a = &x->in->app;
    const char *tg = x->in->target;
    uint64_t k = a->retrans < n ? a->retrans : n;
    double lo;
    if (!k)
        return;
    char what[160];
    nb_cls_fmt(what, sizeof(what), "TCP retransmitted in %llu of %llu app probes to %.80s",
               (unsigned long long)k, (unsigned long long)n, tg);
    if (a->syn_retrans)
        nb_cls_cat(what, sizeof(what), " (the SYN in %llu)", (unsigned long long)a->syn_retrans);
    if (!nb_cls_significant(x, k, n, &lo)) {
        nb_cls_add_ev(x, "%s (not significant); their server time is not counted", what);
        return;
    }
    if (nb_cls_network_unhealthy(x)) {
        nb_cls_add_ev(x,
                      "%s: network time, consistent with the network finding; their server "
                      "time is not counted",
                      what);
        return;
    }
    /* Path probes to the same server crossed the network without loss: the
     * network measured toward it does not lose, so retransmissions it cannot
     * explain are the server side's (SYNs dropped by a full accept queue, a
     * SYN meeting the server's TIME_WAIT of an earlier connection from the
     * same port): evidence, never a network symptom (verdict.h, rule 4). */
    const struct nb_cls_path *p = &x->in->path;
    double plo;
    if (p->present && p->wf.answered >= x->th->min_samples &&
        !nb_cls_significant(x, p->wf.lost, p->wf.probes, &plo)) {
        nb_cls_add_ev(x,
                      "%s, while %zu of %zu path probes to the same server crossed: not the "
                      "network's loss (the server side's: accept queue, TIME_WAIT); no server "
                      "time from them",
                      what, p->wf.answered, p->wf.probes);
        return;
    }
    char t[NB_CLS_TEXTSIZ];
    nb_cls_fmt(t, sizeof(t),
               "%s: packets were lost on the way, and no measured segment "
               "locates where",
               what);
    nb_cls_condition(x, true, t);
}

/* A phase that can be slow: the server's time, the resolve phase. */
struct slow {
    int bm;                        /* its baseline metric */
    double floor, excess;          /* its thresholds */
    bool have, have_p25;           /* p50 (and p25) measured */
    uint64_t n;                    /* over this many probes */
    double p50, p25;               /* ns */
    enum nb_side side;             /* where a claim puts it */
    char head[160];                /* "server time of T " */
    char tail[120], tail_p25[120]; /* after a claim on the p50, on the p25 */
    char not_blamed[160];          /* evidence when the network may explain it */
};

/* S's phase slow (p50 over its limit): its own finding when the network is
 * healthy; with the network not healthy only if its lower quartile is slow
 * too — loss delays the probes whose packets were lost (a retransmission,
 * a retried query), a slow server or resolver every probe. */
static void slow_phase(struct ctx *x, bool net_bad, const struct slow *s)
{
    const struct nb_cls_thresholds *th = x->th;
    if (!s->have || s->n < th->min_app_probes)
        return;
    const struct nb_base_stat *b;
    double ref, limit = nb_cls_limit_of(x, s->bm, s->floor, s->excess, &ref, &b);
    if (s->p50 <= limit)
        return;
    char t[NB_CLS_TEXTSIZ];
    nb_cls_fmt(t, sizeof(t), "%s", s->head);
    if (net_bad && !(s->have_p25 && s->p25 > limit)) {
        against(t, sizeof(t), "p50", s->p50, b, limit);
        nb_cls_add_ev(x, "%s; %s", t, s->not_blamed);
        return;
    }
    double p = net_bad ? s->p25 : s->p50;
    against(t, sizeof(t), net_bad ? "p25" : "p50", p, b, limit);
    nb_cls_cat(t, sizeof(t), "%s", net_bad ? s->tail_p25 : s->tail);
    struct cand *c =
        nb_cls_new_cand(x, NB_LAYER_APP, s->side, -1, SRC_APP,
                        nb_cls_lat_strength(p, ref, limit, s->n, th->min_app_probes, b != NULL));
    if (c)
        nb_cls_fmt(c->summary, sizeof(c->summary), "%s", t);
}

/* The server's own time (over the probes without retransmissions; older
 * traces: the ok probes, no p25), and the resolve phase: a DNS finding of
 * its own, app with no side. */
static void slow_phases(struct ctx *x, bool net_bad)
{
    const struct nb_cls_thresholds *th = x->th;
    const struct nb_cls_app *a = &x->in->app;
    const char *tg = x->in->target;
    struct slow s = {.bm = NB_BM_APP_SERVER,
                     .floor = th->server_floor_ns,
                     .excess = th->server_excess_ns,
                     .have = a->have_server,
                     .have_p25 = a->server_n > 0,
                     .n = a->server_n ? a->server_n : a->ok,
                     .p50 = a->server_p50,
                     .p25 = a->server_p25,
                     .side = NB_SIDE_REMOTE};
    nb_cls_fmt(s.head, sizeof(s.head), "server time of %.80s ", tg);
    nb_cls_fmt(s.tail_p25, sizeof(s.tail_p25),
               " over %llu probes without retransmissions: slower than the network finding "
               "explains",
               (unsigned long long)a->server_n);
    nb_cls_fmt(s.not_blamed, sizeof(s.not_blamed),
               "not blamed on the app while the network is not healthy (%s)",
               a->server_n ? "its lower quartile is within the threshold"
                           : "no figure without retransmissions");
    slow_phase(x, net_bad, &s);

    s = (struct slow){.bm = NB_BM_APP_RESOLVE,
                      .floor = th->resolve_floor_ns,
                      .excess = th->resolve_excess_ns,
                      .have = a->have_resolve,
                      .have_p25 = a->have_resolve,
                      .n = a->resolved,
                      .p50 = a->resolve_p50,
                      .p25 = a->resolve_p25,
                      .side = NB_SIDE_NONE};
    nb_cls_fmt(s.head, sizeof(s.head), "DNS: resolving the name of %.80s took ", tg);
    nb_cls_fmt(s.tail, sizeof(s.tail), " over %llu lookups: the resolver is slow, not the backend",
               (unsigned long long)a->resolved);
    memcpy(s.tail_p25, s.tail, sizeof(s.tail));
    nb_cls_fmt(s.not_blamed, sizeof(s.not_blamed),
               "not blamed on DNS while the network is not healthy (a lost query is retried "
               "after a timeout; p25 %s)",
               nb_cls_dur(a->resolve_p25).s);
    slow_phase(x, net_bad, &s);
}

void nb_cls_analyse_app(struct ctx *x)
{
    static const enum nb_app_fail dns[] = {NB_AF_NXDOMAIN, NB_AF_SERVFAIL, NB_AF_DNS_REFUSED,
                                           NB_AF_NO_ADDRESS};
    static const enum nb_app_fail silent[] = {NB_AF_DNS_TIMEOUT, NB_AF_DNS_ERROR};
    static const enum nb_app_fail server[] = {NB_AF_REFUSED, NB_AF_RESET, NB_AF_UNEXPECTED_REPLY};
    const struct nb_cls_thresholds *th = x->th;
    const struct nb_cls_app *a = &x->in->app;
    const char *tg = x->in->target;
    char t[NB_CLS_TEXTSIZ], list[160];
    double lo;
    if (!a->present)
        return;
    uint64_t n = a->probes;
    if (n < th->min_app_probes) {
        /* the app is what was asked about: other families' health is no
         * answer for it */
        nb_cls_fmt(t, sizeof(t), "only %llu app probes (need %u)", (unsigned long long)n,
                   th->min_app_probes);
        nb_cls_condition(x, false, t);
        return;
    }
    retransmissions(x, n);
    bool net_bad = nb_cls_network_unhealthy(x);
#define RATE_STRENGTH(lo_) nb_cls_rate_strength(x, (lo_), n, th->min_app_probes)
    /* A DNS answer is the name owner's (the app's), whatever the network. */
    uint64_t k = class_sum(a, dns, 4, list, sizeof(list));
    if (nb_cls_significant(x, k, n, &lo)) {
        nb_cls_fmt(t, sizeof(t), "DNS for %.80s failed in %llu of %llu probes (%s)", tg,
                   (unsigned long long)k, (unsigned long long)n, list);
        app_cand(x, RATE_STRENGTH(lo), t);
    }
    /* A silent resolver is judged as a slow one is (slow_phases): a DNS
     * finding — app, no side — while the network this window measured is
     * healthy, a condition (no finding) while it is not. The path to the
     * resolver is not measured, in either case alike: it is said, and the
     * finding is weakened by PEN_UNMEASURED. (Until issue 12's end a silent
     * resolver was always inconclusive, while a resolver answering after
     * 1.5 s on the same unmeasured path was DNS: one rule for both now.) */
    k = class_sum(a, silent, 2, list, sizeof(list));
    if (nb_cls_significant(x, k, n, &lo)) {
        nb_cls_fmt(t, sizeof(t),
                   "DNS: the resolver failed %llu of %llu lookups of %.80s (%s); the path to "
                   "it is not measured",
                   (unsigned long long)k, (unsigned long long)n, tg, list);
        if (net_bad) {
            nb_cls_cat(t, sizeof(t), "; not blamed on DNS while the network is not healthy");
            nb_cls_condition(x, true, t);
        } else {
            struct cand *c = nb_cls_new_cand(x, NB_LAYER_APP, NB_SIDE_NONE, -1, SRC_APP,
                                             RATE_STRENGTH(lo) * PEN_UNMEASURED);
            if (c)
                nb_cls_fmt(c->summary, sizeof(c->summary), "%s", t);
        }
    }
    /* An HTTP status is an answer the backend sent: its own, whatever the network. */
    k = a->fail[NB_AF_HTTP_STATUS];
    if (nb_cls_significant(x, k, n, &lo)) {
        nb_cls_fmt(t, sizeof(t),
                   "%.80s answered with errors in %llu of %llu probes (http_status "
                   "%llu",
                   tg, (unsigned long long)k, (unsigned long long)n, (unsigned long long)k);
        if (a->http_status)
            nb_cls_cat(t, sizeof(t), "; HTTP %d", a->http_status);
        nb_cls_cat(t, sizeof(t), ")");
        app_cand(x, RATE_STRENGTH(lo), t);
    }
    k = class_sum(a, server, 3, list, sizeof(list));
    if (nb_cls_significant(x, k, n, &lo)) {
        nb_cls_fmt(t, sizeof(t), "%.80s failed in %llu of %llu probes (%s)", tg,
                   (unsigned long long)k, (unsigned long long)n, list);
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
    slow_phases(x, net_bad);
#undef RATE_STRENGTH
    if (a->ok >= th->min_app_probes) {
        x->enough = true;
        if (a->ok > x->healthy_n)
            x->healthy_n = a->ok;
    }
}
