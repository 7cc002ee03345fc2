/* segments.c — per-probe round-trip decomposition and loss localisation
 * (DESIGN §2). Pure arithmetic over one probe's observation points; the
 * formulas and their one-clock brackets are in segments.h. */
#include "netblame/segments.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/mem.h"
#include "netblame/quantile.h"
#include "netblame/sighting.h"

const char *nb_point_name(enum nb_point p)
{
    static const char *const names[NB_PT__COUNT] = {
        "A.tx", "HA.tap.in", "HA.nic.out", "HB.nic.in", "HB.tap.out", "B.rx",
        "B.tx", "HB.tap.in", "HB.nic.out", "HA.nic.in", "HA.tap.out", "A.rx",
    };
    return (unsigned)p < NB_PT__COUNT ? names[p] : "?";
}

const char *nb_segment_name(enum nb_segment s)
{
    static const char *const names[NB_SEG__COUNT] = {
        "local_virtual", "local_switch",   "physical",
        "remote_switch", "remote_virtual", "remote_app",
    };
    return (unsigned)s < NB_SEG__COUNT ? names[s] : "?";
}

const char *nb_segment_layer(enum nb_segment s)
{
    switch (s) {
    case NB_SEG_PHYSICAL:
        return "physical";
    case NB_SEG_REMOTE_APP:
        return "app";
    default:
        return "virtual";
    }
}

/* The segment a hop between consecutive points (P, P+1) belongs to. */
static enum nb_segment hop_segment(enum nb_point p)
{
    static const enum nb_segment seg[NB_PT__COUNT - 1] = {
        NB_SEG_LOCAL_VIRTUAL,  /* A.tx -> HA.tap.in */
        NB_SEG_LOCAL_SWITCH,   /* HA.tap.in -> HA.nic.out */
        NB_SEG_PHYSICAL,       /* HA.nic.out -> HB.nic.in */
        NB_SEG_REMOTE_SWITCH,  /* HB.nic.in -> HB.tap.out */
        NB_SEG_REMOTE_VIRTUAL, /* HB.tap.out -> B.rx */
        NB_SEG_REMOTE_APP,     /* B.rx -> B.tx */
        NB_SEG_REMOTE_VIRTUAL, /* B.tx -> HB.tap.in */
        NB_SEG_REMOTE_SWITCH,  /* HB.tap.in -> HB.nic.out */
        NB_SEG_PHYSICAL,       /* HB.nic.out -> HA.nic.in */
        NB_SEG_LOCAL_SWITCH,   /* HA.nic.in -> HA.tap.out */
        NB_SEG_LOCAL_VIRTUAL,  /* HA.tap.out -> A.rx */
    };
    return seg[p];
}

/* [b - a] on one clock, if both points were seen. */
static bool span(const struct nb_path_obs *o, enum nb_point a, enum nb_point b, nb_ns *out)
{
    if (!o->seen[a] || !o->seen[b])
        return false;
    *out = o->t[b] - o->t[a];
    return true;
}

void nb_segments_compute(const struct nb_path_obs *o, struct nb_segments *out)
{
    nb_ns x, y;
    for (int i = 0; i < NB_SEG__COUNT; i++) {
        out->known[i] = false;
        out->v[i] = 0;
    }
    if (o->lost)
        return;
#define SET(seg, expr)                                                                             \
    do {                                                                                           \
        out->known[seg] = true;                                                                    \
        out->v[seg] = (expr);                                                                      \
    } while (0)
    if (span(o, NB_PT_A_TX, NB_PT_A_RX, &x) && span(o, NB_PT_HA_TAP_IN, NB_PT_HA_TAP_OUT, &y))
        SET(NB_SEG_LOCAL_VIRTUAL, x - y);
    if (span(o, NB_PT_HA_TAP_IN, NB_PT_HA_NIC_OUT, &x) &&
        span(o, NB_PT_HA_NIC_IN, NB_PT_HA_TAP_OUT, &y))
        SET(NB_SEG_LOCAL_SWITCH, x + y);
    if (span(o, NB_PT_HA_NIC_OUT, NB_PT_HA_NIC_IN, &x) &&
        span(o, NB_PT_HB_NIC_IN, NB_PT_HB_NIC_OUT, &y))
        SET(NB_SEG_PHYSICAL, x - y);
    if (span(o, NB_PT_HB_NIC_IN, NB_PT_HB_TAP_OUT, &x) &&
        span(o, NB_PT_HB_TAP_IN, NB_PT_HB_NIC_OUT, &y))
        SET(NB_SEG_REMOTE_SWITCH, x + y);
    if (span(o, NB_PT_HB_TAP_OUT, NB_PT_HB_TAP_IN, &x) && span(o, NB_PT_B_RX, NB_PT_B_TX, &y))
        SET(NB_SEG_REMOTE_VIRTUAL, x - y);
    if (span(o, NB_PT_B_RX, NB_PT_B_TX, &x))
        SET(NB_SEG_REMOTE_APP, x);
#undef SET
}

