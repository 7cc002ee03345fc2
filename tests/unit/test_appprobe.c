/* test_appprobe.c — app probe targets as a user writes them, the stable
 * reason and phase names that label metrics and output, and a backend's
 * reply judged complete and then OK or not. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "app/appprobe.h"

static void test_http_urls(void **state)
{
    struct nb_app_target t = {0};
    char err[128];
    assert_int_equal(nb_app_parse_url("http://backend.lab:8080/health?x=1", &t, err, sizeof(err)),
                     0);
    assert_false(t.raw);
    assert_string_equal(t.host, "backend.lab");
    assert_int_equal(t.port, 8080);
    assert_string_equal(t.path, "/health?x=1");
    assert_int_equal(nb_app_parse_url("http://198.18.0.12", &t, err, sizeof(err)), 0);
    assert_int_equal(t.port, 80);
    assert_string_equal(t.path, "/");
}

static void test_tcp_urls(void **state)
{
    struct nb_app_target t = {0};
    char err[128];
    assert_int_equal(nb_app_parse_url("tcp://db.lab:5432", &t, err, sizeof(err)), 0);
    assert_true(t.raw);
    assert_int_equal(t.port, 5432);
    assert_int_equal(nb_app_parse_url("tcp://db.lab", &t, err, sizeof(err)), -1);
    assert_int_equal(nb_app_parse_url("tcp://db.lab:1/x", &t, err, sizeof(err)), -1);
}

static void test_bad_urls(void **state)
{
    static const char *const bad[] = {"https://x/",   "ftp://x",      "http://",
                                      "http://:80/",  "http://x:0/",  "http://x:65536/",
                                      "http://x:8a/", "http://x/a b", "backend.lab"};
    struct nb_app_target t = {0};
    char err[128];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(nb_app_parse_url(bad[i], &t, err, sizeof(err)), -1);
        assert_true(strlen(err) > 0);
    }
}

static void test_names_are_stable(void **state)
{
    assert_string_equal(nb_app_reason_name(NB_APP_OK), "ok");
    assert_string_equal(nb_app_reason_name(NB_APP_NXDOMAIN), "nxdomain");
    assert_string_equal(nb_app_reason_name(NB_APP_SERVFAIL), "servfail");
    assert_string_equal(nb_app_reason_name(NB_APP_REFUSED), "refused");
    assert_string_equal(nb_app_reason_name(NB_APP_UNEXPECTED_REPLY), "unexpected_reply");
    assert_string_equal(nb_app_phase_name(NB_PH_FIRST_BYTE), "first_byte");
    for (int i = 0; i < NB_APP__COUNT; i++)
        assert_string_not_equal(nb_app_reason_name((enum nb_app_reason)i), "?");
}

/* REPLY judged against T: its reason, and the status it read. */
static enum nb_app_reason judge(const struct nb_app_target *t, const char *reply, int *status)
{
    char detail[128] = "";
    enum nb_app_reason r =
        nb_app_reply_judge(t, reply, strlen(reply), status, detail, sizeof(detail));
    if (r != NB_APP_OK && !detail[0])
        fail_msg("no detail for '%s'", reply);
    return r;
}

static void test_replies(void **state)
{
    (void)state;
    struct nb_app_target http = {.expect_status = 200, .expect_body = "ok"};
    struct nb_app_target raw = {.raw = true, .raw_expect = "+PONG"};
    int st = 0;
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    assert_true(nb_app_reply_complete(&http, ok, strlen(ok)));
    assert_false(
        nb_app_reply_complete(&http, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok", strlen(ok)));
    assert_false(nb_app_reply_complete(&http, "HTTP/1.1 200 OK\r\n\r\nok", 21)); /* until close */
    assert_false(nb_app_reply_complete(&http, "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 40));
    assert_int_equal(judge(&http, ok, &st), NB_APP_OK);
    assert_int_equal(st, 200);
    assert_int_equal(judge(&http, "HTTP/1.0 503 Busy\r\n\r\nok", &st), NB_APP_HTTP_STATUS);
    assert_int_equal(st, 503);
    st = 0;
    assert_int_equal(judge(&http, "HTTP/1.1 200 OK\r\n\r\nno", &st), NB_APP_UNEXPECTED_REPLY);
    assert_int_equal(judge(&http, "HTTP/2 200\r\n\r\nok", &st), NB_APP_UNEXPECTED_REPLY);
    assert_int_equal(judge(&http, "HTTP/1.1 600 X\r\n\r\nok", &st), NB_APP_UNEXPECTED_REPLY);
    assert_int_equal(judge(&http, "", &st), NB_APP_UNEXPECTED_REPLY);
    assert_true(nb_app_reply_complete(&raw, "+PONG\r\n", 7));
    assert_false(nb_app_reply_complete(&raw, "+PO", 3));
    assert_int_equal(judge(&raw, "+PONG\r\n", &st), NB_APP_OK);
    assert_int_equal(judge(&raw, "-ERR\r\n", &st), NB_APP_UNEXPECTED_REPLY);
    assert_int_equal(judge(&raw, "+PO", &st), NB_APP_UNEXPECTED_REPLY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_urls),
        cmocka_unit_test(test_tcp_urls),
        cmocka_unit_test(test_bad_urls),
        cmocka_unit_test(test_names_are_stable),
        cmocka_unit_test(test_replies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
