/* trace_json.c — classifier windows as JSON lines (see trace_json.h); cJSON
 * stays in this file. */
#include "wire/trace_json.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/mem.h"
#include "wire/jsonread.h"

/* ---- render ---- */

static void add_u64(cJSON *o, const char *k, uint64_t v)
{
    cJSON_AddNumberToObject(o, k, (double)v);
}

static cJSON *rtt_json(const struct nb_cls_rtt *r)
{
    if (!r->known)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "p50", r->p50);
    cJSON_AddNumberToObject(o, "p90", r->p90);
    cJSON_AddNumberToObject(o, "p99", r->p99);
    cJSON_AddNumberToObject(o, "p50_lo", r->p50_lo);
    cJSON_AddNumberToObject(o, "p90_lo", r->p90_lo);
    return o;
}

static cJSON *wf_json(const struct nb_waterfall *w)
{
    cJSON *o = cJSON_CreateObject();
    add_u64(o, "probes", w->probes);
    add_u64(o, "answered", w->answered);
    add_u64(o, "lost", w->lost);
    add_u64(o, "lost_unlocated", w->lost_unlocated);
    cJSON *a = cJSON_AddArrayToObject(o, "segments");
    for (int i = 0; i < NB_SEG__COUNT; i++) {
        const struct nb_seg_figures *f = &w->seg[i];
        cJSON *s = cJSON_CreateObject();
        add_u64(s, "known", f->known);
        cJSON_AddNumberToObject(s, "p50", f->p50);
        cJSON_AddNumberToObject(s, "p90", f->p90);
        cJSON_AddNumberToObject(s, "p99", f->p99);
        cJSON_AddNumberToObject(s, "p50_lo", f->p50_lo);
        cJSON_AddNumberToObject(s, "p90_lo", f->p90_lo);
        add_u64(s, "lost", f->lost);
        add_u64(s, "lost_shared", f->lost_shared);
        cJSON_AddItemToArray(a, s);
    }
    return o;
}

/* A count member that older traces lack: written only when not 0. */
static void add_opt(cJSON *o, const char *k, uint64_t v)
{
    if (v)
        add_u64(o, k, v);
}

static cJSON *family_json(const struct nb_cls_family *f)
{
    cJSON *o = cJSON_CreateObject();
    add_u64(o, "probes", f->probes);
    add_u64(o, "lost", f->lost);
    cJSON_AddItemToObject(o, "rtt", rtt_json(&f->rtt));
    add_opt(o, "full_probes", f->full_probes);
    add_opt(o, "full_lost", f->full_lost);
    add_opt(o, "overdue", f->overdue);
    return o;
}

static const char *const refl_names[] = {"unknown", "netblame", "stamp", NULL};
static const char *const side_names[] = {"", "local", "remote", NULL};
static const char *const role_names[] = {"tap", "nic", NULL};

