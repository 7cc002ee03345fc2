/* spool.c — the bounded on-disk spool (see spool.h for the layout and the
 * guarantees).
 *
 * Every name is resolved against the spool's directory descriptor (openat,
 * renameat, unlinkat), so a spool_dir renamed or replaced under a running
 * daemon cannot make it write elsewhere. A file is trusted only when its
 * header, rebuilt from the values read, is byte for byte what is on disk and
 * the payload's length and FNV-1a hash match: a crash mid-write, a truncated
 * file or a stray edit all fail that test and the file goes to corrupt/. */
#include "alert/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netblame/log.h"
#include "netblame/mem.h"

#define MAGIC "NBSPOOL1"
#define HEADER_MAX 96
#define ENTRY_MAX_BYTES (256ull << 20) /* larger is not one of ours */
#define MARKS_MAX_BYTES (4u << 20)

struct nb_spool {
    int dirfd, deadfd, corruptfd;
    char *dir;
    uint64_t next_seq;
    struct nb_spool_entry *ents; /* ascending seq */
    size_t n, cap;
    struct nb_spool_stats st;
    int (*sync)(int fd);
    int (*datasync)(int fd);
};

uint64_t nb_spool_hash(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

uint64_t nb_spool_sink_id(const char *name)
{
    return nb_spool_hash(name, strlen(name));
}

static void entry_name(char *out, size_t n, uint64_t seq, const char *suffix)
{
    snprintf(out, n, "e-%016" PRIx64 "%s", seq, suffix);
}

/* "e-" + exactly 16 lower-case hex digits + SUFFIX ("" or ".p"). */
static bool parse_name(const char *name, const char *suffix, uint64_t *seq)
{
    if (strncmp(name, "e-", 2) != 0 || strlen(name) != 18 + strlen(suffix) ||
        strcmp(name + 18, suffix) != 0)
        return false;
    uint64_t v = 0;
    for (int i = 2; i < 18; i++) {
        char c = name[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else
            return false;
        v = v << 4 | d;
    }
    *seq = v;
    return true;
}

static int format_header(char *out, uint64_t seq, nb_ns accept_real, uint64_t len, uint64_t hash)
{
    return snprintf(out, HEADER_MAX,
                    MAGIC " %016" PRIx64 " %" PRId64 " %" PRIu64 " %016" PRIx64 "\n", seq,
                    (int64_t)accept_real, len, hash);
}

bool nb_spool_entry_parse(const char *data, size_t size, uint64_t seq, nb_ns *accept_real,
                          size_t *off)
{
    const char *nl = memchr(data, '\n', size < HEADER_MAX ? size : HEADER_MAX);
    if (!nl)
        return false;
    size_t hlen = (size_t)(nl - data) + 1;
    char head[HEADER_MAX];
    memcpy(head, data, hlen - 1);
    head[hlen - 1] = '\0';
    char magic[16];
    uint64_t fseq, len, hash;
    int64_t real;
    if (sscanf(head, "%15s %" SCNx64 " %" SCNd64 " %" SCNu64 " %" SCNx64, magic, &fseq, &real, &len,
               &hash) != 5)
        return false;
    char canon[HEADER_MAX];
    int clen = format_header(canon, fseq, real, len, hash);
    if (clen <= 0 || (size_t)clen != hlen || memcmp(canon, data, hlen) != 0 || fseq != seq ||
        len != size - hlen || nb_spool_hash(data + hlen, (size_t)len) != hash)
        return false;
    *accept_real = real;
    *off = hlen;
    return true;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read all of NAME under DIRFD (at most MAX bytes) into OUT. */
static int read_file(int dirfd, const char *name, size_t max, struct nb_buf *out)
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    out->len = 0;
    char chunk[16384];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 || out->len + (size_t)r > max) {
            int e = r < 0 ? errno : EFBIG;
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        nb_buf_append(out, chunk, (size_t)r);
    }
    close(fd);
    nb_buf_append(out, "", 0);
    return 0;
}

static void io_error(struct nb_spool *sp, char *err, size_t errlen, const char *what,
                     const char *name)
{
    sp->st.io_errors_total++;
    snprintf(err, errlen, "spool %s: %s %s: %s", sp->dir, what, name, strerror(errno));
    nb_warn("%s", err);
}

static int sync_dir(struct nb_spool *sp, int fd, char *err, size_t errlen)
{
    if (sp->sync(fd) == 0)
        return 0;
    io_error(sp, err, errlen, "fsync of the directory", "");
    return -1;
}

static int strcmp_ptr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keep at most NB_SPOOL_ASIDE_MAX files in FD's directory, the newest (the
 * names sort by sequence). */
