/* cpu_json.c — render and parse GET /v1/cpu (see cpu_json.h); cJSON stays
 * here. */
#include "wire/cpu_json.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/mem.h"
#include "wire/jsonread.h"

static void add_u64(cJSON *o, const char *k, uint64_t v)
{
    char num[24];
    snprintf(num, sizeof(num), "%" PRIu64, v);
    cJSON_AddStringToObject(o, k, num);
}

void nb_cpu_json_render(const char *node, const struct nb_cpu_report *r, struct nb_buf *b)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", NB_CPU_SCHEMA);
    cJSON_AddStringToObject(root, "node", node);
    add_u64(root, "mono_ns", (uint64_t)(r->mono > 0 ? r->mono : 0));
    if (r->psi) {
        cJSON *p = cJSON_AddObjectToObject(root, "pressure");
        cJSON_AddNumberToObject(p, "avg10", r->pressure.avg10);
        cJSON_AddNumberToObject(p, "avg60", r->pressure.avg60);
        cJSON_AddNumberToObject(p, "avg300", r->pressure.avg300);
        add_u64(p, "total_us", r->pressure.total_us);
    } else {
        cJSON_AddNullToObject(root, "pressure");
    }
    cJSON_AddBoolToObject(root, "truncated", r->truncated);
    cJSON_AddStringToObject(root, "owners", r->owners_denied ? "not_permitted" : "read");
    cJSON *arr = cJSON_AddArrayToObject(root, "threads");
    for (size_t i = 0; i < r->nthreads; i++) {
        const struct nb_cpu_thread *t = &r->th[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "tap", t->tap);
        cJSON_AddNumberToObject(o, "pid", t->pid);
        cJSON_AddNumberToObject(o, "tid", t->tid);
        cJSON_AddStringToObject(o, "comm", t->comm);
        add_u64(o, "run_ns", t->run_ns);
        add_u64(o, "wait_ns", t->wait_ns);
        cJSON_AddItemToArray(arr, o);
    }
    char *text = cJSON_PrintUnformatted(root);
    nb_buf_printf(b, "%s\n", text);
    free(text);
    cJSON_Delete(root);
}

/* Read with wire/jsonread.h's rules. Members a newer agent adds are passed
 * over at every level (cpu_json.h); a repeated one is refused. */

/* A decimal u64 in a JSON string. */
static int get_u64(struct nb_jr *r, const cJSON *o, const char *path, const char *k, uint64_t *out)
{
    return nb_jr_u64str(r, o, path, k, NB_JR_REQUIRED, 10, 0, UINT64_MAX, out);
}

/* A process or thread id: a whole number in 1..2^31-1. */
static int get_id(struct nb_jr *r, const cJSON *o, const char *path, const char *k, int32_t *out)
{
    int64_t v;
    int rc = nb_jr_int(r, o, path, k, NB_JR_REQUIRED, 1, INT32_MAX, &v);
    if (rc > 0)
        *out = (int32_t)v;
    return rc;
}

/* A pressure figure: a share of time in percent. */
static int get_pct(struct nb_jr *r, const cJSON *o, const char *path, const char *k, double *out)
{
    return nb_jr_num(r, o, path, k, NB_JR_REQUIRED, 0, 100, out);
}

static int thread_parse(struct nb_jr *r, const cJSON *it, const char *path, struct nb_cpu_thread *t)
{
    const unsigned text = NB_JR_REQUIRED | NB_JR_NONEMPTY;
    if (nb_jr_members(r, it, path, NULL, NULL) < 0 ||
        nb_jr_text(r, it, path, "tap", text, t->tap, sizeof(t->tap)) < 0 ||
        get_id(r, it, path, "pid", &t->pid) < 0 || get_id(r, it, path, "tid", &t->tid) < 0 ||
        nb_jr_text(r, it, path, "comm", text, t->comm, sizeof(t->comm)) < 0 ||
        get_u64(r, it, path, "run_ns", &t->run_ns) < 0 ||
        get_u64(r, it, path, "wait_ns", &t->wait_ns) < 0)
        return -1;
    return 0;
}

static int parse_root(struct nb_jr *r, const cJSON *root, struct nb_cpu_report *out, size_t cap)
{
    const cJSON *p, *arr;
    const char *schema, *owners = NULL;
    uint64_t mono;
    if (nb_jr_members(r, root, "", NULL, NULL) < 0 ||
        nb_jr_str(r, root, "", "schema", NB_JR_REQUIRED, SIZE_MAX, &schema) < 0)
        return -1;
    if (strcmp(schema, NB_CPU_SCHEMA) != 0)
        return nb_jr_fail(r, NULL, "schema", "not %s", NB_CPU_SCHEMA);
    if (nb_jr_u64str(r, root, "", "mono_ns", NB_JR_REQUIRED, 10, 1, INT64_MAX, &mono) < 0 ||
        nb_jr_bool(r, root, "", "truncated", NB_JR_REQUIRED, &out->truncated) < 0 ||
        nb_jr_str(r, root, "", "owners", 0, 32, &owners) < 0 ||
        nb_jr_arr(r, root, "", "threads", NB_JR_REQUIRED, &arr) < 0)
        return -1;
    out->mono = (nb_ns)mono;
    out->owners_denied = owners && strcmp(owners, "not_permitted") == 0; /* absent: older agent */
    /* null on a kernel without PSI, but never left out */
    if (nb_jr_value(r, root, "", "pressure", NB_JR_REQUIRED, &p) < 0)
        return -1;
    if (!cJSON_IsNull(p)) {
        if (nb_jr_obj(r, p, "pressure", NULL, 0, NULL, &p) < 0 ||
            get_pct(r, p, "pressure", "avg10", &out->pressure.avg10) < 0 ||
            get_pct(r, p, "pressure", "avg60", &out->pressure.avg60) < 0 ||
            get_pct(r, p, "pressure", "avg300", &out->pressure.avg300) < 0 ||
            get_u64(r, p, "pressure", "total_us", &out->pressure.total_us) < 0)
            return -1;
        out->psi = true;
    }
    int n = cJSON_GetArraySize(arr);
    if (n < 0 || (size_t)n > cap)
        return nb_jr_fail(r, "threads", NULL, "more than %zu", cap);
    out->th = n ? nb_calloc((size_t)n, sizeof(*out->th)) : NULL;
    size_t i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char path[32];
        if (thread_parse(r, it, nb_jr_index(path, sizeof(path), "threads", i), &out->th[i]) < 0)
            return -1;
    }
    out->nthreads = i;
    return 0;
}

int nb_cpu_json_parse(const char *text, size_t len, struct nb_cpu_report *out, size_t cap,
                      char *err, size_t errlen)
{
    struct nb_jr r = {.doc = "cpu", .err = err, .errlen = errlen};
    memset(out, 0, sizeof(*out));
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root)
        return nb_jr_fail(&r, NULL, NULL, "not JSON");
    int rc = parse_root(&r, root, out, cap);
    cJSON_Delete(root);
    if (rc < 0) {
        free(out->th);
        memset(out, 0, sizeof(*out));
    }
    return rc;
}
