/* verdict_path.c — rules 2 and 3 of the classifier (include/netblame/verdict.h):
 * the vnet and fabric families, then the segments of a waterfall (the path
 * probes', or the app handshakes'): per-segment latency and localised loss,
 * loss and slowness not localised to one segment, the end-to-end check, and
 * the families' cross-check of what the segments blame. */
#include "verdict_int.h"

#include <string.h>

/* ---- text ---- */

/* A rate as a percentage: "18%", "2.5%". */
static struct txt pct(double rate)
{
    struct txt t;
    double p = rate * 100.0;
    nb_cls_fmt(t.s, sizeof(t.s), p >= 10.0 || p == 0.0 ? "%.0f%%" : "%.1f%%", p);
    return t;
}

/* Where a segment lies, for a sentence. */
static const char *seg_span(int s)
{
    static const char *const span[NB_SEG__COUNT] = {
        "between A and HA.tap (guest stack, virtio, vhost, tap)",
        "between HA.tap and HA.nic (local host bridge)",
        "between HA.nic and HB.nic (NICs, links, fabric)",
        "between HB.nic and HB.tap (remote host bridge)",
        "between HB.tap and B (remote tap, vhost, virtio, guest stack)",
        "between B.rx and B.tx (the reflector)",
    };
    return span[s];
}

static enum nb_layer seg_layer(int s)
{
    return s == NB_SEG_PHYSICAL     ? NB_LAYER_PHYSICAL
           : s == NB_SEG_REMOTE_APP ? NB_LAYER_APP
                                    : NB_LAYER_VIRTUAL;
}

static enum nb_side seg_side(int s)
{
    if (s == NB_SEG_LOCAL_VIRTUAL || s == NB_SEG_LOCAL_SWITCH)
        return NB_SIDE_LOCAL;
    return s == NB_SEG_PHYSICAL ? NB_SIDE_NONE : NB_SIDE_REMOTE;
}

/* ---- 2. the vnet and fabric families ---- */

enum fam nb_cls_eval_family(struct ctx *x, const struct nb_cls_family *f, int bm, bool vnet)
{
    const struct nb_cls_thresholds *th = x->th;
    const char *name =
        vnet ? "vnet probes (guest <-> its host agent)" : "fabric probes (host <-> peer host)";
    char t[NB_CLS_TEXTSIZ];
    if (!f->present)
        return FAM_ABSENT;
    if (f->probes < th->min_samples) {
        nb_cls_fmt(t, sizeof(t), "only %llu %s (need %u)", (unsigned long long)f->probes,
                   vnet ? "vnet probes" : "fabric probes", th->min_samples);
        nb_cls_too_few(x, t);
        return FAM_FEW;
    }
    uint64_t lost = f->lost < f->probes ? f->lost : f->probes;
    uint64_t answered = f->probes - lost;
    double lo, plo, s_loss = 0, s_lat = 0, ref = 0, limit = 0;
    struct nb_ci ci = nb_wilson(lost, f->probes, th->z);
    if (nb_cls_significant(x, lost, f->probes, &lo))
        s_loss = nb_cls_rate_strength(x, lo, f->probes, th->min_samples);
    /* Path probes cross the same layer. If enough of them came back with no
     * significant loss, the family's loss is its own peer's (a host agent's
     * reflector that is down or restarting), not the layer's. */
    const struct nb_cls_path *p = &x->in->path;
    if (s_loss > 0 && p->present && p->wf.answered >= th->min_samples &&
        !nb_cls_significant(x, p->wf.lost, p->wf.probes, &plo)) {
        nb_cls_add_ev(x, "%s lost %llu of %llu while %zu path probes crossed the same layer "
                         "without significant loss: their peer agent is not answering; the "
                         "layer is not judged by them",
                      vnet ? "vnet probes" : "fabric probes", (unsigned long long)lost,
                      (unsigned long long)f->probes, p->wf.answered);
        return FAM_ABSENT;
    }
    const struct nb_base_stat *b = NULL;
    if (f->rtt.known && answered >= th->min_samples) {
        limit = nb_cls_limit_of(x, bm, th->rtt_floor_ns, th->rtt_excess_ns, &ref, &b);
        if (nb_cls_lo(f->rtt.p50_lo, f->rtt.p50) > limit)
            s_lat =
                nb_cls_lat_strength(f->rtt.p50, ref, limit, answered, th->min_samples, b != NULL);
    }
    if (s_loss == 0 && s_lat == 0) {
        if (answered >= th->min_samples) {
            x->enough = true;
            if (answered > x->healthy_n)
                x->healthy_n = answered;
        }
        return FAM_HEALTHY;
    }
    struct cand *c = nb_cls_new_cand(x, vnet ? NB_LAYER_VIRTUAL : NB_LAYER_PHYSICAL,
                                     vnet ? NB_SIDE_LOCAL : NB_SIDE_NONE, -1,
                                     vnet ? SRC_VNET : SRC_FABRIC, s_loss > s_lat ? s_loss : s_lat);
    if (!c)
        return FAM_FAULT;
    nb_cls_fmt(c->summary, sizeof(c->summary), "%s:", name);
    if (s_lat > 0) {
        if (b)
            nb_cls_cat(c->summary, sizeof(c->summary), " p50 %s vs baseline %s",
                       nb_cls_dur(f->rtt.p50).s, nb_cls_dur(b->p50.median).s);
        else
            nb_cls_cat(c->summary, sizeof(c->summary), " p50 %s, above the %s floor (no baseline)",
                       nb_cls_dur(f->rtt.p50).s, nb_cls_dur(limit).s);
    }
    if (s_loss > 0)
        nb_cls_cat(c->summary, sizeof(c->summary), "%s lost %llu of %llu (%s, CI %s-%s)",
                   s_lat > 0 ? ";" : "", (unsigned long long)lost, (unsigned long long)f->probes,
                   pct((double)lost / (double)f->probes).s, pct(ci.lo).s, pct(ci.hi).s);
    nb_cls_fmt(c->note, sizeof(c->note), "%s probes agree", vnet ? "vnet" : "fabric");
    return FAM_FAULT;
}

