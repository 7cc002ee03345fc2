/* test_stamp.c — STAMP wire format: the four RFC 8762/8972 layouts byte for byte,
 * HMAC authentication and the length checks that stand between the network and
 * the parser. The TLV area, netblame's private TLVs and the reflector's TLV
 * answers: test_stamp_tlv.c. Expected bytes are written out by hand from the
 * RFC figures. */
#include <string.h>

#include "stamp_samples.h"

/* A two-byte TLV of an unassigned type, to show where the TLV area starts. */
static const uint8_t TLV6[] = {0x80, 0xc8, 0x00, 0x02, 0xaa, 0xbb};

/* ---- layouts: RFC 8972 §3 figures (RFC 8762 §4.2/4.3 with the SSID) ---- */

/* Session-sender, unauthenticated: seq | timestamp | errest | SSID | MBZ(28) | TLVs */
static void test_layout_unauth_test(void **state)
{
    (void)state;
    /* clang-format off */
    const uint8_t want[50] = {
        [0] = 0x01, 0x02, 0x03, 0x04,                          /* sequence number */
        [4] = 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, /* timestamp */
        [12] = 0x21, 0x22,                                     /* error estimate */
        [14] = 0x31, 0x32,                                     /* SSID */
        /* [16, 44) MBZ */
        [44] = 0x80, 0xc8, 0x00, 0x02, 0xaa, 0xbb, /* TLVs */
    };
    /* clang-format on */
    uint8_t buf[64];
    memset(buf, 0xee, sizeof(buf));
    size_t len = nb_stamp_encode_test(buf, sizeof(buf), NB_STAMP_UNAUTH, NULL, &T, TLV6, 6);
    assert_int_equal(len, sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));

    struct nb_stamp_test got;
    struct nb_stamp_tlvs tlvs;
    assert_int_equal(nb_stamp_decode_test(want, sizeof(want), NB_STAMP_UNAUTH, NULL, &got, &tlvs),
                     NB_STAMP_OK);
    assert_test_eq(&got, &T);
    assert_int_equal(tlvs.n, 1);
    assert_ptr_equal(tlvs.tlv[0].value, want + 48);
}

/* Session-reflector, unauthenticated: seq | T3 | errest | SSID | T2 | sender seq |
 * sender timestamp | sender errest | MBZ(2) | sender TTL | MBZ(3) | TLVs */
static void test_layout_unauth_reflected(void **state)
{
    (void)state;
    /* clang-format off */
    const uint8_t want[50] = {
        [0] = 0x01, 0x02, 0x03, 0x04,                          /* sequence number */
        [4] = 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, /* timestamp (T3) */
        [12] = 0x21, 0x22,                                     /* error estimate */
        [14] = 0x31, 0x32,                                     /* SSID */
        [16] = 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, /* receive timestamp (T2) */
        [24] = 0x51, 0x52, 0x53, 0x54,                         /* session-sender seq */
        [28] = 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, /* session-sender timestamp */
        [36] = 0x71, 0x72,                                     /* session-sender errest */
        /* [38, 40) MBZ */
        [40] = 0x81, /* session-sender TTL */
        /* [41, 44) MBZ */
        [44] = 0x80, 0xc8, 0x00, 0x02, 0xaa, 0xbb, /* TLVs */
    };
    /* clang-format on */
    uint8_t buf[64];
    memset(buf, 0xee, sizeof(buf));
    size_t len = nb_stamp_encode_reflected(buf, sizeof(buf), NB_STAMP_UNAUTH, NULL, &R, TLV6, 6);
    assert_int_equal(len, sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));

    struct nb_stamp_reflected got;
    assert_int_equal(
        nb_stamp_decode_reflected(want, sizeof(want), NB_STAMP_UNAUTH, NULL, &got, NULL),
        NB_STAMP_OK);
    assert_refl_eq(&got, &R);
}

/* Session-sender, authenticated: seq | MBZ(12) | timestamp | errest | SSID |
 * MBZ(68) | HMAC(16) | TLVs. HMAC values computed independently (Python hmac). */
