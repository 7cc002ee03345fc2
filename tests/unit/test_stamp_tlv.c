/* test_stamp_tlv.c — STAMP's RFC 8972 TLV area: its parser, netblame's private
 * TLVs (writer and readers), and the reflector's TLV answers; the layouts, HMAC
 * and length checks: test_stamp.c. Expected bytes are written out by hand from
 * the RFC figures. */
#include <string.h>

#include "stamp_samples.h"

/* ---- TLV area ---- */

/* A TLV whose length runs past the packet: E_TLV, the base fields and the TLVs
 * before it still returned, malformed_off at the bad TLV. */
static void test_tlv_length_past_end(void **state)
{
    (void)state;
    uint8_t area[64];
    struct nb_tlv_writer w;
    nb_tlv_writer_init(&w, area, sizeof(area));
    nb_tlv_put_probe_id(&w, 42);                         /* [0, 20) */
    nb_tlv_put_timestamp_info(&w, 0, 0, 0, 0);           /* [20, 28) */
    const uint8_t bad[] = {0x80, 200, 0x00, 0x10, 1, 2}; /* claims 16, has 2 */
    memcpy(area + w.len, bad, sizeof(bad));
    size_t area_len = w.len + sizeof(bad);

    uint8_t pkt[256];
    size_t len = nb_stamp_encode_test(pkt, sizeof(pkt), NB_STAMP_UNAUTH, NULL, &T, area, area_len);
    struct nb_stamp_test t;
    struct nb_stamp_tlvs tlvs;
    assert_int_equal(nb_stamp_decode_test(pkt, len, NB_STAMP_UNAUTH, NULL, &t, &tlvs),
                     NB_STAMP_E_TLV);
    assert_test_eq(&t, &T);
    assert_int_equal(tlvs.n, 2);
    assert_true(tlvs.malformed);
    assert_int_equal(tlvs.malformed_off, 28);
    assert_int_equal(tlvs.tlv[0].type, NB_TLV_NETBLAME);
    assert_int_equal(tlvs.tlv[1].type, NB_TLV_TIMESTAMP_INFO);
    uint64_t id = 0;
    assert_true(nb_tlv_get_probe_id(&tlvs, &id));
    assert_int_equal(id, 42);

    /* without a TLVS out parameter the area is not looked at */
    assert_int_equal(nb_stamp_decode_test(pkt, len, NB_STAMP_UNAUTH, NULL, &t, NULL), NB_STAMP_OK);
}

/* One to three stray bytes cannot hold a TLV header: malformed at their offset. */
static void test_tlv_trailing_fragment(void **state)
{
    (void)state;
    uint8_t area[16] = {0x80, NB_TLV_TIMESTAMP_INFO, 0, 4, 0, 0, 0, 0};
    for (size_t extra = 1; extra < 4; extra++) {
        struct nb_stamp_tlvs tlvs;
        assert_int_equal(nb_stamp_parse_tlvs(area, 8 + extra, &tlvs), NB_STAMP_E_TLV);
        assert_int_equal(tlvs.n, 1);
        assert_true(tlvs.malformed);
        assert_int_equal(tlvs.malformed_off, 8);
    }
}

/* TLVs past NB_STAMP_MAX_TLVS are counted in dropped, not parsed; a malformed one
 * after them is still found at the right offset. */
static void test_tlv_more_than_max(void **state)
{
    (void)state;
    uint8_t area[4 * (NB_STAMP_MAX_TLVS + 8) + 2];
    memset(area, 0, sizeof(area));
    for (size_t i = 0; i < NB_STAMP_MAX_TLVS + 8; i++)
        area[4 * i + 1] = NB_TLV_EXTRA_PADDING;
    struct nb_stamp_tlvs tlvs;
    size_t whole = 4 * (NB_STAMP_MAX_TLVS + 8);
    assert_int_equal(nb_stamp_parse_tlvs(area, whole, &tlvs), NB_STAMP_OK);
    assert_int_equal(tlvs.n, NB_STAMP_MAX_TLVS);
    assert_int_equal(tlvs.dropped, 8);
    assert_false(tlvs.malformed);

    assert_int_equal(nb_stamp_parse_tlvs(area, whole + 2, &tlvs), NB_STAMP_E_TLV);
    assert_int_equal(tlvs.n, NB_STAMP_MAX_TLVS);
    assert_int_equal(tlvs.dropped, 8);
    assert_int_equal(tlvs.malformed_off, whole);
}

