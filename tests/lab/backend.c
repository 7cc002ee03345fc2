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
 *
 * Parts: this file (listeners, start-up), backend_conn.c (the served
 * connections), backend_ctl.c (the control protocol), backend.h (what they
 * share).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"

struct ev_loop *loop;
struct knobs knobs;
struct stats stats;
struct listener listeners[2];
int nlisteners;
struct node *conns, *ctls;
int ctl_fd = -1;
ev_io ctl_io;
const char *ctl_path;

void list_add(struct node *n, struct node **head)
{
    n->prev = NULL;
    n->next = *head;
    if (*head)
        (*head)->prev = n;
    *head = n;
}

void list_del(struct node *n, struct node **head)
{
    if (n->prev)
        n->prev->next = n->next;
    else
        *head = n->next;
    if (n->next)
        n->next->prev = n->prev;
}

bool parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *s < '0' || *s > '9' || *end || v < lo || v > hi)
        return false;
    *out = (unsigned)v;
    return true;
}

/* ---- listeners ---- */

const char *listener_open(struct listener *l)
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

void listener_close(struct listener *l)
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
