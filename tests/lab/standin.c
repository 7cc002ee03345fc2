/*
 * nb-standin — the lab's user-space "virtio stand-in" and "wire" (DESIGN §7-8).
 *
 * It opens one TAP device on each of two sides, possibly in different network
 * namespaces, and shuttles Ethernet frames between them through a per-direction
 * fault pipeline: the same shape as QEMU's user-space virtio backend (a guest's
 * eth0 on one side, the host's vnetX on the other), or a cable between two hosts.
 * Both taps are real, so the kernel's counters on them are real: when a stall
 * stops the stand-in reading a tap, that tap's queue overflows into tx_dropped.
 *
 *   nb-standin --a NETNS:IFNAME --b NETNS:IFNAME --control PATH [--seed N] [--mtu-tap N]
 *
 * NETNS is a name under /var/run/netns (ip netns add) or "-" for the current
 * namespace. Each tap is created non-persistent (it disappears when the program
 * exits) and is neither addressed nor brought up: the caller does that once the
 * control socket exists. --mtu-tap N sets both taps' MTU at creation (default:
 * the kernel's, 1500). --seed N seeds the PRNG (xorshift64*, one stream per
 * direction) used for loss and jitter, so a run can be repeated; default: from
 * getrandom(), printed on stderr. Start-up errors go to stderr, exit status 1.
 * SIGTERM/SIGINT exit cleanly (taps closed, control socket unlinked).
 *
 * Directions: "ab" = frames read from A's tap, written to B's; "ba" the reverse.
 * Pipeline per frame, in order: link down -> drop_down; L3 size (frame length
 * - 14) > mtu -> drop_mtu; random loss -> drop_loss; release time = arrival +
 * delay_us + uniform[0, jitter_us], raised to the previous frame's release time
 * so that frames keep FIFO order (netem would reorder under jitter; we do not:
 * jitter here also delays the frames queued behind a slow one); queue full ->
 * drop_queue; held until release (and, with rate_pps, until the service-rate
 * slot), then written to the other tap (a failed write is counted write_err).
 * With noise set (below), the release time also carries the direction's
 * late wake-up, added before delay and jitter.
 *
 * Control: a Unix stream socket at PATH, created once both taps exist (its
 * existence means "ready"; it is unlinked at exit). Any number of clients over
 * time, each may send several commands; one command per line, one reply line
 * per command; a line over 1024 bytes gets "error: line too long" and the
 * connection is closed. Success replies start with "ok"; failures "error: ...".
 *
 *   set DIR KEY=VALUE [KEY=VALUE...]   DIR: ab, ba or both. All checked first:
 *                                      an unknown key or bad value changes nothing.
 *       delay_us=N        fixed delay (0..60000000)
 *       jitter_us=N       extra delay, uniform in [0, N] (0..60000000)
 *       loss_pct=F        independent random loss, percent (0..100, float)
 *       stall_every_ms=N  periodic stalls of a starved vhost thread: of every N
 *       stall_for_ms=M    ms, the first M the direction stops reading its source
 *                         tap and releases nothing (active when both > 0; M < N;
 *                         the first window opens when either value changes)
 *       queue=N           frames held at most (1..1000000, default 4096)
 *       rate_pps=N        release at most N frames/s (0 = unlimited)
 *       mtu=N             drop frames whose L3 size exceeds N (0 = off)
 *       down=1|0          link down: carrier off on both taps (TUNSETCARRIER),
 *                         every frame dropped, held frames flushed. Applies to
 *                         both directions whatever DIR says; the reply says so.
 *   clear [DIR]       every fault of DIR (default both) back to its default;
 *                     also brings the link back up if it was down. Noise stays.
 *   noise DIR p50_us=N p99_us=M | noise DIR off
 *                     heavy-tailed healthy noise, not a fault (clear leaves it):
 *                     the late wake-up of a busy backend thread. A frame that
 *                     arrives while no wake-up is pending draws one from a
 *                     log-normal with median N and 99th percentile M us
 *                     (0 < N <= M <= 60000000; N = M is a constant), capped at
 *                     100 M; frames arriving before that wake-up is over leave
 *                     with it. So frames keep FIFO order and the draws do not
 *                     compound under load (a running maximum of per-frame draws,
 *                     as jitter_us does, would turn a busy direction's noise
 *                     into a fault). Drawn from its own PRNG stream per
 *                     direction (from --seed), so loss and jitter draws do not
 *                     move when noise is switched.
 *   stats             one JSON line: {"ab":{"in","out","drop_loss","drop_queue",
 *                     "drop_mtu","drop_down","write_err","held","stalls","wakes"},
 *                     "ba":{..}, "faults":{"ab":{current settings},"ba":{..}},
 *                     "noise":{"ab":{"p50_us","p99_us"},"ba":{..}}}
 *   ping              -> pong
 *   quit              -> ok, then a clean exit
 *
 * Changing faults does not touch frames already held (they keep their release
 * times); lowering queue below the number held only refuses new arrivals.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <ev.h>

#ifndef TUNSETCARRIER
#define TUNSETCARRIER _IOW('T', 226, int)
#endif

#define FRAME_MAX 65536
#define READ_BUDGET 64
#define LINE_MAX_LEN 1024
#define MAX_CLIENTS 32
#define QUEUE_DEFAULT 4096
#define ETH_HLEN_ 14

struct faults {
    uint64_t delay_us, jitter_us, stall_every_ms, stall_for_ms, queue, rate_pps, mtu;
    double loss_pct;
};

static const struct faults faults_default = { .queue = QUEUE_DEFAULT };

struct frame {
    struct frame *next;
    double release;
    size_t len;
    unsigned char data[];
};

struct side {
    char label;            /* 'A' or 'B' */
    char ns[NAME_MAX + 1];
    char ifname[IFNAMSIZ];
    int fd;
};

