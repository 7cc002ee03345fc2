/* test_capture.c — the host agent's probe capture (capture.c).
 *
 * Parser: hand-built DLT_LINUX_SLL2 frames (IPv4 with and without options,
 * IPv6; test and reply; in and out; both STAMP modes; with and without the
 * netblame probe-id TLV) through nb_capture_parse_sll2, each one also cut at
 * every length, in a heap buffer of exactly that length so a read past it
 * trips ASan.
 *
 * Live: the test runs in its own network namespace (unshare at the start of
 * main; needs root) with a veth pair nbc0 <-> nbc1. nbc0 holds 198.18.7.1/30
 * and 2001:db8:7::1/64; the far end nbc1 holds no address and the neighbours
 * .2 / ::2 are pinned to its MAC, so a datagram to them leaves nbc0 (out) and
 * arrives on nbc1 (in) where IP drops it. (Were .2 an address of nbc1, the
 * kernel would deliver it over lo: both ends are in one namespace.) Real
 * packets through one nb_capture on "any" then show the kernel filter at
 * work: foreign STAMP traffic never reaches user space, unwatched interfaces
 * give nothing, and the sighting's stamp lies between send and receive.
 * No sleeps: every wait is a poll() on the capture's fd with a 5 s guard, and
 * "nothing arrived" is proved by ordering (a frame is captured leaving nbc0
 * before it is captured arriving on nbc1, in one ring). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netblame/capture.h"
#include "netblame/log.h"
#include "netblame/ntp.h"
#include "netblame/stamp.h"

#define PORT 862
#define SLL2_LEN 20
#define PKT_HOST 0
#define PKT_OUTGOING 4

#define APP_FIRST 61000
#define APP_LAST 61255
static const struct nb_capture_cfg CFG = {
    .stamp_port = PORT, .app_port_first = APP_FIRST, .app_port_last = APP_LAST};

static const struct nb_stamp_key KEY = {.key = "netblame capture key", .len = 20};

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

/* A STAMP packet: test or reflected, in MODE, with the probe-id TLV first (if
 * WITH_ID) then a Timestamp Information TLV. Returns its length. */
static size_t stamp(uint8_t *buf, size_t cap, enum nb_stamp_mode mode, bool reflected, bool with_id,
                    uint64_t id)
{
    uint8_t tlv[64];
    struct nb_tlv_writer w;
    nb_tlv_writer_init(&w, tlv, sizeof(tlv));
    if (with_id)
        nb_tlv_put_probe_id(&w, id);
    nb_tlv_put_timestamp_info(&w, 0, 0, 0, 0);
    assert_false(w.overflow);
    size_t n;
    if (reflected) {
        struct nb_stamp_reflected r = {.seq = 1,
                                       .ts = 0x0102030405060708ULL,
                                       .errest = 1,
                                       .ssid = 7,
                                       .rx_ts = 0x1112131415161718ULL,
                                       .ss_seq = 1,
                                       .ss_ts = 0x2122232425262728ULL,
                                       .ss_errest = 1,
                                       .ss_ttl = 64};
        n = nb_stamp_encode_reflected(buf, cap, mode, &KEY, &r, tlv, w.len);
    } else {
        struct nb_stamp_test t = {.seq = 1, .ts = 0x0102030405060708ULL, .errest = 1, .ssid = 7};
        n = nb_stamp_encode_test(buf, cap, mode, &KEY, &t, tlv, w.len);
    }
    assert_true(n > 0);
    return n;
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

/* ---- live capture in a private network namespace ---- */

#define MAXS 64

struct rec {
    size_t n;
    struct nb_sighting s[MAXS];
    /* on sighting probe unwatch_on, the callback unwatches unwatch_if */
    struct nb_capture *c;
    uint64_t unwatch_on;
    int unwatch_if;
};

static void on_sighting(void *arg, const struct nb_sighting *s)
{
    struct rec *r = arg;
    if (r->n < MAXS)
        r->s[r->n++] = *s;
    if (r->unwatch_on && s->probe_id == r->unwatch_on) {
        r->unwatch_on = 0;
        assert_int_equal(nb_capture_unwatch(r->c, r->unwatch_if), 0);
    }
}

static const struct nb_sighting *find(const struct rec *r, uint64_t id, int ifindex)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->s[i].probe_id == id && r->s[i].ifindex == ifindex)
            return &r->s[i];
    return NULL;
}

