/* tstamp.h — UDP sockets with kernel timestamps (SO_TIMESTAMPING).
 *
 * RX: software receive stamps (skb->tstamp, the same instant libpcap reports
 * for the packet), read from SCM_TIMESTAMPING on recvmsg.
 * TX: software SCHED (entered the qdisc) and SND (handed to the driver) stamps,
 * read from the socket's error queue and matched to their packet by a 32-bit
 * key: per-message SCM_TS_OPT_ID (kernel >= 6.13) carrying the caller's key, or,
 * when the kernel refuses that cmsg, the socket's OPT_ID counter that we mirror.
 * All stamps are CLOCK_REALTIME nanoseconds (nb_ns). Where the kernel gives no
 * stamp we fall back to user space and say so in the result, once in the log. */
#ifndef NB_TSTAMP_H
#define NB_TSTAMP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "netblame/ntp.h"


struct nb_tsock {
    int fd;
    int family;          /* AF_INET or AF_INET6 */
    bool rx_kernel;      /* SO_TIMESTAMPING RX accepted */
    bool tx_kernel;      /* SO_TIMESTAMPING TX accepted */
    bool opt_id_cmsg;    /* per-message SCM_TS_OPT_ID accepted (else counter mirror) */
    uint32_t counter;    /* mirror of the kernel's OPT_ID counter (fallback mode) */
    bool warned_rx;      /* fallback logged once */
};

/* Open a non-blocking UDP socket of FAMILY bound to BIND (may be NULL: any),
 * with RX stamps, TX stamps if WANT_TX, TTL/hop-limit reception and IP_RECVERR.
 * Returns 0, or -1 with errno set and a message logged. */
int nb_tsock_open(struct nb_tsock *s, int family, const struct sockaddr *bind, socklen_t bindlen,
                  bool want_tx);
void nb_tsock_close(struct nb_tsock *s);

/* The local address a datagram was sent to (IP_PKTINFO / IPV6_PKTINFO), so
 * the source its reply must come from: on a socket bound to a wildcard
 * address the kernel would otherwise pick the route's preferred source (the
 * primary address), and a sender that probed a secondary address drops a
 * reply from another. family 0: unknown (option off, or a multicast
 * destination: no source to copy). AF_INET also on an AF_INET6 socket for a
 * v4-mapped peer (IP_PKTINFO is what that path takes both ways). */
struct nb_local {
    int family;
    int ifindex;      /* where it came in: named again only for an IPv6 link-local source */
    uint8_t addr[16]; /* 4 or 16 bytes, network order */
};

/* Ask for the local address of each datagram (in nb_rx.local): IP_PKTINFO,
 * and IPV6_RECVPKTINFO on an AF_INET6 socket. Returns 0, or -1 (errno set). */
int nb_tsock_want_local(struct nb_tsock *s);

/* Write into CONTROL (CAP bytes, cmsghdr-aligned) the cmsg that makes L the
 * source of a datagram: IP_PKTINFO (ipi_spec_dst) or IPV6_PKTINFO (ipi6_addr),
 * the interface left to the routing but for an IPv6 link-local source (the
 * kernel refuses one without it). Returns its CMSG_SPACE, 0 if L is unknown or
 * CAP too small. */
#define NB_LOCAL_CMSG_SPACE 64 /* >= CMSG_SPACE(sizeof(struct in6_pktinfo)) */
size_t nb_local_cmsg(void *control, size_t cap, const struct nb_local *l);

/* Send LEN bytes to TO from the local address FROM (NULL or unknown: the
 * kernel's choice); no TX stamp. Returns bytes sent, or -1 (errno set). */
ssize_t nb_tsock_send_from(struct nb_tsock *s, const void *buf, size_t len,
                           const struct sockaddr *to, socklen_t tolen, const struct nb_local *from);

/* Send LEN bytes to TO (NULL on a connected socket) with timestamp key KEY.
 * Returns bytes sent, or -1 (errno set). *KEY_USED gets the key the kernel will
 * report with the TX stamps (KEY itself, or the counter value in fallback mode). */
ssize_t nb_tsock_send(struct nb_tsock *s, const void *buf, size_t len, const struct sockaddr *to,
                      socklen_t tolen, uint32_t key, uint32_t *key_used);

struct nb_rx {
    size_t len;
    bool truncated;      /* datagram larger than the buffer (MSG_TRUNC) */
    struct sockaddr_storage from;
    socklen_t fromlen;
    nb_ns ts;
    enum nb_ts_src ts_src; /* NB_TS_KERNEL_RX or NB_TS_USER */
    int ttl;             /* TTL / hop limit, -1 if unknown */
    struct nb_local local; /* where it was sent to (nb_tsock_want_local), family 0 if unknown */
};

/* Receive one datagram. Returns 1, 0 if nothing is pending, or -1 on a socket
 * error (errno set; e.g. ECONNREFUSED after an ICMP port unreachable). */
int nb_tsock_recv(struct nb_tsock *s, void *buf, size_t cap, struct nb_rx *rx);
/* Receive up to N (at most NB_RECV_MANY_MAX) datagrams in one system call
 * (recvmmsg), the i-th into BUFS + i * CAP, described by RX[i]. Returns how
 * many, 0 if nothing is pending, or -1 as nb_tsock_recv. */
#define NB_RECV_MANY_MAX 32
int nb_tsock_recv_many(struct nb_tsock *s, uint8_t *bufs, size_t cap, struct nb_rx *rx,
                       unsigned n);

struct nb_txstamp {
    uint32_t key;
    nb_ns ts;
    enum nb_ts_src src;  /* NB_TS_SCHED or NB_TS_SND */
};

/* What the error queue held. */
enum nb_errq { NB_ERRQ_EMPTY = 0, NB_ERRQ_TXSTAMP, NB_ERRQ_ICMP, NB_ERRQ_OTHER };

/* Read one error-queue message. For NB_ERRQ_TXSTAMP fills *OUT; for NB_ERRQ_ICMP
 * sets *ERRNO_OUT to the error the ICMP message maps to (e.g. ECONNREFUSED). */
enum nb_errq nb_tsock_read_errqueue(struct nb_tsock *s, struct nb_txstamp *out, int *errno_out);

/* The local clock's STAMP Error Estimate from the kernel's NTP state (adjtimex):
 * S set when synchronised, bound = maxerror. Unsynchronised: S clear, 1 s bound. */
uint16_t nb_clock_errest(bool *synced);

#endif
