/* test_appprobe.c — app probe targets as a user writes them, and the stable
 * reason and phase names that label metrics and output. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_urls),
        cmocka_unit_test(test_tcp_urls),
        cmocka_unit_test(test_bad_urls),
        cmocka_unit_test(test_names_are_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
