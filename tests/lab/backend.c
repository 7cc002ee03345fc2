/* nb-backend — the lab's application backend: an HTTP/1.1 server (plus an
 * optional raw TCP service) whose misbehaviour is switched at run time over a
 * control socket, so netblame's app probes are tested against real faults.
 *
 * Usage: nb-backend --listen ADDR:PORT --control PATH [--raw-listen ADDR:PORT]
 *   ADDR is numeric: 192.0.2.1:8080 or [2001:db8::1]:8080. The control socket
 *   is created once the listeners are bound: its existence means ready.
 *   SIGTERM/SIGINT (or "quit") exit cleanly and unlink it. Start-up errors: a
 *   message on stderr and exit status 1.
 *
 * HTTP (--listen): request line and headers up to "\r\n\r\n", at most 16 KiB
 * (else 431 and close); a malformed request line or header line gets 400 and
 * close; a Content-Length body (at most 1 MiB, else 413 and close) is read and
 * skipped; Transfer-Encoding gets 501 and close. These parser errors are
 * answered at once, whatever the knobs. HTTP/1.1 connections are kept alive
 * for sequential (and pipelined) requests unless "Connection: close"; HTTP/1.0
 * closes after the answer. The answer is
 *   HTTP/1.1 <status> <reason>\r\nContent-Type: text/plain\r\n
 *   Content-Length: N\r\n[Connection: close\r\n]\r\n<body>
 * without the body for HEAD, and with neither body nor Content-Length for
 * 1xx, 204 and 304 (after a 1xx a client waits for more: a hang of its own).
 * Connections idle for 30 s are closed. Closing after an answer is a FIN
 * followed by reading until the peer closes (at most 5 s), so no RST eats it.
 * At most 900 connections (more are accepted and closed at once).
 *
 * Raw (--raw-listen): for each chunk read (one recv, up to 4 KiB), answers
 * "PONG " + the chunk's first line (up to 64 bytes, without CR/LF) + "\n".
 * Same knobs; status and body do not apply.
 *
 * Knobs, read when a request (or raw chunk) is complete:
 *   delay_ms=N  0..60000, default 0: latency added before the first byte of the
 *               answer (a timer per connection, nothing else waits); it also
 *               delays the RST of mode=reset
 *   status=N    100..599, default 200: HTTP status answered
 *   body=TEXT   default "ok\n": 0..256 bytes of printable ASCII without spaces,
 *               taken literally (no escapes, so no newline unless default)
 *   body_size=N 0..8192, default 0: when not 0, the body is N bytes instead
 *               ("x" repeated, a newline last): replies larger than one
 *               frame, for MTU black holes (small frames pass, these do not)
 *   mode=M      normal  answer requests
 *               reset   read the request, then close with an RST
 *                       (SO_LINGER {1,0}) without answering
 *               hang    accept and read (discarding), never answer; held until
 *                       the client closes or the mode changes (then closed);
 *                       at most 256 held, extras closed at once; no idle limit
 *               refuse  the listening sockets are closed: connects are refused
 *                       by the kernel; any other mode binds them again
 *                       (open connections are still served)
 *               close   accept then FIN at once without reading the request
 *                       (input is drained afterwards so close() sends no RST)
 *
 * Control protocol: Unix stream socket (at most 16 clients), one command per
 * line (at most 1023 bytes; CRLF accepted; a last line may lack its newline),
 * one reply line per command ("ok" unless said otherwise, or "error: REASON").
 * A client that does not read its replies is disconnected.
 *   set KEY=VALUE [...]  knobs above; all-or-nothing (a failed re-bind on
 *                        leaving mode=refuse is an error and changes nothing)
 *   clear                back to mode=normal status=200 delay_ms=0 body=ok\n body_size=0
 *   stats                {"accepted":N,"requests":N,"responses":N,"resets":N,
 *                         "held":N,"mode":"M","status":N,"delay_ms":N}
 *                        accepted: connections accepted by both services;
 *                        requests: HTTP requests received (malformed ones
 *                        included) and raw chunks; responses: answers sent
 *                        (parser errors included); resets: RSTs sent; held:
 *                        connections held now (mode=hang)
 *   ping                 pong
 *   quit                 ok, then a clean exit
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define HDR_MAX (16 * 1024)
#define BODY_MAX 256
#define BIG_BODY_MAX 8192
#define SKIP_MAX (1024 * 1024)
#define HELD_MAX 256
#define CONN_MAX 900
#define CTL_MAX 16
#define RAW_LINE_MAX 64
#define IDLE_S 30.0
#define DRAIN_S 5.0

enum mode { MODE_NORMAL, MODE_RESET, MODE_HANG, MODE_REFUSE, MODE_CLOSE, MODE_COUNT };
static const char *const mode_names[] = { "normal", "reset", "hang", "refuse", "close" };

struct knobs {
    unsigned delay_ms, status;
    enum mode mode;
    size_t body_len;
    char body[BODY_MAX];
    unsigned body_size; /* not 0: a body of this many bytes instead */
};

