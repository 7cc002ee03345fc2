/* test_linkstats.c — link counters and link events (linkstats.c) against the
 * real kernel: main() moves the test into a private network namespace of its
 * own, then every test makes throw-away veth pairs and taps there with `ip`,
 * `tc` and /dev/net/tun. Needs root; a failed unshare fails the test.
 *
 * Waiting never sleeps: wait_for() polls the notification fd (5 s hang guard)
 * and feeds nb_linkstats_on_readable(). To prove that no extra event is still
 * on its way, settle() creates and deletes a barrier veth pair and waits for
 * its own events: notifications arrive in order, so everything before the
 * barrier has been processed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "netblame/linkstats.h"

#define HANG_GUARD_MS 5000
#define MAX_EVENTS 1024

struct recorder {
    struct nb_link_event ev[MAX_EVENTS];
    size_t n;
};

struct fixture {
    struct nb_linkstats *ls;
    struct recorder rec;
};

static void record(void *arg, const struct nb_link_event *ev)
{
    struct recorder *r = arg;
    assert_true(r->n < MAX_EVENTS);
    r->ev[r->n++] = *ev;
}

static size_t count(const struct recorder *r, const char *name, enum nb_link_event_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->ev[i].kind == kind && strcmp(r->ev[i].name, name) == 0)
            n++;
    return n;
}

/* Events for NAME, any kind. */
static size_t count_any(const struct recorder *r, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->ev[i].name, name) == 0)
            n++;
    return n;
}

/* Replay NAME's events, checking each is a real transition of (present, up,
 * carrier) — APPEARED first, nothing after VANISHED, ON/OFF and UP/DOWN
 * alternating — and that the state they describe is the kernel's now. */
static void assert_events_match_kernel(struct fixture *f, const char *name)
{
    bool present = false, up = false, carrier = false, gone = false;
    struct nb_link_state st;

    for (size_t i = 0; i < f->rec.n; i++) {
        const struct nb_link_event *ev = &f->rec.ev[i];
        if (strcmp(ev->name, name) != 0)
            continue;
        if (ev->kind != NB_LINK_APPEARED && !present)
            fail_msg("%s: '%s' while absent", name, nb_link_event_kind_name(ev->kind));
        switch (ev->kind) {
        case NB_LINK_APPEARED:
            assert_false(present);
            present = true;
            up = carrier = gone = false;
            break;
        case NB_LINK_VANISHED:
            present = false;
            gone = true;
            break;
        case NB_LINK_UP:
        case NB_LINK_DOWN:
            if (up == (ev->kind == NB_LINK_UP))
                fail_msg("%s: repeated '%s'", name, nb_link_event_kind_name(ev->kind));
            up = !up;
            break;
        case NB_LINK_CARRIER_ON:
        case NB_LINK_CARRIER_OFF:
            if (carrier == (ev->kind == NB_LINK_CARRIER_ON))
                fail_msg("%s: repeated '%s'", name, nb_link_event_kind_name(ev->kind));
            carrier = !carrier;
            break;
        }
    }
    int r = nb_linkstats_get(f->ls, name, &st);
    if (gone || !present) {
        assert_int_equal(r, -1);
        return;
    }
    assert_int_equal(r, 0);
    assert_int_equal(st.up, up);
    assert_int_equal(st.carrier, carrier);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Process notifications until NAME has had KIND at least TIMES times. */
static void wait_for(struct fixture *f, const char *name, enum nb_link_event_kind kind,
                     size_t times)
{
    int64_t deadline = mono_ms() + HANG_GUARD_MS;

    while (count(&f->rec, name, kind) < times) {
        int64_t left = deadline - mono_ms();
        if (left <= 0)
            fail_msg("no '%s' event #%zu for %s within %d ms (%zu events seen)",
                     nb_link_event_kind_name(kind), times, name, HANG_GUARD_MS, f->rec.n);
        struct pollfd p = {.fd = nb_linkstats_fd(f->ls), .events = POLLIN};
        int r = poll(&p, 1, (int)left);
        assert_true(r >= 0 || errno == EINTR);
        nb_linkstats_on_readable(f->ls);
    }
}

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
    char cmd[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    int st = system(cmd);
    if (st != 0)
        fail_msg("command failed (status %d): %s", st, cmd);
}

/* Every notification sent before now has been through the callback. */
static void settle(struct fixture *f)
{
    static int seq;
    char a[16], b[16];

    snprintf(a, sizeof(a), "nbbar%d", seq);
    snprintf(b, sizeof(b), "nbbar%dp", seq);
    seq++;
    run("ip link add %s type veth peer name %s", a, b);
    wait_for(f, a, NB_LINK_APPEARED, 1);
    wait_for(f, b, NB_LINK_APPEARED, 1);
    run("ip link del %s", a);
    wait_for(f, a, NB_LINK_VANISHED, 1);
    wait_for(f, b, NB_LINK_VANISHED, 1);
}

/* Send N broadcast Ethernet frames (local experimental ethertype) out of IFNAME;
 * returns how many the kernel accepted. */
static int send_frames(const char *ifname, int n)
{
    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    assert_true(fd >= 0);
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(0x88b5),
        .sll_ifindex = (int)if_nametoindex(ifname),
        .sll_halen = 6,
    };
    assert_true(sll.sll_ifindex > 0);
    memset(sll.sll_addr, 0xff, 6);
    unsigned char frame[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5};
    int sent = 0;
    for (int i = 0; i < n; i++)
        if (sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&sll, sizeof(sll)) ==
            (ssize_t)sizeof(frame))
            sent++;
    close(fd);
    return sent;
}

