/* agentclient.c — GET /v1/sightings from another agent with libcurl. */
#include "agentclient.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "netblame/mem.h"
#include "sightings_json.h"

#define BODY_MAX (4u << 20) /* a page of NB_SIGHTINGS_PAGE_MAX is well under this */

struct sink {
    struct nb_buf b;
    int overflow;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct sink *k = arg;
    size_t n = size * nmemb;
    if (k->b.len + n > BODY_MAX) {
        k->overflow = 1;
        return 0; /* aborts the transfer */
    }
    nb_buf_append(&k->b, ptr, n);
    return n;
}

int nb_agent_fetch_sightings(const char *addr, uint16_t port, uint32_t session, size_t max,
                             long timeout_ms, struct nb_fetch *out, char *err, size_t errlen)
{
    static int curl_ready;
    if (!curl_ready) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl_ready = 1;
    }
    memset(out, 0, sizeof(*out));
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(err, errlen, "host agent %s:%u: cannot initialise libcurl", addr, port);
        return -1;
    }
    char host[80];
    snprintf(host, sizeof(host), strchr(addr, ':') ? "[%s]:%u" : "%s:%u", addr, port);
    struct nb_sighting *page = nb_calloc(NB_SIGHTINGS_PAGE_MAX, sizeof(*page));
    uint64_t since = 0;
    int ret = -1;
    for (;;) {
        char url[256];
        snprintf(url, sizeof(url), "http://%s/v1/sightings?session=%08x&since=%llu&limit=%d", host,
                 session, (unsigned long long)since, NB_SIGHTINGS_PAGE_MAX);
        struct sink k = {0};
        nb_buf_init(&k.b);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &k);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
        CURLcode rc = curl_easy_perform(h);
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK || status != 200) {
            snprintf(err, errlen, "host agent %s: %s", host,
                     k.overflow      ? "answer too large"
                     : rc != CURLE_OK ? curl_easy_strerror(rc)
                                      : "HTTP status not 200");
            nb_buf_free(&k.b);
            goto done;
        }
        struct nb_sightings_page pg;
        char perr[160];
        int bad = nb_sightings_json_parse(k.b.data ? k.b.data : "", k.b.len, page,
                                          NB_SIGHTINGS_PAGE_MAX, &pg, perr, sizeof(perr));
        nb_buf_free(&k.b);
        if (bad < 0) {
            snprintf(err, errlen, "host agent %s: %s", host, perr);
            goto done;
        }
        out->missed += pg.missed;
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
    free(page);
    curl_easy_cleanup(h);
    return ret;
}
