/* verdict_json.h — the classifier's verdict (netblame/verdict.h) as the
 * `netblame.verdict/v1` contract JSON of DESIGN §4. cJSON stays here in
 * agent/: the classifier knows nothing of JSON. */
#ifndef NB_VERDICT_JSON_H
#define NB_VERDICT_JSON_H

#include <stddef.h>

#include "netblame/buf.h"
#include "netblame/ntp.h"
#include "netblame/verdict.h"

struct cJSON;

/* T as RFC 3339 UTC with milliseconds ("2025-01-02T03:04:05.678Z") in BUF
 * (CAP >= 32 is enough for any nb_ns). */
void nb_rfc3339(nb_ns t, char *buf, size_t cap);

/* {"side", "host", "interface"}: "" where unknown. The caller owns it. */
struct cJSON *nb_where_json(const struct nb_where *w);

/* V as the contract object: schema, target, window{start, end, probes},
 * verdict, where, confidence, segments_from, segments[] (rtt_us, loss and
 * baseline_us null when unknown, never 0), findings[], evidence[], and
 * reason when inconclusive. The caller owns it (cJSON_Delete). */
struct cJSON *nb_verdict_to_json(const struct nb_verdict *v);

/* V as indented contract JSON and a newline, appended to B. */
void nb_verdict_json(const struct nb_verdict *v, struct nb_buf *b);

#endif