/* Heavy-tailed healthy noise (log-normal wake-up delay); off when p50_us == 0. */
struct noise {
    uint64_t p50_us, p99_us;
    double mu, sigma, cap;  /* of ln(delay in s); cap in s */
};

#define Z_99 2.3263478740408408 /* the standard normal's 99th percentile */

struct dir {
    const char *name;
    struct side *src, *dst;
    struct faults f;
    struct noise nz;
    struct {
        uint64_t in, out, drop_loss, drop_queue, drop_mtu, drop_down, write_err, stalls, wakes;
    } c;
    struct frame *head, *tail;
    uint64_t held;
    double last_release, next_allowed, wake_until;
    bool stalled;
    uint64_t rng, nz_rng;
    ev_io rx;
    ev_timer release;
    ev_timer stall;
};

struct client {
    ev_io io;
    int fd;
    size_t len;
    struct client *prev, *next;
    char buf[LINE_MAX_LEN + 2];
};

static struct {
    struct side side[2];
    struct dir dir[2];
    bool down;
    int listen_fd;
    ev_io listen_io;
    const char *control_path;
    dev_t sock_dev;
    ino_t sock_ino;
    struct client *clients;
    int nclients;
    ev_signal sigterm, sigint;
    int exit_code;
} S;

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t xorshift64s(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dULL;
}

/* A uniform variate in (0, 1) from the stream S. */
static double unit_open(uint64_t *s)
{
    return ((double)(xorshift64s(s) >> 11) + 0.5) * 0x1.0p-53;
}

/* ---- data path ---- */

/* Seconds this frame waits for the direction's backend to wake up: the
 * remainder of a pending wake-up, or a new log-normal draw (Box-Muller). */
static double noise_wait(struct dir *d, double now)
{
    const struct noise *n = &d->nz;

    if (!n->p50_us)
        return 0;
    if (d->wake_until > now)
        return d->wake_until - now;
    double u1 = unit_open(&d->nz_rng), u2 = unit_open(&d->nz_rng);
    double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
    double x = exp(n->mu + n->sigma * z);
    if (x > n->cap)
        x = n->cap;
    d->c.wakes++;
    d->wake_until = now + x;
    return x;
}

static void transmit(struct dir *d, const unsigned char *p, size_t len, double now)
{
    if (write(d->dst->fd, p, len) == (ssize_t)len)
        d->c.out++;
    else
        d->c.write_err++;
    if (d->f.rate_pps) {
        double base = d->next_allowed > now ? d->next_allowed : now;
        d->next_allowed = base + 1.0 / (double)d->f.rate_pps;
    }
}

/* Release every frame that is due; rearm the release timer to the next one. */
static void pump(struct dir *d)
{
    struct ev_loop *loop = EV_DEFAULT;
    double now = mono_now();

    ev_timer_stop(loop, &d->release);
    if (d->stalled)
        return;
    while (d->head) {
        struct frame *fr = d->head;
        double at = fr->release;
        if (d->f.rate_pps && d->next_allowed > at)
            at = d->next_allowed;
        if (at > now) {
            ev_timer_set(&d->release, at - now, 0.);
            ev_timer_start(loop, &d->release);
            return;
        }
        d->head = fr->next;
        if (!d->head)
            d->tail = NULL;
        d->held--;
        transmit(d, fr->data, fr->len, now);
        free(fr);
    }
}

