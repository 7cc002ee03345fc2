/* test_procmetrics.c — the process_* metrics: /proc/PID/stat read from the
 * comm's last ')' (a comm may hold spaces and parentheses), refused when
 * short or not numeric; the btime line of /proc/stat; and this very process's
 * figures rendered, each family once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "net/procmetrics.h"

/* fields 14, 15 = 7, 5; 22 = 3059997; 23 = 3133440; 24 = 386 */
#define TAIL                                                                                       \
    " R 24617 24617 11248 0 -1 4194304 100 0 0 0 7 5 0 0 20 0 1 0 3059997 3133440 386 "            \
    "18446744073709551615 94538534408192 0 0 17 1 0 0\n"

static int parse(const char *s, struct nb_procself *ps)
{
    return nb_procself_parse(s, strlen(s), ps);
}

static void test_stat_fields(void **state)
{
    (void)state;
    struct nb_procself ps;
    assert_int_equal(parse("24621 (cat)" TAIL, &ps), 0);
    assert_int_equal(ps.utime, 7);
    assert_int_equal(ps.stime, 5);
    assert_int_equal(ps.starttime, 3059997);
    assert_int_equal(ps.vsize, 3133440);
    assert_int_equal(ps.rss, 386);
    /* a comm with spaces and parentheses: the fields follow the last ')' */
    memset(&ps, 0, sizeof(ps));
    assert_int_equal(parse("7 (a) b (c))" TAIL, &ps), 0);
    assert_int_equal(ps.rss, 386);
    /* the fields end at rss: nothing after it is needed */
    assert_int_equal(parse("1 (x) R 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 9 8 7", &ps), 0);
    assert_int_equal(ps.starttime, 9);
    assert_int_equal(ps.rss, 7);
}

static void test_stat_refused(void **state)
{
    (void)state;
    struct nb_procself ps;
    static const char *const bad[] = {
        "",
        "24621 (cat)",
        "24621 cat R 1",
        "(cat)" TAIL,
        "x (cat)" TAIL,
        "1 (x) R 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 9 8",    /* no rss */
        "1 (x) R 1 1 1 0 -1 0 0 0 0 0 -1 2 0 0 20 0 1 0 9 8 7", /* negative utime */
        "1 (x) R 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 99999999999999999999 8 7",
        "1 (x)  R 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 9 8 7", /* an empty field */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parse(bad[i], &ps) == 0)
            fail_msg("accepted \"%s\"", bad[i]);
}

static void test_btime(void **state)
{
    (void)state;
    uint64_t bt = 0;
    const char *s = "cpu  1 2 3\nintr 5 0 0\nbtime 1764700000\nprocesses 9\n";
    assert_int_equal(nb_btime_parse(s, strlen(s), &bt), 0);
    assert_int_equal(bt, 1764700000);
    assert_int_equal(nb_btime_parse("btime 12", 8, &bt), 0);
    assert_int_equal(bt, 12);
    assert_int_equal(nb_btime_parse("btime x\n", 8, &bt), -1);
    assert_int_equal(nb_btime_parse("btime \n", 7, &bt), -1);
    assert_int_equal(nb_btime_parse("cpu 1\n", 6, &bt), -1);
    assert_int_equal(nb_btime_parse("xbtime 5\n", 9, &bt), -1);
}

/* This process: every family once, with HELP and TYPE, and a resident size. */
static void test_render_self(void **state)
{
    (void)state;
    static const char *const fam[] = {"process_cpu_seconds_total",
                                      "process_resident_memory_bytes",
                                      "process_virtual_memory_bytes",
                                      "process_start_time_seconds",
                                      "process_open_fds",
                                      "process_max_fds"};
    struct nb_buf b;
    char needle[96];
    nb_buf_init(&b);
    nb_procmetrics_render(&b);
    for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
        snprintf(needle, sizeof(needle), "\n%s ", fam[i]);
        const char *at = strstr(b.data, needle);
        if (!at)
            fail_msg("no %s in:\n%s", fam[i], b.data);
        assert_null(strstr(at + 1, needle));
        snprintf(needle, sizeof(needle), "# TYPE %s ", fam[i]);
        assert_non_null(strstr(b.data, needle));
    }
    double rss = 0;
    const char *at = strstr(b.data, "\nprocess_resident_memory_bytes ");
    assert_int_equal(sscanf(at, "\nprocess_resident_memory_bytes %lf", &rss), 1);
    assert_true(rss > 0);
    nb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stat_fields),
        cmocka_unit_test(test_stat_refused),
        cmocka_unit_test(test_btime),
        cmocka_unit_test(test_render_self),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
