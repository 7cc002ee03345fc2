/* sink.c — one sink's queue: POSTs, retries with jittered backoff, order
 * per key (see sink.h).
 *
 * The queue is a list in push order. pump() walks it from the head with a
 * set of the keys of the unfinished events already passed: an event whose
 * keys are all new to the set may start (when its wait is over and a
 * request slot is free); its keys join the set whether it starts or not,
 * so whatever follows with one of them waits behind it. The walk stops at
 * the first event it cannot reach for want of a slot: a finishing request
 * pumps again. One timer wakes the sink for the earliest wait that ends. */
#include "alert/sink.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netblame/log.h"
#include "netblame/mem.h"

struct job {
    struct job *prev, *next;
    struct nb_sink *s;
    void *owner;
    unsigned index;
    char *body;
    size_t len;
    uint64_t *keys;
    size_t nkeys;
    char label[80];
    nb_ns accept_real;
    unsigned attempts;       /* failed attempts so far */
    ev_tstamp not_before;    /* ev_now() time of the next attempt */
    struct nb_http_req *req; /* in flight */
};

struct nb_sink {
    struct ev_loop *loop;
    struct nb_http *http;
    struct nb_sink_cfg cfg;
    struct nb_sink_tuning t;
    nb_sink_done_fn done;
    void *arg;
    struct job *head, *tail;
    size_t nkeys; /* over the queue: sizes the key set */
    uint64_t *set;
    size_t setcap;
    ev_tstamp pause_until; /* a Retry-After: the whole sink waits */
    ev_timer wake;
    uint64_t rng;
    struct nb_sink_stats st;
};

static const char *const post_headers[] = {
    "Content-Type: application/json",
    "Expect:", /* no 100-continue round trip before a large body */
    NULL,
};

void nb_sink_tuning_defaults(struct nb_sink_tuning *t)
{
    if (!t->backoff_base_ms)
        t->backoff_base_ms = 1000;
    if (!t->backoff_cap_ms)
        t->backoff_cap_ms = 300000;
    if (!t->retry_after_max_ms)
        t->retry_after_max_ms = 600000;
    if (!t->give_up_s)
        t->give_up_s = 86400;
    if (!t->max_in_flight)
        t->max_in_flight = 4;
    if (!(t->time_scale > 0))
        t->time_scale = 1;
}

