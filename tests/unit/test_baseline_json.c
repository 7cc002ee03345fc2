/* test_baseline_json.c — GET /v1/baselines wire form: a learnt baseline's
 * figures survive the round trip (to the nanosecond), only learnt metrics are
 * rendered, and malformed or out-of-range answers are refused with a reason
 * naming the field. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "wire/baseline_json.h"

static void learn(struct nb_baseline *b, enum nb_base_metric m, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        nb_base_push(&b->ring[m], v[i], m == NB_BM_APP_SERVER ? -1.0 : 1.5 * v[i] + (double)i,
                     &b->m[m]);
}

static void test_round_trip(void **state)
{
    static struct nb_baseline b, out;
    nb_baseline_init(&b);
    const double lv[] = {40100, 41234, 39870, 42001, 40555, 41000}; /* ns; even: a half */
    const double rtt[] = {214000, 220500, 209999, 216000, 213250};
    learn(&b, NB_BM_PATH_SEG + NB_SEG_LOCAL_VIRTUAL, lv, 6);
    learn(&b, NB_BM_PATH_RTT, rtt, 5);
    for (int i = 0; i < NB_BASE_RING + 8; i++) /* past the ring: windows stay at NB_BASE_RING */
        learn(&b, NB_BM_APP_SERVER, (const double[]){1.5e6 + i}, 1);
    struct nb_buf x, y;
    nb_buf_init(&x);
    nb_buf_init(&y);
    nb_baseline_json_render("gB", &b, &x);
    assert_non_null(strstr(x.data, "\"schema\":\"netblame.baseline/v2\""));
    assert_non_null(strstr(x.data, "\"path.local_virtual\":{\"windows\":6,\"tail_windows\":6,"));
    assert_non_null(strstr(x.data, "\"app.server\":{\"windows\":64,\"tail_windows\":0,"));
    /* the second-largest p50 of local_virtual: 41.234 us */
    assert_non_null(strstr(x.data, "\"high_us\":41.234,"));
    assert_null(strstr(x.data, "vnet.rtt")); /* not learnt: not rendered */
    char target[64], err[160] = "";
    assert_int_equal(
        nb_baseline_json_parse(x.data, x.len, target, sizeof(target), &out, err, sizeof(err)), 0);
    assert_string_equal(target, "gB");
    for (int m = 0; m < NB_BM__COUNT; m++) {
        assert_int_equal(out.m[m].n, b.m[m].n);
        assert_int_equal(out.m[m].tail_n, b.m[m].tail_n);
        const struct nb_base_dist *d[2][2] = {{&out.m[m].p50, &b.m[m].p50},
                                              {&out.m[m].p90, &b.m[m].p90}};
        for (int q = 0; q < 2; q++) { /* ns resolution */
            assert_true(fabs(d[q][0]->median - d[q][1]->median) <= 0.5 + 1e-6);
            assert_true(fabs(d[q][0]->mad - d[q][1]->mad) <= 0.5 + 1e-6);
            assert_true(fabs(d[q][0]->high - d[q][1]->high) <= 0.5 + 1e-6);
        }
        assert_int_equal(out.ring[m].len, 0); /* figures only */
    }
    assert_int_equal(out.m[NB_BM_APP_SERVER].n, NB_BASE_RING);
    nb_baseline_json_render(target, &out, &y); /* and it renders the same again */
    assert_string_equal(x.data, y.data);

    /* nothing learnt yet: an empty "metrics" */
    nb_baseline_init(&b);
    x.len = 0;
    nb_baseline_json_render("hA", &b, &x);
    assert_string_equal(x.data,
                        "{\"schema\":\"netblame.baseline/v2\",\"target\":\"hA\",\"metrics\":{}}\n");
    assert_int_equal(
        nb_baseline_json_parse(x.data, x.len, target, sizeof(target), &out, err, sizeof(err)), 0);
    nb_buf_free(&x);
    nb_buf_free(&y);
}

/* A metric's figures other than windows, median_us and mad_us. */
#define FIGS                                                                                       \
    "\"tail_windows\":0,\"high_us\":1,\"p90_median_us\":0,\"p90_mad_us\":0,\"p90_high_us\":0"

#define HEAD "{\"schema\":\"netblame.baseline/v2\",\"target\":\"gB\",\"metrics\":"

