/* handshake.c — app probes' TCP handshakes on the observation points
 * (handshake.h): the sightings of SYN and SYN-ACK tallied per point, turned
 * into the same per-probe observation a STAMP probe gives. Pure. */
#include "netblame/handshake.h"

#include "netblame/mem.h"

#include <stdlib.h>
#include <string.h>

/* The classifier links nothing of prober/: its own aborting allocator. */
struct key {
    uint64_t id;
    size_t i;
};

static int key_cmp(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

void nb_handshake_tally(const struct nb_handshake *h, struct nb_hs_tally *t, size_t n,
                        const struct nb_sighting *s, size_t ns, int local)
{
    /* ids sorted once, each sighting found by binary search: O((n + ns) log n) */
    struct key *k = nb_calloc(n, sizeof(*k));
    for (size_t i = 0; i < n; i++) {
        k[i] = (struct key){h[i].id, i};
        if (local)
            t[i].local_ok = true;
        else
            t[i].remote_ok = true;
    }
    qsort(k, n, sizeof(*k), key_cmp);
    for (size_t j = 0; j < ns; j++) {
        const struct nb_sighting *x = &s[j];
        if (x->proto != NB_PROTO_TCP)
            continue;
        enum nb_point p = nb_point_of_sighting(local, x->kind, x->role, x->dir);
        if (p == NB_PT__COUNT)
            continue;
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (k[mid].id < x->probe_id)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < n && k[lo].id == x->probe_id; lo++) {
            const struct nb_handshake *hs = &h[k[lo].i];
            struct nb_hs_tally *tt = &t[k[lo].i];
            if (x->ts < hs->from || x->ts > hs->to || (tt->have_isn && x->isn != tt->isn))
                continue; /* the same ends, another handshake */
            if (!tt->have_isn) {
                tt->have_isn = true;
                tt->isn = x->isn;
            }
            if (tt->count[p] == 0 || x->ts < tt->first[p])
                tt->first[p] = x->ts;
            tt->count[p]++;
            break;
        }
    }
    free(k);
}

static const enum nb_point host_points[2][4] = {
    {NB_PT_HB_NIC_IN, NB_PT_HB_TAP_OUT, NB_PT_HB_TAP_IN, NB_PT_HB_NIC_OUT},
    {NB_PT_HA_TAP_IN, NB_PT_HA_NIC_OUT, NB_PT_HA_NIC_IN, NB_PT_HA_TAP_OUT},
};

/* Along the four POINTS of one direction, FROM copies having entered it: a
 * point has seen the handshake while no point so far counted fewer copies
 * than the one before (SHORT_OF: already short before these). Returns whether
 * copies went missing. */
static bool walk(const struct nb_hs_tally *t, struct nb_path_obs *o, const enum nb_point *points,
                 unsigned from, bool short_of)
{
    unsigned prev = from;
    for (size_t k = 0; k < 4; k++) {
        enum nb_point p = points[k];
        if (!o->observable[p])
            continue;
        short_of |= t->count[p] < prev || t->count[p] == 0;
        o->seen[p] = !short_of;
        prev = t->count[p];
    }
    return short_of;
}

/* A handshake that needed retransmissions (or never completed though a
 * SYN-ACK reached the guest's tap): a copy went missing somewhere. Along
 * the path, a point has seen the handshake while it counts as many copies
 * as the point before it (the SYN's first "point" is the guest, which sent
 * SYN_SENT copies; the SYN-ACK's is the remote tap, where the server's
 * copies are counted, or without the remote host agent as many as the
 * SYNs); the first point short of copies is where they went. A
 * retransmitted SYN-ACK (its first copy lost) shows as more copies leaving
 * the remote host than arriving at the local one. If no observed point is
 * short, the copy went missing beyond the last one (the local virtual
 * layer, into the guest) — or arrived too late, which no point can tell. */
static void locate_copies(const struct nb_handshake *h, const struct nb_hs_tally *t,
                          struct nb_path_obs *o)
{
    static const enum nb_point syn[] = {NB_PT_HA_TAP_IN, NB_PT_HA_NIC_OUT, NB_PT_HB_NIC_IN,
                                        NB_PT_HB_TAP_OUT};
    static const enum nb_point synack[] = {NB_PT_HB_TAP_IN, NB_PT_HB_NIC_OUT, NB_PT_HA_NIC_IN,
                                           NB_PT_HA_TAP_OUT};
    bool short_of = walk(t, o, syn, h->syn_sent, false);
    /* the copies the server sent, where its host is observed; else as many
     * as the SYNs (the old rule: a shortfall then lies somewhere between) */
    walk(t, o, synack, o->observable[NB_PT_HB_TAP_IN] ? t->count[NB_PT_HB_TAP_IN] : h->syn_sent,
         short_of);
}

void nb_handshake_obs(const struct nb_handshake *h, const struct nb_hs_tally *t,
                      struct nb_path_obs *o)
{
    memset(o, 0, sizeof(*o));
    o->observable[NB_PT_A_TX] = o->observable[NB_PT_A_RX] = true;
    o->seen[NB_PT_A_TX] = true; /* t = 0: the guest's clock starts at its SYN */
    bool ok[2] = {t->remote_ok, t->local_ok};
    for (int side = 0; side < 2; side++)
        for (int k = 0; ok[side] && k < 4; k++)
            o->observable[host_points[side][k]] = true;
    /* B.rx/B.tx stand for the server kernel's turnaround, bounded by HB's tap */
    o->observable[NB_PT_B_RX] = o->observable[NB_PT_B_TX] = t->remote_ok;

    bool whole = h->established && h->syn_sent <= 1;
    for (int side = 0; side < 2; side++)
        for (int k = 0; ok[side] && k < 4; k++)
            o->t[host_points[side][k]] = t->first[host_points[side][k]];
    if (whole || !h->established) {
        /* A decomposable handshake is seen where its copy passed; a connect
         * that never completed, where any copy got to. */
        for (int side = 0; side < 2; side++)
            for (int k = 0; ok[side] && k < 4; k++)
                o->seen[host_points[side][k]] = t->count[host_points[side][k]] >= 1;
    }
    /* A SYN-ACK got to the guest's tap, yet the connect never completed: it
     * came too late (copies lost before it) or was lost in the last hop.
     * Copies missing earlier on the way say which. */
    if ((!whole && h->established) || (!h->established && o->seen[NB_PT_HA_TAP_OUT]))
        locate_copies(h, t, o);
    bool turned = t->remote_ok && o->seen[NB_PT_HB_TAP_IN] && (!whole || o->seen[NB_PT_HB_TAP_OUT]);
    o->seen[NB_PT_B_RX] = o->seen[NB_PT_B_TX] = turned;
    if (!whole) {
        o->lost = true;
        return;
    }
    if (h->have_rtt) {
        o->seen[NB_PT_A_RX] = true;
        o->t[NB_PT_A_RX] = h->rtt;
    } else {
        o->seen[NB_PT_A_TX] = false; /* no kernel figure: local virtual stays unknown */
    }
}

void nb_handshake_waterfall(const struct nb_handshake *h, const struct nb_hs_tally *t, size_t n,
                            struct nb_waterfall *out)
{
    struct nb_path_obs *obs = nb_calloc(n, sizeof(*obs));
    for (size_t i = 0; i < n; i++)
        nb_handshake_obs(&h[i], &t[i], &obs[i]);
    nb_waterfall_compute(obs, n, out);
    free(obs);
    struct nb_seg_figures *app = &out->seg[NB_SEG_REMOTE_APP];
    app->known = 0;
    app->p50 = app->p90 = app->p99 = 0;
}
