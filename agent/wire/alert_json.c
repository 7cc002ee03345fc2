/* alert_json.c — read an Alertmanager webhook notification (alert_json.h);
 * cJSON is kept, validated, for the enrichment to add to. */
#include "wire/alert_json.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/log.h"
#include "netblame/mem.h"
#include "wire/jsonread.h"
#include "wire/verdict_json.h"

/* Bounds of the free-text fields: generous for what Alertmanager writes
 * (a generatorURL holds the URL-encoded PromQL expression), small beside
 * the body's own bound. */
#define RECEIVER_MAX 1024
#define GROUP_KEY_MAX 16384
#define URL_MAX 65536
#define FINGERPRINT_MAX 64

static const char *const statuses[] = {"firing", "resolved", NULL};

/* Member KEY of O, a set of string pairs (labels or annotations), each
 * name 1..NB_ALERT_LABEL_MAX-1 bytes and each value at most VMAX, at most
 * NB_ALERT_PAIRS_MAX of them, none repeated. Null or absent: 0, as an empty
 * set unless REQUIRED. */
static int read_pairs(struct nb_jr *x, const cJSON *o, const char *path, const char *key,
                      unsigned flags, size_t vmax)
{
    const cJSON *set;
    const char *v;
    char p[NB_JR_PATH_MAX], m[NB_JR_PATH_MAX];
    size_t n = 0;
    int rc = nb_jr_obj(x, o, path, key, flags, NULL, &set);

    if (rc <= 0)
        return rc;
    nb_jr_at(p, sizeof(p), path, key);
    for (const cJSON *it = set->child; it; it = it->next, n++) {
        size_t len = strlen(it->string);
        if (n == NB_ALERT_PAIRS_MAX)
            return nb_jr_fail(x, p, NULL, "at most %d members (got %d)", NB_ALERT_PAIRS_MAX,
                              cJSON_GetArraySize(set));
        if (len == 0 || len >= NB_ALERT_LABEL_MAX)
            return nb_jr_fail(x, p, it->string, "a name of 1..%d bytes, not %zu",
                              NB_ALERT_LABEL_MAX - 1, len);
        if (nb_jr_str(x, it, nb_jr_at(m, sizeof(m), p, it->string), NULL, 0, vmax, &v) < 0)
            return -1;
    }
    return 0;
}

/* Member KEY of O, if there, an RFC 3339 time. */
static int read_time(struct nb_jr *x, const cJSON *o, const char *path, const char *key)
{
    const char *s;
    char q[NB_JR_QUOTE_MAX];
    int64_t sec;
    long ns;
    int rc = nb_jr_str(x, o, path, key, 0, 64, &s);

    if (rc <= 0)
        return rc;
    if (nb_rfc3339_parse(s, &sec, &ns) < 0) {
        nb_jr_quote(q, sizeof(q), s);
        return nb_jr_fail(x, path, key, "must be an RFC 3339 time (got %s)", q);
    }
    return 0;
}

static int read_alert(struct nb_jr *x, const cJSON *a, const char *path)
{
    const char *s;
    unsigned st;

    if (nb_jr_members(x, a, path, NULL, NULL) < 0 ||
        nb_jr_enum(x, a, path, "status", NB_JR_REQUIRED, statuses, &st) < 0 ||
        read_pairs(x, a, path, "labels", NB_JR_REQUIRED, NB_ALERT_LABEL_VALUE_MAX) < 0 ||
        read_pairs(x, a, path, "annotations", NB_JR_NULLABLE, NB_ALERT_NOTE_VALUE_MAX) < 0 ||
        read_time(x, a, path, "startsAt") < 0 || read_time(x, a, path, "endsAt") < 0 ||
        nb_jr_str(x, a, path, "generatorURL", 0, URL_MAX, &s) < 0 ||
        nb_jr_str(x, a, path, "fingerprint", 0, FINGERPRINT_MAX, &s) < 0)
        return -1;
    return 0;
}

