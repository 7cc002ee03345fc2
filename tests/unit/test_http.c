/* test_http.c — outgoing HTTP on libev (http.c) against the real control
 * API server (api.c, libmicrohttpd) on the same loop: answers with status
 * and body, POST bodies and headers arrive, many requests run at once, a
 * silent server hits the deadline, a closed port fails, an oversized answer
 * fails, a cancelled request never calls back, and freeing the client with
 * requests in flight is clean (ASan/LSan). No sleeps: the loop runs until
 * the callbacks have been counted, bounded by a guard timer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/api.h"
#include "net/http.h"
#include "netblame/log.h"

struct fix {
    struct ev_loop *loop;
    struct nb_api *api;
    struct nb_http *http;
    int silent;          /* listening, never accepting */
    uint16_t silent_port;
    uint16_t closed_port;
    ev_timer guard;
};

struct got {
    unsigned n, want;
    long status[32];
    char body[32][128];
    const char *error[32];
    struct fix *f;
};

static void h_hello(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    nb_buf_printf(&resp->body, "hi");
}

static void h_echo(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    resp->status = 201;
    nb_buf_printf(&resp->body, "%s", req->body);
}

static void h_big(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    for (int i = 0; i < 1000; i++)
        nb_buf_printf(&resp->body, "0123456789");
}

static const struct nb_api_sec no_sec; /* plain HTTP, no token */

static const struct nb_api_route routes[] = {
    {"GET", "/hello", h_hello, NB_API_TOKEN}, {"POST", "/echo", h_echo, NB_API_TOKEN}, {"GET", "/big", h_big, NB_API_TOKEN}};

static uint16_t bound(int fd)
{
    struct sockaddr_in a;
    socklen_t l = sizeof(a);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
    return ntohs(a.sin_port);
}

static int tcp_listener(int backlog)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    if (backlog >= 0)
        assert_int_equal(listen(fd, backlog), 0);
    return fd;
}

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents)
{
    fail_msg("hang guard: the loop ran 20 s without the callbacks expected");
}

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    char err[256];
    f->loop = ev_loop_new(EVFLAG_AUTO);
    f->api = nb_api_start(f->loop, "127.0.0.1", 0, &no_sec, routes, 3, NULL, err, sizeof(err));
    assert_non_null(f->api);
    f->http = nb_http_new(f->loop, err, sizeof(err));
    assert_non_null(f->http);
    f->silent = tcp_listener(16);
    f->silent_port = bound(f->silent);
    int closed = tcp_listener(-1); /* bound, not listening: connections refused */
    f->closed_port = bound(closed);
    close(closed);
    ev_timer_init(&f->guard, on_guard, 20., 0.);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    nb_http_free(f->http);
    nb_api_stop(f->api);
    close(f->silent);
    ev_loop_destroy(f->loop);
    free(f);
    return 0;
}

static void collect(void *arg, const struct nb_http_result *r)
{
    struct got *g = arg;
    assert_true(g->n < 32);
    g->status[g->n] = r->status;
    snprintf(g->body[g->n], sizeof(g->body[0]), "%s", r->body);
    g->error[g->n] = r->error ? "error" : NULL;
    if (++g->n == g->want)
        ev_break(g->f->loop, EVBREAK_ALL);
}

static void run(struct fix *f)
{
    ev_timer_start(f->loop, &f->guard);
    ev_run(f->loop, 0);
    ev_timer_stop(f->loop, &f->guard);
}

static void start(struct fix *f, const char *path, uint16_t port, const struct nb_http_opts *o,
                  struct got *g)
{
    char url[128], err[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
    assert_non_null(nb_http_start(f->http, url, o, collect, g, err, sizeof(err)));
}

static void test_get_and_post(void **state)
{
    struct fix *f = *state;
    struct got g = {.want = 2, .f = f};
    struct nb_http_opts get = {.timeout_ms = 5000};
    static const char *const hdr[] = {"Content-Type: application/json", NULL};
    struct nb_http_opts post = {.method = "POST", .headers = hdr, .body = "{\"a\":1}",
                                .body_len = 7, .timeout_ms = 5000};
    start(f, "/hello", nb_api_port(f->api), &get, &g);
    start(f, "/echo", nb_api_port(f->api), &post, &g);
    run(f);
    for (unsigned i = 0; i < 2; i++) {
        assert_null(g.error[i]);
        if (g.status[i] == 200)
            assert_string_equal(g.body[i], "hi");
        else {
            assert_int_equal(g.status[i], 201);
            assert_string_equal(g.body[i], "{\"a\":1}");
        }
    }
    struct got nf = {.want = 1, .f = f};
    start(f, "/nope", nb_api_port(f->api), &get, &nf);
    run(f);
    assert_null(nf.error[0]); /* an HTTP answer: the status says the rest */
    assert_int_equal(nf.status[0], 404);
}

static void test_many_at_once(void **state)
{
    struct fix *f = *state;
    struct got g = {.want = 30, .f = f};
    struct nb_http_opts get = {.timeout_ms = 5000};
    /* 30 at once from one address is over the server's per-address limit
     * (api.c): a client for agents queues them under its own cap (http.h) */
    nb_http_set_agent(f->http, &no_sec);
    for (int i = 0; i < 30; i++)
        start(f, "/hello", nb_api_port(f->api), &get, &g);
    assert_int_equal(nb_http_stats(f->http)->in_flight, 30);
    run(f);
    for (int i = 0; i < 30; i++)
        assert_int_equal(g.status[i], 200);
    assert_int_equal(nb_http_stats(f->http)->in_flight, 0);
}

static void test_failures_are_reported(void **state)
{
    struct fix *f = *state;
    struct got g = {.want = 3, .f = f};
    struct nb_http_opts quick = {.timeout_ms = 300};
    struct nb_http_opts small = {.timeout_ms = 5000, .max_body = 1000};
    start(f, "/x", f->silent_port, &quick, &g);  /* accepted by the kernel, never answered */
    start(f, "/x", f->closed_port, &quick, &g);  /* refused */
    start(f, "/big", nb_api_port(f->api), &small, &g); /* 10 kB for a 1 kB limit */
    run(f);
    for (int i = 0; i < 3; i++) {
        assert_non_null(g.error[i]);
        assert_int_equal(g.status[i] == 200 || g.status[i] == 0, 1);
    }
    assert_true(nb_http_stats(f->http)->failed >= 3);
}

static void never(void *arg, const struct nb_http_result *r)
{
    fail_msg("a cancelled request called back");
}

static void test_cancel_and_free_in_flight(void **state)
{
    struct fix *f = *state;
    char url[128], err[256];
    struct nb_http_opts o = {.timeout_ms = 10000};
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", f->silent_port);
    struct nb_http_req *r = nb_http_start(f->http, url, &o, never, NULL, err, sizeof(err));
    assert_non_null(r);
    ev_run(f->loop, EVRUN_NOWAIT); /* let it connect */
    nb_http_cancel(f->http, r);
    /* still usable afterwards */
    struct got g = {.want = 1, .f = f};
    struct nb_http_opts get = {.timeout_ms = 5000};
    start(f, "/hello", nb_api_port(f->api), &get, &g);
    run(f);
    assert_int_equal(g.status[0], 200);
    /* in flight when the client is freed (teardown): no callback, no leak */
    assert_non_null(nb_http_start(f->http, url, &o, never, NULL, err, sizeof(err)));
    ev_run(f->loop, EVRUN_NOWAIT);
}

int main(void)
{
    nb_log_set_level(NB_LOG_ERR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_and_post, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failures_are_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_and_free_in_flight, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
