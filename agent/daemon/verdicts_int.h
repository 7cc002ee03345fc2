/* verdicts_int.h — inside the daemon's continuous verdicts (verdicts.h),
 * shared by its files, one concern each:
 *   verdicts.c         the targets, their rings of results, the host agents
 *                      followed, the tick that judges every target
 *   verdicts_input.c   a target's window of results as the classifier's
 *                      input (the daemon's adapter onto input/window.h)
 *   verdicts_learn.c   what is learnt (LEARNING) and what is served
 *                      (PERSISTENCE)
 *   verdicts_fast.c    the FAST TEST: short windows, their own baseline,
 *                      their onset and return rules
 *   verdicts_metrics.c the verdicts in /metrics
 *   verdicts_api.c     GET /v1/verdicts and GET /v1/windows
 * Times are passed in (the _at functions), so the unit tests drive the
 * rules with synthetic results on a clock of their own. */
#ifndef NB_VERDICTS_INT_H
#define NB_VERDICTS_INT_H

#include "daemon/verdicts.h"
#include "input/window.h"
#include "netblame/cpustat.h"
#include "netblame/verdict.h"

#define NB_VD_RING 4096 /* results kept per target at most (nb_vd_ring_cap) */
/* Host-agent sightings of a path peer's probes, by sequence number: a
 * sighting is read before or after its probe's result comes (a lost probe's
 * comes at its timeout), so they meet here, not in the ring. Twice the ring
 * (nb_vd_hobs_cap): the judged window ends a little behind the newest probe. */
#define NB_VD_HOBS (2 * NB_VD_RING)
#define NB_VD_NTIMES (NB_VERDICT_WINDOW_S + 4) /* CPU-time samples: one a second, over a window */
/* The FAST TEST (verdicts_fast.c). */
#define NB_VD_TICK_MS 250      /* every target's short window judged this often */
#define NB_VD_FAST_MS 1000     /* a short window: the last second of results... */
#define NB_VD_FAST_MAX_MS 2000 /* ...or back to th.min_samples of them, not further */
#define NB_VD_FAST_ON 4        /* short windows in a row naming a new layer and side */
#define NB_VD_FAST_OFF 6       /* ...judged healthy, to clear a fault the test named */

struct nb_vd_sample {
    nb_ns t;                  /* monotonic, when the result came */
    bool lost;                /* STAMP: no reply; app: not ok */
    struct nb_probe_result r; /* STAMP */
    struct nb_app_obs app;    /* app */
};

struct nb_vd_hobs {
    uint64_t probe_id; /* whose points these are (the slot is seq % hcap) */
    struct nb_path_obs o;
};

struct nb_feed;

struct nb_vd_target {
    char name[NB_NAME_MAX];
    bool app;
    enum nb_family family; /* STAMP peers */
    struct nb_vd_sample *ring; /* cap slots */
    size_t cap, head, n;
    struct nb_baseline base;   /* learnt from this target's windows (LEARNING) */
    struct nb_verdict verdict; /* published (PERSISTENCE) */
    struct nb_verdict raw;     /* the latest tick's */
    bool have_verdict;
    enum nb_layer pend_layer; /* a different verdict the ticks are judging... */
    enum nb_side pend_side;
    unsigned pend_n;  /* ...this many in a row */
    nb_ns changed;    /* realtime when the layer last changed */
    nb_ns last_learn; /* monotonic */
    nb_ns last_named; /* monotonic: a tick's window last named a layer */
    uint64_t windows;
    /* the FAST TEST (verdicts_fast.c) */
    struct nb_verdict fast; /* the latest short window's (both baselines agreeing) */
    struct nb_baseline *sbase; /* the short windows' own noise; NULL until one is judged */
    nb_ns slast_learn;         /* monotonic: SBASE last learnt */
    bool fast_named;        /* the served fault is the fast test's to clear */
    enum nb_layer fpend_layer; /* a different layer and side short windows name... */
    enum nb_side fpend_side;
    unsigned fpend_n;   /* ...this many in a row */
    unsigned fclear_n;  /* short windows in a row healthy while fast_named */
    nb_ns fclear_from;  /* monotonic: where the first of them began */
    nb_ns since;        /* monotonic: the long window starts no earlier (a cleared fault) */
    char peer[NB_CLS_HOSTSIZ]; /* STAMP peers: the reflector's address (numeric) */
    unsigned timeout_ms;       /* STAMP peers: their probes' timeout */
    struct nb_cls_input *last; /* the last window judged (GET /v1/windows) */
    /* path peers: host agents' sightings ([0] the reflector's, [1] ours) */
    struct nb_feed *feed[2];
    struct nb_vd_hobs *hobs;
    size_t hcap; /* hobs slots: nb_vd_hobs_cap(cap) */
    /* the host agent the reflector last announced and the rule refused
     * (nb_sender_agent_allowed), "" if none: said in every verdict's evidence */
    char agent_refused[INET6_ADDRSTRLEN];
};

struct nb_verdicts {
    struct ev_loop *loop;
    struct nb_http *http; /* NULL: no feeds (path peers end to end only) */
    bool local_agent;     /* guest role with a host agent: follow it */
    char local_addr[NB_HOST_MAX];
    uint16_t local_port;
    struct nb_cls_thresholds th; /* the config's "classifier" */
    ev_timer tick;
    nb_ns long_at; /* monotonic: the long windows were last judged (one a second) */
    struct nb_vd_target *t;
    size_t n;
    uint32_t *index; /* targets by name: 1 + their place in t, 0 free (nb_vd_find) */
    size_t index_mask;
    struct nb_cls_input scratch;
    struct nb_verdict fast2; /* a short window against its own baseline (verdicts_fast.c) */
    struct nb_vd_sample *win;  /* NB_VD_RING samples: one target's window, reused every tick */
    struct nb_vd_sample *win2; /* ... and a cross-checking family's */
    struct nb_vd_times {
        nb_ns t; /* monotonic */
        struct nb_cpu_times c;
    } times[NB_VD_NTIMES]; /* this machine's CPU times, one a tick: its steal over a window */
    size_t times_next, ntimes;
};

