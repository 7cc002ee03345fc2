/* agentclient.c — GET /v1/sightings, /v1/links, /v1/cpu ... from another agent,
 * blocking, for one-shot callers (http.c on a private loop). */
#include "net/agentclient.h"

#include <cjson/cJSON.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/baseline_json.h"
#include "netblame/buf.h"
#include "wire/cpu_json.h"
#include "net/http.h"
#include "wire/links_json.h"
#include "netblame/mem.h"
#include "wire/sightings_json.h"
#include "wire/config.h"
#include "wire/trace_json.h"
#include "wire/verdict_json.h"

/* What this process's requests present to agents (nb_agent_client_set). */
static struct nb_api_sec client;

void nb_agent_client_set(const struct nb_api_sec *sec)
{
    nb_api_sec_free(&client);
    nb_api_sec_copy_client(&client, sec);
}

static const char *scheme(void)
{
    return nb_api_scheme(&client);
}

/* "host:port" for a URL, brackets around IPv6. */
static void url_host(const char *addr, uint16_t port, char *out, size_t cap)
{
    snprintf(out, cap, strchr(addr, ':') ? "[%s]:%u" : "%s:%u", addr, port);
}

struct answer {
    struct nb_buf *body;
    long status;
    char error[200];
    bool done;
};

static void on_answer(void *arg, const struct nb_http_result *r)
{
    struct answer *a = arg;
    a->status = r->status;
    if (r->error)
        snprintf(a->error, sizeof(a->error), "%s", r->error);
    nb_buf_append(a->body, r->body, r->body_len + 1); /* with its NUL */
    a->body->len--;
    a->done = true;
}

/* GET URL into BODY (NUL-terminated), blocking on a private loop. Agents
 * are asked about the very path that may be broken: a small MSS keeps the
 * answer in segments an MTU black hole lets through (http.h). Returns 0 when
 * an HTTP answer came (its status in *STATUS), or -1 with why none did in WHY. */
/* GET URL (or, with POST non-NULL, POST those POST_LEN bytes of JSON) into
 * BODY within TIMEOUT_MS; the status into *STATUS. 0, or -1 with WHY when no
 * answer came. */
static int http_request(const char *url, const char *post, size_t post_len, long timeout_ms,
                        struct nb_buf *body, long *status, char *why, size_t whylen)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    char e[200];
    struct nb_http *h = loop ? nb_http_new(loop, e, sizeof(e)) : NULL;
    if (!h) {
        snprintf(why, whylen, "%s", loop ? e : "no event loop");
        if (loop)
            ev_loop_destroy(loop);
        return -1;
    }
    struct answer a = {.body = body};
    body->len = 0;
    nb_http_set_agent(h, &client);
    static const char *const json[] = {"Content-Type: application/json", NULL};
    struct nb_http_opts o = {.timeout_ms = timeout_ms, .small_mss = true, .agent = true};
    if (post) {
        o.method = "POST";
        o.headers = json;
        o.body = post;
        o.body_len = post_len;
    }
    if (nb_http_start(h, url, &o, on_answer, &a, e, sizeof(e)))
        while (!a.done)
            ev_run(loop, EVRUN_ONCE); /* the request's own deadline bounds this */
    else
        snprintf(a.error, sizeof(a.error), "%s", e);
    nb_http_free(h);
    ev_loop_destroy(loop);
    *status = a.status;
    if (a.error[0]) {
        snprintf(why, whylen, "%s", a.error);
        return -1;
    }
    return 0;
}

static int http_answer(const char *url, long timeout_ms, struct nb_buf *body, long *status,
                       char *why, size_t whylen)
{
    return http_request(url, NULL, 0, timeout_ms, body, status, why, whylen);
}

/* GET URL from the host agent at HOST into BODY: 0 on HTTP 200, or -1 with
 * ERR naming HOST. */
static int http_get(const char *host, const char *url, long timeout_ms, struct nb_buf *body,
                    char *err, size_t errlen)
{
    char why[200] = "";
    long status = 0;
    if (http_answer(url, timeout_ms, body, &status, why, sizeof(why)) < 0 || status != 200) {
        snprintf(err, errlen, "host agent %s: %s", host, why[0] ? why : "HTTP status not 200");
        return -1;
    }
    return 0;
}

