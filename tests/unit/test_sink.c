/* test_sink.c — delivering spooled alerts (alert/outbox.c, sink.c,
 * sink_events.c) with the real libcurl multi client on a libev loop
 * against a recording stand-in for PagerDuty (standin_receiver.h):
 * firing/resolved become trigger/resolve with the fingerprint as dedup_key;
 * 500 is retried until 202; 400 is not retried and the notification becomes
 * a dead letter; 429's Retry-After is waited, and bounded; a resolve never
 * overtakes its trigger while an unrelated alert passes a retrying one; a
 * restart resends only what was not delivered; a webhook gets the accepted
 * text; a full spool answers 503. No sleeps: the loop runs until what is
 * awaited has happened, bounded by a guard timer; every wait is scaled
 * down (time_scale) so the tests do not wait seconds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert/outbox.h"
#include "alert/sink_events.h"
#include "net/http.h"
#include "netblame/log.h"
#include "standin_receiver.h"

struct fix {
    struct ev_loop *loop;
    struct receiver rcv;
    struct nb_alerts_cfg cfg;
    struct nb_sink_tuning t;
    struct nb_outbox *ob;
    char dir[200];
    char err[256];
    ev_timer guard;
    ev_prepare until; /* before each poll: after every callback of the round */
    bool (*cond)(struct fix *f, long arg);
    long arg;
    double rand_value;
};

static double fixed_rand(void *arg)
{
    return ((struct fix *)arg)->rand_value;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents)
{
    fail_msg("hang guard: the loop ran 20 s without what was awaited");
}

static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
    struct fix *f = w->data;
    if (f->cond(f, f->arg))
        ev_break(loop, EVBREAK_ALL);
}

static void run_until(struct fix *f, bool (*cond)(struct fix *, long), long arg)
{
    f->cond = cond;
    f->arg = arg;
    if (cond(f, arg))
        return;
    ev_timer_start(f->loop, &f->guard);
    ev_prepare_start(f->loop, &f->until);
    ev_run(f->loop, 0);
    ev_prepare_stop(f->loop, &f->until);
    ev_timer_stop(f->loop, &f->guard);
    assert_true(cond(f, arg));
}

static void add_sink(struct fix *f, const char *name, enum nb_sink_type type, const char *path)
{
    struct nb_sink_cfg *s = &f->cfg.sinks[f->cfg.nsinks++];
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->type = type;
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u%s", f->rcv.port, path);
    snprintf(s->routing_key, sizeof(s->routing_key), "0123456789abcdef0123456789abcdef");
    snprintf(s->severity, sizeof(s->severity), "error");
    s->timeout_ms = 5000;
}

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    f->loop = ev_loop_new(EVFLAG_AUTO);
    f->rcv.retry_after = -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof(f->dir), "%s/nbsink.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    f->cfg.present = true;
    snprintf(f->cfg.target_labels[0], NB_ALERT_LABEL_MAX, "netblame_target");
    snprintf(f->cfg.target_labels[1], NB_ALERT_LABEL_MAX, "instance");
    f->cfg.ntarget_labels = 2;
    snprintf(f->cfg.spool_dir, sizeof(f->cfg.spool_dir), "%s/spool", f->dir);
    f->cfg.spool_max_bytes = 1 << 20;
    /* waits a hundredth of the daemon's: the first retry within 10 ms */
    f->t.time_scale = 0.01;
    f->t.rand01 = fixed_rand;
    f->t.rand_arg = f;
    f->rand_value = 0.5;
    ev_timer_init(&f->guard, on_guard, 20., 0.);
    ev_prepare_init(&f->until, on_prepare);
    f->until.data = f;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    nb_outbox_free(f->ob);
    rcv_stop(&f->rcv);
    ev_loop_destroy(f->loop);
    nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static void start(struct fix *f)
{
    assert_int_equal(rcv_start(&f->rcv), 0);
}

static void open_outbox(struct fix *f)
{
    f->ob = nb_outbox_new(f->loop, &f->cfg, &f->t, f->err, sizeof(f->err));
    if (!f->ob)
        fail_msg("nb_outbox_new: %s", f->err);
}

