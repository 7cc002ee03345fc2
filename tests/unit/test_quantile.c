/* test_quantile.c — the latency quantiles diagnose and metrics report. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "netblame/quantile.h"

static void test_type7_quantiles_match_numpy(void **state)
{
    /* numpy.percentile([1..10], [50, 90, 99]) = 5.5, 9.1, 9.91 */
    int64_t v[] = {10, 3, 1, 2, 4, 5, 9, 8, 7, 6};
    struct nb_summary s;
    nb_summarise(v, 10, &s);
    assert_int_equal(s.n, 10);
    assert_int_equal(s.min, 1);
    assert_int_equal(s.max, 10);
    assert_float_equal(s.p50, 5.5, 1e-9);
    assert_float_equal(s.p90, 9.1, 1e-9);
    assert_float_equal(s.p99, 9.91, 1e-9);
    assert_float_equal(s.mean, 5.5, 1e-9);
}

static void test_single_sample(void **state)
{
    int64_t v[] = {42};
    struct nb_summary s;
    nb_summarise(v, 1, &s);
    assert_float_equal(s.p50, 42, 0);
    assert_float_equal(s.p99, 42, 0);
}

static void test_empty_sample_reports_nothing(void **state)
{
    struct nb_summary s;
    nb_summarise(NULL, 0, &s);
    assert_int_equal(s.n, 0);
}

static void test_quantiles_are_ordered(void **state)
{
    int64_t v[1000];
    for (int i = 0; i < 1000; i++)
        v[i] = (i * 7919) % 1000 - 300; /* shuffled, some negative */
    struct nb_summary s;
    nb_summarise(v, 1000, &s);
    assert_true(s.min <= s.p50 && s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.max);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type7_quantiles_match_numpy),
        cmocka_unit_test(test_single_sample),
        cmocka_unit_test(test_empty_sample_reports_nothing),
        cmocka_unit_test(test_quantiles_are_ordered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