/* An empty TLV area is fine and yields nothing. */
static void test_tlv_empty_area(void **state)
{
    (void)state;
    struct nb_stamp_tlvs tlvs;
    assert_int_equal(nb_stamp_parse_tlvs(NULL, 0, &tlvs), NB_STAMP_OK);
    assert_int_equal(tlvs.n, 0);
    assert_int_equal(tlvs.dropped, 0);
}

/* ---- TLV writer and readers ---- */

/* The bytes of netblame's TLVs and the Timestamp Information request; a sender
 * sets U on every TLV (RFC 8972 §4). */
static void test_tlv_writer_layouts(void **state)
{
    (void)state;
    uint8_t buf[128];
    struct nb_tlv_writer w;
    nb_tlv_writer_init(&w, buf, sizeof(buf));
    nb_tlv_put_probe_id(&w, 0x0102030405060708ULL);
    nb_tlv_put_timestamp_info(&w, 0, 0, 0, 0);
    nb_tlv_put_host_agent(&w, 0, NULL, 0);
    const uint8_t v4[4] = {192, 0, 2, 7};
    nb_tlv_put_host_agent(&w, 4, v4, 8080);
    /* clang-format off */
    const uint8_t want[] = {
        /* probe id */
        0x80, 252, 0x00, 16, 'N', 'B', 'L', 'M', NB_SUB_PROBE_ID, 0, 0, 0, 0x01, 0x02, 0x03,
        0x04, 0x05, 0x06, 0x07, 0x08,
        /* Timestamp Information request: all zero */
        0x80, 3, 0x00, 4, 0, 0, 0, 0,
        /* host-agent request */
        0x80, 252, 0x00, 28, 'N', 'B', 'L', 'M', NB_SUB_HOST_AGENT, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        /* host-agent answer: IPv4 192.0.2.7 port 8080 */
        0x80, 252, 0x00, 28, 'N', 'B', 'L', 'M', NB_SUB_HOST_AGENT, 0, 0, 0, 4, 0, 0x1f, 0x90,
        192, 0, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    /* clang-format on */
    assert_false(w.overflow);
    assert_int_equal(w.len, sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
}

/* A TLV that does not fit sets .overflow and nothing more is written, even a
 * later TLV that would fit. */
static void test_tlv_writer_overflow_stops(void **state)
{
    (void)state;
    uint8_t buf[26];
    memset(buf, 0xee, sizeof(buf));
    struct nb_tlv_writer w;
    nb_tlv_writer_init(&w, buf, sizeof(buf));
    nb_tlv_put_probe_id(&w, 1);
    assert_int_equal(w.len, 20);
    nb_tlv_put_timestamp_info(&w, 0, 0, 0, 0); /* 8 bytes, 6 left */
    assert_true(w.overflow);
    nb_tlv_put(&w, 0, NB_TLV_EXTRA_PADDING, NULL, 0); /* 4 bytes would fit */
    assert_int_equal(w.len, 20);
    assert_int_equal(buf[20], 0xee);
}

static void test_tlv_put_null_value_is_zeroes(void **state)
{
    (void)state;
    uint8_t buf[16];
    memset(buf, 0xee, sizeof(buf));
    struct nb_tlv_writer w;
    nb_tlv_writer_init(&w, buf, sizeof(buf));
    nb_tlv_put(&w, 0x80, NB_TLV_EXTRA_PADDING, NULL, 5);
    const uint8_t want[9] = {0x80, 1, 0, 5, 0, 0, 0, 0, 0};
    assert_memory_equal(buf, want, sizeof(want));
}

static void test_tlv_put_host_agent_rejects_bad_family(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct nb_tlv_writer w;
    nb_tlv_writer_init(&w, buf, sizeof(buf));
    nb_tlv_put_host_agent(&w, 5, "abcd", 1);
    assert_true(w.overflow);
    assert_int_equal(w.len, 0);
    nb_tlv_writer_init(&w, buf, sizeof(buf));
    nb_tlv_put_host_agent(&w, 6, NULL, 1);
    assert_true(w.overflow);
}

static void parse_ok(const uint8_t *area, size_t len, struct nb_stamp_tlvs *t)
{
    assert_int_equal(nb_stamp_parse_tlvs(area, len, t), NB_STAMP_OK);
}

/* Type 252 is private use: only a value starting with our magic is ours. */
static void test_get_probe_id_ignores_foreign_private_tlv(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct nb_tlv_writer w;
    nb_tlv_writer_init(&w, buf, sizeof(buf));
    nb_tlv_put_probe_id(&w, 77);
    memcpy(buf + 4, "ACME", 4); /* same shape, another vendor */
    struct nb_stamp_tlvs t;
    uint64_t id = 0;
    parse_ok(buf, w.len, &t);
    assert_false(nb_tlv_get_probe_id(&t, &id));

    nb_tlv_put_probe_id(&w, 78);
    parse_ok(buf, w.len, &t);
    assert_true(nb_tlv_get_probe_id(&t, &id));
    assert_int_equal(id, 78);
}

/* A host-agent request (family 0) is not an answer; IPv4 and IPv6 answers are. */
static void test_get_host_agent(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct nb_tlv_writer w;
    struct nb_stamp_tlvs t;
    int family = -1;
    uint8_t addr[16];
    uint16_t port = 0;

    nb_tlv_writer_init(&w, buf, sizeof(buf));
    nb_tlv_put_host_agent(&w, 0, NULL, 0);
    parse_ok(buf, w.len, &t);
    assert_false(nb_tlv_get_host_agent(&t, &family, addr, &port));

    const uint8_t v4[4] = {10, 1, 2, 3};
    nb_tlv_writer_init(&w, buf, sizeof(buf));
    nb_tlv_put_host_agent(&w, 4, v4, 9862);
    parse_ok(buf, w.len, &t);
    memset(addr, 0xee, sizeof(addr));
    assert_true(nb_tlv_get_host_agent(&t, &family, addr, &port));
    assert_int_equal(family, 4);
    assert_int_equal(port, 9862);
    const uint8_t want4[16] = {10, 1, 2, 3};
    assert_memory_equal(addr, want4, 16);

    const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x42};
    nb_tlv_writer_init(&w, buf, sizeof(buf));
    nb_tlv_put_host_agent(&w, 6, v6, 1);
    parse_ok(buf, w.len, &t);
    assert_true(nb_tlv_get_host_agent(&t, &family, addr, &port));
    assert_int_equal(family, 6);
    assert_int_equal(port, 1);
    assert_memory_equal(addr, v6, 16);
}

/* A TLV a reflector flagged malformed (or failing integrity) is not trusted. */
static void test_getters_skip_flagged_tlvs(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct nb_tlv_writer w;
    struct nb_stamp_tlvs t;
    uint64_t id;
    nb_tlv_writer_init(&w, buf, sizeof(buf));
    nb_tlv_put_probe_id(&w, 5);
    buf[0] = NB_TLV_F_M;
    parse_ok(buf, w.len, &t);
    assert_false(nb_tlv_get_probe_id(&t, &id));
    buf[0] = NB_TLV_F_I;
    parse_ok(buf, w.len, &t);
    assert_false(nb_tlv_get_probe_id(&t, &id));
    buf[0] = NB_TLV_F_U; /* as a plain reflector echoes it: still our value */
    parse_ok(buf, w.len, &t);
    assert_true(nb_tlv_get_probe_id(&t, &id));
    assert_int_equal(id, 5);
}

/* ---- reflector TLV processing (RFC 8972 §4) ---- */

/* The sender's TLV area used by the reflect tests, with the offset of each TLV. */
enum {
    OFF_PROBE = 0,    /* netblame probe id, 20 bytes */
    OFF_TSINFO = 20,  /* Timestamp Information, 8 */
    OFF_AGENT = 28,   /* netblame host-agent request, 32 */
    OFF_PAD = 60,     /* Extra Padding, 4 + 10 */
    OFF_UNKNOWN = 74, /* unassigned type 200, 4 + 3 */
    OFF_FOREIGN = 81, /* type 252 of another vendor, 4 + 8 */
    OFF_HMACTLV = 93, /* RFC 8972 HMAC TLV, which we do not implement, 4 + 32 */
    AREA_LEN = 129,
};

static size_t sender_area(uint8_t *buf, size_t cap)
{
    struct nb_tlv_writer w;
    nb_tlv_writer_init(&w, buf, cap);
    nb_tlv_put_probe_id(&w, 0xfeedfacecafebeefULL);
    nb_tlv_put_timestamp_info(&w, 0, 0, 0, 0);
    nb_tlv_put_host_agent(&w, 0, NULL, 0);
    const uint8_t pad[10] = {0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a};
    nb_tlv_put(&w, NB_TLV_F_U, NB_TLV_EXTRA_PADDING, pad, sizeof(pad));
    nb_tlv_put(&w, 0, 200, "xyz", 3);
    nb_tlv_put(&w, NB_TLV_F_U, NB_TLV_NETBLAME, "ACME1234", 8);
    nb_tlv_put(&w, NB_TLV_F_U, NB_TLV_HMAC, NULL, 32);
    assert_false(w.overflow);
    assert_int_equal(w.len, AREA_LEN);
    return w.len;
}

static const struct nb_reflect_info INFO_V4 = {
    .sync_src = NB_SYNC_NTP,
    .method = NB_TSM_SW,
    .agent_family = 4,
    .agent_addr = {198, 51, 100, 9},
    .agent_port = 7070,
};

static size_t reflect(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                      const struct nb_reflect_info *info)
{
    struct nb_stamp_tlvs parsed;
    nb_stamp_parse_tlvs(in, len, &parsed);
    return nb_stamp_reflect_tlvs(in, len, &parsed, out, cap, info);
}

/* Unrecognised TLVs come back unchanged but with U set; what we understand comes
 * back with U, M and I clear. The reply area has the test packet's length. */
static void test_reflect_flags(void **state)
{
    (void)state;
    uint8_t in[AREA_LEN], out[AREA_LEN];
    size_t len = sender_area(in, sizeof(in));
    assert_int_equal(reflect(in, len, out, sizeof(out), &INFO_V4), len);

    assert_int_equal(out[OFF_PROBE], 0);
    assert_int_equal(out[OFF_TSINFO], 0);
    assert_int_equal(out[OFF_AGENT], 0);
    assert_int_equal(out[OFF_PAD], 0);
    assert_int_equal(out[OFF_UNKNOWN], NB_TLV_F_U);
    assert_int_equal(out[OFF_FOREIGN], NB_TLV_F_U);
    assert_int_equal(out[OFF_HMACTLV], NB_TLV_F_U);
    /* everything but the flags of unknown TLVs is as sent */
    assert_memory_equal(out + OFF_UNKNOWN + 1, in + OFF_UNKNOWN + 1, 6);
    assert_memory_equal(out + OFF_FOREIGN + 1, in + OFF_FOREIGN + 1, 11);
    assert_memory_equal(out + OFF_HMACTLV + 1, in + OFF_HMACTLV + 1, 35);
}

/* Timestamp Information is filled with the reflector's sync source and method for
 * its receive (in) and transmit (out) stamps. */
static void test_reflect_fills_timestamp_info(void **state)
{
    (void)state;
    uint8_t in[AREA_LEN], out[AREA_LEN];
    size_t len = sender_area(in, sizeof(in));
    assert_int_equal(reflect(in, len, out, sizeof(out), &INFO_V4), len);
    /* clang-format off */
    const uint8_t want[8] = {0, NB_TLV_TIMESTAMP_INFO, 0, 4, NB_SYNC_NTP, NB_TSM_SW,
                             NB_SYNC_NTP, NB_TSM_SW};
    /* clang-format on */
    assert_memory_equal(out + OFF_TSINFO, want, sizeof(want));
}

/* The probe id and Extra Padding come back byte for byte (but for the flags). */
static void test_reflect_echoes_probe_id_and_padding(void **state)
{
    (void)state;
    uint8_t in[AREA_LEN], out[AREA_LEN];
    size_t len = sender_area(in, sizeof(in));
    assert_int_equal(reflect(in, len, out, sizeof(out), &INFO_V4), len);
    assert_memory_equal(out + OFF_PROBE + 1, in + OFF_PROBE + 1, 19);
    assert_memory_equal(out + OFF_PAD + 1, in + OFF_PAD + 1, 13);

    struct nb_stamp_tlvs t;
    uint64_t id = 0;
    parse_ok(out, len, &t);
    assert_true(nb_tlv_get_probe_id(&t, &id));
    assert_int_equal(id, 0xfeedfacecafebeefULL);
}

/* A host-agent request is answered with the reflector's host agent, IPv4 or IPv6. */
static void test_reflect_answers_host_agent(void **state)
{
    (void)state;
    uint8_t in[AREA_LEN], out[AREA_LEN];
    size_t len = sender_area(in, sizeof(in));
    struct nb_stamp_tlvs t;
    int family = 0;
    uint8_t addr[16];
    uint16_t port = 0;

    assert_int_equal(reflect(in, len, out, sizeof(out), &INFO_V4), len);
    /* clang-format off */
    const uint8_t want4[32] = {0,   NB_TLV_NETBLAME, 0,  28, 'N', 'B', 'L', 'M', NB_SUB_HOST_AGENT,
                               0,   0,               0,  4,  0,   0x1b, 0x9e, 198, 51,
                               100, 9};
    /* clang-format on */
    assert_memory_equal(out + OFF_AGENT, want4, sizeof(want4));
    parse_ok(out, len, &t);
    assert_true(nb_tlv_get_host_agent(&t, &family, addr, &port));
    assert_int_equal(family, 4);
    assert_int_equal(port, 7070);
    assert_memory_equal(addr, INFO_V4.agent_addr, 16);

    struct nb_reflect_info v6 = INFO_V4;
    v6.agent_family = 6;
    const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    memcpy(v6.agent_addr, a6, 16);
    assert_int_equal(reflect(in, len, out, sizeof(out), &v6), len);
    parse_ok(out, len, &t);
    assert_true(nb_tlv_get_host_agent(&t, &family, addr, &port));
    assert_int_equal(family, 6);
    assert_memory_equal(addr, a6, 16);
}

/* A reflector that knows no host agent answers with zeroes: the sender finds none. */
static void test_reflect_unknown_host_agent_left_zero(void **state)
{
    (void)state;
    uint8_t in[AREA_LEN], out[AREA_LEN];
    size_t len = sender_area(in, sizeof(in));
    struct nb_reflect_info none = INFO_V4;
    none.agent_family = 0;
    assert_int_equal(reflect(in, len, out, sizeof(out), &none), len);
    const uint8_t zero[20] = {0};
    assert_memory_equal(out + OFF_AGENT + 12, zero, sizeof(zero));
    struct nb_stamp_tlvs t;
    int family = 0;
    parse_ok(out, len, &t);
    assert_false(nb_tlv_get_host_agent(&t, &family, NULL, NULL));
}

/* A TLV running past the end: TLVs before it answered, M set on its header, the
 * rest returned exactly as received; the length stays the same. */
static void test_reflect_marks_malformed_area(void **state)
{
    (void)state;
    uint8_t in[64], out[64];
    struct nb_tlv_writer w;
    nb_tlv_writer_init(&w, in, sizeof(in));
    nb_tlv_put_probe_id(&w, 9);
    nb_tlv_put_timestamp_info(&w, 0, 0, 0, 0);
    const uint8_t bad[] = {NB_TLV_F_U, NB_TLV_TIMESTAMP_INFO, 0x01, 0x00, 0, 0, 0, 0, 1, 2};
    memcpy(in + w.len, bad, sizeof(bad));
    size_t len = w.len + sizeof(bad);

    struct nb_stamp_tlvs parsed;
    assert_int_equal(nb_stamp_parse_tlvs(in, len, &parsed), NB_STAMP_E_TLV);
    assert_int_equal(nb_stamp_reflect_tlvs(in, len, &parsed, out, sizeof(out), &INFO_V4), len);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[20], 0);
    assert_int_equal(out[24], NB_SYNC_NTP);
    assert_int_equal(out[28], NB_TLV_F_U | NB_TLV_F_M);
    assert_memory_equal(out + 29, in + 29, len - 29); /* not filled in: copied */
}

