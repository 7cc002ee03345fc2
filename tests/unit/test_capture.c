/* test_capture.c — the host agent's probe capture (capture.c): its parser.
 *
 * Hand-built DLT_LINUX_SLL2 frames (IPv4 with and without options, IPv6; test
 * and reply; in and out; both STAMP modes; with and without the netblame
 * probe-id TLV) through nb_capture_parse_sll2, each one also cut at every
 * length, in a heap buffer of exactly that length so a read past it trips
 * ASan. The capture on real packets: test_capture_live.c. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "capture_probes.h"

#define SLL2_LEN 20
#define PKT_HOST 0
#define PKT_OUTGOING 4

/* ---- building frames ---- */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

struct spec {
    int family;      /* 4 or 6 */
    uint8_t pkttype; /* SLL2 packet type */
    int ifindex;
    uint16_t sport, dport;
    size_t ip_opts; /* IPv4 option bytes: multiple of 4, <= 40 */
    const uint8_t *payload;
    size_t plen;
    uint8_t tcp_flags; /* non-zero: a bare TCP header with these flags instead of UDP */
};

/* The SLL2 frame libpcap would hand us for SP. Returns its length. */
static size_t frame(const struct spec *sp, uint8_t *buf, size_t cap)
{
    size_t ip = sp->family == 4 ? 20 + sp->ip_opts : 40;
    size_t l4 = sp->tcp_flags ? 20 : 8;
    uint8_t proto = sp->tcp_flags ? IPPROTO_TCP : IPPROTO_UDP;
    size_t len = SLL2_LEN + ip + l4 + sp->plen;
    assert_true(len <= cap);
    memset(buf, 0, len);
    /* SLL2: protocol | MBZ | ifindex | hatype | pkttype | halen | addr */
    put16(buf, sp->family == 4 ? 0x0800 : 0x86dd);
    put32(buf + 4, (uint32_t)sp->ifindex);
    put16(buf + 8, 1); /* ARPHRD_ETHER */
    buf[10] = sp->pkttype;
    buf[11] = 6;
    memcpy(buf + 12, "\x02\x00\x00\x00\x07\x01", 6);
    uint8_t *l3 = buf + SLL2_LEN;
    if (sp->family == 4) {
        l3[0] = (uint8_t)(0x40 | ip / 4);
        put16(l3 + 2, (uint16_t)(ip + l4 + sp->plen));
        l3[8] = 64;
        l3[9] = proto;
        put32(l3 + 12, 0xc6120701);
        put32(l3 + 16, 0xc6120702);
        memset(l3 + 20, 1, sp->ip_opts); /* NOP options */
    } else {
        l3[0] = 0x60;
        put16(l3 + 4, (uint16_t)(l4 + sp->plen));
        l3[6] = proto;
        l3[7] = 64;
        l3[8] = 0x20, l3[9] = 0x01, l3[10] = 0x0d, l3[11] = 0xb8, l3[23] = 1;
        l3[24] = 0x20, l3[25] = 0x01, l3[26] = 0x0d, l3[27] = 0xb8, l3[39] = 2;
    }
    uint8_t *udp = l3 + ip;
    put16(udp, sp->sport);
    put16(udp + 2, sp->dport);
    if (sp->tcp_flags) {
        put32(udp + 4, 0x11223344); /* sequence */
        put32(udp + 8, 0x55667788); /* acknowledgement */
        udp[12] = 0x50;             /* data offset: 5 words */
        udp[13] = sp->tcp_flags;
        put16(udp + 14, 64240);
    } else {
        put16(udp + 4, (uint16_t)(8 + sp->plen));
    }
    if (sp->plen)
        memcpy(udp + l4, sp->payload, sp->plen);
    return len;
}

/* nb_capture_parse_sll2 over a heap copy of exactly LEN bytes (ASan sees any
 * read past it); on failure also checks that *OUT was left alone. */
