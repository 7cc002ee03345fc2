/* standin_receiver.h — a stand-in for PagerDuty's Events API (and any
 * webhook) in unit tests: libmicrohttpd on 127.0.0.1, port 0, in its own
 * thread, that records every request (path, Content-Type, body, when) and
 * answers what the test says: a status per request from DECIDE if set,
 * else the next of SCRIPT, else DFLT; with a Retry-After header when
 * RETRY_AFTER is set (>= 0). The real endpoint cannot be reached from here.
 * Everything the thread touches is under MU. */
#ifndef NB_TEST_STANDIN_RECEIVER_H
#define NB_TEST_STANDIN_RECEIVER_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RCV_MAX 128

struct rcv_req {
    char path[64];
    char content_type[64];
    char *body;
    double t; /* CLOCK_MONOTONIC seconds */
    unsigned status;
};

struct receiver {
    struct MHD_Daemon *d;
    unsigned short port;
    pthread_mutex_t mu;
    struct rcv_req reqs[RCV_MAX];
    unsigned n;
    unsigned script[32];
    unsigned nscript, next;
    unsigned dflt;
    long retry_after; /* -1: no header */
    /* if set: the status for a request (called under MU) */
    unsigned (*decide)(struct receiver *r, const char *body);
    void *arg;
};

struct rcv_conn {
    char *body;
    size_t len;
};

static double rcv_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum MHD_Result rcv_handler(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_size, void **con_cls)
{
    struct receiver *r = cls;
    struct rcv_conn *cc = *con_cls;
    if (!cc) {
        *con_cls = calloc(1, sizeof(*cc));
        return MHD_YES;
    }
    if (*upload_size) {
        cc->body = realloc(cc->body, cc->len + *upload_size + 1);
        memcpy(cc->body + cc->len, upload_data, *upload_size);
        cc->len += *upload_size;
        cc->body[cc->len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    pthread_mutex_lock(&r->mu);
    const char *body = cc->body ? cc->body : "";
    unsigned status = r->decide              ? r->decide(r, body)
                      : r->next < r->nscript ? r->script[r->next++]
                                             : r->dflt;
    if (r->n < RCV_MAX) {
        struct rcv_req *q = &r->reqs[r->n++];
        snprintf(q->path, sizeof(q->path), "%s", url);
        snprintf(q->content_type, sizeof(q->content_type), "%s", ct ? ct : "");
        q->body = strdup(body);
        q->t = rcv_now();
        q->status = status;
    }
    long ra = r->retry_after;
    pthread_mutex_unlock(&r->mu);
    static const char answer[] = "{\"status\":\"stand-in\",\"message\":\"recorded\"}";
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(sizeof(answer) - 1, (void *)answer, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    char v[32];
    if (ra >= 0) {
        snprintf(v, sizeof(v), "%ld", ra);
        MHD_add_response_header(resp, "Retry-After", v);
    }
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void rcv_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                          enum MHD_RequestTerminationCode toe)
{
    struct rcv_conn *cc = *con_cls;
    if (cc) {
        free(cc->body);
        free(cc);
        *con_cls = NULL;
    }
}

/* Start R (zeroed by the caller, then DFLT/SCRIPT/DECIDE set as wanted). */
static int rcv_start(struct receiver *r)
{
    pthread_mutex_init(&r->mu, NULL);
    if (!r->dflt)
        r->dflt = 202;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    r->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                            rcv_handler, r, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a,
                            MHD_OPTION_NOTIFY_COMPLETED, rcv_completed, r, MHD_OPTION_END);
    if (!r->d)
        return -1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT);
    r->port = info ? info->port : 0;
    return r->port ? 0 : -1;
}

static void rcv_stop(struct receiver *r)
{
    if (r->d)
        MHD_stop_daemon(r->d);
    for (unsigned i = 0; i < r->n; i++)
        free(r->reqs[i].body);
    pthread_mutex_destroy(&r->mu);
}

/* Requests recorded so far (read under MU). */
static unsigned rcv_count(struct receiver *r)
{
    pthread_mutex_lock(&r->mu);
    unsigned n = r->n;
    pthread_mutex_unlock(&r->mu);
    return n;
}

#endif