static void test_layout_auth_test(void **state)
{
    (void)state;
    /* clang-format off */
    const uint8_t want[118] = {
        [0] = 0x01, 0x02, 0x03, 0x04, /* sequence number */
        /* [4, 16) MBZ */
        [16] = 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, /* timestamp */
        [24] = 0x21, 0x22,                                     /* error estimate */
        [26] = 0x31, 0x32,                                     /* SSID */
        /* [28, 96) MBZ */
        [96] = 0x0a, 0x82, 0x3e, 0x5c, 0x93, 0x03, 0x93, 0x58, /* HMAC-SHA-256/128 */
        0x39, 0x83, 0xe3, 0x2a, 0xf3, 0xbc, 0x3e, 0x38,        /* over [0, 96) */
        [112] = 0x80, 0xc8, 0x00, 0x02, 0xaa, 0xbb,            /* TLVs */
    };
    /* clang-format on */
    uint8_t buf[128];
    memset(buf, 0xee, sizeof(buf));
    size_t len = nb_stamp_encode_test(buf, sizeof(buf), NB_STAMP_AUTH, &KEY, &T, TLV6, 6);
    assert_int_equal(len, sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));

    struct nb_stamp_test got;
    assert_int_equal(nb_stamp_decode_test(want, sizeof(want), NB_STAMP_AUTH, &KEY, &got, NULL),
                     NB_STAMP_OK);
    assert_test_eq(&got, &T);
}

/* Session-reflector, authenticated: seq | MBZ(12) | T3 | errest | SSID | MBZ(4) |
 * T2 | MBZ(8) | sender seq | MBZ(12) | sender timestamp | sender errest | MBZ(6) |
 * sender TTL | MBZ(15) | HMAC(16) | TLVs */
static void test_layout_auth_reflected(void **state)
{
    (void)state;
    /* clang-format off */
    const uint8_t want[118] = {
        [0] = 0x01, 0x02, 0x03, 0x04, /* sequence number */
        /* [4, 16) MBZ */
        [16] = 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, /* timestamp (T3) */
        [24] = 0x21, 0x22,                                     /* error estimate */
        [26] = 0x31, 0x32,                                     /* SSID */
        /* [28, 32) MBZ */
        [32] = 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, /* receive timestamp (T2) */
        /* [40, 48) MBZ */
        [48] = 0x51, 0x52, 0x53, 0x54, /* session-sender seq */
        /* [52, 64) MBZ */
        [64] = 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, /* session-sender timestamp */
        [72] = 0x71, 0x72,                                     /* session-sender errest */
        /* [74, 80) MBZ */
        [80] = 0x81, /* session-sender TTL */
        /* [81, 96) MBZ */
        [96] = 0xc6, 0xe4, 0xa7, 0xcb, 0xda, 0xda, 0xef, 0x2b, /* HMAC-SHA-256/128 */
        0x58, 0xe2, 0x97, 0x4a, 0xe8, 0xac, 0x53, 0x2b,        /* over [0, 96) */
        [112] = 0x80, 0xc8, 0x00, 0x02, 0xaa, 0xbb,            /* TLVs */
    };
    /* clang-format on */
    uint8_t buf[128];
    memset(buf, 0xee, sizeof(buf));
    size_t len = nb_stamp_encode_reflected(buf, sizeof(buf), NB_STAMP_AUTH, &KEY, &R, TLV6, 6);
    assert_int_equal(len, sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));

    struct nb_stamp_reflected got;
    assert_int_equal(nb_stamp_decode_reflected(want, sizeof(want), NB_STAMP_AUTH, &KEY, &got, NULL),
                     NB_STAMP_OK);
    assert_refl_eq(&got, &R);
}

/* RFC 8762: MBZ fields are ignored on receipt (a peer may leave junk there). */
static void test_decode_ignores_mbz(void **state)
{
    (void)state;
    uint8_t buf[NB_STAMP_BASE_LEN];
    assert_int_equal(
        nb_stamp_encode_reflected(buf, sizeof(buf), NB_STAMP_UNAUTH, NULL, &R, NULL, 0),
        NB_STAMP_BASE_LEN);
    buf[38] = buf[39] = buf[41] = buf[42] = buf[43] = 0xff;
    struct nb_stamp_reflected got;
    assert_int_equal(nb_stamp_decode_reflected(buf, sizeof(buf), NB_STAMP_UNAUTH, NULL, &got, NULL),
                     NB_STAMP_OK);
    assert_refl_eq(&got, &R);
}

/* ---- round trips ---- */