/* An Alertmanager v4 alert. */
static void alert(char *out, size_t n, const char *status, const char *name, const char *fp,
                  const char *extra_ann)
{
    snprintf(
        out, n,
        "{\"status\":\"%s\",\"labels\":{\"alertname\":\"%s\",\"instance\":\"10.0.0.7:9100\","
        "\"severity\":\"page\"},\"annotations\":{\"description\":\"not forwarded\"%s},"
        "\"startsAt\":\"2024-05-01T10:00:00Z\",\"endsAt\":\"%s\",\"generatorURL\":\"http://p\","
        "\"fingerprint\":\"%s\"}",
        status, name, extra_ann ? extra_ann : "",
        strcmp(status, "resolved") == 0 ? "2024-05-01T10:05:00Z" : "0001-01-01T00:00:00Z", fp);
}

static void notification(char *out, size_t n, const char *group, const char *alerts)
{
    snprintf(out, n,
             "{\"version\":\"4\",\"groupKey\":\"%s\",\"truncatedAlerts\":0,\"status\":\"firing\","
             "\"receiver\":\"netblame\",\"groupLabels\":{},\"commonLabels\":{},"
             "\"commonAnnotations\":{},\"externalURL\":\"http://am\",\"alerts\":[%s]}",
             group, alerts);
}

static void accept_ok(struct fix *f, const char *text)
{
    assert_int_equal(nb_outbox_accept(f->ob, text, strlen(text), f->err, sizeof(f->err)),
                     NB_OUTBOX_OK);
}

/* The stand-in started, one PagerDuty sink toward it, the outbox open. */
static void pd_outbox(struct fix *f)
{
    start(f);
    add_sink(f, "pd", NB_SINK_PAGERDUTY, "/v2/enqueue");
    open_outbox(f);
}

/* Accept a notification of one firing alert with fingerprint FP. */
static void accept_firing(struct fix *f, const char *fp)
{
    char a[1024], text[4096];
    alert(a, sizeof(a), "firing", "LinkDown", fp, NULL);
    notification(text, sizeof(text), "g1", a);
    accept_ok(f, text);
}

static const struct nb_sink_stats *sink(struct fix *f, size_t i)
{
    return nb_outbox_sink_stats(f->ob, i);
}

static void assert_sink(struct fix *f, uint64_t delivered, uint64_t retried, uint64_t failed)
{
    assert_int_equal(sink(f, 0)->delivered, delivered);
    assert_int_equal(sink(f, 0)->retried, retried);
    assert_int_equal(sink(f, 0)->failed, failed);
}

/* ---- conditions for run_until ---- */

static bool delivered_at_least(struct fix *f, long n)
{
    return sink(f, 0)->delivered >= (uint64_t)n;
}

static bool finished_at_least(struct fix *f, long n)
{
    return sink(f, 0)->delivered + sink(f, 0)->failed >= (uint64_t)n;
}

static bool retried_at_least(struct fix *f, long n)
{
    return sink(f, 0)->retried >= (uint64_t)n;
}

static bool spool_empty(struct fix *f, long unused)
{
    return nb_outbox_spool_stats(f->ob)->entries == 0;
}

/* The outbox's /metrics text has LINE. */
static void assert_metric(struct fix *f, const char *line)
{
    struct nb_buf m;
    nb_buf_init(&m);
    nb_outbox_metrics(f->ob, &m);
    if (!strstr(m.data, line))
        fail_msg("no \"%s\" in:\n%s", line, m.data);
    nb_buf_free(&m);
}

/* Request I's body, parsed (the caller deletes it). */
static cJSON *body_of(struct fix *f, unsigned i)
{
    pthread_mutex_lock(&f->rcv.mu);
    assert_true(i < f->rcv.n);
    cJSON *j = cJSON_Parse(f->rcv.reqs[i].body);
    pthread_mutex_unlock(&f->rcv.mu);
    assert_non_null(j);
    return j;
}

static const char *get_str(const cJSON *o, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    const cJSON *cur = o;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
        cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
    return cJSON_IsString(cur) ? cur->valuestring : NULL;
}

/* ---- the events, without a network ---- */

