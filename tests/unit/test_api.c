/* test_api.c — the control API server (api.c): the route table answers 404
 * for an unknown path and 405 for a known path's other methods, a body over
 * the bound gets 413, handlers see the body and the query, every error body
 * is JSON {"error": message} that survives quotes, backslashes and control
 * characters, and the status classes are counted. The server runs on
 * 127.0.0.1, port 0, and is asked by http.c's client on the same loop; no
 * sleeps: the loop runs until the answer has come, bounded by a guard. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/api.h"
#include "net/http.h"
#include "netblame/log.h"

/* A message with everything JSON must escape, and UTF-8 passed through. */
static const char nasty[] = "a \"quoted\" back\\slash, new\nline, tab\t, bell\x07, caf\xc3\xa9";

static void h_fail(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    nb_api_error(resp, 400, nasty);
}

/* Echo the query parameter "x" and the body's length. */
static void h_echo(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    const char *x = nb_api_query(req, "x");
    nb_buf_printf(&resp->body, "%s %s %zu", req->method, x ? x : "-", req->body_len);
}

/* A deferred answer: the handler returns without one; a timer on the loop
 * (standing for a diagnosis that finishes later) answers with the body. */
static struct nb_api_deferred *pending;
static ev_timer later;
static char pending_body[64];

static void on_later(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct nb_api_resp resp = {.status = 202, .content_type = "text/plain"};
    nb_buf_init(&resp.body);
    nb_buf_printf(&resp.body, "later: %s", pending_body);
    nb_api_finish(pending, &resp);
    pending = NULL;
}

static void h_slow(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct ev_loop *loop = arg;
    snprintf(pending_body, sizeof(pending_body), "%.*s", (int)req->body_len, req->body);
    pending = nb_api_defer(req);
    ev_timer_init(&later, on_later, 0.001, 0.);
    ev_timer_start(loop, &later);
}

static const struct nb_api_sec no_sec; /* plain HTTP, no token */

static const struct nb_api_route routes[] = {
    {"GET", "/fail", h_fail, NB_API_TOKEN},
    {"GET", "/echo", h_echo, NB_API_TOKEN},
    {"POST", "/echo", h_echo, NB_API_TOKEN},
    {"POST", "/slow", h_slow, NB_API_TOKEN},
};

struct fix {
    struct ev_loop *loop;
    struct nb_api *api;
    struct nb_http *http;
    ev_timer guard;
    long status;
    char body[256];
};

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents)
{
    fail_msg("hang guard: no answer in 20 s");
}

static void on_answer(void *arg, const struct nb_http_result *r)
{
    struct fix *f = arg;
    assert_null(r->error);
    f->status = r->status;
    snprintf(f->body, sizeof(f->body), "%s", r->body);
    ev_break(f->loop, EVBREAK_ALL);
}

/* METHOD PATH with BODY (LEN bytes, may be NULL) against the server; the
 * answer lands in F->status and F->body. */
static void ask(struct fix *f, const char *method, const char *path, const char *body, size_t len)
{
    char url[128], err[256];
    struct nb_http_opts o = {.method = method, .body = body, .body_len = len, .timeout_ms = 10000};
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", nb_api_port(f->api), path);
    f->status = 0;
    f->body[0] = '\0';
    assert_non_null(nb_http_start(f->http, url, &o, on_answer, f, err, sizeof(err)));
    ev_timer_start(f->loop, &f->guard);
    ev_run(f->loop, 0);
    ev_timer_stop(f->loop, &f->guard);
}

/* BODY must be exactly {"error": WANT} and a newline. */
static void assert_error_body(const char *body, const char *want)
{
    size_t n = strlen(body);
    assert_true(n > 0 && body[n - 1] == '\n');
    assert_null(memchr(body, '\n', n - 1)); /* one line */
    cJSON *o = cJSON_Parse(body);
    assert_non_null(o);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
    assert_true(cJSON_IsString(e));
    assert_string_equal(e->valuestring, want);
    cJSON_Delete(o);
}

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    char err[256];
    f->loop = ev_loop_new(EVFLAG_AUTO);
    f->api = nb_api_start(f->loop, "127.0.0.1", 0, &no_sec, routes, sizeof(routes) / sizeof(routes[0]),
                          f->loop, err, sizeof(err));
    assert_non_null(f->api);
    assert_true(nb_api_port(f->api) != 0);
    f->http = nb_http_new(f->loop, err, sizeof(err));
    assert_non_null(f->http);
    ev_timer_init(&f->guard, on_guard, 20., 0.);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    nb_http_free(f->http);
    nb_api_stop(f->api);
    ev_loop_destroy(f->loop);
    free(f);
    return 0;
}