static void add_ns(cJSON *o, const char *k, bool have, double v)
{
    if (have)
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static bool cpu_any(const struct nb_cls_cpu *c)
{
    return c->pressure || c->thread || c->steal || c->owners_denied;
}

cJSON *nb_trace_cpu_json(const struct nb_cls_cpu *c)
{
    cJSON *o = cJSON_CreateObject();
    add_ns(o, "pressure_some", c->pressure, c->pressure_some);
    add_ns(o, "pressure_avg10", c->pressure, c->pressure_avg10);
    if (c->thread) {
        cJSON *t = cJSON_AddObjectToObject(o, "thread");
        cJSON_AddStringToObject(t, "name", c->thread_name);
        cJSON_AddNumberToObject(t, "tid", c->thread_tid);
        cJSON_AddStringToObject(t, "process", c->owner_name);
        cJSON_AddNumberToObject(t, "pid", c->owner_pid);
        cJSON_AddStringToObject(t, "tap", c->tap);
        cJSON_AddNumberToObject(t, "wait", c->thread_wait);
    } else {
        cJSON_AddNullToObject(o, "thread");
    }
    add_ns(o, "steal", c->steal, c->steal_share);
    if (c->owners_denied) /* only then: older traces stay as they were */
        cJSON_AddBoolToObject(o, "owners_denied", true);
    return o;
}

void nb_trace_render(const struct nb_cls_input *in, struct nb_buf *b)
{
    char num[32];
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "schema", NB_TRACE_SCHEMA);
    cJSON_AddStringToObject(r, "target", in->target);
    snprintf(num, sizeof(num), "%" PRId64, in->start);
    cJSON_AddStringToObject(r, "start", num);
    snprintf(num, sizeof(num), "%" PRId64, in->end);
    cJSON_AddStringToObject(r, "end", num);
    cJSON_AddStringToObject(r, "local_host", in->local_host);
    cJSON_AddStringToObject(r, "remote_host", in->remote_host);
    if (in->path.present) {
        const struct nb_cls_path *p = &in->path;
        cJSON *o = cJSON_AddObjectToObject(r, "path");
        cJSON_AddBoolToObject(o, "local_agent", p->local_agent);
        cJSON_AddBoolToObject(o, "remote_agent", p->remote_agent);
        cJSON_AddBoolToObject(o, "remote_agent_known", p->remote_agent_known);
        cJSON_AddStringToObject(o, "reflector", refl_names[p->reflector <= NB_REFL_STAMP ? p->reflector : 0]);
        cJSON_AddItemToObject(o, "rtt", rtt_json(&p->rtt));
        cJSON_AddItemToObject(o, "waterfall", wf_json(&p->wf));
        add_opt(o, "full_probes", p->full_probes);
        add_opt(o, "full_lost", p->full_lost);
    }
    if (in->vnet.present)
        cJSON_AddItemToObject(r, "vnet", family_json(&in->vnet));
    if (in->fabric.present)
        cJSON_AddItemToObject(r, "fabric", family_json(&in->fabric));
    if (in->app.present) {
        const struct nb_cls_app *a = &in->app;
        cJSON *o = cJSON_AddObjectToObject(r, "app");
        add_u64(o, "probes", a->probes);
        add_u64(o, "ok", a->ok);
        cJSON *f = cJSON_AddObjectToObject(o, "fail");
        for (int i = 0; i < NB_AF__COUNT; i++)
            if (a->fail[i])
                add_u64(f, nb_app_fail_name((enum nb_app_fail)i), a->fail[i]);
        add_u64(o, "timeout_established", a->timeout_established);
        cJSON_AddNumberToObject(o, "http_status", a->http_status);
        add_ns(o, "connect_p50", a->have_connect, a->connect_p50);
        add_ns(o, "server_p50", a->have_server, a->server_p50);
        if (a->have_handshake)
            cJSON_AddItemToObject(o, "handshake", wf_json(&a->handshake));
        else
            cJSON_AddNullToObject(o, "handshake");
        cJSON_AddBoolToObject(o, "hs_local_agent", a->hs_local_agent);
        cJSON_AddBoolToObject(o, "hs_remote_agent", a->hs_remote_agent);
        if (a->have_server && a->server_n) {
            add_u64(o, "server_n", a->server_n);
            cJSON_AddNumberToObject(o, "server_p25", a->server_p25);
        }
        if (a->have_resolve) {
            add_u64(o, "resolved", a->resolved);
            cJSON_AddNumberToObject(o, "resolve_p50", a->resolve_p50);
            cJSON_AddNumberToObject(o, "resolve_p25", a->resolve_p25);
        }
        add_opt(o, "retrans", a->retrans);
        add_opt(o, "syn_retrans", a->syn_retrans);
    }
    cJSON *links = cJSON_AddArrayToObject(r, "links");
    for (size_t i = 0; i < in->nlinks && i < NB_CLS_MAX_LINKS; i++) {
        const struct nb_cls_link *l = &in->links[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "side", side_names[l->side <= NB_SIDE_REMOTE ? l->side : 0]);
        cJSON_AddStringToObject(o, "host", l->host);
        cJSON_AddStringToObject(o, "ifname", l->ifname);
        cJSON_AddStringToObject(o, "role", role_names[l->role == NB_IF_NIC]);
        add_u64(o, "rx_dropped", l->rx_dropped);
        add_u64(o, "tx_dropped", l->tx_dropped);
        add_u64(o, "rx_errors", l->rx_errors);
        add_u64(o, "tx_errors", l->tx_errors);
        add_u64(o, "carrier_changes", l->carrier_changes);
        add_u64(o, "qdisc_drops", l->qdisc_drops);
        cJSON_AddBoolToObject(o, "up", l->up);
        cJSON_AddBoolToObject(o, "carrier", l->carrier);
        cJSON_AddItemToArray(links, o);
    }
    if (cpu_any(&in->cpu_local) || cpu_any(&in->cpu_remote)) {
        cJSON *cpu = cJSON_AddObjectToObject(r, "cpu");
        if (cpu_any(&in->cpu_local))
            cJSON_AddItemToObject(cpu, "local", nb_trace_cpu_json(&in->cpu_local));
        if (cpu_any(&in->cpu_remote))
            cJSON_AddItemToObject(cpu, "remote", nb_trace_cpu_json(&in->cpu_remote));
    }
    char *s = cJSON_PrintUnformatted(r);
    nb_buf_printf(b, "%s\n", s);
    free(s);
    cJSON_Delete(r);
}

