/* outbox.c — the spool and the sinks tied together (see outbox.h).
 *
 * One entry per spooled notification counts its events not yet finished,
 * over every sink. Each finished event is marked in the spool before
 * anything else happens (so a restart skips it); the last one finishes the
 * entry: removed, or moved to dead/ if any of its events failed for good.
 * While an entry's events are being pushed it is held open ("building"),
 * since a sink may fail an event before the push returns. */
#include "alert/outbox.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"
#include "net/metrics.h"
#include "netblame/log.h"
#include "netblame/mem.h"

static const double delivery_buckets[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,    2.5, 5,
                                          10,   30,    60,   120, 300,  600, 1800, 3600};
#define NDELIVERY_BUCKETS (sizeof(delivery_buckets) / sizeof(delivery_buckets[0]))

struct entry {
    struct entry *prev, *next;
    uint64_t seq;
    nb_ns accept_real;
    nb_ns accept_mono; /* 0: accepted by an earlier run */
    unsigned pending;
    bool failed;
    bool building;
};

struct slot {
    struct nb_outbox *ob;
    struct nb_sink *sink;
    uint64_t id; /* in the spool's progress files */
    struct nb_histo latency;
};

struct nb_outbox {
    struct ev_loop *loop;
    struct nb_alerts_cfg cfg;
    struct nb_spool *spool;
    struct nb_http *http;
    struct slot slots[NB_SINKS_MAX];
    size_t nslots;
    struct entry *entries;
    struct nb_outbox_stats st;
};

unsigned nb_outbox_http_status(enum nb_outbox_rc rc)
{
    switch (rc) {
    case NB_OUTBOX_OK:
        return 200;
    case NB_OUTBOX_INVALID:
        return 400;
    case NB_OUTBOX_FULL:
    case NB_OUTBOX_IO:
        break;
    }
    return 503;
}

static void entry_finish(struct nb_outbox *ob, struct entry *e)
{
    char err[256];
    if (nb_spool_finish(ob->spool, e->seq, e->failed, err, sizeof(err)) != 0)
        nb_warn("alerts: %s", err);
    if (e->failed)
        nb_warn("alerts: notification %016" PRIx64 " moved to the spool's dead/: a sink refused "
                "it (its .p file says which)",
                e->seq);
    if (e->prev)
        e->prev->next = e->next;
    else
        ob->entries = e->next;
    if (e->next)
        e->next->prev = e->prev;
    ob->st.pending--;
    free(e);
}

static void on_done(void *arg, void *owner, unsigned index, enum nb_sink_outcome o)
{
    struct slot *sl = arg;
    struct nb_outbox *ob = sl->ob;
    struct entry *e = owner;
    char err[256];
    if (nb_spool_mark(ob->spool, e->seq, sl->id, index, o == NB_SINK_DELIVERED, err, sizeof(err)) !=
        0)
        nb_warn("alerts: %s (sent again after a restart)", err);
    if (o == NB_SINK_DELIVERED) {
        nb_ns d =
            e->accept_mono ? nb_mono_now() - e->accept_mono : nb_realtime_now() - e->accept_real;
        nb_histo_observe(&sl->latency, d > 0 ? (double)d / NB_NS_PER_SEC : 0);
    } else {
        e->failed = true;
    }
    if (--e->pending == 0 && !e->building)
        entry_finish(ob, e);
}

static struct entry *entry_new(struct nb_outbox *ob, uint64_t seq, nb_ns real, nb_ns mono)
{
    struct entry *e = nb_calloc(1, sizeof(*e));
    e->seq = seq;
    e->accept_real = real;
    e->accept_mono = mono;
    e->building = true;
    e->next = ob->entries;
    if (ob->entries)
        ob->entries->prev = e;
    ob->entries = e;
    ob->st.pending++;
    return e;
}

struct mark {
    uint64_t sink;
    unsigned index;
    bool delivered;
};

struct marks {
    struct mark *m;
    size_t n;
};

