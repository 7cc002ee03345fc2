/* test_stats.c — the statistics the classifier's claims rest on: Wilson
 * score intervals against published values (Newcombe 1998, Table I, method
 * 3, and the usual 0/100, 5/100, 100/100 figures), median and MAD against
 * worked examples, and the effect-size helpers' documented anchors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "netblame/stats.h"

#define EPS4 0.00005 /* published figures have 4 decimals */

static void assert_ci(uint64_t k, uint64_t n, double z, double lo, double hi)
{
    struct nb_ci ci = nb_wilson(k, n, z);
    assert_float_equal(ci.lo, lo, EPS4);
    assert_float_equal(ci.hi, hi, EPS4);
    assert_true(ci.lo >= 0.0 && ci.hi <= 1.0 && ci.lo <= ci.hi);
}

static void test_wilson_95_matches_published_values(void **state)
{
    assert_ci(0, 100, NB_Z_95, 0.0, 0.0370);
    assert_ci(5, 100, NB_Z_95, 0.0215, 0.1118);
    assert_ci(100, 100, NB_Z_95, 0.9630, 1.0);
    /* Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3. */
    assert_ci(81, 263, NB_Z_95, 0.2553, 0.3662);
    assert_ci(15, 148, NB_Z_95, 0.0624, 0.1605);
    assert_ci(0, 20, NB_Z_95, 0.0, 0.1611);
    assert_ci(1, 29, NB_Z_95, 0.0061, 0.1718);
    assert_ci(0, 10, NB_Z_95, 0.0, 0.2775);
}

static void test_wilson_99_is_wider(void **state)
{
    assert_ci(0, 100, NB_Z_99, 0.0, 0.0622);
    assert_ci(5, 100, NB_Z_99, 0.0168, 0.1392);
    assert_ci(100, 100, NB_Z_99, 0.9378, 1.0);
    assert_ci(18, 100, NB_Z_99, 0.1020, 0.2978);
    struct nb_ci a = nb_wilson(7, 50, NB_Z_95), b = nb_wilson(7, 50, NB_Z_99);
    assert_true(b.lo < a.lo && b.hi > a.hi);
}

static void test_wilson_edges_are_exact(void **state)
{
    struct nb_ci ci = nb_wilson(0, 1000, NB_Z_99);
    assert_true(ci.lo == 0.0); /* exactly, not 3e-18 */
    ci = nb_wilson(1000, 1000, NB_Z_99);
    assert_true(ci.hi == 1.0);
    ci = nb_wilson(0, 0, NB_Z_95); /* no trials: uninformative */
    assert_true(ci.lo == 0.0 && ci.hi == 1.0);
    ci = nb_wilson(12, 10, NB_Z_95); /* k > n clamped */
    assert_true(ci.hi == 1.0);
    assert_float_equal(ci.lo, nb_wilson(10, 10, NB_Z_95).lo, 1e-12);
    assert_float_equal(nb_wilson_lower(5, 100, NB_Z_95), 0.0215, EPS4);
}

static void test_wilson_lower_bound_grows_with_evidence(void **state)
{
    /* The same 5 % rate is a surer claim over more trials. */
    double prev = -1;
    for (uint64_t n = 20; n <= 20000; n *= 10) {
        double lo = nb_wilson_lower(n / 20, n, NB_Z_99);
        assert_true(lo > prev);
        assert_true(lo < 0.05);
        prev = lo;
    }
}

static void test_median_odd_even(void **state)
{
    double v[] = {9, 1, 4, 2, 6, 1, 2}, scratch[7], m, mad;
    /* Sorted 1 1 2 2 4 6 9: median 2; |dev| 1 1 0 0 2 4 7 → sorted 0 0 1 1 2 4 7: MAD 1. */
    assert_int_equal(nb_median_mad_d(v, 7, scratch, &m, &mad), 0);
    assert_float_equal(m, 2.0, 0);
    assert_float_equal(mad, 1.0, 0);
    assert_float_equal(v[0], 9.0, 0); /* input untouched */
    double e[] = {4, 1, 3, 2};
    assert_int_equal(nb_median_mad_d(e, 4, scratch, &m, &mad), 0);
    assert_float_equal(m, 2.5, 0);
    assert_float_equal(mad, 1.0, 0); /* |dev| .5 .5 1.5 1.5 */
}