/* A tap named NAME; closing the fd destroys it (not persistent). */
static int open_tap(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        fail_msg("open /dev/net/tun: %s", strerror(errno));
    struct ifreq ifr = {0};
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0)
        fail_msg("TUNSETIFF %s: %s", name, strerror(errno));
    return fd;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[256];
    assert_non_null(f);
    f->ls = nb_linkstats_new(record, &f->rec, err, sizeof(err));
    if (!f->ls) {
        print_error("%s\n", err);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    nb_linkstats_free(f->ls);
    free(f);
    return 0;
}

/* ---- counter arithmetic ---- */

/* Each field is subtracted on its own. */
static void test_linkstats_delta_per_field(void **state)
{
    (void)state;
    struct nb_link_counters a = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    struct nb_link_counters b = {11, 22, 33, 44, 55, 66, 77, 88, 99, 110};
    struct nb_link_counters d;

    nb_link_counters_delta(&a, &b, &d);
    assert_int_equal(d.rx_packets, 10);
    assert_int_equal(d.tx_packets, 20);
    assert_int_equal(d.rx_bytes, 30);
    assert_int_equal(d.tx_bytes, 40);
    assert_int_equal(d.rx_dropped, 50);
    assert_int_equal(d.tx_dropped, 60);
    assert_int_equal(d.rx_errors, 70);
    assert_int_equal(d.tx_errors, 80);
    assert_int_equal(d.carrier_changes, 90);
    assert_int_equal(d.qdisc_drops, 100);
}

/* A counter that went backwards (interface re-created, qdisc replaced) gives 0,
 * not a wrapped 2^64 - x; the others are unaffected. OUT may alias B. */
static void test_linkstats_delta_backwards_saturates(void **state)
{
    (void)state;
    struct nb_link_counters a = {
        .tx_packets = 1000, .tx_dropped = 5, .qdisc_drops = 7, .rx_bytes = UINT64_MAX - 1};
    struct nb_link_counters b = {
        .tx_packets = 3, .tx_dropped = 9, .qdisc_drops = 0, .rx_bytes = UINT64_MAX};

    nb_link_counters_delta(&a, &b, &b);
    assert_int_equal(b.tx_packets, 0);
    assert_int_equal(b.tx_dropped, 4);
    assert_int_equal(b.qdisc_drops, 0);
    assert_int_equal(b.rx_bytes, 1);
    assert_int_equal(b.rx_packets, 0);
}

/* Without file descriptors left, nb_linkstats_new() says why and returns NULL,
 * releasing what it had allocated (the sanitizer build checks for leaks). */