/* A TLV we understand but whose length is wrong for its type is malformed too
 * (RFC 8972 §4): processing stops there and the remainder goes back as sent. */
static void test_reflect_marks_wrong_length_tlv(void **state)
{
    (void)state;
    uint8_t in[64], out[64];
    struct nb_tlv_writer w;

    nb_tlv_writer_init(&w, in, sizeof(in));
    nb_tlv_put(&w, NB_TLV_F_U, NB_TLV_TIMESTAMP_INFO, NULL, 2); /* needs 4 */
    nb_tlv_put_timestamp_info(&w, 0, 0, 0, 0);
    assert_int_equal(reflect(in, w.len, out, sizeof(out), &INFO_V4), w.len);
    assert_int_equal(out[0], NB_TLV_F_M);
    assert_memory_equal(out + 1, in + 1, w.len - 1); /* second TLV not answered */

    nb_tlv_writer_init(&w, in, sizeof(in));
    nb_tlv_put_probe_id(&w, 1);
    in[3] = 12; /* probe-id TLV cut to 12 bytes of value */
    w.len = 16;
    nb_tlv_put(&w, NB_TLV_F_U, NB_TLV_NETBLAME, "AB", 2); /* private use needs >= 4 */
    assert_int_equal(reflect(in, w.len, out, sizeof(out), &INFO_V4), w.len);
    assert_int_equal(out[0], NB_TLV_F_M);
    assert_int_equal(out[16], NB_TLV_F_U);

    nb_tlv_writer_init(&w, in, sizeof(in));
    nb_tlv_put(&w, NB_TLV_F_U, NB_TLV_NETBLAME, "AB", 2);
    assert_int_equal(reflect(in, w.len, out, sizeof(out), &INFO_V4), w.len);
    assert_int_equal(out[0], NB_TLV_F_M);
}

