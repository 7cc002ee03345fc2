/* alerts.h — POST /v1/alerts: Alertmanager's webhook in, each alert
 * enriched with the verdict of the target it is about, the notification
 * spooled and forwarded to the configured sinks (DESIGN §5, issue 14).
 *
 * One notification, in order:
 *   1. parsed strictly (wire/alert_json.h; 400 when it is none);
 *   2. each alert mapped to a target (alert/enrich.h, THE MAPPING RULE);
 *   3. a target with a fresh served verdict (its window ended at most
 *      alerts.fresh_ms ago) is annotated with it at once; one without, when
 *      alerts.diagnose is "stale" (or always, with "always"), gets an
 *      on-demand diagnosis (ondemand.h), one per target, bounded so that it
 *      ends before the notification's deadline;
 *   4. at alerts.deadline_ms (default 2 s) after the request, or as soon as
 *      every diagnosis has answered, the notification goes on: an alert
 *      still without a verdict goes out with netblame_error naming why (the
 *      deadline, a failed diagnosis, no target) — never held, never dropped;
 *   5. spooled (alert/outbox.h: fsync'd) and only then answered 200; a full
 *      spool or a refusing disk answers 503, and Alertmanager sends it again.
 * So the answer comes within the deadline plus the spool's write, and a
 * crash before the 200 leaves the notification with Alertmanager, after it
 * in the spool. At a stop, notifications still being enriched are answered
 * 503 (not accepted: Alertmanager retries them). */
#ifndef NB_DAEMON_ALERTS_H
#define NB_DAEMON_ALERTS_H

#include <ev.h>
#include <stddef.h>

#include "daemon/ondemand.h"
#include "daemon/verdicts.h"
#include "net/api.h"
#include "netblame/buf.h"
#include "wire/config.h"

struct nb_alerts;

/* For CFG's "alerts" section (none: every POST answers 404). *VERDICTS is
 * read at each request (the daemon replaces it on a reload); OD runs the
 * diagnoses. NULL with ERR when the outbox cannot start (outbox.h). */
struct nb_alerts *nb_alerts_new(struct ev_loop *loop, const struct nb_config *cfg,
                                struct nb_verdicts *const *verdicts, struct nb_ondemand *od,
                                char *err, size_t errlen);
/* Answers what is pending 503 and stops sending (the spool stays). Call
 * before nb_ondemand_free(). */
void nb_alerts_free(struct nb_alerts *a);

void nb_alerts_api(struct nb_alerts *a, const struct nb_api_req *req, struct nb_api_resp *resp);
/* netblame_alerts_* (received, enriched, unenriched by reason) and the
 * outbox's metrics. */
void nb_alerts_metrics(const struct nb_alerts *a, struct nb_buf *b);

#endif
