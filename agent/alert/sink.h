/* sink.h — delivering events (sink_events.h) to one sink: POSTs over
 * net/http.c (libcurl multi on the daemon's libev loop), retried, in order
 * per key. Used by outbox.c, which owns the spool; the guarantees as a whole
 * are stated in outbox.h.
 *
 * Answers: 2xx delivered. A transport error (refused, reset, timeout), 429
 * or 5xx is retried (PagerDuty Events v2: "429 ... Yes - retry after some
 * time", "500 or other 5XX ... Yes", "Network Error ... Yes"). Any other
 * status (400 "Check that the JSON is valid", other 4xx, 3xx: redirects are
 * not followed) fails the event for good: never retried, logged, counted,
 * and reported FAILED (the outbox sends its entry to the spool's dead/).
 *
 * Retries: the n-th retry of an event waits a uniformly random time in
 * [0, min(cap, base · 2^(n-1))] ("full jitter", so a fleet of agents does
 * not retry in step); an answer's Retry-After (cut to retry_after_max_ms)
 * is waited at least, and by the whole sink, since a rate limit or an
 * outage is the sink's, not the event's. An event still failing give_up_s
 * after its accept fails for good, so none is retried forever.
 *
 * Order: events go out in the order pushed, except that an event sharing a
 * key with an earlier event still queued (waiting, retrying or in flight)
 * is not sent until that one is finished (delivered or failed for good).
 * PagerDuty events carry their dedup_key, a webhook event its groupKey and
 * every fingerprint: a resolve is never sent before its trigger is
 * delivered. Unrelated events pass a retrying one. */
#ifndef NB_ALERT_SINK_H
#define NB_ALERT_SINK_H

#include <ev.h>
#include <stdint.h>

#include "alert/sink_events.h"
#include "net/http.h"
#include "netblame/clock.h"
#include "wire/alerts_cfg.h"

struct nb_sink_tuning {
    unsigned backoff_base_ms;    /* default 1000 */
    unsigned backoff_cap_ms;     /* default 300000 (5 min) */
    unsigned retry_after_max_ms; /* default 600000 (10 min) */
    unsigned give_up_s;          /* default 86400 (24 h) */
    unsigned max_in_flight;      /* requests at once to one sink; default 4 */
    double time_scale;           /* every wait is multiplied by it; 0: 1 (tests: small) */
    double (*rand01)(void *arg); /* [0, 1) for the jitter; NULL: an internal generator */
    void *rand_arg;
};

/* Fill the zero fields of T with the defaults above. */
void nb_sink_tuning_defaults(struct nb_sink_tuning *t);

enum nb_sink_outcome { NB_SINK_DELIVERED, NB_SINK_FAILED };

/* An event pushed for OWNER is finished: delivered, or failed for good. */
typedef void (*nb_sink_done_fn)(void *arg, void *owner, unsigned index, enum nb_sink_outcome o);

struct nb_sink_stats {
    uint64_t delivered; /* events answered 2xx */
    uint64_t retried;   /* attempts that failed and were retried */
    uint64_t failed;    /* events failed for good */
    unsigned queued;    /* events not finished, in flight included */
    unsigned in_flight;
};

struct nb_sink;

/* CFG and T are copied. DONE is called from the loop, or from nb_sink_push. */
struct nb_sink *nb_sink_new(struct ev_loop *loop, struct nb_http *http,
                            const struct nb_sink_cfg *cfg, const struct nb_sink_tuning *t,
                            nb_sink_done_fn done, void *arg);
/* Cancel what is in flight (no DONE calls) and free S. */
void nb_sink_free(struct nb_sink *s);

/* Queue EV for OWNER; its body and keys are taken (EV is left empty). An
 * event without a body is failed at once (DONE before this returns).
 * ACCEPT_REAL (CLOCK_REALTIME) starts the give-up clock. */
void nb_sink_push(struct nb_sink *s, struct nb_sink_event *ev, void *owner, nb_ns accept_real);

const struct nb_sink_stats *nb_sink_stats(const struct nb_sink *s);
const struct nb_sink_cfg *nb_sink_cfg(const struct nb_sink *s);

#endif