struct listener {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    const char *spec;
    bool raw;
    int fd;
    ev_io io;
};

/* READ: parsing input; DELAY: answer waits for the delay timer; WRITE:
 * answer being sent; HELD: mode=hang; DRAIN: FIN sent, reading until EOF. */
enum cstate { ST_READ, ST_DELAY, ST_WRITE, ST_HELD, ST_DRAIN };

/* Intrusive list link: the first member of struct conn and struct ctl. */
struct node {
    struct node *prev, *next;
};

struct conn {
    struct node link;
    int fd;
    enum cstate st;
    bool raw, head, close_after, reset;
    ev_io rio, wio;
    ev_timer idle, delay;
    size_t in_len, skip, out_len, out_off;
    char in[HDR_MAX];
    char out[BIG_BODY_MAX + 256];
};

struct ctl {
    struct node link;
    int fd;
    bool broken, skip_line;
    ev_io rio;
    size_t in_len;
    char in[1024];
};

static struct ev_loop *loop;
static struct knobs knobs;
static struct {
    unsigned long long accepted, requests, responses, resets;
    unsigned held, conns, ctls;
} stats;
static struct listener listeners[2];
static int nlisteners;
static struct node *conns, *ctls;
static int ctl_fd = -1;
static ev_io ctl_io;
static const char *ctl_path;

static void list_add(struct node *n, struct node **head)
{
    n->prev = NULL;
    n->next = *head;
    if (*head)
        (*head)->prev = n;
    *head = n;
}

static void list_del(struct node *n, struct node **head)
{
    if (n->prev)
        n->prev->next = n->next;
    else
        *head = n->next;
    if (n->next)
        n->next->prev = n->prev;
}

static void knobs_default(struct knobs *k)
{
    memset(k, 0, sizeof *k);
    k->status = 200;
    k->mode = MODE_NORMAL;
    memcpy(k->body, "ok\n", 3);
    k->body_len = 3;
}

static const char *reason(unsigned status)
{
    static const struct { unsigned code; const char *text; } t[] = {
        { 100, "Continue" }, { 101, "Switching Protocols" }, { 200, "OK" },
        { 201, "Created" }, { 202, "Accepted" }, { 204, "No Content" },
        { 301, "Moved Permanently" }, { 302, "Found" }, { 304, "Not Modified" },
        { 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
        { 404, "Not Found" }, { 405, "Method Not Allowed" }, { 408, "Request Timeout" },
        { 413, "Content Too Large" }, { 429, "Too Many Requests" },
        { 431, "Request Header Fields Too Large" }, { 500, "Internal Server Error" },
        { 501, "Not Implemented" }, { 502, "Bad Gateway" },
        { 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
    };
    static const char *const cls[] = { "Informational", "Success", "Redirection",
                                       "Client Error", "Server Error" };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].code == status)
            return t[i].text;
    return cls[status / 100 - 1];
}

static bool parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *s < '0' || *s > '9' || *end || v < lo || v > hi)
        return false;
    *out = (unsigned)v;
    return true;
}

/* ---- connections ---- */

