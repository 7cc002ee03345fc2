/* verdict_size.c — rule 3b of the classifier (include/netblame/verdict.h):
 * full-size against small probes. Probers pad every Nth probe to the
 * route's MTU (DF set), so a hop that silently drops large frames — an MTU
 * black hole: small frames pass, a TCP reply of full segments never
 * arrives — loses exactly those. The loss itself is judged by the other
 * rules (it is localised like any loss); this rule says what kind of loss
 * it is, in the evidence and in the summary of the finding that blames it,
 * so the pager reads "MTU black hole" rather than a bare loss rate. */
#include "verdict_int.h"

#include <string.h>

/* FULL_LOST of FULL full-size probes lost significantly, SMALL_LOST of
 * SMALL small ones not, and full-size ones lost at least at twice the small
 * ones' rate: the loss is of size. Fills TEXT ("MTU black hole: 25 of 25
 * full-size probes lost, 0 of 75 small"). */
static bool size_loss(const struct ctx *x, uint64_t full, uint64_t full_lost, uint64_t probes,
                      uint64_t lost, char *text, size_t cap)
{
    double lo;
    if (!full || full > probes || full_lost > full || full_lost > lost)
        return false; /* none sent, or inconsistent counts: nothing to say */
    uint64_t small = probes - full, small_lost = lost - full_lost;
    if (!nb_cls_significant(x, full_lost, full, &lo))
        return false;
    if (small && (nb_cls_significant(x, small_lost, small, &lo) ||
                  (double)small_lost / (double)small * 2.0 > (double)full_lost / (double)full))
        return false;
    nb_cls_fmt(text, cap, "MTU black hole: %llu of %llu full-size probes lost, %llu of %llu small",
               (unsigned long long)full_lost, (unsigned long long)full,
               (unsigned long long)small_lost, (unsigned long long)small);
    return true;
}

/* Append TEXT to the summaries of the candidates of source SRC that claim
 * loss (path: a lossy segment or a loss span; families: any). */
static void annotate(struct ctx *x, unsigned src, const char *text)
{
    for (size_t i = 0; i < x->nc; i++) {
        struct cand *c = &x->c[i];
        if (c->src != src)
            continue;
        if (src == SRC_PATH &&
            (c->segment >= 0 ? !x->v->seg[c->segment].lossy : !strstr(c->summary, "loss")))
            continue;
        nb_cls_cat(c->summary, sizeof(c->summary), "; %s", text);
    }
}

bool nb_cls_size_explains(const struct ctx *x, const struct cand *c, const struct nb_cls_family *f)
{
    const struct nb_cls_path *p = &x->in->path;
    char t[NB_CLS_TEXTSIZ];
    if (!(c->src & SRC_PATH) || c->segment < 0 || !x->v->seg[c->segment].lossy ||
        !size_loss(x, p->full_probes, p->full_lost, p->wf.probes, p->wf.lost, t, sizeof(t)))
        return false;
    return f->full_probes == 0 || f->full_lost > 0;
}

/* One family's (or the path's) probes, named NAME, of source SRC. */
static void check(struct ctx *x, const char *name, unsigned src, uint64_t full, uint64_t full_lost,
                  uint64_t probes, uint64_t lost)
{
    char t[NB_CLS_TEXTSIZ];
    if (!size_loss(x, full, full_lost, probes, lost, t, sizeof(t)))
        return;
    nb_cls_add_ev(x, "%s probes: %s (frames of the route's MTU are dropped, small ones pass)", name,
                  t);
    annotate(x, src, t);
}

void nb_cls_size_check(struct ctx *x)
{
    const struct nb_cls_input *in = x->in;
    const struct nb_cls_path *p = &in->path;
    if (p->present)
        check(x, "path", SRC_PATH, p->full_probes, p->full_lost, p->wf.probes, p->wf.lost);
    if (in->fabric.present)
        check(x, "fabric", SRC_FABRIC, in->fabric.full_probes, in->fabric.full_lost,
              in->fabric.probes, in->fabric.lost);
    if (in->vnet.present)
        check(x, "vnet", SRC_VNET, in->vnet.full_probes, in->vnet.full_lost, in->vnet.probes,
              in->vnet.lost);
}
