/* alert_json.h — THE one reader of an Alertmanager webhook notification,
 * the body Alertmanager POSTs to a webhook receiver (its notify/webhook:
 * template.Data plus the protocol's version, groupKey and truncatedAlerts):
 *
 *   { "version": "4", "groupKey": "...", "truncatedAlerts": 0,
 *     "status": "firing" | "resolved", "receiver": "...",
 *     "groupLabels": {...}, "commonLabels": {...}, "commonAnnotations": {...},
 *     "externalURL": "...",
 *     "alerts": [ { "status": "firing" | "resolved", "labels": {...},
 *                   "annotations": {...}, "startsAt": RFC 3339,
 *                   "endsAt": RFC 3339 (Go's zero time while firing),
 *                   "generatorURL": "...", "fingerprint": "..." } ] }
 *
 * Read strictly through wire/jsonread.h, bounds first: the body (at most
 * NB_ALERT_BODY_MAX), the alerts (at most NB_ALERT_NOTE_MAX), the pairs of
 * each label or annotation set and their lengths. Required: version "4"
 * (another version may mean other fields: refused, not guessed), status,
 * alerts[], and in each alert status and labels; every other field above is
 * optional but, when present, of its type (label and annotation values are
 * strings; an annotations or label set may be null, as Go writes an empty
 * map that was never made). Members not listed above are passed over, at
 * the top and in each alert, because Alertmanager adds fields in later
 * releases and a receiver that refused them would drop pages; a repeated
 * member is refused everywhere, labels and annotations included (two values
 * of one label could mean two targets to two readers).
 *
 * The validated cJSON tree is kept: the enriched notification is the
 * original, every member untouched, plus netblame's annotations
 * (alert/enrich.h). */
#ifndef NB_ALERT_JSON_H
#define NB_ALERT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netblame/buf.h"
#include "wire/alerts_cfg.h"

struct cJSON;

#define NB_ALERT_BODY_MAX (4u << 20) /* bytes of a notification */
#define NB_ALERT_NOTE_MAX 1000       /* alerts in one notification */
#define NB_ALERT_PAIRS_MAX 128       /* labels, or annotations, of one alert or group */
/* label and annotation names: 1..NB_ALERT_LABEL_MAX-1 bytes (alerts_cfg.h) */
#define NB_ALERT_LABEL_VALUE_MAX 4096 /* bytes of a label's value */
#define NB_ALERT_NOTE_VALUE_MAX 65536 /* bytes of an annotation's (a description) */

struct nb_alert_note {
    struct cJSON *root;    /* the whole notification (owned) */
    struct cJSON **alerts; /* root's alerts[] in order (the array owned, the items root's) */
    size_t nalerts;
    bool resolved;      /* the group's status */
    uint64_t truncated; /* truncatedAlerts: alerts Alertmanager left out (max_alerts) */
};

/* BODY (LEN bytes) as a notification into *OUT. 0, or -1 with a one-line
 * message in ERR naming the JSON path ("notification: alerts[2].labels.job:
 * must be a string (got a number)"); *OUT is then empty. */
int nb_alert_note_parse(const char *body, size_t len, struct nb_alert_note *out, char *err,
                        size_t errlen);
void nb_alert_note_free(struct nb_alert_note *n);

/* N, as it now stands, as one line of JSON and a newline appended to B. */
void nb_alert_note_render(const struct nb_alert_note *n, struct nb_buf *b);

/* The value of label NAME of ALERT (one of a parsed note's alerts), or NULL. */
const char *nb_alert_label(const struct cJSON *alert, const char *name);
/* ALERT's annotations, made an empty object first if they were null or
 * absent. */
struct cJSON *nb_alert_annotations(struct cJSON *alert);

#endif
