/* fuzz_cpu_json.c — a host agent's /v1/cpu answer is outside data: any bytes
 * parse or are refused; what parses re-renders to the same figures. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/cpu_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nb_cpu_report out, again;
    char err[160];
    if (nb_cpu_json_parse((const char *)data, size, &out, 16, err, sizeof(err)) < 0) {
        if (out.th || out.nthreads)
            abort(); /* nothing half-filled */
        return 0;
    }
    struct nb_buf b;
    nb_buf_init(&b);
    nb_cpu_json_render("fuzz", &out, &b);
    if (nb_cpu_json_parse(b.data, b.len, &again, 16, err, sizeof(err)) < 0)
        abort();
    if (again.mono != out.mono || again.psi != out.psi || again.nthreads != out.nthreads ||
        again.truncated != out.truncated ||
        (out.psi && again.pressure.total_us != out.pressure.total_us))
        abort();
    for (size_t i = 0; i < out.nthreads; i++)
        if (memcmp(&out.th[i], &again.th[i], sizeof(out.th[i])) != 0)
            abort();
    free(out.th);
    free(again.th);
    nb_buf_free(&b);
    return 0;
}