/* The reply may be built over the test packet's own bytes. */
static void test_reflect_in_place(void **state)
{
    (void)state;
    uint8_t in[AREA_LEN], buf[AREA_LEN], out[AREA_LEN];
    size_t len = sender_area(in, sizeof(in));
    memcpy(buf, in, len);
    assert_int_equal(reflect(in, len, out, sizeof(out), &INFO_V4), len);
    struct nb_stamp_tlvs parsed;
    parse_ok(buf, len, &parsed);
    assert_int_equal(nb_stamp_reflect_tlvs(buf, len, &parsed, buf, sizeof(buf), &INFO_V4), len);
    assert_memory_equal(buf, out, len);
}

/* No room, or a parse of some other area: nothing is promised, 0 returned. */
static void test_reflect_refuses_bad_arguments(void **state)
{
    (void)state;
    uint8_t in[AREA_LEN], out[AREA_LEN];
    size_t len = sender_area(in, sizeof(in));
    struct nb_stamp_tlvs parsed;
    parse_ok(in, len, &parsed);
    assert_int_equal(nb_stamp_reflect_tlvs(in, len, &parsed, out, len - 1, &INFO_V4), 0);

    struct nb_stamp_tlvs other;
    parse_ok(in, OFF_PAD, &other);
    assert_int_equal(nb_stamp_reflect_tlvs(in, len, &other, out, sizeof(out), &INFO_V4), 0);
}