static void test_linkstats_new_fails_with_message(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit old, none = {0, 0};
        char err[256] = "";
        getrlimit(RLIMIT_NOFILE, &old);
        none.rlim_max = old.rlim_max;
        setrlimit(RLIMIT_NOFILE, &none);
        struct nb_linkstats *ls = nb_linkstats_new(record, NULL, err, sizeof(err));
        setrlimit(RLIMIT_NOFILE, &old);
        if (ls)
            exit(3);
        exit(strstr(err, "linkstats: ") == err ? 0 : 4);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

/* ---- real links ---- */

struct seen {
    struct nb_link_state st[64];
    size_t n;
};

static void collect(void *arg, const struct nb_link_state *st)
{
    struct seen *s = arg;
    assert_true(s->n < 64);
    s->st[s->n++] = *st;
}

static const struct nb_link_state *seen_find(const struct seen *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->st[i].name, name) == 0)
            return &s->st[i];
    return NULL;
}

/* Enumeration finds both ends of a veth pair, kind "veth", with their
 * ifindexes, and agrees with lookups by name and by index. */
static void test_linkstats_foreach_sees_veth_pair(void **state)
{
    struct fixture *f = *state;
    struct seen s = {0};
    struct nb_link_state st;

    run("ip link add nbf0 type veth peer name nbf1");
    nb_linkstats_foreach(f->ls, collect, &s);
    const struct nb_link_state *e0 = seen_find(&s, "nbf0"), *e1 = seen_find(&s, "nbf1");
    assert_non_null(e0);
    assert_non_null(e1);
    assert_string_equal(e0->kind, "veth");
    assert_string_equal(e1->kind, "veth");
    assert_int_equal(e0->master, 0);
    assert_int_equal(e0->ifindex, if_nametoindex("nbf0"));
    assert_false(e0->up);
    assert_true(e0->sampled > 0);
    const struct nb_link_state *lo = seen_find(&s, "lo");
    assert_non_null(lo);
    assert_string_equal(lo->kind, "");

    assert_int_equal(nb_linkstats_get(f->ls, "nbf1", &st), 0);
    assert_int_equal(st.ifindex, e1->ifindex);
    assert_string_equal(st.kind, "veth");
    assert_int_equal(nb_linkstats_get_index(f->ls, e0->ifindex, &st), 0);
    assert_string_equal(st.name, "nbf0");
    run("ip link del nbf0");
}

/* A bridge port reports its bridge as master, and the bridge's kind is "bridge". */
static void test_linkstats_bridge_port_has_master(void **state)
{
    struct fixture *f = *state;
    struct nb_link_state br, port;

    run("ip link add nbbr0 type bridge && ip link add nbp0 type veth peer name nbp1");
    run("ip link set nbp0 master nbbr0 && ip link set nbbr0 up && ip link set nbp1 up");
    run("ip link set nbp0 up");
    assert_int_equal(nb_linkstats_get(f->ls, "nbbr0", &br), 0);
    assert_string_equal(br.kind, "bridge");
    assert_int_equal(nb_linkstats_get(f->ls, "nbp0", &port), 0);
    assert_int_equal(port.master, br.ifindex);

    struct seen s = {0};
    nb_linkstats_foreach(f->ls, collect, &s);
    assert_non_null(seen_find(&s, "nbbr0"));
    assert_string_equal(seen_find(&s, "nbbr0")->kind, "bridge");
    assert_int_equal(seen_find(&s, "nbp0")->master, br.ifindex);

    /* Enslaving and port state changes send AF_BRIDGE messages too, without
     * carrier: they must not read as links or as carrier changes. */
    settle(f);
    assert_int_equal(count(&f->rec, "nbp0", NB_LINK_APPEARED), 1);
    assert_int_equal(count(&f->rec, "nbbr0", NB_LINK_APPEARED), 1);
    assert_int_equal(count(&f->rec, "nbp0", NB_LINK_CARRIER_ON), 1);
    assert_int_equal(count(&f->rec, "nbp0", NB_LINK_CARRIER_OFF), 0);
    /* The bridge's own carrier really does move (on when created empty, off
     * with a port down, on once the port forwards): just no repeats. */
    assert_events_match_kernel(f, "nbbr0");
    assert_events_match_kernel(f, "nbp0");

    /* A port leaving the bridge is not a link vanishing. */
    run("ip link set nbp0 nomaster");
    settle(f);
    assert_int_equal(count(&f->rec, "nbp0", NB_LINK_VANISHED), 0);
    assert_int_equal(count(&f->rec, "nbbr0", NB_LINK_VANISHED), 0);
    assert_events_match_kernel(f, "nbbr0");
    assert_events_match_kernel(f, "nbp0");

    run("ip link del nbp0 && ip link del nbbr0");
    settle(f);
    assert_int_equal(count(&f->rec, "nbp0", NB_LINK_VANISHED), 1);
    assert_int_equal(count(&f->rec, "nbbr0", NB_LINK_VANISHED), 1);
    assert_events_match_kernel(f, "nbbr0");
    assert_events_match_kernel(f, "nbp0");
}