/* ---- parse ---- */

/* Read with wire/jsonread.h's rules. Paths are named as the trace's readers
 * know them: the window's own members "window.start", its parts by their
 * names ("path.waterfall.probes", "links[0].ifname"). */

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* A count: a whole number in [0, 2^53]. */
static int count(struct nb_jr *x, const cJSON *o, const char *path, const char *k, uint64_t *out)
{
    return nb_jr_uint(x, o, path, k, NB_JR_REQUIRED, 0, UINT64_MAX, out);
}

/* A count member that older traces lack: absent is 0. */
static int opt_count(struct nb_jr *x, const cJSON *o, const char *path, const char *k,
                     uint64_t *out)
{
    *out = 0;
    return nb_jr_uint(x, o, path, k, 0, 0, UINT64_MAX, out);
}

/* The full-size part of PROBES/LOST (nb_cls_path, nb_cls_family). */
static int full_parse(struct nb_jr *x, const cJSON *v, const char *path, uint64_t probes,
                      uint64_t lost, uint64_t *full, uint64_t *full_lost)
{
    if (opt_count(x, v, path, "full_probes", full) < 0 ||
        opt_count(x, v, path, "full_lost", full_lost) < 0)
        return -1;
    if (*full > probes || *full_lost > *full || *full_lost > lost)
        return nb_jr_fail(x, path, NULL, "full_probes/full_lost exceed probes/lost");
    return 0;
}

/* A nanosecond figure: a number in [-1e15, 1e15] (a segment can be slightly
 * negative: two clocks' stamp noise). NULLABLE: null or absent gives *HAVE
 * false and 0. */
static int nsval(struct nb_jr *x, const cJSON *o, const char *path, const char *k, bool nullable,
                 bool *have, double *out)
{
    int rc = nb_jr_num(x, o, path, k, nullable ? NB_JR_NULLABLE : NB_JR_REQUIRED, -1e15, 1e15, out);
    if (rc == 0)
        *out = 0;
    if (have && rc >= 0)
        *have = rc > 0;
    return rc;
}

static int boolean(struct nb_jr *x, const cJSON *o, const char *path, const char *k, bool *out)
{
    return nb_jr_bool(x, o, path, k, NB_JR_REQUIRED, out);
}

/* A string of at most CAP-1 bytes into OUT. */
static int str(struct nb_jr *x, const cJSON *o, const char *path, const char *k, char *out,
               size_t cap)
{
    return nb_jr_text(x, o, path, k, NB_JR_REQUIRED, out, cap);
}

static int oneof(struct nb_jr *x, const cJSON *o, const char *path, const char *k,
                 const char *const *names, unsigned *out)
{
    return nb_jr_enum(x, o, path, k, NB_JR_REQUIRED, names, out);
}

