/* fuzz_diagnose_req.c — a POST /v1/diagnose body is outside data from any
 * client of the control API (agent/daemon/ondemand.c): it is read strictly
 * or refused with a message, and what is accepted is within its bounds. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ondemand.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nb_ondemand_req r;
    char err[512] = "";
    cJSON *root = nb_ondemand_req_parse((const char *)data, size, &r, err, sizeof(err));
    if (!root) {
        if (!err[0])
            abort();
        return 0;
    }
    if (!r.target || !r.target[0] || r.count > 100000 || r.interval_ms > 60000 ||
        r.deadline_ms > NB_ONDEMAND_DEADLINE_MAX_MS)
        abort();
    cJSON_Delete(root);
    return 0;
}