/* Bringing a veth pair up and down gives one event per real transition, however
 * many RTM_NEWLINK messages the kernel sends; changes that are not transitions
 * (MTU, alias) give none. */
static void test_linkstats_events_once_per_transition(void **state)
{
    struct fixture *f = *state;

    run("ip link add nbe0 type veth peer name nbe1");
    wait_for(f, "nbe0", NB_LINK_APPEARED, 1);
    wait_for(f, "nbe1", NB_LINK_APPEARED, 1);

    run("ip link set nbe0 up"); /* peer down: no carrier yet */
    wait_for(f, "nbe0", NB_LINK_UP, 1);
    run("ip link set nbe1 up");
    wait_for(f, "nbe1", NB_LINK_UP, 1);
    wait_for(f, "nbe0", NB_LINK_CARRIER_ON, 1);
    wait_for(f, "nbe1", NB_LINK_CARRIER_ON, 1);
    run("ip link set nbe0 mtu 1400 && ip link set nbe0 alias probe-me");
    settle(f);
    for (int i = 0; i < 2; i++) {
        const char *n = i ? "nbe1" : "nbe0";
        assert_int_equal(count(&f->rec, n, NB_LINK_APPEARED), 1);
        assert_int_equal(count(&f->rec, n, NB_LINK_UP), 1);
        assert_int_equal(count(&f->rec, n, NB_LINK_CARRIER_ON), 1);
        assert_int_equal(count_any(&f->rec, n), 3);
    }

    struct nb_link_state before, after;
    assert_int_equal(nb_linkstats_get(f->ls, "nbe1", &before), 0);
    run("ip link set nbe0 down && ip link set nbe0 up");
    wait_for(f, "nbe0", NB_LINK_UP, 2);
    wait_for(f, "nbe1", NB_LINK_CARRIER_ON, 2);
    settle(f);
    assert_int_equal(count(&f->rec, "nbe0", NB_LINK_DOWN), 1);
    assert_int_equal(count(&f->rec, "nbe0", NB_LINK_UP), 2);
    assert_int_equal(count(&f->rec, "nbe0", NB_LINK_CARRIER_OFF), 1);
    assert_int_equal(count(&f->rec, "nbe0", NB_LINK_CARRIER_ON), 2);
    assert_int_equal(count(&f->rec, "nbe1", NB_LINK_CARRIER_OFF), 1);
    assert_int_equal(count(&f->rec, "nbe1", NB_LINK_CARRIER_ON), 2);
    assert_int_equal(count(&f->rec, "nbe1", NB_LINK_DOWN), 0);
    assert_int_equal(count_any(&f->rec, "nbe0"), 7);
    assert_int_equal(count_any(&f->rec, "nbe1"), 5);
    assert_events_match_kernel(f, "nbe0");
    assert_events_match_kernel(f, "nbe1");

    /* The kernel counted the same carrier flap (off, on) that we reported. */
    assert_int_equal(nb_linkstats_get(f->ls, "nbe1", &after), 0);
    assert_true(after.up);
    assert_true(after.carrier);
    assert_int_equal(after.c.carrier_changes - before.c.carrier_changes, 2);
    run("ip link del nbe0");
}

/* Frames sent across a veth show in tx_packets/tx_bytes of the sender and
 * rx_packets of the peer, read fresh from the kernel on each get. */
