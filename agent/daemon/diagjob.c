/* diagjob.c — `netblame diagnose` as a bounded child process (see diagjob.h). */
#include "daemon/diagjob.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netblame/buf.h"
#include "netblame/log.h"
#include "netblame/mem.h"

extern char **environ;

struct nb_diagjob {
    struct ev_loop *loop;
    pid_t pid;
    ev_child child;
    ev_io out_io, err_io;
    ev_timer deadline;
    ev_idle done; /* the callback, from the loop once all is in */
    struct nb_buf out;
    char err[NB_DIAGJOB_ERR_MAX];
    size_t err_len;
    bool exited, out_eof, err_eof, killed_deadline, too_much;
    int status;
    nb_diagjob_cb cb;
    void *arg;
};

static void stop_all(struct nb_diagjob *j)
{
    ev_child_stop(j->loop, &j->child);
    ev_io_stop(j->loop, &j->out_io);
    ev_io_stop(j->loop, &j->err_io);
    ev_timer_stop(j->loop, &j->deadline);
    ev_idle_stop(j->loop, &j->done);
    if (j->out_io.fd >= 0)
        close(j->out_io.fd);
    if (j->err_io.fd >= 0)
        close(j->err_io.fd);
}

static void free_job(struct nb_diagjob *j)
{
    stop_all(j);
    nb_buf_free(&j->out);
    free(j);
}

static void kill_group(struct nb_diagjob *j)
{
    if (!j->exited)
        kill(-j->pid, SIGKILL); /* the child leads its own group */
}

static void maybe_done(struct nb_diagjob *j)
{
    if (j->exited && j->out_eof && j->err_eof)
        ev_idle_start(j->loop, &j->done);
}

static void on_done(struct ev_loop *loop, ev_idle *w, int revents)
{
    struct nb_diagjob *j = w->data;
    nb_buf_append(&j->out, "", 0); /* NUL-terminated storage */
    j->err[j->err_len] = '\0';
    struct nb_diagjob_result r = {
        .exit_status = !j->killed_deadline && !j->too_much && WIFEXITED(j->status)
                           ? WEXITSTATUS(j->status)
                           : -1,
        .deadline = j->killed_deadline,
        .out = j->out.data ? j->out.data : "",
        .out_len = j->out.len,
        .err = j->too_much ? "output over the bound: killed" : j->err,
    };
    nb_diagjob_cb cb = j->cb;
    void *arg = j->arg;
    stop_all(j);
    j->out_io.fd = j->err_io.fd = -1;
    cb(arg, &r);
    nb_buf_free(&j->out);
    free(j);
}

static void on_child(struct ev_loop *loop, ev_child *w, int revents)
{
    struct nb_diagjob *j = w->data;
    j->exited = true;
    j->status = w->rstatus;
    ev_child_stop(loop, w);
    ev_timer_stop(loop, &j->deadline);
    maybe_done(j);
}

static void on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct nb_diagjob *j = w->data;
    j->killed_deadline = true;
    kill_group(j);
}

static void on_out(struct ev_loop *loop, ev_io *w, int revents)
{
    struct nb_diagjob *j = w->data;
    char buf[16384];
    ssize_t n = read(w->fd, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        ev_io_stop(loop, w);
        j->out_eof = true;
        maybe_done(j);
        return;
    }
    if (j->out.len + (size_t)n > NB_DIAGJOB_OUT_MAX) {
        j->too_much = true;
        kill_group(j);
        return; /* keep draining until EOF */
    }
    nb_buf_append(&j->out, buf, (size_t)n);
}

