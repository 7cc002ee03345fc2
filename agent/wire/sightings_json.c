/* sightings_json.c — render and parse the sightings API's JSON (cJSON stays
 * in this file). */
#include "wire/sightings_json.h"

#include "wire/jsonread.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"test", "reply", NULL};
static const char *const role_names[] = {"tap", "nic", NULL};
static const char *const dir_names[] = {"in", "out", NULL};
static const char *const proto_names[] = {"stamp", "tcp", NULL};

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

/* One sighting, object IT named PATH, into S (zeroed first). */
static int sighting_parse(struct nb_jr *r, const cJSON *it, const char *path, struct nb_sighting *s)
{
    uint64_t id, ts, isn = 0;
    double ifindex;
    unsigned kind, role, dir, proto = NB_PROTO_STAMP; /* absent: stamp, as older agents sent */

    memset(s, 0, sizeof(*s));
    /* ifindex is any number in 0..2^31-1, truncated: the rule this form has
     * always had (its writer only sends whole ones) */
    if (nb_jr_members(r, it, path, NULL, NULL) < 0 ||
        nb_jr_u64str(r, it, path, "probe_id", NB_JR_REQUIRED, 16, 0, UINT64_MAX, &id) < 0 ||
        nb_jr_u64str(r, it, path, "ts", NB_JR_REQUIRED, 10, 0, INT64_MAX, &ts) < 0 ||
        nb_jr_enum(r, it, path, "kind", NB_JR_REQUIRED, kind_names, &kind) < 0 ||
        nb_jr_enum(r, it, path, "role", NB_JR_REQUIRED, role_names, &role) < 0 ||
        nb_jr_enum(r, it, path, "dir", NB_JR_REQUIRED, dir_names, &dir) < 0 ||
        nb_jr_enum(r, it, path, "proto", 0, proto_names, &proto) < 0 ||
        nb_jr_text(r, it, path, "ifname", NB_JR_REQUIRED, s->ifname, sizeof(s->ifname)) < 0 ||
        nb_jr_num(r, it, path, "ifindex", NB_JR_REQUIRED, 0, 2147483647.0, &ifindex) < 0 ||
        nb_jr_uint(r, it, path, "isn", 0, 0, UINT32_MAX, &isn) < 0)
        return -1;
    s->probe_id = id;
    s->ts = (nb_ns)ts;
    s->kind = (uint8_t)kind;
    s->role = (uint8_t)role;
    s->dir = (uint8_t)dir;
    s->proto = (uint8_t)proto;
    s->ifindex = (int)ifindex;
    s->isn = (uint32_t)isn;
    return 0;
}

int nb_sightings_json_parse(const char *text, size_t len, struct nb_sighting *out, size_t cap,
                            struct nb_sightings_page *pg, char *err, size_t errlen)
{
    struct nb_jr r = {.doc = "sightings", .err = err, .errlen = errlen};
    const cJSON *arr;
    int ret = -1;
    memset(pg, 0, sizeof(*pg));
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root)
        return nb_jr_fail(&r, NULL, NULL, "not JSON");
    /* a member a newer agent adds is passed over; a repeated one is refused */
    if (nb_jr_members(&r, root, "", NULL, NULL) < 0 ||
        nb_jr_u64str(&r, root, "", "next", NB_JR_REQUIRED, 10, 0, UINT64_MAX, &pg->next) < 0 ||
        nb_jr_u64str(&r, root, "", "missed", NB_JR_REQUIRED, 10, 0, UINT64_MAX, &pg->missed) < 0 ||
        nb_jr_arr(&r, root, "", "sightings", NB_JR_REQUIRED, &arr) < 0)
        goto out;
    size_t i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char p[32];
        if (i >= cap) {
            nb_jr_fail(&r, NULL, NULL, "more than %zu in one page", cap);
            goto out;
        }
        if (sighting_parse(&r, it, nb_jr_index(p, sizeof(p), "sightings", i), &out[i]) < 0)
            goto out;
    }
    pg->n = i;
    ret = 0;
out:
    cJSON_Delete(root);
    return ret;
}
