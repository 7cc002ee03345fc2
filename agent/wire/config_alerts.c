/* config_alerts.c — "alerts" of netblamed's configuration (the shape and
 * its meaning: wire/alerts_cfg.h): which labels map an Alertmanager alert
 * to a target, how long its enrichment may take, the spool, and the sinks
 * enriched notifications are forwarded to.
 *
 *   alerts { target_labels: 1..4 label names ([A-Za-z_][A-Za-z0-9_]*, at most
 *              127 characters, none twice) = ["netblame_target", "instance"],
 *            deadline_ms: 10..60000 = 2000, diagnose: "stale" | "always" |
 *            "never" = "stale", fresh_ms: 1000..3600000 = 15000,
 *            spool_dir: an absolute path = "" (none), spool_max_bytes:
 *              1 MiB..1 TiB = 64 MiB,
 *            sinks: [ at most 8 { name (required, unique), type: "pagerduty" |
 *              "webhook" (required), url: http:// or https:// (required),
 *              timeout_ms: 100..60000 = 5000; pagerduty only: routing_key_file
 *              (required), severity: "critical" | "error" | "warning" |
 *              "info" = "critical" } ] }
 *
 * The PagerDuty routing key is read from a file, never written in the
 * config: the config is shown to people and kept in repositories, and a
 * routing key lets whoever holds it page the on-call. The file is refused
 * unless it is a regular file owned by root or this user and open to no one
 * else; one trailing newline is dropped (editors add one); what is left is
 * 1..127 printable ASCII characters (PagerDuty's are 32). */
#include "wire/config_section.h"

#include <stdio.h>
#include <string.h>

static const char *const sink_types[] = {"pagerduty", "webhook", NULL};
static const char *const severities[] = {"critical", "error", "warning", "info", NULL};

void nb_cfg_alerts_defaults(struct nb_alerts_cfg *a)
{
    memset(a, 0, sizeof(*a));
    snprintf(a->target_labels[0], NB_ALERT_LABEL_MAX, "netblame_target");
    snprintf(a->target_labels[1], NB_ALERT_LABEL_MAX, "instance");
    a->ntarget_labels = 2;
    a->deadline_ms = NB_ALERT_DEADLINE_MS_DEFAULT;
    a->diagnose = NB_ALERT_DIAG_STALE;
    a->fresh_ms = NB_ALERT_FRESH_MS_DEFAULT;
    a->spool_max_bytes = NB_SPOOL_MAX_BYTES_DEFAULT;
}