static void flush(struct dir *d)
{
    while (d->head) {
        struct frame *fr = d->head;
        d->head = fr->next;
        free(fr);
        d->c.drop_down++;
    }
    d->tail = NULL;
    d->held = 0;
    ev_timer_stop(EV_DEFAULT, &d->release);
}

static void handle_frame(struct dir *d, const unsigned char *p, size_t len, double now)
{
    const struct faults *f = &d->f;

    if (S.down) {
        d->c.drop_down++;
        return;
    }
    if (f->mtu && len > ETH_HLEN_ && len - ETH_HLEN_ > f->mtu) {
        d->c.drop_mtu++;
        return;
    }
    if (f->loss_pct > 0 && (xorshift64s(&d->rng) >> 11) * 0x1.0p-53 * 100.0 < f->loss_pct) {
        d->c.drop_loss++;
        return;
    }
    double release = now + noise_wait(d, now) + (double)f->delay_us * 1e-6;
    if (f->jitter_us)
        release += (double)(xorshift64s(&d->rng) % (f->jitter_us + 1)) * 1e-6;
    if (release < d->last_release)
        release = d->last_release;
    d->last_release = release;

    if (!d->head && !d->stalled && release <= now && (!f->rate_pps || now >= d->next_allowed)) {
        transmit(d, p, len, now);
        return;
    }
    struct frame *fr;
    if (d->held >= f->queue || !(fr = malloc(sizeof *fr + len))) {
        d->c.drop_queue++;
        return;
    }
    fr->next = NULL;
    fr->release = release;
    fr->len = len;
    memcpy(fr->data, p, len);
    if (d->tail)
        d->tail->next = fr;
    else
        d->head = fr;
    d->tail = fr;
    d->held++;
    if (d->head == fr)
        pump(d);
}

static void rx_cb(EV_P_ ev_io *w, int revents)
{
    (void)revents;
    static unsigned char buf[FRAME_MAX];
    struct dir *d = w->data;

    for (int i = 0; i < READ_BUDGET && !d->stalled; i++) {
        ssize_t n = read(d->src->fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            fprintf(stderr, "nb-standin: side %c (%s:%s): read: %s\n", d->src->label,
                    d->src->ns, d->src->ifname, strerror(errno));
            S.exit_code = 1;
            ev_break(EV_A_ EVBREAK_ALL);
            return;
        }
        if (n == 0)
            return;
        d->c.in++;
        handle_frame(d, buf, (size_t)n, mono_now());
    }
}

static void release_cb(EV_P_ ev_timer *w, int revents)
{
    (void)EV_A, (void)revents;
    pump(w->data);
}

/* Enter a stall window (stop reading the source tap, release nothing) or the
 * running part of the cycle (read again, release what is due). */
static void stall_phase(struct dir *d, bool stall)
{
    struct ev_loop *loop = EV_DEFAULT;

    d->stalled = stall;
    if (stall) {
        d->c.stalls++;
        ev_io_stop(loop, &d->rx);
        ev_timer_stop(loop, &d->release);
        ev_timer_set(&d->stall, (double)d->f.stall_for_ms * 1e-3, 0.);
    } else {
        ev_io_start(loop, &d->rx);
        ev_timer_set(&d->stall, (double)(d->f.stall_every_ms - d->f.stall_for_ms) * 1e-3, 0.);
        pump(d);
    }
    ev_timer_start(loop, &d->stall);
}

static void stall_cb(EV_P_ ev_timer *w, int revents)
{
    (void)EV_A, (void)revents;
    struct dir *d = w->data;
    stall_phase(d, !d->stalled);
}

/* (Re)start the stall cycle after its settings changed: the first window opens
 * at once, so a fault set just before a burst catches the burst. */
static void stall_apply(struct dir *d)
{
    ev_timer_stop(EV_DEFAULT, &d->stall);
    if (d->f.stall_every_ms && d->f.stall_for_ms) {
        stall_phase(d, true);
    } else if (d->stalled) {
        d->stalled = false;
        ev_io_start(EV_DEFAULT, &d->rx);
    }
}

