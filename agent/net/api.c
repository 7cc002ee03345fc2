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
 * Resuming signals MHD's epoll fd, so the loop wakes on its own. */
#include "net/api.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/addr.h"
#include "netblame/log.h"
#include "netblame/mem.h"

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

/* MHD hands us its own printf format: the one non-literal format in netblame. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
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
                            const struct nb_api_route *routes, size_t nroutes, void *arg,
                            char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    if (nb_addr_parse(addr, port, &ss, &sslen) < 0) {
        snprintf(err, errlen, "control API: '%s' is not a numeric address", addr);
        return NULL;
    }
    struct nb_api *api = nb_calloc(1, sizeof(*api));
    api->loop = loop;
    api->routes = routes;
    api->nroutes = nroutes;
    api->arg = arg;
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    api->mhd = MHD_start_daemon(flags, port, NULL, NULL, on_request, api,
                                MHD_OPTION_EXTERNAL_LOGGER, mhd_log, api, /* must be first */
                                MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                                MHD_OPTION_NOTIFY_COMPLETED, on_completed, api,
                                MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
                                MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)32,
                                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
                                MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                                MHD_OPTION_END);
    if (!api->mhd) {
        char a[NB_ADDRSTRLEN];
        snprintf(err, errlen, "control API: cannot listen on %s (in use, or no such address)",
                 nb_addr_format((struct sockaddr *)&ss, a, sizeof(a)));
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
    free(api);
}

uint16_t nb_api_port(const struct nb_api *api)
{
    return api->port;
}

const struct nb_api_stats *nb_api_stats(const struct nb_api *api)
{
    return &api->st;
}
