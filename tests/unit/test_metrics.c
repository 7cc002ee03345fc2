/* test_metrics.c — Prometheus exposition text, byte for byte: escaping of
 * label values and HELP text, number formatting, histogram buckets; and the
 * growable buffer underneath it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/buf.h"
#include "net/metrics.h"

static void test_counter_with_escaped_labels(void **state)
{
    (void)state;
    struct nb_buf b;
    const char *labels[] = {"peer", "a\"b\\c\nd", "family", "vnet"};

    nb_buf_init(&b);
    nb_prom_family(&b, "netblame_probes_total", "counter", "Probes sent.\nBy peer \\ family.");
    nb_prom_sample(&b, "netblame_probes_total", labels, 2, 42);
    nb_prom_sample(&b, "netblame_probes_total", labels + 2, 1, 0);
    nb_prom_sample(&b, "netblame_up", NULL, 0, 1);
    assert_string_equal(b.data,
                        "# HELP netblame_probes_total Probes sent.\\nBy peer \\\\ family.\n"
                        "# TYPE netblame_probes_total counter\n"
                        "netblame_probes_total{peer=\"a\\\"b\\\\c\\nd\",family=\"vnet\"} 42\n"
                        "netblame_probes_total{family=\"vnet\"} 0\n"
                        "netblame_up 1\n");
    assert_int_equal(b.len, strlen(b.data));
    nb_buf_free(&b);
}

/* The value text nb_prom_sample writes for V. */
static const char *value_text(double v)
{
    static char out[64];
    struct nb_buf b;

    nb_buf_init(&b);
    nb_prom_sample(&b, "m", NULL, 0, v);
    assert_true(b.len > 3 && b.len < sizeof(out) + 2);
    assert_memory_equal(b.data, "m ", 2);
    assert_int_equal(b.data[b.len - 1], '\n');
    snprintf(out, sizeof(out), "%.*s", (int)(b.len - 3), b.data + 2);
    nb_buf_free(&b);
    return out;
}

static void test_value_formatting(void **state)
{
    (void)state;
    assert_string_equal(value_text(NAN), "NaN");
    assert_string_equal(value_text(INFINITY), "+Inf");
    assert_string_equal(value_text(-INFINITY), "-Inf");
    assert_string_equal(value_text(0), "0");
    assert_string_equal(value_text(-3), "-3");
    assert_string_equal(value_text(123456789012.0), "123456789012");
    assert_string_equal(value_text(9007199254740992.0), "9007199254740992"); /* 2^53 */
    assert_string_equal(value_text((double)UINT32_MAX), "4294967295");
    assert_string_equal(value_text(0.1), "0.1");
    assert_string_equal(value_text(1.5), "1.5");
    assert_string_equal(value_text(1e-05), "1e-05");
    assert_string_equal(value_text(1e20), "1e+20");
    /* shortest text that still reads back as the same double */
    assert_true(strtod(value_text(0.1 + 0.2), NULL) == 0.1 + 0.2);
    assert_string_equal(value_text(0.1 + 0.2), "0.30000000000000004");
}

static void test_histogram_render(void **state)
{
    (void)state;
    static const double bounds[] = {0.25, 0.5, 1};
    const char *labels[] = {"peer", "hv-a02"};
    struct nb_histo h;
    struct nb_buf b;

    nb_histo_init(&h, bounds, 3);
    nb_histo_observe(&h, 0.125);
    nb_histo_observe(&h, 0.25); /* on a bound: counted in that bucket (le) */
    nb_histo_observe(&h, 0.375);
    nb_histo_observe(&h, 0.75);
    nb_histo_observe(&h, 2);
    nb_histo_observe(&h, 4);
    nb_histo_observe(&h, NAN); /* ignored */
    assert_int_equal(h.count, 6);

    nb_buf_init(&b);
    nb_prom_family(&b, "netblame_rtt_seconds", "histogram", "Round-trip time.");
    nb_histo_render(&b, "netblame_rtt_seconds", labels, 1, &h);
    assert_string_equal(b.data, "# HELP netblame_rtt_seconds Round-trip time.\n"
                                "# TYPE netblame_rtt_seconds histogram\n"
                                "netblame_rtt_seconds_bucket{peer=\"hv-a02\",le=\"0.25\"} 2\n"
                                "netblame_rtt_seconds_bucket{peer=\"hv-a02\",le=\"0.5\"} 3\n"
                                "netblame_rtt_seconds_bucket{peer=\"hv-a02\",le=\"1\"} 4\n"
                                "netblame_rtt_seconds_bucket{peer=\"hv-a02\",le=\"+Inf\"} 6\n"
                                "netblame_rtt_seconds_sum{peer=\"hv-a02\"} 7.5\n"
                                "netblame_rtt_seconds_count{peer=\"hv-a02\"} 6\n");
    nb_buf_free(&b);

    /* without labels, and empty */
    nb_histo_init(&h, bounds, 1);
    nb_buf_init(&b);
    nb_histo_render(&b, "x", NULL, 0, &h);
    assert_string_equal(b.data, "x_bucket{le=\"0.25\"} 0\n"
                                "x_bucket{le=\"+Inf\"} 0\n"
                                "x_sum 0\n"
                                "x_count 0\n");
    nb_buf_free(&b);
}

