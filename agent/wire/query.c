/* query.c — the control API's query strings (query.h): each endpoint's
 * parameters, numbers read by nb_parse_u64's one strict rule (digits only,
 * no sign, no blanks, no overflow), ranges and combinations checked before
 * a handler sees them. */
#include "wire/query.h"

#include <stddef.h>
#include <string.h>

#include "wire/num.h"
#include "wire/sightings_json.h"

/* An unsigned parameter NAME in BASE, at most MAX; absent: DEF. 0 or -1. */
static int get_u64(nb_query_get get, const void *src, const char *name, int base, uint64_t max,
                   uint64_t def, uint64_t *out)
{
    const char *v = get(src, name);
    uint64_t x;
    *out = def;
    if (!v)
        return 0;
    if (nb_parse_u64(v, base, &x) < 0 || x > max)
        return -1;
    *out = x;
    return 0;
}

int nb_query_sightings(nb_query_get get, const void *src, struct nb_sightings_query *q)
{
    uint64_t session;
    q->all = get(src, "session") == NULL;
    if (get_u64(get, src, "since", 10, UINT64_MAX, 0, &q->since) < 0 ||
        get_u64(get, src, "session", 16, UINT32_MAX, 0, &session) < 0 ||
        get_u64(get, src, "limit", 10, NB_SIGHTINGS_PAGE_MAX, NB_SIGHTINGS_PAGE_MAX, &q->limit) <
            0 ||
        q->limit == 0)
        return -1;
    q->session = (uint32_t)session;
    return 0;
}

int nb_query_windows(nb_query_get get, const void *src, long max_s, struct nb_windows_query *q,
                     const char **err)
{
    const char *secs = get(src, "seconds"), *msq = get(src, "ms");
    uint64_t x;
    q->target = get(src, "target");
    q->ms = 0;
    if (secs && msq) {
        *err = "seconds or ms, not both";
        return -1;
    }
    if (secs) {
        if (nb_parse_u64(secs, 10, &x) < 0 || x < 1 || x > (uint64_t)max_s) {
            *err = "seconds must be 1..10";
            return -1;
        }
        q->ms = (long)x * 1000;
    }
    if (msq) { /* a burst's own span, to the millisecond */
        if (nb_parse_u64(msq, 10, &x) < 0 || x < 100 || x > (uint64_t)max_s * 1000) {
            *err = "ms must be 100..10000";
            return -1;
        }
        q->ms = (long)x;
    }
    return 0;
}

int nb_query_baselines(nb_query_get get, const void *src, struct nb_baselines_query *q,
                       const char **err)
{
    const char *kind = get(src, "kind");
    q->target = get(src, "target");
    if (!q->target || !q->target[0]) {
        *err = "target=NAME is required";
        return -1;
    }
    if (kind && strcmp(kind, "peer") != 0 && strcmp(kind, "app") != 0) {
        *err = "kind is peer or app";
        return -1;
    }
    q->peer = !kind || strcmp(kind, "peer") == 0;
    q->app = !kind || strcmp(kind, "app") == 0;
    return 0;
}