static int parse(const uint8_t *f, size_t len, struct nb_sighting *out)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, f, len);
    struct nb_sighting before;
    memset(out, 0xa5, sizeof(*out));
    before = *out;
    int rc = nb_capture_parse_sll2(copy, len, &CFG, out);
    free(copy);
    if (rc != 0)
        assert_memory_equal(out, &before, sizeof(before));
    return rc;
}

static void assert_sighting(const struct nb_sighting *s, uint64_t id, int kind, int dir,
                            int ifindex)
{
    assert_int_equal(s->probe_id, id);
    assert_int_equal(s->kind, kind);
    assert_int_equal(s->dir, dir);
    assert_int_equal(s->ifindex, ifindex);
    assert_int_equal(s->role, 0);
    assert_string_equal(s->ifname, "");
}

/* ---- parser ---- */

static void test_parse_ipv4_test_out(void **state)
{
    (void)state;
    uint8_t pl[256], f[512];
    size_t plen = stamp(pl, sizeof(pl), NB_STAMP_UNAUTH, false, true, 0x0102030405060708ULL);
    struct spec sp = {4, PKT_OUTGOING, 7, 40000, PORT, 0, pl, plen, 0};
    struct nb_sighting s;
    assert_int_equal(parse(f, frame(&sp, f, sizeof(f)), &s), 0);
    assert_sighting(&s, 0x0102030405060708ULL, NB_PKT_TEST, NB_DIR_OUT, 7);
    assert_int_equal(s.ts, 0); /* the capture stamps it, not the parser */
}

static void test_parse_ipv4_reply_in(void **state)
{
    (void)state;
    uint8_t pl[256], f[512];
    size_t plen = stamp(pl, sizeof(pl), NB_STAMP_UNAUTH, true, true, 42);
    struct spec sp = {4, PKT_HOST, 3, PORT, 40000, 0, pl, plen, 0};
    struct nb_sighting s;
    assert_int_equal(parse(f, frame(&sp, f, sizeof(f)), &s), 0);
    assert_sighting(&s, 42, NB_PKT_REPLY, NB_DIR_IN, 3);
}

static void test_parse_ipv6_test_in_and_reply_out(void **state)
{
    (void)state;
    uint8_t pl[256], f[512];
    struct nb_sighting s;
    size_t plen = stamp(pl, sizeof(pl), NB_STAMP_UNAUTH, false, true, 1001);
    struct spec sp = {6, PKT_HOST, 9, 40000, PORT, 0, pl, plen, 0};
    assert_int_equal(parse(f, frame(&sp, f, sizeof(f)), &s), 0);
    assert_sighting(&s, 1001, NB_PKT_TEST, NB_DIR_IN, 9);

    plen = stamp(pl, sizeof(pl), NB_STAMP_UNAUTH, true, true, 1002);
    sp = (struct spec){6, PKT_OUTGOING, 9, PORT, 40000, 0, pl, plen, 0};
    assert_int_equal(parse(f, frame(&sp, f, sizeof(f)), &s), 0);
    assert_sighting(&s, 1002, NB_PKT_REPLY, NB_DIR_OUT, 9);
}

/* Both layouts of RFC 8762 §4: the TLV area starts at 44 or at 112. */
static void test_parse_authenticated_layouts(void **state)
{
    (void)state;
    uint8_t pl[256], f[512];
    struct nb_sighting s;
    for (int fam = 4; fam <= 6; fam += 2) {
        size_t plen = stamp(pl, sizeof(pl), NB_STAMP_AUTH, false, true, 77);
        struct spec sp = {fam, PKT_OUTGOING, 5, 40000, PORT, 0, pl, plen, 0};
        assert_int_equal(parse(f, frame(&sp, f, sizeof(f)), &s), 0);
        assert_sighting(&s, 77, NB_PKT_TEST, NB_DIR_OUT, 5);

        plen = stamp(pl, sizeof(pl), NB_STAMP_AUTH, true, true, 78);
        sp = (struct spec){fam, PKT_HOST, 5, PORT, 40000, 0, pl, plen, 0};
        assert_int_equal(parse(f, frame(&sp, f, sizeof(f)), &s), 0);
        assert_sighting(&s, 78, NB_PKT_REPLY, NB_DIR_IN, 5);
    }
}