static int cmp_mark(const void *a, const void *b)
{
    const struct mark *x = a, *y = b;
    if (x->sink != y->sink)
        return x->sink < y->sink ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void collect_mark(void *arg, uint64_t sink, unsigned index, bool delivered)
{
    struct marks *ms = arg;
    ms->m = nb_reallocarray(ms->m, ms->n + 1, sizeof(*ms->m));
    ms->m[ms->n++] = (struct mark){.sink = sink, .index = index, .delivered = delivered};
}

static bool marked(const struct marks *ms, uint64_t sink, unsigned index)
{
    struct mark key = {.sink = sink, .index = index};
    return ms->n && bsearch(&key, ms->m, ms->n, sizeof(*ms->m), cmp_mark);
}

/* Did an earlier run fail an event for good for a sink still configured? */
static bool failed_before(const struct nb_outbox *ob, const struct marks *ms)
{
    for (size_t k = 0; k < ms->n; k++)
        for (size_t i = 0; i < ob->nslots && !ms->m[k].delivered; i++)
            if (ob->slots[i].id == ms->m[k].sink)
                return true;
    return false;
}

/* Queue E's events (NOTIF, whose text is TEXT/LEN) to every sink, those in
 * MS (already finished in an earlier run) left out; then let E finish if
 * nothing is left. A replayed event that failed for good keeps E a dead
 * letter. */
static void dispatch(struct nb_outbox *ob, struct entry *e, const cJSON *notif, const char *text,
                     size_t len, const struct marks *ms, bool failed)
{
    e->failed = failed;
    for (size_t i = 0; i < ob->nslots; i++) {
        struct slot *sl = &ob->slots[i];
        struct nb_sink_events evs;
        nb_sink_events_build(nb_sink_cfg(sl->sink), &ob->cfg, notif, text, len, &evs);
        for (size_t k = 0; k < evs.n; k++) {
            if (ms && marked(ms, sl->id, evs.ev[k].index))
                continue;
            e->pending++;
            nb_sink_push(sl->sink, &evs.ev[k], e, e->accept_real);
        }
        nb_sink_events_free(&evs);
    }
    e->building = false;
    if (e->pending == 0)
        entry_finish(ob, e);
}

static cJSON *parse_notification(const char *json, size_t len, char *err, size_t errlen)
{
    cJSON *n = cJSON_ParseWithLength(json, len);
    if (!n || !cJSON_IsObject(n) || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(n, "alerts"))) {
        snprintf(err, errlen, "%s", n ? "not a notification: no \"alerts\" array" : "not JSON");
        cJSON_Delete(n);
        return NULL;
    }
    return n;
}

static void replay_one(struct nb_outbox *ob, const struct nb_spool_entry *se, struct nb_buf *text)
{
    char err[256];
    if (nb_spool_read(ob->spool, se->seq, text, err, sizeof(err)) != 0) {
        nb_warn("alerts: %s", err); /* moved to corrupt/ and counted */
        return;
    }
    struct entry *e = entry_new(ob, se->seq, se->accept_real, 0);
    cJSON *notif = parse_notification(text->data, text->len, err, sizeof(err));
    if (!notif) {
        /* checksummed, so written like this: a dead letter, not corruption */
        nb_warn("alerts: spooled notification %016" PRIx64 ": %s", se->seq, err);
        e->failed = true;
        e->building = false;
        entry_finish(ob, e);
        return;
    }
    struct marks ms = {0};
    nb_spool_marks(ob->spool, se->seq, collect_mark, &ms);
    if (ms.n)
        qsort(ms.m, ms.n, sizeof(*ms.m), cmp_mark);
    dispatch(ob, e, notif, text->data, text->len, &ms, failed_before(ob, &ms));
    free(ms.m);
    cJSON_Delete(notif);
}

static void replay(struct nb_outbox *ob)
{
    size_t n;
    const struct nb_spool_entry *ents = nb_spool_entries(ob->spool, &n);
    /* finishing an entry changes the spool's list: walk a copy */
    struct nb_spool_entry *copy = n ? nb_reallocarray(NULL, n, sizeof(*copy)) : NULL;
    if (n)
        memcpy(copy, ents, n * sizeof(*copy));
    struct nb_buf text;
    nb_buf_init(&text);
    for (size_t i = 0; i < n; i++)
        replay_one(ob, &copy[i], &text);
    nb_buf_free(&text);
    free(copy);
    ob->st.replayed = n;
    if (n)
        nb_info("alerts: %zu spooled notifications replayed, %zu still to deliver", n,
                ob->st.pending);
}

