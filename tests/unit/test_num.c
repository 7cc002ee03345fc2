/* test_num.c — the one strict parser of unsigned numbers from outside text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "wire/num.h"

static void test_accepts_plain_digits(void **state)
{
    uint64_t v;
    assert_int_equal(nb_parse_u64("0", 10, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(nb_parse_u64("18446744073709551615", 10, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(nb_parse_u64("deadBEEF", 16, &v), 0);
    assert_int_equal(v, 0xdeadbeef);
}

static void test_rejects_everything_else(void **state)
{
    static const char *const bad10[] = {"", " 1", "1 ", "+1", "-1", "0x1", "1e3", "1.0",
                                        "18446744073709551616", "123456789012345678901", "ab"};
    uint64_t v;
    for (size_t i = 0; i < sizeof(bad10) / sizeof(bad10[0]); i++)
        assert_int_equal(nb_parse_u64(bad10[i], 10, &v), -1);
    assert_int_equal(nb_parse_u64("0xff", 16, &v), -1);
    assert_int_equal(nb_parse_u64("g", 16, &v), -1);
    assert_int_equal(nb_parse_u64(NULL, 10, &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_plain_digits),
        cmocka_unit_test(test_rejects_everything_else),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
