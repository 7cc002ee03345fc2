/* verdict.c — the classifier: one window of observations → a verdict
 * (DESIGN §4). Pure and deterministic: no I/O, no clock, no globals, no
 * allocation; every rule is general (never keyed to a name, an address or a
 * lab value). The rules, in the order they run, and the confidence formula
 * are documented in include/netblame/verdict.h; the constants they use are
 * right below. */
#include "netblame/verdict.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NO_BASELINE_FACTOR 0.85
#define PEN_ONE_TEAM 0.7 /* several segments possible, one team */
#define PEN_SINGLED 0.5  /* several teams, counters single one out */
#define PEN_DISAGREE 0.5 /* vnet/fabric says the blamed layer is healthy */
#define DECISIVE 0.5     /* a finding at least this strong outweighs an unexplained symptom */
#define MAX_CORROBORATION 2
#define MAX_CANDS 32

#define BIT(s) (1u << (s))
#define SEGS_NETWORK (BIT(NB_SEG__COUNT) - 1 - BIT(NB_SEG_REMOTE_APP))

/* ---- names ---- */

const char *nb_layer_name(enum nb_layer l)
{
    static const char *const names[NB_LAYER__COUNT] = {"healthy", "app", "virtual", "physical",
                                                       "inconclusive"};
    return (unsigned)l < NB_LAYER__COUNT ? names[l] : "?";
}

int nb_layer_from_name(const char *s, enum nb_layer *out)
{
    for (int l = 0; l < NB_LAYER__COUNT; l++) {
        if (strcmp(s, nb_layer_name((enum nb_layer)l)) == 0) {
            *out = (enum nb_layer)l;
            return 0;
        }
    }
    return -1;
}

const char *nb_side_name(enum nb_side s)
{
    return s == NB_SIDE_LOCAL ? "local" : s == NB_SIDE_REMOTE ? "remote" : "";
}

const char *nb_app_fail_name(enum nb_app_fail f)
{
    static const char *const names[NB_AF__COUNT] = {
        "nxdomain", "servfail", "dns_timeout", "dns_refused", "no_address",  "dns_error",
        "refused",  "reset",    "timeout",     "unreachable", "http_status", "unexpected_reply"};
    return (unsigned)f < NB_AF__COUNT ? names[f] : "?";
}

const char *nb_seg_source_name(enum nb_seg_source s)
{
    return s == NB_SEGS_PATH ? "path" : s == NB_SEGS_HANDSHAKE ? "app_handshake" : "";
}

/* Defaults, chosen so that the microsecond noise of an idle machine never
 * trips: a segment needs 1 ms of p50 without a baseline (an idle virtio or
 * wire segment is tens of µs), 200 µs over a learnt median (and 6 MADs);
 * a whole round trip 5 ms / 500 µs; an app's server time 200 ms / 20 ms.
 * Rates: the 99 % Wilson lower bound above 1 %, with at least 2 events. */
void nb_cls_thresholds_default(struct nb_cls_thresholds *th)
{
    memset(th, 0, sizeof(*th));
    th->min_samples = 10;
    th->min_app_probes = 5;
    th->min_base_windows = 5;
    th->z = NB_Z_99;
    th->k_mad = 6.0;
    th->floor_ns[NB_LAYER_APP] = 1e6;
    th->floor_ns[NB_LAYER_VIRTUAL] = 1e6;
    th->floor_ns[NB_LAYER_PHYSICAL] = 1e6;
    th->excess_ns[NB_LAYER_APP] = 200e3;
    th->excess_ns[NB_LAYER_VIRTUAL] = 200e3;
    th->excess_ns[NB_LAYER_PHYSICAL] = 200e3;
    th->rtt_floor_ns = 5e6;
    th->rtt_excess_ns = 500e3;
    th->server_floor_ns = 200e6;
    th->server_excess_ns = 20e6;
    th->loss_floor = 0.01;
    th->min_events = 2;
    th->link_only_cap = 0.3;
    th->tail_factor = 2.0;
}

/* ---- text ---- */

static void fmt(char *dst, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *dst, size_t cap, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(dst, cap, f, ap);
    va_end(ap);
}

