/* sink_events.c — a notification turned into what each sink sends (see
 * sink_events.h). The field names, limits and the trigger/resolve mapping
 * are PagerDuty's Events API v2 ("Send an Alert Event": routing_key,
 * event_action, dedup_key up to 255 characters, payload.summary up to 1024,
 * payload.source and payload.severity required, payload.custom_details an
 * object; events up to 512 KB). */
#include "alert/sink_events.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/spool.h"
#include "netblame/buf.h"
#include "netblame/mem.h"

static const char *str_member(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

static uint64_t key_hash(const char *s)
{
    return nb_spool_hash(s, strlen(s));
}

/* Copy S into OUT (N bytes), cut to at most MAX bytes and never inside a
 * UTF-8 sequence: at most MAX characters either way. */
static void copy_cut(char *out, size_t n, const char *s, size_t max)
{
    size_t len = strlen(s);
    if (len > max)
        len = max;
    if (len >= n)
        len = n - 1;
    if (len < strlen(s))
        while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
            len--;
    memcpy(out, s, len);
    out[len] = '\0';
}

static int cmp_member(const void *a, const void *b)
{
    return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

void nb_alert_dedup_key(const cJSON *alert, char *out, size_t n)
{
    const char *fp = str_member(alert, "fingerprint");
    if (fp && fp[0] && strlen(fp) <= NB_PD_DEDUP_KEY_MAX) {
        snprintf(out, n, "%s", fp);
        return;
    }
    /* No usable fingerprint (Alertmanager always sends one): the labels are
     * what identify an alert, sorted so their order in the JSON does not. */
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(alert, "labels");
    const cJSON **m = NULL;
    size_t k = 0;
    const cJSON *l, *obj = cJSON_IsObject(labels) ? labels : NULL;
    cJSON_ArrayForEach(l, obj)
    {
        if (!cJSON_IsString(l) || !l->string)
            continue;
        m = nb_reallocarray(m, k + 1, sizeof(*m));
        m[k++] = l;
    }
    if (k)
        qsort(m, k, sizeof(*m), cmp_member);
    struct nb_buf b;
    nb_buf_init(&b);
    for (size_t i = 0; i < k; i++) {
        nb_buf_append(&b, m[i]->string, strlen(m[i]->string) + 1);
        nb_buf_append(&b, m[i]->valuestring, strlen(m[i]->valuestring) + 1);
    }
    snprintf(out, n, "netblame-%016" PRIx64, nb_spool_hash(b.data ? b.data : "", b.len));
    nb_buf_free(&b);
    free(m);
}

static const char *source_of(const struct nb_alerts_cfg *alerts, const cJSON *labels)
{
    static const char *const defaults[] = {"netblame_target", "instance"};
    size_t n = alerts && alerts->ntarget_labels ? alerts->ntarget_labels : 2;
    for (size_t i = 0; i < n; i++) {
        const char *v = str_member(
            labels, alerts && alerts->ntarget_labels ? alerts->target_labels[i] : defaults[i]);
        if (v && v[0])
            return v;
    }
    const char *name = str_member(labels, "alertname");
    return name && name[0] ? name : "unknown";
}

static cJSON *custom_details(const cJSON *alert)
{
    cJSON *cd = cJSON_CreateObject();
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(alert, "labels");
    cJSON_AddItemToObject(
        cd, "labels", cJSON_IsObject(labels) ? cJSON_Duplicate(labels, 1) : cJSON_CreateObject());
    const cJSON *ann = cJSON_GetObjectItemCaseSensitive(alert, "annotations");
    const cJSON *a, *obj = cJSON_IsObject(ann) ? ann : NULL;
    cJSON_ArrayForEach(a, obj)
    {
        if (a->string && strncmp(a->string, "netblame_", 9) == 0 &&
            !cJSON_GetObjectItemCaseSensitive(cd, a->string))
            cJSON_AddItemToObject(cd, a->string, cJSON_Duplicate(a, 1));
    }
    return cd;
}

static char *print(cJSON *root, size_t *len)
{
    char *s = cJSON_PrintUnformatted(root);
    *len = s ? strlen(s) : 0;
    return s;
}

static void pd_event(const struct nb_sink_cfg *sink, const struct nb_alerts_cfg *alerts,
                     const cJSON *alert, struct nb_sink_event *ev)
{
    char dedup[NB_PD_DEDUP_KEY_MAX + 1];
    nb_alert_dedup_key(alert, dedup, sizeof(dedup));
    copy_cut(ev->label, sizeof(ev->label), dedup, sizeof(ev->label) - 1);
    ev->keys = nb_malloc(sizeof(*ev->keys));
    ev->keys[0] = key_hash(dedup);
    ev->nkeys = 1;
    if (!cJSON_IsObject(alert)) {
        snprintf(ev->error, sizeof(ev->error), "alert %u is not an object", ev->index);
        return;
    }
    const char *status = str_member(alert, "status");
    bool resolved = status && strcmp(status, "resolved") == 0;
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(alert, "labels");
    const cJSON *ann = cJSON_GetObjectItemCaseSensitive(alert, "annotations");

    char summary[NB_PD_SUMMARY_MAX + 1];
    const char *given = str_member(ann, "netblame_summary");
    if (given && given[0]) {
        copy_cut(summary, sizeof(summary), given, NB_PD_SUMMARY_MAX);
    } else {
        /* whole first, then cut: snprintf would cut inside a UTF-8 sequence */
        struct nb_buf t;
        nb_buf_init(&t);
        const char *name = str_member(labels, "alertname");
        nb_buf_printf(&t, "%s (%s)", name && name[0] ? name : "alert",
                      status && status[0] ? status : "firing");
        copy_cut(summary, sizeof(summary), t.data, NB_PD_SUMMARY_MAX);
        nb_buf_free(&t);
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "routing_key", sink->routing_key);
    /* anything but "resolved" pages: an alert is never dropped for a status
     * this code does not know */
    cJSON_AddStringToObject(root, "event_action", resolved ? "resolve" : "trigger");
    cJSON_AddStringToObject(root, "dedup_key", dedup);
    cJSON_AddStringToObject(root, "client", "netblame");
    cJSON *pl = cJSON_AddObjectToObject(root, "payload");
    cJSON_AddStringToObject(pl, "summary", summary);
    cJSON_AddStringToObject(pl, "source", source_of(alerts, labels));
    cJSON_AddStringToObject(pl, "severity", sink->severity[0] ? sink->severity : "critical");
    /* Alertmanager's zero time (0001-01-01...) means "not set" */
    const char *ts = str_member(alert, resolved ? "endsAt" : "startsAt");
    if (ts && ts[0] && strncmp(ts, "0001-", 5) != 0)
        cJSON_AddStringToObject(pl, "timestamp", ts);
    cJSON_AddItemToObject(pl, "custom_details", custom_details(alert));
    ev->body = print(root, &ev->len);
    if (ev->body && ev->len > NB_PD_EVENT_MAX) {
        free(ev->body);
        cJSON *cd = cJSON_CreateObject();
        cJSON_AddStringToObject(cd, "netblame_note",
                                "labels and annotations left out: the event was over "
                                "PagerDuty's 512 KB limit");
        cJSON_ReplaceItemInObjectCaseSensitive(pl, "custom_details", cd);
        ev->body = print(root, &ev->len);
    }
    if (!ev->body)
        snprintf(ev->error, sizeof(ev->error), "out of memory printing the event");
    cJSON_Delete(root);
}

static void webhook_event(const cJSON *notif, const char *text, size_t len,
                          struct nb_sink_event *ev)
{
    ev->body = nb_malloc(len + 1);
    memcpy(ev->body, text, len);
    ev->body[len] = '\0';
    ev->len = len;
    const char *group = str_member(notif, "groupKey");
    snprintf(ev->label, sizeof(ev->label), "group %.70s", group ? group : "(none)");
    const cJSON *alerts = cJSON_GetObjectItemCaseSensitive(notif, "alerts");
    size_t n = 1 + (size_t)(cJSON_IsArray(alerts) ? cJSON_GetArraySize(alerts) : 0);
    ev->keys = nb_reallocarray(NULL, n, sizeof(*ev->keys));
    ev->keys[ev->nkeys++] = key_hash(group ? group : "");
    const cJSON *a, *arr = cJSON_IsArray(alerts) ? alerts : NULL;
    cJSON_ArrayForEach(a, arr)
    {
        char dedup[NB_PD_DEDUP_KEY_MAX + 1];
        nb_alert_dedup_key(a, dedup, sizeof(dedup));
        ev->keys[ev->nkeys++] = key_hash(dedup);
    }
}

void nb_sink_events_build(const struct nb_sink_cfg *sink, const struct nb_alerts_cfg *alerts,
                          const cJSON *notif, const char *text, size_t len,
                          struct nb_sink_events *out)
{
    out->ev = NULL;
    out->n = 0;
    if (sink->type == NB_SINK_WEBHOOK) {
        out->ev = nb_calloc(1, sizeof(*out->ev));
        out->n = 1;
        webhook_event(notif, text, len, &out->ev[0]);
        return;
    }
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(notif, "alerts");
    int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
    if (n <= 0)
        return;
    out->ev = nb_calloc((size_t)n, sizeof(*out->ev));
    const cJSON *a;
    cJSON_ArrayForEach(a, arr)
    {
        struct nb_sink_event *ev = &out->ev[out->n];
        ev->index = (unsigned)out->n++;
        pd_event(sink, alerts, a, ev);
    }
}

void nb_sink_events_free(struct nb_sink_events *evs)
{
    for (size_t i = 0; i < evs->n; i++) {
        free(evs->ev[i].body);
        free(evs->ev[i].keys);
    }
    free(evs->ev);
    evs->ev = NULL;
    evs->n = 0;
}