static size_t sample_tlvs(uint8_t *buf, size_t cap)
{
    struct nb_tlv_writer w;
    nb_tlv_writer_init(&w, buf, cap);
    nb_tlv_put_probe_id(&w, 0x0123456789abcdefULL);
    nb_tlv_put_timestamp_info(&w, 0, 0, 0, 0);
    nb_tlv_put_host_agent(&w, 0, NULL, 0);
    nb_tlv_put(&w, NB_TLV_F_U, NB_TLV_EXTRA_PADDING, NULL, 13);
    assert_false(w.overflow);
    return w.len;
}

static void test_round_trip_all_layouts(void **state)
{
    (void)state;
    uint8_t tlv[128];
    size_t tlv_len = sample_tlvs(tlv, sizeof(tlv));
    const enum nb_stamp_mode modes[] = {NB_STAMP_UNAUTH, NB_STAMP_AUTH};
    for (size_t m = 0; m < 2; m++) {
        enum nb_stamp_mode mode = modes[m];
        size_t base = mode == NB_STAMP_AUTH ? NB_STAMP_AUTH_BASE_LEN : NB_STAMP_BASE_LEN;
        uint8_t buf[256];
        struct nb_stamp_tlvs tlvs;
        uint64_t id = 0;

        size_t len = nb_stamp_encode_test(buf, sizeof(buf), mode, &KEY, &T, tlv, tlv_len);
        assert_int_equal(len, base + tlv_len);
        struct nb_stamp_test t;
        assert_int_equal(nb_stamp_decode_test(buf, len, mode, &KEY, &t, &tlvs), NB_STAMP_OK);
        assert_test_eq(&t, &T);
        assert_int_equal(tlvs.n, 4);
        assert_memory_equal(buf + base, tlv, tlv_len);
        assert_true(nb_tlv_get_probe_id(&tlvs, &id));
        assert_int_equal(id, 0x0123456789abcdefULL);

        len = nb_stamp_encode_reflected(buf, sizeof(buf), mode, &KEY, &R, tlv, tlv_len);
        assert_int_equal(len, base + tlv_len);
        struct nb_stamp_reflected r;
        assert_int_equal(nb_stamp_decode_reflected(buf, len, mode, &KEY, &r, &tlvs), NB_STAMP_OK);
        assert_refl_eq(&r, &R);
        assert_int_equal(tlvs.n, 4);
        assert_int_equal(tlvs.tlv[3].type, NB_TLV_EXTRA_PADDING);
        assert_int_equal(tlvs.tlv[3].len, 13);
    }
}

/* TLVs may be built directly after the base layout in the packet buffer. */
static void test_encode_tlvs_built_in_place(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t tlv_len =
        sample_tlvs(buf + NB_STAMP_AUTH_BASE_LEN, sizeof(buf) - NB_STAMP_AUTH_BASE_LEN);
    uint8_t copy[128];
    memcpy(copy, buf + NB_STAMP_AUTH_BASE_LEN, tlv_len);
    size_t len = nb_stamp_encode_test(buf, sizeof(buf), NB_STAMP_AUTH, &KEY, &T,
                                      buf + NB_STAMP_AUTH_BASE_LEN, tlv_len);
    assert_int_equal(len, NB_STAMP_AUTH_BASE_LEN + tlv_len);
    assert_memory_equal(buf + NB_STAMP_AUTH_BASE_LEN, copy, tlv_len);
}

/* ---- HMAC ---- */

/* Any bit flipped in the covered bytes [0, 96) or in the HMAC itself is caught. */
static void test_auth_flipped_bit_rejected(void **state)
{
    (void)state;
    uint8_t pkt[NB_STAMP_AUTH_BASE_LEN], refl[NB_STAMP_AUTH_BASE_LEN];
    assert_int_equal(nb_stamp_encode_test(pkt, sizeof(pkt), NB_STAMP_AUTH, &KEY, &T, NULL, 0),
                     sizeof(pkt));
    assert_int_equal(
        nb_stamp_encode_reflected(refl, sizeof(refl), NB_STAMP_AUTH, &KEY, &R, NULL, 0),
        sizeof(refl));
    for (size_t i = 0; i < NB_STAMP_AUTH_BASE_LEN; i++)
        for (int bit = 0; bit < 8; bit++) {
            pkt[i] ^= (uint8_t)(1u << bit);
            refl[i] ^= (uint8_t)(1u << bit);
            assert_int_equal(
                nb_stamp_decode_test(pkt, sizeof(pkt), NB_STAMP_AUTH, &KEY, NULL, NULL),
                NB_STAMP_E_HMAC);
            assert_int_equal(
                nb_stamp_decode_reflected(refl, sizeof(refl), NB_STAMP_AUTH, &KEY, NULL, NULL),
                NB_STAMP_E_HMAC);
            pkt[i] ^= (uint8_t)(1u << bit);
            refl[i] ^= (uint8_t)(1u << bit);
        }
    assert_int_equal(nb_stamp_decode_test(pkt, sizeof(pkt), NB_STAMP_AUTH, &KEY, NULL, NULL),
                     NB_STAMP_OK);
}

