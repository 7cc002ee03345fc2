/* appprobe.c — the application probe state machine (see appprobe.h).
 * Phase times come from the loop-independent monotonic clock at the moment
 * each event is seen; they are the application's view (what a client feels),
 * the network part of connect is split into layers by the host agents'
 * sightings of the handshake. */
#include "app/appprobe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_rcv_ooopack (glibc's lacks it) */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netblame/mem.h"
#include "netblame/clock.h"
#include "netblame/version.h"

#define REPLY_MAX 65536
/* After a complete reply, wait this long for the server's FIN before closing:
 * the side that closes first holds TIME_WAIT (60 s) on its port, and a
 * probe's port comes from a small reserved range (appprobe.h). HTTP probes
 * ask "Connection: close", so a server closes at once and we never hold
 * TIME_WAIT; only a server that keeps the connection open makes us close
 * first. The wait is not part of any phase. */
#define CLOSE_GRACE 0.25

_Static_assert(NB_APP__COUNT - 1 == NB_AF__COUNT && NB_APP_NXDOMAIN - 1 == NB_AF_NXDOMAIN &&
                   NB_APP_TIMEOUT - 1 == NB_AF_TIMEOUT &&
                   NB_APP_UNEXPECTED_REPLY - 1 == NB_AF_UNEXPECTED_REPLY,
               "enum nb_app_fail must be enum nb_app_reason without ok, in order");

enum nb_app_fail nb_app_fail_of(enum nb_app_reason r)
{
    return (enum nb_app_fail)(r - 1);
}

const char *nb_app_reason_name(enum nb_app_reason r)
{
    static const char *const names[NB_APP__COUNT] = {
        "ok",          "nxdomain",    "servfail",        "dns_timeout", "dns_refused",
        "no_address",  "dns_error",   "refused",         "reset",       "timeout",
        "unreachable", "http_status", "unexpected_reply"};
    return (unsigned)r < NB_APP__COUNT ? names[r] : "?";
}

const char *nb_app_phase_name(enum nb_app_phase p)
{
    static const char *const names[NB_PH__COUNT] = {"resolve", "connect", "first_byte", "total"};
    return (unsigned)p < NB_PH__COUNT ? names[p] : "?";
}

int nb_app_parse_url(const char *url, struct nb_app_target *t, char *err, size_t errlen)
{
    const char *rest;
    if (strncmp(url, "http://", 7) == 0) {
        t->raw = false;
        rest = url + 7;
    } else if (strncmp(url, "tcp://", 6) == 0) {
        t->raw = true;
        rest = url + 6;
    } else {
        snprintf(err, errlen, "'%s': only http:// and tcp:// targets", url);
        return -1;
    }
    size_t hl = strcspn(rest, ":/");
    if (hl == 0 || hl >= sizeof(t->host)) {
        snprintf(err, errlen, "'%s': no host", url);
        return -1;
    }
    memcpy(t->host, rest, hl);
    t->host[hl] = '\0';
    rest += hl;
    t->port = t->raw ? 0 : 80;
    if (*rest == ':') {
        char *end;
        unsigned long p = strtoul(rest + 1, &end, 10);
        if (end == rest + 1 || p == 0 || p > 65535 || (*end && *end != '/')) {
            snprintf(err, errlen, "'%s': bad port", url);
            return -1;
        }
        t->port = (uint16_t)p;
        rest = end;
    }
    if (t->raw && (t->port == 0 || *rest)) {
        snprintf(err, errlen, "'%s': tcp:// needs host:port and nothing after", url);
        return -1;
    }
    if (!t->raw) {
        if (strlen(rest) >= sizeof(t->path) || strpbrk(rest, " \r\n")) {
            snprintf(err, errlen, "'%s': bad path", url);
            return -1;
        }
        snprintf(t->path, sizeof(t->path), "%s", *rest ? rest : "/");
    }
    return 0;
}

