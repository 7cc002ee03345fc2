/* http.c — libcurl multi on libev (see http.h).
 *
 * libcurl's "multi_socket" API: CURLMOPT_SOCKETFUNCTION tells us which socket
 * to watch for what (an ev_io each, kept with curl_multi_assign), and
 * CURLMOPT_TIMERFUNCTION when it next wants to be called (one ev_timer);
 * both events go back to curl_multi_socket_action(), after which finished
 * transfers are collected from curl_multi_info_read() and reported. */
#include "net/http.h"

#include <curl/curl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "netblame/buf.h"
#include "netblame/log.h"
#include "netblame/mem.h"
#include "netblame/version.h"

#define DEFAULT_MAX_BODY (4u << 20)
#define SMALL_MSS 536

struct nb_http_req {
    struct nb_http *h;
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    struct nb_buf resp;
    size_t max_body;
    bool too_big;
    bool saw_retry_after;
    nb_http_cb cb;
    void *arg;
    char errbuf[CURL_ERROR_SIZE];
    struct nb_http_req *prev, *next; /* in flight */
};

struct sock {
    struct nb_http *h;
    ev_io io;
};

struct nb_http {
    struct ev_loop *loop;
    CURLM *multi;
    struct nb_api_sec agent; /* CA and token for agents (no PEMs) */
    ev_timer timer;
    struct nb_http_req *reqs;
    struct nb_http_stats st;
};

static void check_done(struct nb_http *h);

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
    struct sock *s = w->data;
    struct nb_http *h = s->h; /* libcurl may drop the socket (and S) inside the call */
    int flags = (revents & EV_READ ? CURL_CSELECT_IN : 0) | (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);
    int running;
    curl_multi_socket_action(h->multi, w->fd, flags, &running);
    check_done(h);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct nb_http *h = w->data;
    int running;
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(h);
}

static int sock_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *sockp)
{
    struct nb_http *h = userp;
    struct sock *s = sockp;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            ev_io_stop(h->loop, &s->io);
            curl_multi_assign(h->multi, fd, NULL);
            free(s);
        }
        return 0;
    }
    int ev = (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);
    if (!s) {
        s = nb_calloc(1, sizeof(*s));
        s->h = h;
        ev_io_init(&s->io, on_io, fd, ev);
        s->io.data = s;
        curl_multi_assign(h->multi, fd, s);
    } else {
        ev_io_stop(h->loop, &s->io);
        ev_io_set(&s->io, fd, ev);
    }
    ev_io_start(h->loop, &s->io);
    return 0;
}

static int timer_cb(CURLM *m, long timeout_ms, void *userp)
{
    struct nb_http *h = userp;
    ev_timer_stop(h->loop, &h->timer);
    if (timeout_ms >= 0) {
        /* 0: as soon as possible, but from the loop, never from inside libcurl */
        ev_timer_set(&h->timer, (double)timeout_ms / 1000.0, 0.);
        ev_timer_start(h->loop, &h->timer);
    }
    return 0;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct nb_http_req *r = arg;
    size_t n = size * nmemb;
    if (r->resp.len + n > r->max_body) {
        r->too_big = true;
        return 0; /* aborts the transfer */
    }
    nb_buf_append(&r->resp, ptr, n);
    return n;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *arg)
{
    struct nb_http_req *r = arg;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n >= sizeof(name) - 1 && strncasecmp(line, name, sizeof(name) - 1) == 0)
        r->saw_retry_after = true;
    return n;
}

static void unlink_req(struct nb_http *h, struct nb_http_req *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        h->reqs = r->next;
    if (r->next)
        r->next->prev = r->prev;
    h->st.in_flight--;
}

static void req_free(struct nb_http *h, struct nb_http_req *r)
{
    curl_multi_remove_handle(h->multi, r->easy);
    curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    free(r->body);
    nb_buf_free(&r->resp);
    free(r);
}

/* libcurl reads Retry-After (seconds, or an HTTP date turned into seconds
 * from now) but answers 0 both for "0" and for no header: the header
 * callback says which. */
static long retry_after(struct nb_http_req *r)
{
    curl_off_t s = 0;
    if (!r->saw_retry_after || curl_easy_getinfo(r->easy, CURLINFO_RETRY_AFTER, &s) != CURLE_OK ||
        s < 0)
        return -1;
    return s > LONG_MAX ? LONG_MAX : (long)s;
}

/* Report and free every finished transfer. A callback may start new
 * requests (they join the list) or cancel others still in flight. */