/* Only PACKET_OUTGOING is "out": on a guest's vnetX, guest->host frames are
 * inbound (DESIGN §8), and a bridge port's frames for others are OTHERHOST. */
static void test_parse_packet_types(void **state)
{
    (void)state;
    uint8_t pl[256], f[512];
    size_t plen = stamp(pl, sizeof(pl), NB_STAMP_UNAUTH, false, true, 5);
    for (uint8_t t = 0; t <= 7; t++) {
        struct spec sp = {4, t, 2, 40000, PORT, 0, pl, plen, 0};
        struct nb_sighting s;
        assert_int_equal(parse(f, frame(&sp, f, sizeof(f)), &s), 0);
        assert_int_equal(s.dir, t == PKT_OUTGOING ? NB_DIR_OUT : NB_DIR_IN);
    }
}

static void test_parse_ports(void **state)
{
    (void)state;
    uint8_t pl[256], f[512];
    struct nb_sighting s;
    size_t plen = stamp(pl, sizeof(pl), NB_STAMP_UNAUTH, false, true, 5);
    struct spec sp = {4, PKT_HOST, 2, PORT, PORT, 0, pl, plen, 0};
    assert_int_equal(parse(f, frame(&sp, f, sizeof(f)), &s), 0);
    assert_int_equal(s.kind, NB_PKT_TEST); /* both ports: a test packet */

    sp.sport = 40000, sp.dport = 40001;
    assert_int_equal(parse(f, frame(&sp, f, sizeof(f)), &s), -1);

    sp.sport = 40000, sp.dport = 863;
    size_t len = frame(&sp, f, sizeof(f));
    struct nb_capture_cfg other = CFG;
    other.stamp_port = 863;
    assert_int_equal(nb_capture_parse_sll2(f, len, &other, &s), 0); /* the configured port counts */
    assert_int_equal(nb_capture_parse_sll2(f, len, &CFG, &s), -1);
}

/* STAMP from someone else: no TLV, foreign TLVs, a type-252 TLV without our magic. */
static void test_parse_rejects_foreign_stamp(void **state)
{
    (void)state;
    uint8_t pl[256], f[512];
    struct nb_sighting s;
    size_t plen = stamp(pl, sizeof(pl), NB_STAMP_UNAUTH, false, false, 0);
    struct spec sp = {4, PKT_HOST, 2, 40000, PORT, 0, pl, plen, 0};
    assert_int_equal(parse(f, frame(&sp, f, sizeof(f)), &s), -1);

    sp.plen = NB_STAMP_BASE_LEN; /* base only */
    assert_int_equal(parse(f, frame(&sp, f, sizeof(f)), &s), -1);

    plen = stamp(pl, sizeof(pl), NB_STAMP_UNAUTH, false, true, 9);
    sp.plen = plen;
    pl[NB_STAMP_BASE_LEN + 4] ^= 0xff; /* magic broken */
    assert_int_equal(parse(f, frame(&sp, f, sizeof(f)), &s), -1);
    pl[NB_STAMP_BASE_LEN + 4] ^= 0xff;
    pl[NB_STAMP_BASE_LEN] |= NB_TLV_F_M; /* flagged malformed: not usable */
    assert_int_equal(parse(f, frame(&sp, f, sizeof(f)), &s), -1);
    pl[NB_STAMP_BASE_LEN] &= (uint8_t)~NB_TLV_F_M;
    assert_int_equal(parse(f, frame(&sp, f, sizeof(f)), &s), 0);
}