static void conn_close(struct conn *c)
{
    ev_io_stop(loop, &c->rio);
    ev_io_stop(loop, &c->wio);
    ev_timer_stop(loop, &c->idle);
    ev_timer_stop(loop, &c->delay);
    if (c->st == ST_HELD)
        stats.held--;
    close(c->fd);
    list_del(&c->link, &conns);
    stats.conns--;
    free(c);
}

static void conn_reset(struct conn *c)
{
    struct linger lg = { .l_onoff = 1, .l_linger = 0 };
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    stats.resets++;
    conn_close(c);
}

/* FIN now, then read and discard until the peer closes (bounded by DRAIN_S). */
static void conn_drain(struct conn *c)
{
    shutdown(c->fd, SHUT_WR);
    c->st = ST_DRAIN;
    ev_io_stop(loop, &c->wio);
    ev_timer_stop(loop, &c->delay);
    ev_io_start(loop, &c->rio);
    c->idle.repeat = DRAIN_S;
    ev_timer_again(loop, &c->idle);
}

/* mode=hang: returns false if c was closed because too many are held. */
static bool conn_hold(struct conn *c)
{
    if (stats.held >= HELD_MAX) {
        conn_close(c);
        return false;
    }
    stats.held++;
    c->st = ST_HELD;
    c->in_len = 0;
    ev_io_stop(loop, &c->wio);
    ev_timer_stop(loop, &c->idle);
    ev_timer_stop(loop, &c->delay);
    ev_io_start(loop, &c->rio);
    return true;
}

/* Sends what is left of c->out. Returns false if c was closed. On completion
 * the connection goes back to ST_READ (the caller resumes parsing) or drains. */
static bool conn_write(struct conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                ev_io_start(loop, &c->wio);
                return true;
            }
            conn_close(c);
            return false;
        }
        c->out_off += (size_t)n;
        ev_timer_again(loop, &c->idle);
    }
    ev_io_stop(loop, &c->wio);
    stats.responses++;
    c->out_len = c->out_off = 0;
    if (c->close_after) {
        conn_drain(c);
        return true;
    }
    c->st = ST_READ;
    ev_io_start(loop, &c->rio);
    ev_timer_again(loop, &c->idle);
    return true;
}

/* The answer (or RST) is due: returns false if c was closed. */
static bool conn_deliver(struct conn *c)
{
    if (c->reset) {
        conn_reset(c);
        return false;
    }
    c->st = ST_WRITE;
    ev_io_stop(loop, &c->rio);
    c->idle.repeat = IDLE_S;
    ev_timer_again(loop, &c->idle);
    return conn_write(c);
}

static void build_http(struct conn *c, unsigned status, const char *body, size_t len)
{
    bool nobody = status < 200 || status == 204 || status == 304;
    size_t cap = sizeof c->out;
    int n = snprintf(c->out, cap, "HTTP/1.1 %u %s\r\nContent-Type: text/plain\r\n",
                     status, reason(status));
    if (!nobody)
        n += snprintf(c->out + n, cap - (size_t)n, "Content-Length: %zu\r\n", len);
    n += snprintf(c->out + n, cap - (size_t)n, "%s\r\n",
                  c->close_after ? "Connection: close\r\n" : "");
    c->out_len = (size_t)n;
    if (!nobody && !c->head) {
        memcpy(c->out + c->out_len, body, len);
        c->out_len += len;
    }
    c->out_off = 0;
}

/* A parser error: answered at once, then the connection closes. */
static bool http_error(struct conn *c, unsigned status)
{
    char body[64];
    int n = snprintf(body, sizeof body, "%s\n", reason(status));
    stats.requests++;
    c->close_after = true;
    c->head = false;
    c->reset = false;
    build_http(c, status, body, (size_t)n);
    return conn_deliver(c);
}

/* A request (or raw chunk) is complete: apply the knobs. Returns false if c
 * was closed. c->raw answers are already in c->out. */