int nb_agent_fetch_sightings(const char *addr, uint16_t port, uint32_t session, uint64_t since,
                             size_t max, long timeout_ms, struct nb_fetch *out, char *err,
                             size_t errlen)
{
    char host[80];
    url_host(addr, port, host, sizeof(host));
    memset(out, 0, sizeof(*out));
    struct nb_sighting *page = nb_calloc(NB_SIGHTINGS_PAGE_MAX, sizeof(*page));
    struct nb_buf body;
    nb_buf_init(&body);
    int ret = -1;
    for (;;) {
        char url[256];
        snprintf(url, sizeof(url), "%s://%s/v1/sightings?session=%08x&since=%llu&limit=%d",
                 scheme(), host, session, (unsigned long long)since, NB_SIGHTINGS_PAGE_MAX);
        if (http_get(host, url, timeout_ms, &body, err, errlen) < 0)
            goto done;
        struct nb_sightings_page pg;
        char perr[160];
        if (nb_sightings_json_parse(body.data, body.len, page, NB_SIGHTINGS_PAGE_MAX, &pg, perr,
                                    sizeof(perr)) < 0) {
            snprintf(err, errlen, "host agent %s: %s", host, perr);
            goto done;
        }
        out->missed += pg.missed;
        out->next = pg.next;
        if (out->n + pg.n > max) {
            snprintf(err, errlen, "host agent %s: more than %zu sightings", host, max);
            goto done;
        }
        out->s = nb_reallocarray(out->s, out->n + pg.n + 1, sizeof(*out->s));
        memcpy(out->s + out->n, page, pg.n * sizeof(*page));
        out->n += pg.n;
        /* A short page means the agent scanned to its newest sighting; an agent
         * that does not advance must not make us loop. */
        if (pg.n < NB_SIGHTINGS_PAGE_MAX || pg.next <= since)
            break;
        since = pg.next;
    }
    ret = 0;
done:
    if (ret < 0) {
        free(out->s);
        out->s = NULL;
        out->n = 0;
    }
    nb_buf_free(&body);
    free(page);
    return ret;
}

int nb_agent_fetch_links(const char *addr, uint16_t port, long timeout_ms,
                         struct nb_link_report *out, size_t cap, char *err, size_t errlen)
{
    char host[80], url[128];
    url_host(addr, port, host, sizeof(host));
    struct nb_buf body;
    nb_buf_init(&body);
    snprintf(url, sizeof(url), "%s://%s/v1/links", scheme(), host);
    int n = -1;
    char perr[160];
    if (http_get(host, url, timeout_ms, &body, err, errlen) == 0) {
        n = nb_links_json_parse(body.data, body.len, out, cap, perr, sizeof(perr));
        if (n < 0)
            snprintf(err, errlen, "host agent %s: %s", host, perr);
    }
    nb_buf_free(&body);
    return n;
}

int nb_agent_fetch_cpu(const char *addr, uint16_t port, long timeout_ms, struct nb_cpu_report *out,
                       char *err, size_t errlen)
{
    char host[80], url[128];
    url_host(addr, port, host, sizeof(host));
    struct nb_buf body;
    nb_buf_init(&body);
    snprintf(url, sizeof(url), "%s://%s/v1/cpu", scheme(), host);
    int rc = -1;
    char perr[160];
    if (http_get(host, url, timeout_ms, &body, err, errlen) == 0) {
        rc = nb_cpu_json_parse(body.data, body.len, out, NB_CPU_THREADS_MAX, perr, sizeof(perr));
        if (rc < 0)
            snprintf(err, errlen, "host agent %s: %s", host, perr);
    }
    if (rc < 0)
        memset(out, 0, sizeof(*out));
    nb_buf_free(&body);
    return rc;
}

/* GET URL from the netblamed at HOST into BODY: 0 on HTTP 200; 1 on 404
 * (no such target) if NOT_FOUND_OK; or -1 with ERR naming HOST. */
static int daemon_get(const char *host, const char *url, long timeout_ms, bool not_found_ok,
                      struct nb_buf *body, char *err, size_t errlen)
{
    char e[200] = "";
    long status = 0;
    if (http_answer(url, timeout_ms, body, &status, e, sizeof(e)) < 0) {
        snprintf(err, errlen, "netblamed at %s did not answer: %s", host, e);
        return -1;
    }
    if (status == 404 && not_found_ok)
        return 1;
    if (status != 200) {
        snprintf(err, errlen, "netblamed at %s answered HTTP status %ld", host, status);
        return -1;
    }
    return 0;
}