/* Append to the NUL-terminated DST (truncating). */
static void cat(char *dst, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void cat(char *dst, size_t cap, const char *f, ...)
{
    size_t n = strlen(dst);
    if (n + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, f);
    vsnprintf(dst + n, cap - n, f, ap);
    va_end(ap);
}

struct txt {
    char s[32];
};

struct line {
    char s[NB_CLS_TEXTSIZ];
};

/* A duration for a person: "20.4 ms", "1.25 ms", "30 us", "2.1 s". */
static struct txt dur(double ns)
{
    struct txt t;
    double a = fabs(ns);
    if (a >= 1e9)
        fmt(t.s, sizeof(t.s), "%.2f s", ns / 1e9);
    else if (a >= 10e6)
        fmt(t.s, sizeof(t.s), "%.1f ms", ns / 1e6);
    else if (a >= 1e6)
        fmt(t.s, sizeof(t.s), "%.2f ms", ns / 1e6);
    else if (a >= 10e3)
        fmt(t.s, sizeof(t.s), "%.0f us", ns / 1e3);
    else
        fmt(t.s, sizeof(t.s), "%.1f us", ns / 1e3);
    return t;
}

/* A rate as a percentage: "18%", "2.5%". */
static struct txt pct(double rate)
{
    struct txt t;
    double p = rate * 100.0;
    fmt(t.s, sizeof(t.s), p >= 10.0 || p == 0.0 ? "%.0f%%" : "%.1f%%", p);
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

/* "a, b, c" of the segments in MASK. */
static struct line seg_list(unsigned mask)
{
    struct line t = {""};
    for (int s = 0; s < NB_SEG__COUNT; s++)
        if (mask & BIT(s))
            cat(t.s, sizeof(t.s), "%s%s", t.s[0] ? ", " : "", nb_segment_name((enum nb_segment)s));
    return t;
}

static unsigned popcount(unsigned m)
{
    unsigned n = 0;
    for (; m; m &= m - 1)
        n++;
    return n;
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

/* One team: physical is one finding whatever the side. */
static int team(enum nb_layer l, enum nb_side s)
{
    return (int)l * 3 + (l == NB_LAYER_PHYSICAL ? 0 : (int)s);
}

/* ---- the working state of one classification ---- */

enum fam { FAM_ABSENT = 0, FAM_FEW, FAM_HEALTHY, FAM_FAULT };

enum src { SRC_PATH = 1, SRC_HS = 2, SRC_VNET = 4, SRC_FABRIC = 8, SRC_LINK = 16, SRC_APP = 32 };

struct cand {
    enum nb_layer layer;
    enum nb_side side;
    int segment;     /* -1: none */
    unsigned src;    /* one SRC_* */
    double strength; /* c0 of the formula */
    double penalty;  /* product of penalties */
    int link;        /* index in in->links for SRC_LINK, else -1 */
    int level;       /* link signal level for SRC_LINK */
    char summary[NB_CLS_TEXTSIZ];
    char note[96]; /* short form, appended to another candidate's summary */
};

struct linksig {
    int idx, level; /* strongest link per side and role; level 0: none */
};

struct ctx {
    const struct nb_cls_input *in;
    const struct nb_baseline *base;
    const struct nb_cls_thresholds *th;
    struct nb_verdict *v;
    struct cand c[MAX_CANDS];
    size_t nc;
    struct nb_seg_verdict hs[NB_SEG__COUNT];
    struct linksig sig[3][2]; /* [side][role] */
    enum fam vnet, fabric;
    char reason[NB_CLS_TEXTSIZ]; /* the first unexplained symptom */
    bool net_condition;          /* ... and it was on the network */
    char few[NB_CLS_TEXTSIZ];    /* the first "too few samples" */
    bool enough;                 /* some source can back a healthy claim */
    uint64_t healthy_n;
    bool baseline_used;
};

static void add_ev(struct ctx *x, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void add_ev(struct ctx *x, const char *f, ...)
{
    struct nb_verdict *v = x->v;
    char line[NB_CLS_TEXTSIZ] = ""; /* copied whole: no stack garbage after the NUL */
    va_list ap;
    va_start(ap, f);
    vsnprintf(line, sizeof(line), f, ap);
    va_end(ap);
    for (size_t i = 0; i < v->nevidence; i++)
        if (strcmp(v->evidence[i], line) == 0)
            return;
    if (v->nevidence < NB_CLS_MAX_EVIDENCE)
        memcpy(v->evidence[v->nevidence++], line, sizeof(line));
}

/* An unexplained symptom: the first is the reason, later ones evidence. */
static void condition(struct ctx *x, bool network, const char *text)
{
    if (!x->reason[0])
        fmt(x->reason, sizeof(x->reason), "%s", text);
    else
        add_ev(x, "%s", text);
    x->net_condition |= network;
}

static void too_few(struct ctx *x, const char *text)
{
    if (!x->few[0])
        fmt(x->few, sizeof(x->few), "%s", text);
}

static struct cand *new_cand(struct ctx *x, enum nb_layer l, enum nb_side side, int seg,
                             unsigned src, double strength)
{
    if (x->nc >= MAX_CANDS)
        return NULL;
    struct cand *c = &x->c[x->nc++];
    memset(c, 0, sizeof(*c));
    c->layer = l;
    c->side = side;
    c->segment = seg;
    c->src = src;
    c->strength = strength;
    c->penalty = 1.0;
    c->link = -1;
    return c;
}

/* A learnt baseline of metric M, or NULL if there is none worth using. */
static const struct nb_base_stat *baseline_of(const struct ctx *x, int m)
{
    if (!x->base || m < 0 || m >= NB_BM__COUNT)
        return NULL;
    const struct nb_base_stat *b = &x->base->m[m];
    if (b->n == 0 || b->n < x->th->min_base_windows)
        return NULL;
    return b;
}

/* A rate of K in N that counts: enough events and a Wilson lower bound over
 * the floor. *LO gets the lower bound. */
static bool significant(const struct ctx *x, uint64_t k, uint64_t n, double *lo)
{
    *lo = nb_wilson_lower(k, n, x->th->z);
    return k > 0 && k >= x->th->min_events && *lo > x->th->loss_floor;
}

/* The p50 limit of baseline metric BM: median + max(EXCESS, k·MAD) with a
 * learnt baseline (*REF its median, *BP it), else the absolute FLOOR. */
static double limit_of(struct ctx *x, int bm, double floor, double excess, double *ref,
                       const struct nb_base_stat **bp)
{
    const struct nb_base_stat *b = baseline_of(x, bm);
    *ref = b ? b->median : 0.0;
    if (bp)
        *bp = b;
    if (!b)
        return floor;
    x->baseline_used = true;
    return b->median + nb_robust_margin(b->mad, x->th->k_mad, excess);
}

/* c0 of a latency claim: P past LIMIT over N samples (MIN needed). */
static double lat_strength(double p, double ref, double limit, uint64_t n, unsigned min, bool based)
{
    return nb_effect_strength(nb_excess_ratio(p, ref, limit - ref)) * nb_sample_weight(n, min) *
           (based ? 1.0 : NO_BASELINE_FACTOR);
}

/* c0 of a rate claim: Wilson lower bound LO over N trials (MIN needed). */
static double rate_strength(const struct ctx *x, double lo, uint64_t n, unsigned min)
{
    return nb_effect_strength(lo / x->th->loss_floor) * nb_sample_weight(n, min);
}

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
        cat(buf, cap, "down");
    else if (!l->carrier)
        cat(buf, cap, "no carrier");
#define MOVED(f)                                                                                   \
    if (l->f)                                                                                      \
        cat(buf, cap, "%s" #f " +%llu", buf[0] ? ", " : "", (unsigned long long)l->f);
    MOVED(tx_dropped)
    MOVED(rx_dropped)
    MOVED(qdisc_drops)
    MOVED(tx_errors)
    MOVED(rx_errors)
    MOVED(carrier_changes)
#undef MOVED
}

static void scan_links(struct ctx *x)
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
        add_ev(x, "%s%s%s %s%s%s: %s", side, side[0] ? " " : "", role, l->ifname,
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
        struct cand *c = new_cand(x, layer, l->side, -1, SRC_LINK, level >= 3 ? cap : cap * 2 / 3);
        if (!c)
            continue;
        c->link = (int)i;
        c->level = level;
        fmt(c->summary, sizeof(c->summary),
            "%s %s %s: %s (link counters only; no probe saw a fault)", side, role, l->ifname,
            moves);
        fmt(c->note, sizeof(c->note), "%s %s", l->ifname, moves);
    }
}

/* Counters on the side of (L, S) point at it. */
static bool counters_point_at(const struct ctx *x, enum nb_layer l, enum nb_side s)
{
    if (l == NB_LAYER_VIRTUAL)
        return x->sig[s][0].level >= 2;
    if (l == NB_LAYER_PHYSICAL)
        return x->sig[NB_SIDE_LOCAL][1].level >= 2 || x->sig[NB_SIDE_REMOTE][1].level >= 2;
    return false;
}

/* ---- 2. the vnet and fabric families ---- */

static enum fam eval_family(struct ctx *x, const struct nb_cls_family *f, int bm, bool vnet)
{
    const struct nb_cls_thresholds *th = x->th;
    const char *name =
        vnet ? "vnet probes (guest <-> its host agent)" : "fabric probes (host <-> peer host)";
    char t[NB_CLS_TEXTSIZ];
    if (!f->present)
        return FAM_ABSENT;
    if (f->probes < th->min_samples) {
        fmt(t, sizeof(t), "only %llu %s (need %u)", (unsigned long long)f->probes,
            vnet ? "vnet probes" : "fabric probes", th->min_samples);
        too_few(x, t);
        return FAM_FEW;
    }
    uint64_t lost = f->lost < f->probes ? f->lost : f->probes;
    uint64_t answered = f->probes - lost;
    double lo, s_loss = 0, s_lat = 0, ref = 0, limit = 0;
    struct nb_ci ci = nb_wilson(lost, f->probes, th->z);
    if (significant(x, lost, f->probes, &lo))
        s_loss = rate_strength(x, lo, f->probes, th->min_samples);
    const struct nb_base_stat *b = NULL;
    if (f->rtt.known && answered >= th->min_samples) {
        limit = limit_of(x, bm, th->rtt_floor_ns, th->rtt_excess_ns, &ref, &b);
        if (f->rtt.p50 > limit)
            s_lat = lat_strength(f->rtt.p50, ref, limit, answered, th->min_samples, b != NULL);
    }
    if (s_loss == 0 && s_lat == 0) {
        if (answered >= th->min_samples) {
            x->enough = true;
            if (answered > x->healthy_n)
                x->healthy_n = answered;
        }
        return FAM_HEALTHY;
    }
    struct cand *c = new_cand(x, vnet ? NB_LAYER_VIRTUAL : NB_LAYER_PHYSICAL,
                              vnet ? NB_SIDE_LOCAL : NB_SIDE_NONE, -1, vnet ? SRC_VNET : SRC_FABRIC,
                              s_loss > s_lat ? s_loss : s_lat);
    if (!c)
        return FAM_FAULT;
    fmt(c->summary, sizeof(c->summary), "%s:", name);
    if (s_lat > 0) {
        if (b)
            cat(c->summary, sizeof(c->summary), " p50 %s vs baseline %s", dur(f->rtt.p50).s,
                dur(b->median).s);
        else
            cat(c->summary, sizeof(c->summary), " p50 %s, above the %s floor (no baseline)",
                dur(f->rtt.p50).s, dur(limit).s);
    }
    if (s_loss > 0)
        cat(c->summary, sizeof(c->summary), "%s lost %llu of %llu (%s, CI %s-%s)",
            s_lat > 0 ? ";" : "", (unsigned long long)lost, (unsigned long long)f->probes,
            pct((double)lost / (double)f->probes).s, pct(ci.lo).s, pct(ci.hi).s);
    fmt(c->note, sizeof(c->note), "%s probes agree", vnet ? "vnet" : "fabric");
    return FAM_FAULT;
}

/* A network (virtual or physical) finding exists, or a network symptom is
 * unexplained: app symptoms are then not the app's. */
static bool network_unhealthy(const struct ctx *x)
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

static void eval_segments(struct ctx *x, const struct nb_waterfall *w, int bm0,
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
        const struct nb_base_stat *b = baseline_of(x, bm0 + s);
        if (b) {
            sv->have_baseline = true;
            sv->baseline = b->median;
            sv->baseline_mad = b->mad;
        }
        if (sv->known && f->known >= th->min_samples) {
            double ref;
            sv->limit = limit_of(x, bm0 + s, th->floor_ns[l], th->excess_ns[l], &ref, NULL);
            sv->slow = sv->p50 > sv->limit;
            if (!sv->slow && sv->p90 > th->tail_factor * sv->limit) {
                sv->slow = true; /* at least a tenth of the probes were held up */
                sv->tail = true;
            }
        }
        double lo;
        sv->lossy = w->probes >= th->min_samples && significant(x, f->lost, w->probes, &lo);
        sv->anomalous = sv->slow || sv->lossy;
    }
}

/* The observation points whose absence leaves the segments of MASK
 * unresolved (HS: the app handshake's agents, else the path's). */
static struct line missing_points(const struct ctx *x, unsigned mask, bool hs, bool lossy)
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
        cat(t.s, sizeof(t.s), "HA.* (no local host agent sightings)");
    if ((mask & need_hb) && !hb)
        cat(t.s, sizeof(t.s), "%sHB.* (%s)", t.s[0] ? "; " : "",
            hs || p->remote_agent_known     ? "remote host agent did not answer"
            : p->reflector == NB_REFL_STAMP ? "plain STAMP reflector: no remote host agent"
                                            : "no remote host agent known");
    if (lossy && !hs && (mask & (BIT(NB_SEG_REMOTE_VIRTUAL) | BIT(NB_SEG_REMOTE_APP))) &&
        p->reflector != NB_REFL_NETBLAME)
        cat(t.s, sizeof(t.s), "%sB.rx/B.tx of lost probes (reflector keeps no count)",
            t.s[0] ? "; " : "");
    if (!t.s[0])
        cat(t.s, sizeof(t.s), "none missing, but these probes were not sighted");
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
        add_ev(x, "%s: consistent with the fabric probes' finding", symptom);
        return;
    }
    if ((mask & BIT(NB_SEG_LOCAL_VIRTUAL)) && x->vnet == FAM_FAULT) {
        add_ev(x, "%s: consistent with the vnet probes' finding", symptom);
        return;
    }
    if ((mask & BIT(NB_SEG_PHYSICAL)) && mask != BIT(NB_SEG_PHYSICAL) && x->fabric == FAM_HEALTHY) {
        mask &= ~BIT(NB_SEG_PHYSICAL);
        cat(cleared, sizeof(cleared), "physical (fabric probes healthy)");
    }
    if ((mask & BIT(NB_SEG_LOCAL_VIRTUAL)) && mask != BIT(NB_SEG_LOCAL_VIRTUAL) &&
        x->vnet == FAM_HEALTHY) {
        mask &= ~BIT(NB_SEG_LOCAL_VIRTUAL);
        cat(cleared, sizeof(cleared), "%slocal_virtual (vnet probes healthy)",
            cleared[0] ? ", " : "");
    }
    if (cleared[0])
        add_ev(x, "%s: ruled out %s", symptom, cleared);

    int first_of_team[NB_LAYER__COUNT * 3];
    int nteams = 0;
    for (int k = 0; k < NB_LAYER__COUNT * 3; k++)
        first_of_team[k] = -1;
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        if (!(mask & BIT(s)))
            continue;
        int k = team(seg_layer(s), seg_side(s));
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
        struct cand *c =
            new_cand(x, seg_layer(s0), seg_side(s0), popcount(mask) == 1 ? s0 : -1, src, strength);
        if (!c)
            return;
        c->penalty = PEN_ONE_TEAM;
        fmt(c->summary, sizeof(c->summary), "%s: in %s (%s)", symptom, seg_list(mask).s,
            popcount(mask) == 1 ? "the only segment left" : "not localised further");
        return;
    }
    int pick = -1, npick = 0;
    for (int k = 0; k < NB_LAYER__COUNT * 3; k++) {
        int s = first_of_team[k];
        if (s >= 0 && counters_point_at(x, seg_layer(s), seg_side(s))) {
            pick = s;
            npick++;
        }
    }
    if (npick == 1) {
        struct cand *c = new_cand(x, seg_layer(pick), seg_side(pick), -1, src, strength);
        if (!c)
            return;
        c->penalty = PEN_SINGLED;
        fmt(c->summary, sizeof(c->summary), "%s: in %s; link counters point at %s", symptom,
            seg_list(mask).s, nb_layer_name(seg_layer(pick)));
        return;
    }
    char why[NB_CLS_TEXTSIZ];
    fmt(why, sizeof(why), "%s: could be %s; missing: %s", symptom, seg_list(mask).s,
        missing_points(x, mask, hs, lossy).s);
    condition(x, (mask & SEGS_NETWORK) != 0, why);
}

