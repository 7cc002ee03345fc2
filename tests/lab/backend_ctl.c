/* backend_ctl.c — nb-backend's control protocol: the commands on its Unix
 * socket (backend.c's header lists them), the knobs they set, and their
 * clients. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "backend.h"

static const char *const mode_names[] = { "normal", "reset", "hang", "refuse", "close" };

void knobs_default(struct knobs *k)
{
    memset(k, 0, sizeof *k);
    k->status = 200;
    k->mode = MODE_NORMAL;
    memcpy(k->body, "ok\n", 3);
    k->body_len = 3;
}

/* ---- control ---- */

void ctl_close(struct ctl *k)
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

const char *ctl_open(const char *path)
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
