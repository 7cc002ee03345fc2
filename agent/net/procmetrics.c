/* procmetrics.c — the process_* metrics of the Prometheus client libraries
 * (their "process collector"), for netblamed's own /metrics:
 *
 *   process_cpu_seconds_total      (utime + stime) / CLK_TCK of /proc/self/stat
 *   process_resident_memory_bytes  rss pages × page size
 *   process_virtual_memory_bytes   vsize
 *   process_start_time_seconds     btime of /proc/stat + starttime / CLK_TCK
 *   process_open_fds               entries of /proc/self/fd (not counting the
 *                                  one that lists them)
 *   process_max_fds                the soft RLIMIT_NOFILE
 *
 * /proc/self/stat is read as the Go client's procfs reads it: the comm field
 * (in parentheses) may hold spaces and parentheses itself, so the fields are
 * counted from its LAST ')'. */
#include "net/procmetrics.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "net/metrics.h"
#include "netblame/cpustat.h"

/* A decimal u64 in [P, END): 0 and *OUT, or -1 for an empty, non-digit or
 * overflowing one. */
static int parse_u64(const char *p, const char *end, uint64_t *out)
{
    uint64_t v = 0;
    if (p == end)
        return -1;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int nb_procself_parse(const char *text, size_t len, struct nb_procself *out)
{
    const char *end = text + len, *p = end, *open;
    /* fields 14, 15, 22, 23, 24 are tokens 11, 12, 19, 20, 21 after the comm */
    static const struct {
        unsigned tok;
        size_t off;
    } want[] = {
        {11, offsetof(struct nb_procself, utime)},     {12, offsetof(struct nb_procself, stime)},
        {19, offsetof(struct nb_procself, starttime)}, {20, offsetof(struct nb_procself, vsize)},
        {21, offsetof(struct nb_procself, rss)},
    };
    size_t k = 0;

    while (p > text && p[-1] != ')')
        p--;
    if (p == text)
        return -1;
    open = memchr(text, '(', (size_t)(p - text));
    if (!open || open == text || open[-1] != ' ' || parse_u64(text, open - 1, &(uint64_t){0}) < 0)
        return -1;
    for (unsigned tok = 0; k < sizeof(want) / sizeof(want[0]); tok++) {
        if (p == end || *p != ' ')
            return -1;
        const char *s = ++p;
        while (p < end && *p != ' ' && *p != '\n')
            p++;
        if (p == s)
            return -1;
        if (tok == want[k].tok) {
            if (parse_u64(s, p, (uint64_t *)((char *)out + want[k].off)) < 0)
                return -1;
            k++;
        }
    }
    return 0;
}

int nb_btime_parse(const char *text, size_t len, uint64_t *btime)
{
    const char *end = text + len, *p = text;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        if (eol - p > 6 && memcmp(p, "btime ", 6) == 0)
            return parse_u64(p + 6, eol, btime);
        p = nl ? nl + 1 : end;
    }
    return -1;
}

/* The boot time from /proc/stat, read a line at a time (its "intr" line
 * grows with the interrupts: no buffer bounds the file): 0 or -1. */
static int read_btime(uint64_t *btime)
{
    FILE *f = fopen("/proc/stat", "re");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = -1;
    if (!f)
        return -1;
    while (rc < 0 && (n = getline(&line, &cap, f)) > 0)
        if (strncmp(line, "btime ", 6) == 0)
            rc = nb_btime_parse(line, (size_t)n, btime);
    free(line);
    fclose(f);
    return rc;
}

/* Entries of /proc/self/fd but the directory's own descriptor, or -1. */
static long open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    long n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n > 0 ? n - 1 : n;
}

void nb_procmetrics_render(struct nb_buf *b)
{
    char buf[8192];
    struct nb_procself ps;
    uint64_t btime;
    long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
    ssize_t n = nb_proc_read(AT_FDCWD, "/proc/self/stat", buf, sizeof(buf));
    bool have = n > 0 && nb_procself_parse(buf, (size_t)n, &ps) == 0;

    if (have && hz > 0)
        nb_prom_single(b, "process_cpu_seconds_total", "counter",
                       "Total user and system CPU time spent in seconds.",
                       (double)(ps.utime + ps.stime) / (double)hz);
    if (have && page > 0)
        nb_prom_single(b, "process_resident_memory_bytes", "gauge",
                       "Resident memory size in bytes.", (double)ps.rss * (double)page);
    if (have)
        nb_prom_single(b, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
                       (double)ps.vsize);
    if (have && hz > 0 && read_btime(&btime) == 0)
        nb_prom_single(b, "process_start_time_seconds", "gauge",
                       "Start time of the process since unix epoch in seconds.",
                       (double)btime + (double)ps.starttime / (double)hz);
    long fds = open_fds();
    if (fds >= 0)
        nb_prom_single(b, "process_open_fds", "gauge", "Number of open file descriptors.",
                       (double)fds);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        nb_prom_single(b, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
                       rl.rlim_cur == RLIM_INFINITY ? -1.0 : (double)rl.rlim_cur);
}
