/* test_tstamp.c — kernel timestamps on real loopback sockets, and a STAMP
 * sender/reflector round trip through them. Waits use poll() on the sockets
 * (the event that completes the work), never a sleep. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "netblame/addr.h"
#include "netblame/reflector.h"
#include "netblame/sender.h"
#include "tstamp.h"

#define HANG_GUARD_MS 5000 /* only to fail instead of hanging; not a timing assertion */

static int wait_fd(int fd, short events)
{
    struct pollfd p = {.fd = fd, .events = events};
    return poll(&p, 1, HANG_GUARD_MS);
}

static void loopback(struct sockaddr_storage *ss, socklen_t *len, uint16_t port)
{
    assert_int_equal(nb_addr_parse("127.0.0.1", port, ss, len), 0);
}

static uint16_t bound_port(int fd)
{
    struct sockaddr_in sin;
    socklen_t l = sizeof(sin);
    getsockname(fd, (struct sockaddr *)&sin, &l);
    return ntohs(sin.sin_port);
}

static void test_tx_and_rx_kernel_stamps_are_ordered(void **state)
{
    struct nb_tsock a, b;
    struct sockaddr_storage ss;
    socklen_t len;
    loopback(&ss, &len, 0);
    assert_int_equal(nb_tsock_open(&b, AF_INET, (struct sockaddr *)&ss, len, false), 0);
    assert_int_equal(nb_tsock_open(&a, AF_INET, NULL, 0, true), 0);
    assert_true(a.tx_kernel);
    assert_true(b.rx_kernel);
    loopback(&ss, &len, bound_port(b.fd));

    nb_ns before = nb_realtime_now();
    uint32_t key;
    assert_int_equal(nb_tsock_send(&a, "hello", 5, (struct sockaddr *)&ss, len, 77, &key), 5);
    if (a.opt_id_cmsg)
        assert_int_equal(key, 77);

    nb_ns sched = 0, snd = 0;
    while (!(sched && snd)) {
        assert_true(wait_fd(a.fd, 0) > 0); /* POLLERR is always reported */
        struct nb_txstamp tx;
        int e;
        enum nb_errq q = nb_tsock_read_errqueue(&a, &tx, &e);
        if (q != NB_ERRQ_TXSTAMP)
            continue;
        assert_int_equal(tx.key, key);
        if (tx.src == NB_TS_SCHED)
            sched = tx.ts;
        if (tx.src == NB_TS_SND)
            snd = tx.ts;
    }
    assert_true(wait_fd(b.fd, POLLIN) > 0);
    char buf[16];
    struct nb_rx rx;
    assert_int_equal(nb_tsock_recv(&b, buf, sizeof(buf), &rx), 1);
    assert_int_equal(rx.len, 5);
    assert_int_equal(rx.ts_src, NB_TS_KERNEL_RX);
    /* One clock, one direction of time: user send <= SCHED <= SND <= RX. */
    assert_true(before <= sched);
    assert_true(sched <= snd);
    assert_true(snd <= rx.ts);
    assert_int_equal(rx.ttl, 64);
    nb_tsock_close(&a);
    nb_tsock_close(&b);
}

struct collected {
    unsigned n;
    struct nb_probe_result r[16];
};

static void collect(void *arg, const struct nb_probe_result *r)
{
    struct collected *c = arg;
    if (c->n < 16)
        c->r[c->n++] = *r;
}

static struct nb_reflector *start_reflector(enum nb_stamp_mode mode, const char *key)
{
    struct nb_reflector_cfg rc = {0};
    char err[256];
    loopback(&rc.addr, &rc.addrlen, 0);
    rc.mode = mode;
    if (key) {
        rc.key.len = strlen(key);
        memcpy(rc.key.key, key, rc.key.len);
    }
    struct nb_reflector *r = nb_reflector_new(&rc, err, sizeof(err));
    assert_non_null(r);
    return r;
}

static struct nb_sender *start_sender_padded(struct nb_reflector *r, enum nb_stamp_mode mode,
                                             const char *key, struct collected *c,
                                             unsigned pad_every)
{
    struct nb_sender_cfg sc = {0};
    char err[256];
    loopback(&sc.peer, &sc.peerlen, bound_port(nb_reflector_fd(r)));
    sc.mode = mode;
    sc.timeout = 10LL * NB_NS_PER_SEC;
    sc.id_nonce = 0xabcd;
    sc.pad_every = pad_every;
    if (key) {
        sc.key.len = strlen(key);
        memcpy(sc.key.key, key, sc.key.len);
    }
    struct nb_sender *s = nb_sender_new(&sc, collect, c, err, sizeof(err));
    assert_non_null(s);
    return s;
}

