/* test_ntp.c — NTP timestamp and Error Estimate conversions: the arithmetic
 * every STAMP delay figure goes through. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "netblame/ntp.h"

#define NTP(sec, frac) (((uint64_t)(sec) << 32) | (uint32_t)(frac))

__extension__ typedef unsigned __int128 u128;

/* 1970-01-01 is NTP second 2208988800 with a zero fraction, and back. */
static void test_ntp_unix_epoch(void **state)
{
    (void)state;
    assert_int_equal(nb_ntp_from_ns(0), NTP(NB_NTP_UNIX_OFFSET, 0));
    assert_int_equal(nb_ntp_to_ns(NTP(NB_NTP_UNIX_OFFSET, 0)), 0);
}

/* NTP 0 is 1900-01-01, 2208988800 s before the Unix epoch (era 0). */
static void test_ntp_zero_is_1900(void **state)
{
    (void)state;
    assert_int_equal(nb_ntp_to_ns(0), -(int64_t)NB_NTP_UNIX_OFFSET * NB_NS_PER_SEC);
    assert_int_equal(nb_ntp_from_ns(-(int64_t)NB_NTP_UNIX_OFFSET * NB_NS_PER_SEC), 0);
}

/* A known date: 2024-01-01T00:00:00.5Z is Unix 1704067200.5, NTP 3913056000.0x80000000. */
static void test_ntp_known_date(void **state)
{
    (void)state;
    nb_ns t = 1704067200LL * NB_NS_PER_SEC + 500000000;
    assert_int_equal(nb_ntp_from_ns(t), NTP(3913056000u, 0x80000000u));
    assert_int_equal(nb_ntp_to_ns(NTP(3913056000u, 0x80000000u)), t);
}

/* Fractions round to the nearest unit both ways (2^-32 s ~ 0.233 ns). */
static void test_ntp_fraction_rounds_to_nearest(void **state)
{
    (void)state;
    nb_ns unix0 = 0;
    /* 1 ns = 4.29 units -> 4; 2 ns = 8.59 -> 9 */
    assert_int_equal(nb_ntp_from_ns(unix0 + 1) & 0xffffffffu, 4);
    assert_int_equal(nb_ntp_from_ns(unix0 + 2) & 0xffffffffu, 9);
    /* 999999999 ns = 4294967291.7 units -> 4294967292: no carry into the seconds */
    assert_int_equal(nb_ntp_from_ns(999999999), NTP(NB_NTP_UNIX_OFFSET, 4294967292u));
    /* units -> ns: 1 -> 0.23 -> 0, 2 -> 0.47 -> 0, 3 -> 0.70 -> 1 */
    assert_int_equal(nb_ntp_to_ns(NTP(NB_NTP_UNIX_OFFSET, 1)), 0);
    assert_int_equal(nb_ntp_to_ns(NTP(NB_NTP_UNIX_OFFSET, 2)), 0);
    assert_int_equal(nb_ntp_to_ns(NTP(NB_NTP_UNIX_OFFSET, 3)), 1);
    /* the last unit of a second rounds up to the next whole second */
    assert_int_equal(nb_ntp_to_ns(NTP(NB_NTP_UNIX_OFFSET + 5, 0xffffffffu)), 6 * NB_NS_PER_SEC);
}

/* Times before 1970 keep a fraction in [0, 1): -0.25 s is second -1 + 0.75. */
static void test_ntp_before_unix_epoch(void **state)
{
    (void)state;
    assert_int_equal(nb_ntp_from_ns(-250000000), NTP(NB_NTP_UNIX_OFFSET - 1, 0xc0000000u));
    assert_int_equal(nb_ntp_to_ns(NTP(NB_NTP_UNIX_OFFSET - 1, 0xc0000000u)), -250000000);
}

/* ns -> NTP -> ns gives the same nanosecond back: the NTP unit is finer than
 * 1 ns, so both roundings together stay within half a nanosecond (the contract
 * asks for 1 ns; we get exact). */
static void test_ntp_ns_round_trip(void **state)
{
    (void)state;
    const nb_ns fixed[] = {
        0,
        1,
        -1,
        999999999,
        1000000000,
        1704067200LL * NB_NS_PER_SEC + 123456789,
        2085978495LL * NB_NS_PER_SEC + 999999999, /* last second of era 0 */
        -(int64_t)NB_NTP_UNIX_OFFSET * NB_NS_PER_SEC,
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        assert_int_equal(nb_ntp_to_ns(nb_ntp_from_ns(fixed[i])), fixed[i]);

    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 100000; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        /* anywhere in era 0: [1900, 2036) */
        nb_ns t = (nb_ns)(x % (4294967296ULL * NB_NS_PER_SEC)) -
                  (int64_t)NB_NTP_UNIX_OFFSET * NB_NS_PER_SEC;
        assert_int_equal(nb_ntp_to_ns(nb_ntp_from_ns(t)), t);
    }
}

/* The last second of era 0 is NTP second 0xffffffff (2036-02-07T06:28:15Z). */
static void test_ntp_era0_end(void **state)
{
    (void)state;
    assert_int_equal(nb_ntp_from_ns(2085978495LL * NB_NS_PER_SEC) >> 32, 0xffffffffu);
}

static void test_ns_from_timespec(void **state)
{
    (void)state;
    struct timespec ts = {.tv_sec = 5, .tv_nsec = 123};
    assert_int_equal(nb_ns_from_timespec(&ts), 5000000123LL);
    struct timespec before = {.tv_sec = -1, .tv_nsec = 500000000};
    assert_int_equal(nb_ns_from_timespec(&before), -500000000LL);
}

