/* ondemand.c — on-demand diagnoses of configured targets (see ondemand.h). */
#include "daemon/ondemand.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/diagjob.h"
#include "netblame/clock.h"
#include "netblame/log.h"
#include "netblame/mem.h"
#include "wire/jsonread.h"

struct job {
    struct nb_ondemand *o;
    struct nb_diagjob *dj;
    char target[NB_APP_URL_MAX]; /* the configured target's key: its name */
    nb_ns ends;                  /* monotonic: when it is killed at the latest */
    nb_ondemand_cb cb;
    void *arg;
};

struct nb_ondemand {
    struct ev_loop *loop;
    const struct nb_config *cfg;
    struct job *jobs[NB_ONDEMAND_MAX];
};

struct nb_ondemand *nb_ondemand_new(struct ev_loop *loop, const struct nb_config *cfg)
{
    struct nb_ondemand *o = nb_calloc(1, sizeof(*o));
    o->loop = loop;
    o->cfg = cfg;
    return o;
}

void nb_ondemand_set_config(struct nb_ondemand *o, const struct nb_config *cfg)
{
    o->cfg = cfg; /* running jobs keep their command line */
}

void nb_ondemand_free(struct nb_ondemand *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < NB_ONDEMAND_MAX; i++) {
        struct job *j = o->jobs[i];
        if (!j)
            continue;
        nb_diagjob_cancel(j->dj);
        j->cb(j->arg, NB_ONDEMAND_STOPPED, NULL, "netblamed is stopping");
        free(j);
    }
    free(o);
}

/* The configured target R names: a peer (name or address) or an app target
 * (name or url), as the CLI's TARGET (and its app expectations) into ARGV
 * from *N on; its name into NAME. -1 when there is none. */
static int target_args(const struct nb_config *cfg, const char *t, char *name, size_t ncap,
                       char *spec, size_t scap, const char **argv, size_t *n, char (*num)[32])
{
    for (size_t i = 0; i < cfg->npeers; i++) {
        const struct nb_peer_cfg *p = &cfg->peers[i];
        if (strcmp(p->name, t) != 0 && strcmp(p->host, t) != 0)
            continue;
        snprintf(name, ncap, "%s", p->name);
        snprintf(spec, scap, strchr(p->host, ':') ? "[%s]:%u" : "%s:%u", p->host, p->port);
        argv[(*n)++] = spec;
        return 0;
    }
    for (size_t i = 0; i < cfg->napps; i++) {
        const struct nb_app_cfg *a = &cfg->apps[i];
        if (strcmp(a->name, t) != 0 && strcmp(a->url, t) != 0)
            continue;
        const struct nb_app_target *at = &a->target;
        snprintf(name, ncap, "%s", a->name);
        snprintf(spec, scap, "%s", a->url);
        argv[(*n)++] = spec;
        if (at->raw) {
            if (at->raw_send[0]) {
                argv[(*n)++] = "--send";
                argv[(*n)++] = at->raw_send;
            }
            if (at->raw_expect[0]) {
                argv[(*n)++] = "--expect";
                argv[(*n)++] = at->raw_expect;
            }
        } else {
            snprintf(num[0], sizeof(num[0]), "%d", at->expect_status);
            argv[(*n)++] = "--expect-status";
            argv[(*n)++] = num[0];
            if (at->expect_body[0]) {
                argv[(*n)++] = "--expect-body";
                argv[(*n)++] = at->expect_body;
            }
        }
        return 0;
    }
    return -1;
}

static void on_job(void *arg, const struct nb_diagjob_result *r)
{
    struct job *j = arg;
    struct nb_ondemand *o = j->o;
    for (size_t i = 0; i < NB_ONDEMAND_MAX; i++)
        if (o->jobs[i] == j)
            o->jobs[i] = NULL;
    char why[NB_DIAGJOB_ERR_MAX + 64];
    const char *json = NULL;
    if (r->deadline)
        snprintf(why, sizeof(why), "the diagnosis did not end by its deadline: killed");
    else if (r->exit_status < 0)
        snprintf(why, sizeof(why), "the diagnosis was killed (%s)", r->err);
    else if (r->exit_status == 2 || !r->out_len)
        snprintf(why, sizeof(why), "the diagnosis failed (exit %d): %s", r->exit_status,
                 r->err[0] ? r->err : "no output");
    else {
        json = r->out;
        why[0] = '\0';
    }
    j->cb(j->arg, r->exit_status, json, why[0] ? why : NULL);
    free(j);
}