/* Commit new settings to a direction (already validated). */
static void faults_apply(struct dir *d, const struct faults *nf)
{
    bool stall_changed = nf->stall_every_ms != d->f.stall_every_ms ||
                         nf->stall_for_ms != d->f.stall_for_ms;
    d->f = *nf;
    if (stall_changed)
        stall_apply(d);
    pump(d);
}

static int set_carrier(int on, char *err, size_t errlen)
{
    for (int i = 0; i < 2; i++) {
        if (ioctl(S.side[i].fd, TUNSETCARRIER, &on) < 0) {
            snprintf(err, errlen, "error: TUNSETCARRIER on side %c (%s:%s): %s", S.side[i].label,
                     S.side[i].ns, S.side[i].ifname, strerror(errno));
            int back = !on;
            if (i == 1)
                (void)ioctl(S.side[0].fd, TUNSETCARRIER, &back);
            return -1;
        }
    }
    return 0;
}

/* ---- control protocol ---- */

static const struct ukey {
    const char *name;
    size_t off;
    uint64_t min, max;
} ukeys[] = {
    { "delay_us", offsetof(struct faults, delay_us), 0, 60000000 },
    { "jitter_us", offsetof(struct faults, jitter_us), 0, 60000000 },
    { "stall_every_ms", offsetof(struct faults, stall_every_ms), 0, 3600000 },
    { "stall_for_ms", offsetof(struct faults, stall_for_ms), 0, 3600000 },
    { "queue", offsetof(struct faults, queue), 1, 1000000 },
    { "rate_pps", offsetof(struct faults, rate_pps), 0, 100000000 },
    { "mtu", offsetof(struct faults, mtu), 0, 65535 },
};

static bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static int parse_dir(const char *s)
{
    if (!strcmp(s, "ab"))
        return 1;
    if (!strcmp(s, "ba"))
        return 2;
    if (!strcmp(s, "both"))
        return 3;
    return 0;
}

/* The direction that starts command CMD's arguments: a mask (1 ab, 2 ba, 3
 * both), or 0 with the error in REPLY. */
static int take_dir(char **save, const char *cmd, char *reply, size_t rlen)
{
    char *tok = strtok_r(NULL, " \t", save);
    int mask = tok ? parse_dir(tok) : 0;
    if (!mask)
        snprintf(reply, rlen, "error: %s: direction '%s': expected ab, ba or both", cmd,
                 tok ? tok : "");
    return mask;
}

static void cmd_set(char **save, char *reply, size_t rlen)
{
    char *tok;
    int mask = take_dir(save, "set", reply, rlen);
    if (!mask)
        return;
    struct faults nf[2] = { S.dir[0].f, S.dir[1].f };
    bool ndown = S.down, down_given = false, any = false;
    while ((tok = strtok_r(NULL, " \t", save))) {
        char *val = strchr(tok, '=');
        if (!val || val == tok) {
            snprintf(reply, rlen, "error: set: expected KEY=VALUE, got '%s'", tok);
            return;
        }
        *val++ = '\0';
        any = true;
        if (!strcmp(tok, "down")) {
            if (strcmp(val, "0") && strcmp(val, "1")) {
                snprintf(reply, rlen, "error: bad value for down: '%s' (expected 0 or 1)", val);
                return;
            }
            ndown = val[0] == '1';
            down_given = true;
            continue;
        }
        if (!strcmp(tok, "loss_pct")) {
            char *end;
            double v = *val ? strtod(val, &end) : -1;
            if (!*val || *end || !(v >= 0 && v <= 100)) {
                snprintf(reply, rlen, "error: bad value for loss_pct: '%s' (expected 0..100)", val);
                return;
            }
            for (int i = 0; i < 2; i++)
                if (mask & (1 << i))
                    nf[i].loss_pct = v;
            continue;
        }
        const struct ukey *k = NULL;
        for (size_t j = 0; j < sizeof ukeys / sizeof ukeys[0]; j++)
            if (!strcmp(tok, ukeys[j].name))
                k = &ukeys[j];
        if (!k) {
            snprintf(reply, rlen, "error: unknown key '%s'", tok);
            return;
        }
        uint64_t v;
        if (!parse_u64(val, k->min, k->max, &v)) {
            snprintf(reply, rlen, "error: bad value for %s: '%s' (expected integer %" PRIu64
                     "..%" PRIu64 ")", k->name, val, k->min, k->max);
            return;
        }
        for (int i = 0; i < 2; i++)
            if (mask & (1 << i))
                memcpy((char *)&nf[i] + k->off, &v, sizeof v);
    }
    if (!any) {
        snprintf(reply, rlen, "error: set: no KEY=VALUE given");
        return;
    }
    for (int i = 0; i < 2; i++) {
        if (nf[i].stall_every_ms && nf[i].stall_for_ms && nf[i].stall_for_ms >= nf[i].stall_every_ms) {
            snprintf(reply, rlen, "error: %s: stall_for_ms=%" PRIu64 " must be less than "
                     "stall_every_ms=%" PRIu64, S.dir[i].name, nf[i].stall_for_ms,
                     nf[i].stall_every_ms);
            return;
        }
    }
    if (ndown != S.down && set_carrier(!ndown, reply, rlen) < 0)
        return;
    if (ndown && !S.down) {
        flush(&S.dir[0]);
        flush(&S.dir[1]);
    }
    S.down = ndown;
    for (int i = 0; i < 2; i++)
        faults_apply(&S.dir[i], &nf[i]);
    snprintf(reply, rlen, down_given ? "ok (down applies to both directions)" : "ok");
}