static void test_realtime_now_is_wall_clock(void **state)
{
    (void)state;
    time_t a = time(NULL);
    nb_ns now = nb_realtime_now();
    time_t b = time(NULL);
    assert_true(now / NB_NS_PER_SEC >= (int64_t)a - 1);
    assert_true(now / NB_NS_PER_SEC <= (int64_t)b + 1);
}

/* ---- Error Estimate ---- */

#define ERR_SCALE(e) (((e) >> 8) & 0x3fu)
#define ERR_MULT(e) ((e)&0xffu)

/* Estimate in units of 2^-32 s, and BOUND in the same units rounded up. */
static u128 err_units(uint16_t e)
{
    return (u128)ERR_MULT(e) << ERR_SCALE(e);
}

static u128 bound_units(nb_ns bound)
{
    return ((u128)bound * ((u128)1 << 32) + (NB_NS_PER_SEC - 1)) / NB_NS_PER_SEC;
}

static const nb_ns bounds[] = {
    1, 1000, 1000000, NB_NS_PER_SEC, 100 * NB_NS_PER_SEC, 3, 777777, 123456789012LL,
};

/* The estimate we advertise never understates the bound, and never overstates
 * it by more than one multiplier step (1/128 once the scale is above 0). */
static void test_errest_covers_bound_tightly(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
        nb_ns b = bounds[i];
        uint16_t e = nb_errest_encode(0, b);
        assert_int_not_equal(ERR_MULT(e), 0);
        nb_ns ns = nb_errest_ns(e, NULL);
        assert_true(ns >= b);
        assert_true(ns <= b + b / 127 + 1);
    }
}

/* It is the smallest representable estimate >= the bound: no (scale, multiplier)
 * pair lies in [bound, estimate). */
static void test_errest_is_smallest_cover(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
        uint16_t e = nb_errest_encode(0, bounds[i]);
        u128 want = bound_units(bounds[i]);
        u128 got = err_units(e);
        assert_true(got >= want);
        for (unsigned s = 0; s < 64; s++)
            for (unsigned m = 1; m < 256; m++) {
                u128 v = (u128)m << s;
                assert_false(v >= want && v < got);
            }
    }
}

/* Zero or negative bounds give the finest estimate, multiplier 1 (never 0). */
static void test_errest_zero_bound_has_nonzero_multiplier(void **state)
{
    (void)state;
    assert_int_equal(nb_errest_encode(0, 0), 0x0001);
    assert_int_equal(nb_errest_encode(0, -5), 0x0001);
    assert_int_equal(nb_errest_ns(0x0001, NULL), 1); /* 2^-32 s, rounded up */
}

/* S bit = synchronised to UTC; Z stays 0 (NTP format). */
static void test_errest_sync_bit(void **state)
{
    (void)state;
    int synced = -1;
    uint16_t e = nb_errest_encode(1, 1000000);
    assert_true(e & NB_ERREST_S);
    assert_false(e & NB_ERREST_Z);
    nb_errest_ns(e, &synced);
    assert_int_equal(synced, 1);
    e = nb_errest_encode(0, 1000000);
    assert_false(e & NB_ERREST_S);
    nb_errest_ns(e, &synced);
    assert_int_equal(synced, 0);
    /* the S bit does not change the magnitude */
    assert_int_equal(nb_errest_ns(nb_errest_encode(1, 1000000), NULL),
                     nb_errest_ns(nb_errest_encode(0, 1000000), NULL));
}

/* Known values from the RFC 4656 formula Multiplier * 2^(Scale-32) s. */
static void test_errest_decode_known_values(void **state)
{
    (void)state;
    assert_int_equal(nb_errest_ns(0x2001, NULL), NB_NS_PER_SEC);     /* 1 * 2^0 s */
    assert_int_equal(nb_errest_ns(0x2003, NULL), 3 * NB_NS_PER_SEC); /* 3 * 2^0 s */
    assert_int_equal(nb_errest_ns(0x1f01, NULL), NB_NS_PER_SEC / 2); /* 2^-1 s */
    assert_int_equal(nb_errest_encode(0, NB_NS_PER_SEC), 0x1980);    /* 128 * 2^-7 s */
    assert_int_equal(nb_errest_encode(1, NB_NS_PER_SEC), 0x9980);
}

/* The largest estimate (255 * 2^31 s) saturates instead of overflowing, and the
 * largest bound still encodes to an estimate that covers it. */
static void test_errest_extremes_saturate(void **state)
{
    (void)state;
    assert_int_equal(nb_errest_ns(0x3fff, NULL), INT64_MAX);
    uint16_t e = nb_errest_encode(0, INT64_MAX);
    assert_int_not_equal(ERR_MULT(e), 0);
    assert_true(err_units(e) >= bound_units(INT64_MAX));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ntp_unix_epoch),
        cmocka_unit_test(test_ntp_zero_is_1900),
        cmocka_unit_test(test_ntp_known_date),
        cmocka_unit_test(test_ntp_fraction_rounds_to_nearest),
        cmocka_unit_test(test_ntp_before_unix_epoch),
        cmocka_unit_test(test_ntp_ns_round_trip),
        cmocka_unit_test(test_ntp_era0_end),
        cmocka_unit_test(test_ns_from_timespec),
        cmocka_unit_test(test_realtime_now_is_wall_clock),
        cmocka_unit_test(test_errest_covers_bound_tightly),
        cmocka_unit_test(test_errest_is_smallest_cover),
        cmocka_unit_test(test_errest_zero_bound_has_nonzero_multiplier),
        cmocka_unit_test(test_errest_sync_bit),
        cmocka_unit_test(test_errest_decode_known_values),
        cmocka_unit_test(test_errest_extremes_saturate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