/* A network (virtual or physical) finding exists, or a network symptom is
 * unexplained: app symptoms are then not the app's. */
bool nb_cls_network_unhealthy(const struct ctx *x)
{
    if (x->net_condition)
        return true;
    for (size_t i = 0; i < x->nc; i++)
        if ((x->c[i].layer == NB_LAYER_VIRTUAL || x->c[i].layer == NB_LAYER_PHYSICAL) &&
            x->c[i].src != SRC_LINK)
            return true;
    return false;
}

/* ---- 3. segments ---- */

/* Were the points in place to see a loss in segment S (HS: a handshake)? */
static bool loss_observable(const struct ctx *x, int s, bool hs)
{
    const struct nb_cls_path *p = &x->in->path;
    bool ha = hs ? x->in->app.hs_local_agent : p->local_agent;
    bool hb = hs ? x->in->app.hs_remote_agent : p->remote_agent;
    bool counted = !hs && p->reflector == NB_REFL_NETBLAME; /* B.rx/B.tx of lost probes */
    switch (s) {
    case NB_SEG_LOCAL_VIRTUAL:
    case NB_SEG_LOCAL_SWITCH:
        return ha;
    case NB_SEG_PHYSICAL:
        return ha && hb;
    case NB_SEG_REMOTE_SWITCH:
        return hb;
    case NB_SEG_REMOTE_VIRTUAL:
        return hb && (hs || counted);
    default:
        return counted;
    }
}

/* COMMON MODE. A fault of one layer slows that layer's segment; a
 * condition of the machines themselves (CPU contention, a busy host, a
 * measuring host that stamps late) lifts several segments of different
 * teams at once, and whichever crosses its limit first is not the culprit.
 * So when at least COMMON_MIN measured segments are elevated (their figure
 * at least COMMON_ELEVATED of the way to its limit, by the p50 or the p90)
 * and they belong to two teams or more, a slow segment is blamed only if it
 * dominates: its elevation is at least COMMON_DOMINANT times the median
 * elevation of the elevated segments that are not slow (the level the
 * condition lifted everything to), or, when every elevated segment is slow,
 * of the other elevated ones. The others are marked common
 * and the window gets a condition naming them (inconclusive unless some
 * other finding is decisive). Two real faults in two layers still give two
 * findings: each dominates the quiet rest. Elevations are measured on the
 * same figures the limits judge (the lower confidence bounds). */