static int rtt_parse(struct nb_jr *x, const cJSON *o, const char *path, struct nb_cls_rtt *r)
{
    static const char *const keys[] = {"p50", "p90", "p99", "p50_lo", "p90_lo", NULL};
    bool have;
    const cJSON *v;
    char p[NB_JR_PATH_MAX];
    int rc = nb_jr_obj(x, o, path, "rtt", NB_JR_NULLABLE, keys, &v);
    if (rc <= 0)
        return rc;
    nb_jr_at(p, sizeof(p), path, "rtt");
    if (nsval(x, v, p, "p50", false, NULL, &r->p50) < 0 ||
        nsval(x, v, p, "p90", false, NULL, &r->p90) < 0 ||
        nsval(x, v, p, "p99", false, NULL, &r->p99) < 0 ||
        nsval(x, v, p, "p50_lo", true, &have, &r->p50_lo) < 0 ||
        nsval(x, v, p, "p90_lo", true, &have, &r->p90_lo) < 0)
        return -1;
    r->known = true;
    return 0;
}

static int wf_parse(struct nb_jr *x, const cJSON *v, const char *path, struct nb_waterfall *w)
{
    static const char *const keys[] = {"probes",         "answered", "lost",
                                       "lost_unlocated", "segments", NULL};
    /* p50_lo/p90_lo: absent in traces recorded before them (0: the point
     * figure stands in) */
    static const char *const skeys[] = {"known",  "p50",  "p90",         "p99", "p50_lo",
                                        "p90_lo", "lost", "lost_shared", NULL};
    bool have;
    uint64_t u[4];
    if (nb_jr_members(x, v, path, keys, NULL) < 0 || count(x, v, path, "probes", &u[0]) < 0 ||
        count(x, v, path, "answered", &u[1]) < 0 || count(x, v, path, "lost", &u[2]) < 0 ||
        count(x, v, path, "lost_unlocated", &u[3]) < 0)
        return -1;
    if (u[1] > u[0] || u[2] > u[0] || u[3] > u[2])
        return nb_jr_fail(x, path, NULL, "answered/lost/lost_unlocated exceed probes");
    w->probes = u[0], w->answered = u[1], w->lost = u[2], w->lost_unlocated = u[3];
    const cJSON *a;
    char p[NB_JR_PATH_MAX];
    if (nb_jr_arr(x, v, path, "segments", NB_JR_REQUIRED, &a) < 0)
        return -1;
    if (cJSON_GetArraySize(a) != NB_SEG__COUNT)
        return nb_jr_fail(x, path, "segments", "must hold the %d segments (got %d)", NB_SEG__COUNT,
                          cJSON_GetArraySize(a));
    nb_jr_at(p, sizeof(p), path, "segments");
    int i = 0;
    for (const cJSON *s = a->child; s; s = s->next, i++) {
        char sp[NB_JR_PATH_MAX];
        nb_jr_index(sp, sizeof(sp), p, (size_t)i);
        struct nb_seg_figures *f = &w->seg[i];
        uint64_t known, lost, shared;
        if (nb_jr_members(x, s, sp, skeys, NULL) < 0 || count(x, s, sp, "known", &known) < 0 ||
            nsval(x, s, sp, "p50", false, NULL, &f->p50) < 0 ||
            nsval(x, s, sp, "p90", false, NULL, &f->p90) < 0 ||
            nsval(x, s, sp, "p99", false, NULL, &f->p99) < 0 ||
            nsval(x, s, sp, "p50_lo", true, &have, &f->p50_lo) < 0 ||
            nsval(x, s, sp, "p90_lo", true, &have, &f->p90_lo) < 0 ||
            count(x, s, sp, "lost", &lost) < 0 || count(x, s, sp, "lost_shared", &shared) < 0)
            return -1;
        if (known > w->answered || lost > w->lost || shared > w->lost)
            return nb_jr_fail(x, sp, NULL, "more samples or losses than the window has");
        f->known = (size_t)known;
        f->lost = (unsigned)lost;
        f->lost_shared = (unsigned)shared;
    }
    return 0;
}