static int check_cfg(const struct nb_alerts_cfg *cfg, char *err, size_t errlen)
{
    if (!cfg->spool_dir[0]) {
        snprintf(err, errlen, "alerts: no spool_dir: notifications cannot be accepted");
        return -1;
    }
    /* with no sink every replayed entry would count as finished and go */
    if (cfg->nsinks == 0) {
        snprintf(err, errlen, "alerts: no sinks: nothing to forward notifications to");
        return -1;
    }
    if (cfg->nsinks > NB_SINKS_MAX) {
        snprintf(err, errlen, "alerts: more than %d sinks", NB_SINKS_MAX);
        return -1;
    }
    for (size_t i = 0; i < cfg->nsinks; i++) {
        const struct nb_sink_cfg *s = &cfg->sinks[i];
        if (!s->url[0]) {
            snprintf(err, errlen, "alerts: sink %s: no url", s->name);
            return -1;
        }
        if (s->type == NB_SINK_PAGERDUTY && !s->routing_key[0]) {
            snprintf(err, errlen, "alerts: sink %s: no routing key", s->name);
            return -1;
        }
    }
    return 0;
}

struct nb_outbox *nb_outbox_new(struct ev_loop *loop, const struct nb_alerts_cfg *cfg,
                                const struct nb_sink_tuning *t, char *err, size_t errlen)
{
    if (check_cfg(cfg, err, errlen) != 0)
        return NULL;
    struct nb_outbox *ob = nb_calloc(1, sizeof(*ob));
    ob->loop = loop;
    ob->cfg = *cfg;
    ob->spool = nb_spool_open(
        cfg->spool_dir, cfg->spool_max_bytes ? cfg->spool_max_bytes : NB_SPOOL_MAX_BYTES_DEFAULT,
        err, errlen);
    if (!ob->spool || !(ob->http = nb_http_new(loop, err, errlen))) {
        nb_outbox_free(ob);
        return NULL;
    }
    for (size_t i = 0; i < cfg->nsinks; i++) {
        const struct nb_sink_cfg *sc = &ob->cfg.sinks[i];
        struct slot *sl = &ob->slots[ob->nslots++];
        char id[96];
        snprintf(id, sizeof(id), "%s:%s", sc->type == NB_SINK_PAGERDUTY ? "pagerduty" : "webhook",
                 sc->name);
        sl->ob = ob;
        sl->id = nb_spool_sink_id(id);
        nb_histo_init(&sl->latency, delivery_buckets, NDELIVERY_BUCKETS);
        sl->sink = nb_sink_new(loop, ob->http, sc, t, on_done, sl);
    }
    replay(ob);
    return ob;
}

void nb_outbox_free(struct nb_outbox *ob)
{
    if (!ob)
        return;
    for (size_t i = 0; i < ob->nslots; i++)
        nb_sink_free(ob->slots[i].sink);
    nb_http_free(ob->http);
    while (ob->entries) {
        struct entry *e = ob->entries;
        ob->entries = e->next;
        free(e);
    }
    nb_spool_close(ob->spool);
    free(ob);
}

enum nb_outbox_rc nb_outbox_accept(struct nb_outbox *ob, const char *json, size_t len, char *err,
                                   size_t errlen)
{
    cJSON *notif = parse_notification(json, len, err, errlen);
    if (!notif)
        return NB_OUTBOX_INVALID;
    nb_ns real = nb_realtime_now(), mono = nb_mono_now();
    uint64_t seq;
    enum nb_spool_rc rc = nb_spool_put(ob->spool, json, len, real, &seq, err, errlen);
    if (rc != NB_SPOOL_OK) {
        cJSON_Delete(notif);
        return rc == NB_SPOOL_FULL ? NB_OUTBOX_FULL : NB_OUTBOX_IO;
    }
    ob->st.accepted++;
    dispatch(ob, entry_new(ob, seq, real, mono), notif, json, len, NULL, false);
    cJSON_Delete(notif);
    return NB_OUTBOX_OK;
}