static nb_ns mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (nb_ns)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Poll the capture until probe ID has been sighted on IFINDEX (5 s guard). */
static const struct nb_sighting *wait_for(struct nb_capture *c, struct rec *r, uint64_t id,
                                          int ifindex)
{
    nb_ns deadline = mono_ms() + 5000;
    const struct nb_sighting *s;
    while (!(s = find(r, id, ifindex))) {
        nb_ns left = deadline - mono_ms();
        if (left <= 0)
            fail_msg("probe %#llx never sighted on ifindex %d", (unsigned long long)id, ifindex);
        struct pollfd pfd = {.fd = nb_capture_fd(c), .events = POLLIN};
        int rc = poll(&pfd, 1, (int)left);
        if (rc < 0 && errno != EINTR)
            fail_msg("poll: %s", strerror(errno));
        nb_capture_on_readable(c);
    }
    return s;
}

static void sh(const char *cmd)
{
    if (system(cmd) != 0)
        fail_msg("failed: %s", cmd);
}

struct live {
    struct nb_capture *c;
    struct rec r;
    int i0, i1;      /* nbc0 (sender, "nic"), nbc1 (far end, "tap") */
    int s4, s4r, s6; /* test sender, reply sender (source port 862), IPv6 test sender */
};

static int udp_socket(int fam, const char *addr, uint16_t port)
{
    int fd = socket(fam, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    int rc;
    if (fam == AF_INET) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
        assert_int_equal(inet_pton(AF_INET, addr, &a.sin_addr), 1);
        rc = bind(fd, (struct sockaddr *)&a, sizeof(a));
    } else {
        struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
        assert_int_equal(inet_pton(AF_INET6, addr, &a.sin6_addr), 1);
        rc = bind(fd, (struct sockaddr *)&a, sizeof(a));
    }
    if (rc < 0)
        fail_msg("bind %s:%u: %s", addr, port, strerror(errno));
    return fd;
}

static void send_to(int fd, int fam, uint16_t port, const uint8_t *buf, size_t len)
{
    ssize_t n;
    if (fam == AF_INET) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
        inet_pton(AF_INET, "198.18.7.2", &a.sin_addr);
        n = sendto(fd, buf, len, 0, (struct sockaddr *)&a, sizeof(a));
    } else {
        struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
        inet_pton(AF_INET6, "2001:db8:7::2", &a.sin6_addr);
        n = sendto(fd, buf, len, 0, (struct sockaddr *)&a, sizeof(a));
    }
    if (n != (ssize_t)len)
        fail_msg("sendto: %s", n < 0 ? strerror(errno) : "short");
}

/* Taps nbd0..nbd299 (no guest behind them), half made before the veth pair and
 * half after, so the real ends sit in the middle of the ifindex range. */
#define EXTRA_TAPS 300

static int live_setup(void **state)
{
    sh("for i in $(seq 0 149); do echo tuntap add nbd$i mode tap; done | ip -batch -");
    sh("ip link add nbc0 address 02:00:00:00:07:01 type veth peer name nbc1"
       " address 02:00:00:00:07:02");
    sh("ip addr add 198.18.7.1/30 dev nbc0 && ip -6 addr add 2001:db8:7::1/64 dev nbc0 nodad");
    sh("ip link set nbc0 up && ip link set nbc1 up && ip link set lo up");
    sh("ip neigh replace 198.18.7.2 lladdr 02:00:00:00:07:02 dev nbc0 nud permanent");
    sh("ip -6 neigh replace 2001:db8:7::2 lladdr 02:00:00:00:07:02 dev nbc0 nud permanent");
    sh("for i in $(seq 150 299); do echo tuntap add nbd$i mode tap; done | ip -batch -");

    struct live *l = calloc(1, sizeof(*l));
    assert_non_null(l);
    l->i0 = (int)if_nametoindex("nbc0");
    l->i1 = (int)if_nametoindex("nbc1");
    assert_true(l->i0 > 0 && l->i1 > 0);
    char err[256] = "";
    l->c = nb_capture_new(&CFG, on_sighting, &l->r, err, sizeof(err));
    if (!l->c)
        fail_msg("%s", err);
    l->r.c = l->c;
    l->s4 = udp_socket(AF_INET, "198.18.7.1", 0);
    l->s4r = udp_socket(AF_INET, "198.18.7.1", PORT);
    l->s6 = udp_socket(AF_INET6, "2001:db8:7::1", 0);
    *state = l;
    return 0;
}

