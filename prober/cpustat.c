/* cpustat.c — CPU pressure, steal time and the run-queue wait of the threads
 * behind a tap, from procfs (see cpustat.h).
 *
 * Finding who forwards a tap's frames: the process that holds the tap's
 * /dev/net/tun fd open (QEMU's user-space virtio backend, or with vhost=on
 * QEMU plus its vhost-PID workers; the lab's stand-in). /proc/PID/fdinfo of a
 * tun fd names the interface ("iff:\tvnet3"); names repeat across network
 * namespaces, so a match is confirmed by duplicating the fd (pidfd_getfd)
 * and asking the kernel which tap it is (TUNGETIFF: the number may have been
 * reused for another file since fdinfo was read) and in which namespace
 * (TUNGETDEVNETNS). Since
 * Linux 6.4 vhost workers are threads of QEMU itself, so they come with its
 * task list; before, they are kernel threads named vhost-<QEMU's pid>,
 * matched by name.
 *
 * An owner is remembered as (tap, pid, fd). Sampling re-reads that fd's
 * fdinfo after the threads: if it no longer names the tap, the process
 * exited (or closed it, or its pid was reused) and what was read is dropped. */
#include "netblame/cpustat.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_tun.h>

#include "netblame/log.h"
#include "netblame/mem.h"

#define READ_MAX 4096      /* every file read here is far shorter */
#define MAX_VHOST 16       /* vhost kernel threads per owner (one per virtqueue pair) */
/* An fd's link names the tun device by this path's end: "/dev/net/tun" when
 * the holder and this agent share a root and a mount namespace; when they do
 * not (a chroot, `ip netns exec`'s own mount namespace, a jailed QEMU), the
 * kernel writes the path from the real root ("/srv/jail/dev/net/tun"). */
#define TUN_PATH "/dev/net/tun"