static void cmd_clear(char **save, char *reply, size_t rlen)
{
    char *tok = strtok_r(NULL, " \t", save);
    int mask = tok ? parse_dir(tok) : 3;
    if (!mask || strtok_r(NULL, " \t", save)) {
        snprintf(reply, rlen, "error: clear: expected [ab|ba|both]");
        return;
    }
    bool was_down = S.down;
    if (was_down) {
        if (set_carrier(1, reply, rlen) < 0)
            return;
        S.down = false;
    }
    for (int i = 0; i < 2; i++)
        if (mask & (1 << i))
            faults_apply(&S.dir[i], &faults_default);
    snprintf(reply, rlen, was_down ? "ok (link up: down applies to both directions)" : "ok");
}

/* "noise DIR p50_us=N p99_us=M" or "noise DIR off": all checked first. */
static void cmd_noise(char **save, char *reply, size_t rlen)
{
    char *tok;
    int mask = take_dir(save, "noise", reply, rlen);
    if (!mask)
        return;
    struct noise nn = { 0 };
    bool off = false, any = false;
    while ((tok = strtok_r(NULL, " \t", save))) {
        char *val = strchr(tok, '=');
        uint64_t *dst = NULL;
        any = true;
        if (!strcmp(tok, "off")) {
            off = true;
            continue;
        }
        if (val)
            *val++ = '\0';
        if (val && !strcmp(tok, "p50_us"))
            dst = &nn.p50_us;
        else if (val && !strcmp(tok, "p99_us"))
            dst = &nn.p99_us;
        if (!dst) {
            snprintf(reply, rlen, "error: noise: expected p50_us=N p99_us=M or off, got '%s'", tok);
            return;
        }
        if (!parse_u64(val, 1, 60000000, dst)) {
            snprintf(reply, rlen, "error: bad value for %s: '%s' (expected integer 1..60000000)",
                     tok, val);
            return;
        }
    }
    if (!any || (off && (nn.p50_us || nn.p99_us)) ||
        (!off && (!nn.p50_us || !nn.p99_us))) {
        snprintf(reply, rlen, "error: noise: expected p50_us=N p99_us=M (both) or off");
        return;
    }
    if (nn.p99_us < nn.p50_us) {
        snprintf(reply, rlen, "error: noise: p99_us=%" PRIu64 " is below p50_us=%" PRIu64,
                 nn.p99_us, nn.p50_us);
        return;
    }
    if (!off) {
        nn.mu = log((double)nn.p50_us * 1e-6);
        nn.sigma = log((double)nn.p99_us / (double)nn.p50_us) / Z_99;
        nn.cap = 100.0 * (double)nn.p99_us * 1e-6;
    }
    for (int i = 0; i < 2; i++) {
        if (mask & (1 << i)) {
            S.dir[i].nz = nn;
            S.dir[i].wake_until = 0;
        }
    }
    snprintf(reply, rlen, "ok");
}

static void json_dir(char *p, size_t n, const struct dir *d)
{
    snprintf(p, n, "\"%s\":{\"in\":%" PRIu64 ",\"out\":%" PRIu64 ",\"drop_loss\":%" PRIu64
             ",\"drop_queue\":%" PRIu64 ",\"drop_mtu\":%" PRIu64 ",\"drop_down\":%" PRIu64
             ",\"write_err\":%" PRIu64 ",\"held\":%" PRIu64 ",\"stalls\":%" PRIu64
             ",\"wakes\":%" PRIu64 "}",
             d->name, d->c.in, d->c.out, d->c.drop_loss, d->c.drop_queue, d->c.drop_mtu,
             d->c.drop_down, d->c.write_err, d->held, d->c.stalls, d->c.wakes);
}

