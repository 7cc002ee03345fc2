/* agentclient.c — GET /v1/sightings and /v1/links from another agent,
 * blocking, for one-shot callers (http.c on a private loop). */
#include "agentclient.h"

#include <ev.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "http.h"
#include "links_json.h"
#include "netblame/mem.h"
#include "sightings_json.h"

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
 * answer in segments an MTU black hole lets through (http.h). Returns 0, or
 * -1 with ERR naming HOST. */
static int http_get(const char *host, const char *url, long timeout_ms, struct nb_buf *body,
                    char *err, size_t errlen)
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    char e[200];
    struct nb_http *h = loop ? nb_http_new(loop, e, sizeof(e)) : NULL;
    if (!h) {
        snprintf(err, errlen, "host agent %s: %s", host, loop ? e : "no event loop");
        if (loop)
            ev_loop_destroy(loop);
        return -1;
    }
    struct answer a = {.body = body};
    body->len = 0;
    struct nb_http_opts o = {.timeout_ms = timeout_ms, .small_mss = true};
    if (nb_http_start(h, url, &o, on_answer, &a, e, sizeof(e)))
        while (!a.done)
            ev_run(loop, EVRUN_ONCE); /* the request's own deadline bounds this */
    else
        snprintf(a.error, sizeof(a.error), "%s", e);
    nb_http_free(h);
    ev_loop_destroy(loop);
    if (a.error[0] || a.status != 200) {
        snprintf(err, errlen, "host agent %s: %s", host,
                 a.error[0] ? a.error : "HTTP status not 200");
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
        snprintf(url, sizeof(url), "http://%s/v1/sightings?session=%08x&since=%llu&limit=%d", host,
                 session, (unsigned long long)since, NB_SIGHTINGS_PAGE_MAX);
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
    snprintf(url, sizeof(url), "http://%s/v1/links", host);
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
