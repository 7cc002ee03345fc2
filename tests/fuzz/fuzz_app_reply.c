/* fuzz_app_reply.c — what a backend answers an app probe is outside data
 * (agent/app/appprobe.c): any bytes are judged complete or not, then OK or
 * a typed reason with a detail, for an HTTP target (status 200, a body
 * substring) and a raw TCP one (a reply prefix). The first byte picks the
 * target, the rest is the reply as received. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/appprobe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct nb_app_target http = {.raw = false, .expect_status = 200, .expect_body = "ok"};
    static struct nb_app_target raw = {.raw = true, .raw_expect = "+PONG"};
    if (size < 1)
        return 0;
    const struct nb_app_target *t = data[0] & 1 ? &raw : &http;
    size_t n = size - 1;
    char *reply = malloc(n + 1); /* as the probe holds it: NUL-terminated at its length */
    memcpy(reply, data + 1, n);
    reply[n] = '\0';
    (void)nb_app_reply_complete(t, reply, n);
    int status = 0;
    char detail[128] = "";
    enum nb_app_reason r = nb_app_reply_judge(t, reply, n, &status, detail, sizeof(detail));
    if (r >= NB_APP__COUNT || (r != NB_APP_OK && !detail[0]) ||
        (status != 0 && (status < 100 || status > 599)))
        abort();
    free(reply);
    return 0;
}
