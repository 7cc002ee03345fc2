/* handshake.c — app probes' TCP handshakes on the observation points
 * (handshake.h): the sightings of SYN and SYN-ACK tallied per point, turned
 * into the same per-probe observation a STAMP probe gives. Pure. */
#include "netblame/handshake.h"

#include <stdlib.h>
#include <string.h>

/* The classifier links nothing of prober/: its own aborting allocator. */
static void *scratch(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        abort();
    return p;
}

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
    struct key *k = scratch(n, sizeof(*k));
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
    /* A decomposable handshake is seen where any copy passed (the first
     * counts); a lost one only where every SYN (and as many SYN-ACKs)
     * passed, so the first point short of copies is where they went. A
     * connect that never completed: where any copy got to. */
    unsigned need = whole || !h->established ? 1 : h->syn_sent;
    for (int side = 0; side < 2; side++)
        for (int k = 0; ok[side] && k < 4; k++) {
            enum nb_point p = host_points[side][k];
            o->seen[p] = t->count[p] >= need;
            o->t[p] = t->first[p];
        }
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
    struct nb_path_obs *obs = scratch(n, sizeof(*obs));
    for (size_t i = 0; i < n; i++)
        nb_handshake_obs(&h[i], &t[i], &obs[i]);
    nb_waterfall_compute(obs, n, out);
    free(obs);
    struct nb_seg_figures *app = &out->seg[NB_SEG_REMOTE_APP];
    app->known = 0;
    app->p50 = app->p90 = app->p99 = 0;
}