static void test_median_mad_i64_and_empty(void **state)
{
    int64_t v[] = {30000, 31000, 29000, 30500, 1000000}; /* one stray slow window */
    double scratch[5], m, mad;
    assert_int_equal(nb_median_mad_i64(v, 5, scratch, &m, &mad), 0);
    /* Sorted 29000 30000 30500 31000 1e6; |dev| 0 500 500 1500 969500. */
    assert_float_equal(m, 30500.0, 0);
    assert_float_equal(mad, 500.0, 0); /* the outlier moves neither */
    assert_int_equal(nb_median_mad_i64(v, 0, scratch, &m, &mad), -1);
    assert_float_equal(m, 0, 0);
    assert_float_equal(mad, 0, 0);
    double one = 7, sm, smad;
    assert_int_equal(nb_median_mad_d(&one, 1, scratch, &sm, &smad), 0);
    assert_float_equal(sm, 7, 0);
    assert_float_equal(smad, 0, 0);
}

static void test_sort_and_median_sorted(void **state)
{
    double v[] = {3, -1, 2.5, 10, 0};
    nb_sort_d(v, 5);
    for (int i = 1; i < 5; i++)
        assert_true(v[i - 1] <= v[i]);
    assert_float_equal(nb_median_sorted_d(v, 5), 2.5, 0);
    assert_float_equal(nb_median_sorted_d(v, 0), 0, 0);
}

static void test_margin_never_below_floor(void **state)
{
    /* A baseline of identical windows (MAD 0) must not make 1 ns an anomaly. */
    assert_float_equal(nb_robust_margin(0.0, 6, 200e3), 200e3, 0);
    assert_float_equal(nb_robust_margin(50e3, 6, 200e3), 300e3, 0);
    assert_float_equal(nb_excess_ratio(530e3, 30e3, 250e3), 2.0, 1e-12);
    assert_float_equal(nb_excess_ratio(1, 0, 0), 0.0, 0);
}

static void test_effect_and_sample_anchors(void **state)
{
    assert_float_equal(nb_effect_strength(0.99), 0.0, 0);
    assert_float_equal(nb_effect_strength(1.0), 0.5, 1e-12);
    assert_float_equal(nb_effect_strength(2.0), 0.75, 1e-12);
    assert_float_equal(nb_effect_strength(10.0), 0.95, 1e-12);
    assert_float_equal(nb_effect_strength(NAN), 0.0, 0);
    assert_float_equal(nb_sample_weight(0, 10), 0.0, 0);
    assert_float_equal(nb_sample_weight(10, 10), 2.0 / 3.0, 1e-12);
    assert_float_equal(nb_sample_weight(100, 10), 100.0 / 105.0, 1e-12);
}

static void test_clamp_and_round(void **state)
{
    assert_float_equal(nb_clamp01(-0.2), 0.0, 0);
    assert_float_equal(nb_clamp01(1.7), 1.0, 0);
    assert_float_equal(nb_clamp01(NAN), 0.0, 0);
    assert_float_equal(nb_clamp01(0.25), 0.25, 0);
    assert_float_equal(nb_round_to(0.12345, 0.001), 0.123, 1e-12);
    assert_float_equal(nb_round_to(0.1236, 0.001), 0.124, 1e-9);
    assert_float_equal(nb_round_to(3.0, 0.0), 3.0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wilson_95_matches_published_values),
        cmocka_unit_test(test_wilson_99_is_wider),
        cmocka_unit_test(test_wilson_edges_are_exact),
        cmocka_unit_test(test_wilson_lower_bound_grows_with_evidence),
        cmocka_unit_test(test_median_odd_even),
        cmocka_unit_test(test_median_mad_i64_and_empty),
        cmocka_unit_test(test_sort_and_median_sorted),
        cmocka_unit_test(test_margin_never_below_floor),
        cmocka_unit_test(test_effect_and_sample_anchors),
        cmocka_unit_test(test_clamp_and_round),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