static void latency_cand(struct ctx *x, const struct nb_seg_verdict *sv, int s, unsigned src,
                         const char *pre)
{
    const struct nb_cls_thresholds *th = x->th;
    double ref = sv->have_baseline ? sv->baseline : 0.0;
    double st = sv->tail ? lat_strength(sv->p90, ref, ref + th->tail_factor * (sv->limit - ref),
                                        sv->samples, th->min_samples, sv->have_baseline)
                         : lat_strength(sv->p50, ref, sv->limit, sv->samples, th->min_samples,
                                        sv->have_baseline);
    struct cand *c = new_cand(x, seg_layer(s), seg_side(s), s, src, st);
    if (!c)
        return;
    const char *name = nb_segment_name((enum nb_segment)s);
    if (sv->tail) {
        fmt(c->summary, sizeof(c->summary),
            "%s%s segment p90 %s, over %.0fx its p50 limit %s, while p50 is %s: intermittent "
            "delays (stalls)",
            pre, name, dur(sv->p90).s, th->tail_factor, dur(sv->limit).s, dur(sv->p50).s);
        return;
    }
    if (sv->have_baseline)
        fmt(c->summary, sizeof(c->summary), "%s%s segment p50 %s vs baseline %s (p99 %s)", pre,
            name, dur(sv->p50).s, dur(sv->baseline).s, dur(sv->p99).s);
    else
        fmt(c->summary, sizeof(c->summary),
            "%s%s segment p50 %s, above the %s floor (no baseline; p99 %s)", pre, name,
            dur(sv->p50).s, dur(sv->limit).s, dur(sv->p99).s);
}