static int live_teardown(void **state)
{
    struct live *l = *state;
    nb_capture_free(l->c);
    close(l->s4);
    close(l->s4r);
    close(l->s6);
    free(l);
    return system("ip link del nbc0") == 0 ? 0 : -1;
}

static void send_probe(struct live *l, int fam, enum nb_stamp_mode mode, bool reply, uint64_t id)
{
    uint8_t b[256];
    size_t n = stamp(b, sizeof(b), mode, reply, true, id);
    if (reply)
        send_to(l->s4r, AF_INET, 40000, b, n);
    else
        send_to(fam == 4 ? l->s4 : l->s6, fam == 4 ? AF_INET : AF_INET6, PORT, b, n);
}

static void assert_ts_between(const struct nb_sighting *s, nb_ns t0, nb_ns t1)
{
    if (s->ts < t0 || s->ts > t1)
        fail_msg("ts %lld not within [%lld, %lld]", (long long)s->ts, (long long)t0, (long long)t1);
}

/* One interface watched: foreign STAMP to the port never reaches user space
 * (kernel filter on the magic); the probe is sighted once, leaving nbc0, with
 * a kernel stamp between send and receive; the far end is not reported. */
static void test_live_sighting_on_watched_nic(void **state)
{
    struct live *l = *state;
    struct nb_capture_stats st;
    assert_int_equal(nb_capture_watch(l->c, l->i0, "nbc0", NB_IF_NIC), 0);
    assert_int_equal(nb_capture_watched(l->c), 1);

    uint8_t junk[256];
    size_t n = stamp(junk, sizeof(junk), NB_STAMP_UNAUTH, false, false, 0); /* no netblame TLV */
    memset(junk + n, 0, 160); /* long enough for 124 */
    send_to(l->s4, AF_INET, PORT, junk, n + 160);
    n = stamp(junk, sizeof(junk), NB_STAMP_AUTH, false, true, 0x99);
    junk[NB_STAMP_AUTH_BASE_LEN + 4] = 'X'; /* netblame TLV type, foreign magic */
    send_to(l->s4, AF_INET, PORT, junk, n);

    nb_ns t0 = nb_realtime_now();
    send_probe(l, 4, NB_STAMP_UNAUTH, false, 0x1001);
    const struct nb_sighting *s = wait_for(l->c, &l->r, 0x1001, l->i0);
    nb_ns t1 = nb_realtime_now();

    assert_int_equal(l->r.n, 1);
    assert_int_equal(s->kind, NB_PKT_TEST);
    assert_int_equal(s->dir, NB_DIR_OUT);
    assert_int_equal(s->role, NB_IF_NIC);
    assert_string_equal(s->ifname, "nbc0");
    assert_ts_between(s, t0, t1);
    nb_capture_stats(l->c, &st);
    assert_int_equal(st.packets, 1); /* the two foreign packets were dropped in the kernel */
    assert_int_equal(st.sightings, 1);
    assert_int_equal(st.malformed + st.no_probe_id, 0);
}

/* Both ends watched: each probe is sighted leaving nbc0 and arriving on nbc1
 * (in order, one clock), for test and reply, IPv4 and IPv6, both STAMP modes
 * (the kernel filter's magic offsets 44+4 and 112+4). */