static void test_parse_ipv4_options(void **state)
{
    (void)state;
    uint8_t pl[256], f[512];
    size_t plen = stamp(pl, sizeof(pl), NB_STAMP_UNAUTH, false, true, 0xabcdef);
    for (size_t opts = 0; opts <= 40; opts += 4) {
        struct spec sp = {4, PKT_OUTGOING, 11, 40000, PORT, opts, pl, plen, 0};
        struct nb_sighting s;
        assert_int_equal(parse(f, frame(&sp, f, sizeof(f)), &s), 0);
        assert_sighting(&s, 0xabcdef, NB_PKT_TEST, NB_DIR_OUT, 11);
    }
}

static void test_parse_rejects_bad_headers(void **state)
{
    (void)state;
    uint8_t pl[256], f[512], g[512];
    struct nb_sighting s;
    size_t plen = stamp(pl, sizeof(pl), NB_STAMP_UNAUTH, false, true, 1);
    struct spec sp4 = {4, PKT_HOST, 2, 40000, PORT, 0, pl, plen, 0};
    struct spec sp6 = {6, PKT_HOST, 2, 40000, PORT, 0, pl, plen, 0};
    size_t n4 = frame(&sp4, f, sizeof(f)), n6;

#define BROKEN(buf, len, stmt)                                                                     \
    do {                                                                                           \
        memcpy(g, buf, len);                                                                       \
        stmt;                                                                                      \
        assert_int_equal(parse(g, len, &s), -1);                                                   \
    } while (0)
    assert_int_equal(parse(f, n4, &s), 0);
    BROKEN(f, n4, put16(g, 0x0806));                     /* ARP */
    BROKEN(f, n4, put16(g, 0x8100));                     /* VLAN tag: not expected on SLL2 */
    BROKEN(f, n4, put32(g + 4, 0));                      /* ifindex 0 */
    BROKEN(f, n4, put32(g + 4, 0x80000000u));            /* negative ifindex */
    BROKEN(f, n4, g[SLL2_LEN] = 0x65);                   /* version 6 in an IPv4 frame */
    BROKEN(f, n4, g[SLL2_LEN] = 0x44);                   /* IHL 4 */
    BROKEN(f, n4, g[SLL2_LEN + 9] = IPPROTO_ICMP);       /* neither UDP nor TCP */
    BROKEN(f, n4, g[SLL2_LEN + 9] = IPPROTO_TCP);        /* TCP, but no handshake of ours */
    BROKEN(f, n4, put16(g + SLL2_LEN + 6, 0x0001));      /* later fragment */
    BROKEN(f, n4, put16(g + SLL2_LEN + 2, 19));          /* total length < header */
    BROKEN(f, n4, put16(g + SLL2_LEN + 2, 20 + 8 + 60)); /* TLV past the IP packet */
    BROKEN(f, n4, put16(g + SLL2_LEN + 20 + 4, 7));      /* UDP length < 8 */
    BROKEN(f, n4, put16(g + SLL2_LEN + 20 + 4, 8 + 60)); /* TLV past the datagram */
    /* first fragment (MF, offset 0) carries the UDP header: accepted */
    memcpy(g, f, n4);
    put16(g + SLL2_LEN + 6, 0x2000);
    assert_int_equal(parse(g, n4, &s), 0);
    /* trailing link-layer padding past the IP total length is ignored */
    memcpy(g, f, n4);
    memset(g + n4, 0, 16);
    assert_int_equal(parse(g, n4 + 16, &s), 0);

    n6 = frame(&sp6, f, sizeof(f));
    assert_int_equal(parse(f, n6, &s), 0);
    BROKEN(f, n6, g[SLL2_LEN] = 0x40);              /* version 4 in an IPv6 frame */
    BROKEN(f, n6, g[SLL2_LEN + 6] = 0);             /* hop-by-hop extension header */
    BROKEN(f, n6, g[SLL2_LEN + 6] = 44);            /* fragment header */
    BROKEN(f, n6, put16(g + SLL2_LEN + 4, 0));      /* jumbogram / no payload */
    BROKEN(f, n6, put16(g + SLL2_LEN + 4, 8 + 60)); /* TLV past the payload */
#undef BROKEN
    assert_int_equal(nb_capture_parse_sll2(NULL, 0, &CFG, &s), -1);
}