static struct nb_sender *start_sender(struct nb_reflector *r, enum nb_stamp_mode mode,
                                      const char *key, struct collected *c)
{
    return start_sender_padded(r, mode, key, c, 0);
}

/* Pump both ends until the sender has WANT results. */
static void pump(struct nb_reflector *r, struct nb_sender *s, struct collected *c, unsigned want)
{
    while (c->n < want) {
        struct pollfd p[2] = {{.fd = nb_reflector_fd(r), .events = POLLIN},
                              {.fd = nb_sender_fd(s), .events = POLLIN}};
        assert_true(poll(p, 2, HANG_GUARD_MS) > 0);
        if (p[0].revents)
            nb_reflector_on_readable(r);
        if (p[1].revents)
            nb_sender_on_readable(s);
    }
}

static void round_trip(enum nb_stamp_mode mode, const char *key)
{
    struct collected c = {0};
    struct nb_reflector *r = start_reflector(mode, key);
    struct nb_sender *s = start_sender(r, mode, key, &c);
    for (int i = 0; i < 5; i++)
        assert_int_equal(nb_sender_send(s, nb_mono_now()), 0);
    pump(r, s, &c, 5);
    for (unsigned i = 0; i < 5; i++) {
        const struct nb_probe_result *x = &c.r[i];
        assert_false(x->lost);
        assert_int_equal(x->seq, i);
        assert_int_equal(x->refl_seq, i); /* stateful reflector counts this session */
        assert_int_equal(x->probe_id, (0xabcdULL << 32) | i);
        assert_int_equal(x->t1_src, NB_TS_SND);
        assert_int_equal(x->t4_src, NB_TS_KERNEL_RX);
        assert_true(x->rtt > 0);
        assert_true(x->reflector_hold >= 0);
        assert_true(x->t2 >= x->t1); /* one host here: both pairs on one clock */
        assert_true(x->t4 >= x->t3);
        assert_int_equal(x->ttl_fwd, 64);
    }
    assert_int_equal(nb_reflector_stats(r)->reflected, 5);
    assert_int_equal(nb_sender_stats(s)->received, 5);
    assert_int_equal(nb_sender_stats(s)->lost, 0);
    nb_sender_free(s);
    nb_reflector_free(r);
}

/* Full-size probes: every 2nd probe padded (Extra Padding TLV) to the
 * route's MTU (capped at NB_STAMP_MAX_LEN on loopback), echoed by the
 * reflector, flagged in the results; the small ones untouched. */
static void padded_round_trip(enum nb_stamp_mode mode, const char *key)
{
    struct collected c = {0};
    struct nb_reflector *r = start_reflector(mode, key);
    struct nb_sender *s = start_sender_padded(r, mode, key, &c, 2);
    assert_int_equal(nb_sender_padded_size(s), NB_STAMP_MAX_LEN + 28);
    for (int i = 0; i < 4; i++)
        assert_int_equal(nb_sender_send(s, nb_mono_now()), 0);
    pump(r, s, &c, 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_false(c.r[i].lost);
        assert_int_equal(c.r[i].padded, i % 2 == 1);
    }
    assert_int_equal(nb_sender_stats(s)->truncated, 0);
    nb_sender_free(s);
    nb_reflector_free(r);
}

static void test_full_size_probes(void **state)
{
    padded_round_trip(NB_STAMP_UNAUTH, NULL);
    padded_round_trip(NB_STAMP_AUTH, "s3cret-key");
}

static void test_round_trip_unauthenticated(void **state)
{
    round_trip(NB_STAMP_UNAUTH, NULL);
}

static void test_round_trip_authenticated(void **state)
{
    round_trip(NB_STAMP_AUTH, "s3cret-key");
}

