/* test_diagjob.c — a child run from the daemon's loop (diagjob.c): its
 * stdout and exit status come back once it has exited; a child past its
 * deadline is killed with everything it started (its process group), so a
 * hanging diagnosis cannot hold an alert; an output over the bound is cut;
 * a program that cannot run is an error at the start. Real processes
 * (/bin/sh), no sleeps as synchronisation: the loop runs until the callback. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/diagjob.h"
#include "netblame/log.h"

struct got {
    int calls;
    int exit_status;
    bool deadline;
    char out[256];
    size_t out_len;
    char err[256];
};

static void on_result(void *arg, const struct nb_diagjob_result *r)
{
    struct got *g = arg;
    g->calls++;
    g->exit_status = r->exit_status;
    g->deadline = r->deadline;
    g->out_len = r->out_len;
    snprintf(g->out, sizeof(g->out), "%s", r->out);
    snprintf(g->err, sizeof(g->err), "%s", r->err);
}

static void run(const char *script, unsigned deadline_ms, struct got *g)
{
    struct ev_loop *loop = ev_default_loop(0);
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    char err[256];
    memset(g, 0, sizeof(*g));
    struct nb_diagjob *j = nb_diagjob_start(loop, argv, deadline_ms, on_result, g, err, sizeof(err));
    assert_non_null(j);
    assert_int_equal(g->calls, 0); /* never from inside the start */
    while (!g->calls)
        ev_run(loop, EVRUN_ONCE);
    assert_int_equal(g->calls, 1);
}

static void test_output_and_status(void **state)
{
    struct got g;
    run("printf '{\"verdict\":\"healthy\"}'; echo 'why it ended' >&2; exit 3", 60000, &g);
    assert_int_equal(g.exit_status, 3);
    assert_false(g.deadline);
    assert_string_equal(g.out, "{\"verdict\":\"healthy\"}");
    assert_string_equal(g.err, "why it ended");
}

static void test_deadline_kills_the_group(void **state)
{
    struct got g;
    /* a grandchild holds the output pipe open: only killing the group ends it */
    run("sleep 600 & printf partial; sleep 600", 100, &g);
    assert_true(g.deadline);
    assert_int_equal(g.exit_status, -1);
}

static void test_output_over_the_bound(void **state)
{
    struct got g;
    run("head -c 3000000 /dev/zero; sleep 600", 60000, &g);
    assert_false(g.deadline);
    assert_int_equal(g.exit_status, -1);
    assert_true(g.out_len <= NB_DIAGJOB_OUT_MAX);
    assert_non_null(strstr(g.err, "over the bound"));
}

static void test_cannot_run(void **state)
{
    const char *argv[] = {"/nonexistent/netblame", "diagnose", NULL};
    char err[256] = "";
    struct got g = {0};
    assert_null(nb_diagjob_start(ev_default_loop(0), argv, 1000, on_result, &g, err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent/netblame"));
}

static void test_cancel(void **state)
{
    struct ev_loop *loop = ev_default_loop(0);
    const char *argv[] = {"/bin/sh", "-c", "sleep 600", NULL};
    char err[256];
    struct got g = {0};
    struct nb_diagjob *j = nb_diagjob_start(loop, argv, 60000, on_result, &g, err, sizeof(err));
    assert_non_null(j);
    nb_diagjob_cancel(j);
    ev_run(loop, EVRUN_NOWAIT);
    assert_int_equal(g.calls, 0);
}

int main(void)
{
    nb_log_set_level(NB_LOG_ERR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_and_status),
        cmocka_unit_test(test_deadline_kills_the_group),
        cmocka_unit_test(test_output_over_the_bound),
        cmocka_unit_test(test_cannot_run),
        cmocka_unit_test(test_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
