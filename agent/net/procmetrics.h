/* procmetrics.h — the process_* metrics every Prometheus exporter has (CPU
 * time, resident and virtual memory, open and maximum file descriptors, start
 * time), read from /proc/self as the Go and Python client libraries read them.
 * The parsers take the file's text and its length, so a fuzz target drives
 * them (tests/fuzz/fuzz_procmetrics.c). */
#ifndef NB_PROCMETRICS_H
#define NB_PROCMETRICS_H

#include <stddef.h>
#include <stdint.h>

#include "netblame/buf.h"

/* The fields of /proc/PID/stat the metrics use (proc(5) numbering). */
struct nb_procself {
    uint64_t utime, stime; /* 14, 15: clock ticks in user and kernel mode */
    uint64_t starttime;    /* 22: clock ticks after boot when the process started */
    uint64_t vsize;        /* 23: virtual memory, bytes */
    uint64_t rss;          /* 24: resident pages */
};

/* Parse /proc/PID/stat TEXT (LEN bytes, no NUL needed): 0 and *OUT, or -1
 * for text that is not one (fields after the comm's last ')' counted). */
int nb_procself_parse(const char *text, size_t len, struct nb_procself *out);

/* The "btime" line of /proc/stat (boot time, Unix seconds): 0 and *BTIME, or
 * -1 when there is none or it is not a number. */
int nb_btime_parse(const char *text, size_t len, uint64_t *btime);

/* Append process_cpu_seconds_total, process_resident_memory_bytes,
 * process_virtual_memory_bytes, process_open_fds, process_max_fds and
 * process_start_time_seconds of this process to B; a figure that cannot be
 * read is left out (its family too), never invented. */
void nb_procmetrics_render(struct nb_buf *b);

#endif
