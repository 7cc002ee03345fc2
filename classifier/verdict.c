/* verdict.c — the classifier: one window of observations → a verdict
 * (DESIGN §4). Pure and deterministic: no I/O, no clock, no globals, no
 * allocation; every rule is general (never keyed to a name, an address or a
 * lab value). The rules, in the order they run, and the confidence formula
 * are documented in include/netblame/verdict.h; the constants they use are
 * in verdict_int.h.
 *
 * This file is the driver (nb_classify) and step 5: findings merged per
 * team, their confidence, the verdict. The rules themselves: verdict_links.c
 * (1. link counters), verdict_path.c (2. vnet and fabric families, 3.
 * segments, latency and loss), verdict_size.c (3b. MTU), verdict_app.c (4.
 * app), verdict_cpu.c (4b. CPU contention); what they share (text, working
 * state, limits): verdict_ctx.c; names and default thresholds: names.c. */
#include "verdict_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- 5. findings and the verdict ---- */

static void resolve_where(const struct ctx *x, const size_t *idx, size_t n, enum nb_layer layer,
                          enum nb_side side, struct nb_where *w)
{
    const struct nb_cls_input *in = x->in;
    const struct cand *lk = NULL;
    memset(w, 0, sizeof(*w));
    w->side = layer == NB_LAYER_PHYSICAL ? NB_SIDE_NONE : side;
    for (size_t i = 0; i < n; i++) {
        const struct cand *c = &x->c[idx[i]];
        if (c->src == SRC_LINK &&
            (!lk || c->level > lk->level || (c->level == lk->level && c->side < lk->side)))
            lk = c;
        if (layer == NB_LAYER_PHYSICAL && c->src != SRC_LINK && w->side == NB_SIDE_NONE)
            w->side = c->side; /* a NIC-down conversion knows its side */
    }
    if (lk) {
        const struct nb_cls_link *l = &in->links[lk->link];
        w->side = l->side;
        nb_cls_fmt(w->ifname, sizeof(w->ifname), "%s", l->ifname);
        nb_cls_fmt(w->host, sizeof(w->host), "%s", l->host);
    } else if (layer != NB_LAYER_APP && w->side != NB_SIDE_NONE) {
        /* The one interface of that role on that side, if the agent listed one. */
        enum nb_if_role role = layer == NB_LAYER_PHYSICAL ? NB_IF_NIC : NB_IF_TAP;
        int found = -1, count = 0;
        for (size_t i = 0; i < in->nlinks && i < NB_CLS_MAX_LINKS; i++)
            if (in->links[i].side == w->side && in->links[i].role == role) {
                found = (int)i;
                count++;
            }
        if (count == 1) {
            nb_cls_fmt(w->ifname, sizeof(w->ifname), "%s", in->links[found].ifname);
            nb_cls_fmt(w->host, sizeof(w->host), "%s", in->links[found].host);
        }
    }
    if (!w->host[0] && w->side != NB_SIDE_NONE)
        nb_cls_fmt(w->host, sizeof(w->host), "%s",
                   w->side == NB_SIDE_LOCAL ? in->local_host : in->remote_host);
}

/* Part of an interface name? (Not isalnum: that reads the locale.) */
static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
}

/* Does TEXT name interface NAME as a word ("eth1" is not in "eth10")? */
static bool names(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = text; n && (p = strstr(p, name)); p++) {
        bool before = p == text || !name_char(p[-1]);
        bool after = !name_char(p[n]) || (p[n] == '.' && !name_char(p[n + 1])); /* "eth1." */
        if (before && after)
            return true;
    }
    return false;
}

/* Merge the candidates of one team into a finding (confidence: see the top). */
static void merge_team(const struct ctx *x, const size_t *idx, size_t n, struct nb_finding *f)
{
    const struct cand *p = NULL;
    bool only_links = true;
    for (size_t i = 0; i < n; i++)
        if (x->c[idx[i]].src != SRC_LINK)
            only_links = false;
    for (size_t i = 0; i < n; i++) {
        const struct cand *c = &x->c[idx[i]];
        if (!only_links && c->src == SRC_LINK)
            continue;
        if (!p || c->strength * c->penalty > p->strength * p->penalty)
            p = c;
    }
    unsigned others = 0;
    for (size_t i = 0; i < n; i++)
        if (&x->c[idx[i]] != p)
            others |= x->c[idx[i]].src;
    others &= ~p->src;
    unsigned corr = nb_cls_popcount(others);
    double conf = p->strength;
    for (unsigned i = 0; i < corr && i < MAX_CORROBORATION; i++)
        conf += (1.0 - conf) * 0.5;
    conf *= p->penalty;
    if (only_links && conf > x->th->link_only_cap)
        conf = x->th->link_only_cap;
    memset(f, 0, sizeof(*f));
    f->layer = p->layer;
    f->segment = p->segment;
    f->confidence = nb_round_to(nb_clamp01(conf), 0.001);
    nb_cls_fmt(f->summary, sizeof(f->summary), "%s", p->summary);
    for (size_t i = 0; i < n; i++) {
        const struct cand *c = &x->c[idx[i]];
        if (c != p && c->note[0] && !strstr(f->summary, c->note) &&
            !(c->src == SRC_LINK && names(f->summary, x->in->links[c->link].ifname)))
            nb_cls_cat(f->summary, sizeof(f->summary), "; %s", c->note);
    }
    resolve_where(x, idx, n, p->layer, p->side, &f->where);
}

