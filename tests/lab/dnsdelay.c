/* nb-dnsdelay — the lab's slow resolver: a UDP relay in front of a DNS
 * server that holds every answer for a fixed time before passing it on, so
 * `netblame diagnose` meets a resolver that answers, correctly, but late.
 *
 * Usage: nb-dnsdelay --listen A.B.C.D:PORT --upstream A.B.C.D:PORT --delay-ms N
 *   Each query is forwarded to the upstream at once under an ID of the
 *   relay's own; the answer is held N ms (0..60000), then sent to the
 *   client under the client's ID. At most SLOTS queries are pending (more
 *   are dropped and counted on stderr at exit). SIGTERM/SIGINT exit cleanly.
 *   Start-up errors: a message on stderr and exit status 1. Ready once the
 *   listening socket is bound (before the loop starts). */
#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SLOTS 1024
#define MSG_MAX 4096

struct slot {
    bool used, answered;
    struct sockaddr_in client;
    uint16_t id; /* the client's */
    size_t len;
    unsigned char msg[MSG_MAX];
    ev_timer hold;
};

static struct ev_loop *loop;
static int lfd, ufd;
static struct sockaddr_in upstream;
static double delay_s;
static struct slot slots[SLOTS];
static uint16_t next_slot;
static unsigned long dropped;

static bool parse_addr(const char *spec, struct sockaddr_in *sin)
{
    char host[64];
    const char *colon = strrchr(spec, ':');
    if (!colon || (size_t)(colon - spec) >= sizeof host)
        return false;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    memset(sin, 0, sizeof *sin);
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    return *end == '\0' && port > 0 && port < 65536 && inet_pton(AF_INET, host, &sin->sin_addr) == 1;
}

static void hold_cb(struct ev_loop *l, ev_timer *w, int revents)
{
    struct slot *s = w->data;
    s->msg[0] = (unsigned char)(s->id >> 8);
    s->msg[1] = (unsigned char)s->id;
    sendto(lfd, s->msg, s->len, 0, (struct sockaddr *)&s->client, sizeof s->client);
    s->used = false;
}

/* A query from a client: forward it under the slot's index as its ID. */
static void query_cb(struct ev_loop *l, ev_io *w, int revents)
{
    unsigned char buf[MSG_MAX];
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(lfd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    if (n < 12)
        return;
    struct slot *s = NULL;
    for (unsigned i = 0; i < SLOTS && !s; i++) {
        uint16_t k = (uint16_t)((next_slot + i) % SLOTS);
        if (!slots[k].used) {
            s = &slots[k];
            next_slot = (uint16_t)((k + 1) % SLOTS);
        }
    }
    if (!s) {
        dropped++;
        return;
    }
    uint16_t idx = (uint16_t)(s - slots);
    s->used = true;
    s->answered = false;
    s->client = from;
    s->id = (uint16_t)(buf[0] << 8 | buf[1]);
    buf[0] = (unsigned char)(idx >> 8);
    buf[1] = (unsigned char)idx;
    sendto(ufd, buf, (size_t)n, 0, (struct sockaddr *)&upstream, sizeof upstream);
}

/* An answer from the upstream: hold it, then pass it on. */
static void answer_cb(struct ev_loop *l, ev_io *w, int revents)
{
    unsigned char buf[MSG_MAX];
    ssize_t n = recv(ufd, buf, sizeof buf, 0);
    if (n < 12)
        return;
    uint16_t idx = (uint16_t)(buf[0] << 8 | buf[1]);
    if (idx >= SLOTS || !slots[idx].used || slots[idx].answered)
        return; /* unknown, or a second answer */
    struct slot *s = &slots[idx];
    s->answered = true;
    memcpy(s->msg, buf, (size_t)n);
    s->len = (size_t)n;
    ev_timer_init(&s->hold, hold_cb, delay_s, 0.);
    s->hold.data = s;
    ev_timer_start(loop, &s->hold);
}

static void signal_cb(struct ev_loop *l, ev_signal *w, int revents)
{
    ev_break(l, EVBREAK_ALL);
}

int main(int argc, char **argv)
{
    const char *listen_spec = NULL, *up_spec = NULL, *delay_spec = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--listen") == 0)
            listen_spec = argv[i + 1];
        else if (strcmp(argv[i], "--upstream") == 0)
            up_spec = argv[i + 1];
        else if (strcmp(argv[i], "--delay-ms") == 0)
            delay_spec = argv[i + 1];
    }
    struct sockaddr_in lsin;
    char *end = NULL;
    unsigned long ms = delay_spec ? strtoul(delay_spec, &end, 10) : 0;
    if (!listen_spec || !up_spec || !delay_spec || *end || ms > 60000 ||
        !parse_addr(listen_spec, &lsin) || !parse_addr(up_spec, &upstream)) {
        fprintf(stderr, "usage: nb-dnsdelay --listen A.B.C.D:PORT --upstream A.B.C.D:PORT "
                        "--delay-ms 0..60000\n");
        return 1;
    }
    delay_s = (double)ms / 1000.0;
    lfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ufd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (lfd < 0 || ufd < 0 || bind(lfd, (struct sockaddr *)&lsin, sizeof lsin) < 0) {
        fprintf(stderr, "nb-dnsdelay: %s: %s\n", listen_spec, strerror(errno));
        return 1;
    }
    loop = ev_default_loop(EVFLAG_AUTO);
    if (!loop) {
        fprintf(stderr, "nb-dnsdelay: cannot initialise libev\n");
        return 1;
    }
    ev_io qio, aio;
    ev_signal sigterm, sigint;
    ev_io_init(&qio, query_cb, lfd, EV_READ);
    ev_io_init(&aio, answer_cb, ufd, EV_READ);
    ev_signal_init(&sigterm, signal_cb, SIGTERM);
    ev_signal_init(&sigint, signal_cb, SIGINT);
    ev_io_start(loop, &qio);
    ev_io_start(loop, &aio);
    ev_signal_start(loop, &sigterm);
    ev_signal_start(loop, &sigint);
    fprintf(stderr, "nb-dnsdelay: ready: %s -> %s, answers held %lu ms\n", listen_spec, up_spec,
            ms);
    ev_run(loop, 0);
    if (dropped)
        fprintf(stderr, "nb-dnsdelay: %lu queries dropped (table full)\n", dropped);
    close(lfd);
    close(ufd);
    return 0;
}
