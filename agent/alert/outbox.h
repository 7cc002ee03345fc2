/* outbox.h — where the daemon's POST /v1/alerts puts an enriched
 * Alertmanager notification, and what becomes of it (issue 14): kept in the
 * spool (spool.h), sent to every configured sink (PagerDuty Events v2, a
 * generic webhook: sink_events.h, sink.h), removed once every sink is done
 * with it.
 *
 * The guarantees:
 *   - Accepted means on disk. nb_outbox_accept() returns NB_OUTBOX_OK only
 *     after the notification is fsync'd into the spool; answer 2xx then and
 *     only then.
 *   - A full spool (spool_max_bytes) or a disk that refuses answers
 *     NB_OUTBOX_FULL / NB_OUTBOX_IO: answer 503, Alertmanager keeps the
 *     notification and sends it again. Nothing is dropped to make room.
 *   - At least once, per sink: each event is sent until a 2xx answers it.
 *     A crash or restart between that answer and its progress mark sends it
 *     again, so a sink may see an event twice (PagerDuty folds a repeated
 *     trigger into the open alert by dedup_key and drops a repeated resolve).
 *   - Order per dedup key, per sink: a later event for the same alert
 *     fingerprint is not sent before the earlier one is delivered or failed
 *     for good (sink.h); after a restart the spool is replayed in arrival
 *     order, the delivered events skipped, so the rule holds across restarts.
 *   - Never retried forever: a 4xx other than 429 (PagerDuty's 400: invalid
 *     event) fails an event at once; retryable failures (timeouts, refused
 *     connections, 429, 5xx) are retried with jittered exponential backoff up
 *     to give_up_s (24 h) after the accept. A notification with a failed
 *     event is moved to spool_dir/dead/ (with its progress file: which sink,
 *     which alert) once every sink is done, counted in
 *     netblame_alert_dead_letters_total, never sent again; dead/ keeps its
 *     newest 256 files (a dead letter is two: its payload and .p).
 *   - Damaged entries found in the spool (truncated, checksum) are moved to
 *     spool_dir/corrupt/ and counted, never sent, never a crash.
 *
 * Everything runs on the daemon's libev loop (the spool's fsyncs too: a few
 * ms per accepted notification). */
#ifndef NB_ALERT_OUTBOX_H
#define NB_ALERT_OUTBOX_H

#include <ev.h>
#include <stddef.h>
#include <stdint.h>

#include "alert/sink.h"
#include "alert/spool.h"
#include "netblame/buf.h"
#include "wire/alerts_cfg.h"

struct cJSON;

enum nb_outbox_rc {
    NB_OUTBOX_OK = 0,  /* spooled: answer 200 */
    NB_OUTBOX_FULL,    /* spool full: answer 503 */
    NB_OUTBOX_IO,      /* the disk refused: answer 503 */
    NB_OUTBOX_INVALID, /* not a notification (an object with an "alerts" array): 400 */
};

/* The HTTP status to answer Alertmanager with for RC. */
unsigned nb_outbox_http_status(enum nb_outbox_rc rc);

struct nb_outbox;

/* Open CFG's spool, start a client for its sinks on LOOP and replay what the
 * spool holds (sending starts when the loop runs). T: NULL for the
 * defaults (sink.h). NULL with ERR if CFG has no spool_dir or no sink, a
 * sink has no URL (or a pagerduty one no routing key), or the spool cannot
 * be opened. A sink is known in the spool by its type and name: a sink
 * renamed is owed every event still spooled, one removed is owed nothing.
 * On SIGHUP with a changed "alerts" section: free the old outbox and make
 * a new one; what was in flight is sent again from the spool. */
struct nb_outbox *nb_outbox_new(struct ev_loop *loop, const struct nb_alerts_cfg *cfg,
                                const struct nb_sink_tuning *t, char *err, size_t errlen);
/* Stop sending (nothing in flight calls back) and free OB; the spool stays. */
void nb_outbox_free(struct nb_outbox *ob);

/* Accept one enriched notification (JSON text, LEN bytes): spooled, then
 * queued to every sink. ERR says why when not NB_OUTBOX_OK. */
enum nb_outbox_rc nb_outbox_accept(struct nb_outbox *ob, const char *json, size_t len, char *err,
                                   size_t errlen);
/* The same from a parsed notification (printed unformatted first). */
enum nb_outbox_rc nb_outbox_accept_json(struct nb_outbox *ob, const struct cJSON *notif, char *err,
                                        size_t errlen);

/* Append the outbox's metrics to a /metrics body:
 *   netblame_alert_accepted_total                  counter: notifications spooled
 *   netblame_alert_delivered_total{sink}           counter: events answered 2xx
 *   netblame_alert_retries_total{sink}             counter: attempts failed and retried
 *   netblame_alert_failed_total{sink}              counter: events failed for good
 *   netblame_alert_queued{sink}                    gauge: events not finished
 *   netblame_alert_delivery_seconds{sink}          histogram: accept to 2xx, 10 ms .. 1 h
 *   netblame_alert_spool_entries, _spool_bytes, _spool_max_bytes   gauges
 *   netblame_alert_spool_full_total                counter: notifications refused (503)
 *   netblame_alert_spool_corrupt_total             counter: entries moved to corrupt/
 *   netblame_alert_dead_letters_total              counter: notifications moved to dead/
 *   netblame_alert_spool_errors_total              counter: failed writes, fsyncs, renames */
void nb_outbox_metrics(const struct nb_outbox *ob, struct nb_buf *b);

struct nb_outbox_stats {
    uint64_t accepted; /* this run */
    uint64_t replayed; /* entries found in the spool at start */
    size_t pending;    /* notifications not finished by every sink */
};
const struct nb_outbox_stats *nb_outbox_stats(const struct nb_outbox *ob);
const struct nb_spool_stats *nb_outbox_spool_stats(const struct nb_outbox *ob);
/* Sink I's figures (I < the number of sinks), NULL past the end. */
const struct nb_sink_stats *nb_outbox_sink_stats(const struct nb_outbox *ob, size_t i);

#endif