static void test_live_both_ends_all_shapes(void **state)
{
    struct live *l = *state;
    assert_int_equal(nb_capture_watch(l->c, l->i1, "nbc1", NB_IF_TAP), 0);
    assert_int_equal(nb_capture_watch(l->c, l->i1, "nbc1", NB_IF_TAP), 0); /* idempotent */
    assert_int_equal(nb_capture_watched(l->c), 2);

    static const struct {
        int fam;
        enum nb_stamp_mode mode;
        bool reply;
        uint64_t id;
    } cases[] = {
        {4, NB_STAMP_UNAUTH, false, 0x2001}, {4, NB_STAMP_AUTH, false, 0x2002},
        {4, NB_STAMP_UNAUTH, true, 0x2003},  {4, NB_STAMP_AUTH, true, 0x2004},
        {6, NB_STAMP_UNAUTH, false, 0x2005}, {6, NB_STAMP_AUTH, false, 0x2006},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        nb_ns t0 = nb_realtime_now();
        send_probe(l, cases[i].fam, cases[i].mode, cases[i].reply, cases[i].id);
        const struct nb_sighting *in = wait_for(l->c, &l->r, cases[i].id, l->i1);
        nb_ns t1 = nb_realtime_now();
        const struct nb_sighting *out = find(&l->r, cases[i].id, l->i0);
        assert_non_null(out);
        int kind = cases[i].reply ? NB_PKT_REPLY : NB_PKT_TEST;
        assert_int_equal(out->kind, kind);
        assert_int_equal(in->kind, kind);
        assert_int_equal(out->dir, NB_DIR_OUT);
        assert_int_equal(in->dir, NB_DIR_IN);
        assert_int_equal(out->role, NB_IF_NIC);
        assert_int_equal(in->role, NB_IF_TAP);
        assert_string_equal(in->ifname, "nbc1");
        assert_ts_between(out, t0, t1);
        assert_ts_between(in, out->ts, t1);
    }
    struct nb_capture_stats st;
    nb_capture_stats(l->c, &st);
    assert_int_equal(st.malformed + st.no_probe_id, 0);
    assert_int_equal(st.kernel_drops, 0);
}

/* After unwatch, the interface gives nothing: the probe's copy leaving nbc0
 * would sit in the ring before its copy arriving on nbc1, so once nbc1's is
 * read, nbc0's is known absent. */
static void test_live_unwatch_stops_sightings(void **state)
{
    struct live *l = *state;
    assert_int_equal(nb_capture_unwatch(l->c, l->i0), 0);
    assert_int_equal(nb_capture_unwatch(l->c, l->i0), -1);
    assert_int_equal(nb_capture_watched(l->c), 1);

    send_probe(l, 4, NB_STAMP_UNAUTH, false, 0x3001);
    send_probe(l, 6, NB_STAMP_UNAUTH, false, 0x3002);
    wait_for(l->c, &l->r, 0x3002, l->i1);
    assert_non_null(find(&l->r, 0x3001, l->i1));
    assert_null(find(&l->r, 0x3001, l->i0));
    assert_null(find(&l->r, 0x3002, l->i0));

    /* frames already queued when their interface is dropped are not reported */
    assert_int_equal(nb_capture_watch(l->c, l->i0, "nbc0", NB_IF_NIC), 0);
    send_probe(l, 4, NB_STAMP_UNAUTH, false, 0x3003);
    assert_int_equal(nb_capture_unwatch(l->c, l->i0), 0);
    send_probe(l, 4, NB_STAMP_UNAUTH, false, 0x3004);
    wait_for(l->c, &l->r, 0x3004, l->i1);
    assert_null(find(&l->r, 0x3003, l->i0));

    /* and watching it again brings it back */
    assert_int_equal(nb_capture_watch(l->c, l->i0, "nbc0", NB_IF_NIC), 0);
    send_probe(l, 4, NB_STAMP_UNAUTH, false, 0x3005);
    wait_for(l->c, &l->r, 0x3005, l->i1);
    assert_non_null(find(&l->r, 0x3005, l->i0));

    /* frames queued across a change that keeps their interface: libpcap runs
     * the new program over them in user space, and they pass */
    send_probe(l, 4, NB_STAMP_UNAUTH, false, 0x3006);
    assert_int_equal(nb_capture_watch(l->c, 4242, "elsewhere", NB_IF_TAP), 0);
    wait_for(l->c, &l->r, 0x3006, l->i1);
    assert_non_null(find(&l->r, 0x3006, l->i0));
    assert_int_equal(nb_capture_unwatch(l->c, 4242), 0);

    /* the callback itself may change the set: later frames follow the change */
    l->r.unwatch_on = 0x3007;
    l->r.unwatch_if = l->i0;
    send_probe(l, 4, NB_STAMP_UNAUTH, false, 0x3007);
    send_probe(l, 4, NB_STAMP_UNAUTH, false, 0x3008);
    wait_for(l->c, &l->r, 0x3008, l->i1);
    assert_non_null(find(&l->r, 0x3007, l->i0));
    assert_null(find(&l->r, 0x3008, l->i0));
    assert_int_equal(nb_capture_watched(l->c), 1);
    assert_int_equal(nb_capture_watch(l->c, l->i0, "nbc0", NB_IF_NIC), 0);
}

