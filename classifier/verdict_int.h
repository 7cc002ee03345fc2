/* verdict_int.h — private to the classifier's classifier/verdict*.c files
 * (not installed): the constants of the rules, the working state of one
 * classification, and the functions the files share. The rules and the
 * confidence formula are documented in include/netblame/verdict.h.
 *
 *   names.c          names, default thresholds
 *   verdict_ctx.c    text and working-state helpers, limits (no rule)
 *   verdict.c        5. findings and the verdict, nb_classify()
 *   verdict_links.c  1. link counters
 *   verdict_path.c   2. the vnet and fabric families, 3. segments
 *   verdict_size.c   3b. full-size against small probes (MTU black holes)
 *   verdict_app.c    4. app
 *   verdict_cpu.c    4b. CPU contention */
#ifndef NB_VERDICT_INT_H
#define NB_VERDICT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netblame/verdict.h"

#define NO_BASELINE_FACTOR 0.85
#define PEN_ONE_TEAM 0.7 /* several segments possible, one team */
#define PEN_SINGLED 0.5  /* several teams, counters single one out */
#define PEN_DISAGREE 0.5 /* vnet/fabric says the blamed layer is healthy */
#define PEN_UNMEASURED 0.8 /* the finding's own path is not measured (a silent resolver) */
#define MAX_CORROBORATION 2
#define MAX_CANDS 32
/* Common mode (verdict_path.c, common_mode()). */
#define COMMON_ELEVATED 0.5 /* a figure this far (of the way to its limit) is elevated */
#define COMMON_MIN 3        /* elevated segments, of two teams or more */
#define COMMON_DOMINANT 3.0 /* a slow segment this many times the others' median stands out */

#define BIT(s) (1u << (s))
#define SEGS_NETWORK (BIT(NB_SEG__COUNT) - 1 - BIT(NB_SEG_REMOTE_APP))

/* ---- text (verdict_ctx.c; each helper is described where it is defined) ---- */

struct txt {
    char s[32];
};

struct line {
    char s[NB_CLS_TEXTSIZ];
};

void nb_cls_fmt(char *dst, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
void nb_cls_cat(char *dst, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
struct txt nb_cls_dur(double ns);
struct line nb_cls_seg_list(unsigned mask);
unsigned nb_cls_popcount(unsigned m);
int nb_cls_team(enum nb_layer l, enum nb_side s);

/* ---- the working state of one classification ---- */

enum fam { FAM_ABSENT = 0, FAM_FEW, FAM_HEALTHY, FAM_FAULT };

enum src {
    SRC_PATH = 1,
    SRC_HS = 2,
    SRC_VNET = 4,
    SRC_FABRIC = 8,
    SRC_LINK = 16,
    SRC_APP = 32,
    SRC_CPU = 64, /* never a finding's own source: corroboration only (verdict_cpu.c) */
};

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
    double elev[NB_SEG__COUNT]; /* the waterfall being judged: excess ratios (common mode) */
};

/* Helpers of the working state (verdict_ctx.c; likewise). */
void nb_cls_add_ev(struct ctx *x, const char *f, ...) __attribute__((format(printf, 2, 3)));
void nb_cls_condition(struct ctx *x, bool network, const char *text);
void nb_cls_too_few(struct ctx *x, const char *text);
struct cand *nb_cls_new_cand(struct ctx *x, enum nb_layer l, enum nb_side side, int seg,
                             unsigned src, double strength);
const struct nb_base_stat *nb_cls_baseline_of(const struct ctx *x, int m);
bool nb_cls_significant(const struct ctx *x, uint64_t k, uint64_t n, double *lo);
/* What a latency figure is judged against (HOW LATENCY IS JUDGED, verdict.h):
 * the p50's limit and reference, and the p90's. */
struct nb_cls_lim {
    const struct nb_base_stat *b; /* the learnt baseline, NULL: absolute floors */
    double ref, limit;            /* p50: baseline median (0 without) and limit */
    double tref, tlimit;          /* p90: baseline p90 median (0 without a tail baseline) */
};
/* Limits of baseline metric BM: FLOOR/TAIL_FLOOR without a baseline,
 * EXCESS/TAIL_EXCESS the least margins over one. */
struct nb_cls_lim nb_cls_limits(struct ctx *x, int bm, double floor, double excess,
                                double tail_floor, double tail_excess);
/* The p50 limit alone (*REF, *BP as in struct nb_cls_lim; BP may be NULL). */
double nb_cls_limit_of(struct ctx *x, int bm, double floor, double excess, double *ref,
                       const struct nb_base_stat **bp);
/* The figure a claim rests on: the lower confidence bound LO, or POINT when
 * the window carries none (LO 0). */
double nb_cls_lo(double lo, double point);
double nb_cls_lat_strength(double p, double ref, double limit, uint64_t n, unsigned min,
                           bool based);
double nb_cls_rate_strength(const struct ctx *x, double lo, uint64_t n, unsigned min);

/* ---- the rules, in the order nb_classify() runs them ---- */

/* 1. link counters (verdict_links.c) */
void nb_cls_scan_links(struct ctx *x);
bool nb_cls_counters_point_at(const struct ctx *x, enum nb_layer l, enum nb_side s);

/* 2. the vnet and fabric families, 3. segments (verdict_path.c) */
enum fam nb_cls_eval_family(struct ctx *x, const struct nb_cls_family *f, int bm, bool vnet);
bool nb_cls_network_unhealthy(const struct ctx *x);
void nb_cls_eval_segments(struct ctx *x, const struct nb_waterfall *w, int bm0,
                          struct nb_seg_verdict *out);
struct line nb_cls_missing_points(const struct ctx *x, unsigned mask, bool hs, bool lossy);
void nb_cls_analyse_waterfall(struct ctx *x, const struct nb_waterfall *w,
                              const struct nb_seg_verdict *sv, bool hs);
/* P50: the round trip's (connect's) p50; LO its lower bound, judged (0: P50). */
void nb_cls_e2e_check(struct ctx *x, const struct nb_seg_verdict *sv, double p50, double lo,
                      int bm, bool hs,
                      uint64_t n);
void nb_cls_cross_check(struct ctx *x);

/* 3b. full-size against small probes: an MTU black hole (verdict_size.c) */
void nb_cls_size_check(struct ctx *x);
/* Is candidate C (a path loss claim) a loss of full-size probes only that
 * family F, healthy on its small probes, cannot contradict (it sent no
 * full-size probe, or lost some too)? */
bool nb_cls_size_explains(const struct ctx *x, const struct cand *c, const struct nb_cls_family *f);

/* 4. app (verdict_app.c) */
void nb_cls_analyse_app(struct ctx *x);

/* 4b. CPU contention (verdict_cpu.c): evidence per contended side, and a
 * corroborating candidate for that side's virtual-layer symptom, if any. */
void nb_cls_cpu_contention(struct ctx *x);

#endif
