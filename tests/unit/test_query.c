/* test_query.c — the control API's query strings (wire/query.c): each
 * endpoint's parameters accepted within bounds, refused outside them with
 * the message the 400 carries; numbers by the one strict rule (no sign, no
 * blanks). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/query.h"

/* A query as NULL-terminated name, value pairs. */
static const char *get(const void *src, const char *name)
{
    for (const char *const *p = src; *p; p += 2)
        if (strcmp(p[0], name) == 0)
            return p[1];
    return NULL;
}

static void test_sightings(void **state)
{
    (void)state;
    struct nb_sightings_query q;
    const char *none[] = {NULL};
    assert_int_equal(nb_query_sightings(get, none, &q), 0);
    assert_true(q.all);
    assert_int_equal(q.since, 0);
    assert_int_equal(q.limit, 4096);
    const char *some[] = {"session", "1a2B3c4d", "since", "42", "limit", "1", NULL};
    assert_int_equal(nb_query_sightings(get, some, &q), 0);
    assert_false(q.all);
    assert_int_equal(q.session, 0x1a2b3c4d);
    assert_int_equal(q.since, 42);
    assert_int_equal(q.limit, 1);
    static const char *const bad[][2] = {
        {"session", "zz"}, {"session", "100000000"}, {"session", ""},
        {"limit", "0"},    {"limit", "4097"},        {"since", "-1"},
        {"since", "+1"},   {"since", " 1"},          {"since", "18446744073709551616"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *p[] = {bad[i][0], bad[i][1], NULL};
        if (nb_query_sightings(get, p, &q) == 0)
            fail_msg("accepted %s=%s", bad[i][0], bad[i][1]);
    }
}

static void test_windows(void **state)
{
    (void)state;
    struct nb_windows_query q;
    const char *err = NULL;
    const char *none[] = {NULL};
    assert_int_equal(nb_query_windows(get, none, 10, &q, &err), 0);
    assert_null(q.target);
    assert_int_equal(q.ms, 0);
    const char *secs[] = {"target", "gB", "seconds", "10", NULL};
    assert_int_equal(nb_query_windows(get, secs, 10, &q, &err), 0);
    assert_string_equal(q.target, "gB");
    assert_int_equal(q.ms, 10000);
    const char *ms[] = {"ms", "100", NULL};
    assert_int_equal(nb_query_windows(get, ms, 10, &q, &err), 0);
    assert_int_equal(q.ms, 100);
    const char *both[] = {"seconds", "1", "ms", "1000", NULL};
    assert_int_equal(nb_query_windows(get, both, 10, &q, &err), -1);
    assert_string_equal(err, "seconds or ms, not both");
    static const char *const bad[][3] = {
        {"seconds", "0", "seconds must be 1..10"},  {"seconds", "11", "seconds must be 1..10"},
        {"seconds", "+5", "seconds must be 1..10"}, {"seconds", "", "seconds must be 1..10"},
        {"ms", "99", "ms must be 100..10000"},      {"ms", "10001", "ms must be 100..10000"},
        {"ms", "1e3", "ms must be 100..10000"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *p[] = {bad[i][0], bad[i][1], NULL};
        err = NULL;
        if (nb_query_windows(get, p, 10, &q, &err) == 0)
            fail_msg("accepted %s=%s", bad[i][0], bad[i][1]);
        assert_string_equal(err, bad[i][2]);
    }
}

static void test_baselines(void **state)
{
    (void)state;
    struct nb_baselines_query q;
    const char *err = NULL;
    const char *both[] = {"target", "gB", NULL};
    assert_int_equal(nb_query_baselines(get, both, &q, &err), 0);
    assert_true(q.peer && q.app);
    const char *app[] = {"target", "web", "kind", "app", NULL};
    assert_int_equal(nb_query_baselines(get, app, &q, &err), 0);
    assert_true(!q.peer && q.app);
    const char *none[] = {NULL}, *empty[] = {"target", "", NULL};
    assert_int_equal(nb_query_baselines(get, none, &q, &err), -1);
    assert_string_equal(err, "target=NAME is required");
    assert_int_equal(nb_query_baselines(get, empty, &q, &err), -1);
    const char *kind[] = {"target", "gB", "kind", "vm", NULL};
    assert_int_equal(nb_query_baselines(get, kind, &q, &err), -1);
    assert_string_equal(err, "kind is peer or app");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sightings),
        cmocka_unit_test(test_windows),
        cmocka_unit_test(test_baselines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