/* Hundreds of watched interfaces, the real ones in the middle of the ifindex
 * range: the kernel's search over the set still finds them, and only them. */
static void test_live_hundreds_of_interfaces(void **state)
{
    struct live *l = *state;
    char name[IFNAMSIZ];
    int idx[EXTRA_TAPS];
    for (int i = 0; i < EXTRA_TAPS; i++) {
        snprintf(name, sizeof(name), "nbd%d", i);
        idx[i] = (int)if_nametoindex(name);
        assert_true(idx[i] > 0);
        assert_int_equal(nb_capture_watch(l->c, idx[i], name, NB_IF_TAP), 0);
    }
    assert_true(idx[0] < l->i1 && l->i0 < idx[EXTRA_TAPS - 1]);
    assert_int_equal(nb_capture_watched(l->c), EXTRA_TAPS + 2);

    send_probe(l, 4, NB_STAMP_UNAUTH, false, 0x4001);
    wait_for(l->c, &l->r, 0x4001, l->i1);
    assert_non_null(find(&l->r, 0x4001, l->i0));

    assert_int_equal(nb_capture_unwatch(l->c, l->i0), 0);
    send_probe(l, 4, NB_STAMP_UNAUTH, false, 0x4002);
    wait_for(l->c, &l->r, 0x4002, l->i1);
    assert_null(find(&l->r, 0x4002, l->i0));
    assert_int_equal(nb_capture_watch(l->c, l->i0, "nbc0", NB_IF_NIC), 0);

    for (int i = 0; i < EXTRA_TAPS; i++)
        assert_int_equal(nb_capture_unwatch(l->c, idx[i]), 0);
    assert_int_equal(nb_capture_watched(l->c), 2);
}

/* A filter the kernel refuses (here: socket option memory too small) fails the
 * watch, keeps the previous set and its kernel filter, and never leaves
 * libpcap filtering the host's traffic in user space. */
static void test_live_kernel_refusal_keeps_previous_filter(void **state)
{
    struct live *l = *state;
    struct nb_capture_stats before, after;
    char old[32] = "";
    FILE *f = fopen("/proc/sys/net/core/optmem_max", "r");
    assert_non_null(f);
    assert_non_null(fgets(old, sizeof(old), f));
    fclose(f);
    sh("sysctl -qw net.core.optmem_max=4096");

    size_t n = nb_capture_watched(l->c);
    int added = 0;
    while (added < 5000 && nb_capture_watch(l->c, 100000 + added, NULL, NB_IF_TAP) == 0)
        added++;
    assert_true(added > 0 && added < 5000);
    assert_int_equal(nb_capture_watched(l->c), n + (size_t)added);

    nb_capture_stats(l->c, &before);
    uint8_t junk[256];
    size_t len = stamp(junk, sizeof(junk), NB_STAMP_UNAUTH, false, false, 0);
    send_to(l->s4, AF_INET, PORT, junk, len);
    send_probe(l, 4, NB_STAMP_UNAUTH, false, 0x5001);
    wait_for(l->c, &l->r, 0x5001, l->i1);
    assert_non_null(find(&l->r, 0x5001, l->i0));
    nb_capture_stats(l->c, &after);
    assert_int_equal(after.packets - before.packets, 2); /* the probe, twice; no junk */

    char cmd[64];
    snprintf(cmd, sizeof(cmd), "sysctl -qw net.core.optmem_max=%d", atoi(old));
    sh(cmd);
    for (int i = 0; i < added; i++)
        assert_int_equal(nb_capture_unwatch(l->c, 100000 + i), 0);
}