/* nb_api_error alone, no server: the body is JSON whatever the message. */
static void test_error_body(void **state)
{
    struct nb_api_resp resp = {.status = 200, .content_type = "text/plain"};
    nb_buf_init(&resp.body);
    nb_buf_printf(&resp.body, "half an answer");
    nb_api_error(&resp, 503, nasty);
    assert_int_equal(resp.status, 503);
    assert_string_equal(resp.content_type, "application/json");
    assert_error_body(resp.body.data, nasty); /* what was there before is gone */
    nb_api_error(&resp, 404, "no such endpoint");
    assert_string_equal(resp.body.data, "{\"error\":\"no such endpoint\"}\n");
    nb_buf_free(&resp.body);
}

static void test_routes(void **state)
{
    struct fix *f = *state;

    ask(f, "GET", "/echo?x=1", NULL, 0);
    assert_int_equal(f->status, 200);
    assert_string_equal(f->body, "GET 1 0");
    ask(f, "POST", "/echo", "abc", 3);
    assert_int_equal(f->status, 200);
    assert_string_equal(f->body, "POST - 3");

    ask(f, "GET", "/nope", NULL, 0);
    assert_int_equal(f->status, 404);
    assert_error_body(f->body, "no such endpoint");
    ask(f, "POST", "/fail", "x", 1);
    assert_int_equal(f->status, 405);
    assert_error_body(f->body, "method not allowed");
    ask(f, "GET", "/fail", NULL, 0);
    assert_int_equal(f->status, 400);
    assert_error_body(f->body, nasty);

    const struct nb_api_stats *st = nb_api_stats(f->api);
    assert_int_equal(st->requests, 5);
    assert_int_equal(st->status_2xx, 2);
    assert_int_equal(st->status_4xx, 3);
    assert_int_equal(st->status_5xx, 0);
}

static void test_body_over_the_bound(void **state)
{
    struct fix *f = *state;
    size_t n = NB_API_MAX_BODY + 1;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, 'b', n);
    ask(f, "POST", "/echo", big, n);
    assert_int_equal(f->status, 413);
    assert_error_body(f->body, "request body larger than 1 MiB");
    /* exactly the bound is served */
    ask(f, "POST", "/echo", big, NB_API_MAX_BODY);
    assert_int_equal(f->status, 200);
    assert_string_equal(f->body, "POST - 1048576");
    free(big);
}

/* A deferred request is answered when its owner finishes it, and the
 * server goes on serving others meanwhile and after. */
static void test_deferred(void **state)
{
    struct fix *f = *state;
    ask(f, "POST", "/slow", "d1", 2);
    assert_int_equal(f->status, 202);
    assert_string_equal(f->body, "later: d1");
    assert_int_equal(nb_api_deferred_count(f->api), 0);
    ask(f, "GET", "/echo?x=2", NULL, 0);
    assert_int_equal(f->status, 200);
    assert_string_equal(f->body, "GET 2 0");
    ask(f, "POST", "/slow", "d2", 2);
    assert_int_equal(f->status, 202);
    assert_string_equal(f->body, "later: d2");
}

/* A request still deferred when the server stops is answered (503), not
 * left suspended: stopping must not hang or leak. */
static void h_never(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct fix *f = arg;
    nb_api_defer(req);
    ev_break(f->loop, EVBREAK_ALL);
}

static void test_stop_with_deferred(void **state)
{
    static const struct nb_api_route never[] = {{"GET", "/never", h_never, NB_API_TOKEN}};
    struct fix f = {0};
    char err[256], url[128];
    f.loop = ev_loop_new(EVFLAG_AUTO);
    f.api = nb_api_start(f.loop, "127.0.0.1", 0, &no_sec, never, 1, &f, err, sizeof(err));
    assert_non_null(f.api);
    f.http = nb_http_new(f.loop, err, sizeof(err));
    assert_non_null(f.http);
    ev_timer_init(&f.guard, on_guard, 20., 0.);
    struct nb_http_opts o = {.method = "GET", .timeout_ms = 10000};
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/never", nb_api_port(f.api));
    assert_non_null(nb_http_start(f.http, url, &o, on_answer, &f, err, sizeof(err)));
    ev_timer_start(f.loop, &f.guard);
    ev_run(f.loop, 0); /* until the handler has deferred */
    ev_timer_stop(f.loop, &f.guard);
    assert_int_equal(nb_api_deferred_count(f.api), 1);
    nb_api_stop(f.api);
    nb_http_free(f.http);
    ev_loop_destroy(f.loop);
}

int main(void)
{
    nb_log_set_level(NB_LOG_ERR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_body),
        cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_over_the_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deferred, setup, teardown),
        cmocka_unit_test(test_stop_with_deferred),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
