/* alerts.c — POST /v1/alerts (see alerts.h). */
#include "daemon/alerts.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/enrich.h"
#include "alert/outbox.h"
#include "net/metrics.h"
#include "netblame/clock.h"
#include "netblame/log.h"
#include "netblame/mem.h"
#include "wire/alert_json.h"
#include "wire/verdict_json.h"

/* Why an alert went out without a verdict: the label of
 * netblame_alerts_unenriched_total. */
enum why {
    WHY_NONE = 0,   /* enriched */
    WHY_NO_TARGET,  /* no label names a target of this agent */
    WHY_NO_VERDICT, /* none served, and no diagnosis asked (diagnose never) */
    WHY_STALE,      /* only a stale one, no diagnosis asked */
    WHY_DIAGNOSIS,  /* the diagnosis failed or could not start */
    WHY_DEADLINE,   /* the diagnosis had not answered by the deadline */
    WHY_STOPPING,   /* netblamed stopped first (the notification answered 503) */
    WHY__COUNT
};
static const char *const why_names[WHY__COUNT] = {
    "", "no_target", "no_verdict", "stale", "diagnosis_failed", "deadline", "stopping"};

struct nb_alerts {
    struct ev_loop *loop;
    const struct nb_config *cfg;
    struct nb_verdicts *const *verdicts;
    struct nb_ondemand *od;
    struct nb_outbox *ob; /* NULL: POST /v1/alerts is off (OFF says why) */
    const char *off;
    struct pending *pending; /* notifications being enriched, a list */
    uint64_t notifications, alerts, enriched, unenriched[WHY__COUNT], refused;
};

/* One diagnosis a notification waits for, of one target. */
struct wait {
    struct pending *p;
    struct nb_enrich_target t;
    bool answered;
};

/* One notification being enriched. It lives until it is answered AND every
 * diagnosis it asked for has called back (a diagnosis may answer after the
 * deadline: its callback then only lowers the count). */
struct pending {
    struct nb_alerts *a;
    struct pending *next, **pprev;
    struct nb_api_deferred *d; /* NULL once answered */
    struct nb_alert_note note;
    struct nb_enrich_target *target; /* per alert (name NULL: none) */
    char (*names)[NB_NAME_MAX];      /* per alert: target[i].name's copy, so a
                                      * reload freeing the config's cannot pull
                                      * it away from under a waiting request */
    enum why *why;                   /* per alert; WHY_DEADLINE while waiting */
    struct wait *waits;
    size_t nwaits, outstanding;
    ev_timer deadline;
};

static void count_and_free_if_done(struct pending *p)
{
    if (p->d || p->outstanding)
        return;
    nb_alert_note_free(&p->note);
    free(p->target);
    free(p->names);
    free(p->why);
    free(p->waits);
    free(p);
}

/* Answer P: its alerts still waiting get netblame_error (WHY_DEADLINE, or
 * STOP's reason), then the notification is spooled (200) — or, at a stop,
 * refused with 503 so that Alertmanager keeps it. */
static void answer(struct pending *p, bool stop)
{
    struct nb_alerts *a = p->a;
    struct nb_api_resp resp = {.status = 200, .content_type = "application/json"};
    char err[512];
    nb_buf_init(&resp.body);
    ev_timer_stop(a->loop, &p->deadline);
    *p->pprev = p->next;
    if (p->next)
        p->next->pprev = p->pprev;
    if (stop) {
        nb_api_error(&resp, 503, "netblamed is stopping: send it again");
        a->unenriched[WHY_STOPPING] += p->note.nalerts;
    } else {
        for (size_t i = 0; i < p->note.nalerts; i++) {
            if (p->why[i] == WHY_DEADLINE) {
                char why[256];
                snprintf(why, sizeof(why),
                         "no verdict within the %u ms deadline (alerts.deadline_ms): the "
                         "diagnosis of %s had not answered",
                         a->cfg->alerts.deadline_ms, p->target[i].name);
                nb_enrich_error(p->note.alerts[i], p->target[i].name, why);
            }
            if (p->why[i] == WHY_NONE)
                a->enriched++;
            else
                a->unenriched[p->why[i]]++;
        }
        enum nb_outbox_rc rc = nb_outbox_accept_json(a->ob, p->note.root, err, sizeof(err));
        if (rc != NB_OUTBOX_OK)
            nb_api_error(&resp, nb_outbox_http_status(rc), err);
        else
            nb_buf_printf(&resp.body, "{\"accepted\":%zu}\n", p->note.nalerts);
    }
    nb_api_finish(p->d, &resp);
    nb_buf_free(&resp.body);
    p->d = NULL;
    count_and_free_if_done(p);
}