static void trim_aside(struct nb_spool *sp, int fd, const char *which)
{
    int dfd = dup(fd);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return;
    }
    rewinddir(d);
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        names = nb_reallocarray(names, n + 1, sizeof(*names));
        names[n++] = nb_strdup(de->d_name);
    }
    closedir(d);
    if (n > NB_SPOOL_ASIDE_MAX) {
        qsort(names, n, sizeof(*names), strcmp_ptr);
        for (size_t i = 0; i < n - NB_SPOOL_ASIDE_MAX; i++)
            if (unlinkat(fd, names[i], 0) != 0)
                sp->st.io_errors_total++;
        nb_info("spool %s: %s/ trimmed to its newest %d files", sp->dir, which, NB_SPOOL_ASIDE_MAX);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Move NAME (and its .p, if any) from the spool into corrupt/ or dead/. */
static void move_aside(struct nb_spool *sp, uint64_t seq, int tofd, const char *which)
{
    char name[40], prog[40];
    entry_name(name, sizeof(name), seq, "");
    entry_name(prog, sizeof(prog), seq, ".p");
    if (renameat(sp->dirfd, name, tofd, name) != 0 && errno != ENOENT) {
        sp->st.io_errors_total++;
        nb_warn_errno("spool %s: cannot move %s to %s/", sp->dir, name, which);
        if (unlinkat(sp->dirfd, name, 0) != 0)
            sp->st.io_errors_total++;
    }
    if (renameat(sp->dirfd, prog, tofd, prog) != 0 && errno != ENOENT)
        sp->st.io_errors_total++;
    (void)sp->sync(tofd);
    trim_aside(sp, tofd, which);
}

static void corrupt(struct nb_spool *sp, uint64_t seq, const char *why)
{
    nb_warn("spool %s: entry e-%016" PRIx64 " %s: moved to corrupt/", sp->dir, seq, why);
    move_aside(sp, seq, sp->corruptfd, "corrupt");
    sp->st.corrupt_total++;
}

static int cmp_entry(const void *a, const void *b)
{
    uint64_t x = ((const struct nb_spool_entry *)a)->seq,
             y = ((const struct nb_spool_entry *)b)->seq;
    return x < y ? -1 : x > y;
}

static size_t find(const struct nb_spool *sp, uint64_t seq)
{
    struct nb_spool_entry key = {.seq = seq};
    const struct nb_spool_entry *e =
        sp->n ? bsearch(&key, sp->ents, sp->n, sizeof(*sp->ents), cmp_entry) : NULL;
    return e ? (size_t)(e - sp->ents) : SIZE_MAX;
}

static void forget(struct nb_spool *sp, size_t i)
{
    sp->st.bytes -= sp->ents[i].bytes;
    memmove(&sp->ents[i], &sp->ents[i + 1], (sp->n - i - 1) * sizeof(*sp->ents));
    sp->n--;
    sp->st.entries = sp->n;
}

static void add(struct nb_spool *sp, uint64_t seq, uint64_t bytes, nb_ns accept_real)
{
    if (sp->n == sp->cap) {
        sp->cap = sp->cap ? sp->cap * 2 : 64;
        sp->ents = nb_reallocarray(sp->ents, sp->cap, sizeof(*sp->ents));
    }
    sp->ents[sp->n++] =
        (struct nb_spool_entry){.seq = seq, .bytes = bytes, .accept_real = accept_real};
    sp->st.bytes += bytes;
    sp->st.entries = sp->n;
}

/* The highest sequence named in FD's directory (0 if none). */
static uint64_t max_seq_in(int fd)
{
    int dfd = dup(fd);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    uint64_t max = 0, seq;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return 0;
    }
    rewinddir(d);
    struct dirent *de;
    while ((de = readdir(d)))
        if ((parse_name(de->d_name, "", &seq) || parse_name(de->d_name, ".p", &seq)) && seq > max)
            max = seq;
    closedir(d);
    return max;
}

