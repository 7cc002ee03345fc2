/* fuzz_spool.c — the alert spool's files (agent/alert/spool.c) are read
 * back after a crash, a torn write or a disk that lies: an entry whose
 * header, length or checksum is off is refused (moved to corrupt/), a
 * progress file is read up to its first malformed line. The first byte
 * picks the reader, the rest is the file; for an entry, the sequence its
 * name carries is taken from the header's own digits when they parse, so
 * valid entries are reachable. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/spool.h"

static void on_mark(void *arg, uint64_t sink, unsigned index, bool delivered)
{
    (void)sink;
    (void)index;
    (void)delivered;
    (*(size_t *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = size - 1;
    char *text = malloc(n ? n : 1); /* exact size: a read past the end is caught */
    memcpy(text, data + 1, n);
    if (data[0] & 1) {
        size_t called = 0, got = nb_spool_marks_parse(text, n, on_mark, &called);
        if (got != called)
            abort();
    } else {
        uint64_t seq = 0;
        char head[64];
        size_t h = n < sizeof(head) - 1 ? n : sizeof(head) - 1;
        memcpy(head, text, h);
        head[h] = '\0';
        (void)sscanf(head, "NBSPOOL1 %" SCNx64, &seq);
        nb_ns real;
        size_t off;
        /* what is accepted has a header line and, after it, the payload
         * its checksum names */
        if (nb_spool_entry_parse(text, n, seq, &real, &off) &&
            (off == 0 || off > n || text[off - 1] != '\n' || !strstr(head, "NBSPOOL1 ")))
            abort();
    }
    free(text);
    return 0;
}
