/* guestload.c — nb-guestload: many guests' probes written into real taps, for
 * the host agent's scale benchmark (tests/bench/host_scale.sh). Each "guest"
 * is a tap fd, the way QEMU holds one: a frame written to it enters the host
 * on the tap as if the guest had sent it, and what the host sends out of the
 * tap is read from it. No guest kernel, no netblamed per guest: each guest
 * sends what a guest agent's STAMP sender sends (sender.c: the probe-id and
 * timestamp-information TLVs, every tenth probe padded to a 1500-byte IP
 * packet with DF) at a fixed interval, and counts the answers.
 *
 *   nb-guestload PREFIX COUNT SRC DST DST_MAC [INTERVAL_MS [PER_PROC]]
 *
 * Guest i (0 <= i < COUNT) attaches to tap PREFIX<i> (made if absent: the
 * caller enslaves it; a persistent tap made by `ip tuntap` is attached to),
 * has IPv4 address SRC + i and MAC 02:4e:42:00:<i>, probe session 0x4e420000
 * + i, and sends to DST:862 (ethernet destination DST_MAC, which the caller
 * makes the neighbour of every guest address: nothing here answers ARP) every
 * INTERVAL_MS (default 1000), guest i first at i * INTERVAL_MS / COUNT, so
 * the guests' probes are spread evenly. PER_PROC guests share a process
 * (default 1: one process per tap, as one QEMU per guest); the processes are
 * children of this one and die with it.
 *
 * Prints "ready COUNT" once every tap is open, and on SIGUSR1 and at exit
 * (SIGTERM, SIGINT) one line of figures it counted:
 *   sent N received R send_errors E other_frames O
 * (received: STAMP answers from DST; other_frames: anything else read from
 * the taps). Lab only: run it in a namespace the caller made, with addresses
 * in 198.18.0.0/15. Exit 2 on bad arguments, 1 when a tap cannot be opened. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netblame/be.h"
#include "netblame/ntp.h"
#include "netblame/stamp.h"

#define MAX_GUESTS 4096
#define ETH_HDR 14
#define IP_HDR 20
#define UDP_HDR 8
#define MTU 1500
#define PAD_EVERY 10 /* sender.c's full_size_every default */
#define SESSION_BASE 0x4e420000u

struct counts {
    uint64_t sent, received, send_errors, other;
    uint32_t opened; /* taps this process has open */
};

struct guest {
    int fd;
    uint32_t index;
    uint32_t ip; /* host order */
    uint32_t seq;
    int64_t next_ns;
    uint8_t mac[6];
};