/* xorshift64*: jitter only needs to differ between agents and events. */
static double rand01(struct nb_sink *s)
{
    if (s->t.rand01)
        return s->t.rand01(s->t.rand_arg);
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return (double)((s->rng * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0;
}

/* ---- the key set: open addressing over the keys' hashes (0 is empty) ---- */

static void set_clear(struct nb_sink *s)
{
    size_t want = 16;
    while (want < 2 * s->nkeys + 2)
        want *= 2;
    if (want != s->setcap) {
        free(s->set);
        s->set = nb_calloc(want, sizeof(*s->set));
        s->setcap = want;
    } else {
        memset(s->set, 0, want * sizeof(*s->set));
    }
}

static bool set_has(const struct nb_sink *s, uint64_t k)
{
    k = k ? k : 1;
    for (size_t i = k & (s->setcap - 1);; i = (i + 1) & (s->setcap - 1)) {
        if (s->set[i] == k)
            return true;
        if (!s->set[i])
            return false;
    }
}

static void set_add(struct nb_sink *s, uint64_t k)
{
    k = k ? k : 1;
    size_t i = k & (s->setcap - 1);
    while (s->set[i] && s->set[i] != k)
        i = (i + 1) & (s->setcap - 1);
    s->set[i] = k;
}

/* ---- the queue ---- */

static void unlink_job(struct nb_sink *s, struct job *j)
{
    if (j->prev)
        j->prev->next = j->next;
    else
        s->head = j->next;
    if (j->next)
        j->next->prev = j->prev;
    else
        s->tail = j->prev;
    s->nkeys -= j->nkeys;
    s->st.queued--;
}

static void free_job(struct job *j)
{
    free(j->body);
    free(j->keys);
    free(j);
}

static void finish(struct nb_sink *s, struct job *j, enum nb_sink_outcome o)
{
    unlink_job(s, j);
    if (o == NB_SINK_DELIVERED)
        s->st.delivered++;
    else
        s->st.failed++;
    s->done(s->arg, j->owner, j->index, o);
    free_job(j);
}

static void pump(struct nb_sink *s);

/* A printable, cut copy of an answer's body for the log. */
static void snippet(char *out, size_t n, const char *body)
{
    size_t i = 0;
    for (; body && body[i] && i + 1 < n; i++)
        out[i] = body[i] >= 0x20 && body[i] < 0x7f ? body[i] : '?';
    out[i] = '\0';
}

/* The wait before the next attempt of J, in seconds of the loop. */
static double backoff(struct nb_sink *s, const struct job *j, long retry_after)
{
    double cap = s->t.backoff_base_ms;
    for (unsigned i = 1; i < j->attempts && cap < s->t.backoff_cap_ms; i++)
        cap *= 2;
    if (cap > s->t.backoff_cap_ms)
        cap = s->t.backoff_cap_ms;
    double ms = rand01(s) * cap;
    if (retry_after >= 0) {
        double ra = (double)retry_after * 1000.0;
        if (ra > s->t.retry_after_max_ms)
            ra = s->t.retry_after_max_ms;
        if (ra > ms)
            ms = ra;
    }
    return ms / 1000.0 * s->t.time_scale;
}

/* J failed and may be tried again: false when it was given up (and freed). */
static bool retry(struct nb_sink *s, struct job *j, const char *why, long retry_after)
{
    j->attempts++;
    s->st.retried++;
    nb_ns age = nb_realtime_now() - j->accept_real;
    if (age > (nb_ns)s->t.give_up_s * NB_NS_PER_SEC) {
        nb_warn("sink %s: %s: %s; giving up after %u attempts, %" PRId64 " s after it was accepted",
                s->cfg.name, j->label, why, j->attempts, (int64_t)(age / NB_NS_PER_SEC));
        finish(s, j, NB_SINK_FAILED);
        return false;
    }
    double wait = backoff(s, j, retry_after);
    j->not_before = ev_now(s->loop) + wait;
    if (retry_after >= 0 && j->not_before > s->pause_until)
        s->pause_until = j->not_before;
    /* the first retry of an event is worth a line; an outage would repeat
     * one per event and backoff step */
    nb_log(j->attempts == 1 ? NB_LOG_INFO : NB_LOG_DEBUG, "sink %s: %s: %s; attempt %u in %.3f s%s",
           s->cfg.name, j->label, why, j->attempts + 1, wait,
           retry_after >= 0 ? " (Retry-After: the whole sink waits)" : "");
    return true;
}

static void on_answer(void *arg, const struct nb_http_result *r)
{
    struct job *j = arg;
    struct nb_sink *s = j->s;
    j->req = NULL;
    s->st.in_flight--;
    char why[200], body[120];
    if (!r->error && r->status >= 200 && r->status < 300) {
        nb_debug("sink %s: %s delivered (%ld) after %u failed attempts", s->cfg.name, j->label,
                 r->status, j->attempts);
        finish(s, j, NB_SINK_DELIVERED);
    } else if (r->error || r->status == 429 || r->status >= 500) {
        if (r->error)
            snprintf(why, sizeof(why), "%s", r->error);
        else
            snprintf(why, sizeof(why), "answered %ld", r->status);
        (void)retry(s, j, why, r->error ? -1 : r->retry_after);
    } else {
        snippet(body, sizeof(body), r->body);
        nb_warn("sink %s: %s refused with %ld, not retried: %s", s->cfg.name, j->label, r->status,
                body);
        finish(s, j, NB_SINK_FAILED);
    }
    pump(s);
}

/* Send J: true when it is in flight; false when it could not even start
 * (then it waits like a failed attempt, or was given up and freed). */
static bool start(struct nb_sink *s, struct job *j, bool *alive)
{
    struct nb_http_opts o = {
        .method = "POST",
        .headers = post_headers,
        .body = j->body,
        .body_len = j->len,
        .timeout_ms = s->cfg.timeout_ms ? (long)s->cfg.timeout_ms : 5000,
        .max_body = 1u << 20,
    };
    char err[256];
    j->req = nb_http_start(s->http, s->cfg.url, &o, on_answer, j, err, sizeof(err));
    if (j->req) {
        s->st.in_flight++;
        return true;
    }
    *alive = retry(s, j, err, -1);
    return false;
}

static void pump(struct nb_sink *s)
{
    ev_tstamp now = ev_now(s->loop), earliest = 0;
    bool have = false;
    set_clear(s);
    struct job *next;
    for (struct job *j = s->head; j; j = next) {
        next = j->next; /* start() may fail J for good and free it */
        if (j->req) {
            for (size_t k = 0; k < j->nkeys; k++)
                set_add(s, j->keys[k]);
            continue;
        }
        bool blocked = false;
        for (size_t k = 0; k < j->nkeys && !blocked; k++)
            blocked = set_has(s, j->keys[k]);
        for (size_t k = 0; k < j->nkeys; k++)
            set_add(s, j->keys[k]);
        if (blocked)
            continue;
        if (s->st.in_flight >= s->t.max_in_flight)
            break; /* a finishing request pumps again */
        ev_tstamp at = j->not_before > s->pause_until ? j->not_before : s->pause_until;
        bool alive = true;
        if (at <= now && (start(s, j, &alive) || !alive))
            continue;
        at = j->not_before > s->pause_until ? j->not_before : s->pause_until;
        if (!have || at < earliest)
            earliest = at;
        have = true;
    }
    ev_timer_stop(s->loop, &s->wake);
    if (have && s->st.in_flight < s->t.max_in_flight) {
        ev_timer_set(&s->wake, earliest - now, 0.);
        ev_timer_start(s->loop, &s->wake);
    }
}

static void on_wake(struct ev_loop *loop, ev_timer *w, int revents)
{
    pump(w->data);
}

struct nb_sink *nb_sink_new(struct ev_loop *loop, struct nb_http *http,
                            const struct nb_sink_cfg *cfg, const struct nb_sink_tuning *t,
                            nb_sink_done_fn done, void *arg)
{
    struct nb_sink *s = nb_calloc(1, sizeof(*s));
    s->loop = loop;
    s->http = http;
    s->cfg = *cfg;
    if (t)
        s->t = *t;
    nb_sink_tuning_defaults(&s->t);
    s->done = done;
    s->arg = arg;
    s->rng = (uint64_t)nb_mono_now() ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)s;
    if (!s->rng)
        s->rng = 1;
    ev_init(&s->wake, on_wake);
    s->wake.data = s;
    return s;
}

void nb_sink_free(struct nb_sink *s)
{
    if (!s)
        return;
    ev_timer_stop(s->loop, &s->wake);
    while (s->head) {
        struct job *j = s->head;
        if (j->req)
            nb_http_cancel(s->http, j->req);
        unlink_job(s, j);
        free_job(j);
    }
    free(s->set);
    free(s);
}

void nb_sink_push(struct nb_sink *s, struct nb_sink_event *ev, void *owner, nb_ns accept_real)
{
    struct job *j = nb_calloc(1, sizeof(*j));
    j->s = s;
    j->owner = owner;
    j->index = ev->index;
    j->body = ev->body;
    j->len = ev->len;
    j->keys = ev->keys;
    j->nkeys = ev->nkeys;
    j->accept_real = accept_real;
    snprintf(j->label, sizeof(j->label), "%s", ev->label);
    ev->body = NULL;
    ev->keys = NULL;
    ev->nkeys = 0;
    j->prev = s->tail;
    if (s->tail)
        s->tail->next = j;
    else
        s->head = j;
    s->tail = j;
    s->nkeys += j->nkeys;
    s->st.queued++;
    if (!j->body) {
        nb_warn("sink %s: %s cannot be sent: %s", s->cfg.name, j->label, ev->error);
        finish(s, j, NB_SINK_FAILED);
        return;
    }
    pump(s);
}

const struct nb_sink_stats *nb_sink_stats(const struct nb_sink *s)
{
    return &s->st;
}

const struct nb_sink_cfg *nb_sink_cfg(const struct nb_sink *s)
{
    return &s->cfg;
}
