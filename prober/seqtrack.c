/* seqtrack.c — outstanding-probe ring and loss/dup/reorder accounting. */
#include "seqtrack.h"

#include <stdlib.h>
#include <string.h>

#include "netblame/mem.h"

void nb_seqtrack_init(struct nb_seqtrack *t, uint32_t first_seq, uint32_t cap)
{
    uint32_t n = 16;

    if (cap == 0 || cap > NB_SEQ_RING)
        cap = NB_SEQ_RING;
    while (n < cap)
        n <<= 1;
    memset(t, 0, sizeof(*t));
    t->ring = nb_calloc(n, sizeof(*t->ring));
    t->mask = n - 1;
    t->next_seq = first_seq;
    t->tail = first_seq;
}

void nb_seqtrack_free(struct nb_seqtrack *t)
{
    free(t->ring);
    t->ring = NULL;
}

uint32_t nb_seqtrack_cap(const struct nb_seqtrack *t)
{
    return t->mask + 1;
}

static struct nb_probe *slot(struct nb_seqtrack *t, uint32_t seq)
{
    return &t->ring[seq & t->mask];
}

static void declare_lost(struct nb_seqtrack *t, struct nb_probe *p,
                         void (*lost_cb)(void *, const struct nb_probe *), void *arg)
{
    p->state = NB_PROBE_LOST;
    t->st.lost++;
    if (lost_cb)
        lost_cb(arg, p);
}

/* Advance the tail past probes that are no longer outstanding. */
static void advance_tail(struct nb_seqtrack *t)
{
    while (t->tail != t->next_seq) {
        struct nb_probe *p = slot(t, t->tail);
        if (p->seq == t->tail && p->state == NB_PROBE_SENT)
            break;
        t->tail++;
    }
}

struct nb_probe *nb_seqtrack_sent(struct nb_seqtrack *t, nb_ns now_mono,
                                  void (*lost_cb)(void *, const struct nb_probe *), void *arg)
{
    struct nb_probe *p = slot(t, t->next_seq);
    if (p->state == NB_PROBE_SENT) /* ring full: the oldest cannot be tracked any more */
        declare_lost(t, p, lost_cb, arg);
    memset(p, 0, sizeof(*p));
    p->seq = t->next_seq++;
    p->state = NB_PROBE_SENT;
    p->sent_mono = now_mono;
    t->st.sent++;
    advance_tail(t);
    return p;
}

void nb_seqtrack_unsend(struct nb_seqtrack *t, struct nb_probe *p)
{
    p->state = NB_PROBE_FREE;
    t->st.sent--;
    advance_tail(t);
}

enum nb_rx_class nb_seqtrack_received(struct nb_seqtrack *t, uint32_t seq, struct nb_probe **p,
                                      bool *reordered)
{
    struct nb_probe *s = slot(t, seq);
    *p = NULL;
    *reordered = false;
    /* Serial-number arithmetic: a sequence not in [next_seq - RING, next_seq) is unknown. */
    if ((uint32_t)(t->next_seq - seq) > t->mask + 1 || seq == t->next_seq || s->seq != seq ||
        s->state == NB_PROBE_FREE) {
        t->st.unknown++;
        return NB_RX_UNKNOWN;
    }
    if (s->state == NB_PROBE_DONE) {
        t->st.duplicates++;
        return NB_RX_DUP;
    }
    if (s->state == NB_PROBE_LOST) {
        t->st.late++;
        return NB_RX_LATE;
    }
    s->state = NB_PROBE_DONE;
    t->st.received++;
    if (t->any_rx && (int32_t)(seq - t->max_rx_seq) < 0) {
        t->st.reordered++;
        *reordered = true;
    } else {
        t->max_rx_seq = seq;
        t->any_rx = true;
    }
    *p = s;
    advance_tail(t);
    return NB_RX_NEW;
}

unsigned nb_seqtrack_expire(struct nb_seqtrack *t, nb_ns now_mono, nb_ns timeout,
                            void (*lost_cb)(void *, const struct nb_probe *), void *arg)
{
    unsigned n = 0;
    for (uint32_t seq = t->tail; seq != t->next_seq; seq++) {
        struct nb_probe *p = slot(t, seq);
        if (p->seq != seq || p->state != NB_PROBE_SENT)
            continue;
        if (now_mono - p->sent_mono < timeout)
            break; /* sent in order: everything after is younger */
        declare_lost(t, p, lost_cb, arg);
        n++;
    }
    advance_tail(t);
    return n;
}

struct nb_probe *nb_seqtrack_by_txkey(struct nb_seqtrack *t, uint32_t key)
{
    /* TX stamps arrive within microseconds of the send: look at recent probes only. */
    for (uint32_t i = 1; i <= 256 && i <= t->mask + 1; i++) {
        struct nb_probe *p = slot(t, t->next_seq - i);
        if (p->seq == t->next_seq - i && p->state != NB_PROBE_FREE && p->tx_key == key)
            return p;
    }
    return NULL;
}

uint32_t nb_seqtrack_outstanding(const struct nb_seqtrack *t)
{
    uint32_t n = 0;
    for (uint32_t seq = t->tail; seq != t->next_seq; seq++) {
        const struct nb_probe *p = &t->ring[seq & t->mask];
        if (p->seq == seq && p->state == NB_PROBE_SENT)
            n++;
    }
    return n;
}

unsigned nb_seqtrack_overdue(const struct nb_seqtrack *t, nb_ns now_mono, nb_ns age, nb_ns since_rt,
                             bool (*sel)(const void *arg, uint32_t seq), const void *arg,
                             unsigned *nsel)
{
    unsigned n = 0, k = 0;
    for (uint32_t seq = t->tail; seq != t->next_seq; seq++) {
        const struct nb_probe *p = &t->ring[seq & t->mask];
        if (p->seq != seq || p->state != NB_PROBE_SENT)
            continue;
        if (now_mono - p->sent_mono < age)
            break; /* sent in order: everything after is younger */
        if (since_rt && p->t1_user < since_rt)
            continue;
        n++;
        if (sel && sel(arg, seq))
            k++;
    }
    if (nsel)
        *nsel = k;
    return n;
}