static struct counts *shared; /* one per process, MAP_SHARED */
static size_t nproc;
static volatile sig_atomic_t want_print, want_exit;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        want_print = 1;
    else
        want_exit = 1;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint16_t ip_csum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += nb_get_be16(p + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static int tap_open(const char *name)
{
    struct ifreq ifr;
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* G's next probe as an ethernet frame into F; returns its length, 0 on error. */
static size_t build(const struct guest *g, uint32_t dst, const uint8_t dmac[6], uint8_t *f,
                    size_t cap)
{
    uint8_t tlv[NB_STAMP_MAX_LEN];
    struct nb_tlv_writer w;
    uint64_t id = ((uint64_t)(SESSION_BASE + g->index) << 32) | g->seq;
    nb_tlv_writer_init(&w, tlv, sizeof(tlv));
    nb_tlv_put_probe_id(&w, id);
    nb_tlv_put_timestamp_info(&w, 0, 0, 0, 0);
    size_t used = NB_STAMP_BASE_LEN + w.len + 4, pad = MTU - IP_HDR - UDP_HDR;
    if (g->seq % PAD_EVERY == 0 && pad > used)
        nb_tlv_put(&w, 0, NB_TLV_EXTRA_PADDING, NULL, (uint16_t)(pad - used));
    struct nb_stamp_test t = {.seq = g->seq, .errest = nb_errest_encode(0, 1000000)};
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    t.ts = nb_ntp_from_ns((nb_ns)rt.tv_sec * 1000000000LL + rt.tv_nsec);
    uint8_t *ip = f + ETH_HDR, *udp = ip + IP_HDR;
    size_t pl = nb_stamp_encode_test(udp + UDP_HDR, cap - ETH_HDR - IP_HDR - UDP_HDR,
                                     NB_STAMP_UNAUTH, NULL, &t, tlv, w.len);
    if (pl == 0 || w.overflow)
        return 0;
    memcpy(f, dmac, 6);
    memcpy(f + 6, g->mac, 6);
    nb_put_be16(f + 12, 0x0800);
    memset(ip, 0, IP_HDR);
    ip[0] = 0x45;
    nb_put_be16(ip + 2, (uint16_t)(IP_HDR + UDP_HDR + pl));
    nb_put_be16(ip + 4, (uint16_t)g->seq);
    nb_put_be16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = 17;
    nb_put_be32(ip + 12, g->ip);
    nb_put_be32(ip + 16, dst);
    nb_put_be16(ip + 10, ip_csum(ip, IP_HDR));
    nb_put_be16(udp, (uint16_t)(33000 + g->index % 16384));
    nb_put_be16(udp + 2, NB_STAMP_PORT);
    nb_put_be16(udp + 4, (uint16_t)(UDP_HDR + pl));
    nb_put_be16(udp + 6, 0); /* no checksum (IPv4) */
    return ETH_HDR + IP_HDR + UDP_HDR + pl;
}

/* An answer from DST:862 in the frame F (LEN bytes)? */
static bool is_answer(const uint8_t *f, size_t len, uint32_t dst)
{
    return len >= ETH_HDR + IP_HDR + UDP_HDR && nb_get_be16(f + 12) == 0x0800 &&
           f[ETH_HDR + 9] == 17 && nb_get_be32(f + ETH_HDR + 12) == dst &&
           nb_get_be16(f + ETH_HDR + (size_t)(f[ETH_HDR] & 0x0f) * 4) == NB_STAMP_PORT;
}

/* One process: guests G[0..N) until the parent dies. */
static void run(struct guest *g, size_t n, uint32_t dst, const uint8_t dmac[6], int64_t interval,
                struct counts *c)
{
    static uint8_t frame[NB_STAMP_MAX_LEN + 64];
    struct pollfd *p = calloc(n, sizeof(*p));
    if (!p)
        _exit(1);
    for (size_t i = 0; i < n; i++)
        p[i] = (struct pollfd){.fd = g[i].fd, .events = POLLIN};
    for (;;) {
        int64_t t = now_ns(), next = t + interval;
        for (size_t i = 0; i < n; i++) {
            if (g[i].next_ns <= t) {
                size_t len = build(&g[i], dst, dmac, frame, sizeof(frame));
                if (len && write(g[i].fd, frame, len) == (ssize_t)len)
                    __atomic_add_fetch(&c->sent, 1, __ATOMIC_RELAXED);
                else
                    __atomic_add_fetch(&c->send_errors, 1, __ATOMIC_RELAXED);
                g[i].seq++;
                g[i].next_ns += interval;
                if (g[i].next_ns <= t) /* fell behind (a stopped process): no burst */
                    g[i].next_ns = t + interval;
            }
            if (g[i].next_ns < next)
                next = g[i].next_ns;
        }
        t = now_ns();
        struct timespec to = {0, 0};
        if (next > t)
            to = (struct timespec){(next - t) / 1000000000LL, (next - t) % 1000000000LL};
        if (ppoll(p, n, &to, NULL) <= 0)
            continue;
        for (size_t i = 0; i < n; i++) {
            if (!(p[i].revents & POLLIN))
                continue;
            for (int k = 0; k < 64; k++) {
                ssize_t r = read(p[i].fd, frame, sizeof(frame));
                if (r <= 0)
                    break;
                if (is_answer(frame, (size_t)r, dst))
                    __atomic_add_fetch(&c->received, 1, __ATOMIC_RELAXED);
                else
                    __atomic_add_fetch(&c->other, 1, __ATOMIC_RELAXED);
            }
        }
    }
}

static void print_counts(void)
{
    struct counts s = {0};
    for (size_t i = 0; i < nproc; i++) {
        s.sent += __atomic_load_n(&shared[i].sent, __ATOMIC_RELAXED);
        s.received += __atomic_load_n(&shared[i].received, __ATOMIC_RELAXED);
        s.send_errors += __atomic_load_n(&shared[i].send_errors, __ATOMIC_RELAXED);
        s.other += __atomic_load_n(&shared[i].other, __ATOMIC_RELAXED);
    }
    printf("sent %llu received %llu send_errors %llu other_frames %llu\n",
           (unsigned long long)s.sent, (unsigned long long)s.received,
           (unsigned long long)s.send_errors, (unsigned long long)s.other);
    fflush(stdout);
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        return false;
    for (int i = 0; i < 6; i++) {
        if (v[i] > 255)
            return false;
        mac[i] = (uint8_t)v[i];
    }
    return true;
}

int main(int argc, char **argv)
{
    struct in_addr src, dst;
    uint8_t dmac[6];
    if (argc < 6 || argc > 8) {
        fprintf(stderr,
                "usage: nb-guestload PREFIX COUNT SRC DST DST_MAC [INTERVAL_MS [PER_PROC]]\n");
        return 2;
    }
    long count = strtol(argv[2], NULL, 10);
    long interval_ms = argc > 6 ? strtol(argv[6], NULL, 10) : 1000;
    long per = argc > 7 ? strtol(argv[7], NULL, 10) : 1;
    if (strlen(argv[1]) > 10 || count < 1 || count > MAX_GUESTS ||
        inet_pton(AF_INET, argv[3], &src) != 1 || inet_pton(AF_INET, argv[4], &dst) != 1 ||
        !parse_mac(argv[5], dmac) || interval_ms < 10 || interval_ms > 60000 || per < 1 ||
        per > MAX_GUESTS) {
        fprintf(stderr, "nb-guestload: PREFIX at most 10 characters, COUNT 1..%d, SRC and DST "
                        "IPv4, DST_MAC aa:bb:cc:dd:ee:ff, INTERVAL_MS 10..60000, PER_PROC >= 1\n",
                MAX_GUESTS);
        return 2;
    }
    nproc = (size_t)((count + per - 1) / per);
    shared = mmap(NULL, nproc * sizeof(*shared), PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
        perror("nb-guestload: mmap");
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    pid_t parent = getpid();
    int64_t interval = interval_ms * 1000000LL, t0 = now_ns();
    pid_t *kids = calloc(nproc, sizeof(*kids));
    if (!kids)
        return 1;
    for (size_t k = 0; k < nproc; k++) {
        size_t first = k * (size_t)per, n = (size_t)count - first;
        if (n > (size_t)per)
            n = (size_t)per;
        kids[k] = fork();
        if (kids[k] < 0) {
            perror("nb-guestload: fork");
            return 1;
        }
        if (kids[k] > 0)
            continue;
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(0);
        signal(SIGUSR1, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        struct guest *g = calloc(n, sizeof(*g));
        if (!g)
            _exit(1);
        for (size_t i = 0; i < n; i++) {
            size_t gi = first + i;
            char name[IFNAMSIZ];
            snprintf(name, sizeof(name), "%s%zu", argv[1], gi);
            g[i].fd = tap_open(name);
            if (g[i].fd < 0) {
                fprintf(stderr, "nb-guestload: tap %s: %s\n", name, strerror(errno));
                _exit(1);
            }
            g[i].index = (uint32_t)gi;
            g[i].ip = ntohl(src.s_addr) + (uint32_t)gi;
            g[i].mac[0] = 0x02, g[i].mac[1] = 0x4e, g[i].mac[2] = 0x42;
            g[i].mac[4] = (uint8_t)(gi >> 8), g[i].mac[5] = (uint8_t)gi;
            g[i].next_ns = t0 + interval + (int64_t)gi * interval / count;
            __atomic_add_fetch(&shared[k].opened, 1, __ATOMIC_RELAXED);
        }
        run(g, n, ntohl(dst.s_addr), dmac, interval, &shared[k]);
    }
    /* every tap open, or a child failed */
    for (;;) {
        uint64_t open = 0;
        for (size_t k = 0; k < nproc; k++)
            open += __atomic_load_n(&shared[k].opened, __ATOMIC_RELAXED);
        if (open == (uint64_t)count)
            break;
        int st;
        if (waitpid(-1, &st, WNOHANG) > 0 || want_exit) {
            fprintf(stderr, "nb-guestload: a guest process failed\n");
            for (size_t k = 0; k < nproc; k++)
                kill(kids[k], SIGKILL);
            return 1;
        }
        usleep(10000);
    }
    printf("ready %ld\n", count);
    fflush(stdout);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &old);
    while (!want_exit) {
        sigsuspend(&old); /* the flags are tested with the signals blocked: none is missed */
        if (want_print) {
            want_print = 0;
            print_counts();
        }
    }
    for (size_t k = 0; k < nproc; k++)
        kill(kids[k], SIGKILL);
    while (wait(NULL) > 0)
        ;
    print_counts();
    return 0;
}
