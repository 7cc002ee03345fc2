/* test_quantile.c — the latency quantiles diagnose and metrics report. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

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

static void test_lower_bounds_are_the_binomial_order_statistics(void **state)
{
    /* 1..100: P(Bin(100, .5) <= 37) = 0.6 % <= 1 % < P(<= 38): X_(38);
     * for the p90, X_(82); 10 values: the minimum (p50) and X_(6) (p90);
     * 5 values cannot bound a median at 99 %: 0, no claim. */
    int64_t v[100];
    for (int i = 0; i < 100; i++)
        v[i] = i + 1;
    assert_float_equal(nb_quantile_lower_sorted(v, 100, 0.5, 0.01), 38, 0);
    assert_float_equal(nb_quantile_lower_sorted(v, 100, 0.9, 0.01), 82, 0);
    assert_float_equal(nb_quantile_lower_sorted(v, 10, 0.5, 0.01), 1, 0);
    assert_float_equal(nb_quantile_lower_sorted(v, 10, 0.9, 0.01), 6, 0);
    assert_float_equal(nb_quantile_lower_sorted(v, 5, 0.5, 0.01), 0, 0);
    assert_float_equal(nb_quantile_lower_sorted(v, 0, 0.5, 0.01), 0, 0);
    struct nb_summary s;
    nb_summarise(v, 100, &s);
    assert_float_equal(s.p50_lo, 38, 0);
    assert_float_equal(s.p90_lo, 82, 0);
    assert_true(s.p50_lo <= s.p50 && s.p90_lo <= s.p90);
}

static uint64_t xorshift(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* The bound's promise, checked on a skewed distribution (exponential, the
 * shape of a latency tail): over 4000 samples of 50, the p90's 99 % lower
 * bound exceeds the true p90 in about 1 % of them (40 expected; 80 is over
 * 6 sigma of the binomial count, so this cannot fail by chance). */
static void test_lower_bound_covers_the_true_quantile(void **state)
{
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    double true_p90 = -log(0.1) * 1e6; /* exponential, mean 1 ms */
    int over = 0, under_point = 0;
    for (int t = 0; t < 4000; t++) {
        int64_t v[50];
        for (int i = 0; i < 50; i++) {
            double u = (double)(xorshift(&seed) >> 11) / 9007199254740992.0;
            v[i] = (int64_t)(-log(1.0 - u) * 1e6);
        }
        struct nb_summary s;
        nb_summarise(v, 50, &s);
        if (s.p90_lo > true_p90)
            over++;
        if (s.p90 > true_p90)
            under_point++;
    }
    assert_in_range(over, 1, 80);
    assert_true(under_point > 1000); /* the point estimate alone is over it about half the time */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type7_quantiles_match_numpy),
        cmocka_unit_test(test_single_sample),
        cmocka_unit_test(test_empty_sample_reports_nothing),
        cmocka_unit_test(test_quantiles_are_ordered),
        cmocka_unit_test(test_lower_bounds_are_the_binomial_order_statistics),
        cmocka_unit_test(test_lower_bound_covers_the_true_quantile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