static int open_subdir(struct nb_spool *sp, const char *name, char *err, size_t errlen)
{
    if (mkdirat(sp->dirfd, name, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "spool %s: cannot create %s/: %s", sp->dir, name, strerror(errno));
        return -1;
    }
    int fd = openat(sp->dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        snprintf(err, errlen, "spool %s: cannot open %s/: %s", sp->dir, name, strerror(errno));
    return fd;
}

/* mkdir -p DIR, 0700 for what is created. */
static int make_dirs(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* Check entry SEQ on disk; list it if valid, move it aside if not. */
static void scan_entry(struct nb_spool *sp, uint64_t seq, struct nb_buf *tmp)
{
    char name[40];
    entry_name(name, sizeof(name), seq, "");
    nb_ns real;
    size_t off;
    if (read_file(sp->dirfd, name, ENTRY_MAX_BYTES, tmp) != 0) {
        corrupt(sp, seq, strerror(errno));
        return;
    }
    if (!nb_spool_entry_parse(tmp->data ? tmp->data : "", tmp->len, seq, &real, &off)) {
        corrupt(sp, seq, "is truncated or damaged");
        return;
    }
    add(sp, seq, tmp->len, real);
}

/* Read DIR: entries listed, temporaries removed, bad entries and orphan
 * progress files dealt with. */
static int scan(struct nb_spool *sp, char *err, size_t errlen)
{
    int dfd = dup(sp->dirfd);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        snprintf(err, errlen, "spool %s: cannot read: %s", sp->dir, strerror(errno));
        return -1;
    }
    uint64_t *seqs = NULL, *progs = NULL, seq;
    size_t nseqs = 0, nprogs = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *nm = de->d_name;
        if (strncmp(nm, "tmp-", 4) == 0) {
            if (unlinkat(sp->dirfd, nm, 0) != 0)
                sp->st.io_errors_total++;
        } else if (parse_name(nm, "", &seq)) {
            seqs = nb_reallocarray(seqs, nseqs + 1, sizeof(*seqs));
            seqs[nseqs++] = seq;
        } else if (parse_name(nm, ".p", &seq)) {
            progs = nb_reallocarray(progs, nprogs + 1, sizeof(*progs));
            progs[nprogs++] = seq;
        } else if (strcmp(nm, ".") && strcmp(nm, "..") && strcmp(nm, "dead") &&
                   strcmp(nm, "corrupt")) {
            nb_debug("spool %s: %s is not a spool file: left alone", sp->dir, nm);
        }
    }
    closedir(d);
    struct nb_buf tmp;
    nb_buf_init(&tmp);
    for (size_t i = 0; i < nseqs; i++) {
        scan_entry(sp, seqs[i], &tmp);
        if (seqs[i] >= sp->next_seq)
            sp->next_seq = seqs[i] + 1;
    }
    nb_buf_free(&tmp);
    if (sp->n)
        qsort(sp->ents, sp->n, sizeof(*sp->ents), cmp_entry);
    for (size_t i = 0; i < nprogs; i++) {
        if (progs[i] >= sp->next_seq)
            sp->next_seq = progs[i] + 1;
        if (find(sp, progs[i]) != SIZE_MAX)
            continue;
        char name[40];
        entry_name(name, sizeof(name), progs[i], ".p");
        if (unlinkat(sp->dirfd, name, 0) != 0 && errno != ENOENT)
            sp->st.io_errors_total++;
    }
    free(seqs);
    free(progs);
    (void)sp->sync(sp->dirfd);
    return 0;
}

static int default_datasync(int fd)
{
    return fdatasync(fd);
}

struct nb_spool *nb_spool_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen)
{
    if (!dir || !dir[0]) {
        snprintf(err, errlen, "spool: no directory");
        return NULL;
    }
    if (make_dirs(dir) != 0) {
        snprintf(err, errlen, "spool %s: cannot create: %s", dir, strerror(errno));
        return NULL;
    }
    struct nb_spool *sp = nb_calloc(1, sizeof(*sp));
    sp->dir = nb_strdup(dir);
    sp->deadfd = sp->corruptfd = -1;
    sp->sync = fsync;
    sp->datasync = default_datasync;
    sp->st.max_bytes = max_bytes;
    sp->next_seq = 1;
    sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sp->dirfd < 0) {
        snprintf(err, errlen, "spool %s: cannot open: %s", dir, strerror(errno));
        nb_spool_close(sp);
        return NULL;
    }
    if ((sp->deadfd = open_subdir(sp, "dead", err, errlen)) < 0 ||
        (sp->corruptfd = open_subdir(sp, "corrupt", err, errlen)) < 0) {
        nb_spool_close(sp);
        return NULL;
    }
    uint64_t m = max_seq_in(sp->deadfd), c = max_seq_in(sp->corruptfd);
    sp->next_seq = (m > c ? m : c) + 1;
    if (scan(sp, err, errlen) != 0) {
        nb_spool_close(sp);
        return NULL;
    }
    trim_aside(sp, sp->deadfd, "dead");
    trim_aside(sp, sp->corruptfd, "corrupt");
    if (sp->n || sp->st.corrupt_total)
        nb_info("spool %s: %zu entries (%" PRIu64 " bytes) to replay, %" PRIu64
                " moved to corrupt/",
                dir, sp->n, sp->st.bytes, sp->st.corrupt_total);
    return sp;
}