struct probe {
    struct ev_loop *loop;
    struct nb_app_target t;
    nb_app_cb cb;
    void *arg;
    struct nb_app_result res;
    int fd;
    ev_io io;
    ev_timer deadline;
    nb_ns start, phase_start;
    enum nb_app_phase phase;
    char req[1024];
    size_t req_len, req_sent;
    char *reply;
    size_t reply_len;
    bool resolving;
    bool starting;  /* inside nb_app_probe_start: finish() leaves the free to it */
    bool done;      /* finished while starting */
    bool cancelled; /* cancelled while resolving: freed when the lookup returns */
    bool closing;   /* reply judged: waiting for the server to close (CLOSE_GRACE) */
    bool total_set; /* res.t[NB_PH_TOTAL] taken when the reply was complete */
    enum nb_app_reason verdict; /* the judgement, delivered when closing ends */
};

static void finish(struct probe *p, enum nb_app_reason reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void handshake_info(struct probe *p);
static void transfer_info(struct probe *p);

static void finish(struct probe *p, enum nb_app_reason reason, const char *fmt, ...)
{
    p->res.reason = reason;
    if (reason != NB_APP_OK)
        p->res.failed_in = p->phase;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->res.detail, sizeof(p->res.detail), fmt, ap);
        va_end(ap);
    }
    if (!p->total_set)
        p->res.t[NB_PH_TOTAL] = nb_mono_now() - p->start;
    p->res.have[NB_PH_TOTAL] = reason == NB_APP_OK;
    if (p->fd >= 0 && p->phase == NB_PH_CONNECT && reason != NB_APP_OK)
        handshake_info(p); /* never established: how many SYNs went out */
    else if (p->fd >= 0 && p->res.have[NB_PH_CONNECT])
        transfer_info(p); /* what the exchange retransmitted */
    ev_timer_stop(p->loop, &p->deadline);
    if (p->fd >= 0) {
        ev_io_stop(p->loop, &p->io);
        close(p->fd);
    }
    p->cb(p->arg, &p->res);
    if (p->starting) {
        p->done = true;
        return;
    }
    if (p->resolving) { /* timed out resolving: c-ares still holds P, on_resolved frees it */
        p->cancelled = true;
        return;
    }
    free(p->reply);
    free(p);
}

static enum nb_app_reason errno_reason(int e)
{
    switch (e) {
    case ECONNREFUSED:
        return NB_APP_REFUSED;
    case ECONNRESET:
    case EPIPE:
        return NB_APP_RESET;
    case ETIMEDOUT:
        return NB_APP_TIMEOUT;
    default:
        return NB_APP_UNREACHABLE;
    }
}

/* The reply is judged: REASON (details already in res.detail). With the
 * server's FIN already read (EOF), done; else wait for it (CLOSE_GRACE). */
static void conclude(struct probe *p, enum nb_app_reason reason, bool eof)
{
    p->res.t[NB_PH_TOTAL] = nb_mono_now() - p->start;
    p->total_set = true;
    if (eof) {
        finish(p, reason, NULL);
        return;
    }
    p->closing = true;
    p->verdict = reason;
    ev_timer_stop(p->loop, &p->deadline);
    ev_timer_set(&p->deadline, CLOSE_GRACE, 0.);
    ev_timer_start(p->loop, &p->deadline);
}

#define DETAIL(...) snprintf(detail, dlen, __VA_ARGS__)

enum nb_app_reason nb_app_reply_judge(const struct nb_app_target *t, const char *reply, size_t len,
                                      int *status, char *detail, size_t dlen)
{
    if (len == 0) {
        DETAIL("connection closed without a reply");
        return NB_APP_UNEXPECTED_REPLY;
    }
    if (t->raw) {
        size_t n = strlen(t->raw_expect);
        if (len < n || memcmp(reply, t->raw_expect, n) != 0) {
            DETAIL("reply does not start with '%s'", t->raw_expect);
            return NB_APP_UNEXPECTED_REPLY;
        }
        return NB_APP_OK;
    }
    int st = 0;
    if (sscanf(reply, "HTTP/1.%*1[01] %3d", &st) != 1 || st < 100 || st > 599) {
        DETAIL("not an HTTP/1.x status line");
        return NB_APP_UNEXPECTED_REPLY;
    }
    *status = st;
    if (st != t->expect_status) {
        DETAIL("HTTP %d, expected %d", st, t->expect_status);
        return NB_APP_HTTP_STATUS;
    }
    const char *body = strstr(reply, "\r\n\r\n");
    if (t->expect_body[0] && (!body || !strstr(body + 4, t->expect_body))) {
        DETAIL("body lacks '%s'", t->expect_body);
        return NB_APP_UNEXPECTED_REPLY;
    }
    return NB_APP_OK;
}
#undef DETAIL