enum nb_outbox_rc nb_outbox_accept_json(struct nb_outbox *ob, const cJSON *notif, char *err,
                                        size_t errlen)
{
    char *text = cJSON_PrintUnformatted(notif);
    if (!text) {
        snprintf(err, errlen, "the notification cannot be printed");
        return NB_OUTBOX_INVALID;
    }
    enum nb_outbox_rc rc = nb_outbox_accept(ob, text, strlen(text), err, errlen);
    free(text);
    return rc;
}

enum sink_figure { DELIVERED, RETRIED, FAILED, QUEUED };

/* One family, a sample per sink. */
static void per_sink(struct nb_buf *b, const struct nb_outbox *ob, const char *name,
                     const char *type, const char *help, enum sink_figure which)
{
    nb_prom_family(b, name, type, help);
    for (size_t i = 0; i < ob->nslots; i++) {
        const char *labels[] = {"sink", nb_sink_cfg(ob->slots[i].sink)->name};
        const struct nb_sink_stats *st = nb_sink_stats(ob->slots[i].sink);
        double v = which == DELIVERED ? (double)st->delivered
                   : which == RETRIED ? (double)st->retried
                   : which == FAILED  ? (double)st->failed
                                      : (double)st->queued;
        nb_prom_sample(b, name, labels, 1, v);
    }
}

void nb_outbox_metrics(const struct nb_outbox *ob, struct nb_buf *b)
{
    const struct nb_spool_stats *sp = nb_spool_stats(ob->spool);
    nb_prom_single(b, "netblame_alert_accepted_total", "counter",
                   "Alertmanager notifications spooled (answered 2xx) since start",
                   (double)ob->st.accepted);
    per_sink(b, ob, "netblame_alert_delivered_total", "counter", "Events a sink answered 2xx",
             DELIVERED);
    per_sink(b, ob, "netblame_alert_retries_total", "counter",
             "Delivery attempts that failed and were retried (timeouts, errors, 429, 5xx)",
             RETRIED);
    per_sink(b, ob, "netblame_alert_failed_total", "counter",
             "Events failed for good (4xx other than 429, or retried past the give-up age)",
             FAILED);
    per_sink(b, ob, "netblame_alert_queued", "gauge", "Events not yet delivered or failed", QUEUED);
    nb_prom_family(b, "netblame_alert_delivery_seconds", "histogram",
                   "Time from a notification's accept to a sink's 2xx for each event");
    for (size_t i = 0; i < ob->nslots; i++) {
        const char *labels[] = {"sink", nb_sink_cfg(ob->slots[i].sink)->name};
        nb_histo_render(b, "netblame_alert_delivery_seconds", labels, 1, &ob->slots[i].latency);
    }
    nb_prom_single(b, "netblame_alert_spool_entries", "gauge",
                   "Notifications in the spool, not yet finished by every sink",
                   (double)sp->entries);
    nb_prom_single(b, "netblame_alert_spool_bytes", "gauge", "Bytes of the spooled notifications",
                   (double)sp->bytes);
    nb_prom_single(b, "netblame_alert_spool_max_bytes", "gauge",
                   "The spool's bound (spool_max_bytes)", (double)sp->max_bytes);
    nb_prom_single(b, "netblame_alert_spool_full_total", "counter",
                   "Notifications refused with 503 because the spool was full",
                   (double)sp->full_total);
    nb_prom_single(b, "netblame_alert_spool_corrupt_total", "counter",
                   "Damaged spool entries moved to corrupt/", (double)sp->corrupt_total);
    nb_prom_single(b, "netblame_alert_dead_letters_total", "counter",
                   "Notifications moved to dead/ because a sink refused an event",
                   (double)sp->dead_total);
    nb_prom_single(b, "netblame_alert_spool_errors_total", "counter",
                   "Spool writes, fsyncs, renames or removals that failed",
                   (double)sp->io_errors_total);
}

const struct nb_outbox_stats *nb_outbox_stats(const struct nb_outbox *ob)
{
    return &ob->st;
}

const struct nb_spool_stats *nb_outbox_spool_stats(const struct nb_outbox *ob)
{
    return nb_spool_stats(ob->spool);
}

const struct nb_sink_stats *nb_outbox_sink_stats(const struct nb_outbox *ob, size_t i)
{
    return i < ob->nslots ? nb_sink_stats(ob->slots[i].sink) : NULL;
}