static int family_parse(struct nb_jr *x, const cJSON *v, const char *path, struct nb_cls_family *f)
{
    static const char *const keys[] = {"probes",    "lost",    "rtt", "full_probes",
                                       "full_lost", "overdue", NULL};
    if (nb_jr_members(x, v, path, keys, NULL) < 0 || count(x, v, path, "probes", &f->probes) < 0 ||
        count(x, v, path, "lost", &f->lost) < 0 || rtt_parse(x, v, path, &f->rtt) < 0 ||
        opt_count(x, v, path, "overdue", &f->overdue) < 0)
        return -1;
    if (f->lost > f->probes || f->overdue > f->lost)
        return nb_jr_fail(x, path, NULL, "more lost than probes, or overdue than lost");
    if (full_parse(x, v, path, f->probes, f->lost, &f->full_probes, &f->full_lost) < 0)
        return -1;
    f->present = true;
    return 0;
}

static int path_parse(struct nb_jr *x, const cJSON *v, struct nb_cls_path *p)
{
    static const char *const keys[] = {"local_agent", "remote_agent", "remote_agent_known",
                                       "reflector",   "rtt",          "waterfall",
                                       "full_probes", "full_lost",    NULL};
    unsigned refl;
    const cJSON *w;
    if (nb_jr_members(x, v, "path", keys, NULL) < 0 ||
        boolean(x, v, "path", "local_agent", &p->local_agent) < 0 ||
        boolean(x, v, "path", "remote_agent", &p->remote_agent) < 0 ||
        boolean(x, v, "path", "remote_agent_known", &p->remote_agent_known) < 0 ||
        oneof(x, v, "path", "reflector", refl_names, &refl) < 0 ||
        rtt_parse(x, v, "path", &p->rtt) < 0 ||
        nb_jr_value(x, v, "path", "waterfall", NB_JR_REQUIRED, &w) < 0)
        return -1;
    p->reflector = (enum nb_reflector_kind)refl;
    if (wf_parse(x, w, "path.waterfall", &p->wf) < 0 ||
        full_parse(x, v, "path", p->wf.probes, p->wf.lost, &p->full_probes, &p->full_lost) < 0)
        return -1;
    p->present = true;
    return 0;
}

/* "fail": a count per failure class, a class left out is 0. */
static int fail_parse(struct nb_jr *x, const cJSON *v, struct nb_cls_app *a)
{
    const char *names[NB_AF__COUNT + 1];
    const cJSON *f;
    for (int i = 0; i < NB_AF__COUNT; i++)
        names[i] = nb_app_fail_name((enum nb_app_fail)i);
    names[NB_AF__COUNT] = NULL;
    if (nb_jr_value(x, v, "app", "fail", NB_JR_REQUIRED, &f) < 0 ||
        nb_jr_members(x, f, "app.fail", names, "failure class") < 0)
        return -1;
    for (const cJSON *m = f->child; m; m = m->next) /* each a known class, once */
        for (int i = 0; i < NB_AF__COUNT; i++)
            if (strcmp(m->string, names[i]) == 0 &&
                count(x, f, "app.fail", names[i], &a->fail[i]) < 0)
                return -1;
    return 0;
}