/* The reply is complete (EOF: the server closed): judge it. */
static void judge_reply(struct probe *p, bool eof)
{
    p->reply[p->reply_len] = '\0';
    conclude(p,
             nb_app_reply_judge(&p->t, p->reply, p->reply_len, &p->res.status, p->res.detail,
                                sizeof(p->res.detail)),
             eof);
}

bool nb_app_reply_complete(const struct nb_app_target *t, const char *reply, size_t len)
{
    if (t->raw)
        return len > 0 && memchr(reply, '\n', len);
    const char *end = strstr(reply, "\r\n\r\n");
    if (!end)
        return false;
    const char *cl = strcasestr(reply, "\r\ncontent-length:");
    if (!cl || cl > end)
        return false; /* until close */
    long n = strtol(cl + 17, NULL, 10);
    return n >= 0 && (size_t)(end + 4 - reply) + (size_t)n <= len;
}

static bool reply_complete(struct probe *p)
{
    p->reply[p->reply_len] = '\0';
    return nb_app_reply_complete(&p->t, p->reply, p->reply_len);
}

/* The handshake as the kernel measured it: the SYN's round trip (Karn: only
 * without a retransmitted SYN, when it is the first and only RTT sample) and
 * how many SYNs were retransmitted. */
static void handshake_info(struct probe *p)
{
    struct tcp_info ti;
    socklen_t l = sizeof(ti);
    memset(&ti, 0, sizeof(ti));
    if (getsockopt(p->fd, IPPROTO_TCP, TCP_INFO, &ti, &l) < 0)
        return;
    p->res.syn_retrans = ti.tcpi_total_retrans;
    if (p->phase == NB_PH_CONNECT && ti.tcpi_total_retrans == 0 && ti.tcpi_rtt > 0) {
        p->res.have_syn_rtt = true;
        p->res.syn_rtt = (nb_ns)ti.tcpi_rtt * 1000;
    }
}

/* The exchange after the handshake as the kernel saw it: data segments
 * this end retransmitted, and segments that arrived out of order (the
 * server retransmitting after a loss). Either means some of the probe's
 * time was the network's (loss and its timers), not the server's. */
static void transfer_info(struct probe *p)
{
    struct tcp_info ti;
    socklen_t l = sizeof(ti);
    memset(&ti, 0, sizeof(ti));
    if (getsockopt(p->fd, IPPROTO_TCP, TCP_INFO, &ti, &l) < 0)
        return;
    if (ti.tcpi_total_retrans > p->res.syn_retrans)
        p->res.data_retrans = ti.tcpi_total_retrans - p->res.syn_retrans;
    if (l >= offsetof(struct tcp_info, tcpi_rcv_ooopack) + sizeof(ti.tcpi_rcv_ooopack))
        p->res.ooo = ti.tcpi_rcv_ooopack; /* older kernels: not reported, 0 */
}

/* A handshake round trip of TCP's initial retransmission timeout or more,
 * without a retransmitted SYN of ours, is in all likelihood the server's
 * retransmitted SYN-ACK (its first lost): no path here takes a second. */
#define SYN_RTO_INIT ((nb_ns)1000000000)