int nb_ondemand_run(struct nb_ondemand *o, const struct nb_ondemand_req *r, nb_ondemand_cb cb,
                    void *arg, unsigned *retry_s, char *err, size_t errlen)
{
    char cli[PATH_MAX], name[NB_APP_URL_MAX], spec[NB_APP_URL_MAX + 16], num[4][32];
    const char *argv[32];
    size_t n = 0;
    argv[n++] = cli;
    argv[n++] = "diagnose";
    if (target_args(o->cfg, r->target, name, sizeof(name), spec, sizeof(spec), argv, &n, num) <
        0) {
        snprintf(err, errlen, "not a target of this netblamed (a peer's name or address, an app "
                              "target's name or url)");
        return -1;
    }
    nb_ns now = nb_mono_now();
    size_t free_slot = NB_ONDEMAND_MAX;
    nb_ns soonest = INT64_MAX;
    for (size_t i = 0; i < NB_ONDEMAND_MAX; i++) {
        struct job *j = o->jobs[i];
        if (!j) {
            free_slot = i;
            continue;
        }
        if (j->ends < soonest)
            soonest = j->ends;
        if (strcmp(j->target, name) == 0) {
            *retry_s = (unsigned)((j->ends - now + NB_NS_PER_SEC - 1) / NB_NS_PER_SEC);
            snprintf(err, errlen, "a diagnosis of %s is running", name);
            return -2;
        }
    }
    if (free_slot == NB_ONDEMAND_MAX) {
        *retry_s = (unsigned)((soonest - now + NB_NS_PER_SEC - 1) / NB_NS_PER_SEC);
        snprintf(err, errlen, "%d diagnoses are running", NB_ONDEMAND_MAX);
        return -2;
    }
    if (nb_diagjob_cli_path(cli, sizeof(cli), err, errlen) < 0)
        return -3;
    unsigned deadline = r->deadline_ms ? r->deadline_ms : 5000;
    argv[n++] = "--json";
    argv[n++] = "--deadline";
    snprintf(num[1], sizeof(num[1]), "%u", deadline);
    argv[n++] = num[1];
    if (o->cfg->path) {
        argv[n++] = "--config";
        argv[n++] = o->cfg->path;
    }
    if (r->count) {
        snprintf(num[2], sizeof(num[2]), "%u", r->count);
        argv[n++] = "--count";
        argv[n++] = num[2];
    }
    if (r->interval_ms) {
        snprintf(num[3], sizeof(num[3]), "%u", r->interval_ms);
        argv[n++] = "--interval";
        argv[n++] = num[3];
    }
    argv[n] = NULL;
    struct job *j = nb_calloc(1, sizeof(*j));
    j->o = o;
    j->cb = cb;
    j->arg = arg;
    snprintf(j->target, sizeof(j->target), "%s", name);
    unsigned bound = deadline + NB_ONDEMAND_SLACK_MS;
    j->ends = now + (nb_ns)bound * 1000000;
    j->dj = nb_diagjob_start(o->loop, argv, bound, on_job, j, err, errlen);
    if (!j->dj) {
        free(j);
        return -3;
    }
    o->jobs[free_slot] = j;
    nb_info("on-demand diagnosis of %s started (deadline %u ms)", name, deadline);
    return 0;
}

/* ---- POST /v1/diagnose ---- */

/* The API request waiting for its diagnosis (the token exists only once the
 * diagnosis has started: a request refused at once is answered at once). */
struct api_wait {
    struct nb_api_deferred *d;
};

static void on_api_done(void *arg, int exit, const char *json, const char *err)
{
    struct api_wait *w = arg;
    struct nb_api_deferred *d = w->d;
    free(w);
    struct nb_api_resp resp = {.status = 200, .content_type = "application/json"};
    nb_buf_init(&resp.body);
    if (json)
        nb_buf_printf(&resp.body, "%s", json);
    else
        nb_api_error(&resp, exit == NB_ONDEMAND_STOPPED ? 503 : exit == -1 ? 504 : 500, err);
    nb_api_finish(d, &resp);
    nb_buf_free(&resp.body);
}

struct cJSON *nb_ondemand_req_parse(const char *body, size_t len, struct nb_ondemand_req *r,
                                    char *err, size_t errlen)
{
    static const char *const known[] = {"target", "count", "interval_ms", "deadline_ms", NULL};
    struct nb_jr jr = {.doc = "request", .err = err, .errlen = errlen};
    cJSON *root = cJSON_ParseWithLength(body, len);
    const char *target = NULL;
    uint64_t count = 0, interval = 0, deadline = 0;
    if (!root) {
        snprintf(err, errlen, "request: not JSON (want {\"target\": NAME, ...})");
        return NULL;
    }
    if (nb_jr_members(&jr, root, "", known, NULL) < 0 ||
        nb_jr_str(&jr, root, "", "target", NB_JR_REQUIRED | NB_JR_NONEMPTY, NB_APP_URL_MAX,
                  &target) < 0 ||
        nb_jr_uint(&jr, root, "", "count", 0, 1, 100000, &count) < 0 ||
        nb_jr_uint(&jr, root, "", "interval_ms", 0, 1, 60000, &interval) < 0 ||
        nb_jr_uint(&jr, root, "", "deadline_ms", 0, 1, NB_ONDEMAND_DEADLINE_MAX_MS, &deadline) <
            0) {
        cJSON_Delete(root);
        return NULL;
    }
    *r = (struct nb_ondemand_req){.target = target,
                                  .count = (unsigned)count,
                                  .interval_ms = (unsigned)interval,
                                  .deadline_ms = (unsigned)deadline};
    return root;
}

void nb_ondemand_api(struct nb_ondemand *o, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    char err[512];
    struct nb_ondemand_req r;
    cJSON *root = nb_ondemand_req_parse(req->body, req->body_len, &r, err, sizeof(err));
    if (!root) {
        nb_api_error(resp, 400, err);
        return;
    }
    struct api_wait *w = nb_calloc(1, sizeof(*w));
    unsigned retry = 0;
    int rc = nb_ondemand_run(o, &r, on_api_done, w, &retry, err, sizeof(err));
    cJSON_Delete(root);
    if (rc == 0) {
        w->d = nb_api_defer(req); /* answered by on_api_done, never before we return */
        return;
    }
    free(w);
    nb_api_error(resp, rc == -1 ? 404 : rc == -2 ? 429 : 500, err);
    if (rc == -2)
        resp->retry_after_s = retry ? retry : 1;
}