static void test_reflector_drops_garbage_and_wrong_key(void **state)
{
    struct collected c = {0};
    struct nb_reflector *r = start_reflector(NB_STAMP_AUTH, "right");
    struct nb_sender *bad = start_sender(r, NB_STAMP_AUTH, "wrong", &c);
    struct nb_tsock raw;
    assert_int_equal(nb_tsock_open(&raw, AF_INET, NULL, 0, false), 0);
    struct sockaddr_storage ss;
    socklen_t len;
    loopback(&ss, &len, bound_port(nb_reflector_fd(r)));
    uint32_t key;
    assert_int_equal(nb_tsock_send(&raw, "garbage", 7, (struct sockaddr *)&ss, len, 0, &key), 7);
    assert_int_equal(nb_sender_send(bad, nb_mono_now()), 0);

    /* A good probe after them: once it is answered, the reflector has seen both bad ones. */
    struct collected good_c = {0};
    struct nb_sender *good = start_sender(r, NB_STAMP_AUTH, "right", &good_c);
    assert_int_equal(nb_sender_send(good, nb_mono_now()), 0);
    pump(r, good, &good_c, 1);
    const struct nb_reflector_stats *st = nb_reflector_stats(r);
    assert_int_equal(st->malformed[NB_STAMP_E_SHORT], 1);
    assert_int_equal(st->malformed[NB_STAMP_E_HMAC], 1);
    assert_int_equal(st->reflected, 1);
    assert_int_equal(c.n, 0);
    nb_tsock_close(&raw);
    nb_sender_free(bad);
    nb_sender_free(good);
    nb_reflector_free(r);
}

static void test_probe_to_closed_port_is_lost_with_icmp_error(void **state)
{
    struct collected c = {0};
    struct nb_reflector *r = start_reflector(NB_STAMP_UNAUTH, NULL);
    struct nb_sender *s = start_sender(r, NB_STAMP_UNAUTH, NULL, &c);
    nb_reflector_free(r); /* port now closed: the kernel answers ICMP port unreachable */
    assert_int_equal(nb_sender_send(s, nb_mono_now()), 0);
    /* Wait until the ICMP error is pending on the socket, without reading it:
     * the next send must still go out (regression: it used to fail with
     * ECONNREFUSED and be counted as a send error instead of a probe). */
    assert_true(wait_fd(nb_sender_fd(s), 0) > 0);
    assert_int_equal(nb_sender_send(s, nb_mono_now()), 0);
    while (nb_sender_stats(s)->icmp_errors == 0) {
        assert_true(wait_fd(nb_sender_fd(s), POLLIN) > 0);
        nb_sender_on_readable(s);
    }
    nb_sender_expire(s, nb_mono_now() + 11LL * NB_NS_PER_SEC);
    assert_int_equal(c.n, 2);
    assert_true(c.r[0].lost && c.r[1].lost);
    assert_int_equal(nb_sender_stats(s)->sent, 2);
    assert_int_equal(nb_sender_stats(s)->send_errors, 0);
    assert_int_equal(nb_sender_stats(s)->lost, 2);
    nb_sender_free(s);
}

/* The kernel turns receive timestamping on for the whole system when the first
 * socket asks, through deferred work (net_enable_timestamp): packets received
 * in the instant after may carry no stamp (netblame then falls back to user
 * space and says so). Keep one stamping socket open for the whole run and
 * wait until stamps flow, so the tests below see the steady state. */
static struct nb_tsock warm_a, warm_b;

/* The cmsg that picks a reply's source: IP_PKTINFO's ipi_spec_dst or
 * IPV6_PKTINFO's ipi6_addr, the interface named only for an IPv6
 * link-local source; nothing for an unknown one or a buffer too small. */