/* RFC 8762 §4.4: the base HMAC covers [0, 96) only, not the TLV area (RFC 8972
 * protects TLVs with its own HMAC TLV). */
static void test_auth_tlv_area_not_covered(void **state)
{
    (void)state;
    uint8_t pkt[128];
    size_t len = nb_stamp_encode_test(pkt, sizeof(pkt), NB_STAMP_AUTH, &KEY, &T, TLV6, 6);
    pkt[len - 1] ^= 0xff;
    assert_int_equal(nb_stamp_decode_test(pkt, len, NB_STAMP_AUTH, &KEY, NULL, NULL), NB_STAMP_OK);
}

static void test_auth_wrong_key_rejected(void **state)
{
    (void)state;
    struct nb_stamp_key other = KEY;
    other.key[0] ^= 1;
    uint8_t pkt[NB_STAMP_AUTH_BASE_LEN];
    nb_stamp_encode_test(pkt, sizeof(pkt), NB_STAMP_AUTH, &KEY, &T, NULL, 0);
    assert_int_equal(nb_stamp_decode_test(pkt, sizeof(pkt), NB_STAMP_AUTH, &other, NULL, NULL),
                     NB_STAMP_E_HMAC);
}

/* Authenticated mode without a key: nothing is built, nothing is accepted. */
static void test_auth_missing_key(void **state)
{
    (void)state;
    struct nb_stamp_key none = {.len = 0};
    struct nb_stamp_key too_long = KEY;
    too_long.len = NB_STAMP_KEY_MAX + 1;
    uint8_t pkt[NB_STAMP_AUTH_BASE_LEN];
    assert_int_equal(nb_stamp_encode_test(pkt, sizeof(pkt), NB_STAMP_AUTH, NULL, &T, NULL, 0), 0);
    assert_int_equal(nb_stamp_encode_test(pkt, sizeof(pkt), NB_STAMP_AUTH, &none, &T, NULL, 0), 0);
    assert_int_equal(nb_stamp_encode_test(pkt, sizeof(pkt), NB_STAMP_AUTH, &too_long, &T, NULL, 0),
                     0);
    assert_int_equal(nb_stamp_encode_reflected(pkt, sizeof(pkt), NB_STAMP_AUTH, &none, &R, NULL, 0),
                     0);

    nb_stamp_encode_test(pkt, sizeof(pkt), NB_STAMP_AUTH, &KEY, &T, NULL, 0);
    assert_int_equal(nb_stamp_decode_test(pkt, sizeof(pkt), NB_STAMP_AUTH, NULL, NULL, NULL),
                     NB_STAMP_E_HMAC);
    assert_int_equal(nb_stamp_decode_test(pkt, sizeof(pkt), NB_STAMP_AUTH, &none, NULL, NULL),
                     NB_STAMP_E_HMAC);
    assert_int_equal(nb_stamp_decode_reflected(pkt, sizeof(pkt), NB_STAMP_AUTH, &none, NULL, NULL),
                     NB_STAMP_E_HMAC);
}

/* ---- length checks ---- */

