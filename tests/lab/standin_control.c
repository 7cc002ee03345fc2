/* standin_control.c — nb-standin's control protocol: the commands on its
 * Unix socket (standin.c's header lists them) and their clients. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "standin.h"

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

bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
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

void client_close(struct client *c)
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

void listen_cb(EV_P_ ev_io *w, int revents)
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