static bool request_ready(struct conn *c)
{
    stats.requests++;
    c->reset = false;
    switch (knobs.mode) {
    case MODE_HANG:
        return conn_hold(c);
    case MODE_CLOSE:
        conn_drain(c);
        return true;
    case MODE_RESET:
        c->reset = true;
        break;
    default:
        if (!c->raw && knobs.body_size) {
            static char big[BIG_BODY_MAX];
            memset(big, 'x', knobs.body_size);
            big[knobs.body_size - 1] = '\n';
            build_http(c, knobs.status, big, knobs.body_size);
        } else if (!c->raw) {
            build_http(c, knobs.status, knobs.body, knobs.body_len);
        }
    }
    if (knobs.delay_ms == 0)
        return conn_deliver(c);
    c->st = ST_DELAY;
    ev_io_stop(loop, &c->rio);
    ev_timer_stop(loop, &c->idle);
    ev_timer_set(&c->delay, knobs.delay_ms / 1000.0, 0.);
    ev_timer_start(loop, &c->delay);
    return true;
}

static bool is_tchar(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* Parses one request whose header block is in[0..hend). Returns false if c
 * was closed. */
static bool http_request(struct conn *c, size_t hend)
{
    char *p = c->in, *eol = memmem(c->in, hend, "\r\n", 2), *end = c->in + hend - 2;
    size_t mlen = 0, tlen = 0;
    unsigned long long clen = 0;
    while (p + mlen < eol && is_tchar(p[mlen]))
        mlen++;
    if (mlen == 0 || p + mlen >= eol || p[mlen] != ' ')
        return http_error(c, 400);
    char *t = p + mlen + 1;
    while (t + tlen < eol && (unsigned char)t[tlen] > ' ' && t[tlen] != 0x7f)
        tlen++;
    char *v = t + tlen;
    if (tlen == 0 || eol - v != 9 || *v != ' ' || memcmp(v + 1, "HTTP/", 5) != 0 ||
        v[6] < '0' || v[6] > '9' || v[7] != '.' || v[8] < '0' || v[8] > '9')
        return http_error(c, 400);
    c->head = mlen == 4 && memcmp(p, "HEAD", 4) == 0;
    c->close_after = !(v[6] == '1' && v[8] == '1');
    for (char *h = eol + 2; h < end;) {
        char *he = memmem(h, (size_t)(end + 2 - h), "\r\n", 2);
        char *colon = memchr(h, ':', (size_t)(he - h));
        if (!colon || colon == h)
            return http_error(c, 400);
        char *val = colon + 1, *vend = he;
        while (val < vend && (*val == ' ' || *val == '\t'))
            val++;
        while (vend > val && (vend[-1] == ' ' || vend[-1] == '\t'))
            vend--;
        size_t nlen = (size_t)(colon - h), vlen = (size_t)(vend - val);
        if (nlen == 10 && strncasecmp(h, "connection", 10) == 0) {
            for (size_t i = 0; i + 5 <= vlen; i++)
                if (strncasecmp(val + i, "close", 5) == 0)
                    c->close_after = true;
        } else if (nlen == 14 && strncasecmp(h, "content-length", 14) == 0) {
            if (vlen == 0 || vlen > 19)
                return http_error(c, 400);
            clen = 0;
            for (char *d = val; d < vend; d++) {
                if (*d < '0' || *d > '9')
                    return http_error(c, 400);
                clen = clen * 10 + (unsigned)(*d - '0');
            }
            if (clen > SKIP_MAX)
                return http_error(c, 413);
        } else if (nlen == 17 && strncasecmp(h, "transfer-encoding", 17) == 0) {
            return http_error(c, 501);
        }
        h = he + 2;
    }
    memmove(c->in, c->in + hend, c->in_len - hend);
    c->in_len -= hend;
    c->skip = (size_t)clen;
    return request_ready(c);
}

static bool raw_request(struct conn *c)
{
    size_t len = 0;
    while (len < c->in_len && len < RAW_LINE_MAX && c->in[len] != '\n' && c->in[len] != '\r')
        len++;
    memcpy(c->out, "PONG ", 5);
    memcpy(c->out + 5, c->in, len);
    c->out[5 + len] = '\n';
    c->out_len = 6 + len;
    c->out_off = 0;
    c->in_len = 0;
    return request_ready(c);
}

/* Parses what is buffered, as long as the connection is in ST_READ. */
static void conn_process(struct conn *c)
{
    while (c->st == ST_READ) {
        size_t drop = c->skip < c->in_len ? c->skip : c->in_len;
        if (drop) {
            memmove(c->in, c->in + drop, c->in_len - drop);
            c->in_len -= drop;
            c->skip -= drop;
        }
        if (c->in_len == 0)
            return;
        if (c->raw) {
            if (!raw_request(c))
                return;
            continue;
        }
        char *e = memmem(c->in, c->in_len, "\r\n\r\n", 4);
        if (!e) {
            if (c->in_len == sizeof c->in)
                http_error(c, 431);
            return;
        }
        if (!http_request(c, (size_t)(e - c->in) + 4))
            return;
    }
}

static void conn_read_cb(struct ev_loop *l, ev_io *w, int revents)
{
    struct conn *c = w->data;
    (void)l, (void)revents;
    char scratch[4096], *buf = scratch;
    size_t cap = sizeof scratch;
    if (c->st == ST_READ) {
        buf = c->in + c->in_len;
        cap = sizeof c->in - c->in_len;
        if (c->raw && cap > 4096)
            cap = 4096;
    }
    ssize_t n = recv(c->fd, buf, cap, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        conn_close(c);
        return;
    }
    if (c->st != ST_READ)
        return; /* held or draining: discard */
    c->in_len += (size_t)n;
    ev_timer_again(loop, &c->idle);
    conn_process(c);
}

static void conn_write_cb(struct ev_loop *l, ev_io *w, int revents)
{
    struct conn *c = w->data;
    (void)l, (void)revents;
    if (conn_write(c) && c->st == ST_READ)
        conn_process(c);
}

static void conn_delay_cb(struct ev_loop *l, ev_timer *w, int revents)
{
    struct conn *c = w->data;
    (void)l, (void)revents;
    if (conn_deliver(c) && c->st == ST_READ)
        conn_process(c);
}

static void conn_idle_cb(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l, (void)revents;
    conn_close(w->data);
}

static void accept_cb(struct ev_loop *el, ev_io *w, int revents)
{
    struct listener *l = w->data;
    (void)el, (void)revents;
    for (int i = 0; i < 64; i++) {
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNABORTED)
                fprintf(stderr, "nb-backend: accept %s: %s\n", l->spec, strerror(errno));
            return;
        }
        stats.accepted++;
        struct conn *c = stats.conns < CONN_MAX ? calloc(1, sizeof *c) : NULL;
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->raw = l->raw;
        c->st = ST_READ;
        ev_io_init(&c->rio, conn_read_cb, fd, EV_READ);
        ev_io_init(&c->wio, conn_write_cb, fd, EV_WRITE);
        ev_init(&c->idle, conn_idle_cb);
        ev_init(&c->delay, conn_delay_cb);
        c->rio.data = c->wio.data = c->idle.data = c->delay.data = c;
        list_add(&c->link, &conns);
        stats.conns++;
        if (knobs.mode == MODE_CLOSE) {
            conn_drain(c);
        } else if (knobs.mode == MODE_HANG) {
            conn_hold(c);
        } else {
            ev_io_start(loop, &c->rio);
            c->idle.repeat = IDLE_S;
            ev_timer_again(loop, &c->idle);
        }
    }
}