static void test_linkstats_counters_follow_traffic(void **state)
{
    struct fixture *f = *state;
    struct nb_link_state a0, a1, b0, b1;
    struct nb_link_counters d;

    run("ip link add nbt0 type veth peer name nbt1 && ip link set nbt0 up && ip link set nbt1 up");
    wait_for(f, "nbt0", NB_LINK_CARRIER_ON, 1);
    assert_int_equal(nb_linkstats_get(f->ls, "nbt0", &a0), 0);
    assert_int_equal(nb_linkstats_get(f->ls, "nbt1", &b0), 0);
    assert_int_equal(send_frames("nbt0", 3), 3);
    assert_int_equal(nb_linkstats_get(f->ls, "nbt0", &a1), 0);
    assert_int_equal(nb_linkstats_get(f->ls, "nbt1", &b1), 0);

    nb_link_counters_delta(&a0.c, &a1.c, &d);
    assert_int_equal(d.tx_packets, 3); /* exact: no IPv6 chatter (see main) */
    assert_int_equal(d.tx_bytes, 3 * 60);
    assert_int_equal(d.tx_dropped, 0);
    nb_link_counters_delta(&b0.c, &b1.c, &d);
    assert_int_equal(d.rx_packets, 3);
    assert_true(a1.sampled >= a0.sampled);
    run("ip link del nbt0");
}

/* Drops in the root qdisc are counted: pfifo with limit 0 drops every frame. */
static void test_linkstats_root_qdisc_drops(void **state)
{
    struct fixture *f = *state;
    struct nb_link_state s0, s1;

    run("ip link add nbq0 type veth peer name nbq1 && ip link set nbq0 up && ip link set nbq1 up");
    run("tc qdisc add dev nbq0 root pfifo limit 0");
    assert_int_equal(nb_linkstats_get(f->ls, "nbq0", &s0), 0);
    assert_int_equal(send_frames("nbq0", 3), 0); /* ENOBUFS: dropped at enqueue */
    assert_int_equal(nb_linkstats_get(f->ls, "nbq0", &s1), 0);
    assert_int_equal(s1.c.qdisc_drops - s0.c.qdisc_drops, 3);
    assert_int_equal(s1.c.tx_packets, s0.c.tx_packets);

    /* Sampling several links at once gives the same answers; a missing one
     * comes back zeroed. */
    struct nb_link_state many[3];
    int idx[3] = {s1.ifindex, (int)if_nametoindex("nbq1"), 999999};
    assert_int_equal(nb_linkstats_get_many(f->ls, idx, 3, many), 2);
    assert_string_equal(many[0].name, "nbq0");
    assert_int_equal(many[0].c.qdisc_drops, s1.c.qdisc_drops);
    assert_string_equal(many[1].name, "nbq1");
    assert_int_equal(many[1].c.qdisc_drops, 0); /* noqueue: no drops */
    assert_int_equal(many[2].ifindex, 0);

    /* Many at once (one link dump, GET_MANY_DUMP): the same answers, an
     * ifindex asked twice filled twice, missing ones zeroed. */
    struct nb_link_state lots[20];
    int lidx[20];
    for (int i = 0; i < 20; i++)
        lidx[i] = i % 4 == 0 ? idx[0] : i % 4 == 1 ? idx[1] : i % 4 == 2 ? 999999 : -1;
    assert_int_equal(nb_linkstats_get_many(f->ls, lidx, 20, lots), 10);
    for (int i = 0; i < 20; i++) {
        if (i % 4 >= 2) {
            assert_int_equal(lots[i].ifindex, 0);
            continue;
        }
        assert_string_equal(lots[i].name, i % 4 == 0 ? "nbq0" : "nbq1");
        assert_int_equal(lots[i].ifindex, lidx[i]);
        assert_int_equal(lots[i].c.qdisc_drops, many[i % 4].c.qdisc_drops);
        assert_int_equal(lots[i].c.tx_packets, many[i % 4].c.tx_packets);
    }
    run("ip link del nbq0");
}

/* A tap whose reader has stalled drops in the driver: tx_dropped rises on the
 * tap (DESIGN.md §8), and taps report kind "tun". */
