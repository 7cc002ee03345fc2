/* fuzz_procmetrics.c — /proc/self/stat and /proc/stat are read for the
 * process_* metrics (agent/net/procmetrics.c): text from the kernel, but a
 * comm is whatever the process named itself, spaces and parentheses
 * included. Any bytes parse or are refused, never read past their length
 * (ASan); the first byte picks the parser, the rest is the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/procmetrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = size - 1;
    char *text = malloc(n ? n : 1); /* exact size: a read past the end is caught */
    memcpy(text, data + 1, n);
    if (data[0] & 1) {
        uint64_t bt;
        (void)nb_btime_parse(text, n, &bt);
    } else {
        struct nb_procself ps;
        /* what parses has its fields after a ')' that the text holds */
        if (nb_procself_parse(text, n, &ps) == 0 && !memchr(text, ')', n))
            abort();
    }
    free(text);
    return 0;
}