bool nb_app_retransmitted(const struct nb_app_result *r)
{
    return r->syn_retrans || r->data_retrans || r->ooo ||
           (r->have_syn_rtt && r->syn_rtt >= SYN_RTO_INIT);
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
    struct probe *p = w->data;
    if (p->closing) { /* read and discard until the server closes */
        char sink[4096];
        ssize_t n;
        while ((n = recv(p->fd, sink, sizeof(sink), 0)) > 0)
            ;
        if (n == 0 || errno != EAGAIN)
            finish(p, p->verdict, NULL);
        return;
    }
    if (p->phase == NB_PH_CONNECT) {
        int e = 0;
        socklen_t l = sizeof(e);
        getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &l);
        if (e) {
            finish(p, errno_reason(e), "connect: %s", strerror(e));
            return;
        }
        p->res.t[NB_PH_CONNECT] = nb_mono_now() - p->phase_start;
        p->res.have[NB_PH_CONNECT] = true;
        handshake_info(p); /* established: the SYN's round trip */
        p->phase = NB_PH_FIRST_BYTE;
    }
    if (p->req_sent < p->req_len) {
        ssize_t n = send(p->fd, p->req + p->req_sent, p->req_len - p->req_sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN) {
            finish(p, errno_reason(errno), "send: %s", strerror(errno));
            return;
        }
        if (n > 0)
            p->req_sent += (size_t)n;
        if (p->req_sent == p->req_len) {
            p->phase_start = nb_mono_now(); /* first byte counts from the request */
            ev_io_stop(loop, w);
            ev_io_set(w, p->fd, EV_READ);
            ev_io_start(loop, w);
        }
        return;
    }
    ssize_t n = recv(p->fd, p->reply + p->reply_len, REPLY_MAX - p->reply_len, 0);
    if (n < 0) {
        if (errno == EAGAIN)
            return;
        finish(p, errno_reason(errno), "receive: %s", strerror(errno));
        return;
    }
    if (n > 0 && !p->res.have[NB_PH_FIRST_BYTE]) {
        p->res.t[NB_PH_FIRST_BYTE] = nb_mono_now() - p->phase_start;
        p->res.have[NB_PH_FIRST_BYTE] = true;
    }
    p->reply_len += (size_t)n;
    if (n == 0 || p->reply_len == REPLY_MAX || reply_complete(p))
        judge_reply(p, n == 0);
}

static void on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct probe *p = w->data;
    if (p->closing) { /* the server keeps the connection: we close first after all */
        finish(p, p->verdict, NULL);
        return;
    }
    if (p->resolving) { /* the probe's time is up before the resolver's own timeout */
        p->res.t[NB_PH_RESOLVE] = nb_mono_now() - p->phase_start;
        finish(p, NB_APP_DNS_TIMEOUT, "%s: no answer from the resolver within %u ms", p->t.host,
               p->t.timeout_ms);
        return;
    }
    finish(p, NB_APP_TIMEOUT, "no %s within %u ms", nb_app_phase_name(p->phase), p->t.timeout_ms);
}

/* Bind FD to the next free port of PORTS. Every port busy (a burst faster
 * than TIME_WAIT drains, or another program in the range) is not a failure
 * of the probe: it connects from a kernel-chosen port, unsighted. */
static bool bind_reserved(int fd, struct nb_app_ports *ports)
{
    unsigned span = (unsigned)ports->last - ports->first + 1;
    for (unsigned i = 0; i < span; i++) {
        if (ports->next < ports->first || ports->next > ports->last)
            ports->next = ports->first;
        uint16_t port = ports->next++;
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
        if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
            return true;
        if (errno != EADDRINUSE)
            return false;
    }
    return false;
}

static void start_connect(struct probe *p, struct in_addr a)
{
    p->res.addr = a;
    p->phase = NB_PH_CONNECT;
    p->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p->fd < 0) {
        finish(p, NB_APP_UNREACHABLE, "socket: %s", strerror(errno));
        return;
    }
    if (p->t.ports && p->t.ports->first)
        p->res.port_reserved = bind_reserved(p->fd, p->t.ports);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(p->t.port), .sin_addr = a};
    p->phase_start = nb_mono_now();
    if (connect(p->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 && errno != EINPROGRESS) {
        finish(p, errno_reason(errno), "connect: %s", strerror(errno));
        return;
    }
    struct sockaddr_in local;
    socklen_t ll = sizeof(local);
    if (getsockname(p->fd, (struct sockaddr *)&local, &ll) == 0) { /* chosen by connect() */
        p->res.local_port = ntohs(local.sin_port);
        p->res.local_addr = local.sin_addr;
    }
    ev_io_init(&p->io, on_io, p->fd, EV_WRITE);
    p->io.data = p;
    ev_io_start(p->loop, &p->io);
}