static void on_err(struct ev_loop *loop, ev_io *w, int revents)
{
    struct nb_diagjob *j = w->data;
    char buf[4096];
    ssize_t n = read(w->fd, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        ev_io_stop(loop, w);
        j->err_eof = true;
        maybe_done(j);
        return;
    }
    /* keep the last bytes: the reason a run failed is said last */
    size_t cap = sizeof(j->err) - 1;
    if ((size_t)n >= cap) {
        memcpy(j->err, buf + n - cap, cap);
        j->err_len = cap;
    } else {
        if (j->err_len + (size_t)n > cap) {
            size_t drop = j->err_len + (size_t)n - cap;
            memmove(j->err, j->err + drop, j->err_len - drop);
            j->err_len -= drop;
        }
        memcpy(j->err + j->err_len, buf, (size_t)n);
        j->err_len += (size_t)n;
    }
    while (j->err_len && (j->err[j->err_len - 1] == '\n'))
        j->err_len--;
}

struct nb_diagjob *nb_diagjob_start(struct ev_loop *loop, const char *const argv[], unsigned deadline_ms,
                                    nb_diagjob_cb cb, void *arg, char *err, size_t errlen)
{
    int out[2], errp[2];
    if (pipe2(out, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return NULL;
    }
    if (pipe2(errp, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        close(out[0]);
        close(out[1]);
        return NULL;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
    posix_spawnattr_init(&at);
    /* its own process group, so the deadline kills whatever it started;
     * default signal dispositions and an empty mask (the daemon's libev
     * blocks or catches some) */
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    /* posix_spawn takes char *const[] for historical reasons; it does not write */
    int rc = posix_spawn(&pid, argv[0], &fa, &at, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(out[1]);
    close(errp[1]);
    if (rc != 0) {
        snprintf(err, errlen, "cannot run %s: %s", argv[0], strerror(rc));
        close(out[0]);
        close(errp[0]);
        return NULL;
    }
    struct nb_diagjob *j = nb_calloc(1, sizeof(*j));
    j->loop = loop;
    j->pid = pid;
    j->cb = cb;
    j->arg = arg;
    nb_buf_init(&j->out);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(errp[0], F_SETFL, O_NONBLOCK);
    ev_child_init(&j->child, on_child, pid, 0);
    j->child.data = j;
    ev_child_start(loop, &j->child);
    ev_io_init(&j->out_io, on_out, out[0], EV_READ);
    j->out_io.data = j;
    ev_io_start(loop, &j->out_io);
    ev_io_init(&j->err_io, on_err, errp[0], EV_READ);
    j->err_io.data = j;
    ev_io_start(loop, &j->err_io);
    ev_timer_init(&j->deadline, on_deadline, deadline_ms / 1000.0, 0.);
    j->deadline.data = j;
    ev_timer_start(loop, &j->deadline);
    ev_idle_init(&j->done, on_done);
    j->done.data = j;
    return j;
}

void nb_diagjob_cancel(struct nb_diagjob *j)
{
    if (!j)
        return;
    kill_group(j);
    if (!j->exited) /* reap it, so no zombie is left (SIGKILL is prompt) */
        waitpid(j->pid, NULL, 0);
    free_job(j);
}

int nb_diagjob_cli_path(char *out, size_t cap, char *err, size_t errlen)
{
    const char *env = getenv("NETBLAME_CLI");
    if (env && env[0]) {
        if ((size_t)snprintf(out, cap, "%s", env) >= cap || access(out, X_OK) != 0) {
            snprintf(err, errlen, "NETBLAME_CLI=%s is not an executable file", env);
            return -1;
        }
        return 0;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        snprintf(err, errlen, "cannot read /proc/self/exe: %s", strerror(errno));
        return -1;
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    /* Beside it (a build tree), or in the bin/ beside its sbin/ (installed:
     * /usr/sbin/netblamed, /usr/bin/netblame). */
    static const char *const rel[] = {"netblame", "../bin/netblame"};
    for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
        if ((size_t)snprintf(out, cap, "%s/%s", self, rel[i]) >= cap) {
            snprintf(err, errlen, "path of the netblame CLI too long");
            return -1;
        }
        if (access(out, X_OK) == 0)
            return 0;
    }
    snprintf(err, errlen, "no netblame CLI beside netblamed nor in %s/../bin", self);
    return -1;
}