static void test_pagerduty_events(void **state)
{
    struct fix *f = *state;
    char a[3][1024], alerts[4096], text[8192];
    alert(a[0], sizeof(a[0]), "firing", "HighLatency", "fp-firing",
          ",\"netblame_summary\":\"virtual layer, host hA: tap vnetA drops\","
          "\"netblame_verdict\":\"virtual\"");
    alert(a[1], sizeof(a[1]), "resolved", "HighLatency", "fp-resolved", NULL);
    snprintf(a[2], sizeof(a[2]), "\"not an alert\"");
    snprintf(alerts, sizeof(alerts), "%s,%s,%s", a[0], a[1], a[2]);
    notification(text, sizeof(text), "{}:{alertname=\\\"HighLatency\\\"}", alerts);
    cJSON *notif = cJSON_Parse(text);
    assert_non_null(notif);
    struct nb_sink_cfg pd = {
        .name = "pd", .type = NB_SINK_PAGERDUTY, .routing_key = "0123456789abcdef0123456789abcdef"};
    struct nb_sink_events evs;
    nb_sink_events_build(&pd, &f->cfg, notif, text, strlen(text), &evs);
    assert_int_equal(evs.n, 3);

    cJSON *e = cJSON_Parse(evs.ev[0].body);
    assert_string_equal(get_str(e, "routing_key"), "0123456789abcdef0123456789abcdef");
    assert_string_equal(get_str(e, "event_action"), "trigger");
    assert_string_equal(get_str(e, "dedup_key"), "fp-firing");
    assert_string_equal(get_str(e, "payload.summary"), "virtual layer, host hA: tap vnetA drops");
    assert_string_equal(get_str(e, "payload.source"), "10.0.0.7:9100");
    assert_string_equal(get_str(e, "payload.severity"), "critical"); /* the sink said none */
    assert_string_equal(get_str(e, "payload.timestamp"), "2024-05-01T10:00:00Z");
    assert_string_equal(get_str(e, "payload.custom_details.labels.alertname"), "HighLatency");
    assert_string_equal(get_str(e, "payload.custom_details.netblame_verdict"), "virtual");
    assert_null(get_str(e, "payload.custom_details.description")); /* only netblame_* */
    cJSON_Delete(e);

    e = cJSON_Parse(evs.ev[1].body);
    assert_string_equal(get_str(e, "event_action"), "resolve");
    assert_string_equal(get_str(e, "dedup_key"), "fp-resolved");
    assert_string_equal(get_str(e, "payload.summary"), "HighLatency (resolved)");
    assert_string_equal(get_str(e, "payload.timestamp"), "2024-05-01T10:05:00Z");
    cJSON_Delete(e);
    assert_int_equal(evs.ev[1].index, 1);
    assert_int_equal(evs.ev[0].nkeys, 1);
    assert_true(evs.ev[0].keys[0] != evs.ev[1].keys[0]);

    assert_null(evs.ev[2].body); /* counted failed by the sink, never sent */
    assert_non_null(strstr(evs.ev[2].error, "not an object"));
    nb_sink_events_free(&evs);

    /* the webhook: the text as accepted, ordered by group and fingerprints */
    struct nb_sink_cfg hook = {.name = "hook", .type = NB_SINK_WEBHOOK};
    nb_sink_events_build(&hook, &f->cfg, notif, text, strlen(text), &evs);
    assert_int_equal(evs.n, 1);
    assert_string_equal(evs.ev[0].body, text);
    assert_int_equal(evs.ev[0].nkeys, 4);
    nb_sink_events_free(&evs);
    cJSON_Delete(notif);
}