/* App probes' handshakes: the SYN from a reserved source port is the test
 * packet, the SYN-ACK back to it the reply; the id names the guest end (its
 * address and port) and the server port, whichever way the segment goes. */
static void test_parse_tcp_handshake(void **state)
{
    (void)state;
    uint8_t f[512];
    struct nb_sighting s;
    struct spec syn = {4, PKT_HOST, 6, 61000, 8080, 0, NULL, 0, 0x02};
    assert_int_equal(parse(f, frame(&syn, f, sizeof(f)), &s), 0);
    assert_sighting(&s, nb_tcp_probe_id(0xc6120701, 61000, 8080), NB_PKT_TEST, NB_DIR_IN, 6);
    assert_int_equal(s.proto, NB_PROTO_TCP);
    assert_int_equal(s.isn, 0x11223344); /* the SYN's seq */

    /* the SYN-ACK: the guest is the destination (here 198.18.7.2) */
    struct spec synack = {4, PKT_OUTGOING, 6, 8080, APP_LAST, 0, NULL, 0, 0x12};
    assert_int_equal(parse(f, frame(&synack, f, sizeof(f)), &s), 0);
    assert_sighting(&s, nb_tcp_probe_id(0xc6120702, APP_LAST, 8080), NB_PKT_REPLY, NB_DIR_OUT, 6);
    assert_int_equal(s.proto, NB_PROTO_TCP);
    assert_int_equal(s.isn, 0x55667788 - 1); /* the SYN-ACK acknowledges ISN + 1 */

    /* IPv6: the session is a fold of the 16-byte address */
    struct spec syn6 = {6, PKT_HOST, 6, 61001, 443, 0, NULL, 0, 0x02};
    static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    assert_int_equal(parse(f, frame(&syn6, f, sizeof(f)), &s), 0);
    assert_sighting(&s, nb_tcp_probe_id(nb_tcp_session(a6, 1), 61001, 443), NB_PKT_TEST,
                    NB_DIR_IN, 6);

    /* a STAMP probe is told apart */
    uint8_t pl[256];
    size_t plen = stamp(pl, sizeof(pl), NB_STAMP_UNAUTH, false, true, 5);
    struct spec st = {4, PKT_HOST, 2, 40000, PORT, 0, pl, plen, 0};
    assert_int_equal(parse(f, frame(&st, f, sizeof(f)), &s), 0);
    assert_int_equal(s.proto, NB_PROTO_STAMP);
}

static void test_parse_tcp_rejects_the_rest(void **state)
{
    (void)state;
    uint8_t f[512];
    struct nb_sighting s;
    static const struct spec bad[] = {
        {4, PKT_HOST, 6, APP_FIRST - 1, 8080, 0, NULL, 0, 0x02}, /* SYN from outside the range */
        {4, PKT_HOST, 6, APP_LAST + 1, 8080, 0, NULL, 0, 0x02},
        {4, PKT_HOST, 6, 40000, 61000, 0, NULL, 0, 0x02}, /* a SYN TO a port in the range */
        {4, PKT_HOST, 6, 61000, 8080, 0, NULL, 0, 0x12},  /* SYN-ACK FROM the range */
        {4, PKT_HOST, 6, 61000, 8080, 0, NULL, 0, 0x10},  /* ACK: data, not the handshake */
        {4, PKT_HOST, 6, 8080, 61000, 0, NULL, 0, 0x18},  /* PSH|ACK back */
        {4, PKT_HOST, 6, 61000, 8080, 0, NULL, 0, 0x11},  /* FIN|ACK */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parse(f, frame(&bad[i], f, sizeof(f)), &s) != -1)
            fail_msg("case %zu accepted", i);

    /* handshakes are not sighted when no range is configured */
    struct spec syn = {4, PKT_HOST, 6, 61000, 8080, 0, NULL, 0, 0x02};
    size_t len = frame(&syn, f, sizeof(f));
    struct nb_capture_cfg stamp_only = {.stamp_port = PORT};
    assert_int_equal(nb_capture_parse_sll2(f, len, &stamp_only, &s), -1);

    /* every prefix: accepted exactly when the 20-byte TCP header is there */
    for (int fam = 4; fam <= 6; fam += 2) {
        syn.family = fam;
        len = frame(&syn, f, sizeof(f));
        size_t need = SLL2_LEN + (fam == 4 ? 20u : 40u) + 20;
        for (size_t cap = 0; cap <= len; cap++)
            if (parse(f, cap, &s) != (cap >= need ? 0 : -1))
                fail_msg("IPv%d SYN cut at %zu of %zu", fam, cap, len);
    }
}