void nb_spool_close(struct nb_spool *sp)
{
    if (!sp)
        return;
    if (sp->dirfd >= 0)
        close(sp->dirfd);
    if (sp->deadfd >= 0)
        close(sp->deadfd);
    if (sp->corruptfd >= 0)
        close(sp->corruptfd);
    free(sp->ents);
    free(sp->dir);
    free(sp);
}

enum nb_spool_rc nb_spool_put(struct nb_spool *sp, const void *data, size_t len, nb_ns accept_real,
                              uint64_t *seq, char *err, size_t errlen)
{
    char head[HEADER_MAX];
    uint64_t s = sp->next_seq;
    int hlen = format_header(head, s, accept_real, len, nb_spool_hash(data, len));
    uint64_t size = (uint64_t)hlen + len;
    if (size > sp->st.max_bytes || sp->st.bytes + size > sp->st.max_bytes) {
        sp->st.full_total++;
        snprintf(err, errlen,
                 "spool %s full: %" PRIu64 " of %" PRIu64 " bytes held, %" PRIu64 " more refused",
                 sp->dir, sp->st.bytes, sp->st.max_bytes, size);
        return NB_SPOOL_FULL;
    }
    sp->next_seq++;
    char tmp[40], name[40];
    snprintf(tmp, sizeof(tmp), "tmp-%016" PRIx64, s);
    entry_name(name, sizeof(name), s, "");
    int fd = openat(sp->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        io_error(sp, err, errlen, "cannot create", tmp);
        return NB_SPOOL_IO;
    }
    const char *what = NULL;
    if (write_all(fd, head, (size_t)hlen) != 0 || write_all(fd, data, len) != 0)
        what = "cannot write";
    else if (sp->sync(fd) != 0)
        what = "cannot fsync";
    if (close(fd) != 0 && !what)
        what = "cannot close";
    if (!what && renameat(sp->dirfd, tmp, sp->dirfd, name) != 0)
        what = "cannot rename";
    if (what) {
        io_error(sp, err, errlen, what, tmp);
        (void)unlinkat(sp->dirfd, tmp, 0);
        return NB_SPOOL_IO;
    }
    if (sync_dir(sp, sp->dirfd, err, errlen) != 0) {
        /* Not known to be durable: not acknowledged either, so take it back
         * (Alertmanager sends it again) rather than hold it twice later. */
        (void)unlinkat(sp->dirfd, name, 0);
        return NB_SPOOL_IO;
    }
    add(sp, s, size, accept_real);
    *seq = s;
    return NB_SPOOL_OK;
}

const struct nb_spool_entry *nb_spool_entries(const struct nb_spool *sp, size_t *n)
{
    *n = sp->n;
    return sp->ents;
}

int nb_spool_read(struct nb_spool *sp, uint64_t seq, struct nb_buf *out, char *err, size_t errlen)
{
    size_t i = find(sp, seq);
    if (i == SIZE_MAX) {
        snprintf(err, errlen, "spool %s: no entry %016" PRIx64, sp->dir, seq);
        return -1;
    }
    char name[40];
    entry_name(name, sizeof(name), seq, "");
    nb_ns real;
    size_t off;
    if (read_file(sp->dirfd, name, ENTRY_MAX_BYTES, out) != 0) {
        snprintf(err, errlen, "spool %s: cannot read %s: %s", sp->dir, name, strerror(errno));
        corrupt(sp, seq, "cannot be read");
        forget(sp, i);
        return -1;
    }
    if (!nb_spool_entry_parse(out->data ? out->data : "", out->len, seq, &real, &off)) {
        snprintf(err, errlen, "spool %s: %s is damaged", sp->dir, name);
        corrupt(sp, seq, "is damaged");
        forget(sp, i);
        return -1;
    }
    memmove(out->data, out->data + off, out->len - off);
    out->len -= off;
    out->data[out->len] = '\0';
    return 0;
}