static void loss_cand(struct ctx *x, const struct nb_waterfall *w, const struct nb_seg_verdict *sv,
                      int s, unsigned src, const char *pre)
{
    const struct nb_cls_thresholds *th = x->th;
    double st = rate_strength(x, sv->loss_ci.lo, w->probes, th->min_samples);
    enum nb_layer layer = seg_layer(s);
    enum nb_side side = seg_side(s);
    const struct nb_cls_link *nic = NULL;
    /* A host switch losing everything towards a NIC that is down has nowhere
     * to send: the NIC (physical) is the cause, the bridge only where it shows. */
    if ((s == NB_SEG_LOCAL_SWITCH || s == NB_SEG_REMOTE_SWITCH) && x->sig[side][1].level >= 3) {
        layer = NB_LAYER_PHYSICAL;
        nic = &x->in->links[x->sig[side][1].idx];
    }
    struct cand *c = new_cand(x, layer, side, s, src, st);
    if (!c)
        return;
    fmt(c->summary, sizeof(c->summary), "%sloss %s (CI %s-%s) localised %s", pre, pct(sv->loss).s,
        pct(sv->loss_ci.lo).s, pct(sv->loss_ci.hi).s, seg_span(s));
    if (nic)
        cat(c->summary, sizeof(c->summary), "; NIC %s is %s: the bridge has no way out",
            nic->ifname, !nic->up ? "down" : "without carrier");
}