static void build_findings(struct ctx *x)
{
    struct nb_verdict *v = x->v;
    bool done[MAX_CANDS] = {false};
    struct nb_finding f[NB_LAYER__COUNT * 3];
    size_t nf = 0;
    for (size_t i = 0; i < x->nc && nf < NB_LAYER__COUNT * 3; i++) {
        if (done[i])
            continue;
        int key = nb_cls_team(x->c[i].layer, x->c[i].side);
        size_t idx[MAX_CANDS], n = 0;
        for (size_t j = i; j < x->nc; j++) {
            if (!done[j] && nb_cls_team(x->c[j].layer, x->c[j].side) == key) {
                idx[n++] = j;
                done[j] = true;
            }
        }
        merge_team(x, idx, n, &f[nf++]);
    }
    /* Strongest first; ties keep the order the rules ran in (stable). */
    for (size_t i = 1; i < nf; i++) {
        struct nb_finding t = f[i];
        size_t j = i;
        for (; j > 0 && f[j - 1].confidence < t.confidence; j--)
            f[j] = f[j - 1];
        f[j] = t;
    }
    for (size_t i = 0; i < nf && i < NB_CLS_MAX_FINDINGS; i++)
        v->findings[v->nfindings++] = f[i];
    if (nf > NB_CLS_MAX_FINDINGS)
        nb_cls_add_ev(x, "%zu weaker findings not listed", nf - NB_CLS_MAX_FINDINGS);
}

/* Put TEXT at evidence line AT (moving the rest down; the last falls off
 * when full), unless it is already there or earlier. Returns the next line. */
static size_t ev_insert(struct nb_verdict *v, size_t at, const char *text)
{
    for (size_t i = 0; i < v->nevidence; i++) {
        if (strcmp(v->evidence[i], text) != 0)
            continue;
        if (i < at)
            return at;
        memmove(v->evidence[at + 1], v->evidence[at], (i - at) * sizeof(v->evidence[0]));
        nb_cls_fmt(v->evidence[at], sizeof(v->evidence[at]), "%s", text);
        return at + 1;
    }
    if (v->nevidence < NB_CLS_MAX_EVIDENCE)
        v->nevidence++;
    memmove(v->evidence[at + 1], v->evidence[at],
            (v->nevidence - 1 - at) * sizeof(v->evidence[0]));
    nb_cls_fmt(v->evidence[at], sizeof(v->evidence[at]), "%s", text);
    return at + 1;
}

/* The verdict. A finding names a layer only at attribute_min or more (and
 * then even if some symptom stays unexplained); a weaker one leaves the
 * window inconclusive, naming it. EVIDENCE ORDER: the sentence that explains
 * the verdict comes first — the findings' summaries in order for a named
 * layer, the reason for inconclusive, the coverage line for healthy — then
 * the rest in the order the rules produced them. */
