/* recorder.c — nb-recorder: the stand-in for an on-call system's HTTP
 * endpoint (PagerDuty's Events API, a webhook) in script tests, the one
 * part of the alert path that cannot run here. It answers every POST with
 * STATUS (default 202, PagerDuty's "accepted") and appends one JSON line
 * per request to OUT: {"path": ..., "body": <the body, parsed if JSON, else
 * a string>, "t_ns": <CLOCK_REALTIME when the whole request had been read,
 * ns since the epoch, a decimal string>}, flushed before the answer, so a
 * test that sees the line knows the sender got its 2xx after (and a
 * benchmark can time a delivery: tests/bench/alert_latency.sh).
 *
 * usage: nb-recorder --listen ADDR --port PORT --out FILE [--status CODE] */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BODY_MAX (8u << 20)

static FILE *out;
static unsigned status = 202;

struct req {
    char *body;
    size_t len;
    int too_big;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **state)
{
    struct req *r = *state;
    if (!r) {
        *state = r = calloc(1, sizeof(*r));
        return r ? MHD_YES : MHD_NO;
    }
    if (*size) {
        if (r->len + *size > BODY_MAX) {
            r->too_big = 1;
        } else {
            char *b = realloc(r->body, r->len + *size + 1);
            if (!b)
                return MHD_NO;
            memcpy(b + r->len, data, *size);
            r->body = b;
            r->len += *size;
            r->body[r->len] = '\0';
        }
        *size = 0;
        return MHD_YES;
    }
    unsigned code = status;
    if (strcmp(method, "POST") != 0)
        code = 405;
    else if (r->too_big)
        code = 413;
    else {
        struct timespec ts;
        char t_ns[24];
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(t_ns, sizeof(t_ns), "%lld", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
        cJSON *o = cJSON_CreateObject();
        cJSON *body = cJSON_ParseWithLength(r->body ? r->body : "", r->len);
        cJSON_AddStringToObject(o, "path", url);
        if (body)
            cJSON_AddItemToObject(o, "body", body);
        else
            cJSON_AddStringToObject(o, "body", r->body ? r->body : "");
        cJSON_AddStringToObject(o, "t_ns", t_ns);
        char *line = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (!line)
            return MHD_NO;
        fprintf(out, "%s\n", line);
        fflush(out);
        free(line);
    }
    static const char ok[] = "{\"status\":\"success\",\"message\":\"Event processed\"}\n";
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(ok), (void *)ok, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, code, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **state,
                    enum MHD_RequestTerminationCode toe)
{
    struct req *r = *state;
    if (r) {
        free(r->body);
        free(r);
        *state = NULL;
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"listen", required_argument, 0, 'l'},
                                         {"port", required_argument, 0, 'p'},
                                         {"out", required_argument, 0, 'o'},
                                         {"status", required_argument, 0, 's'},
                                         {0, 0, 0, 0}};
    const char *listen = "127.0.0.1", *path = NULL;
    unsigned port = 0;
    int c;
    while ((c = getopt_long(argc, argv, "l:p:o:s:", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            listen = optarg;
            break;
        case 'p':
            port = (unsigned)atoi(optarg);
            break;
        case 'o':
            path = optarg;
            break;
        case 's':
            status = (unsigned)atoi(optarg);
            break;
        default:
            goto usage;
        }
    }
    if (!path || !port || port > 65535 || status < 100 || status > 599)
        goto usage;
    out = fopen(path, "a");
    if (!out) {
        perror(path);
        return 1;
    }
    /* SIGTERM and SIGINT blocked before MHD's thread starts (it inherits the
     * mask), so that only sigwait below takes them: a clean stop */
    sigset_t set;
    int sig;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, listen, &sa.sin_addr) != 1)
        goto usage;
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL,
        on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "nb-recorder: cannot listen on %s:%u\n", listen, port);
        return 1;
    }
    fprintf(stderr, "nb-recorder: listening on %s:%u, answering %u\n", listen, port, status);
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    fclose(out);
    return 0;
usage:
    fprintf(stderr, "usage: nb-recorder --listen ADDR --port PORT --out FILE [--status CODE]\n");
    return 2;
}