/* ---- listeners ---- */

static const char *listener_open(struct listener *l)
{
    int one = 1;
    l->fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->fd < 0)
        return strerror(errno);
    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (l->addr.ss_family == AF_INET6)
        setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(l->fd, (struct sockaddr *)&l->addr, l->addrlen) < 0 || listen(l->fd, 128) < 0) {
        int e = errno;
        close(l->fd);
        l->fd = -1;
        return strerror(e);
    }
    ev_io_init(&l->io, accept_cb, l->fd, EV_READ);
    l->io.data = l;
    ev_io_start(loop, &l->io);
    return NULL;
}

static void listener_close(struct listener *l)
{
    if (l->fd < 0)
        return;
    ev_io_stop(loop, &l->io);
    close(l->fd);
    l->fd = -1;
}

/* "A.B.C.D:PORT" or "[V6]:PORT", numeric only (strict inet_pton forms). */
static bool parse_addr(const char *spec, struct listener *l)
{
    struct sockaddr_in *a4 = (struct sockaddr_in *)&l->addr;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&l->addr;
    const char *colon = strrchr(spec, ':'), *host = spec;
    size_t hlen = colon ? (size_t)(colon - spec) : 0;
    bool v6 = hlen >= 2 && spec[0] == '[' && spec[hlen - 1] == ']';
    unsigned port;
    char buf[64];
    if (v6) {
        host++;
        hlen -= 2;
    }
    if (hlen == 0 || hlen >= sizeof buf || !parse_uint(colon + 1, 1, 65535, &port))
        return false;
    memcpy(buf, host, hlen);
    buf[hlen] = '\0';
    memset(&l->addr, 0, sizeof l->addr);
    if (v6 ? inet_pton(AF_INET6, buf, &a6->sin6_addr) != 1
           : inet_pton(AF_INET, buf, &a4->sin_addr) != 1)
        return false;
    l->addr.ss_family = v6 ? AF_INET6 : AF_INET;
    a4->sin_port = htons((uint16_t)port); /* sin_port and sin6_port coincide */
    l->addrlen = v6 ? sizeof *a6 : sizeof *a4;
    l->spec = spec;
    l->fd = -1;
    return true;
}