static void test_linkstats_tap_is_tun_and_counts_stalled_reader(void **state)
{
    struct fixture *f = *state;
    struct nb_link_state s0, s1;

    int fd = open_tap("nbtap0");
    wait_for(f, "nbtap0", NB_LINK_APPEARED, 1);
    run("ip link set nbtap0 txqueuelen 2 && ip link set nbtap0 up");
    wait_for(f, "nbtap0", NB_LINK_UP, 1);
    assert_int_equal(nb_linkstats_get(f->ls, "nbtap0", &s0), 0);
    assert_string_equal(s0.kind, "tun");
    assert_true(s0.carrier); /* a reader is attached */

    send_frames("nbtap0", 5); /* nobody reads: 2 fit in the ring */
    assert_int_equal(nb_linkstats_get(f->ls, "nbtap0", &s1), 0);
    assert_true(s1.c.tx_dropped - s0.c.tx_dropped >= 3);

    struct seen s = {0};
    nb_linkstats_foreach(f->ls, collect, &s);
    assert_non_null(seen_find(&s, "nbtap0"));
    assert_string_equal(seen_find(&s, "nbtap0")->kind, "tun");

    close(fd); /* not persistent: the tap goes with its last fd */
    wait_for(f, "nbtap0", NB_LINK_VANISHED, 1);
    assert_int_equal(nb_linkstats_get(f->ls, "nbtap0", &s1), -1);
}

/* A carrier flap faster than the kernel's carrier notifications (linkwatch
 * coalesces them) is still reported, as one CARRIER_OFF/CARRIER_ON pair. */
static void test_linkstats_fast_carrier_flap_reported(void **state)
{
    struct fixture *f = *state;
    struct nb_link_state s0, s1;
    int off = 0, on = 1;

    int fd = open_tap("nbtap1");
    run("ip link set nbtap1 up");
    wait_for(f, "nbtap1", NB_LINK_CARRIER_ON, 1);
    assert_int_equal(nb_linkstats_get(f->ls, "nbtap1", &s0), 0);
    assert_int_equal(ioctl(fd, TUNSETCARRIER, &off), 0);
    assert_int_equal(ioctl(fd, TUNSETCARRIER, &on), 0);
    wait_for(f, "nbtap1", NB_LINK_CARRIER_ON, 2);
    settle(f);
    assert_int_equal(count(&f->rec, "nbtap1", NB_LINK_CARRIER_OFF), 1);
    assert_int_equal(count(&f->rec, "nbtap1", NB_LINK_CARRIER_ON), 2);
    assert_events_match_kernel(f, "nbtap1");
    assert_int_equal(nb_linkstats_get(f->ls, "nbtap1", &s1), 0);
    assert_int_equal(s1.c.carrier_changes - s0.c.carrier_changes, 2);
    close(fd);
}

/* Deleting a veth end removes both ends: one VANISHED each, and lookups by
 * name and by the old index fail. */
static void test_linkstats_vanished_link_is_gone(void **state)
{
    struct fixture *f = *state;
    struct nb_link_state st;

    run("ip link add nbd0 type veth peer name nbd1 && ip link set nbd0 up");
    wait_for(f, "nbd0", NB_LINK_UP, 1);
    assert_int_equal(nb_linkstats_get(f->ls, "nbd0", &st), 0);
    int ifindex = st.ifindex;

    run("ip link del nbd0");
    wait_for(f, "nbd0", NB_LINK_VANISHED, 1);
    wait_for(f, "nbd1", NB_LINK_VANISHED, 1);
    settle(f);
    assert_int_equal(count(&f->rec, "nbd0", NB_LINK_VANISHED), 1);
    assert_int_equal(count(&f->rec, "nbd1", NB_LINK_VANISHED), 1);
    /* Closed before unregistered: at most one DOWN, and VANISHED comes last. */
    assert_true(count(&f->rec, "nbd0", NB_LINK_DOWN) <= 1);
    const struct nb_link_event *last = NULL;
    for (size_t i = 0; i < f->rec.n; i++)
        if (strcmp(f->rec.ev[i].name, "nbd0") == 0)
            last = &f->rec.ev[i];
    assert_non_null(last);
    assert_int_equal(last->kind, NB_LINK_VANISHED);
    assert_int_equal(last->ifindex, ifindex);
    assert_int_equal(nb_linkstats_get(f->ls, "nbd0", &st), -1);
    assert_int_equal(nb_linkstats_get_index(f->ls, ifindex, &st), -1);
    assert_int_equal(nb_linkstats_get(f->ls, "no-such-link0", &st), -1);
    assert_int_equal(nb_linkstats_get(f->ls, "a-name-longer-than-ifnamsiz", &st), -1);
}