static int read_note(struct nb_jr *x, cJSON *root, struct nb_alert_note *n)
{
    const cJSON *arr;
    const char *version, *s;
    char q[NB_JR_QUOTE_MAX];
    unsigned st;

    if (nb_jr_members(x, root, "", NULL, NULL) < 0 ||
        nb_jr_str(x, root, "", "version", NB_JR_REQUIRED, 64, &version) < 0)
        return -1;
    if (strcmp(version, "4") != 0) {
        nb_jr_quote(q, sizeof(q), version);
        return nb_jr_fail(x, NULL, "version", "only version \"4\" is known (got %s)", q);
    }
    if (nb_jr_enum(x, root, "", "status", NB_JR_REQUIRED, statuses, &st) < 0 ||
        nb_jr_uint(x, root, "", "truncatedAlerts", 0, 0, UINT64_MAX, &n->truncated) < 0 ||
        nb_jr_str(x, root, "", "groupKey", 0, GROUP_KEY_MAX, &s) < 0 ||
        nb_jr_str(x, root, "", "receiver", 0, RECEIVER_MAX, &s) < 0 ||
        nb_jr_str(x, root, "", "externalURL", 0, URL_MAX, &s) < 0 ||
        read_pairs(x, root, "", "groupLabels", NB_JR_NULLABLE, NB_ALERT_LABEL_VALUE_MAX) < 0 ||
        read_pairs(x, root, "", "commonLabels", NB_JR_NULLABLE, NB_ALERT_LABEL_VALUE_MAX) < 0 ||
        read_pairs(x, root, "", "commonAnnotations", NB_JR_NULLABLE, NB_ALERT_NOTE_VALUE_MAX) < 0 ||
        nb_jr_arr(x, root, "", "alerts", NB_JR_REQUIRED, &arr) < 0)
        return -1;
    n->resolved = st == 1;
    size_t count = (size_t)cJSON_GetArraySize(arr), i = 0;
    if (count > NB_ALERT_NOTE_MAX)
        return nb_jr_fail(x, NULL, "alerts", "at most %d alerts (got %zu)", NB_ALERT_NOTE_MAX,
                          count);
    n->alerts = nb_calloc(count ? count : 1, sizeof(*n->alerts));
    for (cJSON *it = arr->child; it; it = it->next, i++) {
        char p[32];
        if (read_alert(x, it, nb_jr_index(p, sizeof(p), "alerts", i)) < 0)
            return -1;
        n->alerts[i] = it;
    }
    n->nalerts = count;
    return 0;
}

int nb_alert_note_parse(const char *body, size_t len, struct nb_alert_note *out, char *err,
                        size_t errlen)
{
    struct nb_jr x = {.doc = "notification", .err = err, .errlen = errlen};
    cJSON *root;

    memset(out, 0, sizeof(*out));
    if (len > NB_ALERT_BODY_MAX)
        return nb_jr_fail(&x, NULL, NULL, "too large (%zu bytes; the limit is %u)", len,
                          NB_ALERT_BODY_MAX);
    if (nb_jr_parse(&x, body, len, &root) < 0)
        return -1;
    out->root = root;
    if (read_note(&x, root, out) < 0) {
        nb_alert_note_free(out);
        return -1;
    }
    return 0;
}

void nb_alert_note_free(struct nb_alert_note *n)
{
    cJSON_Delete(n->root);
    free(n->alerts);
    memset(n, 0, sizeof(*n));
}

void nb_alert_note_render(const struct nb_alert_note *n, struct nb_buf *b)
{
    char *s = cJSON_PrintUnformatted(n->root);
    if (!s)
        nb_fatal("out of memory rendering a notification");
    nb_buf_printf(b, "%s\n", s);
    free(s);
}

const char *nb_alert_label(const cJSON *alert, const char *name)
{
    const cJSON *v =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(alert, "labels"), name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

cJSON *nb_alert_annotations(cJSON *alert)
{
    cJSON *old = cJSON_GetObjectItemCaseSensitive(alert, "annotations"), *a;
    if (cJSON_IsObject(old))
        return old;
    /* validated: absent, or null (cJSON_HasObjectItem would ignore case) */
    a = cJSON_CreateObject();
    if (old)
        cJSON_ReplaceItemInObjectCaseSensitive(alert, "annotations", a);
    else
        cJSON_AddItemToObject(alert, "annotations", a);
    return a;
}
