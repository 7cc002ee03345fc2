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

/* S, an RFC 3339 date-time ("2025-01-02T03:04:05.678Z", "...:05+02:00";
 * a fraction of 1..9 digits; 'T' and 'Z' in either case; years 0000..9999,
 * so Go's zero time "0001-01-01T00:00:00Z" too), as seconds since 1970 in
 * *SEC and nanoseconds in *NSEC. 0, or -1 if S is none (out untouched). */
int nb_rfc3339_parse(const char *s, int64_t *sec, long *nsec);

/* {"side", "host", "interface"}: "" where unknown. The caller owns it. */
struct cJSON *nb_where_json(const struct nb_where *w);

/* V as the contract object: schema, target, window{start, end, probes},
 * verdict, where, confidence, segments_from, segments[] (rtt_us, loss and
 * baseline_us null when unknown, never 0), findings[], evidence[], and
 * reason when inconclusive. The caller owns it (cJSON_Delete). */
struct cJSON *nb_verdict_to_json(const struct nb_verdict *v);

/* A daemon's GET /v1/verdicts answer, {"verdicts": [contract objects]},
 * TEXT of LEN bytes, at most MAX of them, into *OUT (*N; free() it): of each, what tells
 * and explains it — target, window start and end (to the millisecond, as
 * written) and probes, verdict, where, confidence, reason and evidence.
 * Segments and findings are passed over: this reads a verdict to show it,
 * not to judge again. Members a newer daemon adds are passed over; a
 * repeated one, another schema, a wrong type or a value out of range is
 * refused. 0, or -1 with a message in ERR (*OUT NULL, *N 0). */
int nb_verdicts_json_parse(const char *text, size_t len, size_t max, struct nb_verdict **out,
                           size_t *n, char *err, size_t errlen);

/* One contract object (what `netblame diagnose --json` and POST
 * /v1/diagnose print), TEXT of LEN bytes, read as the one verdict of a
 * GET /v1/verdicts answer — the same reader, the same rules. 0 with *OUT
 * (free() it), or -1 with a message in ERR (*OUT NULL). */
int nb_verdict_json_parse_one(const char *text, size_t len, struct nb_verdict **out, char *err,
                              size_t errlen);

/* V as indented contract JSON and a newline, appended to B. */
void nb_verdict_json(const struct nb_verdict *v, struct nb_buf *b);

#endif
