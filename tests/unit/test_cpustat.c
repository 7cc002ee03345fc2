/* test_cpustat.c — cpustat.c: the /proc text parsers on real and broken
 * samples (every field, every bound, truncation anywhere), and the tap-owner
 * scan against the real kernel: main() moves the test into a private network
 * namespace, where it opens a tap and names a thread; the scan must find this
 * process and that thread, and not a child that holds a tap of the same name
 * in another namespace. Needs root; a failed unshare fails the test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "netblame/cpustat.h"

/* ---- parsers ---- */

static const char psi_text[] = "some avg10=10.16 avg60=3.13 avg300=2.61 total=34308603\n"
                               "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";

static void test_psi_parse(void **state)
{
    (void)state;
    struct nb_psi p;
    assert_int_equal(nb_psi_parse(psi_text, strlen(psi_text), &p), 0);
    assert_true(p.avg10 > 10.159 && p.avg10 < 10.161);
    assert_true(p.avg60 > 3.129 && p.avg60 < 3.131);
    assert_true(p.avg300 > 2.609 && p.avg300 < 2.611);
    assert_true(p.total_us == 34308603);
    /* older kernels: "some" only, no newline at the end */
    static const char some_only[] = "some avg10=0.00 avg60=100.00 avg300=0.5 total=1";
    assert_int_equal(nb_psi_parse(some_only, strlen(some_only), &p), 0);
    assert_true(p.avg60 == 100.0 && p.total_us == 1);
    /* every prefix of a valid text is refused until the total has a digit */
    size_t digit = (size_t)(strstr(psi_text, "total=") - psi_text) + strlen("total=");
    for (size_t n = 0; n < strlen(psi_text); n++)
        assert_int_equal(nb_psi_parse(psi_text, n, &p), n > digit ? 0 : -1);
    static const char *const bad[] = {
        "",
        "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",         /* no some line */
        "some avg10=100.01 avg60=0.00 avg300=0.00 total=0\n",       /* over 100 % */
        "some avg10=-1.00 avg60=0.00 avg300=0.00 total=0\n",
        "some avg10=1.00 avg60=0.00 total=0\n",                     /* a field missing */
        "some avg10=1.00 avg60=0.00 avg300=0.00 total=0 x=1\n",     /* one too many */
        "some avg10=1.00  avg60=0.00 avg300=0.00 total=0\n",        /* two blanks */
        "some avg10=1. avg60=0.00 avg300=0.00 total=0\n",
        "some avg10=1.0000001 avg60=0.00 avg300=0.00 total=0\n",    /* 7 decimals */
        "some avg10=1.00 avg60=0.00 avg300=0.00 total=18446744073709551616\n", /* 2^64 */
        "some avg10=1.00 avg60=0.00 avg300=0.00 total=-5\n",
        "some avg60=1.00 avg10=0.00 avg300=0.00 total=0\n",         /* order */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(nb_psi_parse(bad[i], strlen(bad[i]), &p), -1);
    static const char max[] = "some avg10=0 avg60=0 avg300=0 total=18446744073709551615";
    assert_int_equal(nb_psi_parse(max, strlen(max), &p), 0);
    assert_true(p.total_us == UINT64_MAX);
}

static void test_schedstat_parse(void **state)
{
    (void)state;
    uint64_t run, wait;
    static const char ok[] = "1306303595 37264045 4241\n";
    assert_int_equal(nb_schedstat_parse(ok, strlen(ok), &run, &wait), 0);
    assert_true(run == 1306303595 && wait == 37264045);
    assert_int_equal(nb_schedstat_parse(ok, strlen(ok) - 1, &run, &wait), 0); /* no newline */
    for (size_t n = 0; n < strlen(ok) - 1; n++) {
        int r = nb_schedstat_parse(ok, n, &run, &wait);
        /* a cut inside the last number still reads three numbers */
        assert_int_equal(r, n > strlen("1306303595 37264045 ") ? 0 : -1);
    }
    static const char *const bad[] = {"", "1 2\n", "1 2 3 4\n", "1  2 3\n", "-1 2 3\n",
                                      "1 2 3\n\n", "1 2 x\n", "99999999999999999999 1 1\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(nb_schedstat_parse(bad[i], strlen(bad[i]), &run, &wait), -1);
}

static void test_procstat_parse(void **state)
{
    (void)state;
    struct nb_cpu_times t;
    static const char ok[] = "cpu  21835 0 9321 606790 596 0 275 84 0 0\n"
                             "cpu0 9846 0 4240 305182 42 0 117 43 0 0\n";
    assert_int_equal(nb_procstat_parse(ok, strlen(ok), &t), 0);
    assert_true(t.steal == 84);
    assert_true(t.total == 21835 + 9321 + 606790 + 596 + 275 + 84);
    static const char eight[] = "cpu 1 2 3 4 5 6 7 8";
    assert_int_equal(nb_procstat_parse(eight, strlen(eight), &t), 0);
    assert_true(t.steal == 8 && t.total == 36);
    static const char *const bad[] = {
        "", "cpu0 1 2 3 4 5 6 7 8\n", "cpu 1 2 3 4 5 6 7\n", /* no steal column */
        "cpu 1 2 3 4 5 6 7 x\n", "cpux 1 2 3 4 5 6 7 8\n", "cpu 1 2 3 4 5 6 7 8 z\n",
        "cpu 18446744073709551615 1 0 0 0 0 0 0\n", /* the sum overflows */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(nb_procstat_parse(bad[i], strlen(bad[i]), &t), -1);
}

static void test_fdinfo_iff(void **state)
{
    (void)state;
    char name[16];
    static const char tun[] = "pos:\t0\nflags:\t0104002\nmnt_id:\t26\nino:\t1076\niff:\tvnetA\n";
    assert_int_equal(nb_fdinfo_iff(tun, strlen(tun), name, sizeof(name)), 1);
    assert_string_equal(name, "vnetA");
    assert_int_equal(nb_fdinfo_iff(tun, strlen(tun) - 1, name, sizeof(name)), 1);
    assert_int_equal(nb_fdinfo_iff(tun, strlen(tun) - 3, name, sizeof(name)), 1);
    assert_string_equal(name, "vne");
    static const char plain[] = "pos:\t0\nflags:\t02\nmnt_id:\t26\nino:\t12\n";
    assert_int_equal(nb_fdinfo_iff(plain, strlen(plain), name, sizeof(name)), 0);
    assert_int_equal(nb_fdinfo_iff("", 0, name, sizeof(name)), 0);
    static const char long15[] = "iff:\t123456789012345\n";
    assert_int_equal(nb_fdinfo_iff(long15, strlen(long15), name, sizeof(name)), 1);
    assert_string_equal(name, "123456789012345");
    assert_int_equal(nb_fdinfo_iff(long15, strlen(long15), name, 8), -1); /* CAP too small */
    static const char *const bad[] = {"iff:\t\n", "iff:\n", "iff:\t1234567890123456\n",
                                      "iff:\ta/b\n", "iff:\ta b\n", "iff:\t\x7f\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(nb_fdinfo_iff(bad[i], strlen(bad[i]), name, sizeof(name)), -1);
}

static void test_comm_parse(void **state)
{
    (void)state;
    char c[NB_COMM_SIZ];
    assert_int_equal(nb_comm_parse("nb-standin\n", 11, c), 0);
    assert_string_equal(c, "nb-standin");
    assert_int_equal(nb_comm_parse("CPU 0/TCG", 9, c), 0);
    assert_string_equal(c, "CPU 0/TCG");
    assert_int_equal(nb_comm_parse("a\tb\x01\n", 5, c), 0);
    assert_string_equal(c, "a?b?");
    assert_int_equal(nb_comm_parse("0123456789abcdefgh\n", 19, c), 0); /* bounded */
    assert_string_equal(c, "0123456789abcde");
    assert_int_equal(nb_comm_parse("\n", 1, c), -1);
    assert_int_equal(nb_comm_parse("", 0, c), -1);
}

/* This machine's own files parse (PSI may be missing: a kernel without it). */
static void test_readers(void **state)
{
    (void)state;
    struct nb_cpu_times t;
    assert_int_equal(nb_procstat_read(&t), 0);
    assert_true(t.total > 0 && t.steal <= t.total);
    struct nb_psi p;
    if (nb_psi_read(&p) == 0)
        assert_true(p.avg10 >= 0 && p.avg10 <= 100);
    else
        printf("  no /proc/pressure/cpu on this kernel\n");
}

/* ---- tap owners, against the kernel ---- */

static int open_tap(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    assert_true(fd >= 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    assert_int_equal(ioctl(fd, TUNSETIFF, &ifr), 0);
    return fd;
}

static volatile int worker_stop;
static void *worker(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "nbfwd-worker");
    while (!worker_stop)
        usleep(1000);
    return NULL;
}

static const struct nb_cpu_thread *find_thread(const struct nb_cpu_thread *th, size_t n,
                                               const char *comm)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(th[i].comm, comm) == 0)
            return &th[i];
    return NULL;
}

/* A child in a namespace of its own holding a tap named NAME; returns its
 * pid once the tap exists (the pipe says so). */
static pid_t twin_elsewhere(const char *name)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        if (unshare(CLONE_NEWNET) < 0)
            _exit(1);
        int fd = open_tap(name);
        (void)fd;
        if (write(p[1], "x", 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    close(p[1]);
    char c;
    assert_int_equal(read(p[0], &c, 1), 1);
    close(p[0]);
    return pid;
}

static void test_tap_owners(void **state)
{
    (void)state;
    /* a name of this run's own: a test running alongside (another build's)
     * duplicates the fds of the taps it looks for, and would hold ours */
    char name[16];
    snprintf(name, sizeof(name), "nbcpu%d", (int)(getpid() % 100000000));
    const char *names[] = {name};
    pid_t twin = twin_elsewhere(name);
    int fd = open_tap(name);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, worker, NULL), 0);

    struct nb_tapowners *o = nb_tapowners_new("/proc");
    /* only this process: the twin's tap is in another namespace */
    assert_int_equal(nb_tapowners_scan(o, names, 1), 1);
    assert_int_equal(nb_tapowners_taps(o), 1);
    /* among other names, in no order (the scan searches them sorted) */
    const char *several[] = {"zz-none", name, "aa-none", "nbcpu"};
    assert_int_equal(nb_tapowners_scan(o, several, 4), 1);
    assert_int_equal(nb_tapowners_taps(o), 1);
    struct nb_cpu_thread th[64];
    bool trunc = true;
    size_t n = 0;
    for (int tries = 0; tries < 1000; tries++) { /* the worker names itself: wait for it */
        n = nb_tapowners_sample(o, th, 64, &trunc);
        if (find_thread(th, n, "nbfwd-worker"))
            break;
        usleep(1000);
    }
    assert_true(n >= 2);
    assert_false(trunc);
    const struct nb_cpu_thread *w = find_thread(th, n, "nbfwd-worker");
    assert_non_null(w);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(th[i].tap, name);
        assert_int_equal(th[i].pid, getpid());
        assert_true(th[i].tid != twin);
    }
    bool main_thread = false;
    for (size_t i = 0; i < n; i++)
        main_thread |= th[i].tid == getpid() && th[i].run_ns > 0;
    assert_true(main_thread);

    /* room for one: the rest is left out, and said */
    assert_int_equal(nb_tapowners_sample(o, th, 1, &trunc), 1);
    assert_true(trunc);

    /* a name nobody holds, and no names at all */
    const char *other[] = {"nbcpu-none"};
    assert_int_equal(nb_tapowners_scan(o, other, 1), 0);
    assert_int_equal(nb_tapowners_taps(o), 0);
    assert_int_equal(nb_tapowners_sample(o, th, 64, NULL), 0);
    assert_int_equal(nb_tapowners_scan(o, names, 0), 0);

    /* the owner lets go of the tap: what a sample read is dropped */
    assert_int_equal(nb_tapowners_scan(o, names, 1), 1);
    close(fd);
    assert_int_equal(nb_tapowners_sample(o, th, 64, NULL), 0);
    assert_int_equal(nb_tapowners_scan(o, names, 1), 0);
    nb_tapowners_free(o);
    nb_tapowners_free(NULL);

    worker_stop = 1;
    pthread_join(t, NULL);
    kill(twin, SIGKILL);
    waitpid(twin, NULL, 0);
}

/* A procfs that is not there: nothing found, nothing crashes. */
static void test_no_proc(void **state)
{
    (void)state;
    const char *names[] = {"nbcpu0"};
    struct nb_tapowners *o = nb_tapowners_new("/nonexistent-proc");
    assert_int_equal(nb_tapowners_scan(o, names, 1), 0);
    struct nb_cpu_thread th[4];
    assert_int_equal(nb_tapowners_sample(o, th, 4, NULL), 0);
    nb_tapowners_free(o);
}

int main(void)
{
    if (unshare(CLONE_NEWNET) < 0) {
        fprintf(stderr, "test_cpustat: unshare(CLONE_NEWNET): %s (needs root)\n", strerror(errno));
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_psi_parse),     cmocka_unit_test(test_schedstat_parse),
        cmocka_unit_test(test_procstat_parse), cmocka_unit_test(test_fdinfo_iff),
        cmocka_unit_test(test_comm_parse),    cmocka_unit_test(test_readers),
        cmocka_unit_test(test_tap_owners),    cmocka_unit_test(test_no_proc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
