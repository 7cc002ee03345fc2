/* test_verdict_baseline.c — the classifier against what it learnt: a
 * baseline learnt from healthy windows tightens the thresholds, a young one
 * is ignored, a long healthy tail is learnt as such, what is learnt is what
 * is judged, a quiet baseline is no hair trigger, and a short burst is
 * judged on the lower bound of its quantiles. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "verdict_cases.h"

static void test_baseline_learnt_from_healthy_windows(void **state)
{
    struct nb_baseline *b = malloc(sizeof(*b));
    struct nb_cls_input in;
    struct nb_verdict v;
    assert_non_null(b);
    nb_baseline_init(b);
    for (int w = 0; w < 8; w++) {
        healthy(&in, 100);
        in.path.wf.seg[LV].p50 = idle[LV] + w * 1000; /* 40..47 us */
        nb_classify(&in, b, NULL, &v);
        assert_int_equal(v.layer, NB_LAYER_HEALTHY);
        assert_true(nb_baseline_learn(b, &in, NULL) >= NB_SEG__COUNT);
    }
    assert_int_equal(b->m[NB_BM_PATH_SEG + LV].n, 8);
    assert_float_equal(b->m[NB_BM_PATH_SEG + LV].p50.median, 43.5 * US, 1e-6);
    assert_float_equal(b->m[NB_BM_PATH_SEG + LV].p50.mad, 2 * US, 1e-6);
    assert_float_equal(b->m[NB_BM_PATH_SEG + LV].p50.high, 46 * US, 1e-6); /* second-largest */
    assert_int_equal(b->m[NB_BM_PATH_SEG + LV].tail_n, 8); /* the p90s too: 1.2 x */
    assert_float_equal(b->m[NB_BM_PATH_SEG + LV].p90.median, 48 * US, 1e-6); /* idle: 1.2 x 40 */
    assert_int_equal(b->m[NB_BM_PATH_RTT].n, 8);
    assert_int_equal(b->m[NB_BM_VNET_RTT].n, 0);

    /* 600 us is under the 1 ms floor, but far over a 43.5 us baseline. */
    healthy(&in, 100);
    slow(&in, LV, 600 * US);
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_HEALTHY);
    nb_classify(&in, b, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_VIRTUAL);
    assert_int_equal(v.where.side, NB_SIDE_LOCAL);
    assert_true(v.seg[LV].have_baseline);
    assert_float_equal(v.seg[LV].limit, 43.5 * US + 200 * US, 1e-6); /* max(200us, 6 MAD) */
    /* and its p90 over the learnt p90s' median + max(1 ms, 6 MAD) */
    assert_float_equal(v.seg[LV].tail_limit, 48 * US + 1 * MS, 1e-6);
    assert_true(verdict_mentions(&v, "vs baseline 44 us"));
    /* Baseline-backed claims are not discounted: stronger than a floor-backed one. */
    assert_true(v.confidence > 0.7);

    /* The ring keeps the last NB_BASE_RING windows. */
    healthy(&in, 100);
    for (int w = 0; w < NB_BASE_RING + 8; w++)
        nb_baseline_learn(b, &in, NULL);
    assert_int_equal(b->m[NB_BM_PATH_SEG + LV].n, NB_BASE_RING);
    assert_float_equal(b->m[NB_BM_PATH_SEG + LV].p50.median, idle[LV], 1e-6);
    assert_float_equal(b->m[NB_BM_PATH_SEG + LV].p50.mad, 0, 1e-9);
    free(b);
}

static void test_young_baseline_ignored(void **state)
{
    struct nb_baseline *b = calloc(1, sizeof(*b));
    struct nb_cls_input in;
    struct nb_verdict v;
    assert_non_null(b);
    healthy(&in, 100);
    nb_baseline_learn(b, &in, NULL);
    nb_baseline_learn(b, &in, NULL); /* 2 windows < min_base_windows */
    slow(&in, LV, 600 * US);
    nb_classify(&in, b, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_HEALTHY);
    assert_false(v.seg[LV].have_baseline);
    free(b);
}

/* A baseline learnt on a path whose healthy tail is long (p50 250 us, p90
 * 0.8–1.4 ms window to window) holds that tail: a window like those is
 * healthy, a real stall is not, and a shift of the p50 alone is found. */
static void learn_noisy(struct nb_baseline *b, unsigned windows)
{
    struct nb_cls_input in;
    nb_baseline_init(b);
    for (unsigned w = 0; w < windows; w++) {
        healthy(&in, 200);
        for (int s = 0; s < NB_SEG__COUNT; s++) {
            in.path.wf.seg[s].p50 = (230 + (w * 37 + s * 11) % 40) * US;
            in.path.wf.seg[s].p90 = (800 + (w * 211 + s * 97) % 600) * US;
            in.path.wf.seg[s].p99 = 3 * MS;
        }
        nb_baseline_learn(b, &in, NULL);
    }
}

