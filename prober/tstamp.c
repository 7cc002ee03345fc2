/* tstamp.c — UDP sockets with kernel software timestamps (see tstamp.h).
 * Measured on this kernel (DESIGN §8): TX_SOFTWARE|TX_SCHED|RX_SOFTWARE|SOFTWARE|
 * OPT_ID|OPT_TSONLY works, TX stamps arrive on MSG_ERRQUEUE as SCM_TIMESTAMPING +
 * sock_extended_err (ee_info = SCM_TSTAMP_SCHED or _SND, ee_data = key). */
#include "tstamp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/timex.h>
#include <unistd.h>

#include "netblame/log.h"

/* Debian 12's uapi headers predate per-message timestamp keys (Linux 6.13). */
#ifndef SCM_TS_OPT_ID
#define SCM_TS_OPT_ID 81
#endif

#define TS_FLAGS_RX (SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE)
#define TS_FLAGS_TX                                                                                \
    (SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_TX_SCHED | SOF_TIMESTAMPING_OPT_ID |          \
     SOF_TIMESTAMPING_OPT_TSONLY)

const char *nb_ts_src_name(enum nb_ts_src s)
{
    static const char *const names[] = {"none", "user", "kernel_sched", "kernel_snd", "kernel_rx"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

int nb_tsock_open(struct nb_tsock *s, int family, const struct sockaddr *bind_addr,
                  socklen_t bindlen, bool want_tx)
{
    memset(s, 0, sizeof(*s));
    s->family = family;
    s->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
    if (s->fd < 0) {
        nb_log_errno(NB_LOG_ERR, "socket(UDP)");
        return -1;
    }
    int one = 1;
    if (family == AF_INET) {
        setsockopt(s->fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
        setsockopt(s->fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
    } else {
        setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one));
        setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
    }

    unsigned flags = TS_FLAGS_RX | (want_tx ? TS_FLAGS_TX : 0);
    if (setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)) == 0) {
        s->rx_kernel = true;
        s->tx_kernel = want_tx;
    } else if (want_tx && setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPING, &(unsigned){TS_FLAGS_RX},
                                     sizeof(unsigned)) == 0) {
        nb_log_errno(NB_LOG_WARN, "SO_TIMESTAMPING TX refused; send times from user space");
        s->rx_kernel = true;
    } else {
        nb_log_errno(NB_LOG_WARN, "SO_TIMESTAMPING refused; all times from user space");
    }
    s->opt_id_cmsg = s->tx_kernel; /* optimistic: cleared on the first EINVAL */

    if (bind_addr && bind(s->fd, bind_addr, bindlen) < 0) {
        int e = errno;
        nb_log_errno(NB_LOG_ERR, "bind");
        close(s->fd);
        s->fd = -1;
        errno = e;
        return -1;
    }
    return 0;
}

