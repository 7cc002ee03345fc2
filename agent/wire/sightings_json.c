/* sightings_json.c — render and parse the sightings API's JSON (cJSON stays
 * in this file). */
#include "wire/sightings_json.h"

#include "wire/num.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"test", "reply"};
static const char *const role_names[] = {"tap", "nic"};
static const char *const dir_names[] = {"in", "out"};
static const char *const proto_names[] = {"stamp", "tcp"};

void nb_sightings_json_render(const char *node, const struct nb_sightings_page *pg,
                              const struct nb_sighting *s, struct nb_buf *b)
{
    char num[32];
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "node", node);
    snprintf(num, sizeof(num), "%" PRIu64, pg->next);
    cJSON_AddStringToObject(root, "next", num);
    snprintf(num, sizeof(num), "%" PRIu64, pg->missed);
    cJSON_AddStringToObject(root, "missed", num);
    cJSON *arr = cJSON_AddArrayToObject(root, "sightings");
    for (size_t i = 0; i < pg->n; i++) {
        cJSON *o = cJSON_CreateObject();
        snprintf(num, sizeof(num), "%016" PRIx64, s[i].probe_id);
        cJSON_AddStringToObject(o, "probe_id", num);
        snprintf(num, sizeof(num), "%" PRId64, s[i].ts);
        cJSON_AddStringToObject(o, "ts", num);
        cJSON_AddStringToObject(o, "kind", kind_names[s[i].kind & 1]);
        cJSON_AddStringToObject(o, "role", role_names[s[i].role & 1]);
        cJSON_AddStringToObject(o, "dir", dir_names[s[i].dir & 1]);
        cJSON_AddStringToObject(o, "proto", proto_names[s[i].proto & 1]);
        if (s[i].proto == NB_PROTO_TCP)
            cJSON_AddNumberToObject(o, "isn", s[i].isn);
        cJSON_AddStringToObject(o, "ifname", s[i].ifname);
        cJSON_AddNumberToObject(o, "ifindex", s[i].ifindex);
        cJSON_AddItemToArray(arr, o);
    }
    char *text = cJSON_PrintUnformatted(root);
    nb_buf_printf(b, "%s\n", text);
    free(text);
    cJSON_Delete(root);
}

/* A decimal (or, with HEX, hexadecimal) string member as a 64-bit integer. */
static int get_u64(const cJSON *o, const char *key, int hex, uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? nb_parse_u64(v->valuestring, hex ? 16 : 10, out) : -1;
}

static int get_enum(const cJSON *o, const char *key, const char *const names[2], uint8_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v) || !v->valuestring)
        return -1;
    for (uint8_t i = 0; i < 2; i++)
        if (strcmp(v->valuestring, names[i]) == 0) {
            *out = i;
            return 0;
        }
    return -1;
}

int nb_sightings_json_parse(const char *text, size_t len, struct nb_sighting *out, size_t cap,
                            struct nb_sightings_page *pg, char *err, size_t errlen)
{
    int ret = -1;
    memset(pg, 0, sizeof(*pg));
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) {
        snprintf(err, errlen, "sightings: not JSON");
        return -1;
    }
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "sightings");
    if (!cJSON_IsObject(root) || get_u64(root, "next", 0, &pg->next) < 0 ||
        get_u64(root, "missed", 0, &pg->missed) < 0 || !cJSON_IsArray(arr)) {
        snprintf(err, errlen, "sightings: missing or malformed next/missed/sightings");
        goto out;
    }
    size_t i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        if (i >= cap) {
            snprintf(err, errlen, "sightings: more than %zu in one page", cap);
            goto out;
        }
        struct nb_sighting *s = &out[i];
        memset(s, 0, sizeof(*s));
        uint64_t ts, id;
        const cJSON *ifname = cJSON_GetObjectItemCaseSensitive(it, "ifname");
        const cJSON *ifindex = cJSON_GetObjectItemCaseSensitive(it, "ifindex");
        const cJSON *isn = cJSON_GetObjectItemCaseSensitive(it, "isn");
        if (!cJSON_IsObject(it) || get_u64(it, "probe_id", 1, &id) < 0 ||
            get_u64(it, "ts", 0, &ts) < 0 || ts > (uint64_t)INT64_MAX ||
            get_enum(it, "kind", kind_names, &s->kind) < 0 ||
            get_enum(it, "role", role_names, &s->role) < 0 ||
            get_enum(it, "dir", dir_names, &s->dir) < 0 ||
            (cJSON_GetObjectItemCaseSensitive(it, "proto") &&
             get_enum(it, "proto", proto_names, &s->proto) < 0) ||
            !cJSON_IsString(ifname) ||
            !ifname->valuestring || strlen(ifname->valuestring) >= sizeof(s->ifname) ||
            !cJSON_IsNumber(ifindex) || ifindex->valuedouble < 0 ||
            ifindex->valuedouble > 2147483647.0 ||
            (isn && (!cJSON_IsNumber(isn) || isn->valuedouble < 0 ||
                     isn->valuedouble > 4294967295.0 ||
                     isn->valuedouble != (double)(uint32_t)isn->valuedouble))) {
            snprintf(err, errlen, "sightings[%zu]: malformed", i);
            goto out;
        }
        s->probe_id = id;
        s->ts = (nb_ns)ts;
        snprintf(s->ifname, sizeof(s->ifname), "%s", ifname->valuestring);
        s->ifindex = (int)ifindex->valuedouble;
        s->isn = isn ? (uint32_t)isn->valuedouble : 0;
    }
    pg->n = i;
    ret = 0;
out:
    cJSON_Delete(root);
    return ret;
}