static void on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
    answer(w->data, false);
}

/* A diagnosis answered: its verdict (or why none) onto every alert of its
 * target still waiting. */
static void on_diagnosis(void *arg, int exit, const char *json, const char *err)
{
    struct wait *w = arg;
    struct pending *p = w->p;
    p->outstanding--;
    w->answered = true;
    if (p->d) {
        struct nb_verdict *v = NULL;
        char why[512] = "";
        if (json) {
            /* the CLI prints one contract object */
            nb_verdict_json_parse_one(json, strlen(json), &v, why, sizeof(why));
        } else {
            snprintf(why, sizeof(why), "%s", err ? err : "no output");
        }
        for (size_t i = 0; i < p->note.nalerts; i++) {
            if (p->why[i] != WHY_DEADLINE || !p->target[i].name ||
                strcmp(p->target[i].name, w->t.name) != 0 || p->target[i].app != w->t.app)
                continue;
            if (v) {
                nb_enrich_verdict(p->note.alerts[i], w->t.name, v);
                p->why[i] = WHY_NONE;
            } else {
                char msg[700];
                snprintf(msg, sizeof(msg), "the diagnosis of %s failed: %s", w->t.name, why);
                nb_enrich_error(p->note.alerts[i], w->t.name, msg);
                p->why[i] = WHY_DIAGNOSIS;
            }
        }
        free(v);
        bool waiting = false;
        for (size_t i = 0; i < p->nwaits; i++)
            waiting |= !p->waits[i].answered;
        if (!waiting) {
            answer(p, exit == NB_ONDEMAND_STOPPED);
            return;
        }
    }
    count_and_free_if_done(p);
}

/* Ask for a diagnosis of T for P (once per target); false when none can
 * start (then WHY says so). */
static bool ask_diagnosis(struct pending *p, const struct nb_enrich_target *t, char *why,
                          size_t whylen)
{
    struct nb_alerts *a = p->a;
    for (size_t i = 0; i < p->nwaits; i++)
        if (strcmp(p->waits[i].t.name, t->name) == 0 && p->waits[i].t.app == t->app)
            return true;
    long ms = (long)a->cfg->alerts.deadline_ms - NB_ENRICH_DIAG_MARGIN_MS;
    struct wait *w = &p->waits[p->nwaits];
    w->p = p;
    w->t = *t;
    w->answered = false;
    struct nb_ondemand_req r = {.target = t->name,
                                .deadline_ms = ms < NB_ENRICH_DIAG_MIN_MS ? NB_ENRICH_DIAG_MIN_MS
                                                                          : (unsigned)ms};
    unsigned retry = 0;
    if (nb_ondemand_run(a->od, &r, on_diagnosis, w, &retry, why, whylen) < 0)
        return false;
    p->nwaits++;
    p->outstanding++;
    return true;
}

