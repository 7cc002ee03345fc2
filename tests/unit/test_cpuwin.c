/* test_cpuwin.c — CPU samples into the classifier's contention figures: the
 * share of the window on the agent's own clock, the most-waiting thread of
 * this path's taps only (another guest's thread is not cited), threads found
 * late never charged their whole life, counters that went back ignored, and
 * steal as a share of CPU time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "input/cpuwin.h"

#define S 1000000000LL

static struct nb_cpu_thread thr(const char *tap, int pid, int tid, const char *comm,
                                uint64_t wait_ns)
{
    struct nb_cpu_thread t;
    memset(&t, 0, sizeof(t));
    snprintf(t.tap, sizeof(t.tap), "%s", tap);
    t.pid = pid;
    t.tid = tid;
    snprintf(t.comm, sizeof(t.comm), "%s", comm);
    t.wait_ns = wait_ns;
    t.run_ns = wait_ns / 2;
    return t;
}

static void test_host_window(void **state)
{
    (void)state;
    struct nb_cpu_thread a[] = {
        thr("vnetA", 100, 100, "qemu-system-x86", 1 * S),
        thr("vnetA", 100, 101, "CPU 0/TCG", 5 * S),
        thr("vnetB", 200, 200, "other-guest", 0),
        thr("vnetA", 100, 103, "worker", 9 * S),
    };
    struct nb_cpu_thread b[] = {
        thr("vnetA", 100, 100, "qemu-system-x86", 1 * S + S / 10), /* 10 % of 1 s */
        thr("vnetA", 100, 101, "CPU 0/TCG", 5 * S + 38 * S / 100), /* 38 % */
        thr("vnetB", 200, 200, "other-guest", S),                 /* 100 %, another tap */
        thr("vnetA", 100, 102, "vhost-100", 10 * S),              /* found late: not charged */
        thr("vnetA", 100, 103, "worker", 1 * S),                  /* went back: ignored */
    };
    struct nb_cpu_report ra = {.mono = 50 * S, .psi = true, .pressure = {1, 1, 1, 2000000},
                               .nthreads = 4, .th = a};
    struct nb_cpu_report rb = {.mono = 51 * S, .psi = true, .pressure = {41, 1, 1, 2410000},
                               .nthreads = 5, .th = b};
    const char taps[][NB_CPU_IFNAMSIZ] = {"vnetA"};
    struct nb_cls_cpu c;
    memset(&c, 0, sizeof(c));
    nb_cpuwin_host(&ra, &rb, taps, 1, &c);
    assert_true(c.pressure);
    assert_true(c.pressure_some > 0.4099 && c.pressure_some < 0.4101);
    assert_true(c.pressure_avg10 == 41);
    assert_true(c.thread);
    assert_string_equal(c.thread_name, "CPU 0/TCG");
    assert_int_equal(c.thread_tid, 101);
    assert_int_equal(c.owner_pid, 100);
    assert_string_equal(c.owner_name, "qemu-system-x86");
    assert_string_equal(c.tap, "vnetA");
    assert_true(c.thread_wait > 0.3799 && c.thread_wait < 0.3801);
    char text[200];
    nb_cpuwin_describe(&c, text, sizeof(text));
    assert_string_equal(text, "CPU 0/TCG[101] (tap vnetA) waited 38.0 % of the window to run; "
                              "CPU pressure some 41.0 % (avg10 41.0 %)");

    /* a host agent that may not read its taps' owners says so */
    memset(&c, 0, sizeof(c));
    rb.owners_denied = true;
    nb_cpuwin_host(&ra, &rb, taps, 1, &c);
    assert_true(c.owners_denied);
    rb.owners_denied = false;

    /* no tap of this path known: pressure only, no thread of another guest */
    memset(&c, 0, sizeof(c));
    nb_cpuwin_host(&ra, &rb, taps, 0, &c);
    assert_true(c.pressure && !c.thread);

    /* the other guest's tap: its own thread, capped at the whole window */
    const char other[][NB_CPU_IFNAMSIZ] = {"vnetB"};
    memset(&c, 0, sizeof(c));
    nb_cpuwin_host(&ra, &rb, other, 1, &c);
    assert_true(c.thread && c.thread_wait == 1.0);
    assert_string_equal(c.owner_name, "other-guest");

    /* samples out of order, or the same instant: nothing */
    memset(&c, 0, sizeof(c));
    nb_cpuwin_host(&rb, &ra, taps, 1, &c);
    nb_cpuwin_host(&ra, &ra, taps, 1, &c);
    nb_cpuwin_host(NULL, &rb, taps, 1, &c);
    assert_false(c.pressure || c.thread);

    /* PSI at one end only, or its total went back: no pressure figure */
    ra.psi = false;
    nb_cpuwin_host(&ra, &rb, taps, 1, &c);
    assert_false(c.pressure);
    ra.psi = true;
    ra.pressure.total_us = 3000000;
    memset(&c, 0, sizeof(c));
    nb_cpuwin_host(&ra, &rb, taps, 1, &c);
    assert_false(c.pressure);
    nb_cpuwin_describe(&c, text, sizeof(text));
    assert_non_null(strstr(text, "CPU 0/TCG[101]"));
}

static void test_steal(void **state)
{
    (void)state;
    struct nb_cpu_times a = {1000, 10}, b = {1400, 110};
    struct nb_cls_cpu c;
    memset(&c, 0, sizeof(c));
    nb_cpuwin_steal(&a, &b, &c);
    assert_true(c.steal && c.steal_share == 0.25);
    memset(&c, 0, sizeof(c));
    nb_cpuwin_steal(&b, &a, &c); /* backwards */
    nb_cpuwin_steal(&a, &a, &c); /* no time */
    assert_false(c.steal);
    char text[64];
    nb_cpuwin_describe(&c, text, sizeof(text));
    assert_string_equal(text, "");
    c.steal = true;
    nb_cpuwin_describe(&c, text, 8); /* bounded */
    assert_int_equal(strlen(text), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_window),
        cmocka_unit_test(test_steal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
