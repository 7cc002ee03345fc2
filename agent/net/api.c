/* api.c — libmicrohttpd on the daemon's libev loop.
 *
 * MHD runs without threads, in epoll mode: its single epoll fd goes into an
 * ev_io. MHD's contract for external polling is that MHD_run() must be called
 * after every poll whenever MHD_get_timeout() said YES, so an ev_prepare sets
 * the timer from MHD_get_timeout() before each poll and an ev_check runs MHD
 * after it (the prepare/check integration pattern of the libev manual).
 *
 * Deferred answers (api.h) use MHD's suspend/resume: the handler's call
 * returns with the connection suspended; nb_api_finish() stores the answer
 * and resumes it, and MHD then calls on_request once more, which sends it.
 * Resuming signals MHD's epoll fd, so the loop wakes on its own.
 *
 * WHO MAY CALL (THE RULE of authentication). With a token file in the
 * config, every route needs "Authorization: Bearer TOKEN" but /healthz and,
 * with "metrics_open", /metrics; a request without it, or with a wrong one,
 * gets 401 with WWW-Authenticate at its headers, before any body is read,
 * whatever its path (an unknown one too: no one learns the routes without
 * the token), and is counted (netblame_api_auth_failures_total). The choice
 * of a bearer token over mutual TLS: every client the API has speaks it
 * with a file and no code — Prometheus's scrape_config
 * `authorization: {credentials_file}`, Alertmanager's webhook_config
 * `http_config.authorization`, curl `-H`/`--oauth2-bearer`, libcurl's
 * CURLOPT_XOAUTH2_BEARER — and it rotates with a SIGHUP and a file edit;
 * mutual TLS would need a client certificate per agent, Prometheus and
 * Alertmanager each, issued and renewed by a CA the fleet runs, and
 * libmicrohttpd leaves checking it to raw GnuTLS calls. TLS (server
 * certificate only) keeps the token secret on the wire, which is why an
 * address beyond loopback needs both (config_agent.c). A token file holds
 * up to two tokens, all accepted, the first one sent by this agent's own
 * clients: a rotation is "old,new" everywhere, then "new,old", then "new",
 * each step a SIGHUP per agent in any order, and no request fails on the
 * way (no time window to guess). Tokens are compared in constant time
 * (apiauth.c).
 *
 * LIMITS (THE RULE of connections), so that idle connections cannot lock
 * peers out: at most API_CONN_MAX connections in all and API_CONN_PER_IP
 * from one address (a peer agent's client holds at most a few: http.c caps
 * its connections per host below it); a connection silent for
 * API_IDLE_S seconds — one that never sends a request, or one idle between
 * requests — is closed. One source can then hold 1/16 of the slots, and
 * only for as long as it keeps talking; filling them all needs 16 sources
 * each re-opening a connection every few seconds. Over the global limit
 * libmicrohttpd stops accepting (new connections wait in the listen
 * backlog, not refused); over the per-address one it closes them at once,
 * each counted (netblame_api_connections_refused_total). libmicrohttpd's
 * own log lines are rate-limited: each message at most once every
 * API_LOG_EVERY_S seconds, the next one saying how many like it were
 * suppressed (netblame_api_log_suppressed_total counts them), so a flood
 * of refused connections cannot flood the journal. */
#include "net/api.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/addr.h"
#include "netblame/clock.h"
#include "netblame/log.h"
#include "netblame/mem.h"

#define API_CONN_MAX 256    /* connections in all */
#define API_CONN_PER_IP 16  /* from one address */
#define API_IDLE_S 3        /* a connection silent this long is closed */
#define API_LOG_EVERY_S 10  /* each libmicrohttpd message at most this often */
#define API_LOG_KINDS 16    /* messages told apart (by their format) */

/* One kind of libmicrohttpd log message: its format string (a literal in
 * the library, so its address names the kind), when it was last written,
 * and how many since were not. */
struct log_kind {
    const char *fmt;
    nb_ns last;
    uint64_t suppressed;
};

struct nb_api {
    struct MHD_Daemon *mhd;
    struct ev_loop *loop;
    ev_io io;
    ev_timer timer;
    ev_prepare prepare;
    ev_check check;
    int have_timeout;
    const struct nb_api_route *routes;
    size_t nroutes;
    void *arg;
    uint16_t port;
    struct nb_api_stats st;
    struct nb_api_deferred *deferred; /* suspended requests, a list */
    size_t ndeferred;
    struct nb_api_sec sec;            /* tokens, metrics_open; the PEMs while MHD runs */
    struct log_kind logk[API_LOG_KINDS];
};