static void test_dedup_key_and_limits(void **state)
{
    char key1[256], key2[256];
    cJSON *x = cJSON_Parse("{\"labels\":{\"b\":\"2\",\"a\":\"1\"}}");
    cJSON *y = cJSON_Parse("{\"labels\":{\"a\":\"1\",\"b\":\"2\"},\"fingerprint\":\"\"}");
    nb_alert_dedup_key(x, key1, sizeof(key1));
    nb_alert_dedup_key(y, key2, sizeof(key2));
    assert_string_equal(key1, key2); /* the labels' order does not matter */
    assert_int_equal(strncmp(key1, "netblame-", 9), 0);
    cJSON_Delete(x);
    cJSON_Delete(y);

    /* a summary cut to 1024 characters, not inside a UTF-8 sequence */
    struct nb_buf b;
    nb_buf_init(&b);
    nb_buf_printf(&b, "{\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"f\","
                      "\"labels\":{},\"annotations\":{\"netblame_summary\":\"x");
    for (int i = 0; i < 700; i++)
        nb_buf_printf(&b, "\xc3\xa9"); /* é: two bytes */
    nb_buf_printf(&b, "\"}}]}");
    cJSON *n = cJSON_Parse(b.data);
    assert_non_null(n);
    struct nb_sink_cfg pd = {.name = "pd", .type = NB_SINK_PAGERDUTY, .routing_key = "k"};
    struct nb_sink_events evs;
    nb_sink_events_build(&pd, NULL, n, b.data, b.len, &evs);
    cJSON *e = cJSON_Parse(evs.ev[0].body);
    const char *s = get_str(e, "payload.summary");
    assert_true(strlen(s) <= NB_PD_SUMMARY_MAX);
    assert_int_equal(strlen(s) % 2, 1); /* "x" and whole "é"s */
    assert_string_equal(get_str(e, "payload.source"), "unknown");
    cJSON_Delete(e);
    nb_sink_events_free(&evs);
    cJSON_Delete(n);

    /* over PagerDuty's 512 KB: the labels and annotations are left out, said so */
    b.len = 0;
    nb_buf_printf(&b, "{\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"big\","
                      "\"labels\":{\"alertname\":\"Big\",\"blob\":\"");
    for (int i = 0; i < 600; i++)
        nb_buf_printf(&b, "%01000d", i);
    nb_buf_printf(&b, "\"}}]}");
    n = cJSON_Parse(b.data);
    assert_non_null(n);
    nb_sink_events_build(&pd, NULL, n, b.data, b.len, &evs);
    assert_true(evs.ev[0].len <= NB_PD_EVENT_MAX);
    e = cJSON_Parse(evs.ev[0].body);
    assert_non_null(get_str(e, "payload.custom_details.netblame_note"));
    assert_string_equal(get_str(e, "payload.summary"), "Big (firing)");
    cJSON_Delete(e);
    nb_sink_events_free(&evs);
    cJSON_Delete(n);
    nb_buf_free(&b);
}

/* ---- delivery against the stand-in ---- */

static void test_trigger_and_resolve_delivered(void **state)
{
    struct fix *f = *state;
    pd_outbox(f);
    char a[2][1024], alerts[2048], text[4096];
    alert(a[0], sizeof(a[0]), "firing", "LinkDown", "aaaa1111", NULL);
    alert(a[1], sizeof(a[1]), "resolved", "LinkDown", "bbbb2222", NULL);
    snprintf(alerts, sizeof(alerts), "%s,%s", a[0], a[1]);
    notification(text, sizeof(text), "g1", alerts);
    accept_ok(f, text);
    assert_int_equal(nb_outbox_spool_stats(f->ob)->entries, 1);
    run_until(f, spool_empty, 0);
    assert_sink(f, 2, 0, 0);
    assert_int_equal(rcv_count(&f->rcv), 2);
    for (unsigned i = 0; i < 2; i++) {
        cJSON *e = body_of(f, i);
        const char *action = get_str(e, "event_action"), *key = get_str(e, "dedup_key");
        assert_string_equal(key, strcmp(action, "trigger") == 0 ? "aaaa1111" : "bbbb2222");
        assert_string_equal(get_str(e, "payload.severity"), "error");
        assert_string_equal(f->rcv.reqs[i].path, "/v2/enqueue");
        assert_string_equal(f->rcv.reqs[i].content_type, "application/json");
        cJSON_Delete(e);
    }
    assert_metric(f, "netblame_alert_delivered_total{sink=\"pd\"} 2\n");
    assert_metric(f, "netblame_alert_delivery_seconds_count{sink=\"pd\"} 2\n");
    assert_metric(f, "netblame_alert_spool_entries 0\n");
    assert_metric(f, "netblame_alert_accepted_total 1\n");
}

static void test_500_retried_until_accepted(void **state)
{
    struct fix *f = *state;
    f->rcv.script[0] = 500;
    f->rcv.script[1] = 503;
    f->rcv.nscript = 2;
    pd_outbox(f);
    accept_firing(f, "cccc3333");
    run_until(f, spool_empty, 0);
    assert_sink(f, 1, 2, 0);
    assert_int_equal(rcv_count(&f->rcv), 3);
    assert_string_equal(f->rcv.reqs[0].body, f->rcv.reqs[2].body); /* the same event again */
    assert_int_equal(nb_outbox_spool_stats(f->ob)->dead_total, 0);
}