static void common_mode(struct ctx *x, struct nb_seg_verdict *sv, bool hs)
{
    int el[NB_SEG__COUNT], ne = 0;
    unsigned teams = 0;
    for (int s = 0; s < NB_SEG__COUNT; s++)
        if (x->elev[s] >= COMMON_ELEVATED) {
            el[ne++] = s;
            teams |= 1u << nb_cls_team(seg_layer(s), seg_side(s));
        }
    if (ne < COMMON_MIN || nb_cls_popcount(teams) < 2)
        return;
    char list[NB_CLS_TEXTSIZ] = "";
    unsigned ncommon = 0;
    for (int i = 0; i < ne; i++) {
        int s = el[i];
        nb_cls_cat(list, sizeof(list), "%s%s x%.1f", list[0] ? ", " : "",
                   nb_segment_name((enum nb_segment)s), x->elev[s]);
        if (!sv[s].slow)
            continue;
        double others[NB_SEG__COUNT];
        size_t k = 0;
        for (int j = 0; j < ne; j++) /* the level of the lifted, not slow */
            if (!sv[el[j]].slow)
                others[k++] = x->elev[el[j]];
        if (k == 0) /* all slow: the others */
            for (int j = 0; j < ne; j++)
                if (el[j] != s)
                    others[k++] = x->elev[el[j]];
        nb_sort_d(others, k);
        if (x->elev[s] >= COMMON_DOMINANT * nb_median_sorted_d(others, k))
            continue;
        sv[s].common = true;
        ncommon++;
    }
    if (!ncommon)
        return;
    char t[NB_CLS_TEXTSIZ];
    nb_cls_fmt(t, sizeof(t),
               "%s%zu segments of several teams rose together (of their limits: %s): a "
               "condition common to the hosts (CPU contention, a busy machine), not one "
               "layer's fault",
               hs ? "connect: " : "", (size_t)ne, list);
    nb_cls_condition(x, true, t);
}

void nb_cls_eval_segments(struct ctx *x, const struct nb_waterfall *w, int bm0,
                          struct nb_seg_verdict *out)
{
    const struct nb_cls_thresholds *th = x->th;
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        const struct nb_seg_figures *f = &w->seg[s];
        struct nb_seg_verdict *sv = &out[s];
        enum nb_layer l = seg_layer(s);
        memset(sv, 0, sizeof(*sv));
        sv->samples = f->known;
        sv->known = f->known > 0;
        if (sv->known) {
            sv->p50 = f->p50;
            sv->p90 = f->p90;
            sv->p99 = f->p99;
        }
        sv->lost = f->lost;
        sv->lost_shared = f->lost_shared;
        sv->loss_known = sv->known || f->lost > 0 || loss_observable(x, s, bm0 == NB_BM_HS_SEG);
        sv->loss = w->probes ? (double)f->lost / (double)w->probes : 0.0;
        sv->loss_ci = nb_wilson(f->lost, w->probes, th->z);
        const struct nb_base_stat *b = nb_cls_baseline_of(x, bm0 + s);
        if (b) {
            sv->have_baseline = true;
            sv->baseline = b->p50.median;
            sv->baseline_mad = b->p50.mad;
        }
        x->elev[s] = 0.0;
        if (sv->known && f->known >= th->min_samples) {
            struct nb_cls_lim lim = nb_cls_limits(x, bm0 + s, th->floor_ns[l], th->excess_ns[l],
                                                  th->tail_floor_ns, th->tail_excess_ns);
            double p50 = nb_cls_lo(f->p50_lo, f->p50), p90 = nb_cls_lo(f->p90_lo, f->p90);
            double r50 = nb_excess_ratio(p50, lim.ref, lim.limit - lim.ref);
            double r90 = nb_excess_ratio(p90, lim.tref, lim.tlimit - lim.tref);
            sv->limit = lim.limit;
            sv->tail_limit = lim.tlimit;
            sv->slow = p50 > lim.limit;
            if (!sv->slow && p90 > lim.tlimit) {
                sv->slow = true; /* at least a tenth of the probes were held up */
                sv->tail = true;
            }
            x->elev[s] = r50 > r90 ? r50 : r90;
        }
        double lo;
        sv->lossy = w->probes >= th->min_samples && nb_cls_significant(x, f->lost, w->probes, &lo);
        sv->anomalous = sv->slow || sv->lossy;
    }
    common_mode(x, out, bm0 == NB_BM_HS_SEG);
}

