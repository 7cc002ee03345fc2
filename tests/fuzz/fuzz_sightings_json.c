/* fuzz_sightings_json.c — another agent's sightings page is outside data:
 * any bytes must parse or be refused, never crash; what parses re-renders and
 * parses to the same page. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/sightings_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nb_sighting out[16], again[16];
    struct nb_sightings_page pg, pg2;
    char err[128];
    if (nb_sightings_json_parse((const char *)data, size, out, 16, &pg, err, sizeof(err)) < 0)
        return 0;
    struct nb_buf b;
    nb_buf_init(&b);
    nb_sightings_json_render("fuzz", &pg, out, &b);
    if (nb_sightings_json_parse(b.data, b.len, again, 16, &pg2, err, sizeof(err)) < 0 ||
        pg2.n != pg.n || pg2.next != pg.next || pg2.missed != pg.missed)
        abort();
    for (size_t i = 0; i < pg.n; i++)
        if (again[i].probe_id != out[i].probe_id || again[i].ts != out[i].ts ||
            again[i].kind != out[i].kind || strcmp(again[i].ifname, out[i].ifname) != 0)
            abort();
    nb_buf_free(&b);
    return 0;
}
