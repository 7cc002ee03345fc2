/* alerts_cfg.h — the "alerts" section of netblamed's config (issue 14):
 * how an Alertmanager alert is mapped to a target this daemon judges, how
 * long its enrichment may take, where accepted notifications are spooled,
 * and the sinks they are forwarded to. Parsed by wire/config_alerts.c; used
 * by the enrichment (agent/alert/) and the daemon's POST /v1/alerts.
 *
 *   "alerts": {
 *     "target_labels": ["netblame_target", "instance"],   (tried in order)
 *     "deadline_ms": 2000,            (per alert; past it: unenriched)
 *     "diagnose": "stale",            (stale | always | never)
 *     "fresh_ms": 15000,              (a served verdict this recent is fresh)
 *     "spool_dir": "/var/lib/netblame/spool",
 *     "spool_max_bytes": 67108864,
 *     "sinks": [
 *       {"name": "pd", "type": "pagerduty",
 *        "url": "https://events.pagerduty.com/v2/enqueue",
 *        "routing_key_file": "/etc/netblame/pd.key", "severity": "critical"},
 *       {"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9000/hook"}
 *     ]
 *   }
 */
#ifndef NB_ALERTS_CFG_H
#define NB_ALERTS_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NB_ALERT_LABELS_MAX 4     /* target_labels tried */
#define NB_ALERT_LABEL_MAX 128    /* a label name */
#define NB_SINKS_MAX 8
#define NB_SINK_URL_MAX 512
#define NB_SINK_KEY_MAX 128       /* a PagerDuty routing key is 32 chars */
#define NB_ALERT_DEADLINE_MS_DEFAULT 2000
#define NB_ALERT_FRESH_MS_DEFAULT 15000
#define NB_SPOOL_MAX_BYTES_DEFAULT (64ull << 20)

enum nb_sink_type { NB_SINK_PAGERDUTY = 0, NB_SINK_WEBHOOK = 1 };

enum nb_alert_diagnose {
    NB_ALERT_DIAG_STALE = 0, /* diagnose when the target has no fresh verdict */
    NB_ALERT_DIAG_ALWAYS,    /* always run an on-demand diagnosis */
    NB_ALERT_DIAG_NEVER,     /* served verdicts only */
};

struct nb_sink_cfg {
    char name[64];                 /* unique; label in metrics */
    enum nb_sink_type type;
    char url[NB_SINK_URL_MAX];     /* http:// or https:// */
    char routing_key[NB_SINK_KEY_MAX]; /* pagerduty: read from routing_key_file
                                        * (owner root or this user, not group- or
                                        * world-readable), never from the config */
    char severity[16];             /* pagerduty: critical|error|warning|info; default critical */
    unsigned timeout_ms;           /* one delivery attempt; default 5000 */
};

struct nb_alerts_cfg {
    bool present;                  /* the "alerts" object is in the config */
    char target_labels[NB_ALERT_LABELS_MAX][NB_ALERT_LABEL_MAX];
    size_t ntarget_labels;         /* default: netblame_target, instance */
    unsigned deadline_ms;          /* default NB_ALERT_DEADLINE_MS_DEFAULT */
    enum nb_alert_diagnose diagnose;
    unsigned fresh_ms;             /* default NB_ALERT_FRESH_MS_DEFAULT */
    char spool_dir[256];           /* "" : no spool (then nothing is accepted) */
    uint64_t spool_max_bytes;
    struct nb_sink_cfg sinks[NB_SINKS_MAX];
    size_t nsinks;
};

#endif
