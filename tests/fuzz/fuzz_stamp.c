/* fuzz_stamp.c — libFuzzer target for the STAMP parser (stamp.c). Runs both
 * decoders in both modes over the input; in authenticated mode also over a copy
 * whose HMAC has been fixed up, so the fuzzer gets past the HMAC into the TLV
 * parser. Whatever decodes is re-encoded and must decode to the same fields and
 * TLV structure, and the reflector's TLV answer must keep the area's length and
 * TLV structure. Any violation abort()s. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "netblame/stamp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct nb_stamp_key KEY = {.key = "netblame fuzz key", .len = 17};

static const struct nb_reflect_info INFO = {
    .sync_src = NB_SYNC_NTP,
    .method = NB_TSM_SW,
    .agent_family = 6,
    .agent_addr = {0x20, 0x01, 0x0d, 0xb8, [15] = 1},
    .agent_port = 9862,
};

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static size_t base_len(enum nb_stamp_mode mode)
{
    return mode == NB_STAMP_AUTH ? NB_STAMP_AUTH_BASE_LEN : NB_STAMP_BASE_LEN;
}

/* Every parsed TLV lies inside AREA, in order, and the counts add up. */
static void check_tlvs(const struct nb_stamp_tlvs *t, const uint8_t *area, size_t len)
{
    CHECK(t->n <= NB_STAMP_MAX_TLVS);
    CHECK(t->dropped == 0 || t->n == NB_STAMP_MAX_TLVS);
    const uint8_t *next = area;
    for (size_t i = 0; i < t->n; i++) {
        CHECK(t->tlv[i].value == next + 4);
        CHECK((size_t)(t->tlv[i].value - area) + t->tlv[i].len <= len);
        next = t->tlv[i].value + t->tlv[i].len;
    }
    if (t->malformed) {
        CHECK(t->malformed_off < len);
        if (t->dropped == 0)
            CHECK(t->malformed_off == (size_t)(next - area));
    }
}

/* Two parses describe the same TLV structure (types, lengths, offsets). */
static void check_same_structure(const struct nb_stamp_tlvs *a, const uint8_t *area_a,
                                 const struct nb_stamp_tlvs *b, const uint8_t *area_b)
{
    CHECK(a->n == b->n && a->dropped == b->dropped && a->malformed == b->malformed);
    CHECK(!a->malformed || a->malformed_off == b->malformed_off);
    for (size_t i = 0; i < a->n; i++) {
        CHECK(a->tlv[i].type == b->tlv[i].type && a->tlv[i].len == b->tlv[i].len);
        CHECK(a->tlv[i].value - area_a == b->tlv[i].value - area_b);
    }
}

/* Reflector answer over the parsed TLV area: same length, same structure. */
static void check_reflect(const uint8_t *area, size_t len, const struct nb_stamp_tlvs *parsed)
{
    static uint8_t out[NB_STAMP_MAX_LEN];
    CHECK(nb_stamp_reflect_tlvs(area, len, parsed, out, sizeof(out), &INFO) == len);
    if (len == 0)
        return;
    struct nb_stamp_tlvs again;
    enum nb_stamp_err e = nb_stamp_parse_tlvs(out, len, &again);
    CHECK((e == NB_STAMP_E_TLV) == parsed->malformed);
    check_same_structure(parsed, area, &again, out);
}

static void fuzz_test_packet(const uint8_t *buf, size_t len, enum nb_stamp_mode mode)
{
    struct nb_stamp_test t;
    struct nb_stamp_tlvs tlvs;
    enum nb_stamp_err e = nb_stamp_decode_test(buf, len, mode, &KEY, &t, &tlvs);
    CHECK((unsigned)e < NB_STAMP_E__COUNT);
    if (e != NB_STAMP_OK && e != NB_STAMP_E_TLV)
        return;
    size_t base = base_len(mode);
    const uint8_t *area = buf + base;
    check_tlvs(&tlvs, area, len - base);
    CHECK((e == NB_STAMP_E_TLV) == tlvs.malformed);

    static uint8_t re[NB_STAMP_MAX_LEN];
    size_t rlen = nb_stamp_encode_test(re, sizeof(re), mode, &KEY, &t, area, len - base);
    CHECK(rlen == len);
    CHECK(memcmp(re + base, area, len - base) == 0);
    struct nb_stamp_test t2;
    struct nb_stamp_tlvs tlvs2;
    CHECK(nb_stamp_decode_test(re, rlen, mode, &KEY, &t2, &tlvs2) == e);
    CHECK(t2.seq == t.seq && t2.ts == t.ts && t2.errest == t.errest && t2.ssid == t.ssid);
    check_same_structure(&tlvs, area, &tlvs2, re + base);

    check_reflect(area, len - base, &tlvs);
}

