/* seqtrack.h — per-session sequence accounting for a STAMP session-sender:
 * the table of outstanding probes (a ring indexed by sequence number), loss on
 * timeout, duplicates, reordering and late replies. Pure: the caller passes
 * monotonic "now" (scheduling clock) and the measurement stamps. */
#ifndef NB_SEQTRACK_H
#define NB_SEQTRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "netblame/ntp.h"
#include "tstamp.h"

/* The most outstanding probes a session tracks (a power of two); each
 * session has as many slots as its rate and timeout need (nb_seqtrack_init),
 * and more outstanding probes than its slots count as lost. */
#define NB_SEQ_RING 4096

enum nb_probe_state { NB_PROBE_FREE = 0, NB_PROBE_SENT, NB_PROBE_DONE, NB_PROBE_LOST };

struct nb_probe {
    uint32_t seq;
    enum nb_probe_state state;
    uint64_t probe_id;
    nb_ns sent_mono;     /* scheduling clock, for the timeout */
    nb_ns t1_user;       /* realtime just before sendmsg */
    nb_ns t1_kernel;     /* best kernel TX stamp so far (SND over SCHED) */
    enum nb_ts_src t1_src;
    uint32_t tx_key;
};

enum nb_rx_class {
    NB_RX_NEW = 0,  /* first reply to an outstanding probe */
    NB_RX_DUP,      /* a second reply to an answered probe */
    NB_RX_LATE,     /* reply after the probe was declared lost */
    NB_RX_UNKNOWN,  /* sequence we never sent (or overwritten in the ring) */
};

struct nb_seqtrack_stats {
    uint64_t sent, received, lost, duplicates, reordered, late, unknown;
};

struct nb_seqtrack {
    struct nb_probe *ring; /* mask + 1 slots (owned) */
    uint32_t mask;
    uint32_t next_seq;   /* sequence of the next probe */
    uint32_t tail;       /* oldest sequence that may still be outstanding */
    bool any_rx;
    uint32_t max_rx_seq; /* highest sequence answered, for reordering */
    struct nb_seqtrack_stats st;
};

/* Start at FIRST_SEQ with room for CAP outstanding probes (rounded up to a
 * power of two, 16..NB_SEQ_RING; 0: NB_SEQ_RING). Free with nb_seqtrack_free. */
void nb_seqtrack_init(struct nb_seqtrack *t, uint32_t first_seq, uint32_t cap);
void nb_seqtrack_free(struct nb_seqtrack *t);
/* Slots of T: the most outstanding probes it tracks. */
uint32_t nb_seqtrack_cap(const struct nb_seqtrack *t);
/* Record a probe being sent now; returns its slot (seq already set). If the ring
 * is full, the oldest outstanding probe is declared lost first (via LOST_CB). */
struct nb_probe *nb_seqtrack_sent(struct nb_seqtrack *t, nb_ns now_mono,
                                  void (*lost_cb)(void *, const struct nb_probe *), void *arg);
/* Forget a probe whose send failed (not counted as sent nor lost). */
void nb_seqtrack_unsend(struct nb_seqtrack *t, struct nb_probe *p);
/* Classify a reply for SEQ; *P gets the slot for NB_RX_NEW (state becomes DONE). */
enum nb_rx_class nb_seqtrack_received(struct nb_seqtrack *t, uint32_t seq, struct nb_probe **p,
                                      bool *reordered);
/* Declare probes outstanding for TIMEOUT or longer lost, calling LOST_CB for each
 * in sequence order. Returns how many. */
unsigned nb_seqtrack_expire(struct nb_seqtrack *t, nb_ns now_mono, nb_ns timeout,
                            void (*lost_cb)(void *, const struct nb_probe *), void *arg);
/* Slot with TX key KEY among recent outstanding probes, or NULL. */
struct nb_probe *nb_seqtrack_by_txkey(struct nb_seqtrack *t, uint32_t key);
/* Outstanding probes sent at least AGE before NOW_MONO and, when SINCE_RT
 * is not 0, at or after realtime SINCE_RT (their user-space send time).
 * *NSEL (may be NULL) gets how many of them SEL(ARG, seq) selects. */
unsigned nb_seqtrack_overdue(const struct nb_seqtrack *t, nb_ns now_mono, nb_ns age, nb_ns since_rt,
                             bool (*sel)(const void *arg, uint32_t seq), const void *arg,
                             unsigned *nsel);
/* Probes still outstanding. */
uint32_t nb_seqtrack_outstanding(const struct nb_seqtrack *t);

#endif
