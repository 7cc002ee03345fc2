/* http.h — outgoing HTTP on the daemon's libev loop: libcurl's multi
 * interface driven by ev_io watchers (one per socket libcurl asks us to
 * watch) and one ev_timer (libcurl's own timeout), the shape c-ares has in
 * resolv.c. Many requests run at once without blocking the loop: sightings
 * fetched from peer agents, alerts forwarded to the on-call system.
 * Every request has a hard deadline and ends in exactly one callback.
 * A client for agents (nb_http_set_agent) opens at most NB_HTTP_PER_HOST
 * connections to one host at a time (more wait in libcurl's queue): well
 * under the control API's per-address limit (api.c). */
#ifndef NB_HTTP_H
#define NB_HTTP_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/apiauth.h"

#define NB_HTTP_PER_HOST 4

struct nb_http;
struct nb_http_req;

struct nb_http_opts {
    const char *method;          /* "GET" (default when NULL) or "POST" */
    const char *const *headers;  /* NULL-terminated "Name: value" lines, or NULL */
    const char *body;            /* POST body (copied), BODY_LEN bytes */
    size_t body_len;
    long timeout_ms;             /* whole request, > 0 */
    size_t max_body;             /* larger answers fail; 0: 4 MiB */
    bool small_mss;              /* announce a 536-byte MSS (see agentclient.c) */
    bool agent;                  /* to an agent's control API: its CA and token (set_agent) */
};

struct nb_http_result {
    long status;       /* HTTP status, 0 if none came */
    const char *body;  /* NUL-terminated, valid during the callback only */
    size_t body_len;
    const char *error; /* NULL when an HTTP answer came (any status), else why not */
    double seconds;    /* the request's duration */
    long retry_after;  /* the answer's Retry-After in seconds (a delay or an HTTP
                        * date, as libcurl reads it; one it cannot read is 0), -1
                        * when absent; a caller that waits on it bounds it itself */
};

typedef void (*nb_http_cb)(void *arg, const struct nb_http_result *r);

/* A client on LOOP. Returns NULL with ERR set if libcurl cannot start. */
struct nb_http *nb_http_new(struct ev_loop *loop, char *err, size_t errlen);
/* What H's requests to agents (opts.agent) present: SEC's CA file (none:
 * the system's) and first token, over https when SEC has TLS (copied; a
 * reload calls it again). Other requests (alert sinks) get neither. */
void nb_http_set_agent(struct nb_http *h, const struct nb_api_sec *sec);
/* "https" or "http": the scheme of H's URLs to agents. */
const char *nb_http_agent_scheme(const struct nb_http *h);
/* Abort every request in flight (their callbacks are NOT called) and free H. */
void nb_http_free(struct nb_http *h);

/* Start a request for URL; CB is called once, from the loop, when it ends
 * (answered, failed or timed out). Returns a handle for nb_http_cancel, or
 * NULL if it could not even start (CB is then not called; ERR says why). */
struct nb_http_req *nb_http_start(struct nb_http *h, const char *url,
                                  const struct nb_http_opts *o, nb_http_cb cb, void *arg,
                                  char *err, size_t errlen);
/* Abort R (its callback is not called). R must be in flight. */
void nb_http_cancel(struct nb_http *h, struct nb_http_req *r);

struct nb_http_stats {
    uint64_t started, answered, failed;
    unsigned in_flight;
};
const struct nb_http_stats *nb_http_stats(const struct nb_http *h);

#endif