/* Latency and loss of one waterfall (path probes, or app handshakes). */
static void analyse_waterfall(struct ctx *x, const struct nb_waterfall *w,
                              const struct nb_seg_verdict *sv, bool hs)
{
    const struct nb_cls_thresholds *th = x->th;
    unsigned src = hs ? SRC_HS : SRC_PATH;
    const char *what = hs ? "app handshakes" : "path probes";
    const char *pre = hs ? "connect: " : "";
    char t[NB_CLS_TEXTSIZ];
    if (w->probes < th->min_samples) {
        fmt(t, sizeof(t), "only %zu %s in the window (need %u)", w->probes, what, th->min_samples);
        too_few(x, t);
        return;
    }
    if (w->answered >= th->min_samples) {
        x->enough = true;
        if (w->answered > x->healthy_n)
            x->healthy_n = w->answered;
    } else if (w->answered == 0 && w->lost_unlocated == w->lost) {
        fmt(t, sizeof(t),
            "no reply to any of %zu %s, and no observation point saw them: the far end may be "
            "down or the path broken, and nothing measured tells which",
            w->probes, what);
        too_few(x, t);
    } else {
        fmt(t, sizeof(t), "only %zu of %zu %s answered (need %u for a latency claim)", w->answered,
            w->probes, what, th->min_samples);
        too_few(x, t);
    }
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        if (sv[s].slow)
            latency_cand(x, &sv[s], s, src, pre);
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
        fmt(sym, sizeof(sym), "%sloss %s (CI %s-%s) of %s, not localised", pre,
            pct((double)shared / (double)w->probes).s, pct(ci.lo).s, pct(ci.hi).s, what);
        if (significant(x, shared, w->probes, &lo))
            span_blame(x, mask, rate_strength(x, lo, w->probes, th->min_samples), src, hs, true,
                       sym);
        else
            add_ev(x, "%zu of %zu %s lost somewhere in %s (not significant)", shared, w->probes,
                   what, seg_list(mask).s);
    }
    if (w->lost_unlocated)
        add_ev(x, "%zu of %zu %s lost without any sighting: blamed on no segment",
               w->lost_unlocated, w->probes, what);
    if (!hs && !x->in->path.remote_agent && x->in->path.remote_agent_known)
        add_ev(x, "the remote host agent did not answer: physical, remote_switch and "
                  "remote_virtual are not measured");
}