/* Every length below the base layout is refused, by both decoders in both modes. */
static void test_decode_rejects_every_short_length(void **state)
{
    (void)state;
    uint8_t pkt[NB_STAMP_AUTH_BASE_LEN];
    nb_stamp_encode_test(pkt, sizeof(pkt), NB_STAMP_AUTH, &KEY, &T, NULL, 0);
    struct nb_stamp_tlvs tlvs;
    for (size_t len = 0; len < NB_STAMP_BASE_LEN; len++) {
        assert_int_equal(nb_stamp_decode_test(pkt, len, NB_STAMP_UNAUTH, NULL, NULL, &tlvs),
                         NB_STAMP_E_SHORT);
        assert_int_equal(tlvs.n, 0);
        assert_int_equal(nb_stamp_decode_reflected(pkt, len, NB_STAMP_UNAUTH, NULL, NULL, NULL),
                         NB_STAMP_E_SHORT);
    }
    for (size_t len = 0; len < NB_STAMP_AUTH_BASE_LEN; len++) {
        assert_int_equal(nb_stamp_decode_test(pkt, len, NB_STAMP_AUTH, &KEY, NULL, NULL),
                         NB_STAMP_E_SHORT);
        assert_int_equal(nb_stamp_decode_reflected(pkt, len, NB_STAMP_AUTH, &KEY, NULL, NULL),
                         NB_STAMP_E_SHORT);
    }
    assert_int_equal(nb_stamp_decode_test(NULL, 0, NB_STAMP_UNAUTH, NULL, NULL, NULL),
                     NB_STAMP_E_SHORT);
}

/* Packets up to NB_STAMP_MAX_LEN are built and accepted; one byte more is not. */
static void test_oversized_rejected(void **state)
{
    (void)state;
    static uint8_t tlv[NB_STAMP_MAX_LEN + 8];
    static uint8_t pkt[NB_STAMP_MAX_LEN + 8];
    const enum nb_stamp_mode modes[] = {NB_STAMP_UNAUTH, NB_STAMP_AUTH};
    for (size_t m = 0; m < 2; m++) {
        enum nb_stamp_mode mode = modes[m];
        size_t base = mode == NB_STAMP_AUTH ? NB_STAMP_AUTH_BASE_LEN : NB_STAMP_BASE_LEN;
        size_t room = NB_STAMP_MAX_LEN - base; /* TLV bytes that still fit */
        struct nb_tlv_writer w;

        nb_tlv_writer_init(&w, tlv, sizeof(tlv));
        nb_tlv_put(&w, 0, NB_TLV_EXTRA_PADDING, NULL, (uint16_t)(room - 4));
        assert_int_equal(nb_stamp_encode_test(pkt, sizeof(pkt), mode, &KEY, &T, tlv, w.len),
                         NB_STAMP_MAX_LEN);
        assert_int_equal(nb_stamp_decode_test(pkt, NB_STAMP_MAX_LEN, mode, &KEY, NULL, NULL),
                         NB_STAMP_OK);

        nb_tlv_writer_init(&w, tlv, sizeof(tlv));
        nb_tlv_put(&w, 0, NB_TLV_EXTRA_PADDING, NULL, (uint16_t)(room - 3));
        assert_int_equal(nb_stamp_encode_test(pkt, sizeof(pkt), mode, &KEY, &T, tlv, w.len), 0);
        assert_int_equal(nb_stamp_encode_reflected(pkt, sizeof(pkt), mode, &KEY, &R, tlv, w.len),
                         0);
        /* hand-made oversized packet: the length check comes before the HMAC */
        assert_int_equal(nb_stamp_decode_test(pkt, NB_STAMP_MAX_LEN + 1, mode, &KEY, NULL, NULL),
                         NB_STAMP_E_LONG);
        assert_int_equal(
            nb_stamp_decode_reflected(pkt, NB_STAMP_MAX_LEN + 1, mode, &KEY, NULL, NULL),
            NB_STAMP_E_LONG);
    }
}

/* The encoder never writes past CAP. */
static void test_encode_respects_cap(void **state)
{
    (void)state;
    uint8_t buf[NB_STAMP_BASE_LEN + 6];
    assert_int_equal(
        nb_stamp_encode_test(buf, NB_STAMP_BASE_LEN + 5, NB_STAMP_UNAUTH, NULL, &T, TLV6, 6), 0);
    assert_int_equal(
        nb_stamp_encode_reflected(buf, NB_STAMP_BASE_LEN - 1, NB_STAMP_UNAUTH, NULL, &R, NULL, 0),
        0);
    assert_int_equal(nb_stamp_encode_test(buf, sizeof(buf), NB_STAMP_UNAUTH, NULL, &T, TLV6, 6),
                     sizeof(buf));
}