/* The observation points whose absence leaves the segments of MASK
 * unresolved (HS: the app handshake's agents, else the path's). */
struct line nb_cls_missing_points(const struct ctx *x, unsigned mask, bool hs, bool lossy)
{
    const struct nb_cls_path *p = &x->in->path;
    const struct nb_cls_app *a = &x->in->app;
    bool ha = hs ? a->hs_local_agent : p->local_agent;
    bool hb = hs ? a->hs_remote_agent : p->remote_agent;
    struct line t = {""};
    unsigned need_ha = BIT(NB_SEG_LOCAL_VIRTUAL) | BIT(NB_SEG_LOCAL_SWITCH) | BIT(NB_SEG_PHYSICAL);
    unsigned need_hb =
        BIT(NB_SEG_PHYSICAL) | BIT(NB_SEG_REMOTE_SWITCH) | BIT(NB_SEG_REMOTE_VIRTUAL);
    if ((mask & need_ha) && !ha)
        nb_cls_cat(t.s, sizeof(t.s), "HA.* (no local host agent sightings)");
    if ((mask & need_hb) && !hb)
        nb_cls_cat(t.s, sizeof(t.s), "%sHB.* (%s)", t.s[0] ? "; " : "",
                   hs                              ? "no remote host agent sightings"
                   : p->remote_agent_known         ? "remote host agent did not answer"
                   : p->reflector == NB_REFL_STAMP ? "plain STAMP reflector: no remote host agent"
                                                   : "no remote host agent known");
    if (lossy && !hs && (mask & (BIT(NB_SEG_REMOTE_VIRTUAL) | BIT(NB_SEG_REMOTE_APP))) &&
        p->reflector != NB_REFL_NETBLAME)
        nb_cls_cat(t.s, sizeof(t.s), "%sB.rx/B.tx of lost probes (reflector keeps no count)",
                   t.s[0] ? "; " : "");
    if (!t.s[0])
        nb_cls_cat(t.s, sizeof(t.s), "none missing, but these probes were not sighted");
    return t;
}

/* A symptom somewhere in the segments of MASK. Families that measured a
 * layer healthy clear it (a faulty one explains the symptom); if one team
 * remains it is blamed, with a penalty; if several remain and counters
 * single one out, that one, with a larger penalty; otherwise the window has
 * an unexplained symptom, and the reason names the missing points. */
