/* test_reflector.c — what the STAMP reflector promises a network it is
 * exposed to, on real loopback sockets: a reply never larger than its
 * request (both modes, every TLV mix), no reply to a source over its budget
 * or outside the allowlist (each counted), and a key rotated by
 * nb_reflector_reconfigure in use at once on the same socket; bound to a
 * wildcard address, every reply leaves from the address its request was sent
 * to (127.0.0.2 is as local as 127.0.0.1 and not the route's source). Loopback
 * delivery is synchronous, so a sent datagram is queued when sendto returns;
 * poll() only guards against a hang. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netblame/addr.h"
#include "netblame/reflector.h"
#include "netblame/stamp.h"

#define HANG_GUARD_MS 5000

static struct nb_stamp_key key_of(const char *k)
{
    struct nb_stamp_key key = {0};
    if (k) {
        key.len = strlen(k);
        memcpy(key.key, k, key.len);
    }
    return key;
}

static struct nb_reflector *start_on(const char *addr, enum nb_stamp_mode mode, const char *key,
                                     unsigned rate, unsigned burst, const char *allow)
{
    struct nb_reflector_cfg cfg;
    char err[256];
    memset(&cfg, 0, sizeof(cfg));
    assert_int_equal(nb_addr_parse(addr, 0, &cfg.addr, &cfg.addrlen), 0);
    cfg.mode = mode;
    cfg.key = key_of(key);
    cfg.rate_pps = rate;
    cfg.burst = burst;
    if (allow) {
        assert_int_equal(nb_prefix_parse(allow, &cfg.allow[0]), 0);
        cfg.nallow = 1;
    }
    struct nb_reflector *r = nb_reflector_new(&cfg, err, sizeof(err));
    assert_non_null(r);
    return r;
}

static struct nb_reflector *start(enum nb_stamp_mode mode, const char *key, unsigned rate,
                                  unsigned burst, const char *allow)
{
    return start_on("127.0.0.1", mode, key, rate, burst, allow);
}

/* A client socket connected to R. */
static int client(struct nb_reflector *r)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    assert_int_equal(getsockname(nb_reflector_fd(r), (struct sockaddr *)&ss, &len), 0);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&ss, len), 0);
    return fd;
}

/* A test packet of MODE with KEY, its TLV area of PAD bytes of Extra
 * Padding plus, if AGENT, a host-agent request, into BUF; returns its length. */
static size_t build(uint8_t *buf, size_t cap, enum nb_stamp_mode mode, const char *key,
                    uint32_t seq, uint16_t pad, bool agent)
{
    uint8_t tlv[NB_STAMP_MAX_LEN];
    struct nb_tlv_writer w;
    nb_tlv_writer_init(&w, tlv, sizeof(tlv));
    nb_tlv_put_probe_id(&w, 0x1234500000000ULL | seq);
    if (agent)
        nb_tlv_put_host_agent(&w, 0, NULL, 0);
    if (pad)
        nb_tlv_put(&w, NB_TLV_F_U, NB_TLV_EXTRA_PADDING, NULL, pad);
    assert_false(w.overflow);
    struct nb_stamp_test t = {.seq = seq, .errest = 0x8001};
    struct nb_stamp_key k = key_of(key);
    size_t n = nb_stamp_encode_test(buf, cap, mode, &k, &t, tlv, w.len);
    assert_true(n > 0);
    return n;
}

static void pump(struct nb_reflector *r)
{
    struct pollfd p = {.fd = nb_reflector_fd(r), .events = POLLIN};
    assert_int_equal(poll(&p, 1, HANG_GUARD_MS), 1);
    nb_reflector_on_readable(r);
}

/* Replies waiting on FD (none blocks: loopback replies are queued when the
 * reflector's sendto returns); the last one's length in *LAST. */
static unsigned drain(int fd, uint8_t *buf, size_t cap, ssize_t *last)
{
    unsigned n = 0;
    ssize_t got;
    while ((got = recv(fd, buf, cap, MSG_DONTWAIT)) >= 0) {
        n++;
        if (last)
            *last = got;
    }
    return n;
}