static int app_parse(struct nb_jr *x, const cJSON *v, struct nb_cls_app *a)
{
    static const char *const keys[] = {
        "probes",      "ok",          "fail",      "timeout_established", "http_status",
        "connect_p50", "server_p50",  "handshake", "hs_local_agent",      "hs_remote_agent",
        "server_n",    "server_p25",  "resolved",  "resolve_p50",         "resolve_p25",
        "retrans",     "syn_retrans", NULL};
    uint64_t st;
    if (nb_jr_members(x, v, "app", keys, NULL) < 0 ||
        count(x, v, "app", "probes", &a->probes) < 0 || count(x, v, "app", "ok", &a->ok) < 0 ||
        count(x, v, "app", "timeout_established", &a->timeout_established) < 0 ||
        count(x, v, "app", "http_status", &st) < 0 ||
        nsval(x, v, "app", "connect_p50", true, &a->have_connect, &a->connect_p50) < 0 ||
        nsval(x, v, "app", "server_p50", true, &a->have_server, &a->server_p50) < 0 ||
        boolean(x, v, "app", "hs_local_agent", &a->hs_local_agent) < 0 ||
        boolean(x, v, "app", "hs_remote_agent", &a->hs_remote_agent) < 0)
        return -1;
    if (st != 0 && (st < 100 || st > 599))
        return nb_jr_fail(x, "app", "http_status", "not an HTTP status (or 0)");
    if (opt_count(x, v, "app", "server_n", &a->server_n) < 0 ||
        opt_count(x, v, "app", "resolved", &a->resolved) < 0 ||
        opt_count(x, v, "app", "retrans", &a->retrans) < 0 ||
        opt_count(x, v, "app", "syn_retrans", &a->syn_retrans) < 0)
        return -1;
    bool have_p25;
    if (a->server_n && nsval(x, v, "app", "server_p25", false, &have_p25, &a->server_p25) < 0)
        return -1;
    if (a->resolved &&
        (nsval(x, v, "app", "resolve_p50", false, &a->have_resolve, &a->resolve_p50) < 0 ||
         nsval(x, v, "app", "resolve_p25", false, NULL, &a->resolve_p25) < 0))
        return -1;
    if (a->server_n > a->probes || (a->server_n && !a->have_server) ||
        (!a->server_n && get(v, "server_p25")) || a->resolved > a->probes ||
        (!a->resolved && (get(v, "resolve_p50") || get(v, "resolve_p25"))) ||
        a->retrans > a->probes || a->syn_retrans > a->retrans)
        return nb_jr_fail(x, "app", NULL, "server_n/resolved/retrans inconsistent with the probes");
    a->http_status = (int)st;
    if (fail_parse(x, v, a) < 0)
        return -1;
    uint64_t sum = a->ok;
    for (int i = 0; i < NB_AF__COUNT; i++)
        sum += a->fail[i];
    if (a->ok > a->probes || sum > a->probes || a->timeout_established > a->fail[NB_AF_TIMEOUT])
        return nb_jr_fail(x, "app", NULL, "ok + failures exceed probes");
    const cJSON *h;
    int rc = nb_jr_value(x, v, "app", "handshake", NB_JR_NULLABLE, &h);
    if (rc > 0) {
        if (wf_parse(x, h, "app.handshake", &a->handshake) < 0)
            return -1;
        a->have_handshake = true;
    }
    a->present = true;
    return 0;
}

static int link_parse(struct nb_jr *x, const cJSON *v, const char *path, struct nb_cls_link *l)
{
    static const char *const keys[] = {
        "side",      "host",      "ifname",          "role",        "rx_dropped", "tx_dropped",
        "rx_errors", "tx_errors", "carrier_changes", "qdisc_drops", "up",         "carrier",
        NULL};
    unsigned side, role;
    if (nb_jr_members(x, v, path, keys, NULL) < 0 ||
        oneof(x, v, path, "side", side_names, &side) < 0 ||
        str(x, v, path, "host", l->host, sizeof(l->host)) < 0 ||
        str(x, v, path, "ifname", l->ifname, sizeof(l->ifname)) < 0 ||
        oneof(x, v, path, "role", role_names, &role) < 0 ||
        count(x, v, path, "rx_dropped", &l->rx_dropped) < 0 ||
        count(x, v, path, "tx_dropped", &l->tx_dropped) < 0 ||
        count(x, v, path, "rx_errors", &l->rx_errors) < 0 ||
        count(x, v, path, "tx_errors", &l->tx_errors) < 0 ||
        count(x, v, path, "carrier_changes", &l->carrier_changes) < 0 ||
        count(x, v, path, "qdisc_drops", &l->qdisc_drops) < 0 ||
        boolean(x, v, path, "up", &l->up) < 0 || boolean(x, v, path, "carrier", &l->carrier) < 0)
        return -1;
    if (side == NB_SIDE_NONE)
        return nb_jr_fail(x, path, NULL, "side must be local or remote");
    l->side = (enum nb_side)side;
    l->role = role ? NB_IF_NIC : NB_IF_TAP;
    return 0;
}