static void span_blame(struct ctx *x, unsigned mask, double strength, unsigned src, bool hs,
                       bool lossy, const char *symptom)
{
    char cleared[128] = "";
    if ((mask & BIT(NB_SEG_PHYSICAL)) && x->fabric == FAM_FAULT) {
        nb_cls_add_ev(x, "%s: consistent with the fabric probes' finding", symptom);
        return;
    }
    if ((mask & BIT(NB_SEG_LOCAL_VIRTUAL)) && x->vnet == FAM_FAULT) {
        nb_cls_add_ev(x, "%s: consistent with the vnet probes' finding", symptom);
        return;
    }
    if ((mask & BIT(NB_SEG_PHYSICAL)) && mask != BIT(NB_SEG_PHYSICAL) && x->fabric == FAM_HEALTHY) {
        mask &= ~BIT(NB_SEG_PHYSICAL);
        nb_cls_cat(cleared, sizeof(cleared), "physical (fabric probes healthy)");
    }
    if ((mask & BIT(NB_SEG_LOCAL_VIRTUAL)) && mask != BIT(NB_SEG_LOCAL_VIRTUAL) &&
        x->vnet == FAM_HEALTHY) {
        mask &= ~BIT(NB_SEG_LOCAL_VIRTUAL);
        nb_cls_cat(cleared, sizeof(cleared), "%slocal_virtual (vnet probes healthy)",
                   cleared[0] ? ", " : "");
    }
    if (cleared[0])
        nb_cls_add_ev(x, "%s: ruled out %s", symptom, cleared);

    int first_of_team[NB_LAYER__COUNT * 3];
    int nteams = 0;
    for (int k = 0; k < NB_LAYER__COUNT * 3; k++)
        first_of_team[k] = -1;
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        if (!(mask & BIT(s)))
            continue;
        int k = nb_cls_team(seg_layer(s), seg_side(s));
        if (first_of_team[k] < 0) {
            first_of_team[k] = s;
            nteams++;
        }
    }
    if (nteams == 1) {
        int s0 = -1;
        for (int s = 0; s < NB_SEG__COUNT && s0 < 0; s++)
            if (mask & BIT(s))
                s0 = s;
        struct cand *c = nb_cls_new_cand(x, seg_layer(s0), seg_side(s0),
                                         nb_cls_popcount(mask) == 1 ? s0 : -1, src, strength);
        if (!c)
            return;
        c->penalty = PEN_ONE_TEAM;
        nb_cls_fmt(c->summary, sizeof(c->summary), "%s: in %s (%s)", symptom,
                   nb_cls_seg_list(mask).s,
                   nb_cls_popcount(mask) == 1 ? "the only segment left" : "not localised further");
        return;
    }
    int pick = -1, npick = 0;
    for (int k = 0; k < NB_LAYER__COUNT * 3; k++) {
        int s = first_of_team[k];
        if (s >= 0 && nb_cls_counters_point_at(x, seg_layer(s), seg_side(s))) {
            pick = s;
            npick++;
        }
    }
    if (npick == 1) {
        struct cand *c = nb_cls_new_cand(x, seg_layer(pick), seg_side(pick), -1, src, strength);
        if (!c)
            return;
        c->penalty = PEN_SINGLED;
        nb_cls_fmt(c->summary, sizeof(c->summary), "%s: in %s; link counters point at %s", symptom,
                   nb_cls_seg_list(mask).s, nb_layer_name(seg_layer(pick)));
        return;
    }
    char why[NB_CLS_TEXTSIZ];
    nb_cls_fmt(why, sizeof(why), "%s: could be %s; missing: %s", symptom, nb_cls_seg_list(mask).s,
               nb_cls_missing_points(x, mask, hs, lossy).s);
    nb_cls_condition(x, (mask & SEGS_NETWORK) != 0, why);
}

static void latency_cand(struct ctx *x, const struct nb_seg_verdict *sv, int s, unsigned src,
                         int bm)
{
    const struct nb_cls_thresholds *th = x->th;
    const char *pre = src == SRC_HS ? "connect: " : "";
    double ref = sv->have_baseline ? sv->baseline : 0.0;
    const struct nb_base_stat *b = nb_cls_baseline_of(x, bm);
    bool tail_based = b && b->tail_n >= th->min_base_windows;
    double tref = tail_based ? b->p90.median : 0.0;
    double st = sv->tail ? nb_cls_lat_strength(sv->p90, tref, sv->tail_limit, sv->samples,
                                               th->min_samples, tail_based)
                         : nb_cls_lat_strength(sv->p50, ref, sv->limit, sv->samples,
                                               th->min_samples, sv->have_baseline);
    struct cand *c = nb_cls_new_cand(x, seg_layer(s), seg_side(s), s, src, st);
    if (!c)
        return;
    const char *name = nb_segment_name((enum nb_segment)s);
    if (sv->tail && tail_based) {
        nb_cls_fmt(c->summary, sizeof(c->summary),
                   "%s%s segment p90 %s vs its usual %s (limit %s), while p50 is %s: "
                   "intermittent delays (stalls)",
                   pre, name, nb_cls_dur(sv->p90).s, nb_cls_dur(tref).s,
                   nb_cls_dur(sv->tail_limit).s, nb_cls_dur(sv->p50).s);
        return;
    }
    if (sv->tail) {
        nb_cls_fmt(c->summary, sizeof(c->summary),
                   "%s%s segment p90 %s, above the %s stall floor (no tail baseline), while p50 "
                   "is %s: intermittent delays (stalls)",
                   pre, name, nb_cls_dur(sv->p90).s, nb_cls_dur(sv->tail_limit).s,
                   nb_cls_dur(sv->p50).s);
        return;
    }
    if (sv->have_baseline)
        nb_cls_fmt(c->summary, sizeof(c->summary), "%s%s segment p50 %s vs baseline %s (p99 %s)",
                   pre, name, nb_cls_dur(sv->p50).s, nb_cls_dur(sv->baseline).s,
                   nb_cls_dur(sv->p99).s);
    else
        nb_cls_fmt(c->summary, sizeof(c->summary),
                   "%s%s segment p50 %s, above the %s floor (no baseline; p99 %s)", pre, name,
                   nb_cls_dur(sv->p50).s, nb_cls_dur(sv->limit).s, nb_cls_dur(sv->p99).s);
}