/* A Prometheus label name in its classic form: [A-Za-z_][A-Za-z0-9_]*. */
static bool valid_label_name(const char *s)
{
    static const char head[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_";
    static const char tail[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789";
    return s[0] && strchr(head, s[0]) && strspn(s, tail) == strlen(s);
}

static int parse_target_labels(struct nb_jr *x, const cJSON *o, struct nb_alerts_cfg *a)
{
    const cJSON *arr;
    char path[48], q[NB_JR_QUOTE_MAX];
    size_t i = 0;
    int rc = nb_jr_arr(x, o, "alerts", "target_labels", 0, &arr);

    if (rc <= 0)
        return rc;
    size_t n = (size_t)cJSON_GetArraySize(arr);
    if (n == 0 || n > NB_ALERT_LABELS_MAX)
        return nb_jr_fail(x, "alerts", "target_labels", "must list 1..%d label names (got %zu)",
                          NB_ALERT_LABELS_MAX, n);
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        nb_jr_index(path, sizeof(path), "alerts.target_labels", i);
        if (nb_jr_text(x, it, path, NULL, NB_JR_NONEMPTY, a->target_labels[i], NB_ALERT_LABEL_MAX) <
            0)
            return -1;
        if (!valid_label_name(a->target_labels[i])) {
            nb_jr_quote(q, sizeof(q), a->target_labels[i]);
            return nb_jr_fail(x, path, NULL, "not a label name ([A-Za-z_][A-Za-z0-9_]*; got %s)",
                              q);
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(a->target_labels[j], a->target_labels[i]) == 0)
                return nb_jr_fail(x, path, NULL, "\"%s\" is listed twice (also [%zu])",
                                  a->target_labels[i], j);
    }
    a->ntarget_labels = n;
    return 0;
}

/* URL: http:// or https://, a host, printable ASCII without blanks. */
static int parse_sink_url(struct nb_jr *x, const cJSON *o, const char *path, char *out)
{
    const char *u, *rest;
    char q[NB_JR_QUOTE_MAX];

    if (nb_jr_str(x, o, path, "url", NB_JR_REQUIRED, NB_SINK_URL_MAX - 1, &u) < 0)
        return -1;
    nb_jr_quote(q, sizeof(q), u);
    for (const char *p = u; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return nb_jr_fail(x, path, "url", "must be printable ASCII without blanks (got %s)", q);
    rest = strncmp(u, "http://", 7) == 0 ? u + 7 : strncmp(u, "https://", 8) == 0 ? u + 8 : NULL;
    if (!rest || !*rest || *rest == '/' || *rest == ':')
        return nb_jr_fail(x, path, "url", "must be http://HOST... or https://HOST... (got %s)", q);
    snprintf(out, NB_SINK_URL_MAX, "%s", u);
    return 0;
}

/* The routing key in FILE into S->routing_key (see the top of this file). */
static int read_routing_key(struct nb_jr *x, const char *path, const char *file,
                            struct nb_sink_cfg *s)
{
    /* the key, and room for "\r\n" after it */
    uint8_t buf[NB_SINK_KEY_MAX + 2];
    size_t n;
    int ret = -1;

    if (nb_cfg_secret_file(x, path, "routing_key_file", file, true, buf, sizeof(buf) - 1, &n) < 0)
        return -1;
    if (n && buf[n - 1] == '\n')
        n--;
    if (n && buf[n - 1] == '\r')
        n--;
    if (n == 0 || n >= NB_SINK_KEY_MAX) {
        nb_jr_fail(x, path, "routing_key_file", "must hold one key of 1..%d characters (%s)",
                   NB_SINK_KEY_MAX - 1, n ? "it is longer" : "it holds only a newline");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (buf[i] <= ' ' || buf[i] >= 0x7f) {
            nb_jr_fail(x, path, "routing_key_file",
                       "the key must be printable ASCII without blanks (byte %zu is not)", i + 1);
            goto out;
        }
    memcpy(s->routing_key, buf, n);
    s->routing_key[n] = '\0';
    ret = 0;
out:
    explicit_bzero(buf, sizeof(buf));
    return ret;
}

static int parse_sink(struct nb_jr *x, const cJSON *o, const char *path, struct nb_sink_cfg *s)
{
    static const char *const keys[] = {"name",     "type",       "url", "routing_key_file",
                                       "severity", "timeout_ms", NULL};
    const char *file;
    const cJSON *v;
    unsigned type = 0, sev = 0;
    int64_t timeout = 5000;

    if (nb_jr_members(x, o, path, keys, NULL) < 0 ||
        nb_cfg_name(x, o, path, "name", NB_JR_REQUIRED, s->name) < 0 ||
        nb_jr_enum(x, o, path, "type", NB_JR_REQUIRED, sink_types, &type) < 0 ||
        parse_sink_url(x, o, path, s->url) < 0 ||
        nb_jr_int(x, o, path, "timeout_ms", 0, 100, 60000, &timeout) < 0)
        return -1;
    s->type = type == 0 ? NB_SINK_PAGERDUTY : NB_SINK_WEBHOOK;
    s->timeout_ms = (unsigned)timeout;
    if (s->type == NB_SINK_WEBHOOK) {
        static const char *const pd_only[] = {"routing_key_file", "severity", NULL};
        for (size_t i = 0; pd_only[i]; i++)
            if (nb_jr_value(x, o, path, pd_only[i], 0, &v) > 0)
                return nb_jr_fail(x, path, pd_only[i], "only for \"pagerduty\" sinks");
        return 0;
    }
    if (nb_jr_enum(x, o, path, "severity", 0, severities, &sev) < 0 ||
        nb_jr_str(x, o, path, "routing_key_file", NB_JR_REQUIRED, SIZE_MAX, &file) < 0)
        return -1;
    snprintf(s->severity, sizeof(s->severity), "%s", severities[sev]);
    return read_routing_key(x, path, file, s);
}

static int parse_sinks(struct nb_jr *x, const cJSON *o, struct nb_alerts_cfg *a)
{
    const cJSON *arr;
    char path[32];
    size_t i = 0;
    int rc = nb_jr_arr(x, o, "alerts", "sinks", 0, &arr);

    if (rc <= 0)
        return rc;
    size_t n = (size_t)cJSON_GetArraySize(arr);
    if (n > NB_SINKS_MAX)
        return nb_jr_fail(x, "alerts", "sinks", "at most %d sinks (got %zu)", NB_SINKS_MAX, n);
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        struct nb_sink_cfg *s = &a->sinks[i];
        nb_jr_index(path, sizeof(path), "alerts.sinks", i);
        if (parse_sink(x, it, path, s) < 0)
            return -1;
        a->nsinks = i + 1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(a->sinks[j].name, s->name) == 0)
                return nb_jr_fail(x, path, "name", "duplicate sink name \"%s\" (also sinks[%zu])",
                                  s->name, j);
    }
    return 0;
}

int nb_cfg_alerts(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {"target_labels", "deadline_ms",     "diagnose", "fresh_ms",
                                       "spool_dir",     "spool_max_bytes", "sinks",    NULL};
    static const char *const modes[] = {"stale", "always", "never", NULL};
    struct nb_alerts_cfg *a = &c->alerts;
    const cJSON *o;
    const char *dir;
    unsigned mode = 0;
    int64_t deadline = a->deadline_ms, fresh = a->fresh_ms;
    uint64_t spool_max = a->spool_max_bytes;
    int rc = nb_jr_obj(x, root, "", "alerts", 0, keys, &o);

    if (rc <= 0)
        return rc;
    a->present = true;
    if (parse_target_labels(x, o, a) < 0 ||
        nb_jr_int(x, o, "alerts", "deadline_ms", 0, 10, 60000, &deadline) < 0 ||
        nb_jr_enum(x, o, "alerts", "diagnose", 0, modes, &mode) < 0 ||
        nb_jr_int(x, o, "alerts", "fresh_ms", 0, 1000, 3600000, &fresh) < 0 ||
        nb_jr_str(x, o, "alerts", "spool_dir", 0, sizeof(a->spool_dir) - 1, &dir) < 0 ||
        nb_jr_uint(x, o, "alerts", "spool_max_bytes", 0, 1ull << 20, 1ull << 40, &spool_max) < 0)
        return -1;
    a->deadline_ms = (unsigned)deadline;
    a->diagnose = (enum nb_alert_diagnose)mode;
    a->fresh_ms = (unsigned)fresh;
    a->spool_max_bytes = spool_max;
    if (dir && *dir) {
        char q[NB_JR_QUOTE_MAX];
        nb_jr_quote(q, sizeof(q), dir);
        if (dir[0] != '/')
            return nb_jr_fail(x, "alerts", "spool_dir", "must be an absolute path (got %s)", q);
        for (const char *p = dir; *p; p++)
            if ((unsigned char)*p < ' ' || *p == 0x7f)
                return nb_jr_fail(x, "alerts", "spool_dir",
                                  "must hold no control character (got %s)", q);
        snprintf(a->spool_dir, sizeof(a->spool_dir), "%s", dir);
    }
    return parse_sinks(x, o, a);
}