static void json_faults(char *p, size_t n, const struct dir *d)
{
    const struct faults *f = &d->f;
    snprintf(p, n, "\"%s\":{\"delay_us\":%" PRIu64 ",\"jitter_us\":%" PRIu64
             ",\"loss_pct\":%g,\"stall_every_ms\":%" PRIu64 ",\"stall_for_ms\":%" PRIu64
             ",\"queue\":%" PRIu64 ",\"rate_pps\":%" PRIu64 ",\"mtu\":%" PRIu64 ",\"down\":%d}",
             d->name, f->delay_us, f->jitter_us, f->loss_pct, f->stall_every_ms,
             f->stall_for_ms, f->queue, f->rate_pps, f->mtu, S.down);
}

static void cmd_stats(char *p, size_t n)
{
    char c[2][400], f[2][400];
    for (int i = 0; i < 2; i++) {
        json_dir(c[i], sizeof c[i], &S.dir[i]);
        json_faults(f[i], sizeof f[i], &S.dir[i]);
    }
    snprintf(p, n, "{%s,%s,\"faults\":{%s,%s},\"noise\":{\"ab\":{\"p50_us\":%" PRIu64
             ",\"p99_us\":%" PRIu64 "},\"ba\":{\"p50_us\":%" PRIu64 ",\"p99_us\":%" PRIu64 "}}}",
             c[0], c[1], f[0], f[1], S.dir[0].nz.p50_us, S.dir[0].nz.p99_us, S.dir[1].nz.p50_us,
             S.dir[1].nz.p99_us);
}

static void client_close(struct client *c)
{
    ev_io_stop(EV_DEFAULT, &c->io);
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        S.clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    S.nclients--;
    free(c);
}

static bool client_reply(struct client *c, const char *msg)
{
    char out[2048];
    int n = snprintf(out, sizeof out, "%s\n", msg);
    if (n < 0 || (size_t)n >= sizeof out)
        return false;
    return send(c->fd, out, (size_t)n, MSG_NOSIGNAL) == n;
}

/* One command line. Returns false when the client is to be closed. */
static bool handle_line(struct client *c, char *line)
{
    char reply[2048], *save = NULL;
    size_t len = strlen(line);
    bool quit = false;

    if (len && line[len - 1] == '\r')
        line[len - 1] = '\0';
    char *cmd = strtok_r(line, " \t", &save);
    if (!cmd)
        snprintf(reply, sizeof reply, "error: empty command");
    else if (!strcmp(cmd, "set"))
        cmd_set(&save, reply, sizeof reply);
    else if (!strcmp(cmd, "clear"))
        cmd_clear(&save, reply, sizeof reply);
    else if (!strcmp(cmd, "noise"))
        cmd_noise(&save, reply, sizeof reply);
    else if (!strcmp(cmd, "stats"))
        cmd_stats(reply, sizeof reply);
    else if (!strcmp(cmd, "ping"))
        snprintf(reply, sizeof reply, "pong");
    else if (!strcmp(cmd, "quit")) {
        snprintf(reply, sizeof reply, "ok");
        quit = true;
    } else
        snprintf(reply, sizeof reply, "error: unknown command '%.64s'", cmd);
    bool sent = client_reply(c, reply);
    if (quit) {
        ev_break(EV_DEFAULT, EVBREAK_ALL);
        return false;
    }
    return sent;
}

static void client_cb(EV_P_ ev_io *w, int revents)
{
    (void)EV_A, (void)revents;
    struct client *c = w->data;
    ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len);

    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        if (n == 0 && c->len > 0 && c->len <= LINE_MAX_LEN) {  /* last line, no newline */
            c->buf[c->len] = '\0';
            handle_line(c, c->buf);
        }
        client_close(c);
        return;
    }
    c->len += (size_t)n;
    char *nl;
    while ((nl = memchr(c->buf, '\n', c->len))) {
        *nl = '\0';
        size_t used = (size_t)(nl - c->buf) + 1;
        if (used - 1 > LINE_MAX_LEN || !handle_line(c, c->buf)) {
            if (used - 1 > LINE_MAX_LEN)
                client_reply(c, "error: line too long");
            client_close(c);
            return;
        }
        memmove(c->buf, c->buf + used, c->len - used);
        c->len -= used;
    }
    if (c->len > LINE_MAX_LEN) {
        client_reply(c, "error: line too long");
        client_close(c);
    }
}