static void loss_cand(struct ctx *x, const struct nb_waterfall *w, const struct nb_seg_verdict *sv,
                      int s, unsigned src, const char *pre)
{
    const struct nb_cls_thresholds *th = x->th;
    double st = nb_cls_rate_strength(x, sv->loss_ci.lo, w->probes, th->min_samples);
    enum nb_layer layer = seg_layer(s);
    enum nb_side side = seg_side(s);
    const struct nb_cls_link *nic = NULL;
    /* A host switch losing everything towards a NIC that is down has nowhere
     * to send: the NIC (physical) is the cause, the bridge only where it shows. */
    if ((s == NB_SEG_LOCAL_SWITCH || s == NB_SEG_REMOTE_SWITCH) && x->sig[side][1].level >= 3) {
        layer = NB_LAYER_PHYSICAL;
        nic = &x->in->links[x->sig[side][1].idx];
    }
    struct cand *c = nb_cls_new_cand(x, layer, side, s, src, st);
    if (!c)
        return;
    nb_cls_fmt(c->summary, sizeof(c->summary), "%sloss %s (CI %s-%s) localised %s", pre,
               pct(sv->loss).s, pct(sv->loss_ci.lo).s, pct(sv->loss_ci.hi).s, seg_span(s));
    if (nic)
        nb_cls_cat(c->summary, sizeof(c->summary), "; NIC %s is %s: the bridge has no way out",
                   nic->ifname, !nic->up ? "down" : "without carrier");
}

