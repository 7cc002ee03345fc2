/* fuzz_trace.c — libFuzzer target for the trace parser (trace_json.c): any
 * bytes as a recorded window line. It must not crash or read out of bounds;
 * what it accepts must render and parse back to the same rendering (the
 * round trip replay relies on), and a refusal must say why. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/trace_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct nb_cls_input in, again;
    char err[256] = "";
    if (nb_trace_parse((const char *)data, size, &in, err, sizeof(err)) < 0) {
        CHECK(err[0] != '\0');
        return 0;
    }
    struct nb_buf a, b;
    nb_buf_init(&a);
    nb_buf_init(&b);
    nb_trace_render(&in, &a);
    CHECK(nb_trace_parse(a.data, a.len, &again, err, sizeof(err)) == 0);
    nb_trace_render(&again, &b);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    nb_buf_free(&a);
    nb_buf_free(&b);
    return 0;
}
