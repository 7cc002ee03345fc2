/* fuzz_cpustat.c — the /proc text the host agent reads about other processes
 * (CPU pressure, schedstat, /proc/stat, a tun fd's fdinfo, a thread's name)
 * is outside data: any bytes parse or are refused, never read past their
 * length (ASan), and what parses is in range. The first byte picks the
 * parser; the rest is the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/cpustat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* an exact-size heap copy: ASan catches a read one byte past the end */
    size_t n = size - 1;
    char *text = malloc(n ? n : 1);
    memcpy(text, data + 1, n);
    switch (data[0] % 5) {
    case 0: {
        struct nb_psi p;
        if (nb_psi_parse(text, n, &p) == 0 &&
            !(p.avg10 >= 0 && p.avg10 <= 100 && p.avg60 >= 0 && p.avg60 <= 100 &&
              p.avg300 >= 0 && p.avg300 <= 100))
            abort();
        break;
    }
    case 1: {
        uint64_t run, wait;
        (void)nb_schedstat_parse(text, n, &run, &wait);
        break;
    }
    case 2: {
        struct nb_cpu_times t;
        if (nb_procstat_parse(text, n, &t) == 0 && t.steal > t.total)
            abort();
        break;
    }
    case 3: {
        char name[NB_CPU_IFNAMSIZ];
        if (nb_fdinfo_iff(text, n, name, sizeof(name)) == 1 &&
            (name[0] == '\0' || strlen(name) >= sizeof(name) || strchr(name, '/')))
            abort();
        break;
    }
    case 4: {
        char comm[NB_COMM_SIZ];
        if (nb_comm_parse(text, n, comm) == 0) {
            if (comm[0] == '\0' || strlen(comm) >= sizeof(comm))
                abort();
            for (const char *c = comm; *c; c++)
                if ((unsigned char)*c < ' ')
                    abort();
        }
        break;
    }
    }
    free(text);
    return 0;
}
