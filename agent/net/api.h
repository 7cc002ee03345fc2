/* api.h — the control API: an HTTP server (libmicrohttpd) driven by the
 * daemon's libev loop, with a route table. Handlers run on the loop thread and
 * fill a response; request bodies are collected up to a bound first.
 *
 * A handler whose answer takes time (a diagnosis, an alert's enrichment)
 * defers it: nb_api_defer() in the handler suspends the connection, and the
 * owner later answers with nb_api_finish(), from any callback on the loop.
 * Every deferred request must be finished, and within a bound of the
 * owner's: a suspended connection does not time out. nb_api_stop() answers
 * those still open with 503. */
#ifndef NB_API_H
#define NB_API_H

#include <ev.h>
#include <stddef.h>
#include <stdint.h>

#include "net/apiauth.h"
#include "netblame/buf.h"

#define NB_API_MAX_BODY (1u << 20) /* larger request bodies get 413 */

struct nb_api_req {
    const char *method;
    const char *path;
    const char *body; /* NUL-terminated; "" when none */
    size_t body_len;
    void *conn;       /* for nb_api_query */
    void *state;      /* for nb_api_defer */
};

struct nb_api_resp {
    unsigned status;          /* default 200 */
    const char *content_type; /* default "application/json" */
    struct nb_buf body;
    unsigned retry_after_s;   /* > 0: a Retry-After header (429, 503) */
};

/* Query-string parameter NAME of the request, or NULL. */
const char *nb_api_query(const struct nb_api_req *req, const char *name);
/* The same as an nb_query_get (wire/query.h): SRC is the struct nb_api_req. */
const char *nb_api_query_get(const void *src, const char *name);

typedef void (*nb_api_fn)(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp);

/* Who may call a route (api.c, THE RULE): with a token when the config
 * has any (the default, 0), anyone, or anyone when "metrics_open" says so. */
enum nb_api_access { NB_API_TOKEN = 0, NB_API_PUBLIC, NB_API_METRICS };

struct nb_api_route {
    const char *method;
    const char *path; /* exact match */
    nb_api_fn fn;
    enum nb_api_access access;
};

struct nb_api;

/* Listen on ADDR:PORT (numeric), with SEC's TLS and tokens (copied), and
 * serve ROUTES (NROUTES entries, not copied: they must outlive the server)
 * with ARG passed to every handler. Returns NULL with a message in ERR on
 * failure. */
struct nb_api *nb_api_start(struct ev_loop *loop, const char *addr, uint16_t port,
                            const struct nb_api_sec *sec, const struct nb_api_route *routes,
                            size_t nroutes, void *arg, char *err, size_t errlen);
/* Take SEC's tokens and metrics_open (a reload; TLS stays as started). */
void nb_api_set_tokens(struct nb_api *api, const struct nb_api_sec *sec);
void nb_api_stop(struct nb_api *api);
/* The bound port (useful when started on port 0). */
uint16_t nb_api_port(const struct nb_api *api);
/* Requests served, by status class, and the refusals, for /metrics. */
struct nb_api_stats {
    uint64_t requests, status_2xx, status_4xx, status_5xx;
    uint64_t auth_failures;    /* 401s: no token or a wrong one (also in status_4xx) */
    uint64_t conns_refused;    /* connections closed at once: over a limit */
    uint64_t log_suppressed;   /* libmicrohttpd's log lines not written (the rate limit) */
    unsigned connections;      /* open now (refreshed by nb_api_stats) */
};
const struct nb_api_stats *nb_api_stats(struct nb_api *api);

/* Defer the answer to REQ (call inside its handler, which then leaves
 * its RESP unused). Returns the token nb_api_finish() takes. */
struct nb_api_deferred;
struct nb_api_deferred *nb_api_defer(const struct nb_api_req *req);
/* Answer deferred request D with RESP (its body is taken; RESP can be
 * reused after nb_buf_init). D is gone after the call. */
void nb_api_finish(struct nb_api_deferred *d, struct nb_api_resp *resp);
/* Requests deferred and not yet finished. */
size_t nb_api_deferred_count(const struct nb_api *api);

/* Write {"error": MSG} with STATUS into RESP. */
void nb_api_error(struct nb_api_resp *resp, unsigned status, const char *msg);

#endif