bool nb_loss_locate(const struct nb_path_obs *o, unsigned *segmask, enum nb_point *from,
                    enum nb_point *to)
{
    int seen_last = -1;
    for (int p = 0; p < NB_PT__COUNT; p++)
        if (o->seen[p])
            seen_last = p;
    if (seen_last < 0 || seen_last == NB_PT_A_RX)
        return false;
    /* The next point that could have seen it. B.rx/B.tx are the reflector's
     * stamps, carried by a reply: for a lost probe they bound the span only
     * when the caller knows otherwise whether the reflector got it (and then
     * marks them observable, and seen if it did). */
    int next = NB_PT_A_RX;
    for (int p = seen_last + 1; p < NB_PT__COUNT; p++) {
        if (o->observable[p]) {
            next = p;
            break;
        }
    }
    *from = (enum nb_point)seen_last;
    *to = (enum nb_point)next;
    *segmask = 0;
    for (int p = seen_last; p < next; p++)
        *segmask |= 1u << hop_segment((enum nb_point)p);
    return true;
}

enum nb_point nb_point_of_sighting(int local, int kind, int role, int dir)
{
    /* [local][kind][role][dir] */
    static const enum nb_point map[2][2][2][2] = {
        /* remote host (HB) */
        {/* test  */ {/* tap */ {NB_PT__COUNT, NB_PT_HB_TAP_OUT},
                      /* nic */ {NB_PT_HB_NIC_IN, NB_PT__COUNT}},
         /* reply */ {/* tap */ {NB_PT_HB_TAP_IN, NB_PT__COUNT},
                      /* nic */ {NB_PT__COUNT, NB_PT_HB_NIC_OUT}}},
        /* local host (HA) */
        {/* test  */ {/* tap */ {NB_PT_HA_TAP_IN, NB_PT__COUNT},
                      /* nic */ {NB_PT__COUNT, NB_PT_HA_NIC_OUT}},
         /* reply */ {/* tap */ {NB_PT__COUNT, NB_PT_HA_TAP_OUT},
                      /* nic */ {NB_PT_HA_NIC_IN, NB_PT__COUNT}}},
    };
    if (kind < 0 || kind > 1 || role < 0 || role > 1 || dir < 0 || dir > 1)
        return NB_PT__COUNT;
    return map[local ? 1 : 0][kind][role][dir];
}

/* The classifier links nothing of prober/ (arrows point into it, never out):
 * its own aborting allocator for scratch space. */
void nb_waterfall_compute(const struct nb_path_obs *obs, size_t n, struct nb_waterfall *out)
{
    memset(out, 0, sizeof(*out));
    out->probes = n;
    int64_t *vals[NB_SEG__COUNT];
    for (int s = 0; s < NB_SEG__COUNT; s++)
        vals[s] = nb_calloc(n, sizeof(int64_t));
    for (size_t i = 0; i < n; i++) {
        const struct nb_path_obs *o = &obs[i];
        if (o->lost) {
            unsigned mask;
            enum nb_point from, to;
            out->lost++;
            if (!nb_loss_locate(o, &mask, &from, &to)) {
                out->lost_unlocated++;
                continue;
            }
            for (int s = 0; s < NB_SEG__COUNT; s++) {
                if (!(mask & (1u << s)))
                    continue;
                if (mask == (1u << s))
                    out->seg[s].lost++;
                else
                    out->seg[s].lost_shared++;
            }
            continue;
        }
        out->answered++;
        struct nb_segments sg;
        nb_segments_compute(o, &sg);
        for (int s = 0; s < NB_SEG__COUNT; s++)
            if (sg.known[s])
                vals[s][out->seg[s].known++] = sg.v[s];
    }
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        struct nb_summary q;
        nb_summarise(vals[s], out->seg[s].known, &q);
        out->seg[s].p50 = q.p50;
        out->seg[s].p90 = q.p90;
        out->seg[s].p99 = q.p99;
        out->seg[s].p50_lo = q.p50_lo;
        out->seg[s].p90_lo = q.p90_lo;
        free(vals[s]);
    }
}

void nb_waterfall_end_to_end(size_t probes, size_t answered, size_t lost,
                             const struct nb_seg_figures *hold, struct nb_waterfall *out)
{
    memset(out, 0, sizeof(*out));
    out->probes = probes;
    out->answered = answered;
    out->lost = lost;
    out->lost_unlocated = lost;
    out->seg[NB_SEG_REMOTE_APP] = *hold;
}