static void test_rtt_buckets(void **state)
{
    (void)state;
    static const char *const want[] = {"1e-05",  "2.5e-05", "5e-05",  "0.0001", "0.00025",
                                       "0.0005", "0.001",   "0.0025", "0.005",  "0.01",
                                       "0.025",  "0.05",    "0.1",    "0.25",   "0.5",
                                       "1",      "2.5",     "5",      "10",     "+Inf"};
    struct nb_histo h;
    struct nb_buf b;
    char line[128];

    assert_int_equal(nb_rtt_buckets_count, 19);
    assert_true(nb_rtt_buckets_count < NB_HISTO_MAX_BUCKETS);
    for (size_t i = 1; i < nb_rtt_buckets_count; i++)
        assert_true(nb_rtt_buckets_seconds[i - 1] < nb_rtt_buckets_seconds[i]);

    nb_histo_init(&h, nb_rtt_buckets_seconds, nb_rtt_buckets_count);
    nb_histo_observe(&h, 0.000010); /* exactly 10us: first bucket */
    nb_histo_observe(&h, 0.0003);   /* 300us: le="0.0005" */
    nb_histo_observe(&h, 11);       /* past 10s: +Inf only */
    nb_buf_init(&b);
    nb_histo_render(&b, "rtt", NULL, 0, &h);
    const char *p = b.data;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        unsigned cum = i < 5 ? 1 : i < 19 ? 2 : 3;
        snprintf(line, sizeof(line), "rtt_bucket{le=\"%s\"} %u\n", want[i], cum);
        assert_memory_equal(p, line, strlen(line));
        p += strlen(line);
    }
    assert_string_equal(p, "rtt_sum 11.00031\nrtt_count 3\n");
    nb_buf_free(&b);
}

static void test_buf_growth(void **state)
{
    (void)state;
    struct nb_buf b;
    size_t len;

    nb_buf_init(&b);
    assert_null(b.data);
    for (int i = 0; i < 10000; i++) {
        nb_buf_append(&b, "0123456789", (size_t)(i % 10) + 1);
        assert_int_equal(b.data[b.len], '\0');
        assert_true(b.cap > b.len);
    }
    assert_int_equal(b.len, 1000 * 55);
    assert_memory_equal(b.data, "00101201230123401234", 20);
    for (int i = 0; i < 1000; i++)
        nb_buf_printf(&b, "[%04d]", i);
    assert_int_equal(b.len, 1000 * 55 + 6000);
    assert_memory_equal(b.data + b.len - 6, "[0999]", 6);
    assert_int_equal(strlen(b.data), b.len);

    /* one printf much larger than the free space */
    char big[5000];
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    nb_buf_free(&b);
    nb_buf_printf(&b, "<%s>", big);
    assert_int_equal(b.len, sizeof(big) + 1);
    assert_int_equal(b.data[0], '<');
    assert_int_equal(b.data[b.len - 1], '>');
    assert_int_equal(b.data[b.len], '\0');

    char *s = nb_buf_steal(&b, &len);
    assert_int_equal(len, sizeof(big) + 1);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    free(s);

    /* an empty buffer steals as "", and a zero-length append makes storage */
    s = nb_buf_steal(&b, &len);
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    free(s);
    nb_buf_append(&b, "", 0);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    nb_buf_printf(&b, "%s", "");
    assert_int_equal(b.len, 0);
    nb_buf_free(&b);
    nb_buf_free(&b);
}

static void test_single_sample_family(void **state)
{
    (void)state;
    struct nb_buf b;
    nb_buf_init(&b);
    nb_prom_single(&b, "netblame_x_total", "counter", "Things.", 42);
    assert_string_equal(b.data, "# HELP netblame_x_total Things.\n# TYPE netblame_x_total counter\n"
                                "netblame_x_total 42\n");
    nb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_with_escaped_labels),
        cmocka_unit_test(test_value_formatting),
        cmocka_unit_test(test_single_sample_family),
        cmocka_unit_test(test_histogram_render),
        cmocka_unit_test(test_rtt_buckets),
        cmocka_unit_test(test_buf_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