int nb_spool_mark(struct nb_spool *sp, uint64_t seq, uint64_t sink, unsigned index, bool delivered,
                  char *err, size_t errlen)
{
    char name[40], line[48];
    entry_name(name, sizeof(name), seq, ".p");
    int n =
        snprintf(line, sizeof(line), "%016" PRIx64 " %u %c\n", sink, index, delivered ? 'd' : 'f');
    bool created = true;
    int fd = openat(sp->dirfd, name,
                    O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 && errno == EEXIST) {
        created = false;
        fd = openat(sp->dirfd, name, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    }
    if (fd < 0) {
        io_error(sp, err, errlen, "cannot open", name);
        return -1;
    }
    const char *what = NULL;
    if (write_all(fd, line, (size_t)n) != 0)
        what = "cannot append to";
    else if (sp->datasync(fd) != 0)
        what = "cannot fsync";
    if (close(fd) != 0 && !what)
        what = "cannot close";
    if (what) {
        io_error(sp, err, errlen, what, name);
        return -1;
    }
    return created ? sync_dir(sp, sp->dirfd, err, errlen) : 0;
}

size_t nb_spool_marks(struct nb_spool *sp, uint64_t seq, nb_spool_mark_fn fn, void *arg)
{
    char name[40];
    entry_name(name, sizeof(name), seq, ".p");
    struct nb_buf b;
    nb_buf_init(&b);
    size_t count = 0;
    if (read_file(sp->dirfd, name, MARKS_MAX_BYTES, &b) == 0 && b.data)
        count = nb_spool_marks_parse(b.data, b.len, fn, arg);
    nb_buf_free(&b);
    return count;
}

size_t nb_spool_marks_parse(const char *text, size_t len, nb_spool_mark_fn fn, void *arg)
{
    const char *p = text, *end = text + len;
    size_t count = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        char line[48];
        if (!nl || (size_t)(nl - p) >= sizeof(line))
            break;
        memcpy(line, p, (size_t)(nl - p));
        line[nl - p] = '\0';
        uint64_t sink;
        unsigned index;
        char st, canon[48];
        if (sscanf(line, "%" SCNx64 " %u %c", &sink, &index, &st) != 3 || (st != 'd' && st != 'f'))
            break;
        snprintf(canon, sizeof(canon), "%016" PRIx64 " %u %c", sink, index, st);
        if (strcmp(canon, line) != 0)
            break;
        fn(arg, sink, index, st == 'd');
        count++;
        p = nl + 1;
    }
    return count;
}

int nb_spool_finish(struct nb_spool *sp, uint64_t seq, bool dead, char *err, size_t errlen)
{
    size_t i = find(sp, seq);
    if (i == SIZE_MAX) {
        snprintf(err, errlen, "spool %s: no entry %016" PRIx64, sp->dir, seq);
        return -1;
    }
    forget(sp, i);
    if (dead) {
        move_aside(sp, seq, sp->deadfd, "dead");
        sp->st.dead_total++;
        return sync_dir(sp, sp->dirfd, err, errlen);
    }
    char name[40], prog[40];
    entry_name(name, sizeof(name), seq, "");
    entry_name(prog, sizeof(prog), seq, ".p");
    /* The payload first: a crash between the two leaves an orphan .p, which
     * the next open removes, never a payload without its marks (sent again). */
    if (unlinkat(sp->dirfd, name, 0) != 0 && errno != ENOENT) {
        io_error(sp, err, errlen, "cannot remove", name);
        return -1;
    }
    if (unlinkat(sp->dirfd, prog, 0) != 0 && errno != ENOENT)
        sp->st.io_errors_total++;
    return sync_dir(sp, sp->dirfd, err, errlen);
}

const struct nb_spool_stats *nb_spool_stats(const struct nb_spool *sp)
{
    return &sp->st;
}

void nb_spool_set_fsync(struct nb_spool *sp, int (*fn)(int fd))
{
    sp->sync = fn;
    sp->datasync = fn;
}