void nb_tsock_close(struct nb_tsock *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

/* One sendmsg, with the SCM_TS_OPT_ID cmsg when WITH_KEY. */
static ssize_t send_once(struct nb_tsock *s, const void *buf, size_t len, const struct sockaddr *to,
                         socklen_t tolen, bool with_key, uint32_t key)
{
    union {
        char buf[CMSG_SPACE(sizeof(uint32_t))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    struct msghdr msg = {.msg_name = (void *)to, .msg_namelen = to ? tolen : 0, .msg_iov = &iov,
                         .msg_iovlen = 1};
    if (with_key) {
        memset(&control, 0, sizeof(control));
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof(control.buf);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_TS_OPT_ID;
        c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
        memcpy(CMSG_DATA(c), &key, sizeof(key));
    }
    return sendmsg(s->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
}

int nb_tsock_want_local(struct nb_tsock *s)
{
    int one = 1;
    /* IP_PKTINFO on an AF_INET6 socket too: its v4-mapped peers' datagrams
     * carry the IPv4 cmsg, not IPV6_PKTINFO */
    if (setsockopt(s->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 && s->family == AF_INET)
        return -1;
    if (s->family == AF_INET6 &&
        setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0)
        return -1;
    return 0;
}

size_t nb_local_cmsg(void *control, size_t cap, const struct nb_local *l)
{
    struct msghdr msg = {.msg_control = control, .msg_controllen = cap};
    struct cmsghdr *c;
    if (!l || (l->family != AF_INET && l->family != AF_INET6))
        return 0;
    size_t plen = l->family == AF_INET ? sizeof(struct in_pktinfo) : sizeof(struct in6_pktinfo);
    if (cap < CMSG_SPACE(plen))
        return 0;
    memset(control, 0, CMSG_SPACE(plen));
    c = CMSG_FIRSTHDR(&msg);
    c->cmsg_len = CMSG_LEN(plen);
    if (l->family == AF_INET) {
        /* ipi_spec_dst is the source; ipi_ifindex 0 leaves the way out to the routing */
        struct in_pktinfo pi = {0};
        memcpy(&pi.ipi_spec_dst, l->addr, 4);
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
    } else {
        struct in6_pktinfo pi;
        memset(&pi, 0, sizeof(pi));
        memcpy(&pi.ipi6_addr, l->addr, 16);
        if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
            pi.ipi6_ifindex = (unsigned)l->ifindex;
        c->cmsg_level = IPPROTO_IPV6;
        c->cmsg_type = IPV6_PKTINFO;
        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
    }
    return CMSG_SPACE(plen);
}

ssize_t nb_tsock_send_from(struct nb_tsock *s, const void *buf, size_t len,
                           const struct sockaddr *to, socklen_t tolen, const struct nb_local *from)
{
    union {
        char buf[NB_LOCAL_CMSG_SPACE];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    struct msghdr msg = {.msg_name = (void *)to, .msg_namelen = to ? tolen : 0, .msg_iov = &iov,
                         .msg_iovlen = 1};
    size_t clen = nb_local_cmsg(control.buf, sizeof(control.buf), from);
    if (clen) {
        msg.msg_control = control.buf;
        msg.msg_controllen = clen;
    }
    return sendmsg(s->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
}

ssize_t nb_tsock_send(struct nb_tsock *s, const void *buf, size_t len, const struct sockaddr *to,
                      socklen_t tolen, uint32_t key, uint32_t *key_used)
{
    ssize_t n;
    if (s->opt_id_cmsg) {
        n = send_once(s, buf, len, to, tolen, true, key);
        if (n >= 0 || errno != EINVAL) {
            *key_used = key;
            return n;
        }
        nb_warn("kernel refuses per-message timestamp keys (SCM_TS_OPT_ID); "
                "matching TX stamps by the socket counter instead");
        s->opt_id_cmsg = false;
    }
    n = send_once(s, buf, len, to, tolen, false, 0);
    *key_used = s->counter;
    /* The kernel assigns a key only to datagrams it accepted. */
    if (n >= 0 && s->tx_kernel)
        s->counter++;
    return n;
}

/* Fill RX from a datagram of N bytes received with MSG into a buffer of CAP. */
static void rx_parse(struct nb_tsock *s, struct msghdr *msg, size_t n, size_t cap,
                     struct nb_rx *rx)
{
    rx->len = n > cap ? cap : n;
    rx->truncated = (msg->msg_flags & MSG_TRUNC) != 0;
    rx->fromlen = msg->msg_namelen;
    rx->ttl = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPING &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct scm_timestamping))) {
            struct scm_timestamping ts;
            memcpy(&ts, CMSG_DATA(c), sizeof(ts));
            if (ts.ts[0].tv_sec || ts.ts[0].tv_nsec) {
                rx->ts = nb_ns_from_timespec(&ts.ts[0]);
                rx->ts_src = NB_TS_KERNEL_RX;
            }
        } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
                   c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
            /* ipi_spec_dst, not ipi_addr: the local address a reply comes
             * from, the interface's own for a broadcast destination */
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            rx->local.family = AF_INET;
            rx->local.ifindex = pi.ipi_ifindex;
            memcpy(rx->local.addr, &pi.ipi_spec_dst, 4);
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
                   c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
            struct in6_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            if (!IN6_IS_ADDR_MULTICAST(&pi.ipi6_addr)) { /* not a source */
                rx->local.family = AF_INET6;
                rx->local.ifindex = (int)pi.ipi6_ifindex;
                memcpy(rx->local.addr, &pi.ipi6_addr, 16);
            }
        } else if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
                   (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
            int ttl;
            if (c->cmsg_len >= CMSG_LEN(sizeof(int))) {
                memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
                rx->ttl = ttl;
            }
        }
    }
    if (rx->ts_src == NB_TS_NONE) {
        rx->ts = nb_realtime_now();
        rx->ts_src = NB_TS_USER;
        if (!s->warned_rx) {
            nb_warn("no kernel receive timestamp on fd %d; using user-space time", s->fd);
            s->warned_rx = true;
        }
    }
}

int nb_tsock_recv_many(struct nb_tsock *s, uint8_t *bufs, size_t cap, struct nb_rx *rx,
                       unsigned n)
{
    _Alignas(struct cmsghdr) char control[NB_RECV_MANY_MAX][512]; /* rows stay aligned */
    struct iovec iov[NB_RECV_MANY_MAX];
    struct mmsghdr msg[NB_RECV_MANY_MAX];
    if (n > NB_RECV_MANY_MAX)
        n = NB_RECV_MANY_MAX;
    for (unsigned i = 0; i < n; i++) {
        memset(&rx[i], 0, sizeof(rx[i]));
        iov[i] = (struct iovec){.iov_base = bufs + (size_t)i * cap, .iov_len = cap};
        msg[i].msg_hdr = (struct msghdr){.msg_name = &rx[i].from,
                                         .msg_namelen = sizeof(rx[i].from),
                                         .msg_iov = &iov[i],
                                         .msg_iovlen = 1,
                                         .msg_control = control[i],
                                         .msg_controllen = sizeof(control[i])};
        msg[i].msg_len = 0;
    }
    int got = recvmmsg(s->fd, msg, n, MSG_DONTWAIT, NULL);
    if (got < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
    for (int i = 0; i < got; i++)
        rx_parse(s, &msg[i].msg_hdr, msg[i].msg_len, cap, &rx[i]);
    return got;
}

int nb_tsock_recv(struct nb_tsock *s, void *buf, size_t cap, struct nb_rx *rx)
{
    union {
        char buf[512];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = buf, .iov_len = cap};
    memset(rx, 0, sizeof(*rx));
    struct msghdr msg = {.msg_name = &rx->from, .msg_namelen = sizeof(rx->from), .msg_iov = &iov,
                         .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof(control.buf)};
    ssize_t n = recvmsg(s->fd, &msg, MSG_DONTWAIT);
    if (n < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
    rx_parse(s, &msg, (size_t)n, cap, rx);
    return 1;
}

enum nb_errq nb_tsock_read_errqueue(struct nb_tsock *s, struct nb_txstamp *out, int *errno_out)
{
    union {
        char buf[512];
        struct cmsghdr align;
    } control;
    char data[64];
    struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
    struct sockaddr_storage from;
    struct msghdr msg = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
                         .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof(control.buf)};
    if (recvmsg(s->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
        return NB_ERRQ_EMPTY;

    struct scm_timestamping ts;
    bool have_ts = false;
    struct sock_extended_err ee;
    bool have_ee = false;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPING &&
            c->cmsg_len >= CMSG_LEN(sizeof(ts))) {
            memcpy(&ts, CMSG_DATA(c), sizeof(ts));
            have_ts = true;
        } else if (((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
                    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) &&
                   c->cmsg_len >= CMSG_LEN(sizeof(ee))) {
            memcpy(&ee, CMSG_DATA(c), sizeof(ee));
            have_ee = true;
        }
    }
    if (!have_ee)
        return NB_ERRQ_OTHER;
    if (ee.ee_origin == SO_EE_ORIGIN_TIMESTAMPING && have_ts) {
        out->key = ee.ee_data;
        out->ts = nb_ns_from_timespec(&ts.ts[0]);
        out->src = ee.ee_info == SCM_TSTAMP_SCHED ? NB_TS_SCHED
                   : ee.ee_info == SCM_TSTAMP_SND ? NB_TS_SND
                                                  : NB_TS_NONE;
        return out->src == NB_TS_NONE ? NB_ERRQ_OTHER : NB_ERRQ_TXSTAMP;
    }
    if (ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6 ||
        ee.ee_origin == SO_EE_ORIGIN_LOCAL) {
        *errno_out = (int)ee.ee_errno;
        return NB_ERRQ_ICMP;
    }
    return NB_ERRQ_OTHER;
}

uint16_t nb_clock_errest(bool *synced)
{
    struct timex tx = {0};
    int state = adjtimex(&tx);
    bool sync = state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
    if (synced)
        *synced = sync;
    /* maxerror is in microseconds; unsynchronised clocks get a 1 s bound. */
    nb_ns bound = sync ? (nb_ns)tx.maxerror * 1000 : NB_NS_PER_SEC;
    return nb_errest_encode(sync, bound);
}