static void on_resolved(void *arg, enum nb_dns_result r, const struct in_addr *a)
{
    struct probe *p = arg;
    if (p->cancelled) {
        free(p->reply);
        free(p);
        return;
    }
    static const enum nb_app_reason map[] = {[NB_DNS_OK] = NB_APP_OK,
                                             [NB_DNS_NXDOMAIN] = NB_APP_NXDOMAIN,
                                             [NB_DNS_SERVFAIL] = NB_APP_SERVFAIL,
                                             [NB_DNS_TIMEOUT] = NB_APP_DNS_TIMEOUT,
                                             [NB_DNS_REFUSED] = NB_APP_DNS_REFUSED,
                                             [NB_DNS_NO_ADDRESS] = NB_APP_NO_ADDRESS,
                                             [NB_DNS_ERROR] = NB_APP_DNS_ERROR};
    p->resolving = false;
    p->res.t[NB_PH_RESOLVE] = nb_mono_now() - p->phase_start;
    if (r != NB_DNS_OK) {
        finish(p, map[r], "%s: %s", p->t.host, nb_dns_result_name(r));
        return;
    }
    p->res.have[NB_PH_RESOLVE] = true;
    start_connect(p, *a);
}

/* The handle is the probe itself: struct nb_app_probe is never defined, a
 * handle is only ever converted back to struct probe (C11 6.3.2.3p7). */
struct nb_app_probe *nb_app_probe_start(struct ev_loop *loop, struct nb_resolv *resolv,
                                        const struct nb_app_target *t, nb_app_cb cb, void *arg)
{
    struct probe *p = nb_calloc(1, sizeof(*p));
    p->starting = true;
    p->loop = loop;
    p->t = *t;
    p->cb = cb;
    p->arg = arg;
    p->fd = -1;
    p->reply = nb_malloc(REPLY_MAX + 1);
    if (!p->t.expect_status)
        p->t.expect_status = 200;
    if (!p->t.timeout_ms)
        p->t.timeout_ms = 5000;
    if (p->t.raw) {
        p->req_len = (size_t)snprintf(p->req, sizeof(p->req), "%s\n", p->t.raw_send);
    } else {
        int n = snprintf(p->req, sizeof(p->req),
                         "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: netblame/%s\r\n"
                         "Connection: close\r\n\r\n",
                         p->t.path, p->t.host, NB_VERSION);
        p->req_len = n < 0 ? 0 : (size_t)n >= sizeof(p->req) ? sizeof(p->req) - 1 : (size_t)n;
    }
    p->start = p->phase_start = nb_mono_now();
    p->res.start_realtime = nb_realtime_now();
    ev_timer_init(&p->deadline, on_deadline, p->t.timeout_ms / 1000.0, 0.);
    p->deadline.data = p;
    ev_timer_start(loop, &p->deadline);
    struct in_addr a;
    if (inet_pton(AF_INET, p->t.host, &a) == 1) {
        start_connect(p, a); /* numeric: no resolve phase */
    } else {
        p->phase = NB_PH_RESOLVE;
        p->resolving = true;
        nb_resolv_lookup(resolv, p->t.host, on_resolved, p);
    }
    p->starting = false;
    if (p->done) { /* failed at once: CB has run */
        free(p->reply);
        free(p);
        return NULL;
    }
    return (struct nb_app_probe *)p;
}

void nb_app_probe_cancel(struct nb_app_probe *h)
{
    struct probe *p = (struct probe *)h;
    if (!p)
        return;
    ev_timer_stop(p->loop, &p->deadline);
    if (p->resolving) { /* c-ares holds P as its lookup's argument */
        p->cancelled = true;
        return;
    }
    if (p->fd >= 0) {
        ev_io_stop(p->loop, &p->io);
        close(p->fd);
    }
    free(p->reply);
    free(p);
}