/* Latency and loss of one waterfall (path probes, or app handshakes). */
void nb_cls_analyse_waterfall(struct ctx *x, const struct nb_waterfall *w,
                              const struct nb_seg_verdict *sv, bool hs)
{
    const struct nb_cls_thresholds *th = x->th;
    unsigned src = hs ? SRC_HS : SRC_PATH;
    const char *what = hs ? "app handshakes" : "path probes";
    const char *pre = hs ? "connect: " : "";
    int bm0 = hs ? NB_BM_HS_SEG : NB_BM_PATH_SEG;
    char t[NB_CLS_TEXTSIZ];
    if (w->probes < th->min_samples) {
        nb_cls_fmt(t, sizeof(t), "only %zu %s in the window (need %u)", w->probes, what,
                   th->min_samples);
        nb_cls_too_few(x, t);
        return;
    }
    if (w->answered >= th->min_samples) {
        x->enough = true;
        if (w->answered > x->healthy_n)
            x->healthy_n = w->answered;
    } else if (w->answered == 0 && w->lost_unlocated == w->lost) {
        nb_cls_fmt(
            t, sizeof(t),
            "no reply to any of %zu %s, and no observation point saw them: the far end may be "
            "down or the path broken, and nothing measured tells which",
            w->probes, what);
        nb_cls_condition(x, true, t); /* a symptom, whatever else looks healthy */
    } else {
        nb_cls_fmt(t, sizeof(t), "only %zu of %zu %s answered (need %u for a latency claim)",
                   w->answered, w->probes, what, th->min_samples);
        nb_cls_too_few(x, t);
    }
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        if (sv[s].slow && !sv[s].common)
            latency_cand(x, &sv[s], s, src, bm0 + s);
        if (sv[s].lossy)
            loss_cand(x, w, &sv[s], s, src, pre);
    }
    /* Loss whose span covers several segments (missing observation points). */
    unsigned mask = 0;
    size_t shared = 0;
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        if (!sv[s].lost_shared)
            continue;
        mask |= BIT(s);
        if (sv[s].lost_shared > shared)
            shared = sv[s].lost_shared;
    }
    if (shared) {
        struct nb_ci ci = nb_wilson(shared, w->probes, th->z);
        double lo;
        char sym[160];
        nb_cls_fmt(sym, sizeof(sym), "%sloss %s (CI %s-%s) of %s, not localised", pre,
                   pct((double)shared / (double)w->probes).s, pct(ci.lo).s, pct(ci.hi).s, what);
        if (nb_cls_significant(x, shared, w->probes, &lo))
            span_blame(x, mask, nb_cls_rate_strength(x, lo, w->probes, th->min_samples), src, hs,
                       true, sym);
        else
            nb_cls_add_ev(x, "%zu of %zu %s lost somewhere in %s (not significant)", shared,
                          w->probes, what, nb_cls_seg_list(mask).s);
    }
    /* Loss no observation point located (an end-to-end window, or probes not
     * even sighted leaving): a symptom of the whole path. Significant, it is
     * blamed only where the families leave one team; otherwise it keeps the
     * window from being called healthy (inconclusive, with the reason). */
    if (w->lost_unlocated && w->answered) { /* none answered: the condition above */
        double lo;
        if (nb_cls_significant(x, w->lost_unlocated, w->probes, &lo)) {
            struct nb_ci ci = nb_wilson(w->lost_unlocated, w->probes, th->z);
            char sym[160];
            nb_cls_fmt(sym, sizeof(sym), "%sloss %s (CI %s-%s) of %s, located nowhere", pre,
                       pct((double)w->lost_unlocated / (double)w->probes).s, pct(ci.lo).s,
                       pct(ci.hi).s, what);
            span_blame(x, (1u << NB_SEG__COUNT) - 1,
                       nb_cls_rate_strength(x, lo, w->probes, th->min_samples), src, hs, true,
                       sym);
        } else {
            nb_cls_add_ev(x, "%zu of %zu %s lost without any sighting (not significant)",
                          w->lost_unlocated, w->probes, what);
        }
    }
    if (!hs && !x->in->path.remote_agent && x->in->path.remote_agent_known)
        nb_cls_add_ev(x, "the remote host agent did not answer: physical, remote_switch and "
                         "remote_virtual are not measured");
}

/* A slow round trip (path) or connect (app): explained by a slow measured
 * segment or a family, else blamed on the segments that were not measured. */
void nb_cls_e2e_check(struct ctx *x, const struct nb_seg_verdict *sv, double p50, double lo,
                      int bm, bool hs, uint64_t n)
{
    const struct nb_cls_thresholds *th = x->th;
    if (n < th->min_samples && !hs)
        return;
    const struct nb_base_stat *b;
    double ref, limit = nb_cls_limit_of(x, bm, th->rtt_floor_ns, th->rtt_excess_ns, &ref, &b);
    if (nb_cls_lo(lo, p50) <= limit)
        return;
    const char *what = hs ? "connect" : "round trip";
    char sym[160];
    if (hs && nb_cls_network_unhealthy(x)) {
        nb_cls_add_ev(x, "connect p50 %s to %.80s: consistent with the network finding",
                      nb_cls_dur(p50).s, x->in->target);
        return;
    }
    if (b)
        nb_cls_fmt(sym, sizeof(sym), "%s p50 %s vs baseline %s", what, nb_cls_dur(p50).s,
                   nb_cls_dur(b->p50.median).s);
    else
        nb_cls_fmt(sym, sizeof(sym), "%s p50 %s, above the %s floor", what, nb_cls_dur(p50).s,
                   nb_cls_dur(limit).s);
    for (int s = 0; sv && s < NB_SEG__COUNT; s++)
        if (sv[s].slow)
            return;
    unsigned mask = 0;
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        if (hs && s == NB_SEG_REMOTE_APP)
            continue; /* a handshake has none: the server's kernel answers the SYN */
        if (!sv || sv[s].samples < th->min_samples)
            mask |= BIT(s);
    }
    if (!mask) {
        char t[NB_CLS_TEXTSIZ];
        nb_cls_fmt(t, sizeof(t), "%s, yet no measured segment exceeds its threshold", sym);
        nb_cls_condition(x, true, t);
        return;
    }
    double st = nb_cls_lat_strength(p50, ref, limit, n, hs ? th->min_app_probes : th->min_samples,
                                    b != NULL);
    span_blame(x, mask, st, hs ? SRC_HS : SRC_PATH, hs, false, sym);
}