/* ---- parsers ---- */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* A decimal u64 at *P (1..20 digits, no overflow) before END; advances *P. */
static int span_u64(const char **p, const char *end, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    int n = 0;
    for (; s < end && is_digit(*s); s++, n++) {
        uint64_t d = (uint64_t)(*s - '0');
        if (n >= 20 || v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (n == 0)
        return -1;
    *p = s;
    *out = v;
    return 0;
}

/* A non-negative decimal "12.34" (at most 6 fraction digits) at *P. */
static int span_fixed(const char **p, const char *end, double *out)
{
    uint64_t ip, fp = 0;
    double scale = 1.0;
    if (span_u64(p, end, &ip) < 0 || ip > 1000000000)
        return -1;
    if (*p < end && **p == '.') {
        const char *s = ++*p;
        int n = 0;
        for (; s < end && is_digit(*s); s++, n++) {
            if (n >= 6)
                return -1;
            fp = fp * 10 + (uint64_t)(*s - '0');
            scale *= 10.0;
        }
        if (n == 0)
            return -1;
        *p = s;
    }
    *out = (double)ip + (double)fp / scale;
    return 0;
}

/* Does [P, END) start with the NUL-terminated WORD? */
static bool starts(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(end - p) >= n && memcmp(p, word, n) == 0;
}

/* The end of the line starting at P (its '\n', or END). */
static const char *eol(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

int nb_psi_parse(const char *text, size_t len, struct nb_psi *out)
{
    const char *end = text + len;
    for (const char *l = text; l < end;) {
        const char *le = eol(l, end);
        if (starts(l, le, "some ")) {
            static const char *const keys[] = {"avg10=", "avg60=", "avg300=", "total="};
            double avg[3];
            uint64_t total;
            const char *p = l + 5;
            for (int k = 0; k < 4; k++) {
                if (k && (p >= le || *p++ != ' '))
                    return -1;
                if (!starts(p, le, keys[k]))
                    return -1;
                p += strlen(keys[k]);
                if (k < 3 ? span_fixed(&p, le, &avg[k]) < 0 || avg[k] > 100.0
                          : span_u64(&p, le, &total) < 0)
                    return -1;
            }
            if (p != le)
                return -1;
            out->avg10 = avg[0];
            out->avg60 = avg[1];
            out->avg300 = avg[2];
            out->total_us = total;
            return 0;
        }
        l = le + 1;
    }
    return -1;
}

int nb_schedstat_parse(const char *text, size_t len, uint64_t *run_ns, uint64_t *wait_ns)
{
    const char *p = text, *end = text + len;
    uint64_t v[3];
    for (int k = 0; k < 3; k++) {
        if (k && (p >= end || *p++ != ' '))
            return -1;
        if (span_u64(&p, end, &v[k]) < 0)
            return -1;
    }
    if (p < end && *p == '\n')
        p++;
    if (p != end)
        return -1;
    *run_ns = v[0];
    *wait_ns = v[1];
    return 0;
}

int nb_procstat_parse(const char *text, size_t len, struct nb_cpu_times *out)
{
    const char *end = eol(text, text + len), *p = text;
    if (!starts(p, end, "cpu "))
        return -1;
    p += 3;
    uint64_t v[8], total = 0;
    for (int k = 0; k < 8; k++) {
        if (p >= end || *p != ' ')
            return -1;
        while (p < end && *p == ' ')
            p++;
        if (span_u64(&p, end, &v[k]) < 0 || total > UINT64_MAX - v[k])
            return -1;
        total += v[k];
    }
    /* guest and guest_nice may follow: already counted in user and nice */
    for (; p < end; p++)
        if (*p != ' ' && !is_digit(*p))
            return -1;
    out->total = total;
    out->steal = v[7];
    return 0;
}

int nb_fdinfo_iff(const char *text, size_t len, char *name, size_t cap)
{
    const char *end = text + len;
    for (const char *l = text; l < end;) {
        const char *le = eol(l, end);
        if (starts(l, le, "iff:")) {
            const char *p = l + 4;
            while (p < le && (*p == '\t' || *p == ' '))
                p++;
            size_t n = (size_t)(le - p);
            if (n == 0 || n >= cap || n >= NB_CPU_IFNAMSIZ)
                return -1;
            for (size_t i = 0; i < n; i++)
                if ((unsigned char)p[i] <= ' ' || p[i] == '/' || (unsigned char)p[i] >= 0x7f)
                    return -1;
            memcpy(name, p, n);
            name[n] = '\0';
            return 1;
        }
        l = le + 1;
    }
    return 0;
}

int nb_comm_parse(const char *text, size_t len, char out[NB_COMM_SIZ])
{
    if (len && text[len - 1] == '\n')
        len--;
    if (len == 0)
        return -1;
    if (len > NB_COMM_SIZ - 1)
        len = NB_COMM_SIZ - 1;
    for (size_t i = 0; i < len; i++)
        out[i] = (unsigned char)text[i] < ' ' || text[i] == 0x7f ? '?' : text[i];
    out[len] = '\0';
    return 0;
}

/* ---- reading procfs ---- */

/* Up to CAP-1 bytes of DIRFD/PATH into BUF (NUL-terminated). Returns the
 * length, or -1 (missing: a process that exited, a kernel without it). */
ssize_t nb_proc_read(int dirfd, const char *path, char *buf, size_t cap)
{
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            close(fd);
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    return (ssize_t)n;
}

int nb_psi_read(struct nb_psi *out)
{
    char buf[512];
    ssize_t n = nb_proc_read(AT_FDCWD, "/proc/pressure/cpu", buf, sizeof(buf));
    return n < 0 ? -1 : nb_psi_parse(buf, (size_t)n, out);
}

int nb_procstat_read(struct nb_cpu_times *out)
{
    char buf[READ_MAX];
    ssize_t n = nb_proc_read(AT_FDCWD, "/proc/stat", buf, sizeof(buf));
    return n < 0 ? -1 : nb_procstat_parse(buf, (size_t)n, out);
}

/* A decimal directory name (a pid, a tid, an fd) as int32, or -1. */
static int32_t dir_number(const char *name)
{
    const char *p = name, *end = name + strlen(name);
    uint64_t v;
    if (span_u64(&p, end, &v) < 0 || p != end || v > INT32_MAX)
        return -1;
    return (int32_t)v;
}

/* ---- tap owners ---- */

struct owner {
    char tap[NB_CPU_IFNAMSIZ];
    int32_t pid, fd;             /* the process and its fd of the tap */
    int32_t vhost[MAX_VHOST];    /* vhost-PID kernel threads (kernels before 6.4) */
    size_t nvhost;
};

struct nb_tapowners {
    char proc[64];
    struct owner *o;
    size_t n;
    bool warned; /* the kernel could not confirm a namespace: said once */
};

struct nb_tapowners *nb_tapowners_new(const char *proc)
{
    struct nb_tapowners *t = nb_calloc(1, sizeof(*t));
    snprintf(t->proc, sizeof(t->proc), "%s", proc);
    return t;
}

void nb_tapowners_free(struct nb_tapowners *t)
{
    if (!t)
        return;
    free(t->o);
    free(t);
}

/* Is FD of process PID still attached to tap NAME, in this thread's network
 * namespace (SELF; NULL: unknown)? 1 yes, 0 no (another namespace, another
 * file by now: the fd was closed and its number reused, or the process is
 * gone), -1 the kernel cannot say (no pidfd_getfd or TUNGETDEVNETNS). */
static int tap_here(int32_t pid, int32_t fd, const char *name, const struct stat *self)
{
    if (!self)
        return -1;
    int pidfd = pidfd_open(pid, 0);
    if (pidfd < 0)
        return errno == ESRCH ? 0 : -1;
    int f = pidfd_getfd(pidfd, fd, 0);
    int e = errno;
    close(pidfd);
    if (f < 0)
        return e == EBADF || e == ESRCH ? 0 : -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    if (ioctl(f, TUNGETIFF, &ifr) < 0 || strncmp(ifr.ifr_name, name, IFNAMSIZ) != 0) {
        close(f); /* not a tap, or not that one (any more) */
        return 0;
    }
    int ns = ioctl(f, TUNGETDEVNETNS);
    e = errno;
    close(f);
    if (ns < 0)
        return e == EBADFD ? 0 : -1; /* EBADFD: no longer attached */
    struct stat st;
    int r = fstat(ns, &st);
    close(ns);
    if (r < 0)
        return -1;
    return st.st_dev == self->st_dev && st.st_ino == self->st_ino;
}

/* The name of the tap FD of process PID (open under PROCFD) is attached to,
 * into NAME; 1 if it is a tun fd attached to one, else 0. */
static int tun_fd_iff(int procfd, int32_t pid, int32_t fd, char name[NB_CPU_IFNAMSIZ])
{
    char path[64], buf[READ_MAX];
    snprintf(path, sizeof(path), "%d/fdinfo/%d", pid, fd);
    ssize_t n = nb_proc_read(procfd, path, buf, sizeof(buf));
    return n > 0 && nb_fdinfo_iff(buf, (size_t)n, name, NB_CPU_IFNAMSIZ) == 1;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* NAME among the N sorted NAMES (a binary search: a host has a tun fd per guest). */
static bool wanted(const char *name, const char *const *names, size_t n)
{
    return bsearch(&name, names, n, sizeof(*names), cmp_name) != NULL;
}

static void add_owner(struct nb_tapowners *t, const char *tap, int32_t pid, int32_t fd)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->o[i].pid == pid && strcmp(t->o[i].tap, tap) == 0)
            return; /* several queues of one tap */
    t->o = nb_reallocarray(t->o, t->n + 1, sizeof(*t->o));
    struct owner *o = &t->o[t->n++];
    memset(o, 0, sizeof(*o));
    snprintf(o->tap, sizeof(o->tap), "%s", tap);
    o->pid = pid;
    o->fd = fd;
}

/* The fds of process PID: owners of wanted taps. */
static void scan_fds(struct nb_tapowners *t, int procfd, int32_t pid, const char *const *names,
                     size_t n, const struct stat *self)
{
    char path[64], link[PATH_MAX], tap[NB_CPU_IFNAMSIZ];
    const size_t tl = strlen(TUN_PATH);
    snprintf(path, sizeof(path), "%d/fd", pid);
    int dfd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return; /* exited, or a kernel thread's fds we may not read */
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return;
    }
    for (struct dirent *e; (e = readdir(d));) {
        int32_t fd = dir_number(e->d_name);
        if (fd < 0)
            continue;
        ssize_t l = readlinkat(dfd, e->d_name, link, sizeof(link));
        if (l < (ssize_t)tl || l >= (ssize_t)sizeof(link) ||
            memcmp(link + l - tl, TUN_PATH, tl) != 0)
            continue; /* not the tun device (fdinfo tells which tap, below) */
        if (!tun_fd_iff(procfd, pid, fd, tap) || !wanted(tap, names, n))
            continue;
        int same = tap_here(pid, fd, tap, self);
        if (same < 0 && !t->warned) {
            nb_warn("tap owners: the kernel cannot tell which namespace %s of pid %d is in "
                    "(pidfd_getfd or TUNGETDEVNETNS refused); matching taps by name only",
                    tap, pid);
            t->warned = true;
        }
        if (same != 0)
            add_owner(t, tap, pid, fd);
    }
    closedir(d);
}

/* The owner PID of a kernel thread named "vhost-PID" in COMM, or -1. */
static int32_t vhost_owner(const char *comm)
{
    return strncmp(comm, "vhost-", 6) == 0 ? dir_number(comm + 6) : -1;
}

size_t nb_tapowners_scan(struct nb_tapowners *t, const char *const *names_in, size_t n)
{
    t->n = 0;
    if (n == 0)
        return 0;
    const char **names = nb_reallocarray(NULL, n, sizeof(*names));
    memcpy(names, names_in, n * sizeof(*names));
    qsort(names, n, sizeof(*names), cmp_name);
    char path[96];
    struct stat self_st, *self = &self_st;
    snprintf(path, sizeof(path), "%s/thread-self/ns/net", t->proc);
    if (stat(path, &self_st) < 0)
        self = NULL; /* no namespace to compare with: names only */
    int procfd = open(t->proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (procfd < 0) {
        nb_warn_errno("tap owners: %s", t->proc);
        free(names);
        return 0;
    }
    int dfd = dup(procfd);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        close(procfd);
        free(names);
        return 0;
    }
    struct {
        int32_t tid, owner;
    } *kt = NULL;
    size_t nkt = 0;
    for (struct dirent *e; (e = readdir(d));) {
        int32_t pid = dir_number(e->d_name);
        if (pid <= 0)
            continue;
        char buf[64], comm[NB_COMM_SIZ];
        snprintf(path, sizeof(path), "%d/comm", pid);
        ssize_t l = nb_proc_read(procfd, path, buf, sizeof(buf));
        int32_t owner;
        if (l > 0 && nb_comm_parse(buf, (size_t)l, comm) == 0 && (owner = vhost_owner(comm)) > 0) {
            kt = nb_reallocarray(kt, nkt + 1, sizeof(*kt));
            kt[nkt].tid = pid;
            kt[nkt++].owner = owner;
            continue; /* a kernel thread holds no fds */
        }
        scan_fds(t, procfd, pid, names, n, self);
    }
    closedir(d);
    free(names);
    /* Still holding it now, after the whole walk? A tool that looks at fds
     * (another agent confirming its own taps, as above) holds a duplicate
     * for microseconds: seen mid-walk, it would pass for an owner. */
    for (size_t i = 0; i < t->n;) {
        char tap[NB_CPU_IFNAMSIZ];
        const struct owner *o = &t->o[i];
        if (tun_fd_iff(procfd, o->pid, o->fd, tap) && strcmp(tap, o->tap) == 0 &&
            tap_here(o->pid, o->fd, o->tap, self) != 0)
            i++;
        else
            t->o[i] = t->o[--t->n];
    }
    close(procfd);
    for (size_t i = 0; i < nkt; i++)
        for (size_t j = 0; j < t->n; j++)
            if (t->o[j].pid == kt[i].owner && t->o[j].nvhost < MAX_VHOST)
                t->o[j].vhost[t->o[j].nvhost++] = kt[i].tid;
    free(kt);
    return t->n;
}

size_t nb_tapowners_taps(const struct nb_tapowners *t)
{
    if (t->n == 0)
        return 0;
    const char **tap = nb_reallocarray(NULL, t->n, sizeof(*tap));
    for (size_t i = 0; i < t->n; i++)
        tap[i] = t->o[i].tap;
    qsort(tap, t->n, sizeof(*tap), cmp_name);
    size_t k = 1;
    for (size_t i = 1; i < t->n; i++)
        k += strcmp(tap[i], tap[i - 1]) != 0;
    free(tap);
    return k;
}

/* Read one thread (PATH: "PID/task/TID" or "TID") into *TH. */
static int read_thread(int procfd, const char *path, struct nb_cpu_thread *th)
{
    char p[96], buf[128];
    ssize_t n;
    snprintf(p, sizeof(p), "%s/schedstat", path);
    if ((n = nb_proc_read(procfd, p, buf, sizeof(buf))) < 0 ||
        nb_schedstat_parse(buf, (size_t)n, &th->run_ns, &th->wait_ns) < 0)
        return -1;
    snprintf(p, sizeof(p), "%s/comm", path);
    if ((n = nb_proc_read(procfd, p, buf, sizeof(buf))) < 0 ||
        nb_comm_parse(buf, (size_t)n, th->comm) < 0)
        return -1;
    return 0;
}

/* Every thread of owner O (its task list, then its vhost kernel threads)
 * into OUT[*K..CAP). */
static void sample_owner(int procfd, const struct owner *o, struct nb_cpu_thread *out, size_t *k,
                         size_t cap, bool *truncated)
{
    char path[64];
    snprintf(path, sizeof(path), "%d/task", o->pid);
    int dfd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return; /* exited */
    }
    for (struct dirent *e; (e = readdir(d));) {
        int32_t tid = dir_number(e->d_name);
        if (tid <= 0)
            continue;
        if (*k >= cap) {
            *truncated = true;
            break;
        }
        struct nb_cpu_thread *th = &out[*k];
        memset(th, 0, sizeof(*th));
        snprintf(path, sizeof(path), "%d/task/%d", o->pid, tid);
        if (read_thread(procfd, path, th) < 0)
            continue; /* exited meanwhile */
        snprintf(th->tap, sizeof(th->tap), "%s", o->tap);
        th->pid = o->pid;
        th->tid = tid;
        (*k)++;
    }
    closedir(d);
    for (size_t i = 0; i < o->nvhost; i++) {
        if (*k >= cap) {
            *truncated = true;
            break;
        }
        struct nb_cpu_thread *th = &out[*k];
        memset(th, 0, sizeof(*th));
        snprintf(path, sizeof(path), "%d", o->vhost[i]);
        if (read_thread(procfd, path, th) < 0 || vhost_owner(th->comm) != o->pid)
            continue; /* gone, or its pid reused */
        snprintf(th->tap, sizeof(th->tap), "%s", o->tap);
        th->pid = o->pid;
        th->tid = o->vhost[i];
        (*k)++;
    }
}

size_t nb_tapowners_sample(struct nb_tapowners *t, struct nb_cpu_thread *out, size_t cap,
                           bool *truncated)
{
    bool trunc = false;
    size_t k = 0;
    int procfd = t->n ? open(t->proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    for (size_t i = 0; i < t->n && procfd >= 0; i++) {
        const struct owner *o = &t->o[i];
        size_t k0 = k;
        char tap[NB_CPU_IFNAMSIZ];
        sample_owner(procfd, o, out, &k, cap, &trunc);
        /* still the same process, still holding the tap: else drop what was read */
        if (!tun_fd_iff(procfd, o->pid, o->fd, tap) || strcmp(tap, o->tap) != 0)
            k = k0;
    }
    if (procfd >= 0)
        close(procfd);
    if (truncated)
        *truncated = trunc;
    return k;
}