/* RFC 4656: a multiplier of 0 makes the Error Estimate invalid. */
static void test_decode_rejects_zero_multiplier(void **state)
{
    (void)state;
    const uint16_t bad[] = {0x0000, 0x8000, 0x3f00, 0xff00};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct nb_stamp_test t = T;
        struct nb_stamp_reflected r = R;
        uint8_t pkt[NB_STAMP_AUTH_BASE_LEN];
        t.errest = bad[i];
        r.errest = bad[i];
        nb_stamp_encode_test(pkt, sizeof(pkt), NB_STAMP_UNAUTH, NULL, &t, NULL, 0);
        assert_int_equal(
            nb_stamp_decode_test(pkt, NB_STAMP_BASE_LEN, NB_STAMP_UNAUTH, NULL, NULL, NULL),
            NB_STAMP_E_ERREST);
        nb_stamp_encode_test(pkt, sizeof(pkt), NB_STAMP_AUTH, &KEY, &t, NULL, 0);
        assert_int_equal(nb_stamp_decode_test(pkt, sizeof(pkt), NB_STAMP_AUTH, &KEY, NULL, NULL),
                         NB_STAMP_E_ERREST);
        nb_stamp_encode_reflected(pkt, sizeof(pkt), NB_STAMP_UNAUTH, NULL, &r, NULL, 0);
        assert_int_equal(
            nb_stamp_decode_reflected(pkt, NB_STAMP_BASE_LEN, NB_STAMP_UNAUTH, NULL, NULL, NULL),
            NB_STAMP_E_ERREST);
        nb_stamp_encode_reflected(pkt, sizeof(pkt), NB_STAMP_AUTH, &KEY, &r, NULL, 0);
        assert_int_equal(
            nb_stamp_decode_reflected(pkt, sizeof(pkt), NB_STAMP_AUTH, &KEY, NULL, NULL),
            NB_STAMP_E_ERREST);
    }
}

/* A reflected packet is judged by the reflector's own Error Estimate; the
 * sender's, copied back, is not held against it. */
static void test_decode_reflected_accepts_senders_zero_errest(void **state)
{
    (void)state;
    struct nb_stamp_reflected r = R, got;
    r.ss_errest = 0;
    uint8_t pkt[NB_STAMP_BASE_LEN];
    nb_stamp_encode_reflected(pkt, sizeof(pkt), NB_STAMP_UNAUTH, NULL, &r, NULL, 0);
    assert_int_equal(nb_stamp_decode_reflected(pkt, sizeof(pkt), NB_STAMP_UNAUTH, NULL, &got, NULL),
                     NB_STAMP_OK);
    assert_int_equal(got.ss_errest, 0);
}

/* The names label netblame_stamp_malformed_total{reason}: dashboards use them. */
static void test_err_names_are_stable(void **state)
{
    (void)state;
    assert_string_equal(nb_stamp_err_name(NB_STAMP_OK), "ok");
    assert_string_equal(nb_stamp_err_name(NB_STAMP_E_SHORT), "short");
    assert_string_equal(nb_stamp_err_name(NB_STAMP_E_LONG), "long");
    assert_string_equal(nb_stamp_err_name(NB_STAMP_E_HMAC), "hmac");
    assert_string_equal(nb_stamp_err_name(NB_STAMP_E_TLV), "tlv");
    assert_string_equal(nb_stamp_err_name(NB_STAMP_E_ERREST), "errest");
    assert_string_equal(nb_stamp_err_name(NB_STAMP_E__COUNT), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_unauth_test),
        cmocka_unit_test(test_layout_unauth_reflected),
        cmocka_unit_test(test_layout_auth_test),
        cmocka_unit_test(test_layout_auth_reflected),
        cmocka_unit_test(test_decode_ignores_mbz),
        cmocka_unit_test(test_round_trip_all_layouts),
        cmocka_unit_test(test_encode_tlvs_built_in_place),
        cmocka_unit_test(test_auth_flipped_bit_rejected),
        cmocka_unit_test(test_auth_tlv_area_not_covered),
        cmocka_unit_test(test_auth_wrong_key_rejected),
        cmocka_unit_test(test_auth_missing_key),
        cmocka_unit_test(test_decode_rejects_every_short_length),
        cmocka_unit_test(test_oversized_rejected),
        cmocka_unit_test(test_encode_respects_cap),
        cmocka_unit_test(test_decode_rejects_zero_multiplier),
        cmocka_unit_test(test_decode_reflected_accepts_senders_zero_errest),
        cmocka_unit_test(test_err_names_are_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