struct nb_api_deferred {
    struct nb_api *api;
    struct MHD_Connection *conn;
    struct req_state *rs;
    struct nb_api_deferred *next, **pprev;
};

/* Per-connection request state: the body collected so far, and a deferred
 * request's state: suspended (waiting for its owner), then its answer. */
struct req_state {
    struct nb_api *api;
    struct nb_buf body;
    int too_large;
    struct nb_api_deferred *deferred; /* non-NULL: suspended */
    int answered;                     /* resumed with ANSWER */
    struct nb_api_resp answer;
};

const char *nb_api_query(const struct nb_api_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *nb_api_query_get(const void *src, const char *name)
{
    return nb_api_query(src, name);
}

/* The body is built by cJSON like every other answer, not by hand: a
 * message quotes user text (a path, a parameter), and one escaping rule for
 * all JSON netblame writes is one less place to get it wrong. */
void nb_api_error(struct nb_api_resp *resp, unsigned status, const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    char *text;

    resp->status = status;
    resp->content_type = "application/json";
    resp->body.len = 0;
    cJSON_AddStringToObject(o, "error", msg ? msg : "");
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text) /* cJSON ran out of memory: the status alone still says it */
        return;
    nb_buf_printf(&resp->body, "%s\n", text);
    free(text);
}

static enum MHD_Result send_resp(struct nb_api *api, struct MHD_Connection *conn,
                                 struct nb_api_resp *resp)
{
    size_t len;
    char *body = nb_buf_steal(&resp->body, &len);
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(len, body, free);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
    if (resp->status == 401)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"netblame\"");
    if (resp->retry_after_s) {
        char s[16];
        snprintf(s, sizeof(s), "%u", resp->retry_after_s);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, s);
    }
    enum MHD_Result ret = MHD_queue_response(conn, resp->status, r);
    MHD_destroy_response(r);
    api->st.requests++;
    if (resp->status < 300)
        api->st.status_2xx++;
    else if (resp->status < 500)
        api->st.status_4xx++;
    else
        api->st.status_5xx++;
    return ret;
}

/* May this request reach URL (THE RULE, above)? */
static bool allowed(struct nb_api *api, struct MHD_Connection *conn, const char *url)
{
    if (api->sec.ntokens == 0)
        return true;
    for (size_t i = 0; i < api->nroutes; i++) {
        const struct nb_api_route *r = &api->routes[i];
        if (strcmp(r->path, url) == 0 &&
            (r->access == NB_API_PUBLIC || (r->access == NB_API_METRICS && api->sec.metrics_open)))
            return true;
    }
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_AUTHORIZATION);
    return nb_api_bearer_ok(h, &api->sec);
}