static void fuzz_reflected_packet(const uint8_t *buf, size_t len, enum nb_stamp_mode mode)
{
    struct nb_stamp_reflected r;
    struct nb_stamp_tlvs tlvs;
    enum nb_stamp_err e = nb_stamp_decode_reflected(buf, len, mode, &KEY, &r, &tlvs);
    CHECK((unsigned)e < NB_STAMP_E__COUNT);
    if (e != NB_STAMP_OK && e != NB_STAMP_E_TLV)
        return;
    size_t base = base_len(mode);
    const uint8_t *area = buf + base;
    check_tlvs(&tlvs, area, len - base);

    static uint8_t re[NB_STAMP_MAX_LEN];
    size_t rlen = nb_stamp_encode_reflected(re, sizeof(re), mode, &KEY, &r, area, len - base);
    CHECK(rlen == len);
    CHECK(memcmp(re + base, area, len - base) == 0);
    struct nb_stamp_reflected r2;
    struct nb_stamp_tlvs tlvs2;
    CHECK(nb_stamp_decode_reflected(re, rlen, mode, &KEY, &r2, &tlvs2) == e);
    CHECK(r2.seq == r.seq && r2.ts == r.ts && r2.errest == r.errest && r2.ssid == r.ssid &&
          r2.rx_ts == r.rx_ts && r2.ss_seq == r.ss_seq && r2.ss_ts == r.ss_ts &&
          r2.ss_errest == r.ss_errest && r2.ss_ttl == r.ss_ttl);
    check_same_structure(&tlvs, area, &tlvs2, re + base);

    /* the readers must cope with whatever was parsed */
    uint64_t id;
    int family;
    uint8_t addr[16];
    uint16_t port;
    (void)nb_tlv_get_probe_id(&tlvs, &id);
    if (nb_tlv_get_host_agent(&tlvs, &family, addr, &port))
        CHECK(family == 4 || family == 6);

    check_reflect(area, len - base, &tlvs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Decode straight from a heap copy of exactly SIZE bytes, so ASan sees any
     * read past the end. */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);

    fuzz_test_packet(buf, size, NB_STAMP_UNAUTH);
    fuzz_reflected_packet(buf, size, NB_STAMP_UNAUTH);
    fuzz_test_packet(buf, size, NB_STAMP_AUTH);
    fuzz_reflected_packet(buf, size, NB_STAMP_AUTH);

    /* Same bytes with a valid HMAC: authenticated mode must then never say E_HMAC. */
    if (size >= NB_STAMP_AUTH_BASE_LEN) {
        uint8_t md[EVP_MAX_MD_SIZE];
        unsigned int md_len = 0;
        CHECK(HMAC(EVP_sha256(), KEY.key, (int)KEY.len, buf, NB_STAMP_HMAC_COVERED, md, &md_len));
        memcpy(buf + NB_STAMP_HMAC_COVERED, md, NB_STAMP_HMAC_LEN);
        enum nb_stamp_err e = nb_stamp_decode_test(buf, size, NB_STAMP_AUTH, &KEY, NULL, NULL);
        CHECK(e != NB_STAMP_E_HMAC);
        fuzz_test_packet(buf, size, NB_STAMP_AUTH);
        fuzz_reflected_packet(buf, size, NB_STAMP_AUTH);
    }

    /* The bare TLV parser on the whole input, and the reflector over it. */
    struct nb_stamp_tlvs tlvs;
    enum nb_stamp_err e = nb_stamp_parse_tlvs(buf, size, &tlvs);
    CHECK(e == NB_STAMP_OK || e == NB_STAMP_E_TLV);
    check_tlvs(&tlvs, buf, size);
    if (size <= NB_STAMP_MAX_LEN)
        check_reflect(buf, size, &tlvs);

    free(buf);
    return 0;
}
