/* links_json.c — render and parse GET /v1/links (cJSON stays here). Counters
 * are 64-bit and travel as decimal strings. */
#include "wire/links_json.h"

#include "wire/num.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *key;
    size_t off;
} fields[] = {
    {"rx_packets", offsetof(struct nb_link_counters, rx_packets)},
    {"tx_packets", offsetof(struct nb_link_counters, tx_packets)},
    {"rx_bytes", offsetof(struct nb_link_counters, rx_bytes)},
    {"tx_bytes", offsetof(struct nb_link_counters, tx_bytes)},
    {"rx_dropped", offsetof(struct nb_link_counters, rx_dropped)},
    {"tx_dropped", offsetof(struct nb_link_counters, tx_dropped)},
    {"rx_errors", offsetof(struct nb_link_counters, rx_errors)},
    {"tx_errors", offsetof(struct nb_link_counters, tx_errors)},
    {"carrier_changes", offsetof(struct nb_link_counters, carrier_changes)},
    {"qdisc_drops", offsetof(struct nb_link_counters, qdisc_drops)},
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

void nb_links_json_render(const char *node, const struct nb_link_report *l, size_t n,
                          struct nb_buf *b)
{
    char num[24];
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "node", node);
    cJSON *arr = cJSON_AddArrayToObject(root, "links");
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", l[i].name);
        cJSON_AddStringToObject(o, "role", l[i].nic ? "nic" : "tap");
        cJSON_AddBoolToObject(o, "up", l[i].up);
        cJSON_AddBoolToObject(o, "carrier", l[i].carrier);
        for (size_t f = 0; f < NFIELDS; f++) {
            snprintf(num, sizeof(num), "%" PRIu64,
                     *(const uint64_t *)((const char *)&l[i].c + fields[f].off));
            cJSON_AddStringToObject(o, fields[f].key, num);
        }
        cJSON_AddItemToArray(arr, o);
    }
    char *text = cJSON_PrintUnformatted(root);
    nb_buf_printf(b, "%s\n", text);
    free(text);
    cJSON_Delete(root);
}

static int get_counter(const cJSON *o, const char *key, uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? nb_parse_u64(v->valuestring, 10, out) : -1;
}

int nb_links_json_parse(const char *text, size_t len, struct nb_link_report *out, size_t cap,
                        char *err, size_t errlen)
{
    int ret = -1;
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) {
        snprintf(err, errlen, "links: not JSON");
        return -1;
    }
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "links");
    if (!cJSON_IsObject(root) || !cJSON_IsArray(arr)) {
        snprintf(err, errlen, "links: no \"links\" array");
        goto out;
    }
    size_t i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        if (i >= cap) {
            snprintf(err, errlen, "links: more than %zu", cap);
            goto out;
        }
        struct nb_link_report *l = &out[i];
        memset(l, 0, sizeof(*l));
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
        const cJSON *role = cJSON_GetObjectItemCaseSensitive(it, "role");
        const cJSON *up = cJSON_GetObjectItemCaseSensitive(it, "up");
        const cJSON *carrier = cJSON_GetObjectItemCaseSensitive(it, "carrier");
        if (!cJSON_IsObject(it) || !cJSON_IsString(name) || !name->valuestring ||
            !name->valuestring[0] || strlen(name->valuestring) >= sizeof(l->name) ||
            !cJSON_IsString(role) || !role->valuestring ||
            (strcmp(role->valuestring, "nic") != 0 && strcmp(role->valuestring, "tap") != 0) ||
            !cJSON_IsBool(up) || !cJSON_IsBool(carrier)) {
            snprintf(err, errlen, "links[%zu]: malformed", i);
            goto out;
        }
        for (size_t f = 0; f < NFIELDS; f++)
            if (get_counter(it, fields[f].key, (uint64_t *)((char *)&l->c + fields[f].off)) < 0) {
                snprintf(err, errlen, "links[%zu].%s: not a decimal counter", i, fields[f].key);
                goto out;
            }
        snprintf(l->name, sizeof(l->name), "%s", name->valuestring);
        l->nic = strcmp(role->valuestring, "nic") == 0;
        l->up = cJSON_IsTrue(up);
        l->carrier = cJSON_IsTrue(carrier);
    }
    ret = (int)i;
out:
    cJSON_Delete(root);
    return ret;
}