static enum MHD_Result send_401(struct nb_api *api, struct MHD_Connection *conn)
{
    struct nb_api_resp resp = {.content_type = "application/json"};
    nb_buf_init(&resp.body);
    nb_api_error(&resp, 401, "a bearer token is required (Authorization: Bearer TOKEN)");
    api->st.auth_failures++;
    return send_resp(api, conn, &resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct nb_api *api = cls;
    struct req_state *rs = *con_cls;
    if (rs && rs->answered) { /* a deferred request, resumed with its answer */
        rs->answered = 0;
        return send_resp(api, conn, &rs->answer);
    }
    if (!rs) { /* first call: headers only */
        if (!allowed(api, conn, url))
            return send_401(api, conn);
        rs = nb_calloc(1, sizeof(*rs));
        rs->api = api;
        nb_buf_init(&rs->body);
        *con_cls = rs;
        return MHD_YES;
    }
    if (*upload_size) {
        if (rs->body.len + *upload_size > NB_API_MAX_BODY)
            rs->too_large = 1;
        else
            nb_buf_append(&rs->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }

    struct nb_api_resp resp = {.status = 200, .content_type = "application/json"};
    nb_buf_init(&resp.body);
    if (rs->too_large) {
        nb_api_error(&resp, 413, "request body larger than 1 MiB");
        return send_resp(api, conn, &resp);
    }
    const struct nb_api_route *match = NULL;
    int path_known = 0;
    for (size_t i = 0; i < api->nroutes; i++) {
        if (strcmp(api->routes[i].path, url) != 0)
            continue;
        path_known = 1;
        if (strcmp(api->routes[i].method, method) == 0)
            match = &api->routes[i];
    }
    if (!match) {
        nb_api_error(&resp, path_known ? 405 : 404,
                     path_known ? "method not allowed" : "no such endpoint");
        return send_resp(api, conn, &resp);
    }
    nb_buf_append(&rs->body, "", 0); /* ensure NUL-terminated storage */
    struct nb_api_req req = {.method = method, .path = url,
                             .body = rs->body.data ? rs->body.data : "",
                             .body_len = rs->body.len, .conn = conn, .state = rs};
    match->fn(api->arg, &req, &resp);
    if (rs->deferred) { /* the owner answers later: nb_api_finish() */
        nb_buf_free(&resp.body);
        MHD_suspend_connection(conn);
        return MHD_YES;
    }
    return send_resp(api, conn, &resp);
}

struct nb_api_deferred *nb_api_defer(const struct nb_api_req *req)
{
    struct req_state *rs = req->state;
    if (rs->deferred)
        return rs->deferred;
    struct nb_api *api = rs->api;
    struct nb_api_deferred *d = nb_calloc(1, sizeof(*d));
    d->api = api;
    d->conn = req->conn;
    d->rs = rs;
    d->next = api->deferred;
    if (d->next)
        d->next->pprev = &d->next;
    d->pprev = &api->deferred;
    api->deferred = d;
    api->ndeferred++;
    rs->deferred = d;
    return d;
}

void nb_api_finish(struct nb_api_deferred *d, struct nb_api_resp *resp)
{
    struct nb_api *api = d->api;
    struct req_state *rs = d->rs;
    *d->pprev = d->next;
    if (d->next)
        d->next->pprev = d->pprev;
    api->ndeferred--;
    rs->deferred = NULL;
    rs->answer = *resp; /* the body moves into the connection's state */
    nb_buf_init(&resp->body);
    rs->answered = 1;
    MHD_resume_connection(d->conn);
    free(d);
    /* MHD's epoll fd wakes for the resumed connection; run it now as well,
     * so an answer given outside an I/O callback is not left waiting. */
    ev_feed_event(api->loop, &api->io, EV_READ);
}

size_t nb_api_deferred_count(const struct nb_api *api)
{
    return api->ndeferred;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct req_state *rs = *con_cls;
    if (rs) {
        nb_buf_free(&rs->body);
        nb_buf_free(&rs->answer.body);
        free(rs);
        *con_cls = NULL;
    }
}

/* MHD hands us its own printf format: the one non-literal format in netblame.
 * Rate-limited per kind of message (LIMITS, above); a refused connection is
 * counted here, the only place libmicrohttpd reports one. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct nb_api *api = cls;
    char line[512];
    nb_ns now = nb_mono_now();
    struct log_kind *k = NULL, *oldest = &api->logk[0];
    uint64_t suppressed = 0;

    if (strstr(fmt, "connection limit"))
        api->st.conns_refused++;
    for (size_t i = 0; i < API_LOG_KINDS && !k; i++) {
        if (api->logk[i].fmt == fmt)
            k = &api->logk[i];
        else if (api->logk[i].last < oldest->last)
            oldest = &api->logk[i];
    }
    if (k && now - k->last < (nb_ns)API_LOG_EVERY_S * NB_NS_PER_SEC) {
        k->suppressed++;
        api->st.log_suppressed++;
        return;
    }
    if (!k) { /* a new kind takes the slot written longest ago */
        k = oldest;
        k->fmt = fmt;
        k->suppressed = 0;
    }
    suppressed = k->suppressed;
    k->suppressed = 0;
    k->last = now;
    vsnprintf(line, sizeof(line), fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
    if (suppressed)
        nb_warn("control API: %s (and %llu more like it since the last such line, not logged)",
                line, (unsigned long long)suppressed);
    else
        nb_warn("control API: %s", line);
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
    struct nb_api *api = w->data;
    MHD_run(api->mhd);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    /* Nothing: waking the loop is enough, on_check runs MHD. */
}

static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
    struct nb_api *api = w->data;
    MHD_UNSIGNED_LONG_LONG ms;
    ev_timer_stop(loop, &api->timer);
    api->have_timeout = MHD_get_timeout(api->mhd, &ms) == MHD_YES;
    if (api->have_timeout) {
        ev_timer_set(&api->timer, (double)ms / 1000.0, 0.);
        ev_timer_start(loop, &api->timer);
    }
}

static void on_check(struct ev_loop *loop, ev_check *w, int revents)
{
    struct nb_api *api = w->data;
    if (api->have_timeout)
        MHD_run(api->mhd);
}