/* A number in [LO, HI]; null or absent gives *HAVE false and 0. */
static int ranged(struct nb_jr *x, const cJSON *o, const char *path, const char *k, double lo,
                  double hi, bool *have, double *out)
{
    *out = 0;
    int rc = nb_jr_num(x, o, path, k, NB_JR_NULLABLE, lo, hi, out);
    *have = rc > 0;
    return rc;
}

/* A process or thread id: a whole number up to 2^31-1. */
static int id32(struct nb_jr *x, const cJSON *o, const char *path, const char *k, int32_t *out)
{
    int64_t v;
    int rc = nb_jr_int(x, o, path, k, NB_JR_REQUIRED, 0, INT32_MAX, &v);
    if (rc > 0)
        *out = (int32_t)v;
    return rc;
}

static int cpu_side_parse(struct nb_jr *x, const cJSON *v, const char *path, struct nb_cls_cpu *c)
{
    static const char *const keys[] = {"pressure_some", "pressure_avg10", "thread", "steal",
                                       "owners_denied", NULL};
    static const char *const tkeys[] = {"name", "tid", "process", "pid", "tap", "wait", NULL};
    bool have_avg;
    const cJSON *t;
    if (nb_jr_members(x, v, path, keys, NULL) < 0 ||
        ranged(x, v, path, "pressure_some", 0, 1, &c->pressure, &c->pressure_some) < 0 ||
        ranged(x, v, path, "pressure_avg10", 0, 100, &have_avg, &c->pressure_avg10) < 0 ||
        ranged(x, v, path, "steal", 0, 1, &c->steal, &c->steal_share) < 0 ||
        nb_jr_bool(x, v, path, "owners_denied", 0, &c->owners_denied) < 0)
        return -1;
    if (have_avg != c->pressure)
        return nb_jr_fail(x, path, NULL, "pressure_some and pressure_avg10 come together");
    int rc = nb_jr_obj(x, v, path, "thread", NB_JR_NULLABLE, tkeys, &t);
    if (rc < 0)
        return -1;
    if (rc > 0) {
        char p[NB_JR_PATH_MAX];
        bool have;
        nb_jr_at(p, sizeof(p), path, "thread");
        if (str(x, t, p, "name", c->thread_name, sizeof(c->thread_name)) < 0 ||
            id32(x, t, p, "tid", &c->thread_tid) < 0 ||
            str(x, t, p, "process", c->owner_name, sizeof(c->owner_name)) < 0 ||
            id32(x, t, p, "pid", &c->owner_pid) < 0 ||
            str(x, t, p, "tap", c->tap, sizeof(c->tap)) < 0 ||
            ranged(x, t, p, "wait", 0, 1, &have, &c->thread_wait) < 0)
            return -1;
        if (!have)
            return nb_jr_fail(x, p, NULL, "no wait share");
        c->thread = true;
    }
    return 0;
}

static int cpu_parse(struct nb_jr *x, const cJSON *v, struct nb_cls_input *in)
{
    static const char *const keys[] = {"local", "remote", NULL};
    const cJSON *s;
    if (nb_jr_members(x, v, "cpu", keys, NULL) < 0)
        return -1;
    if (nb_jr_value(x, v, "cpu", "local", NB_JR_NULLABLE, &s) > 0 &&
        cpu_side_parse(x, s, "cpu.local", &in->cpu_local) < 0)
        return -1;
    if (nb_jr_value(x, v, "cpu", "remote", NB_JR_NULLABLE, &s) > 0 &&
        cpu_side_parse(x, s, "cpu.remote", &in->cpu_remote) < 0)
        return -1;
    return 0;
}

/* "start"/"end": nanoseconds as a decimal string (a double cannot hold them). */
static int ns_string(struct nb_jr *x, const cJSON *o, const char *k, nb_ns *out)
{
    uint64_t v;
    int rc = nb_jr_u64str(x, o, "window", k, NB_JR_REQUIRED, 10, 0, INT64_MAX, &v);
    if (rc > 0)
        *out = (nb_ns)v;
    return rc;
}