void nb_alerts_api(struct nb_alerts *a, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    char err[512];
    if (!a || !a->ob) {
        nb_api_error(resp, 404, a && a->off ? a->off : "alerts are off here (see netblamed's log)");
        return;
    }
    struct pending *p = nb_calloc(1, sizeof(*p));
    if (nb_alert_note_parse(req->body, req->body_len, &p->note, err, sizeof(err)) < 0) {
        free(p);
        a->refused++;
        nb_api_error(resp, 400, err);
        return;
    }
    const struct nb_alerts_cfg *ac = &a->cfg->alerts;
    size_t n = p->note.nalerts;
    p->a = a;
    p->target = nb_calloc(n ? n : 1, sizeof(*p->target));
    p->names = nb_calloc(n ? n : 1, sizeof(*p->names));
    p->why = nb_calloc(n ? n : 1, sizeof(*p->why));
    p->waits = nb_calloc(n ? n : 1, sizeof(*p->waits));
    a->notifications++;
    a->alerts += n;
    nb_ns now = nb_realtime_now(), fresh = (nb_ns)ac->fresh_ms * 1000000;
    for (size_t i = 0; i < n; i++) {
        struct cJSON *al = p->note.alerts[i];
        struct nb_enrich_target *t = &p->target[i];
        char why[512];
        if (nb_enrich_map(a->cfg, al, t, why, sizeof(why)) < 0) {
            t->name = NULL;
            nb_enrich_error(al, NULL, why);
            p->why[i] = WHY_NO_TARGET;
            continue;
        }
        snprintf(p->names[i], sizeof(p->names[i]), "%s", t->name);
        t->name = p->names[i];
        const struct nb_verdict *v = nb_verdicts_current(*a->verdicts, t->name, t->app);
        bool is_fresh = v && v->end >= now - fresh;
        if (is_fresh && ac->diagnose != NB_ALERT_DIAG_ALWAYS) {
            nb_enrich_verdict(al, t->name, v);
            p->why[i] = WHY_NONE;
            continue;
        }
        if (ac->diagnose != NB_ALERT_DIAG_NEVER) {
            if (ask_diagnosis(p, t, why, sizeof(why))) {
                p->why[i] = WHY_DEADLINE; /* until its diagnosis answers */
                continue;
            }
            char msg[700];
            snprintf(msg, sizeof(msg), "no diagnosis of %s: %s", t->name, why);
            nb_enrich_error(al, t->name, msg);
            p->why[i] = WHY_DIAGNOSIS;
            continue;
        }
        if (v)
            snprintf(why, sizeof(why),
                     "no fresh verdict for %s: its last window ended %.1f s ago (alerts.fresh_ms "
                     "is %u)",
                     t->name, (double)(now - v->end) / 1e9, ac->fresh_ms);
        else
            snprintf(why, sizeof(why), "no verdict for %s yet", t->name);
        nb_enrich_error(al, t->name, why);
        p->why[i] = v ? WHY_STALE : WHY_NO_VERDICT;
    }
    p->d = nb_api_defer(req);
    p->next = a->pending;
    if (p->next)
        p->next->pprev = &p->next;
    p->pprev = &a->pending;
    a->pending = p;
    ev_timer_init(&p->deadline, on_deadline, ac->deadline_ms / 1000.0, 0.);
    p->deadline.data = p;
    if (!p->outstanding) /* nothing to wait for: on now */
        ev_feed_event(a->loop, &p->deadline, EV_TIMER);
    else
        ev_timer_start(a->loop, &p->deadline);
}

struct nb_alerts *nb_alerts_new(struct ev_loop *loop, const struct nb_config *cfg,
                                struct nb_verdicts *const *verdicts, struct nb_ondemand *od,
                                char *err, size_t errlen)
{
    struct nb_alerts *a = nb_calloc(1, sizeof(*a));
    a->loop = loop;
    a->cfg = cfg;
    a->verdicts = verdicts;
    a->od = od;
    const struct nb_alerts_cfg *ac = &cfg->alerts;
    if (!ac->present) {
        a->off = "alerts are not configured here (no \"alerts\" section)";
        return a;
    }
    /* An "alerts" section with no spool or no sink serves `netblame enrich`
     * (its target labels and deadline) but cannot accept a notification:
     * accepted means spooled and owed to a sink. */
    if (!ac->spool_dir[0] || !ac->nsinks) {
        a->off = "alerts: no spool_dir or no sink configured: notifications cannot be accepted";
        nb_warn("%s (netblame enrich still uses the section)", a->off);
        return a;
    }
    if (!(a->ob = nb_outbox_new(loop, ac, NULL, err, errlen))) {
        free(a);
        return NULL;
    }
    return a;
}

void nb_alerts_free(struct nb_alerts *a)
{
    if (!a)
        return;
    while (a->pending)
        answer(a->pending, true);
    nb_outbox_free(a->ob);
    free(a);
}

void nb_alerts_metrics(const struct nb_alerts *a, struct nb_buf *b)
{
    if (!a || !a->ob)
        return;
    nb_prom_single(b, "netblame_alerts_notifications_total", "counter",
                   "Alertmanager notifications received on POST /v1/alerts (parsed).",
                   (double)a->notifications);
    nb_prom_single(b, "netblame_alerts_refused_total", "counter",
                   "POST /v1/alerts bodies refused as no notification (400).", (double)a->refused);
    nb_prom_single(b, "netblame_alerts_received_total", "counter",
                   "Alerts received in those notifications.", (double)a->alerts);
    nb_prom_single(b, "netblame_alerts_enriched_total", "counter",
                   "Alerts that went out with a verdict.", (double)a->enriched);
    nb_prom_family(b, "netblame_alerts_unenriched_total", "counter",
                   "Alerts that went out without a verdict (netblame_error), by reason.");
    for (int w = 1; w < WHY__COUNT; w++) {
        const char *l[] = {"reason", why_names[w]};
        nb_prom_sample(b, "netblame_alerts_unenriched_total", l, 1, (double)a->unenriched[w]);
    }
    nb_outbox_metrics(a->ob, b);
}