static void reply_sizes(enum nb_stamp_mode mode, const char *key)
{
    static const uint16_t pads[] = {0, 1, 60, 1400, 8000};
    struct nb_reflector *r = start(mode, key, 0, 0, NULL);
    int fd = client(r);
    static uint8_t req[NB_STAMP_MAX_LEN], rep[NB_STAMP_MAX_LEN + 64];
    uint32_t seq = 0;
    for (size_t i = 0; i < sizeof(pads) / sizeof(pads[0]); i++)
        for (int agent = 0; agent < 2; agent++) {
            size_t n = build(req, sizeof(req), mode, key, seq++, pads[i], agent);
            assert_int_equal(send(fd, req, n, 0), (ssize_t)n);
            pump(r);
            ssize_t got = -1;
            assert_int_equal(drain(fd, rep, sizeof(rep), &got), 1);
            assert_int_equal(got, (ssize_t)n); /* never larger; the same, in fact */
            struct nb_stamp_reflected out;
            struct nb_stamp_key k = key_of(key);
            assert_int_equal(nb_stamp_decode_reflected(rep, (size_t)got, mode, &k, &out, NULL),
                             NB_STAMP_OK);
            assert_int_equal(out.ss_seq, seq - 1);
        }
    /* a malformed TLV area is answered with the M flag: still the same size */
    size_t n = build(req, sizeof(req), mode, key, seq, 0, false);
    size_t base = mode == NB_STAMP_AUTH ? NB_STAMP_AUTH_BASE_LEN : NB_STAMP_BASE_LEN;
    req[base + 2] = 0x7f; /* the probe-id TLV's length now runs past the end */
    if (mode == NB_STAMP_UNAUTH) {
        assert_int_equal(send(fd, req, n, 0), (ssize_t)n);
        pump(r);
        ssize_t got = -1;
        assert_int_equal(drain(fd, rep, sizeof(rep), &got), 1);
        assert_int_equal(got, (ssize_t)n);
    }
    close(fd);
    nb_reflector_free(r);
}

static void test_reply_never_larger_than_request(void **state)
{
    reply_sizes(NB_STAMP_UNAUTH, NULL);
    reply_sizes(NB_STAMP_AUTH, "k3y");
}

static void test_source_over_budget_not_answered(void **state)
{
    struct nb_reflector *r = start(NB_STAMP_UNAUTH, NULL, 1, 3, NULL); /* 1/s, burst 3 */
    int fd = client(r);
    static uint8_t req[NB_STAMP_MAX_LEN], rep[NB_STAMP_MAX_LEN];
    for (uint32_t i = 0; i < 8; i++) {
        size_t n = build(req, sizeof(req), NB_STAMP_UNAUTH, NULL, i, 0, false);
        assert_int_equal(send(fd, req, n, 0), (ssize_t)n);
    }
    pump(r);
    /* 8 sent within far less than a second of each other: the burst, at most
     * one more if a second passed on this loaded machine */
    const struct nb_reflector_stats *st = nb_reflector_stats(r);
    assert_int_equal(st->received, 8);
    assert_true(st->reflected >= 3 && st->reflected <= 4);
    assert_int_equal(st->reflected + st->ratelimited, 8);
    assert_int_equal(drain(fd, rep, sizeof(rep), NULL), st->reflected);
    assert_int_equal(st->sources, 1);
    close(fd);
    nb_reflector_free(r);
}

static void test_source_outside_allowlist_not_answered(void **state)
{
    struct nb_reflector *r = start(NB_STAMP_UNAUTH, NULL, 0, 0, "198.18.0.0/15");
    int fd = client(r);
    static uint8_t req[NB_STAMP_MAX_LEN], rep[NB_STAMP_MAX_LEN];
    size_t n = build(req, sizeof(req), NB_STAMP_UNAUTH, NULL, 0, 0, false);
    assert_int_equal(send(fd, req, n, 0), (ssize_t)n);
    pump(r);
    assert_int_equal(nb_reflector_stats(r)->not_allowed, 1);
    assert_int_equal(nb_reflector_stats(r)->reflected, 0);
    assert_int_equal(drain(fd, rep, sizeof(rep), NULL), 0);
    /* the list allowing loopback: answered */
    struct nb_reflector_cfg cfg;
    memset(&cfg, 0, sizeof(cfg));
    assert_int_equal(nb_addr_parse("127.0.0.1", 0, &cfg.addr, &cfg.addrlen), 0);
    assert_int_equal(nb_prefix_parse("127.0.0.0/8", &cfg.allow[0]), 0);
    cfg.nallow = 1;
    nb_reflector_reconfigure(r, &cfg);
    assert_int_equal(send(fd, req, n, 0), (ssize_t)n);
    pump(r);
    assert_int_equal(drain(fd, rep, sizeof(rep), NULL), 1);
    close(fd);
    nb_reflector_free(r);
}

/* A reload rotates the key on the running socket: the old key's probes are
 * HMAC failures from then on, the new key's answered and signed with it. */