static void test_local_cmsg(void **state)
{
    _Alignas(struct cmsghdr) unsigned char buf[NB_LOCAL_CMSG_SPACE];
    struct nb_local l = {.family = AF_INET, .ifindex = 7, .addr = {198, 18, 0, 9}};
    struct msghdr m = {.msg_control = buf, .msg_controllen = sizeof(buf)};
    size_t n = nb_local_cmsg(buf, sizeof(buf), &l);
    assert_int_equal(n, CMSG_SPACE(sizeof(struct in_pktinfo)));
    m.msg_controllen = n;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    assert_int_equal(c->cmsg_level, IPPROTO_IP);
    assert_int_equal(c->cmsg_type, IP_PKTINFO);
    assert_int_equal(c->cmsg_len, CMSG_LEN(sizeof(struct in_pktinfo)));
    struct in_pktinfo pi;
    memcpy(&pi, CMSG_DATA(c), sizeof(pi));
    assert_int_equal(pi.ipi_spec_dst.s_addr, htonl(0xc6120009));
    assert_int_equal(pi.ipi_addr.s_addr, 0);
    assert_int_equal(pi.ipi_ifindex, 0);
    assert_null(CMSG_NXTHDR(&m, c));

    for (int ll = 0; ll < 2; ll++) {
        struct in6_pktinfo pi6;
        l.family = AF_INET6;
        assert_int_equal(inet_pton(AF_INET6, ll ? "fe80::1" : "2001:db8::9", l.addr), 1);
        n = nb_local_cmsg(buf, sizeof(buf), &l);
        assert_int_equal(n, CMSG_SPACE(sizeof(struct in6_pktinfo)));
        m.msg_controllen = n;
        c = CMSG_FIRSTHDR(&m);
        assert_int_equal(c->cmsg_level, IPPROTO_IPV6);
        assert_int_equal(c->cmsg_type, IPV6_PKTINFO);
        assert_int_equal(c->cmsg_len, CMSG_LEN(sizeof(struct in6_pktinfo)));
        memcpy(&pi6, CMSG_DATA(c), sizeof(pi6));
        assert_memory_equal(&pi6.ipi6_addr, l.addr, 16);
        assert_int_equal(pi6.ipi6_ifindex, ll ? 7u : 0u);
    }
    assert_int_equal(nb_local_cmsg(buf, CMSG_SPACE(sizeof(struct in6_pktinfo)) - 1, &l), 0);
    l.family = 0;
    assert_int_equal(nb_local_cmsg(buf, sizeof(buf), &l), 0);
    assert_int_equal(nb_local_cmsg(buf, sizeof(buf), NULL), 0);
}

/* nb_rx.local: the address a datagram was sent to, 127.0.0.2 on a socket
 * bound to 0.0.0.0; unknown (family 0) without nb_tsock_want_local. */
static void test_rx_local_address(void **state)
{
    for (int want = 0; want < 2; want++) {
        struct nb_tsock a, b;
        struct sockaddr_storage ss;
        socklen_t len;
        assert_int_equal(nb_addr_parse("0.0.0.0", 0, &ss, &len), 0);
        assert_int_equal(nb_tsock_open(&b, AF_INET, (struct sockaddr *)&ss, len, false), 0);
        if (want)
            assert_int_equal(nb_tsock_want_local(&b), 0);
        assert_int_equal(nb_tsock_open(&a, AF_INET, NULL, 0, false), 0);
        assert_int_equal(nb_addr_parse("127.0.0.2", bound_port(b.fd), &ss, &len), 0);
        assert_int_equal(nb_tsock_send_from(&a, "x", 1, (struct sockaddr *)&ss, len, NULL), 1);
        assert_int_equal(wait_fd(b.fd, POLLIN), 1);
        char buf[16];
        struct nb_rx rx;
        assert_int_equal(nb_tsock_recv(&b, buf, sizeof(buf), &rx), 1);
        assert_int_equal(rx.local.family, want ? AF_INET : 0);
        if (want)
            assert_memory_equal(rx.local.addr, "\x7f\x00\x00\x02", 4);
        nb_tsock_close(&a);
        nb_tsock_close(&b);
    }
}

static void warm_up(void)
{
    struct sockaddr_storage ss;
    socklen_t len;
    nb_addr_parse("127.0.0.1", 0, &ss, &len);
    if (nb_tsock_open(&warm_b, AF_INET, (struct sockaddr *)&ss, len, false) < 0 ||
        nb_tsock_open(&warm_a, AF_INET, NULL, 0, false) < 0)
        return;
    nb_addr_parse("127.0.0.1", bound_port(warm_b.fd), &ss, &len);
    for (int i = 0; i < 1000; i++) {
        uint32_t key;
        char buf[8];
        struct nb_rx rx;
        nb_tsock_send(&warm_a, "warm", 4, (struct sockaddr *)&ss, len, 0, &key);
        if (wait_fd(warm_b.fd, POLLIN) <= 0 || nb_tsock_recv(&warm_b, buf, sizeof(buf), &rx) != 1)
            return;
        if (rx.ts_src == NB_TS_KERNEL_RX)
            return;
    }
}

int main(void)
{
    warm_up();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tx_and_rx_kernel_stamps_are_ordered),
        cmocka_unit_test(test_local_cmsg),
        cmocka_unit_test(test_rx_local_address),
        cmocka_unit_test(test_round_trip_unauthenticated),
        cmocka_unit_test(test_round_trip_authenticated),
        cmocka_unit_test(test_full_size_probes),
        cmocka_unit_test(test_reflector_drops_garbage_and_wrong_key),
        cmocka_unit_test(test_probe_to_closed_port_is_lost_with_icmp_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