int nb_trace_parse(const char *line, size_t len, struct nb_cls_input *in, char *err, size_t errlen)
{
    static const char *const keys[] = {"schema",      "target", "start", "end",    "local_host",
                                       "remote_host", "path",   "vnet",  "fabric", "app",
                                       "links",       "cpu",    NULL};
    struct nb_jr x = {.doc = "trace", .err = err, .errlen = errlen};
    memset(in, 0, sizeof(*in));
    if (len > NB_TRACE_LINE_MAX)
        return nb_jr_fail(&x, "line", NULL, "longer than 64 KiB");
    cJSON *r = cJSON_ParseWithLength(line, len);
    if (!r)
        return nb_jr_fail(&x, "line", NULL, "not JSON");
    int rc = -1;
    char schema[32];
    const cJSON *v;
    if (nb_jr_members(&x, r, "window", keys, NULL) < 0 ||
        str(&x, r, "window", "schema", schema, sizeof(schema)) < 0)
        goto out;
    if (strcmp(schema, NB_TRACE_SCHEMA) != 0) {
        nb_jr_fail(&x, "window", "schema", "not " NB_TRACE_SCHEMA);
        goto out;
    }
    if (str(&x, r, "window", "target", in->target, sizeof(in->target)) < 0 ||
        ns_string(&x, r, "start", &in->start) < 0 || ns_string(&x, r, "end", &in->end) < 0 ||
        str(&x, r, "window", "local_host", in->local_host, sizeof(in->local_host)) < 0 ||
        str(&x, r, "window", "remote_host", in->remote_host, sizeof(in->remote_host)) < 0)
        goto out;
    if (in->end < in->start) {
        nb_jr_fail(&x, "window", "end", "before start");
        goto out;
    }
    /* the parts: absent or null when not measured */
    if (nb_jr_value(&x, r, "", "path", NB_JR_NULLABLE, &v) > 0 && path_parse(&x, v, &in->path) < 0)
        goto out;
    if (nb_jr_value(&x, r, "", "vnet", NB_JR_NULLABLE, &v) > 0 &&
        family_parse(&x, v, "vnet", &in->vnet) < 0)
        goto out;
    if (nb_jr_value(&x, r, "", "fabric", NB_JR_NULLABLE, &v) > 0 &&
        family_parse(&x, v, "fabric", &in->fabric) < 0)
        goto out;
    if (nb_jr_value(&x, r, "", "app", NB_JR_NULLABLE, &v) > 0 && app_parse(&x, v, &in->app) < 0)
        goto out;
    if (nb_jr_arr(&x, r, "", "links", NB_JR_NULLABLE, &v) < 0)
        goto out;
    if (v && cJSON_GetArraySize(v) > NB_CLS_MAX_LINKS) {
        nb_jr_fail(&x, "links", NULL, "more than %d", NB_CLS_MAX_LINKS);
        goto out;
    }
    for (const cJSON *l = v ? v->child : NULL; l; l = l->next) {
        char p[32];
        nb_jr_index(p, sizeof(p), "links", in->nlinks);
        if (link_parse(&x, l, p, &in->links[in->nlinks]) < 0)
            goto out;
        in->nlinks++;
    }
    if (nb_jr_value(&x, r, "", "cpu", NB_JR_NULLABLE, &v) > 0 && cpu_parse(&x, v, in) < 0)
        goto out;
    rc = 0;
out:
    cJSON_Delete(r);
    if (rc < 0)
        memset(in, 0, sizeof(*in));
    return rc;
}

int nb_trace_find_fabric(const char *text, size_t len, const char *peer, struct nb_cls_family *out,
                         char *err, size_t errlen)
{
    struct nb_cls_input *in = nb_calloc(1, sizeof(*in));
    int found = 0;
    size_t lineno = 0;
    for (size_t i = 0; i < len && !found;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        lineno++;
        if (n) {
            char e[200];
            if (nb_trace_parse(text + i, n, in, e, sizeof(e)) < 0) {
                snprintf(err, errlen, "window line %zu: %s", lineno, e);
                found = -1;
                break;
            }
            if (in->fabric.present && strcmp(in->remote_host, peer) == 0) {
                *out = in->fabric;
                found = 1;
            }
        }
        i += n + 1;
    }
    free(in);
    return found;
}
