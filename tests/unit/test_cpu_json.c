/* test_cpu_json.c — GET /v1/cpu's wire form: exact 64-bit counters and names
 * both ways, PSI absent stays absent, malformed answers refused (nothing
 * half-filled), the thread bound enforced. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/cpu_json.h"

static void test_round_trip(void **state)
{
    (void)state;
    struct nb_cpu_thread th[2] = {
        {"vnetA", 4242, 4242, "qemu-system-x86", 18446744073709551615ULL, 7},
        {"vnetA", 4242, 4250, "CPU 0/TCG", 1, 38000000000ULL},
    };
    struct nb_cpu_report in = {.mono = 3674821753056, .psi = true,
                               .pressure = {10.16, 3.13, 2.61, 34308603},
                               .truncated = true, .nthreads = 2, .th = th};
    struct nb_buf b;
    nb_buf_init(&b);
    nb_cpu_json_render("hA", &in, &b);
    struct nb_cpu_report out;
    char err[160];
    if (nb_cpu_json_parse(b.data, b.len, &out, 2, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_true(out.mono == in.mono && out.psi && out.truncated && !out.owners_denied);
    assert_true(out.pressure.avg10 == 10.16 && out.pressure.total_us == 34308603);
    assert_int_equal(out.nthreads, 2);
    assert_true(out.th[0].run_ns == UINT64_MAX && out.th[0].wait_ns == 7);
    assert_string_equal(out.th[1].comm, "CPU 0/TCG");
    assert_int_equal(out.th[1].tid, 4250);
    assert_int_equal(out.th[1].pid, 4242);
    assert_string_equal(out.th[1].tap, "vnetA");
    free(out.th);
    /* more threads than room: refused */
    assert_int_equal(nb_cpu_json_parse(b.data, b.len, &out, 1, err, sizeof(err)), -1);
    assert_null(out.th);
    assert_non_null(strstr(err, "more than 1"));
    nb_buf_free(&b);

    /* no PSI, no threads: the owners may not be read (privs.c), and says so */
    struct nb_cpu_report none = {.mono = 1, .owners_denied = true};
    nb_buf_init(&b);
    nb_cpu_json_render("hB", &none, &b);
    assert_non_null(strstr(b.data, "\"pressure\":null"));
    assert_non_null(strstr(b.data, "\"owners\":\"not_permitted\""));
    assert_int_equal(nb_cpu_json_parse(b.data, b.len, &out, 4, err, sizeof(err)), 0);
    assert_true(out.owners_denied);
    assert_false(out.psi);
    assert_int_equal(out.nthreads, 0);
    assert_null(out.th);
    nb_buf_free(&b);
}

