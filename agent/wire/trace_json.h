/* trace_json.h — a classifier window (struct nb_cls_input) as one line of
 * JSON, both ways: agents record their windows (`netblame diagnose --record`),
 * `netblame replay` and the tests read them back. Outside data: every field
 * is type- and range-checked, unknown keys are errors (a typo in a
 * hand-edited trace must not silently drop evidence), and the parser is
 * fuzzed.
 *
 *   {"schema":"netblame.window/v1","target":"...","start":"NS","end":"NS",
 *    "local_host":"...","remote_host":"...",
 *    "path":{"local_agent":b,"remote_agent":b,"remote_agent_known":b,
 *            "reflector":"unknown|netblame|stamp","rtt":RTT|null,"waterfall":WF},
 *    "vnet":{"probes":N,"lost":N,"rtt":RTT|null}, "fabric":{...},
 *    "app":{"probes":N,"ok":N,"fail":{"nxdomain":N,...},"timeout_established":N,
 *           "http_status":N,"connect_p50":NS|null,"server_p50":NS|null,"handshake":WF|null,
 *           "hs_local_agent":b,"hs_remote_agent":b},
 *    "links":[{"side":"local|remote","host":"...","ifname":"...","role":"tap|nic",
 *              "rx_dropped":N,"tx_dropped":N,"rx_errors":N,"tx_errors":N,
 *              "carrier_changes":N,"qdisc_drops":N,"up":b,"carrier":b}]},
 *    "cpu":{"local":CPU,"remote":CPU}}   (optional: absent in older traces)
 *   CPU = {"pressure_some":SHARE|null,"pressure_avg10":PCT|null,"steal":SHARE|null,
 *          "thread":{"name":"...","tid":N,"process":"...","pid":N,"tap":"...",
 *                    "wait":SHARE}|null}   SHARE in [0,1], PCT in [0,100]
 *   RTT = {"p50":NS,"p90":NS,"p99":NS}
 *   WF  = {"probes":N,"answered":N,"lost":N,"lost_unlocated":N,
 *          "segments":[{"known":N,"p50":NS,"p90":NS,"p99":NS,"lost":N,"lost_shared":N} x6]}
 * Absent families are absent (or null). Times are nanoseconds: "start"/"end"
 * as decimal strings (a double cannot hold them), quantiles as numbers. */
#ifndef NB_TRACE_JSON_H
#define NB_TRACE_JSON_H

#include <stddef.h>

#include "netblame/buf.h"
#include "netblame/verdict.h"

#define NB_TRACE_SCHEMA "netblame.window/v1"
#define NB_TRACE_LINE_MAX (64u << 10) /* a longer line is refused */

struct cJSON;
/* One side's CPU figures as the trace's CPU object above (every member, null
 * when not measured); the caller owns it. `diagnose --json` reports them so. */
struct cJSON *nb_trace_cpu_json(const struct nb_cls_cpu *c);

/* Append IN as one line (with its newline) to B. */
void nb_trace_render(const struct nb_cls_input *in, struct nb_buf *b);

/* Parse one line (LEN bytes, no newline needed) into *IN (zeroed first).
 * Returns 0, or -1 with a one-line reason naming the field in ERR. */
int nb_trace_parse(const char *line, size_t len, struct nb_cls_input *in, char *err,
                   size_t errlen);

/* In TEXT (LEN bytes of window lines, as GET /v1/windows serves them), the
 * `fabric` family of the window whose remote_host is PEER (a host agent's
 * fabric peer at that address). Returns 1 and fills *OUT, 0 if no window
 * matches, or -1 with the reason in ERR for a malformed line. */
int nb_trace_find_fabric(const char *text, size_t len, const char *peer,
                         struct nb_cls_family *out, char *err, size_t errlen);

#endif
