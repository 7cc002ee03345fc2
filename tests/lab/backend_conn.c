/* backend_conn.c — nb-backend's served connections: the HTTP/1.1 parser
 * and the raw service, the knobs applied to each request, the answer
 * written (backend.c's header describes them). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "backend.h"

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

/* ---- connections ---- */

void conn_close(struct conn *c)
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

void accept_cb(struct ev_loop *el, ev_io *w, int revents)
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