/* verdicts.c */

/* The ring slots a target probed every INTERVAL_MS with TIMEOUT_MS needs:
 * every result that can arrive within a window (nb_vd_ring_cap's comment
 * says why), NB_VD_RING at most. */
size_t nb_vd_ring_cap(unsigned interval_ms, unsigned timeout_ms);
/* Slots of a path peer's sightings table for a ring of RING_CAP results
 * (twice it, NB_VD_HOBS at most). */
size_t nb_vd_hobs_cap(size_t ring_cap);
/* T's I-th oldest result (I < T->n). */
static inline const struct nb_vd_sample *nb_vd_at(const struct nb_vd_target *t, size_t i)
{
    return &t->ring[(t->head + t->cap - t->n + i) % t->cap];
}

/* The target NAME (APP: an app target), or NULL. V may be NULL. */
struct nb_vd_target *nb_vd_find(const struct nb_verdicts *v, const char *name, bool app);
/* The samples of T that came in [SINCE, UNTIL] (monotonic), oldest first,
 * into OUT (NB_VD_RING of them); returns how many. */
size_t nb_vd_window(const struct nb_vd_target *t, nb_ns since, nb_ns until,
                    struct nb_vd_sample *out);
/* nb_verdicts_stamp and nb_verdicts_app with the result's arrival time
 * NOW_MONO given. */
void nb_vd_stamp_at(struct nb_verdicts *v, const char *name, const struct nb_probe_result *r,
                    nb_ns now_mono);
void nb_vd_app_at(struct nb_verdicts *v, const char *name, const struct nb_app_result *r,
                  nb_ns now_mono);
/* Judge every target at NOW_MONO (its windows) and NOW_RT (their times,
 * what is served), and start the feeds' next rounds: the tick without its
 * sample of this machine's CPU times. */
void nb_vd_tick_at(struct nb_verdicts *v, nb_ns now_mono, nb_ns now_rt);

/* verdicts_input.c */

/* The window T is judged on at NOW_MONO (NOW_RT) into *IN: the last
 * NB_VERDICT_WINDOW_S seconds of its results, for a path peer up to where
 * its host agents' sightings are all in. */
void nb_vd_input(struct nb_verdicts *v, const struct nb_vd_target *t, nb_ns now_mono, nb_ns now_rt,
                 struct nb_cls_input *in);
/* The fast test's short window into *IN (verdicts_fast.c): its results'
 * count (0: fewer than MIN_N within NB_VD_FAST_MAX_MS, IN untouched) and
 * its start (*START) and end (*END), monotonic. */
size_t nb_vd_input_recent(struct nb_verdicts *v, const struct nb_vd_target *t, nb_ns now_mono,
                          nb_ns now_rt, size_t min_n, nb_ns *start, nb_ns *end,
                          struct nb_cls_input *in);
/* A vnet or fabric peer's N samples W as its family (one layer, end to end). */
void nb_vd_family(const struct nb_vd_sample *w, size_t n, struct nb_cls_family *f);

/* verdicts_learn.c */

/* LEARNING: fold IN, judged RAW at NOW_MONO, into T's baseline if the rule
 * lets it (and note a window that named a layer). Returns whether it did. */
bool nb_vd_learn(struct nb_vd_target *t, const struct nb_cls_input *in,
                 const struct nb_verdict *raw, const struct nb_cls_thresholds *th, nb_ns now_mono);
/* PERSISTENCE: RAW, judged at NOW_RT, becomes T's served verdict if it has
 * the served one's layer and side, or once NB_VERDICT_PERSIST ticks in a
 * row judged its layer and side. Returns whether the served layer or side
 * changed (the first verdict is a change). */
bool nb_vd_publish(struct nb_vd_target *t, const struct nb_verdict *raw, nb_ns now_rt);

/* Count V into a run of judgements naming *LAYER and *SIDE (*N of them so
 * far; 0: none): one more if V names the same, else a new run of V.
 * Returns the run's length. */
static inline unsigned nb_vd_in_row(enum nb_layer *layer, enum nb_side *side, unsigned *n,
                                    const struct nb_verdict *v)
{
    if (!*n || v->layer != *layer || v->where.side != *side) {
        *layer = v->layer;
        *side = v->where.side;
        *n = 0;
    }
    return ++*n;
}

/* verdicts_fast.c */

/* The short window IN of N results, judged FAST against T's baseline and
 * FAST2 against T's short-window baseline: into FAST their joint verdict
 * (a layer only if both name it, healthy if both are, else inconclusive),
 * and IN learnt into the short-window baseline if the rule lets it (RAW_LONG:
 * the long window's latest verdict). */
void nb_vd_fast_join(struct nb_vd_target *t, const struct nb_cls_input *in,
                     struct nb_verdict *fast, const struct nb_verdict *fast2,
                     const struct nb_cls_thresholds *th, nb_ns now_mono);

/* FAST TEST: fold FAST, the verdict of T's short window of N results (0:
 * none) over [START, END] (monotonic), into T's served verdict at NOW_MONO
 * (NOW_RT). Returns whether the served layer or side changed. */
bool nb_vd_fast(struct nb_vd_target *t, const struct nb_verdict *fast, size_t n, nb_ns start,
                nb_ns end, nb_ns now_mono, nb_ns now_rt);

#endif