static void test_400_not_retried(void **state)
{
    struct fix *f = *state;
    f->rcv.dflt = 400;
    pd_outbox(f);
    accept_firing(f, "dddd4444");
    run_until(f, spool_empty, 0);
    assert_sink(f, 0, 0, 1);
    assert_int_equal(rcv_count(&f->rcv), 1);
    assert_int_equal(nb_outbox_spool_stats(f->ob)->dead_total, 1);
    char p[512];
    snprintf(p, sizeof(p), "%s/spool/dead/e-0000000000000001", f->dir);
    assert_int_equal(access(p, F_OK), 0); /* kept for a person to look at */
    assert_metric(f, "netblame_alert_failed_total{sink=\"pd\"} 1\n");
    assert_metric(f, "netblame_alert_dead_letters_total 1\n");
}

static double gap(struct fix *f, unsigned i)
{
    return f->rcv.reqs[i + 1].t - f->rcv.reqs[i].t;
}

static void test_429_waits_retry_after(void **state)
{
    struct fix *f = *state;
    f->rand_value = 0; /* the jitter alone would retry at once */
    f->t.retry_after_max_ms = 6000;
    f->rcv.script[0] = 429;
    f->rcv.script[1] = 429;
    f->rcv.nscript = 2;
    f->rcv.retry_after = 2; /* 2 s, scaled: 20 ms */
    pd_outbox(f);
    accept_firing(f, "eeee5555");
    run_until(f, retried_at_least, 1);
    pthread_mutex_lock(&f->rcv.mu);
    f->rcv.retry_after = 3600; /* an hour: cut to retry_after_max_ms (6 s, scaled 60 ms) */
    pthread_mutex_unlock(&f->rcv.mu);
    run_until(f, delivered_at_least, 1);
    assert_int_equal(rcv_count(&f->rcv), 3);
    assert_int_equal(sink(f, 0)->retried, 2);
    /* the waits are timed from the loop's cached time, which may be a
     * little older than the answer: a few ms of slack */
    assert_true(gap(f, 0) >= 0.015);
    assert_true(gap(f, 1) >= 0.050);
    assert_true(gap(f, 1) < 10.0); /* not the hour, nor 36 s scaled */
}

/* Alert A's trigger fails until B's trigger has been answered, so B passes
 * A; A's resolve, accepted behind A's trigger, must wait for it. */
static unsigned order_decide(struct receiver *r, const char *body)
{
    unsigned *b_done = r->arg;
    bool a = strstr(body, "\"dedup_key\":\"A\"") != NULL;
    bool trigger = strstr(body, "\"trigger\"") != NULL;
    if (!a) {
        *b_done = 1;
        return 202;
    }
    return trigger && !*b_done ? 500 : 202;
}

static void test_order_per_dedup_key(void **state)
{
    struct fix *f = *state;
    unsigned b_done = 0;
    f->rcv.decide = order_decide;
    f->rcv.arg = &b_done;
    f->t.max_in_flight = 1; /* one at a time: B can only pass A if A waits */
    pd_outbox(f);
    char a[2][1024], alerts[2048], text[4096];
    alert(a[0], sizeof(a[0]), "firing", "LinkDown", "A", NULL);
    notification(text, sizeof(text), "g1", a[0]);
    accept_ok(f, text);
    alert(a[0], sizeof(a[0]), "resolved", "LinkDown", "A", NULL);
    alert(a[1], sizeof(a[1]), "firing", "Slow", "B", NULL);
    snprintf(alerts, sizeof(alerts), "%s,%s", a[0], a[1]);
    notification(text, sizeof(text), "g1", alerts);
    accept_ok(f, text);
    run_until(f, spool_empty, 0);
    assert_int_equal(sink(f, 0)->delivered, 3);
    assert_true(sink(f, 0)->retried >= 1);
    unsigned n = rcv_count(&f->rcv), b_at = n, a_ok = n, resolve_at = n;
    for (unsigned i = 0; i < n; i++) {
        cJSON *e = body_of(f, i);
        bool is_a = strcmp(get_str(e, "dedup_key"), "A") == 0;
        bool trig = strcmp(get_str(e, "event_action"), "trigger") == 0;
        if (!is_a)
            b_at = i;
        else if (trig && f->rcv.reqs[i].status == 202)
            a_ok = i;
        else if (!trig)
            resolve_at = i;
        cJSON_Delete(e);
    }
    assert_true(b_at < a_ok);       /* the unrelated alert passed the retrying one */
    assert_true(a_ok < resolve_at); /* the resolve waited for its trigger */
    assert_int_equal(resolve_at, n - 1);
}

/* A webhook: the accepted text as is; two notifications of one group, the
 * first answered 500 once: the second waits for it. */