static void test_reconfigure_rotates_key(void **state)
{
    struct nb_reflector *r = start(NB_STAMP_AUTH, "old-key", 0, 0, NULL);
    int fd = client(r), rfd = nb_reflector_fd(r);
    static uint8_t req[NB_STAMP_MAX_LEN], rep[NB_STAMP_MAX_LEN];
    struct nb_stamp_reflected out;
    struct nb_stamp_key oldk = key_of("old-key"), newk = key_of("new-key");
    size_t n = build(req, sizeof(req), NB_STAMP_AUTH, "old-key", 1, 0, false);
    assert_int_equal(send(fd, req, n, 0), (ssize_t)n);
    pump(r);
    ssize_t got = -1;
    assert_int_equal(drain(fd, rep, sizeof(rep), &got), 1);
    assert_int_equal(nb_stamp_decode_reflected(rep, (size_t)got, NB_STAMP_AUTH, &oldk, &out, NULL),
                     NB_STAMP_OK);

    struct nb_reflector_cfg cfg;
    memset(&cfg, 0, sizeof(cfg));
    assert_int_equal(nb_addr_parse("127.0.0.1", 0, &cfg.addr, &cfg.addrlen), 0);
    cfg.mode = NB_STAMP_AUTH;
    cfg.key = newk;
    nb_reflector_reconfigure(r, &cfg);
    assert_int_equal(nb_reflector_fd(r), rfd); /* the same socket */

    assert_int_equal(send(fd, req, n, 0), (ssize_t)n); /* old key: refused */
    pump(r);
    assert_int_equal(drain(fd, rep, sizeof(rep), NULL), 0);
    assert_int_equal(nb_reflector_stats(r)->malformed[NB_STAMP_E_HMAC], 1);
    n = build(req, sizeof(req), NB_STAMP_AUTH, "new-key", 2, 0, false);
    assert_int_equal(send(fd, req, n, 0), (ssize_t)n);
    pump(r);
    assert_int_equal(drain(fd, rep, sizeof(rep), &got), 1);
    assert_int_equal(nb_stamp_decode_reflected(rep, (size_t)got, NB_STAMP_AUTH, &newk, &out, NULL),
                     NB_STAMP_OK);
    assert_int_equal(nb_stamp_decode_reflected(rep, (size_t)got, NB_STAMP_AUTH, &oldk, &out, NULL),
                     NB_STAMP_E_HMAC);
    close(fd);
    nb_reflector_free(r);
}

/* A reflector bound to BIND answers a request sent to DST (from a socket of
 * DST's family on the loopback) from DST itself, port and address. */
static void reply_from(const char *bind_addr, const char *dst)
{
    struct nb_reflector *r = start_on(bind_addr, NB_STAMP_UNAUTH, NULL, 0, 0, NULL);
    struct sockaddr_storage rs, to, from;
    socklen_t rl = sizeof(rs), tol, froml = sizeof(from);
    assert_int_equal(getsockname(nb_reflector_fd(r), (struct sockaddr *)&rs, &rl), 0);
    uint16_t port = ntohs(rs.ss_family == AF_INET ? ((struct sockaddr_in *)&rs)->sin_port
                                                  : ((struct sockaddr_in6 *)&rs)->sin6_port);
    assert_int_equal(nb_addr_parse(dst, port, &to, &tol), 0);
    int fd = socket(to.ss_family, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    static uint8_t req[NB_STAMP_MAX_LEN], rep[NB_STAMP_MAX_LEN];
    size_t n = build(req, sizeof(req), NB_STAMP_UNAUTH, NULL, 7, 0, false);
    assert_int_equal(sendto(fd, req, n, 0, (struct sockaddr *)&to, tol), (ssize_t)n);
    pump(r);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, HANG_GUARD_MS), 1);
    assert_int_equal(recvfrom(fd, rep, sizeof(rep), 0, (struct sockaddr *)&from, &froml),
                     (ssize_t)n);
    char want[NB_ADDRSTRLEN], got[NB_ADDRSTRLEN];
    nb_addr_format((struct sockaddr *)&to, want, sizeof(want));
    nb_addr_format((struct sockaddr *)&from, got, sizeof(got));
    assert_string_equal(got, want);
    assert_int_equal(nb_reflector_stats(r)->reflected, 1);
    close(fd);
    nb_reflector_free(r);
}

static void test_wildcard_replies_from_address_probed(void **state)
{
    reply_from("0.0.0.0", "127.0.0.2");
    reply_from("0.0.0.0", "127.0.0.1");
    int v6 = socket(AF_INET6, SOCK_DGRAM, 0);
    if (v6 < 0)
        return; /* no IPv6 here: the cmsg itself is tested in test_tstamp */
    close(v6);
    reply_from("::", "::ffff:127.0.0.3"); /* dual stack: IP_PKTINFO on the IPv6 socket */
    reply_from("::", "::1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply_never_larger_than_request),
        cmocka_unit_test(test_source_over_budget_not_answered),
        cmocka_unit_test(test_source_outside_allowlist_not_answered),
        cmocka_unit_test(test_reconfigure_rotates_key),
        cmocka_unit_test(test_wildcard_replies_from_address_probed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
