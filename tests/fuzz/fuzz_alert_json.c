/* fuzz_alert_json.c — an Alertmanager notification is outside data for
 * netblamed's POST /v1/alerts and for `netblame enrich`: any bytes parse or
 * are refused with a reason; what parses takes an annotation on every alert,
 * renders, and that rendering parses back to the same rendering. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/alert_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nb_alert_note n, again;
    char err[256] = "";
    if (nb_alert_note_parse((const char *)data, size, &n, err, sizeof(err)) < 0) {
        if (!err[0] || n.root || n.alerts) /* a refusal says why and leaves nothing behind */
            abort();
        return 0;
    }
    for (size_t i = 0; i < n.nalerts; i++) {
        nb_alert_label(n.alerts[i], "instance");
        cJSON *a = nb_alert_annotations(n.alerts[i]);
        cJSON_DeleteItemFromObjectCaseSensitive(a, "netblame_error");
        cJSON_AddStringToObject(a, "netblame_error", "fuzz");
    }
    struct nb_buf x, y;
    nb_buf_init(&x);
    nb_buf_init(&y);
    nb_alert_note_render(&n, &x);
    /* an annotation added to a full set makes it one too many: refused, and
     * that is all right; anything else must read back */
    if (nb_alert_note_parse(x.data, x.len, &again, err, sizeof(err)) == 0) {
        if (again.nalerts != n.nalerts)
            abort();
        nb_alert_note_render(&again, &y);
        if (x.len != y.len || memcmp(x.data, y.data, x.len) != 0)
            abort();
        nb_alert_note_free(&again);
    } else if (!strstr(err, "at most")) {
        abort();
    }
    nb_buf_free(&x);
    nb_buf_free(&y);
    nb_alert_note_free(&n);
    return 0;
}
