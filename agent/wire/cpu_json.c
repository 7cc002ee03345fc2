/* cpu_json.c — render and parse GET /v1/cpu (see cpu_json.h); cJSON stays
 * here. */
#include "wire/cpu_json.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/mem.h"
#include "wire/num.h"

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

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* A decimal u64 in a JSON string. */
static int get_u64(const cJSON *o, const char *k, uint64_t *out)
{
    const cJSON *v = get(o, k);
    return cJSON_IsString(v) && v->valuestring ? nb_parse_u64(v->valuestring, 10, out) : -1;
}

/* A process or thread id: a whole number in 1..2^31-1. */
static int get_id(const cJSON *o, const char *k, int32_t *out)
{
    const cJSON *v = get(o, k);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1) || v->valuedouble > 2147483647.0 ||
        v->valuedouble != floor(v->valuedouble))
        return -1;
    *out = (int32_t)v->valuedouble;
    return 0;
}

/* A string of 1..CAP-1 bytes. */
static int get_str(const cJSON *o, const char *k, char *out, size_t cap)
{
    const cJSON *v = get(o, k);
    if (!cJSON_IsString(v) || !v->valuestring || !v->valuestring[0] ||
        strlen(v->valuestring) >= cap)
        return -1;
    snprintf(out, cap, "%s", v->valuestring);
    return 0;
}

static int get_pct(const cJSON *o, const char *k, double *out)
{
    const cJSON *v = get(o, k);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || !(v->valuedouble <= 100))
        return -1;
    *out = v->valuedouble;
    return 0;
}

static int parse_root(const cJSON *root, struct nb_cpu_report *out, size_t cap, char *err,
                      size_t errlen)
{
    const cJSON *schema = get(root, "schema"), *p = get(root, "pressure");
    const cJSON *trunc = get(root, "truncated"), *arr = get(root, "threads");
    uint64_t mono;
    if (!cJSON_IsObject(root) || !cJSON_IsString(schema) || !schema->valuestring ||
        strcmp(schema->valuestring, NB_CPU_SCHEMA) != 0) {
        snprintf(err, errlen, "cpu: not %s", NB_CPU_SCHEMA);
        return -1;
    }
    if (get_u64(root, "mono_ns", &mono) < 0 || mono == 0 || mono > (uint64_t)INT64_MAX) {
        snprintf(err, errlen, "cpu.mono_ns: not a decimal time in ns");
        return -1;
    }
    out->mono = (nb_ns)mono;
    if (!cJSON_IsBool(trunc) || !cJSON_IsArray(arr)) {
        snprintf(err, errlen, "cpu: no \"truncated\" flag or \"threads\" array");
        return -1;
    }
    out->truncated = cJSON_IsTrue(trunc);
    if (p && !cJSON_IsNull(p)) {
        if (!cJSON_IsObject(p) || get_pct(p, "avg10", &out->pressure.avg10) < 0 ||
            get_pct(p, "avg60", &out->pressure.avg60) < 0 ||
            get_pct(p, "avg300", &out->pressure.avg300) < 0 ||
            get_u64(p, "total_us", &out->pressure.total_us) < 0) {
            snprintf(err, errlen, "cpu.pressure: malformed");
            return -1;
        }
        out->psi = true;
    } else if (!p) {
        snprintf(err, errlen, "cpu.pressure: missing");
        return -1;
    }
    int n = cJSON_GetArraySize(arr);
    if (n < 0 || (size_t)n > cap) {
        snprintf(err, errlen, "cpu.threads: more than %zu", cap);
        return -1;
    }
    out->th = n ? nb_calloc((size_t)n, sizeof(*out->th)) : NULL;
    size_t i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        struct nb_cpu_thread *t = &out->th[i];
        if (!cJSON_IsObject(it) || get_str(it, "tap", t->tap, sizeof(t->tap)) < 0 ||
            get_id(it, "pid", &t->pid) < 0 || get_id(it, "tid", &t->tid) < 0 ||
            get_str(it, "comm", t->comm, sizeof(t->comm)) < 0 ||
            get_u64(it, "run_ns", &t->run_ns) < 0 || get_u64(it, "wait_ns", &t->wait_ns) < 0) {
            snprintf(err, errlen, "cpu.threads[%zu]: malformed", i);
            return -1;
        }
    }
    out->nthreads = i;
    return 0;
}

int nb_cpu_json_parse(const char *text, size_t len, struct nb_cpu_report *out, size_t cap,
                      char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) {
        snprintf(err, errlen, "cpu: not JSON");
        return -1;
    }
    int rc = parse_root(root, out, cap, err, errlen);
    cJSON_Delete(root);
    if (rc < 0) {
        free(out->th);
        memset(out, 0, sizeof(*out));
    }
    return rc;
}
