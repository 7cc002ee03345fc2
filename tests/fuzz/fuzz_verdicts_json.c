/* fuzz_verdicts_json.c — a daemon's GET /v1/verdicts answer is outside data
 * for `netblame enrich`: any bytes parse or are refused with a reason; what
 * parses renders as the contract again, and that rendering parses back to
 * the same rendering. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/verdict_json.h"

/* V's N verdicts as an answer. The caller frees it. */
static char *answer(const struct nb_verdict *v, size_t n)
{
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "verdicts");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, nb_verdict_to_json(&v[i]));
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return s;
}

/* TEXT parsed (it must be) and rendered again; *N and the verdicts' core
 * fields must equal WANT's when WANT is given. The caller frees it. */
static char *again(const char *text, const struct nb_verdict *want, size_t n)
{
    struct nb_verdict *v;
    size_t got;
    char err[256];
    if (!text || nb_verdicts_json_parse(text, strlen(text), 64, &v, &got, err, sizeof(err)) != 0 ||
        got != n)
        abort();
    for (size_t i = 0; want && i < n; i++)
        if (strcmp(v[i].target, want[i].target) != 0 || v[i].layer != want[i].layer ||
            v[i].where.side != want[i].where.side || v[i].nevidence != want[i].nevidence ||
            v[i].start / 1000000 != want[i].start / 1000000 - (want[i].start % 1000000 < 0))
            abort();
    char *s = answer(v, got);
    free(v);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nb_verdict *v;
    size_t n;
    char err[256] = "";
    if (nb_verdicts_json_parse((const char *)data, size, 64, &v, &n, err, sizeof(err)) < 0) {
        if (!err[0] || v || n) /* a refusal says why and leaves nothing behind */
            abort();
        return 0;
    }
    /* the wire form keeps milliseconds: once read back, it is stable */
    char *x = answer(v, n), *y = again(x, v, n), *z = again(y, NULL, n);
    if (strcmp(y, z) != 0)
        abort();
    free(x);
    free(y);
    free(z);
    free(v);
    return 0;
}
