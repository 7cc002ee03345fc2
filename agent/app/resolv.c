/* resolv.c — c-ares bridged to libev (the sniproxy shape): c-ares tells us
 * which sockets it wants watched through its socket-state callback; each gets
 * an ev_io that calls ares_process_fd; one ev_timer follows ares_timeout() so
 * retries and timeouts happen without anyone polling. */
#include "app/resolv.h"

#include <ares.h>
#include <stdio.h>
#include <string.h>

#include "netblame/log.h"
#include "netblame/mem.h"

#define MAX_SOCKS 16

struct sock_watch {
    struct nb_resolv *r;
    ev_io io;
    int used;
};

struct nb_resolv {
    struct ev_loop *loop;
    ares_channel ch;
    ev_timer timer;
    struct sock_watch socks[MAX_SOCKS];
};

const char *nb_dns_result_name(enum nb_dns_result r)
{
    static const char *const names[] = {"ok",      "nxdomain",   "servfail", "dns_timeout",
                                        "refused", "no_address", "dns_error"};
    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "dns_error";
}

/* Re-arm the timer from c-ares's next deadline. */
static void rearm(struct nb_resolv *r)
{
    struct timeval tv, *t = ares_timeout(r->ch, NULL, &tv);
    ev_timer_stop(r->loop, &r->timer);
    if (t) {
        ev_timer_set(&r->timer, (double)t->tv_sec + (double)t->tv_usec / 1e6, 0.);
        ev_timer_start(r->loop, &r->timer);
    }
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
    struct sock_watch *s = w->data;
    ares_socket_t fd = w->fd;
    ares_process_fd(s->r->ch, (revents & EV_READ) ? fd : ARES_SOCKET_BAD,
                    (revents & EV_WRITE) ? fd : ARES_SOCKET_BAD);
    rearm(s->r);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct nb_resolv *r = w->data;
    ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    rearm(r);
}

static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    struct nb_resolv *r = data;
    struct sock_watch *s = NULL, *free_slot = NULL;
    for (int i = 0; i < MAX_SOCKS; i++) {
        if (r->socks[i].used && r->socks[i].io.fd == fd)
            s = &r->socks[i];
        else if (!r->socks[i].used && !free_slot)
            free_slot = &r->socks[i];
    }
    if (s)
        ev_io_stop(r->loop, &s->io);
    if (!readable && !writable) {
        if (s)
            s->used = 0;
        return;
    }
    if (!s) {
        if (!free_slot) {
            nb_warn("resolver: more than %d DNS sockets at once; one is not watched", MAX_SOCKS);
            return;
        }
        s = free_slot;
        s->used = 1;
        s->r = r;
    }
    ev_io_init(&s->io, on_io, fd, (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0));
    s->io.data = s;
    ev_io_start(r->loop, &s->io);
}

struct nb_resolv *nb_resolv_new(struct ev_loop *loop, int timeout_ms, int tries, char *err,
                                size_t errlen)
{
    static int lib_ready;
    if (!lib_ready) {
        ares_library_init(ARES_LIB_INIT_ALL);
        lib_ready = 1;
    }
    struct nb_resolv *r = nb_calloc(1, sizeof(*r));
    r->loop = loop;
    struct ares_options o = {0};
    o.sock_state_cb = on_sock_state;
    o.sock_state_cb_data = r;
    o.timeout = timeout_ms;
    o.tries = tries;
    /* Without NOCHECKRESP c-ares treats a SERVFAIL or REFUSED answer as a dead
     * server and reports "could not contact DNS servers": the type we exist to
     * report would be lost. */
    o.flags = ARES_FLAG_NOCHECKRESP;
    int optmask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
#ifdef ARES_OPT_QUERY_CACHE
    /* c-ares >= 1.23 caches answers for their TTL by default: every probe
     * must ask, or a DNS outage stays hidden behind the cache and the
     * resolve phase measures a memory read. */
    o.qcache_max_ttl = 0;
    optmask |= ARES_OPT_QUERY_CACHE;
#endif
    int rc = ares_init_options(&r->ch, &o, optmask);
    if (rc != ARES_SUCCESS) {
        snprintf(err, errlen, "resolver: %s", ares_strerror(rc));
        free(r);
        return NULL;
    }
    ev_init(&r->timer, on_timer);
    r->timer.data = r;
    return r;
}

void nb_resolv_free(struct nb_resolv *r)
{
    if (!r)
        return;
    ares_destroy(r->ch); /* pending lookups get their callback (ARES_EDESTRUCTION) */
    ev_timer_stop(r->loop, &r->timer);
    for (int i = 0; i < MAX_SOCKS; i++)
        if (r->socks[i].used)
            ev_io_stop(r->loop, &r->socks[i].io);
    free(r);
}

struct lookup {
    nb_resolv_cb cb;
    void *arg;
};

static enum nb_dns_result map_status(int status)
{
    switch (status) {
    case ARES_SUCCESS:
        return NB_DNS_OK;
    case ARES_ENOTFOUND:
        return NB_DNS_NXDOMAIN;
    case ARES_ESERVFAIL:
        return NB_DNS_SERVFAIL;
    case ARES_ETIMEOUT:
        return NB_DNS_TIMEOUT;
    case ARES_EREFUSED:
        return NB_DNS_REFUSED;
    case ARES_ENODATA:
        return NB_DNS_NO_ADDRESS;
    case ARES_ECONNREFUSED: /* every server answered with an ICMP error */
    default:
        return NB_DNS_ERROR;
    }
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
    struct lookup *l = arg;
    enum nb_dns_result dr = map_status(status);
    struct in_addr a = {0};
    if (dr == NB_DNS_OK) {
        dr = NB_DNS_NO_ADDRESS;
        for (struct ares_addrinfo_node *n = res ? res->nodes : NULL; n; n = n->ai_next)
            if (n->ai_family == AF_INET) {
                a = ((struct sockaddr_in *)n->ai_addr)->sin_addr;
                dr = NB_DNS_OK;
                break;
            }
    }
    if (res)
        ares_freeaddrinfo(res);
    l->cb(l->arg, dr, dr == NB_DNS_OK ? &a : NULL);
    free(l);
}

void nb_resolv_lookup(struct nb_resolv *r, const char *name, nb_resolv_cb cb, void *arg)
{
    struct lookup *l = nb_malloc(sizeof(*l));
    l->cb = cb;
    l->arg = arg;
    struct ares_addrinfo_hints h = {.ai_family = AF_INET, .ai_flags = ARES_AI_NOSORT};
    ares_getaddrinfo(r->ch, name, NULL, &h, on_addrinfo, l);
    rearm(r);
}