static void listen_cb(EV_P_ ev_io *w, int revents)
{
    (void)w, (void)revents;
    for (;;) {
        int fd = accept4(S.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        struct client *c = S.nclients < MAX_CLIENTS ? calloc(1, sizeof *c) : NULL;
        if (!c) {
            static const char busy[] = "error: too many clients\n";
            (void)!send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL);
            close(fd);
            continue;
        }
        c->fd = fd;
        c->next = S.clients;
        if (S.clients)
            S.clients->prev = c;
        S.clients = c;
        S.nclients++;
        ev_io_init(&c->io, client_cb, fd, EV_READ);
        c->io.data = c;
        ev_io_start(EV_A_ &c->io);
    }
}

static void signal_cb(EV_P_ ev_signal *w, int revents)
{
    (void)w, (void)revents;
    ev_break(EV_A_ EVBREAK_ALL);
}

/* ---- start-up ---- */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("nb-standin: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void parse_side(struct side *s, char label, const char *arg)
{
    const char *colon = strchr(arg, ':'), *ifn = colon ? colon + 1 : NULL;
    size_t nslen = colon ? (size_t)(colon - arg) : 0;

    s->label = label;
    s->fd = -1;
    if (!colon)
        die("side %c: '%s': expected NETNS:IFNAME", label, arg);
    if (!nslen || nslen >= sizeof s->ns || memchr(arg, '/', nslen) ||
        !strncmp(arg, ".:", 2) || !strncmp(arg, "..:", 3))
        die("side %c: bad namespace name in '%s'", label, arg);
    memcpy(s->ns, arg, nslen);
    s->ns[nslen] = '\0';
    if (!*ifn || strlen(ifn) >= IFNAMSIZ || strchr(ifn, '/'))
        die("side %c: bad interface name '%s'", label, ifn);
    strcpy(s->ifname, ifn);
}

static void open_side(struct side *s, int orig_ns, unsigned mtu_tap)
{
    int nsfd = -1;
    if (strcmp(s->ns, "-")) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "/var/run/netns/%s", s->ns);
        if ((nsfd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            die("side %c: namespace '%s': open %s: %s", s->label, s->ns, path, strerror(errno));
        if (setns(nsfd, CLONE_NEWNET) < 0)
            die("side %c: namespace '%s': setns: %s", s->label, s->ns, strerror(errno));
    }
    if ((s->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK)) < 0)
        die("side %c (%s:%s): open /dev/net/tun: %s", s->label, s->ns, s->ifname, strerror(errno));
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    memcpy(ifr.ifr_name, s->ifname, strlen(s->ifname));
    if (ioctl(s->fd, TUNSETIFF, &ifr) < 0)
        die("side %c (%s:%s): TUNSETIFF: %s", s->label, s->ns, s->ifname, strerror(errno));
    memcpy(s->ifname, ifr.ifr_name, IFNAMSIZ);
    s->ifname[IFNAMSIZ - 1] = '\0';
    if (mtu_tap) {
        int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ifr.ifr_mtu = (int)mtu_tap;
        if (sk < 0 || ioctl(sk, SIOCSIFMTU, &ifr) < 0)
            die("side %c (%s:%s): set MTU %u: %s", s->label, s->ns, s->ifname, mtu_tap,
                strerror(errno));
        close(sk);
    }
    if (nsfd >= 0) {
        if (setns(orig_ns, CLONE_NEWNET) < 0)
            die("side %c: back to the original namespace: %s", s->label, strerror(errno));
        close(nsfd);
    }
}

