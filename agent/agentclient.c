/* agentclient.c — GET /v1/sightings and /v1/links from another agent with
 * libcurl (easy interface: one-shot callers only). */
#include "agentclient.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "links_json.h"
#include "netblame/mem.h"
#include "sightings_json.h"

#define BODY_MAX (4u << 20) /* a page of NB_SIGHTINGS_PAGE_MAX is well under this */

struct sink {
    struct nb_buf *b;
    int overflow;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct sink *k = arg;
    size_t n = size * nmemb;
    if (k->b->len + n > BODY_MAX) {
        k->overflow = 1;
        return 0; /* aborts the transfer */
    }
    nb_buf_append(k->b, ptr, n);
    return n;
}

/* "host:port" for a URL, brackets around IPv6. */
static void url_host(const char *addr, uint16_t port, char *out, size_t cap)
{
    snprintf(out, cap, strchr(addr, ':') ? "[%s]:%u" : "%s:%u", addr, port);
}

/* GET URL into BODY (NUL-terminated). Returns 0, or -1 with ERR naming HOST. */
/* Agents are asked about the very path that may be broken. A path that
 * silently drops big packets (an MTU black hole) would swallow every
 * full-size segment of a sightings answer; announcing a small MSS in our SYN
 * keeps the agent's answer in segments that pass. Costs a few more packets. */
#define AGENT_MSS 536

static int small_mss(void *arg, curl_socket_t fd, curlsocktype purpose)
{
    int mss = AGENT_MSS;
    if (purpose == CURLSOCKTYPE_IPCXN)
        (void)setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss)); /* best effort */
    return CURL_SOCKOPT_OK;
}

static int http_get(CURL *h, const char *host, const char *url, long timeout_ms,
                    struct nb_buf *body, char *err, size_t errlen)
{
    struct sink k = {.b = body};
    body->len = 0;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &k);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, small_mss);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK || status != 200) {
        snprintf(err, errlen, "host agent %s: %s", host,
                 k.overflow       ? "answer too large"
                 : rc != CURLE_OK ? curl_easy_strerror(rc)
                                  : "HTTP status not 200");
        return -1;
    }
    nb_buf_append(body, "", 0);
    return 0;
}

static CURL *client(char *err, size_t errlen, const char *host)
{
    static int curl_ready;
    if (!curl_ready) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl_ready = 1;
    }
    CURL *h = curl_easy_init();
    if (!h)
        snprintf(err, errlen, "host agent %s: cannot initialise libcurl", host);
    return h;
}

int nb_agent_fetch_sightings(const char *addr, uint16_t port, uint32_t session, uint64_t since,
                             size_t max, long timeout_ms, struct nb_fetch *out, char *err,
                             size_t errlen)
{
    char host[80];
    url_host(addr, port, host, sizeof(host));
    memset(out, 0, sizeof(*out));
    CURL *h = client(err, errlen, host);
    if (!h)
        return -1;
    struct nb_sighting *page = nb_calloc(NB_SIGHTINGS_PAGE_MAX, sizeof(*page));
    struct nb_buf body;
    nb_buf_init(&body);
    int ret = -1;
    for (;;) {
        char url[256];
        snprintf(url, sizeof(url), "http://%s/v1/sightings?session=%08x&since=%llu&limit=%d", host,
                 session, (unsigned long long)since, NB_SIGHTINGS_PAGE_MAX);
        if (http_get(h, host, url, timeout_ms, &body, err, errlen) < 0)
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
    curl_easy_cleanup(h);
    return ret;
}

int nb_agent_fetch_links(const char *addr, uint16_t port, long timeout_ms,
                         struct nb_link_report *out, size_t cap, char *err, size_t errlen)
{
    char host[80], url[128];
    url_host(addr, port, host, sizeof(host));
    CURL *h = client(err, errlen, host);
    if (!h)
        return -1;
    struct nb_buf body;
    nb_buf_init(&body);
    snprintf(url, sizeof(url), "http://%s/v1/links", host);
    int n = -1;
    char perr[160];
    if (http_get(h, host, url, timeout_ms, &body, err, errlen) == 0) {
        n = nb_links_json_parse(body.data, body.len, out, cap, perr, sizeof(perr));
        if (n < 0)
            snprintf(err, errlen, "host agent %s: %s", host, perr);
    }
    nb_buf_free(&body);
    curl_easy_cleanup(h);
    return n;
}
