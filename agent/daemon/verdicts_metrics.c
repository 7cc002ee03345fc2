/* verdicts_metrics.c — the daemon's verdicts in /metrics (verdicts.h):
 * per target the layer and side it names, its confidence, since when, and
 * how many windows its baseline has learnt. */
#include "daemon/verdicts_int.h"
#include "net/metrics.h"

void nb_verdicts_render_metrics(const struct nb_verdicts *v, struct nb_buf *b)
{
    if (!v || v->n == 0)
        return;
    nb_prom_family(b, "netblame_verdict", "gauge",
                   "The classifier's current verdict per target: 1 for the layer it names "
                   "(healthy, app, virtual, physical, inconclusive), 0 for the others.");
    for (size_t i = 0; i < v->n; i++)
        for (int l = 0; l < NB_LAYER__COUNT && v->t[i].have_verdict; l++) {
            const char *labels[] = {"target", v->t[i].name, "verdict",
                                    nb_layer_name((enum nb_layer)l)};
            nb_prom_sample(b, "netblame_verdict", labels, 2, (int)v->t[i].verdict.layer == l);
        }
    /* The side as a state set of its own, like the layer: each series stays
     * put while the verdict moves, and an alert can carry the side by joining
     * on target (deploy/prometheus/netblame.rules.yml). */
    static const enum nb_side sides[] = {NB_SIDE_NONE, NB_SIDE_LOCAL, NB_SIDE_REMOTE};
    nb_prom_family(b, "netblame_verdict_side", "gauge",
                   "Side of the current verdict per target: 1 for the side it names (local: "
                   "the prober's host, remote: the reflector's; none: no side, as when healthy "
                   "or for a physical finding no NIC placed), 0 for the others.");
    for (size_t i = 0; i < v->n; i++)
        for (size_t s = 0; s < sizeof(sides) / sizeof(sides[0]) && v->t[i].have_verdict; s++) {
            const char *labels[] = {"target", v->t[i].name, "side",
                                    sides[s] == NB_SIDE_NONE ? "none" : nb_side_name(sides[s])};
            nb_prom_sample(b, "netblame_verdict_side", labels, 2,
                           v->t[i].verdict.where.side == sides[s]);
        }
    nb_prom_family(b, "netblame_verdict_confidence", "gauge",
                   "Confidence in [0,1] of the current verdict (0 when inconclusive).");
    for (size_t i = 0; i < v->n; i++)
        if (v->t[i].have_verdict) {
            const char *labels[] = {"target", v->t[i].name};
            nb_prom_sample(b, "netblame_verdict_confidence", labels, 1, v->t[i].verdict.confidence);
        }
    nb_prom_family(b, "netblame_verdict_since_timestamp_seconds", "gauge",
                   "Unix time when the current verdict's layer began.");
    for (size_t i = 0; i < v->n; i++)
        if (v->t[i].have_verdict) {
            const char *labels[] = {"target", v->t[i].name};
            nb_prom_sample(b, "netblame_verdict_since_timestamp_seconds", labels, 1,
                           (double)(v->t[i].changed / NB_NS_PER_SEC));
        }
    nb_prom_family(b, "netblame_baseline_windows", "gauge",
                   "Healthy windows the target's baseline has learnt from (its round trip or "
                   "connect time; 0: judged against absolute floors).");
    for (size_t i = 0; i < v->n; i++) {
        const struct nb_vd_target *t = &v->t[i];
        int m = t->app                          ? NB_BM_APP_CONNECT
                : t->family == NB_FAMILY_VNET   ? NB_BM_VNET_RTT
                : t->family == NB_FAMILY_FABRIC ? NB_BM_FABRIC_RTT
                                                : NB_BM_PATH_RTT;
        const char *labels[] = {"target", t->name};
        nb_prom_sample(b, "netblame_baseline_windows", labels, 1, t->base.m[m].n);
    }
}