/* Tap churn (a guest started and stopped, again and again): a bridged tap
 * created, brought up and destroyed 50 times leaves the event cache and the
 * table of known links as they were, so a host agent's memory does not grow
 * with every guest that ever ran. */
static void test_linkstats_tap_churn_leaves_nothing(void **state)
{
    struct fixture *f = *state;
    size_t known0, known1;

    run("ip link add nbcbr type bridge && ip link set nbcbr up");
    wait_for(f, "nbcbr", NB_LINK_UP, 1);
    settle(f);
    size_t cached0 = nb_linkstats_cached(f->ls, &known0);
    for (size_t i = 1; i <= 50; i++) {
        int fd = open_tap("nbctap");
        /* IPv6 on, as on a host: its RTM_NEWLINK (AF_INET6) messages come too */
        run("sysctl -qw net.ipv6.conf.nbctap.disable_ipv6=0");
        run("ip link set nbctap master nbcbr up");
        wait_for(f, "nbctap", NB_LINK_UP, i);
        close(fd);
        wait_for(f, "nbctap", NB_LINK_VANISHED, i);
    }
    settle(f);
    size_t cached1 = nb_linkstats_cached(f->ls, &known1);
    assert_int_equal(known1, known0);
    if (cached1 != cached0)
        fail_msg("event cache: %zu objects before 50 taps came and went, %zu after", cached0,
                 cached1);
    run("ip link del nbcbr");
}

/* Notifications lost to a full socket buffer are made good by a resync: every
 * link created during the overrun is reported exactly once. */
static void test_linkstats_overrun_resyncs(void **state)
{
    struct fixture *f = *state;
    int tiny = 1;
    enum { PAIRS = 16 };

    assert_int_equal(setsockopt(nb_linkstats_fd(f->ls), SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny)),
                     0);
    for (int i = 0; i < PAIRS; i++)
        run("ip link add nbo%d type veth peer name nbo%dp && ip link set nbo%d up", i, i, i);
    settle(f);
    for (int i = 0; i < PAIRS; i++) {
        char a[16], b[16];
        snprintf(a, sizeof(a), "nbo%d", i);
        snprintf(b, sizeof(b), "nbo%dp", i);
        assert_int_equal(count(&f->rec, a, NB_LINK_APPEARED), 1);
        assert_int_equal(count(&f->rec, a, NB_LINK_UP), 1);
        assert_int_equal(count(&f->rec, b, NB_LINK_APPEARED), 1);
        assert_int_equal(count(&f->rec, b, NB_LINK_UP), 0);
        assert_events_match_kernel(f, a);
        assert_events_match_kernel(f, b);
        run("ip link del %s", a);
    }
}

int main(void)
{
    /* A private namespace: the test may create and break links freely. */
    if (unshare(CLONE_NEWNET) != 0) {
        fprintf(stderr, "test_linkstats: unshare(CLONE_NEWNET): %s (needs root)\n",
                strerror(errno));
        return 1;
    }
    /* No IPv6 on new links: no router solicitations or MLD reports to blur
     * exact packet counts. (/proc/sys/net follows the opener's namespace.) */
    FILE *v6 = fopen("/proc/sys/net/ipv6/conf/default/disable_ipv6", "w");
    if (v6) {
        fputs("1\n", v6);
        fclose(v6);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linkstats_delta_per_field),
        cmocka_unit_test(test_linkstats_delta_backwards_saturates),
        cmocka_unit_test(test_linkstats_new_fails_with_message),
        cmocka_unit_test_setup_teardown(test_linkstats_foreach_sees_veth_pair, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linkstats_bridge_port_has_master, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linkstats_events_once_per_transition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linkstats_counters_follow_traffic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linkstats_root_qdisc_drops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linkstats_tap_is_tun_and_counts_stalled_reader, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_linkstats_fast_carrier_flap_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linkstats_vanished_link_is_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linkstats_tap_churn_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linkstats_overrun_resyncs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