/* A real TCP handshake's SYN: from a reserved port it is sighted leaving
 * nbc0 and arriving on nbc1 with the id of its ends; from any other port the
 * kernel filter keeps it (and the connection's other segments) out of user
 * space. Nothing answers on nbc1, so there is no SYN-ACK here (the lab tests
 * sight both); the sockets are closed before the SYN's first retransmit. */
static int tcp_syn_from(uint16_t sport)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(sport)};
    inet_pton(AF_INET, "198.18.7.1", &a.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
        fail_msg("bind :%u: %s", sport, strerror(errno));
    a.sin_port = htons(8080);
    inet_pton(AF_INET, "198.18.7.2", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 || errno != EINPROGRESS)
        fail_msg("connect: %s", strerror(errno));
    return fd;
}

static void test_live_tcp_syn(void **state)
{
    struct live *l = *state;
    assert_int_equal(nb_capture_watch(l->c, l->i0, "nbc0", NB_IF_NIC), 0);
    assert_int_equal(nb_capture_watch(l->c, l->i1, "nbc1", NB_IF_TAP), 0);
    struct nb_capture_stats before, after;
    nb_capture_stats(l->c, &before);
    int foreign = tcp_syn_from(40123);
    int ours = tcp_syn_from(APP_FIRST + 7);
    uint64_t id = nb_tcp_probe_id(0xc6120701, APP_FIRST + 7, 8080);
    const struct nb_sighting *in = wait_for(l->c, &l->r, id, l->i1);
    const struct nb_sighting *out = find(&l->r, id, l->i0);
    assert_non_null(out);
    assert_int_equal(out->proto, NB_PROTO_TCP);
    assert_int_equal(out->kind, NB_PKT_TEST);
    assert_int_equal(out->dir, NB_DIR_OUT);
    assert_int_equal(in->dir, NB_DIR_IN);
    assert_true(in->ts >= out->ts);
    nb_capture_stats(l->c, &after);
    assert_int_equal(after.packets - before.packets, 2); /* our SYN twice, the other never */
    close(foreign);
    close(ours);
}

static void test_live_watch_rejects_bad_arguments(void **state)
{
    struct live *l = *state;
    size_t n = nb_capture_watched(l->c);
    assert_int_equal(nb_capture_watch(l->c, 0, "x", NB_IF_TAP), -1);
    assert_int_equal(nb_capture_watch(l->c, -3, "x", NB_IF_TAP), -1);
    assert_int_equal(nb_capture_watch(l->c, 5, "x", (enum nb_if_role)7), -1);
    assert_int_equal(nb_capture_watched(l->c), n);
}

int main(void)
{
    /* The live tests need a network namespace of their own (root). */
    if (unshare(CLONE_NEWNET) < 0) {
        fprintf(stderr, "test_capture: unshare(CLONE_NEWNET): %s (run as root)\n", strerror(errno));
        return 1;
    }
    nb_log_set_level(NB_LOG_WARN);
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
    /* In order: each live test starts from the watched set the previous left. */
    const struct CMUnitTest live[] = {
        cmocka_unit_test(test_live_sighting_on_watched_nic),
        cmocka_unit_test(test_live_both_ends_all_shapes),
        cmocka_unit_test(test_live_unwatch_stops_sightings),
        cmocka_unit_test(test_live_hundreds_of_interfaces),
        cmocka_unit_test(test_live_kernel_refusal_keeps_previous_filter),
        cmocka_unit_test(test_live_watch_rejects_bad_arguments),
        cmocka_unit_test(test_live_tcp_syn),
    };
    int failed = cmocka_run_group_tests_name("capture_parser", parser, NULL, NULL);
    failed += cmocka_run_group_tests_name("capture_live", live, live_setup, live_teardown);
    return failed;
}