static void decide(struct ctx *x)
{
    struct nb_verdict *v = x->v;
    const struct nb_cls_input *in = x->in;
    const struct nb_cls_thresholds *th = x->th;
    if (v->nfindings && v->findings[0].confidence >= th->attribute_min) {
        v->layer = v->findings[0].layer;
        v->where = v->findings[0].where;
        v->confidence = v->findings[0].confidence;
        if (x->reason[0])
            nb_cls_add_ev(x, "also unexplained: %s", x->reason);
        size_t at = 0;
        for (size_t i = 0; i < v->nfindings; i++)
            at = ev_insert(v, at, v->findings[i].summary);
        return;
    }
    if (v->nfindings || x->reason[0] || !x->enough) {
        char weak[NB_CLS_TEXTSIZ] = "";
        if (v->nfindings) {
            const struct nb_finding *f = &v->findings[0];
            nb_cls_fmt(weak, sizeof(weak), "too weak to name a layer (%s%s%s %.2f, needs %.2f): %s",
                       nb_layer_name(f->layer), f->where.side ? "/" : "",
                       nb_side_name(f->where.side), f->confidence, th->attribute_min,
                       f->summary);
        }
        v->layer = NB_LAYER_INCONCLUSIVE;
        v->confidence = 0.0;
        nb_cls_fmt(v->reason, sizeof(v->reason), "%s",
                   x->reason[0] ? x->reason
                   : weak[0]    ? weak
                   : x->few[0]  ? x->few
                                : "no observations in this window");
        size_t at = ev_insert(v, 0, v->reason);
        if (weak[0] && x->reason[0])
            ev_insert(v, at, weak);
        return;
    }
    v->layer = NB_LAYER_HEALTHY;
    double cov = 0.6;
    if (in->path.present && in->path.wf.answered >= x->th->min_samples) {
        unsigned measured = 0, unmeasured = 0;
        for (int s = 0; s < NB_SEG__COUNT; s++) {
            if (v->seg[s].samples >= x->th->min_samples)
                measured++;
            else
                unmeasured |= BIT(s);
        }
        cov += 0.4 * measured / NB_SEG__COUNT;
        char t[NB_CLS_TEXTSIZ];
        nb_cls_fmt(t, sizeof(t),
                   "%zu of %zu path probes answered; every measured segment within its "
                   "threshold (%s)",
                   in->path.wf.answered, in->path.wf.probes,
                   x->baseline_used ? "learnt baseline" : "absolute floors: no baseline yet");
        size_t at = ev_insert(v, 0, t);
        if (unmeasured) {
            nb_cls_fmt(t, sizeof(t), "not measured: %s (missing: %s)",
                       nb_cls_seg_list(unmeasured).s,
                       nb_cls_missing_points(x, unmeasured, false, false).s);
            ev_insert(v, at, t);
        }
    } else {
        /* no path: the families and app probes that back the claim, so a
         * healthy verdict always says what it rests on (an alert's summary
         * quotes this line) */
        const char *basis = x->baseline_used ? "learnt baseline" : "absolute floors: no baseline yet";
        const struct nb_cls_family *fam[2] = {&in->vnet, &in->fabric};
        const char *fname[2] = {"vnet", "fabric"};
        size_t at = 0;
        char t[NB_CLS_TEXTSIZ];
        for (int i = 0; i < 2; i++) {
            const struct nb_cls_family *f = fam[i];
            if (!f->present || f->probes < x->th->min_samples)
                continue;
            nb_cls_fmt(t, sizeof(t), "%llu of %llu %s probes answered; round trip within its "
                                     "threshold (%s)",
                       (unsigned long long)(f->probes - f->lost), (unsigned long long)f->probes,
                       fname[i], basis);
            at = ev_insert(v, at, t);
        }
        if (in->app.present && in->app.probes) {
            nb_cls_fmt(t, sizeof(t), "%llu of %llu app probes succeeded; connect and server "
                                     "time within their thresholds (%s)",
                       (unsigned long long)in->app.ok, (unsigned long long)in->app.probes, basis);
            ev_insert(v, at, t);
        }
    }
    v->confidence = nb_round_to(nb_clamp01(nb_sample_weight(x->healthy_n, x->th->min_samples) *
                                           cov * (x->baseline_used ? 1.0 : 0.9)),
                                0.001);
}

void nb_classify(const struct nb_cls_input *in, const struct nb_baseline *base,
                 const struct nb_cls_thresholds *th, struct nb_verdict *out)
{
    struct nb_cls_thresholds defaults;
    if (!th) {
        nb_cls_thresholds_default(&defaults);
        th = &defaults;
    }
    struct ctx x;
    memset(&x, 0, sizeof(x));
    x.in = in;
    x.base = base;
    x.th = th;
    x.v = out;
    memset(out, 0, sizeof(*out));
    nb_cls_fmt(out->target, sizeof(out->target), "%s", in->target);
    out->start = in->start;
    out->end = in->end;
    if (in->path.present)
        out->probes += in->path.wf.probes;
    if (in->vnet.present)
        out->probes += in->vnet.probes;
    if (in->fabric.present)
        out->probes += in->fabric.probes;
    if (in->app.present)
        out->probes += in->app.probes;

    nb_cls_scan_links(&x);
    x.vnet = nb_cls_eval_family(&x, &in->vnet, NB_BM_VNET_RTT, true);
    x.fabric = nb_cls_eval_family(&x, &in->fabric, NB_BM_FABRIC_RTT, false);
    if (in->path.present) {
        nb_cls_eval_segments(&x, &in->path.wf, NB_BM_PATH_SEG, out->seg);
        out->seg_source = NB_SEGS_PATH;
        nb_cls_analyse_waterfall(&x, &in->path.wf, out->seg, false);
        if (in->path.rtt.known && in->path.wf.probes >= th->min_samples)
            nb_cls_e2e_check(&x, out->seg, in->path.rtt.p50, in->path.rtt.p50_lo, NB_BM_PATH_RTT,
                             false,
                             in->path.wf.answered);
    }
    const struct nb_cls_app *a = &in->app;
    if (a->present && a->have_handshake) {
        nb_cls_eval_segments(&x, &a->handshake, NB_BM_HS_SEG, x.hs);
        if (!in->path.present) {
            memcpy(out->seg, x.hs, sizeof(out->seg));
            out->seg_source = NB_SEGS_HANDSHAKE;
        }
        nb_cls_analyse_waterfall(&x, &a->handshake, x.hs, true);
    }
    if (a->present && a->have_connect && a->ok >= th->min_app_probes)
        nb_cls_e2e_check(&x, a->have_handshake ? x.hs : NULL, a->connect_p50, 0.0,
                         NB_BM_APP_CONNECT,
                         true, a->ok);
    nb_cls_cross_check(&x);
    nb_cls_size_check(&x); /* verdict_size.c: full-size vs small probes */
    nb_cls_analyse_app(&x);
    nb_cls_cpu_contention(&x); /* 4b: corroborates virtual candidates: after every rule */
    build_findings(&x);
    decide(&x);
}