int nb_agent_fetch_baseline(const char *addr, uint16_t port, const char *name, bool app,
                            long timeout_ms, struct nb_baseline *out, char *err, size_t errlen)
{
    char host[80], url[256], e[200] = "", got[NB_CLS_TARGETSIZ];
    url_host(addr, port, host, sizeof(host));
    /* names are [A-Za-z0-9_.:-]+ (config.h): nothing to escape in a query */
    snprintf(url, sizeof(url), "%s://%s/v1/baselines?target=%s&kind=%s", scheme(), host, name,
             app ? "app" : "peer");
    nb_baseline_init(out);
    struct nb_buf body;
    nb_buf_init(&body);
    int rc = daemon_get(host, url, timeout_ms, true, &body, err, errlen);
    if (rc == 0) {
        rc = -1;
        if (nb_baseline_json_parse(body.data, body.len, got, sizeof(got), out, e, sizeof(e)))
            snprintf(err, errlen, "netblamed at %s: %s", host, e);
        else if (strcmp(got, name) != 0)
            snprintf(err, errlen, "netblamed at %s answered the baseline of %.64s, not %s", host,
                     got, name);
        else
            rc = 0;
    }
    if (rc != 0)
        nb_baseline_init(out);
    nb_buf_free(&body);
    return rc;
}

int nb_agent_fetch_verdicts(const char *addr, uint16_t port, long timeout_ms,
                            struct nb_verdict **out, size_t *n, char *err, size_t errlen)
{
    char host[80], url[128], e[240];
    url_host(addr, port, host, sizeof(host));
    snprintf(url, sizeof(url), "%s://%s/v1/verdicts", scheme(), host);
    *out = NULL;
    *n = 0;
    struct nb_buf body;
    nb_buf_init(&body);
    int rc = daemon_get(host, url, timeout_ms, false, &body, err, errlen);
    /* one verdict per target at most */
    if (rc == 0 && nb_verdicts_json_parse(body.data, body.len, NB_MAX_PEERS + NB_MAX_APPS, out, n,
                                          e, sizeof(e)) < 0) {
        snprintf(err, errlen, "netblamed at %s: %s", host, e);
        rc = -1;
    }
    nb_buf_free(&body);
    return rc;
}

int nb_agent_fetch_fabric(const char *addr, uint16_t port, const char *peer, unsigned span_ms,
                          long timeout_ms, struct nb_cls_family *out, char *err, size_t errlen)
{
    char host[80], url[160], perr[240];
    url_host(addr, port, host, sizeof(host));
    struct nb_buf body;
    nb_buf_init(&body);
    snprintf(url, sizeof(url), "%s://%s/v1/windows?ms=%u", scheme(), host, span_ms);
    int found = -1;
    if (http_get(host, url, timeout_ms, &body, err, errlen) == 0) {
        found = nb_trace_find_fabric(body.data, body.len, peer, out, perr, sizeof(perr));
        if (found < 0)
            snprintf(err, errlen, "host agent %s: %s", host, perr);
    }
    nb_buf_free(&body);
    return found;
}

int nb_agent_diagnose(const char *addr, uint16_t port, const char *target, unsigned deadline_ms,
                      long timeout_ms, struct nb_verdict *out, char *err, size_t errlen)
{
    char host[80], url[128], e[240] = "";
    url_host(addr, port, host, sizeof(host));
    snprintf(url, sizeof(url), "%s://%s/v1/diagnose", scheme(), host);
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "target", target);
    cJSON_AddNumberToObject(req, "deadline_ms", deadline_ms);
    char *text = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct nb_buf body;
    nb_buf_init(&body);
    long status = 0;
    int rc = http_request(url, text, strlen(text), timeout_ms, &body, &status, e, sizeof(e));
    free(text);
    if (rc < 0) {
        snprintf(err, errlen, "netblamed at %s did not answer: %s", host, e);
    } else if (status != 200) {
        /* its error body says why: {"error": ...} */
        cJSON *o = cJSON_ParseWithLength(body.data ? body.data : "", body.len);
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "error");
        snprintf(err, errlen, "netblamed at %s answered %ld%s%s", host, status,
                 cJSON_IsString(m) ? ": " : "", cJSON_IsString(m) ? m->valuestring : "");
        cJSON_Delete(o);
        rc = -1;
    } else {
        struct nb_verdict *v = NULL;
        if (nb_verdict_json_parse_one(body.data, body.len, &v, e, sizeof(e)) < 0) {
            snprintf(err, errlen, "netblamed at %s: %s", host, e);
            rc = -1;
        } else {
            *out = *v;
        }
        free(v);
    }
    nb_buf_free(&body);
    return rc;
}
