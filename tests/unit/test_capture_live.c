/* test_capture_live.c — the host agent's probe capture (capture.c) on real
 * packets; its parser on hand-built frames: test_capture.c.
 *
 * The test runs in its own network namespace (unshare at the start of main;
 * needs root) with a veth pair nbc0 <-> nbc1. nbc0 holds 198.18.7.1/30
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
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture_probes.h"
#include "netblame/log.h"
#include "netblame/ntp.h"

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
    uint64_t insns1;  /* the kernel filter's length with one interface watched */
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
    l->insns1 = st.filter_insns; /* the kernel holds it (checked on install) */
    assert_true(l->insns1 > 0);
}

/* Both ends watched: each probe is sighted leaving nbc0 and arriving on nbc1
 * (in order, one clock), for test and reply, IPv4 and IPv6, both STAMP modes
 * (the kernel filter's magic offsets 44+4 and 112+4). */
static void test_live_both_ends_all_shapes(void **state)
{
    struct live *l = *state;
    /* several at once (one filter install): a new one, itself again, one
     * that cannot be watched */
    const struct nb_capture_if v[] = {
        {l->i1, "nbc1", NB_IF_TAP}, {l->i1, "nbc1", NB_IF_TAP}, {-1, "bad", NB_IF_TAP}};
    bool ok[3];
    assert_int_equal(nb_capture_watch_many(l->c, v, 3, ok), 2);
    assert_true(ok[0] && ok[1] && !ok[2]);
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
    assert_int_equal(st.filter_insns, l->insns1 + 1); /* one more ifindex: one more jeq */
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
        fprintf(stderr, "test_capture_live: unshare(CLONE_NEWNET): %s (run as root)\n",
                strerror(errno));
        return 1;
    }
    nb_log_set_level(NB_LOG_WARN);
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
    return cmocka_run_group_tests_name("capture_live", live, live_setup, live_teardown);
}