/* A slow round trip (path) or connect (app): explained by a slow measured
 * segment or a family, else blamed on the segments that were not measured. */
static void e2e_check(struct ctx *x, const struct nb_seg_verdict *sv, double p50, int bm, bool hs,
                      uint64_t n)
{
    const struct nb_cls_thresholds *th = x->th;
    if (n < th->min_samples && !hs)
        return;
    const struct nb_base_stat *b;
    double ref, limit = limit_of(x, bm, th->rtt_floor_ns, th->rtt_excess_ns, &ref, &b);
    if (p50 <= limit)
        return;
    const char *what = hs ? "connect" : "round trip";
    char sym[160];
    if (hs && network_unhealthy(x)) {
        add_ev(x, "connect p50 %s to %.80s: consistent with the network finding", dur(p50).s,
               x->in->target);
        return;
    }
    if (b)
        fmt(sym, sizeof(sym), "%s p50 %s vs baseline %s", what, dur(p50).s, dur(b->median).s);
    else
        fmt(sym, sizeof(sym), "%s p50 %s, above the %s floor", what, dur(p50).s, dur(limit).s);
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
        fmt(t, sizeof(t), "%s, yet no measured segment exceeds its threshold", sym);
        condition(x, true, t);
        return;
    }
    double st =
        lat_strength(p50, ref, limit, n, hs ? th->min_app_probes : th->min_samples, b != NULL);
    span_blame(x, mask, st, hs ? SRC_HS : SRC_PATH, hs, false, sym);
}

/* Does family F, judged healthy, contradict candidate C? For a latency
 * claim only if F's own round trip, which crosses the same layer, is under
 * half the blamed segment's p50: a family below its own (coarser, whole
 * round trip) threshold is not evidence that a smaller delay is absent. A
 * loss claim is contradicted by a family that lost nothing significant. */
static bool family_contradicts(const struct ctx *x, const struct cand *c,
                               const struct nb_cls_family *f)
{
    const struct nb_seg_verdict *sv = (c->src & SRC_HS) ? &x->hs[c->segment] : &x->v->seg[c->segment];
    if (sv->slow && !sv->lossy)
        return f->rtt.known && f->rtt.p50 < 0.5 * sv->p50;
    return true;
}

