/* stampload.c — nb-stampload: a paced UDP request/reply load at a set rate,
 * counting answers, for the peer benchmark (tests/bench/peer_compare.sh). It
 * drives netblame's STAMP reflector and `sockperf server` with the same code,
 * so their rates and round trips are measured by the same generator.
 *
 *   nb-stampload [--sockperf] DST PORT RATE SECONDS [SIZE]
 *
 * Sends RATE datagrams/s (paced against CLOCK_MONOTONIC: whatever is due is
 * sent at once with sendmmsg, spinning when the next is due within 20 µs,
 * sleeping in ppoll otherwise) to DST:PORT for SECONDS, from one connected
 * socket, reading replies all along; then waits for late replies for at most
 * 500 ms. Each datagram is SIZE bytes (default 44):
 *  - STAMP (default): an unauthenticated session-sender test packet (stamp.c),
 *    sequence number N; a reply is matched by its sender sequence field, and
 *    its T3 - T2 (the reflector's own hold time) is recorded too;
 *  - --sockperf: sockperf's message header (big-endian: sequence(8),
 *    flags(2) = client | pong request, length(4)), zero padded; a reply is
 *    matched by its sequence.
 * The round trip of a reply is user space to user space (send time taken
 * before sendmmsg, receive time after recvmmsg returns), the way sockperf's
 * client measures. Prints one line of figures it counted:
 *   sent N received R lost L seconds S last_send_s T rate_pps P rtt_p50_us A
 *   rtt_p99_us B hold_p50_us C hold_p99_us D duplicates U unknown K send_retries E
 * where P = N / SECONDS (what was sent, over the time asked: a generator that
 * fell behind shows it), hold is STAMP only (else "-"), unknown counts replies
 * that match no request, send_retries the sends refused by a full buffer.
 * Lab only: DST is any address the caller's namespace routes (the benchmark's
 * veth in 198.18.0.0/15). Exit 2 on bad arguments, 1 on a socket error. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netblame/be.h"
#include "netblame/ntp.h"
#include "netblame/stamp.h"

#define BATCH 64
#define RING (1u << 22)         /* send times kept, by sequence number */
#define BUCKET_NS 100           /* histogram resolution */
#define BUCKETS 200000          /* up to 20 ms; later ones in the overflow */
#define SPIN_NS 20000           /* next send this close: spin, do not sleep */
#define DRAIN_NS 500000000LL    /* late replies waited for after the last send */
#define SOCKPERF_CLIENT 1u
#define SOCKPERF_PONG_REQUEST 2u
#define SOCKPERF_HDR 14

