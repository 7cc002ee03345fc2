/* sink_events.h — what one sink sends for one enriched Alertmanager
 * notification (webhook v4: {"groupKey", "status", "alerts": [{"status",
 * "labels", "annotations", "startsAt", "endsAt", "fingerprint"}], ...}):
 * a list of events, each a request body and the keys that order it
 * (sink.h: a later event sharing a key with an earlier one waits for it).
 *
 *   pagerduty  one Events API v2 event per alert, event i for alerts[i]:
 *              {"routing_key", "event_action": "trigger" (firing) |
 *               "resolve" (resolved), "dedup_key": the alert's fingerprint,
 *               "client": "netblame", "payload": {"summary", "source",
 *               "severity", "timestamp", "custom_details": {"labels": {...},
 *               every netblame_* annotation}}}; ordered by its dedup_key.
 *              summary: the netblame_summary annotation, else
 *              "<alertname> (<status>)", cut to PagerDuty's 1024 characters;
 *              source: the first of the alerts section's target_labels the
 *              alert has, else its alertname; severity: the sink's.
 *              An event over PagerDuty's 512 KB limit loses its
 *              custom_details (said in them).
 *   webhook    one event: the notification's text as it was accepted,
 *              ordered by its groupKey and every alert's fingerprint.
 *
 * Pure: no I/O, no clock. */
#ifndef NB_ALERT_SINK_EVENTS_H
#define NB_ALERT_SINK_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "wire/alerts_cfg.h"

struct cJSON;

#define NB_PD_SUMMARY_MAX 1024        /* characters, Events API v2 */
#define NB_PD_DEDUP_KEY_MAX 255       /* characters, Events API v2 */
#define NB_PD_EVENT_MAX (512u * 1024) /* bytes, Events API v2 */

struct nb_sink_event {
    unsigned index; /* its number for this sink (pagerduty: the alert's index) */
    char *body;     /* the request body; NULL when it cannot be built (ERROR says why) */
    size_t len;
    uint64_t *keys; /* hashes of the keys that order it; never empty */
    size_t nkeys;
    char label[80];  /* for logs: the dedup key or group key, cut */
    char error[128]; /* why BODY is NULL */
};

struct nb_sink_events {
    struct nb_sink_event *ev;
    size_t n;
};

/* Build SINK's events for NOTIF (parsed) whose accepted text is TEXT/LEN;
 * ALERTS gives the target labels. An alert that is not an object becomes an
 * event with no body (the sink counts it failed); a notification without an
 * "alerts" array gives pagerduty no event at all. */
void nb_sink_events_build(const struct nb_sink_cfg *sink, const struct nb_alerts_cfg *alerts,
                          const struct cJSON *notif, const char *text, size_t len,
                          struct nb_sink_events *out);
void nb_sink_events_free(struct nb_sink_events *evs);

/* The dedup key of ALERT: its fingerprint when that is a string of 1..255
 * characters, else "netblame-" and a hash of its labels sorted by name. */
void nb_alert_dedup_key(const struct cJSON *alert, char *out, size_t n);

#endif