/* Every prefix of a frame: accepted exactly when the whole probe-id TLV was
 * captured (snaplen cuts), never a read past the captured bytes. */
static void truncate_all(int fam, enum nb_stamp_mode mode, bool reflected, size_t opts)
{
    uint8_t pl[256], f[512];
    size_t plen = stamp(pl, sizeof(pl), mode, reflected, true, 0x5555);
    struct spec sp = {fam,  PKT_HOST, 4,   reflected ? PORT : 40000, reflected ? 40000 : PORT,
                      opts, pl,       plen, 0};
    size_t len = frame(&sp, f, sizeof(f));
    size_t base = mode == NB_STAMP_AUTH ? NB_STAMP_AUTH_BASE_LEN : NB_STAMP_BASE_LEN;
    size_t need = SLL2_LEN + (fam == 4 ? 20 + opts : 40) + 8 + base + 4 + 16;
    for (size_t cap = 0; cap <= len; cap++) {
        struct nb_sighting s;
        int rc = parse(f, cap, &s);
        if (rc != (cap >= need ? 0 : -1))
            fail_msg("IPv%d mode %d reflected %d opts %zu: caplen %zu of %zu gave %d", fam,
                     (int)mode, reflected, opts, cap, len, rc);
        if (rc == 0)
            assert_int_equal(s.probe_id, 0x5555);
    }
}

static void test_parse_truncated_at_every_length(void **state)
{
    (void)state;
    for (int fam = 4; fam <= 6; fam += 2)
        for (int mode = NB_STAMP_UNAUTH; mode <= NB_STAMP_AUTH; mode++)
            for (int refl = 0; refl <= 1; refl++)
                truncate_all(fam, (enum nb_stamp_mode)mode, refl, 0);
    truncate_all(4, NB_STAMP_UNAUTH, false, 40);
    truncate_all(4, NB_STAMP_AUTH, true, 12);
}

int main(void)
{
    const struct CMUnitTest parser[] = {
        cmocka_unit_test(test_parse_ipv4_test_out),
        cmocka_unit_test(test_parse_ipv4_reply_in),
        cmocka_unit_test(test_parse_ipv6_test_in_and_reply_out),
        cmocka_unit_test(test_parse_authenticated_layouts),
        cmocka_unit_test(test_parse_packet_types),
        cmocka_unit_test(test_parse_ports),
        cmocka_unit_test(test_parse_rejects_foreign_stamp),
        cmocka_unit_test(test_parse_ipv4_options),
        cmocka_unit_test(test_parse_rejects_bad_headers),
        cmocka_unit_test(test_parse_truncated_at_every_length),
        cmocka_unit_test(test_parse_tcp_handshake),
        cmocka_unit_test(test_parse_tcp_rejects_the_rest),
    };
    return cmocka_run_group_tests_name("capture_parser", parser, NULL, NULL);
}
