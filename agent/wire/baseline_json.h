/* baseline_json.h — the wire form of GET /v1/baselines?target=NAME: the
 * figures of a baseline netblamed learnt for one of its targets (struct
 * nb_baseline's m[], not its learning ring), rendered by the daemon and
 * parsed by `netblame diagnose --config`, which judges its burst against it.
 *
 *   {"schema":"netblame.baseline/v2","target":"gB",
 *    "metrics":{"path.local_virtual":{"windows":12,"tail_windows":12,
 *        "median_us":41.2,"mad_us":3.1,"high_us":48.0,
 *        "p90_median_us":60.3,"p90_mad_us":9.5,"p90_high_us":88.1},...}}
 *
 * Keys of "metrics" are nb_base_metric_name()'s; only metrics with windows
 * > 0 are rendered. For each, over its learnt windows (struct nb_base_stat):
 * the median, MAD and second-largest of their p50s, and of their p90s
 * (tail_windows of them; 0 when the figure has no tail, e.g. app.server).
 * Times are microseconds with nanosecond resolution. v1 carried the p50s'
 * median and MAD only.
 *
 * The parser takes outside data: at most NB_BASELINE_JSON_MAX bytes; unknown
 * keys and metric names, duplicates, windows outside 0..NB_BASE_RING, and
 * figures that are not finite, beyond ±NB_BASELINE_MAX_US, or (MADs) negative are
 * refused with a one-line reason naming the field. It is fuzzed
 * (tests/fuzz/fuzz_baseline_json.c). */
#ifndef NB_BASELINE_JSON_H
#define NB_BASELINE_JSON_H

#include <stddef.h>

#include "netblame/buf.h"
#include "netblame/verdict.h"

#define NB_BASELINE_SCHEMA "netblame.baseline/v2"
#define NB_BASELINE_JSON_MAX (16u << 10) /* a longer answer is refused */
/* Largest figure accepted: 100 s (no probe waits longer than 60 s); a level
 * (median, second-largest) may be as far below 0: an app's server time is
 * first byte − the SYN's round trip, a few µs below 0 on an instant backend. */
#define NB_BASELINE_MAX_US 1e8

/* Append TARGET's baseline B as one line (with its newline) to OUT. A metric
 * whose figures the parser would refuse (negative or not finite: broken
 * stamps, never a real window) is left out, so what is served always parses. */
void nb_baseline_json_render(const char *target, const struct nb_baseline *b, struct nb_buf *out);

/* Parse TEXT (LEN bytes) into *B (zeroed first; figures only, the ring empty:
 * the classifier reads m[]) and the target's name into TARGET (CAP bytes).
 * Returns 0, or -1 with a one-line reason in ERR ("baseline: metrics.x:
 * unknown metric"). */
int nb_baseline_json_parse(const char *text, size_t len, char *target, size_t cap,
                           struct nb_baseline *b, char *err, size_t errlen);

#endif