static void test_malformed_refused(void **state)
{
    static const struct {
        const char *text;
        const char *err; /* the reason must contain this */
    } bad[] = {
        {"", "answer: not one JSON value"},
        {HEAD "{}} trailing", "answer: not one JSON value"},
        {"[]", "baseline: answer: not an object"},
        {"{\"schema\":\"netblame.baseline/v1\",\"target\":\"gB\",\"metrics\":{}}",
         "schema: not netblame.baseline/v2"}, /* v1 had no tails: refused, not misread */
        {"{\"schema\":\"netblame.baseline/v2\",\"metrics\":{}}", "target: missing"},
        {"{\"schema\":\"netblame.baseline/v2\",\"target\":\"\",\"metrics\":{}}",
         "target: not a name"},
        {"{\"schema\":\"netblame.baseline/v2\",\"target\":7,\"metrics\":{}}", "target: not a name"},
        {HEAD "{},\"extra\":1}", "extra: unknown key"},
        {HEAD "[]}", "metrics: not an object"},
        {HEAD "{\"path.bogus\":{\"windows\":1,\"median_us\":1,\"mad_us\":0," FIGS "}}}",
         "metrics.path.bogus: unknown metric"},
        {HEAD "{\"path.rtt\":{\"windows\":1,\"median_us\":1,\"mad_us\":0," FIGS "},"
              "\"path.rtt\":{\"windows\":1,\"median_us\":1,\"mad_us\":0," FIGS "}}}",
         "metrics.path.rtt: given twice"},
        {HEAD "{\"path.rtt\":{\"windows\":1,\"median_us\":-2e8,\"mad_us\":0," FIGS "}}}",
         "metrics.path.rtt.median_us: not a time"},
        {HEAD "{\"path.rtt\":{\"windows\":1,\"median_us\":1,\"mad_us\":-0.5," FIGS "}}}",
         "metrics.path.rtt.mad_us: not a time"},
        {HEAD "{\"path.rtt\":{\"windows\":1,\"median_us\":1e999,\"mad_us\":0," FIGS "}}}",
         "metrics.path.rtt.median_us: not a time"}, /* infinite */
        {HEAD "{\"path.rtt\":{\"windows\":1,\"median_us\":2e8,\"mad_us\":0," FIGS "}}}",
         "metrics.path.rtt.median_us: not a time"}, /* huge */
        {HEAD "{\"path.rtt\":{\"windows\":1,\"median_us\":\"1\",\"mad_us\":0," FIGS "}}}",
         "metrics.path.rtt.median_us: not a time"},
        {HEAD "{\"path.rtt\":{\"windows\":65,\"median_us\":1,\"mad_us\":0," FIGS "}}}",
         "metrics.path.rtt.windows: not a whole number in 0..64"},
        {HEAD "{\"path.rtt\":{\"windows\":-1,\"median_us\":1,\"mad_us\":0," FIGS "}}}",
         "metrics.path.rtt.windows"},
        {HEAD "{\"path.rtt\":{\"windows\":2.5,\"median_us\":1,\"mad_us\":0," FIGS "}}}",
         "metrics.path.rtt.windows"},
        {HEAD "{\"path.rtt\":{\"windows\":1,\"median_us\":1," FIGS "}}}",
         "metrics.path.rtt.mad_us: missing"},
        {HEAD "{\"path.rtt\":{\"windows\":1,\"median_us\":1,\"mad_us\":0," FIGS ",\"n\":1}}}",
         "metrics.path.rtt.n: unknown key"},
        {HEAD "{\"path.rtt\":5}}", "metrics.path.rtt: not an object"},
        {HEAD "{\"path.rtt\":{\"windows\":1,\"median_us\":1,\"mad_us\":0,\"tail_windows\":2,"
              "\"high_us\":1,\"p90_median_us\":0,\"p90_mad_us\":0,\"p90_high_us\":0}}}",
         "metrics.path.rtt: more tail_windows than windows"},
        {HEAD "{\"path.rtt\":{\"windows\":1,\"median_us\":1,\"mad_us\":0,\"tail_windows\":1,"
              "\"high_us\":1,\"p90_median_us\":0,\"p90_mad_us\":-3,\"p90_high_us\":0}}}",
         "metrics.path.rtt.p90_mad_us: not a time"},
    };
    static struct nb_baseline out;
    char target[64], err[160];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&out, 0x55, sizeof(out));
        err[0] = '\0';
        int rc = nb_baseline_json_parse(bad[i].text, strlen(bad[i].text), target, sizeof(target),
                                        &out, err, sizeof(err));
        if (rc != -1 || !strstr(err, bad[i].err) || strncmp(err, "baseline: ", 10) != 0 ||
            strchr(err, '\n'))
            fail_msg("case %zu (%s): rc %d, err '%s', want '%s'", i, bad[i].text, rc, err,
                     bad[i].err);
        assert_string_equal(target, "");
        assert_int_equal(out.m[NB_BM_PATH_RTT].n, 0); /* nothing half-filled */
    }
    /* a target longer than the caller's room */
    const char *ok = HEAD "{}}";
    assert_int_equal(nb_baseline_json_parse(ok, strlen(ok), target, 2, &out, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "target"));
    /* longer than the bound, whatever it holds */
    static char big[NB_BASELINE_JSON_MAX + 2];
    memset(big, ' ', sizeof(big) - 1);
    memcpy(big, ok, strlen(ok));
    assert_int_equal(nb_baseline_json_parse(big, sizeof(big) - 1, target, sizeof(target), &out, err,
                                            sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "longer than 16 KiB"));
    /* a level a little below 0 (an app's server time on a backend that
     * answers at once: measurement noise) is carried, a spread never is */
    const char *neg = HEAD "{\"app.server\":{\"windows\":6,\"median_us\":-3.5,\"mad_us\":1,"
                           "\"tail_windows\":0,\"high_us\":-1,\"p90_median_us\":0,"
                           "\"p90_mad_us\":0,\"p90_high_us\":0}}}";
    assert_int_equal(
        nb_baseline_json_parse(neg, strlen(neg), target, sizeof(target), &out, err, sizeof(err)), 0);
    assert_true(out.m[NB_BM_APP_SERVER].p50.median == -3500);
    /* trailing white space is fine; windows 0 is allowed and means nothing learnt */
    const char *zero = HEAD "{\"vnet.rtt\":{\"windows\":0,\"median_us\":0,\"mad_us\":0," FIGS "}}}\n";
    assert_int_equal(
        nb_baseline_json_parse(zero, strlen(zero), target, sizeof(target), &out, err, sizeof(err)),
        0);
    assert_int_equal(out.m[NB_BM_VNET_RTT].n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_malformed_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
