/* links_json.c — render and parse GET /v1/links (cJSON stays here). Counters
 * are 64-bit and travel as decimal strings. */
#include "wire/links_json.h"

#include "wire/jsonread.h"

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

/* One interface, object IT named PATH, into L (zeroed first). */
static int link_parse(struct nb_jr *r, const cJSON *it, const char *path, struct nb_link_report *l)
{
    static const char *const roles[] = {"tap", "nic", NULL};
    const unsigned text = NB_JR_REQUIRED | NB_JR_NONEMPTY;
    unsigned role;

    memset(l, 0, sizeof(*l));
    /* a member a newer agent adds is passed over; a repeated one is refused */
    if (nb_jr_members(r, it, path, NULL, NULL) < 0 ||
        nb_jr_text(r, it, path, "name", text, l->name, sizeof(l->name)) < 0 ||
        nb_jr_enum(r, it, path, "role", NB_JR_REQUIRED, roles, &role) < 0 ||
        nb_jr_bool(r, it, path, "up", NB_JR_REQUIRED, &l->up) < 0 ||
        nb_jr_bool(r, it, path, "carrier", NB_JR_REQUIRED, &l->carrier) < 0)
        return -1;
    l->nic = role == 1;
    for (size_t f = 0; f < NFIELDS; f++)
        if (nb_jr_u64str(r, it, path, fields[f].key, NB_JR_REQUIRED, 10, 0, UINT64_MAX,
                         (uint64_t *)((char *)&l->c + fields[f].off)) < 0)
            return -1;
    return 0;
}

int nb_links_json_parse(const char *text, size_t len, struct nb_link_report *out, size_t cap,
                        char *err, size_t errlen)
{
    struct nb_jr r = {.doc = "links", .err = err, .errlen = errlen};
    const cJSON *arr;
    int ret = -1;
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root)
        return nb_jr_fail(&r, NULL, NULL, "not JSON");
    if (nb_jr_members(&r, root, "", NULL, NULL) < 0 ||
        nb_jr_arr(&r, root, "", "links", NB_JR_REQUIRED, &arr) < 0)
        goto out;
    size_t i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char p[32];
        if (i >= cap) {
            nb_jr_fail(&r, NULL, NULL, "more than %zu", cap);
            goto out;
        }
        if (link_parse(&r, it, nb_jr_index(p, sizeof(p), "links", i), &out[i]) < 0)
            goto out;
    }
    ret = (int)i;
out:
    cJSON_Delete(root);
    return ret;
}