/* ---- control ---- */

static void ctl_close(struct ctl *k)
{
    ev_io_stop(loop, &k->rio);
    close(k->fd);
    list_del(&k->link, &ctls);
    stats.ctls--;
    free(k);
}

/* Replies are a line each, sent at once: a client that lets its socket buffer
 * fill up is not reading them and gets disconnected (k->broken). */
__attribute__((format(printf, 2, 3)))
static void ctl_reply(struct ctl *k, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    n = n < 0 ? 0 : n > (int)sizeof buf - 2 ? (int)sizeof buf - 2 : n;
    buf[n++] = '\n';
    if (!k->broken && send(k->fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n)
        k->broken = true;
}

/* Applies new knobs: closes or re-binds the listeners and releases held
 * connections as the mode requires. Returns an error text, or NULL. */
static const char *knobs_apply(const struct knobs *nk)
{
    static char err[160];
    enum mode from = knobs.mode, to = nk->mode;
    if (from == MODE_REFUSE && to != MODE_REFUSE) {
        for (int i = 0; i < nlisteners; i++) {
            const char *e = listener_open(&listeners[i]);
            if (e) {
                for (int j = 0; j < i; j++)
                    listener_close(&listeners[j]);
                snprintf(err, sizeof err, "bind %s: %s", listeners[i].spec, e);
                return err;
            }
        }
    } else if (to == MODE_REFUSE && from != MODE_REFUSE) {
        for (int i = 0; i < nlisteners; i++)
            listener_close(&listeners[i]);
    }
    if (from == MODE_HANG && to != MODE_HANG) {
        for (struct node *n = conns, *next; n; n = next) {
            next = n->next;
            if (((struct conn *)n)->st == ST_HELD)
                conn_close((struct conn *)n);
        }
    }
    knobs = *nk;
    return NULL;
}

/* "set KEY=VALUE [...]": returns an error text, or NULL once applied. */
static const char *ctl_set(char *args)
{
    struct knobs nk = knobs;
    char *save, *key = strtok_r(args, " \t", &save);
    if (!key)
        return "set needs KEY=VALUE";
    for (; key; key = strtok_r(NULL, " \t", &save)) {
        char *val = strchr(key, '=');
        if (!val)
            return "expected KEY=VALUE";
        *val++ = '\0';
        size_t len = strlen(val), m = 0;
        if (strcmp(key, "delay_ms") == 0) {
            if (!parse_uint(val, 0, 60000, &nk.delay_ms))
                return "delay_ms must be 0..60000";
        } else if (strcmp(key, "status") == 0) {
            if (!parse_uint(val, 100, 599, &nk.status))
                return "status must be 100..599";
        } else if (strcmp(key, "mode") == 0) {
            while (m < MODE_COUNT && strcmp(val, mode_names[m]) != 0)
                m++;
            if (m == MODE_COUNT)
                return "mode must be normal|reset|hang|refuse|close";
            nk.mode = (enum mode)m;
        } else if (strcmp(key, "body") == 0) {
            while (m < len && val[m] > ' ' && val[m] <= '~')
                m++;
            if (m < len || len > BODY_MAX)
                return "body must be 0..256 bytes of printable ASCII without spaces";
            memcpy(nk.body, val, len);
            nk.body_len = len;
        } else if (strcmp(key, "body_size") == 0) {
            if (!parse_uint(val, 0, BIG_BODY_MAX, &nk.body_size))
                return "body_size must be 0..8192";
        } else {
            return "unknown key (delay_ms, status, mode, body, body_size)";
        }
    }
    return knobs_apply(&nk);
}

static void ctl_command(struct ctl *k, char *line)
{
    struct knobs nk;
    const char *err;
    while (*line == ' ' || *line == '\t')
        line++;
    char *args = line + strcspn(line, " \t");
    if (*args)
        *args++ = '\0';
    if (strcmp(line, "set") == 0 || strcmp(line, "clear") == 0) {
        knobs_default(&nk);
        err = line[0] == 's' ? ctl_set(args) : knobs_apply(&nk);
        if (err)
            ctl_reply(k, "error: %s", err);
        else
            ctl_reply(k, "ok");
    } else if (strcmp(line, "stats") == 0) {
        ctl_reply(k, "{\"accepted\":%llu,\"requests\":%llu,\"responses\":%llu,\"resets\":%llu,"
                     "\"held\":%u,\"mode\":\"%s\",\"status\":%u,\"delay_ms\":%u}",
                  stats.accepted, stats.requests, stats.responses, stats.resets,
                  stats.held, mode_names[knobs.mode], knobs.status, knobs.delay_ms);
    } else if (strcmp(line, "ping") == 0) {
        ctl_reply(k, "pong");
    } else if (strcmp(line, "quit") == 0) {
        ctl_reply(k, "ok");
        ev_break(loop, EVBREAK_ALL);
    } else {
        ctl_reply(k, "error: unknown command '%.32s' (set, clear, stats, ping, quit)", line);
    }
}

static void ctl_read_cb(struct ev_loop *l, ev_io *w, int revents)
{
    struct ctl *k = w->data;
    char *nl;
    (void)l, (void)revents;
    ssize_t n = recv(k->fd, k->in + k->in_len, sizeof k->in - 1 - k->in_len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    k->in_len += n > 0 ? (size_t)n : 0;
    while ((nl = memchr(k->in, '\n', k->in_len))) {
        *nl = '\0';
        if (nl > k->in && nl[-1] == '\r')
            nl[-1] = '\0';
        if (!k->skip_line)
            ctl_command(k, k->in);
        k->skip_line = false; /* the end of a line that was too long */
        k->in_len -= (size_t)(nl + 1 - k->in);
        memmove(k->in, nl + 1, k->in_len);
    }
    if (n == 0 && k->in_len > 0 && !k->skip_line) { /* a last line without newline */
        k->in[k->in_len] = '\0';
        ctl_command(k, k->in);
    } else if (k->in_len == sizeof k->in - 1) {
        if (!k->skip_line)
            ctl_reply(k, "error: line too long");
        k->skip_line = true;
        k->in_len = 0;
    }
    if (n <= 0 || k->broken)
        ctl_close(k);
}

static void ctl_accept_cb(struct ev_loop *l, ev_io *w, int revents)
{
    (void)w, (void)revents;
    int fd = accept4(ctl_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    struct ctl *k = stats.ctls < CTL_MAX ? calloc(1, sizeof *k) : NULL;
    if (!k) {
        close(fd);
        return;
    }
    k->fd = fd;
    ev_io_init(&k->rio, ctl_read_cb, fd, EV_READ);
    k->rio.data = k;
    list_add(&k->link, &ctls);
    stats.ctls++;
    ev_io_start(l, &k->rio);
}

static const char *ctl_open(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct stat st;
    if (strlen(path) >= sizeof sun.sun_path)
        return "path too long";
    strcpy(sun.sun_path, path);
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(path); /* stale socket of an earlier run */
    ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (ctl_fd < 0)
        return strerror(errno);
    if (bind(ctl_fd, (struct sockaddr *)&sun, sizeof sun) < 0 || listen(ctl_fd, 16) < 0) {
        int e = errno;
        close(ctl_fd);
        ctl_fd = -1;
        return strerror(e);
    }
    ev_io_init(&ctl_io, ctl_accept_cb, ctl_fd, EV_READ);
    ev_io_start(loop, &ctl_io);
    return NULL;
}

/* ---- main ---- */

static void signal_cb(struct ev_loop *l, ev_signal *w, int revents)
{
    (void)w, (void)revents;
    ev_break(l, EVBREAK_ALL);
}

int main(int argc, char **argv)
{
    const char *listen_spec = NULL, *raw_spec = NULL;
    for (int i = 1; i < argc; i++) {
        const char **dst = strcmp(argv[i], "--listen") == 0       ? &listen_spec
                           : strcmp(argv[i], "--raw-listen") == 0 ? &raw_spec
                           : strcmp(argv[i], "--control") == 0    ? &ctl_path
                                                                  : NULL;
        if (!dst || i + 1 >= argc) {
            listen_spec = NULL;
            break;
        }
        *dst = argv[++i];
    }
    if (!listen_spec || !ctl_path) {
        fprintf(stderr, "usage: nb-backend --listen ADDR:PORT --control PATH "
                        "[--raw-listen ADDR:PORT]\n");
        return 1;
    }
    const char *specs[2] = { listen_spec, raw_spec };
    for (int i = 0; i < 2 && specs[i]; i++, nlisteners++) {
        if (!parse_addr(specs[i], &listeners[i])) {
            fprintf(stderr, "nb-backend: bad address '%s' (want A.B.C.D:PORT or [V6]:PORT)\n",
                    specs[i]);
            return 1;
        }
        listeners[i].raw = i == 1;
    }

    signal(SIGPIPE, SIG_IGN);
    loop = ev_default_loop(EVFLAG_AUTO);
    if (!loop) {
        fprintf(stderr, "nb-backend: cannot initialise libev\n");
        return 1;
    }
    knobs_default(&knobs);
    ev_signal sigterm, sigint;
    ev_signal_init(&sigterm, signal_cb, SIGTERM);
    ev_signal_init(&sigint, signal_cb, SIGINT);
    ev_signal_start(loop, &sigterm);
    ev_signal_start(loop, &sigint);
    int rc = 0;
    for (int i = 0; i < nlisteners; i++) {
        const char *e = listener_open(&listeners[i]);
        if (e) {
            fprintf(stderr, "nb-backend: listen %s: %s\n", listeners[i].spec, e);
            rc = 1;
            goto out;
        }
    }
    const char *e = ctl_open(ctl_path);
    if (e) {
        fprintf(stderr, "nb-backend: control socket %s: %s\n", ctl_path, e);
        rc = 1;
        goto out;
    }
    ev_run(loop, 0);

    while (ctls)
        ctl_close((struct ctl *)ctls);
    ev_io_stop(loop, &ctl_io);
    close(ctl_fd);
    unlink(ctl_path);
out:
    while (conns)
        conn_close((struct conn *)conns);
    for (int i = 0; i < nlisteners; i++)
        listener_close(&listeners[i]);
    ev_signal_stop(loop, &sigterm);
    ev_signal_stop(loop, &sigint);
    ev_loop_destroy(loop);
    return rc;
}