static void check_done(struct nb_http *h)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(h->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct nb_http_req *r = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        struct nb_http_result res = {.retry_after = -1};
        double secs = 0;
        curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME, &secs);
        res.seconds = secs;
        if (m->data.result == CURLE_OK) {
            curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &res.status);
            res.retry_after = retry_after(r);
            h->st.answered++;
        } else {
            res.error = r->too_big          ? "answer larger than allowed"
                        : r->errbuf[0] ? r->errbuf
                                       : curl_easy_strerror(m->data.result);
            h->st.failed++;
        }
        nb_buf_append(&r->resp, "", 1); /* NUL, not counted */
        res.body = r->resp.data;
        res.body_len = r->resp.len - 1;
        unlink_req(h, r);
        r->cb(r->arg, &res);
        req_free(h, r);
    }
}

struct nb_http *nb_http_new(struct ev_loop *loop, char *err, size_t errlen)
{
    static int curl_ready;
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            snprintf(err, errlen, "libcurl: global initialisation failed");
            return NULL;
        }
        curl_ready = 1;
    }
    struct nb_http *h = nb_calloc(1, sizeof(*h));
    h->loop = loop;
    h->multi = curl_multi_init();
    if (!h->multi) {
        snprintf(err, errlen, "libcurl: cannot create a multi handle");
        free(h);
        return NULL;
    }
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    ev_init(&h->timer, on_timer);
    h->timer.data = h;
    return h;
}

void nb_http_free(struct nb_http *h)
{
    if (!h)
        return;
    while (h->reqs) {
        struct nb_http_req *r = h->reqs;
        unlink_req(h, r);
        req_free(h, r); /* removing the handle makes libcurl drop its sockets (sock_cb) */
    }
    ev_timer_stop(h->loop, &h->timer);
    curl_multi_cleanup(h->multi);
    nb_api_sec_free(&h->agent);
    free(h);
}

void nb_http_set_agent(struct nb_http *h, const struct nb_api_sec *sec)
{
    nb_api_sec_free(&h->agent);
    nb_api_sec_copy_client(&h->agent, sec);
    curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)NB_HTTP_PER_HOST);
}

const char *nb_http_agent_scheme(const struct nb_http *h)
{
    return nb_api_scheme(&h->agent);
}

static int small_mss(void *arg, curl_socket_t fd, curlsocktype purpose)
{
    int mss = SMALL_MSS;
    if (purpose == CURLSOCKTYPE_IPCXN)
        (void)setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss)); /* best effort */
    return CURL_SOCKOPT_OK;
}

struct nb_http_req *nb_http_start(struct nb_http *h, const char *url,
                                  const struct nb_http_opts *o, nb_http_cb cb, void *arg,
                                  char *err, size_t errlen)
{
    struct nb_http_req *r = nb_calloc(1, sizeof(*r));
    r->h = h;
    r->cb = cb;
    r->arg = arg;
    r->max_body = o->max_body ? o->max_body : DEFAULT_MAX_BODY;
    nb_buf_init(&r->resp);
    r->easy = curl_easy_init();
    if (!r->easy) {
        snprintf(err, errlen, "libcurl: cannot create a request");
        nb_buf_free(&r->resp);
        free(r);
        return NULL;
    }
    CURL *e = r->easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : 5000L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "netblame/" NB_VERSION);
    if (o->small_mss)
        curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, small_mss);
    if (o->agent && h->agent.ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, h->agent.ca_file);
    if (o->agent && h->agent.ntokens) { /* libcurl copies it; sent only over this request */
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
        curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, h->agent.tokens[0]);
    }
    for (const char *const *hd = o->headers; hd && *hd; hd++)
        r->headers = curl_slist_append(r->headers, *hd);
    if (r->headers)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    if (o->method && strcmp(o->method, "POST") == 0) {
        r->body = nb_malloc(o->body_len + 1);
        if (o->body_len)
            memcpy(r->body, o->body, o->body_len);
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)o->body_len);
    }
    r->next = h->reqs;
    if (h->reqs)
        h->reqs->prev = r;
    h->reqs = r;
    h->st.in_flight++;
    h->st.started++;
    CURLMcode mc = curl_multi_add_handle(h->multi, e);
    if (mc != CURLM_OK) {
        snprintf(err, errlen, "libcurl: %s", curl_multi_strerror(mc));
        unlink_req(h, r);
        h->st.started--;
        curl_easy_cleanup(e);
        curl_slist_free_all(r->headers);
        free(r->body);
        nb_buf_free(&r->resp);
        free(r);
        return NULL;
    }
    return r;
}

void nb_http_cancel(struct nb_http *h, struct nb_http_req *r)
{
    unlink_req(h, r);
    req_free(h, r);
}

const struct nb_http_stats *nb_http_stats(const struct nb_http *h)
{
    return &h->st;
}