/* vnet/fabric measured a layer healthy that the path (or handshake) blames. */
static void cross_check(struct ctx *x)
{
    const struct nb_cls_input *in = x->in;
    for (size_t i = 0; i < x->nc; i++) {
        struct cand *c = &x->c[i];
        if (!(c->src & (SRC_PATH | SRC_HS)))
            continue;
        if (c->segment == NB_SEG_LOCAL_VIRTUAL && c->layer == NB_LAYER_VIRTUAL &&
            x->vnet == FAM_HEALTHY && family_contradicts(x, c, &in->vnet)) {
            c->penalty *= PEN_DISAGREE;
            add_ev(x,
                   "vnet probes (guest <-> host agent) saw the local virtual layer healthy "
                   "(p50 %s, %llu of %llu lost): they disagree with the local_virtual segment",
                   in->vnet.rtt.known ? dur(in->vnet.rtt.p50).s : "unknown",
                   (unsigned long long)in->vnet.lost, (unsigned long long)in->vnet.probes);
        }
        if (c->segment == NB_SEG_PHYSICAL && c->layer == NB_LAYER_PHYSICAL &&
            x->fabric == FAM_HEALTHY && family_contradicts(x, c, &in->fabric)) {
            c->penalty *= PEN_DISAGREE;
            add_ev(x,
                   "fabric probes (host <-> peer host) saw the physical layer healthy "
                   "(p50 %s, %llu of %llu lost): they disagree with the physical segment",
                   in->fabric.rtt.known ? dur(in->fabric.rtt.p50).s : "unknown",
                   (unsigned long long)in->fabric.lost, (unsigned long long)in->fabric.probes);
        }
    }
}

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
        cat(list, cap, "%s%s %llu", list[0] ? ", " : "", nb_app_fail_name(f[i]),
            (unsigned long long)a->fail[f[i]]);
    }
    return k;
}

static void app_cand(struct ctx *x, double strength, const char *summary)
{
    struct cand *c = new_cand(x, NB_LAYER_APP, NB_SIDE_REMOTE, -1, SRC_APP, strength);
    if (c)
        fmt(c->summary, sizeof(c->summary), "%s", summary);
}

/* An app symptom with strength ST: the app's if the network is healthy. */
static void app_symptom(struct ctx *x, bool net_bad, double st, const char *t)
{
    if (net_bad)
        add_ev(x, "%s; not blamed on the app while the network is not healthy", t);
    else
        app_cand(x, st, t);
}

static void analyse_app(struct ctx *x)
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
        fmt(t, sizeof(t), "only %llu app probes (need %u)", (unsigned long long)n,
            th->min_app_probes);
        too_few(x, t);
        return;
    }
    bool net_bad = network_unhealthy(x);
