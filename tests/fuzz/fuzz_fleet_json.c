/* fuzz_fleet_json.c — the fabric inventory file is outside data: any bytes
 * parse or are refused with one line; what parses is a fleet whose every
 * host gets a Pingmesh peer set without itself or a repeat (pingmesh.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/mem.h"
#include "wire/fleet_json.h"
#include "wire/pingmesh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nb_fleet f;
    char err[256];

    if (nb_fleet_json_parse((const char *)data, size, "fuzz", &f, err, sizeof(err)) < 0) {
        if (!err[0] || strchr(err, '\n') || f.hosts || f.n)
            abort();
        return 0;
    }
    /* the rule's numbers from the input's first bytes: 0..3 */
    struct nb_pingmesh_rule r = {size ? data[0] & 3u : 1, size > 1 ? data[1] & 3u : 1};
    size_t *out = nb_calloc(f.n ? f.n : 1, sizeof(*out));
    char *seen = nb_calloc(f.n ? f.n : 1, 1);
    for (size_t self = 0; self < f.n && self < 64; self++) {
        size_t k = nb_pingmesh_select(&f, self, &r, out, NULL);
        if (k >= f.n && f.n)
            abort();
        memset(seen, 0, f.n);
        for (size_t i = 0; i < k; i++) {
            if (out[i] >= f.n || out[i] == self || seen[out[i]])
                abort();
            seen[out[i]] = 1;
        }
    }
    free(seen);
    free(out);
    nb_fleet_free(&f);
    return 0;
}