/* TLVs past our budget are returned unprocessed, flagged U; length unchanged. */
static void test_reflect_tlvs_past_max(void **state)
{
    (void)state;
    uint8_t in[4 * (NB_STAMP_MAX_TLVS + 2)], out[sizeof(in)];
    memset(in, 0, sizeof(in));
    for (size_t i = 0; i < NB_STAMP_MAX_TLVS + 2; i++) {
        in[4 * i] = NB_TLV_F_U;
        in[4 * i + 1] = NB_TLV_EXTRA_PADDING;
    }
    assert_int_equal(reflect(in, sizeof(in), out, sizeof(out), &INFO_V4), sizeof(in));
    assert_int_equal(out[4 * (NB_STAMP_MAX_TLVS - 1)], 0);
    assert_int_equal(out[4 * NB_STAMP_MAX_TLVS], NB_TLV_F_U);
    assert_int_equal(out[4 * (NB_STAMP_MAX_TLVS + 1)], NB_TLV_F_U);
}

/* The whole exchange, authenticated: a netblame sender asks, a netblame reflector
 * answers, the sender reads the host agent and its probe id from the reply. */
static void test_sender_reflector_exchange(void **state)
{
    (void)state;
    uint8_t tlv[128], pkt[256], reply[256], area[128];
    struct nb_tlv_writer w;
    nb_tlv_writer_init(&w, tlv, sizeof(tlv));
    nb_tlv_put_probe_id(&w, 1234);
    nb_tlv_put_timestamp_info(&w, 0, 0, 0, 0);
    nb_tlv_put_host_agent(&w, 0, NULL, 0);
    size_t len = nb_stamp_encode_test(pkt, sizeof(pkt), NB_STAMP_AUTH, &KEY, &T, tlv, w.len);
    assert_int_not_equal(len, 0);

    struct nb_stamp_test t;
    struct nb_stamp_tlvs parsed;
    assert_int_equal(nb_stamp_decode_test(pkt, len, NB_STAMP_AUTH, &KEY, &t, &parsed), NB_STAMP_OK);
    size_t area_len = len - NB_STAMP_AUTH_BASE_LEN;
    assert_int_equal(nb_stamp_reflect_tlvs(pkt + NB_STAMP_AUTH_BASE_LEN, area_len, &parsed, area,
                                           sizeof(area), &INFO_V4),
                     area_len);
    struct nb_stamp_reflected r = R;
    r.ss_seq = t.seq;
    r.ss_ts = t.ts;
    r.ss_errest = t.errest;
    r.ssid = t.ssid;
    size_t rlen =
        nb_stamp_encode_reflected(reply, sizeof(reply), NB_STAMP_AUTH, &KEY, &r, area, area_len);
    assert_int_equal(rlen, len); /* symmetric sizes (RFC 8762 §4.2) */

    struct nb_stamp_reflected got;
    struct nb_stamp_tlvs tlvs;
    assert_int_equal(nb_stamp_decode_reflected(reply, rlen, NB_STAMP_AUTH, &KEY, &got, &tlvs),
                     NB_STAMP_OK);
    assert_int_equal(got.ss_seq, T.seq);
    uint64_t id = 0;
    int family = 0;
    uint8_t addr[16];
    uint16_t port = 0;
    assert_true(nb_tlv_get_probe_id(&tlvs, &id));
    assert_int_equal(id, 1234);
    assert_true(nb_tlv_get_host_agent(&tlvs, &family, addr, &port));
    assert_int_equal(family, 4);
    assert_int_equal(port, 7070);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tlv_length_past_end),
        cmocka_unit_test(test_tlv_trailing_fragment),
        cmocka_unit_test(test_tlv_more_than_max),
        cmocka_unit_test(test_tlv_empty_area),
        cmocka_unit_test(test_tlv_writer_layouts),
        cmocka_unit_test(test_tlv_writer_overflow_stops),
        cmocka_unit_test(test_tlv_put_null_value_is_zeroes),
        cmocka_unit_test(test_tlv_put_host_agent_rejects_bad_family),
        cmocka_unit_test(test_get_probe_id_ignores_foreign_private_tlv),
        cmocka_unit_test(test_get_host_agent),
        cmocka_unit_test(test_getters_skip_flagged_tlvs),
        cmocka_unit_test(test_reflect_flags),
        cmocka_unit_test(test_reflect_fills_timestamp_info),
        cmocka_unit_test(test_reflect_echoes_probe_id_and_padding),
        cmocka_unit_test(test_reflect_answers_host_agent),
        cmocka_unit_test(test_reflect_unknown_host_agent_left_zero),
        cmocka_unit_test(test_reflect_marks_malformed_area),
        cmocka_unit_test(test_reflect_marks_wrong_length_tlv),
        cmocka_unit_test(test_reflect_in_place),
        cmocka_unit_test(test_reflect_refuses_bad_arguments),
        cmocka_unit_test(test_reflect_tlvs_past_max),
        cmocka_unit_test(test_sender_reflector_exchange),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