#define RATE_STRENGTH(lo_) rate_strength(x, (lo_), n, th->min_app_probes)
    /* A DNS answer is the name owner's (the app's), whatever the network. */
    uint64_t k = class_sum(a, dns, 4, list, sizeof(list));
    if (significant(x, k, n, &lo)) {
        fmt(t, sizeof(t), "DNS for %.80s failed in %llu of %llu probes (%s)", tg,
            (unsigned long long)k, (unsigned long long)n, list);
        app_cand(x, RATE_STRENGTH(lo), t);
    }
    /* A silent resolver: the path to it is not measured. */
    k = class_sum(a, silent, 2, list, sizeof(list));
    if (significant(x, k, n, &lo)) {
        fmt(t, sizeof(t),
            "the resolver failed %llu of %llu lookups of %.80s (%s); the path to it "
            "is not measured",
            (unsigned long long)k, (unsigned long long)n, tg, list);
        condition(x, false, t);
    }
    k = class_sum(a, server, 4, list, sizeof(list));
    if (significant(x, k, n, &lo)) {
        fmt(t, sizeof(t), "%.80s answered with errors in %llu of %llu probes (%s", tg,
            (unsigned long long)k, (unsigned long long)n, list);
        if (a->http_status)
            cat(t, sizeof(t), "; HTTP %d", a->http_status);
        cat(t, sizeof(t), ")");
        app_symptom(x, net_bad, RATE_STRENGTH(lo), t);
    }
    uint64_t te = a->timeout_established < a->fail[NB_AF_TIMEOUT] ? a->timeout_established
                                                                  : a->fail[NB_AF_TIMEOUT];
    if (significant(x, te, n, &lo)) {
        fmt(t, sizeof(t),
            "%.80s accepted the connection but did not answer in time in %llu of "
            "%llu probes",
            tg, (unsigned long long)te, (unsigned long long)n);
        app_symptom(x, net_bad, RATE_STRENGTH(lo), t);
    }
    k = a->fail[NB_AF_TIMEOUT] - te + a->fail[NB_AF_UNREACHABLE];
    if (significant(x, k, n, &lo)) {
        if (net_bad) {
            add_ev(x,
                   "%llu of %llu connects to %.80s failed (timeout, unreachable): consistent "
                   "with the network finding",
                   (unsigned long long)k, (unsigned long long)n, tg);
        } else {
            fmt(t, sizeof(t),
                "%llu of %llu connects to %.80s timed out or were unreachable, and "
                "no observation point locates where",
                (unsigned long long)k, (unsigned long long)n, tg);
            condition(x, true, t);
        }
    }
    if (a->have_server && a->ok >= th->min_app_probes) {
        const struct nb_base_stat *b;
        double ref, limit = limit_of(x, NB_BM_APP_SERVER, th->server_floor_ns, th->server_excess_ns,
                                     &ref, &b);
        if (a->server_p50 > limit) {
            double st =
                lat_strength(a->server_p50, ref, limit, a->ok, th->min_app_probes, b != NULL);
            if (b)
                fmt(t, sizeof(t), "server time of %.80s p50 %s vs baseline %s", tg,
                    dur(a->server_p50).s, dur(b->median).s);
            else
                fmt(t, sizeof(t), "server time of %.80s p50 %s, above the %s floor (no baseline)",
                    tg, dur(a->server_p50).s, dur(limit).s);
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
        fmt(w->ifname, sizeof(w->ifname), "%s", l->ifname);
        fmt(w->host, sizeof(w->host), "%s", l->host);
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
            fmt(w->ifname, sizeof(w->ifname), "%s", in->links[found].ifname);
            fmt(w->host, sizeof(w->host), "%s", in->links[found].host);
        }
    }
    if (!w->host[0] && w->side != NB_SIDE_NONE)
        fmt(w->host, sizeof(w->host), "%s",
            w->side == NB_SIDE_LOCAL ? in->local_host : in->remote_host);
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
    unsigned corr = popcount(others);
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
    fmt(f->summary, sizeof(f->summary), "%s", p->summary);
    for (size_t i = 0; i < n; i++) {
        const struct cand *c = &x->c[idx[i]];
        if (c != p && c->note[0] && !strstr(f->summary, c->note) &&
            !(c->src == SRC_LINK && strstr(f->summary, x->in->links[c->link].ifname)))
            cat(f->summary, sizeof(f->summary), "; %s", c->note);
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
        int key = team(x->c[i].layer, x->c[i].side);
        size_t idx[MAX_CANDS], n = 0;
        for (size_t j = i; j < x->nc; j++) {
            if (!done[j] && team(x->c[j].layer, x->c[j].side) == key) {
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
        add_ev(x, "%zu weaker findings not listed", nf - NB_CLS_MAX_FINDINGS);
}

static void decide(struct ctx *x)
{
    struct nb_verdict *v = x->v;
    const struct nb_cls_input *in = x->in;
    if (v->nfindings && (!x->reason[0] || v->findings[0].confidence >= DECISIVE)) {
        v->layer = v->findings[0].layer;
        v->where = v->findings[0].where;
        v->confidence = v->findings[0].confidence;
        if (x->reason[0])
            add_ev(x, "also unexplained: %s", x->reason);
        return;
    }
    if (x->reason[0] || !x->enough) {
        v->layer = NB_LAYER_INCONCLUSIVE;
        v->confidence = 0.0;
        fmt(v->reason, sizeof(v->reason), "%s",
            x->reason[0] ? x->reason
            : x->few[0]  ? x->few
                         : "no observations in this window");
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
        add_ev(x,
               "%zu of %zu path probes answered; every measured segment within its threshold "
               "(%s)",
               in->path.wf.answered, in->path.wf.probes,
               x->baseline_used ? "learnt baseline" : "absolute floors: no baseline yet");
        if (unmeasured)
            add_ev(x, "not measured: %s (missing: %s)", seg_list(unmeasured).s,
                   missing_points(x, unmeasured, false, false).s);
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
    fmt(out->target, sizeof(out->target), "%s", in->target);
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

    scan_links(&x);
    x.vnet = eval_family(&x, &in->vnet, NB_BM_VNET_RTT, true);
    x.fabric = eval_family(&x, &in->fabric, NB_BM_FABRIC_RTT, false);
    if (in->path.present) {
        eval_segments(&x, &in->path.wf, NB_BM_PATH_SEG, out->seg);
        out->seg_source = NB_SEGS_PATH;
        analyse_waterfall(&x, &in->path.wf, out->seg, false);
        if (in->path.rtt.known && in->path.wf.probes >= th->min_samples)
            e2e_check(&x, out->seg, in->path.rtt.p50, NB_BM_PATH_RTT, false, in->path.wf.answered);
    }
    const struct nb_cls_app *a = &in->app;
    if (a->present && a->have_handshake) {
        eval_segments(&x, &a->handshake, NB_BM_HS_SEG, x.hs);
        if (!in->path.present) {
            memcpy(out->seg, x.hs, sizeof(out->seg));
            out->seg_source = NB_SEGS_HANDSHAKE;
        }
        analyse_waterfall(&x, &a->handshake, x.hs, true);
    }
    if (a->present && a->have_connect && a->ok >= th->min_app_probes)
        e2e_check(&x, a->have_handshake ? x.hs : NULL, a->connect_p50, NB_BM_APP_CONNECT, true,
                  a->ok);
    cross_check(&x);
    analyse_app(&x);
    build_findings(&x);
    decide(&x);
}