static void test_webhook_gets_the_payload_in_order(void **state)
{
    struct fix *f = *state;
    f->rcv.script[0] = 500;
    f->rcv.nscript = 1;
    start(f);
    add_sink(f, "hook", NB_SINK_WEBHOOK, "/hook");
    open_outbox(f);
    char a[1024], t1[4096], t2[4096];
    alert(a, sizeof(a), "firing", "LinkDown", "ffff6666", ",\"netblame_verdict\":\"physical\"");
    notification(t1, sizeof(t1), "g-web", a);
    alert(a, sizeof(a), "resolved", "LinkDown", "ffff6666", ",\"netblame_verdict\":\"healthy\"");
    notification(t2, sizeof(t2), "g-web", a);
    accept_ok(f, t1);
    accept_ok(f, t2);
    run_until(f, spool_empty, 0);
    assert_int_equal(rcv_count(&f->rcv), 3);
    assert_string_equal(f->rcv.reqs[0].body, t1);
    assert_int_equal(f->rcv.reqs[0].status, 500);
    assert_string_equal(f->rcv.reqs[1].body, t1);
    assert_string_equal(f->rcv.reqs[2].body, t2);
    assert_string_equal(f->rcv.reqs[2].content_type, "application/json");
}

/* X is delivered, Y keeps failing; the daemon stops; the next one sends Y
 * only, from the spool. */
static unsigned y_fails(struct receiver *r, const char *body)
{
    return strstr(body, "\"dedup_key\":\"Y\"") && !*(unsigned *)r->arg ? 500 : 202;
}

static void test_restart_sends_only_what_is_left(void **state)
{
    struct fix *f = *state;
    unsigned healed = 0;
    f->rcv.decide = y_fails;
    f->rcv.arg = &healed;
    pd_outbox(f);
    char a[2][1024], alerts[2048], text[4096];
    alert(a[0], sizeof(a[0]), "firing", "LinkDown", "X", NULL);
    alert(a[1], sizeof(a[1]), "firing", "LinkDown", "Y", NULL);
    snprintf(alerts, sizeof(alerts), "%s,%s", a[0], a[1]);
    notification(text, sizeof(text), "g1", alerts);
    accept_ok(f, text);
    run_until(f, delivered_at_least, 1);
    run_until(f, retried_at_least, 1);
    nb_outbox_free(f->ob); /* the daemon stops with Y undelivered */
    f->ob = NULL;
    pthread_mutex_lock(&f->rcv.mu);
    healed = 1;
    unsigned before = f->rcv.n;
    pthread_mutex_unlock(&f->rcv.mu);

    open_outbox(f);
    assert_int_equal(nb_outbox_stats(f->ob)->replayed, 1);
    run_until(f, spool_empty, 0);
    assert_int_equal(rcv_count(&f->rcv), before + 1);
    cJSON *e = body_of(f, before);
    assert_string_equal(get_str(e, "dedup_key"), "Y");
    cJSON_Delete(e);
    assert_int_equal(nb_outbox_spool_stats(f->ob)->dead_total, 0);
}

/* An entry accepted two days ago and still failing is given up, not
 * retried forever. */
static void test_old_entry_given_up(void **state)
{
    struct fix *f = *state;
    f->rcv.dflt = 503;
    f->t.give_up_s = 3600;
    start(f);
    add_sink(f, "pd", NB_SINK_PAGERDUTY, "/v2/enqueue");
    struct nb_spool *sp = nb_spool_open(f->cfg.spool_dir, 1 << 20, f->err, sizeof(f->err));
    assert_non_null(sp);
    char a[1024], text[4096];
    alert(a, sizeof(a), "firing", "LinkDown", "old", NULL);
    notification(text, sizeof(text), "g1", a);
    uint64_t seq;
    assert_int_equal(nb_spool_put(sp, text, strlen(text),
                                  nb_realtime_now() - 2 * 86400 * NB_NS_PER_SEC, &seq, f->err,
                                  sizeof(f->err)),
                     NB_SPOOL_OK);
    nb_spool_close(sp);
    open_outbox(f);
    run_until(f, finished_at_least, 1);
    assert_sink(f, 0, 1, 1);
    assert_int_equal(rcv_count(&f->rcv), 1);
    assert_int_equal(nb_outbox_spool_stats(f->ob)->dead_total, 1);
}