static void open_control(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct stat st;
    char tmp[sizeof sa.sun_path];

    if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof tmp)
        die("control socket path too long: %s", path);
    if (lstat(path, &st) == 0) {  /* refuse to steal a live socket; replace a stale one */
        if (!S_ISSOCK(st.st_mode))
            die("control path %s exists and is not a socket", path);
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        strcpy(sa.sun_path, path);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0)
            die("control socket %s is in use by another process", path);
        close(probe);
    }
    strcpy(sa.sun_path, tmp);
    unlink(tmp);
    S.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (S.listen_fd < 0 || bind(S.listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(S.listen_fd, 16) < 0)
        die("control socket %s: bind %s: %s", path, tmp, strerror(errno));
    if (rename(tmp, path) < 0) {  /* atomic: the path appears already listening */
        unlink(tmp);
        die("control socket: rename %s -> %s: %s", tmp, path, strerror(errno));
    }
    S.control_path = path;
    if (lstat(path, &st) == 0) {
        S.sock_dev = st.st_dev;
        S.sock_ino = st.st_ino;
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: nb-standin --a NETNS:IFNAME --b NETNS:IFNAME --control PATH "
            "[--seed N] [--mtu-tap N]\n  NETNS: a name under /var/run/netns, or - for the "
            "current namespace\n");
    exit(1);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "a", required_argument, NULL, 'a' },
        { "b", required_argument, NULL, 'b' },
        { "control", required_argument, NULL, 'c' },
        { "seed", required_argument, NULL, 's' },
        { "mtu-tap", required_argument, NULL, 'm' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *arg_a = NULL, *arg_b = NULL, *control = NULL;
    uint64_t seed = 0, mtu_tap = 0;
    bool have_seed = false;
    int o;

    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'a': arg_a = optarg; break;
        case 'b': arg_b = optarg; break;
        case 'c': control = optarg; break;
        case 's':
            if (!parse_u64(optarg, 0, UINT64_MAX, &seed))
                die("--seed: bad value '%s'", optarg);
            have_seed = true;
            break;
        case 'm':
            if (!parse_u64(optarg, 68, 65535, &mtu_tap))
                die("--mtu-tap: bad value '%s' (68..65535)", optarg);
            break;
        default: usage();
        }
    }
    if (!arg_a || !arg_b || !control || optind != argc)
        usage();
    if (!have_seed && getrandom(&seed, sizeof seed, 0) != sizeof seed)
        die("getrandom: %s", strerror(errno));
    parse_side(&S.side[0], 'A', arg_a);
    parse_side(&S.side[1], 'B', arg_b);

    int orig_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (orig_ns < 0)
        die("open /proc/self/ns/net: %s", strerror(errno));
    open_side(&S.side[0], orig_ns, (unsigned)mtu_tap);
    open_side(&S.side[1], orig_ns, (unsigned)mtu_tap);
    close(orig_ns);

    struct ev_loop *loop = EV_DEFAULT;
    if (!loop)
        die("libev: no default loop");
    signal(SIGPIPE, SIG_IGN);
    uint64_t sm = seed;
    for (int i = 0; i < 2; i++) {
        struct dir *d = &S.dir[i];
        d->name = i ? "ba" : "ab";
        d->src = &S.side[i];
        d->dst = &S.side[!i];
        d->f = faults_default;
        while (!(d->rng = splitmix64(&sm)))
            ;
        ev_io_init(&d->rx, rx_cb, d->src->fd, EV_READ);
        ev_init(&d->release, release_cb);
        ev_init(&d->stall, stall_cb);
        d->rx.data = d->release.data = d->stall.data = d;
        ev_io_start(loop, &d->rx);
    }
    for (int i = 0; i < 2; i++)  /* after the loss/jitter streams: those keep their draws */
        while (!(S.dir[i].nz_rng = splitmix64(&sm)))
            ;
    ev_signal_init(&S.sigterm, signal_cb, SIGTERM);
    ev_signal_init(&S.sigint, signal_cb, SIGINT);
    ev_signal_start(loop, &S.sigterm);
    ev_signal_start(loop, &S.sigint);

    open_control(control);
    ev_io_init(&S.listen_io, listen_cb, S.listen_fd, EV_READ);
    ev_io_start(loop, &S.listen_io);
    fprintf(stderr, "nb-standin: ready: A %s:%s, B %s:%s, control %s, seed %" PRIu64 "\n",
            S.side[0].ns, S.side[0].ifname, S.side[1].ns, S.side[1].ifname, control, seed);

    ev_run(loop, 0);

    while (S.clients)
        client_close(S.clients);
    struct stat st;
    if (lstat(control, &st) == 0 && st.st_dev == S.sock_dev && st.st_ino == S.sock_ino)
        unlink(control);
    close(S.listen_fd);
    for (int i = 0; i < 2; i++) {
        flush(&S.dir[i]);
        ev_timer_stop(loop, &S.dir[i].stall);
        ev_io_stop(loop, &S.dir[i].rx);
        close(S.side[i].fd);
    }
    ev_loop_destroy(loop);
    return S.exit_code;
}