struct nb_api *nb_api_start(struct ev_loop *loop, const char *addr, uint16_t port,
                            const struct nb_api_sec *sec, const struct nb_api_route *routes,
                            size_t nroutes, void *arg, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    if (nb_addr_parse(addr, port, &ss, &sslen) < 0) {
        snprintf(err, errlen, "control API: '%s' is not a numeric address", addr);
        return NULL;
    }
    if (sec->tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        snprintf(err, errlen,
                 "control API: api.tls is set but this libmicrohttpd was built without TLS "
                 "(Debian's libmicrohttpd12 has it, with GnuTLS)");
        return NULL;
    }
    struct nb_api *api = nb_calloc(1, sizeof(*api));
    api->loop = loop;
    api->routes = routes;
    api->nroutes = nroutes;
    api->arg = arg;
    nb_api_sec_copy_client(&api->sec, sec);
    if (sec->tls) { /* MHD reads them at its start; kept until it stops all the same */
        api->sec.cert_pem = nb_strdup(sec->cert_pem);
        api->sec.key_pem = nb_strdup(sec->key_pem);
    }
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (sec->tls)
        flags |= MHD_USE_TLS;
    /* TLS 1.2 and 1.3 only: every client the API has (curl, libcurl, Go's
     * Prometheus and Alertmanager) speaks them */
    struct MHD_OptionItem tls[] = {
        {sec->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, api->sec.cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, api->sec.key_pem},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"},
        {MHD_OPTION_END, 0, NULL},
    };
    api->mhd = MHD_start_daemon(flags, port, NULL, NULL, on_request, api,
                                MHD_OPTION_EXTERNAL_LOGGER, mhd_log, api, /* must be first */
                                MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                                MHD_OPTION_NOTIFY_COMPLETED, on_completed, api,
                                MHD_OPTION_CONNECTION_LIMIT, (unsigned)API_CONN_MAX,
                                MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)API_CONN_PER_IP,
                                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)API_IDLE_S,
                                MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                                MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (!api->mhd) {
        char a[NB_ADDRSTRLEN];
        snprintf(err, errlen, "control API: cannot listen on %s (in use, no such address%s)",
                 nb_addr_format((struct sockaddr *)&ss, a, sizeof(a)),
                 sec->tls ? ", or a certificate and key that do not load or match" : "");
        nb_api_sec_free(&api->sec);
        free(api);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(api->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    const union MHD_DaemonInfo *pinfo = MHD_get_daemon_info(api->mhd, MHD_DAEMON_INFO_BIND_PORT);
    api->port = pinfo ? pinfo->port : port;
    ev_io_init(&api->io, on_io, info->epoll_fd, EV_READ);
    api->io.data = api;
    ev_io_start(loop, &api->io);
    ev_init(&api->timer, on_timer);
    api->timer.data = api;
    ev_prepare_init(&api->prepare, on_prepare);
    api->prepare.data = api;
    ev_prepare_start(loop, &api->prepare);
    ev_check_init(&api->check, on_check);
    api->check.data = api;
    ev_check_start(loop, &api->check);
    return api;
}

void nb_api_stop(struct nb_api *api)
{
    if (!api)
        return;
    /* Requests still deferred are answered (MHD must not stop with a
     * connection suspended); their owners' tokens are gone after this. */
    while (api->deferred) {
        struct nb_api_resp resp = {.status = 503, .content_type = "application/json"};
        nb_buf_init(&resp.body);
        nb_api_error(&resp, 503, "netblamed is stopping");
        nb_api_finish(api->deferred, &resp);
    }
    MHD_run(api->mhd);
    ev_io_stop(api->loop, &api->io);
    ev_timer_stop(api->loop, &api->timer);
    ev_prepare_stop(api->loop, &api->prepare);
    ev_check_stop(api->loop, &api->check);
    MHD_stop_daemon(api->mhd);
    nb_api_sec_free(&api->sec);
    free(api);
}

void nb_api_set_tokens(struct nb_api *api, const struct nb_api_sec *sec)
{
    memcpy(api->sec.tokens, sec->tokens, sizeof(api->sec.tokens));
    api->sec.ntokens = sec->ntokens;
    api->sec.metrics_open = sec->metrics_open;
}

uint16_t nb_api_port(const struct nb_api *api)
{
    return api->port;
}

const struct nb_api_stats *nb_api_stats(struct nb_api *api)
{
    const union MHD_DaemonInfo *i =
        MHD_get_daemon_info(api->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    api->st.connections = i ? i->num_connections : 0;
    return &api->st;
}
