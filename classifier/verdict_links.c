/* verdict_links.c — rule 1 of the classifier (include/netblame/verdict.h):
 * link counters. Each interface whose counters moved, or that is down,
 * becomes evidence; a hard signal becomes a candidate of its own, and the
 * strongest signal per side and role is kept for the other rules. */
#include "verdict_int.h"

/* ---- 1. link counters ---- */

static int link_level(const struct nb_cls_link *l)
{
    if (!l->up || !l->carrier)
        return 3;
    if (l->carrier_changes || l->rx_errors || l->tx_errors)
        return 2;
    bool drops = l->rx_dropped || l->tx_dropped || l->qdisc_drops;
    if (drops)
        return l->role == NB_IF_TAP ? 2 : 1; /* NIC rx drops are often foreign frames */
    return 0;
}

/* "no carrier, tx_dropped +912" */
static void link_moves(const struct nb_cls_link *l, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (!l->up)
        nb_cls_cat(buf, cap, "down");
    else if (!l->carrier)
        nb_cls_cat(buf, cap, "no carrier");
#define MOVED(f)                                                                                   \
    if (l->f)                                                                                      \
        nb_cls_cat(buf, cap, "%s" #f " +%llu", buf[0] ? ", " : "", (unsigned long long)l->f);
    MOVED(tx_dropped)
    MOVED(rx_dropped)
    MOVED(qdisc_drops)
    MOVED(tx_errors)
    MOVED(rx_errors)
    MOVED(carrier_changes)
#undef MOVED
}

void nb_cls_scan_links(struct ctx *x)
{
    const struct nb_cls_input *in = x->in;
    for (size_t i = 0; i < in->nlinks && i < NB_CLS_MAX_LINKS; i++) {
        const struct nb_cls_link *l = &in->links[i];
        int level = link_level(l);
        if (!level)
            continue;
        char moves[160];
        link_moves(l, moves, sizeof(moves));
        const char *role = l->role == NB_IF_NIC ? "NIC" : "tap";
        const char *side = l->side == NB_SIDE_NONE ? "" : nb_side_name(l->side);
        nb_cls_add_ev(x, "%s%s%s %s%s%s: %s", side, side[0] ? " " : "", role, l->ifname,
                      l->host[0] ? " on " : "", l->host, moves);
        unsigned si = (unsigned)l->side < 3 ? (unsigned)l->side : 0;
        int ri = l->role == NB_IF_NIC ? 1 : 0;
        if (level > x->sig[si][ri].level) {
            x->sig[si][ri].level = level;
            x->sig[si][ri].idx = (int)i;
        }
        if (level < 2 || l->side == NB_SIDE_NONE)
            continue;
        enum nb_layer layer = l->role == NB_IF_NIC ? NB_LAYER_PHYSICAL : NB_LAYER_VIRTUAL;
        double cap = x->th->link_only_cap;
        struct cand *c =
            nb_cls_new_cand(x, layer, l->side, -1, SRC_LINK, level >= 3 ? cap : cap * 2 / 3);
        if (!c)
            continue;
        c->link = (int)i;
        c->level = level;
        nb_cls_fmt(c->summary, sizeof(c->summary),
                   "%s %s %s: %s (link counters only; no probe saw a fault)", side, role, l->ifname,
                   moves);
        nb_cls_fmt(c->note, sizeof(c->note), "%s %s", l->ifname, moves);
    }
}

/* Counters on the side of (L, S) point at it. */
bool nb_cls_counters_point_at(const struct ctx *x, enum nb_layer l, enum nb_side s)
{
    if (l == NB_LAYER_VIRTUAL)
        return x->sig[s][0].level >= 2;
    if (l == NB_LAYER_PHYSICAL)
        return x->sig[NB_SIDE_LOCAL][1].level >= 2 || x->sig[NB_SIDE_REMOTE][1].level >= 2;
    return false;
}
