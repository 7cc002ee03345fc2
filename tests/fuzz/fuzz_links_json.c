/* fuzz_links_json.c — a host agent's /v1/links answer is outside data: any
 * bytes parse or are refused; what parses re-renders to the same links. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/links_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nb_link_report out[8], again[8];
    char err[128];
    int n = nb_links_json_parse((const char *)data, size, out, 8, err, sizeof(err));
    if (n < 0)
        return 0;
    struct nb_buf b;
    nb_buf_init(&b);
    nb_links_json_render("fuzz", out, (size_t)n, &b);
    if (nb_links_json_parse(b.data, b.len, again, 8, err, sizeof(err)) != n)
        abort();
    for (int i = 0; i < n; i++)
        if (strcmp(out[i].name, again[i].name) != 0 || memcmp(&out[i].c, &again[i].c, sizeof(out[i].c)) != 0)
            abort();
    nb_buf_free(&b);
    return 0;
}