static void test_malformed_refused(void **state)
{
    (void)state;
#define HEAD "{\"schema\":\"netblame.cpu/v1\",\"node\":\"hA\",\"mono_ns\":\"5\","
#define T(x) HEAD "\"pressure\":null,\"truncated\":false,\"threads\":[" x "]}"
#define GOOD "{\"tap\":\"vnetA\",\"pid\":1,\"tid\":2,\"comm\":\"x\",\"run_ns\":\"1\",\"wait_ns\":\"2\"}"
    static const char *const bad[] = {
        "",
        "[]",
        "{\"schema\":\"netblame.cpu/v2\"}",
        HEAD "\"truncated\":false,\"threads\":[]}",                      /* pressure missing */
        HEAD "\"pressure\":{},\"truncated\":false,\"threads\":[]}",
        HEAD "\"pressure\":{\"avg10\":101,\"avg60\":0,\"avg300\":0,\"total_us\":\"1\"},"
             "\"truncated\":false,\"threads\":[]}",
        HEAD "\"pressure\":{\"avg10\":1,\"avg60\":0,\"avg300\":0,\"total_us\":1},"
             "\"truncated\":false,\"threads\":[]}",                      /* total as a number */
        HEAD "\"pressure\":null,\"threads\":[]}",                        /* truncated missing */
        HEAD "\"pressure\":null,\"truncated\":0,\"threads\":[]}",
        HEAD "\"pressure\":null,\"truncated\":false,\"threads\":{}}",
        "{\"schema\":\"netblame.cpu/v1\",\"mono_ns\":\"0\",\"pressure\":null,\"truncated\":false,"
        "\"threads\":[]}",
        "{\"schema\":\"netblame.cpu/v1\",\"mono_ns\":\"-5\",\"pressure\":null,\"truncated\":false,"
        "\"threads\":[]}",
        T("1"),
        T(GOOD ",{}"),
        T("{\"tap\":\"\",\"pid\":1,\"tid\":2,\"comm\":\"x\",\"run_ns\":\"1\",\"wait_ns\":\"2\"}"),
        T("{\"tap\":\"0123456789abcdef\",\"pid\":1,\"tid\":2,\"comm\":\"x\",\"run_ns\":\"1\","
          "\"wait_ns\":\"2\"}"),
        T("{\"tap\":\"vnetA\",\"pid\":0,\"tid\":2,\"comm\":\"x\",\"run_ns\":\"1\",\"wait_ns\":\"2\"}"),
        T("{\"tap\":\"vnetA\",\"pid\":1.5,\"tid\":2,\"comm\":\"x\",\"run_ns\":\"1\",\"wait_ns\":\"2\"}"),
        T("{\"tap\":\"vnetA\",\"pid\":1,\"tid\":2147483648,\"comm\":\"x\",\"run_ns\":\"1\","
          "\"wait_ns\":\"2\"}"),
        T("{\"tap\":\"vnetA\",\"pid\":1,\"tid\":2,\"comm\":\"x\",\"run_ns\":\"1\",\"wait_ns\":\"-2\"}"),
        T("{\"tap\":\"vnetA\",\"pid\":1,\"tid\":2,\"comm\":\"x\",\"run_ns\":\"1\","
          "\"wait_ns\":\"18446744073709551616\"}"),
        T("{\"tap\":\"vnetA\",\"pid\":1,\"tid\":2,\"run_ns\":\"1\",\"wait_ns\":\"2\"}"),
    };
    struct nb_cpu_report out;
    char err[160];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (nb_cpu_json_parse(bad[i], strlen(bad[i]), &out, 8, err, sizeof(err)) != -1)
            fail_msg("accepted: %s", bad[i]);
        assert_null(out.th);
        assert_int_equal(out.nthreads, 0);
    }
    /* unknown members are a newer agent's: ignored */
    static const char newer[] = HEAD "\"pressure\":null,\"truncated\":false,\"cgroup\":\"x\","
                                     "\"threads\":[" GOOD "]}";
    assert_int_equal(nb_cpu_json_parse(newer, strlen(newer), &out, 8, err, sizeof(err)), 0);
    assert_int_equal(out.nthreads, 1);
    free(out.th);
#undef GOOD
#undef T
#undef HEAD
}

/* A repeated key is refused (wire/jsonread.h's rule for every parser),
 * though an unknown one is a newer agent's and passed over. */
static void test_repeated_keys_refused(void **state)
{
    (void)state;
    static const struct {
        const char *text, *err;
    } bad[] = {
        {"{\"schema\":\"netblame.cpu/v1\",\"mono_ns\":\"5\",\"mono_ns\":\"6\",\"pressure\":null,"
         "\"truncated\":false,\"threads\":[]}",
         "cpu: mono_ns: duplicate key"},
        {"{\"schema\":\"netblame.cpu/v1\",\"mono_ns\":\"5\",\"pressure\":{\"avg10\":1,"
         "\"avg10\":2,\"avg60\":0,\"avg300\":0,\"total_us\":\"1\"},\"truncated\":false,"
         "\"threads\":[]}",
         "cpu: pressure.avg10: duplicate key"},
        {"{\"schema\":\"netblame.cpu/v1\",\"mono_ns\":\"5\",\"pressure\":null,\"truncated\":false,"
         "\"threads\":[{\"tap\":\"vnetA\",\"pid\":1,\"tid\":2,\"comm\":\"x\",\"run_ns\":\"1\","
         "\"wait_ns\":\"2\",\"cgroup\":\"a\",\"cgroup\":\"b\"}]}",
         "cpu: threads[0].cgroup: duplicate key"},
    };
    struct nb_cpu_report out;
    char err[160];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(
            nb_cpu_json_parse(bad[i].text, strlen(bad[i].text), &out, 8, err, sizeof(err)), -1);
        assert_string_equal(err, bad[i].err);
        assert_null(out.th);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_malformed_refused),
        cmocka_unit_test(test_repeated_keys_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
