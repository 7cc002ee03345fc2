/* flood.c — nb-flood: a bounded STAMP flood from spoofed sources, for the
 * reflector's flood test (tests/lab/reflector_flood.sh). Raw IPv4 (IP_HDRINCL)
 * inside a lab namespace only: every source lies in SRC/BITS (the lab range,
 * 198.18.0.0/15), the destination is the reflector's lab address.
 *
 *   nb-flood DST PORT SRC BITS HEAVY SECONDS [MAX_PPS]
 *
 * Every other packet comes from one of HEAVY sources (SRC+1..SRC+HEAVY),
 * which therefore send far over any per-source budget; the rest from sources
 * spread over the whole SRC/BITS, which fill the reflector's tables. Each
 * packet is a valid unauthenticated STAMP test packet (44 bytes). Sends for
 * SECONDS (at most MAX_PPS per second if given, 0: as fast as it can), then
 * prints "sent N heavy H seconds S pps P" — figures it counted. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 256
#define PAYLOAD 44

struct pkt {
    struct iphdr ip;
    struct udphdr udp;
    uint8_t stamp[PAYLOAD];
} __attribute__((packed));

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint16_t ip_csum(const void *p, size_t n)
{
    const uint16_t *w = p;
    uint32_t sum = 0;
    for (; n > 1; n -= 2)
        sum += *w++;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: nb-flood DST PORT SRC BITS HEAVY SECONDS [MAX_PPS]\n");
        return 2;
    }
    struct in_addr dst, src;
    if (inet_pton(AF_INET, argv[1], &dst) != 1 || inet_pton(AF_INET, argv[3], &src) != 1) {
        fprintf(stderr, "nb-flood: DST and SRC must be IPv4 addresses\n");
        return 2;
    }
    unsigned port = (unsigned)atoi(argv[2]), bits = (unsigned)atoi(argv[4]);
    unsigned heavy = (unsigned)atoi(argv[5]);
    double seconds = atof(argv[6]), max_pps = argc > 7 ? atof(argv[7]) : 0;
    if (port == 0 || port > 65535 || bits < 1 || bits > 24 || heavy < 1 || seconds <= 0 ||
        seconds > 60) {
        fprintf(stderr, "nb-flood: PORT 1..65535, BITS 1..24, HEAVY >= 1, SECONDS (0, 60]\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW); /* IP_HDRINCL implied */
    if (fd < 0) {
        perror("nb-flood: raw socket");
        return 1;
    }
    int sndbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = dst};

    static struct pkt pk[BATCH];
    struct iovec iov[BATCH];
    struct mmsghdr msg[BATCH];
    bool hv[BATCH];
    memset(msg, 0, sizeof(msg));
    uint32_t base = ntohl(src.s_addr), span = 1u << (32 - bits);
    base &= ~(span - 1);
    uint64_t sent = 0, heavy_sent = 0, seq = 0;
    uint32_t lcg = 12345;
    double t0 = now_s(), end = t0 + seconds;
    for (;;) {
        double t = now_s();
        if (t >= end)
            break;
        if (max_pps > 0 && (double)sent > (t - t0) * max_pps)
            continue; /* paced: ahead of the rate, spin (bounded by END) */
        for (int i = 0; i < BATCH; i++, seq++) {
            struct pkt *p = &pk[i];
            uint32_t s;
            bool is_heavy = hv[i] = (seq & 1) == 0;
            if (is_heavy) {
                s = base + 1 + (uint32_t)((seq >> 1) % heavy);
            } else {
                lcg = lcg * 1664525u + 1013904223u;
                s = base + 1 + (lcg >> 8) % (span - 2);
            }
            memset(p, 0, sizeof(*p));
            p->ip.version = 4;
            p->ip.ihl = 5;
            p->ip.tot_len = htons(sizeof(*p));
            p->ip.id = htons((uint16_t)seq);
            p->ip.ttl = 64;
            p->ip.protocol = IPPROTO_UDP;
            p->ip.saddr = htonl(s);
            p->ip.daddr = dst.s_addr;
            p->ip.check = ip_csum(&p->ip, sizeof(p->ip));
            p->udp.source = htons((uint16_t)(1024 + (s & 0x7fff)));
            p->udp.dest = htons((uint16_t)port);
            p->udp.len = htons(sizeof(p->udp) + PAYLOAD);
            p->udp.check = 0; /* none: allowed over IPv4 */
            uint32_t sq = htonl((uint32_t)seq);
            memcpy(p->stamp, &sq, 4);
            p->stamp[12] = 0x00;
            p->stamp[13] = 0x01; /* error estimate: multiplier 1 (valid) */
            iov[i].iov_base = p;
            iov[i].iov_len = sizeof(*p);
            msg[i].msg_hdr.msg_iov = &iov[i];
            msg[i].msg_hdr.msg_iovlen = 1;
            msg[i].msg_hdr.msg_name = &to;
            msg[i].msg_hdr.msg_namelen = sizeof(to);
        }
        int n = sendmmsg(fd, msg, BATCH, 0);
        if (n < 0) {
            if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
                continue;
            perror("nb-flood: sendmmsg");
            return 1;
        }
        for (int i = 0; i < n; i++)
            heavy_sent += hv[i];
        sent += (uint64_t)n;
        seq -= (uint64_t)(BATCH - n); /* unsent ones are built again */
    }
    double el = now_s() - t0;
    printf("sent %llu heavy %llu seconds %.2f pps %.0f\n", (unsigned long long)sent,
           (unsigned long long)heavy_sent, el, (double)sent / el);
    close(fd);
    return 0;
}
