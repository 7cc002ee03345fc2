/* standin_faults.c — nb-standin's data path: each direction's fault
 * pipeline, from the frame read on one tap to its write on the other
 * (standin.c's header describes it). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>

#include "standin.h"

#ifndef TUNSETCARRIER
#define TUNSETCARRIER _IOW('T', 226, int)
#endif

const struct faults faults_default = { .queue = QUEUE_DEFAULT };

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

uint64_t splitmix64(uint64_t *x)
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

void flush(struct dir *d)
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

void rx_cb(EV_P_ ev_io *w, int revents)
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

void release_cb(EV_P_ ev_timer *w, int revents)
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

void stall_cb(EV_P_ ev_timer *w, int revents)
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
void faults_apply(struct dir *d, const struct faults *nf)
{
    bool stall_changed = nf->stall_every_ms != d->f.stall_every_ms ||
                         nf->stall_for_ms != d->f.stall_for_ms;
    d->f = *nf;
    if (stall_changed)
        stall_apply(d);
    pump(d);
}

int set_carrier(int on, char *err, size_t errlen)
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