static void test_learnt_tail_is_not_a_stall(void **state)
{
    struct nb_baseline *b = calloc(1, sizeof(*b));
    struct nb_cls_input in;
    struct nb_verdict v;
    assert_non_null(b);
    learn_noisy(b, 40);
    const struct nb_base_stat *st = &b->m[NB_BM_PATH_SEG + PHY];
    assert_int_equal(st->tail_n, 40);
    assert_true(st->p90.high > 1.3 * MS && st->p90.median > 1.0 * MS);

    healthy(&in, 200); /* the worst tail of the learnt windows, on every segment */
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        in.path.wf.seg[s].p50 = 270 * US;
        in.path.wf.seg[s].p90 = 1.45 * MS;
    }
    nb_classify(&in, b, NULL, &v);
    if (v.layer != NB_LAYER_HEALTHY)
        dump("learnt tail", &v);
    assert_int_equal(v.layer, NB_LAYER_HEALTHY);
    assert_true(verdict_mentions(&v, "learnt baseline"));

    in.path.wf.seg[PHY].p90 = 25 * MS; /* stalls on the wire */
    nb_classify(&in, b, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_PHYSICAL);
    assert_true(v.seg[PHY].tail);
    assert_true(verdict_mentions(&v, "physical segment p90 25.0 ms vs its usual"));

    healthy(&in, 200); /* +400 us on local_virtual's p50: under every floor, over its baseline */
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        in.path.wf.seg[s].p50 = 250 * US;
        in.path.wf.seg[s].p90 = 1.0 * MS;
    }
    in.path.wf.seg[LV].p50 = 650 * US;
    nb_classify(&in, b, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_VIRTUAL);
    assert_int_equal(v.where.side, NB_SIDE_LOCAL);
    free(b);
}

/* What is learnt is what is judged: a window whose stalled tenth is just
 * too small to count (point p90 31 ms, lower bound 200 us) teaches 200 us,
 * so the stall that follows is still found. */
static void test_learns_the_judged_figures(void **state)
{
    struct nb_baseline *b = calloc(1, sizeof(*b));
    struct nb_cls_input in;
    struct nb_verdict v;
    assert_non_null(b);
    for (int w = 0; w < 6; w++) {
        healthy(&in, 200);
        in.path.wf.seg[LV].p90 = 31 * MS;
        in.path.wf.seg[LV].p90_lo = 200 * US;
        in.path.wf.seg[LV].p50_lo = 35 * US;
        nb_classify(&in, b, NULL, &v);
        assert_int_equal(v.layer, NB_LAYER_HEALTHY);
        nb_baseline_learn(b, &in, NULL);
    }
    assert_float_equal(b->m[NB_BM_PATH_SEG + LV].p90.high, 200 * US, 1e-6);
    assert_float_equal(b->m[NB_BM_PATH_SEG + LV].p50.median, 35 * US, 1e-6);
    in.path.wf.seg[LV].p90_lo = 25 * MS; /* now a fifth of the probes wait */
    nb_classify(&in, b, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_VIRTUAL);
    assert_int_equal(v.where.side, NB_SIDE_LOCAL);
    free(b);
}

/* A baseline learnt on a quiet machine (MAD 0) is credited with the
 * measurement's resolution and the excess floor: 30 us more is noise. */
static void test_quiet_baseline_is_not_a_hair_trigger(void **state)
{
    struct nb_baseline *b = calloc(1, sizeof(*b));
    struct nb_cls_input in;
    struct nb_verdict v;
    struct nb_cls_thresholds th;
    assert_non_null(b);
    healthy(&in, 100);
    for (int w = 0; w < 10; w++)
        nb_baseline_learn(b, &in, NULL);
    assert_float_equal(b->m[NB_BM_PATH_SEG + LV].p50.mad, 0, 0);
    nb_cls_thresholds_default(&th);
    th.excess_ns[NB_LAYER_VIRTUAL] = 1 * US; /* an operator's tight excess... */
    slow(&in, LV, idle[LV] + 30 * US);
    nb_classify(&in, b, &th, &v);
    /* ...still leaves k_mad x spread_floor (6 x 10 us) */
    assert_float_equal(v.seg[LV].limit, idle[LV] + 60 * US, 1e-6);
    assert_int_equal(v.layer, NB_LAYER_HEALTHY);
    slow(&in, LV, idle[LV] + 90 * US);
    nb_classify(&in, b, &th, &v);
    assert_int_equal(v.layer, NB_LAYER_VIRTUAL);
    free(b);
}

/* A short burst is judged on the lower confidence bound of its quantiles:
 * ten probes whose median is a little over the floor do not prove a delay,
 * while their lower bound over it does. */
static void test_short_burst_judged_on_its_bound(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict v;
    healthy(&in, 10);
    slow(&in, LV, 1.3 * MS);
    in.path.wf.seg[LV].p50_lo = 300 * US; /* the lowest of ten: X_(1) */
    nb_classify(&in, NULL, NULL, &v);
    assert_int_not_equal(v.layer, NB_LAYER_VIRTUAL);
    assert_false(v.seg[LV].slow);
    in.path.wf.seg[LV].p50_lo = 1.2 * MS;
    nb_classify(&in, NULL, NULL, &v);
    assert_true(v.seg[LV].slow);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_baseline_learnt_from_healthy_windows),
        cmocka_unit_test(test_young_baseline_ignored),
        cmocka_unit_test(test_learnt_tail_is_not_a_stall),
        cmocka_unit_test(test_quiet_baseline_is_not_a_hair_trigger),
        cmocka_unit_test(test_learns_the_judged_figures),
        cmocka_unit_test(test_short_burst_judged_on_its_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