struct hist {
    uint64_t n[BUCKETS + 1];
    uint64_t total;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void hist_add(struct hist *h, int64_t ns)
{
    uint64_t b = ns < 0 ? 0 : (uint64_t)ns / BUCKET_NS;
    h->n[b > BUCKETS ? BUCKETS : b]++;
    h->total++;
}

/* Percentile Q (0..1) in µs as text into OUT: the upper edge of its bucket,
 * ">20000" past the histogram, "-" with no samples. */
static const char *hist_pct(const struct hist *h, double q, char *out, size_t cap)
{
    uint64_t want, acc = 0;

    if (h->total == 0)
        return "-";
    want = (uint64_t)((double)h->total * q + 0.999999);
    if (want == 0)
        want = 1;
    for (size_t b = 0; b <= BUCKETS; b++) {
        acc += h->n[b];
        if (acc >= want) {
            if (b == BUCKETS)
                snprintf(out, cap, ">%d", BUCKETS * BUCKET_NS / 1000);
            else
                snprintf(out, cap, "%.1f", (double)((b + 1) * BUCKET_NS) / 1000.0);
            return out;
        }
    }
    return "-";
}

static size_t build(uint8_t *buf, size_t size, bool sockperf, uint64_t seq)
{
    memset(buf, 0, size);
    if (sockperf) {
        nb_put_be64(buf, seq);
        nb_put_be16(buf + 8, SOCKPERF_CLIENT | SOCKPERF_PONG_REQUEST);
        nb_put_be32(buf + 10, (uint32_t)size);
        return size;
    }
    struct nb_stamp_test t = {.seq = (uint32_t)seq, .errest = nb_errest_encode(0, 1000000)};
    return nb_stamp_encode_test(buf, size, NB_STAMP_UNAUTH, NULL, &t, NULL, 0) ? size : 0;
}

int main(int argc, char **argv)
{
    static uint8_t txb[BATCH][NB_STAMP_MAX_LEN], rxb[BATCH][NB_STAMP_MAX_LEN];
    static int64_t sent_at[RING];
    static struct hist rtt, hold;
    struct iovec txv[BATCH], rxv[BATCH];
    struct mmsghdr txm[BATCH], rxm[BATCH];
    bool sockperf = argc > 1 && !strcmp(argv[1], "--sockperf");
    char **a = argv + sockperf;
    int n = argc - sockperf;
    struct sockaddr_in to = {.sin_family = AF_INET};

    if (n < 5 || n > 6) {
        fprintf(stderr, "usage: nb-stampload [--sockperf] DST PORT RATE SECONDS [SIZE]\n");
        return 2;
    }
    long port = strtol(a[2], NULL, 10), size = n > 5 ? strtol(a[5], NULL, 10) : NB_STAMP_BASE_LEN;
    double rate = strtod(a[3], NULL), secs = strtod(a[4], NULL);
    if (inet_pton(AF_INET, a[1], &to.sin_addr) != 1 || port < 1 || port > 65535 ||
        !(rate >= 1 && rate <= 10e6) || !(secs > 0 && secs <= 600) ||
        size < NB_STAMP_BASE_LEN || size > 1472) {
        fprintf(stderr, "nb-stampload: DST an IPv4 address, PORT 1..65535, RATE 1..1e7, "
                        "SECONDS (0, 600], SIZE 44..1472\n");
        return 2;
    }
    to.sin_port = htons((uint16_t)port);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int buf = 8 << 20;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf)) < 0 ||
        connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
        perror("nb-stampload: socket");
        return 1;
    }
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* ppoll wakes when asked, not 50 µs late */
    memset(txm, 0, sizeof(txm));
    memset(rxm, 0, sizeof(rxm));
    for (int i = 0; i < BATCH; i++) {
        rxv[i] = (struct iovec){.iov_base = rxb[i], .iov_len = sizeof(rxb[i])};
        rxm[i].msg_hdr.msg_iov = &rxv[i];
        rxm[i].msg_hdr.msg_iovlen = 1;
        txm[i].msg_hdr.msg_iov = &txv[i];
        txm[i].msg_hdr.msg_iovlen = 1;
    }

    uint64_t sent = 0, received = 0, dup = 0, unknown = 0, errors = 0;
    int64_t t0 = now_ns(), end = t0 + (int64_t)(secs * 1e9), stop = 0, last_tx = t0;
    for (;;) {
        int64_t t = now_ns();
        if (t < end) {
            uint64_t due = (uint64_t)((double)(t - t0) * rate / 1e9) + 1;
            while (sent < due) {
                int k = due - sent > BATCH ? BATCH : (int)(due - sent);
                for (int i = 0; i < k; i++) {
                    txv[i].iov_base = txb[i];
                    txv[i].iov_len = build(txb[i], (size_t)size, sockperf, sent + (uint64_t)i);
                    sent_at[(sent + (uint64_t)i) % RING] = t;
                }
                int m = sendmmsg(fd, txm, (unsigned)k, 0);
                if (m <= 0) {
                    if (m < 0 && errno != EAGAIN && errno != ENOBUFS && errno != EINTR &&
                        errno != ECONNREFUSED) {
                        perror("nb-stampload: sendmmsg");
                        return 1;
                    }
                    errors++;
                    break; /* a full socket buffer: try again after reading */
                }
                sent += (uint64_t)m;
                last_tx = t;
            }
        } else if (!stop) {
            stop = t + DRAIN_NS;
        }
        if (stop && (t >= stop || received >= sent))
            break;
        int got = recvmmsg(fd, rxm, BATCH, MSG_DONTWAIT, NULL);
        if (got > 0) {
            int64_t rt = now_ns();
            for (int i = 0; i < got; i++) {
                const uint8_t *p = rxb[i];
                size_t len = rxm[i].msg_len;
                uint64_t seq;
                struct nb_stamp_reflected r;
                if (sockperf) {
                    if (len < SOCKPERF_HDR) {
                        unknown++;
                        continue;
                    }
                    seq = nb_get_be64(p);
                } else {
                    if (nb_stamp_decode_reflected(p, len, NB_STAMP_UNAUTH, NULL, &r, NULL) !=
                        NB_STAMP_OK) {
                        unknown++;
                        continue;
                    }
                    seq = r.ss_seq; /* 32 bits: the ring (2^22) holds far fewer in flight */
                    seq |= sent & ~(uint64_t)0xffffffffu;
                    if (seq >= sent)
                        seq -= (uint64_t)1 << 32;
                }
                if (seq >= sent || sent - seq > RING / 2) {
                    unknown++;
                    continue;
                }
                int64_t *s = &sent_at[seq % RING];
                if (*s < 0) {
                    dup++;
                    continue;
                }
                hist_add(&rtt, rt - *s);
                *s = -1;
                received++;
                if (!sockperf)
                    hist_add(&hold, nb_ntp_to_ns(r.ts) - nb_ntp_to_ns(r.rx_ts));
            }
            continue;
        }
        /* nothing to read: sleep until the next send or reply, or spin if close */
        int64_t wake = stop ? stop : t0 + (int64_t)((double)(sent) * 1e9 / rate);
        if (wake - t < SPIN_NS && !stop)
            continue;
        struct timespec ts = {.tv_sec = (wake - t) / 1000000000LL,
                              .tv_nsec = (wake - t) % 1000000000LL};
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (wake > t)
            ppoll(&pfd, 1, &ts, NULL);
    }
    double el = (double)(last_tx - t0) / 1e9; /* when the last send happened */
    char b1[32], b2[32], b3[32], b4[32];
    printf("sent %llu received %llu lost %llu seconds %.3f last_send_s %.3f rate_pps %.0f rtt_p50_us %s "
           "rtt_p99_us %s hold_p50_us %s hold_p99_us %s duplicates %llu unknown %llu "
           "send_retries %llu\n",
           (unsigned long long)sent, (unsigned long long)received,
           (unsigned long long)(sent - received), secs, el, (double)sent / secs,
           hist_pct(&rtt, 0.5, b1, sizeof(b1)), hist_pct(&rtt, 0.99, b2, sizeof(b2)),
           hist_pct(&hold, 0.5, b3, sizeof(b3)), hist_pct(&hold, 0.99, b4, sizeof(b4)),
           (unsigned long long)dup, (unsigned long long)unknown, (unsigned long long)errors);
    close(fd);
    return 0;
}