static void test_full_spool_answers_503(void **state)
{
    struct fix *f = *state;
    f->rcv.dflt = 500; /* nothing leaves the spool */
    f->cfg.spool_max_bytes = 3000;
    pd_outbox(f);
    char a[1024], text[4096];
    alert(a, sizeof(a), "firing", "LinkDown", "full", NULL);
    notification(text, sizeof(text), "g1", a);
    enum nb_outbox_rc rc = NB_OUTBOX_OK;
    int accepted = 0;
    while (accepted < 10 && (rc = nb_outbox_accept(f->ob, text, strlen(text), f->err,
                                                   sizeof(f->err))) == NB_OUTBOX_OK)
        accepted++;
    assert_int_equal(rc, NB_OUTBOX_FULL);
    assert_int_equal(nb_outbox_http_status(rc), 503);
    assert_true(accepted >= 1 && accepted < 10);
    assert_int_equal(nb_outbox_spool_stats(f->ob)->full_total, 1);
    assert_int_equal(nb_outbox_accept(f->ob, "{\"alerts\":", 10, f->err, sizeof(f->err)),
                     NB_OUTBOX_INVALID);
    assert_int_equal(nb_outbox_http_status(NB_OUTBOX_INVALID), 400);
    assert_int_equal(nb_outbox_accept(f->ob, "{}", 2, f->err, sizeof(f->err)), NB_OUTBOX_INVALID);
    assert_metric(f, "netblame_alert_spool_full_total 1\n");
}

static void test_bad_config_refused(void **state)
{
    struct fix *f = *state;
    start(f);
    add_sink(f, "pd", NB_SINK_PAGERDUTY, "/v2/enqueue");
    f->cfg.sinks[0].routing_key[0] = '\0';
    assert_null(nb_outbox_new(f->loop, &f->cfg, &f->t, f->err, sizeof(f->err)));
    assert_non_null(strstr(f->err, "routing key"));
    f->cfg.sinks[0].routing_key[0] = 'k';
    f->cfg.nsinks = 0;
    assert_null(nb_outbox_new(f->loop, &f->cfg, &f->t, f->err, sizeof(f->err)));
    assert_non_null(strstr(f->err, "no sinks"));
    f->cfg.nsinks = 1;
    f->cfg.spool_dir[0] = '\0';
    assert_null(nb_outbox_new(f->loop, &f->cfg, &f->t, f->err, sizeof(f->err)));
    assert_non_null(strstr(f->err, "spool_dir"));
}

/* ---- net/http.c: the answer's Retry-After ---- */

struct got {
    long status, retry_after;
    bool done;
};

static void on_http(void *arg, const struct nb_http_result *r)
{
    struct got *g = arg;
    g->status = r->status;
    g->retry_after = r->retry_after;
    g->done = true;
}

static bool http_done(struct fix *f, long arg)
{
    return ((struct got *)arg)->done;
}

static void test_http_reads_retry_after(void **state)
{
    struct fix *f = *state;
    f->rcv.script[0] = 429;
    f->rcv.script[1] = 500;
    f->rcv.nscript = 2;
    f->rcv.retry_after = 7;
    start(f);
    struct nb_http *h = nb_http_new(f->loop, f->err, sizeof(f->err));
    assert_non_null(h);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", f->rcv.port);
    struct nb_http_opts o = {.method = "POST", .body = "{}", .body_len = 2, .timeout_ms = 5000};
    struct got g = {0};
    assert_non_null(nb_http_start(h, url, &o, on_http, &g, f->err, sizeof(f->err)));
    run_until(f, http_done, (long)&g);
    assert_int_equal(g.status, 429);
    assert_int_equal(g.retry_after, 7);
    pthread_mutex_lock(&f->rcv.mu);
    f->rcv.retry_after = -1;
    pthread_mutex_unlock(&f->rcv.mu);
    g = (struct got){0};
    assert_non_null(nb_http_start(h, url, &o, on_http, &g, f->err, sizeof(f->err)));
    run_until(f, http_done, (long)&g);
    assert_int_equal(g.status, 500);
    assert_int_equal(g.retry_after, -1); /* absent, not 0 */
    nb_http_free(h);
}

int main(void)
{
    nb_log_set_level(NB_LOG_ERR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pagerduty_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dedup_key_and_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trigger_and_resolve_delivered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_500_retried_until_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_400_not_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_429_waits_retry_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_per_dedup_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_gets_the_payload_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_sends_only_what_is_left, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_entry_given_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_spool_answers_503, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_config_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_reads_retry_after, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
