/* fuzz_baseline_json.c — netblamed's GET /v1/baselines answer is outside
 * data for `netblame diagnose`: any bytes parse or are refused with a
 * reason; what parses re-renders, and that rendering parses back to the
 * same rendering. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/baseline_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct nb_baseline b, again;
    char target[64], target2[64], err[256] = "";
    if (nb_baseline_json_parse((const char *)data, size, target, sizeof(target), &b, err,
                               sizeof(err)) < 0) {
        if (!err[0] || target[0]) /* a refusal says why and leaves nothing behind */
            abort();
        return 0;
    }
    struct nb_buf x, y;
    nb_buf_init(&x);
    nb_buf_init(&y);
    nb_baseline_json_render(target, &b, &x);
    if (nb_baseline_json_parse(x.data, x.len, target2, sizeof(target2), &again, err, sizeof(err)) !=
            0 ||
        strcmp(target, target2) != 0)
        abort();
    nb_baseline_json_render(target2, &again, &y);
    if (x.len != y.len || memcmp(x.data, y.data, x.len) != 0)
        abort();
    nb_buf_free(&x);
    nb_buf_free(&y);
    return 0;
}