/* Does family F, judged healthy, contradict candidate C? For a latency
 * claim only if F's own round trip, which crosses the same layer, is under
 * half the blamed segment's p50: a family below its own (coarser, whole
 * round trip) threshold is not evidence that a smaller delay is absent. A
 * stall claim (by the p90) is compared the same way on the p90s. A loss
 * claim is contradicted by a family whose loss is surely lower: the upper
 * bound of its interval under the segment's loss rate. */
static bool family_contradicts(const struct ctx *x, const struct cand *c,
                               const struct nb_cls_family *f)
{
    if (nb_cls_size_explains(x, c, f)) /* verdict_size.c: an MTU black hole */
        return false;
    const struct nb_seg_verdict *sv =
        (c->src & SRC_HS) ? &x->hs[c->segment] : &x->v->seg[c->segment];
    if (sv->slow && !sv->lossy && sv->tail) /* a stall claim: the family's own tail */
        return f->rtt.known && f->rtt.p90 < 0.5 * sv->p90;
    if (sv->slow && !sv->lossy)
        return f->rtt.known && f->rtt.p50 < 0.5 * sv->p50;
    /* a loss claim: only if the family's own loss is surely below the
     * segment's (its upper bound under it): a family of a few probes that
     * lost one or none cannot tell 20 % loss from none */
    return nb_wilson(f->lost, f->probes, x->th->z).hi < sv->loss;
}

/* vnet/fabric measured a layer healthy that the path (or handshake) blames. */
void nb_cls_cross_check(struct ctx *x)
{
    const struct nb_cls_input *in = x->in;
    for (size_t i = 0; i < x->nc; i++) {
        struct cand *c = &x->c[i];
        if (!(c->src & (SRC_PATH | SRC_HS)))
            continue;
        if (c->segment == NB_SEG_LOCAL_VIRTUAL && c->layer == NB_LAYER_VIRTUAL &&
            x->vnet == FAM_HEALTHY && family_contradicts(x, c, &in->vnet)) {
            c->penalty *= PEN_DISAGREE;
            nb_cls_add_ev(
                x,
                "vnet probes (guest <-> host agent) saw the local virtual layer healthy "
                "(p50 %s, %llu of %llu lost): they disagree with the local_virtual segment",
                in->vnet.rtt.known ? nb_cls_dur(in->vnet.rtt.p50).s : "unknown",
                (unsigned long long)in->vnet.lost, (unsigned long long)in->vnet.probes);
        }
        if (c->segment == NB_SEG_PHYSICAL && c->layer == NB_LAYER_PHYSICAL &&
            x->fabric == FAM_HEALTHY && family_contradicts(x, c, &in->fabric)) {
            c->penalty *= PEN_DISAGREE;
            nb_cls_add_ev(x,
                          "fabric probes (host <-> peer host) saw the physical layer healthy "
                          "(p50 %s, %llu of %llu lost): they disagree with the physical segment",
                          in->fabric.rtt.known ? nb_cls_dur(in->fabric.rtt.p50).s : "unknown",
                          (unsigned long long)in->fabric.lost,
                          (unsigned long long)in->fabric.probes);
        }
    }
}
