/* stamp_samples.h — the sample STAMP packets the wire-format tests
 * (test_stamp.c, test_stamp_tlv.c) encode and decode, their key, and the
 * field-by-field comparisons of what came back. */
#ifndef NB_TEST_STAMP_SAMPLES_H
#define NB_TEST_STAMP_SAMPLES_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "netblame/stamp.h"

static const struct nb_stamp_key KEY = {.key = "netblame stamp key", .len = 18};

static const struct nb_stamp_test T = {
    .seq = 0x01020304, .ts = 0x1112131415161718ULL, .errest = 0x2122, .ssid = 0x3132};

static const struct nb_stamp_reflected R = {
    .seq = 0x01020304,
    .ts = 0x1112131415161718ULL,
    .errest = 0x2122,
    .ssid = 0x3132,
    .rx_ts = 0x4142434445464748ULL,
    .ss_seq = 0x51525354,
    .ss_ts = 0x6162636465666768ULL,
    .ss_errest = 0x7172,
    .ss_ttl = 0x81,
};

static inline void assert_test_eq(const struct nb_stamp_test *a, const struct nb_stamp_test *b)
{
    assert_int_equal(a->seq, b->seq);
    assert_int_equal(a->ts, b->ts);
    assert_int_equal(a->errest, b->errest);
    assert_int_equal(a->ssid, b->ssid);
}

static inline void assert_refl_eq(const struct nb_stamp_reflected *a,
                                  const struct nb_stamp_reflected *b)
{
    assert_int_equal(a->seq, b->seq);
    assert_int_equal(a->ts, b->ts);
    assert_int_equal(a->errest, b->errest);
    assert_int_equal(a->ssid, b->ssid);
    assert_int_equal(a->rx_ts, b->rx_ts);
    assert_int_equal(a->ss_seq, b->ss_seq);
    assert_int_equal(a->ss_ts, b->ss_ts);
    assert_int_equal(a->ss_errest, b->ss_errest);
    assert_int_equal(a->ss_ttl, b->ss_ttl);
}

#endif
