/* config_app.c — "app" and "app_source_ports" of netblamed's configuration
 * (see the schema in config.c): the backends probed continuously, and the
 * reserved ports their probes connect from. */
#include "wire/config_section.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "netblame/mem.h"

/* A URL's host as the probe will use it: a DNS name or a numeric IPv4. */
static bool valid_app_host(const char *h)
{
    return *h && strspn(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_") ==
                     strlen(h);
}

static int parse_app(struct nb_jr *x, const cJSON *o, const char *path, struct nb_app_cfg *a)
{
    static const char *const keys[] = {"name",       "url",           "interval_ms",
                                       "timeout_ms", "expect_status", "expect_body",
                                       "send",       "expect",        NULL};
    struct nb_app_target *t = &a->target;
    const char *url;
    char why[256], q[NB_JR_QUOTE_MAX];
    int64_t interval = 1000, timeout = 5000, status = 200;

    if (nb_jr_members(x, o, path, keys, NULL) < 0 ||
        nb_cfg_name(x, o, path, "name", NB_JR_REQUIRED, a->name) < 0 ||
        nb_jr_str(x, o, path, "url", NB_JR_REQUIRED, sizeof(a->url) - 1, &url) < 0)
        return -1;
    nb_jr_quote(q, sizeof(q), url);
    for (const char *u = url; *u; u++)
        if ((unsigned char)*u <= ' ' || (unsigned char)*u >= 0x7f)
            return nb_jr_fail(x, path, "url", "must be printable ASCII without blanks (got %s)", q);
    if (nb_app_parse_url(url, t, why, sizeof(why)) < 0)
        return nb_jr_fail(x, path, "url", "%s", why);
    if (!valid_app_host(t->host))
        return nb_jr_fail(x, path, "url",
                          "the host must be a DNS name or a numeric IPv4 address (got %s)", q);
    snprintf(a->url, sizeof(a->url), "%s", url);
    if (nb_jr_int(x, o, path, "interval_ms", 0, 100, 600000, &interval) < 0 ||
        nb_jr_int(x, o, path, "timeout_ms", 0, 10, 60000, &timeout) < 0)
        return -1;
    a->interval_ms = (unsigned)interval;
    t->timeout_ms = (unsigned)timeout;

    static const char *const http_only[] = {"expect_status", "expect_body", NULL};
    static const char *const tcp_only[] = {"send", "expect", NULL};
    const char *const *other = t->raw ? http_only : tcp_only;
    const cJSON *v;
    for (size_t i = 0; other[i]; i++)
        if (nb_jr_value(x, o, path, other[i], 0, &v) > 0)
            return nb_jr_fail(x, path, other[i], "only for %s targets",
                              t->raw ? "http://" : "tcp://");
    if (t->raw) {
        if (nb_jr_text(x, o, path, "send", NB_JR_REQUIRED, t->raw_send, sizeof(t->raw_send)) < 0 ||
            nb_jr_text(x, o, path, "expect", NB_JR_REQUIRED, t->raw_expect, sizeof(t->raw_expect)) <
                0)
            return -1;
        return 0;
    }
    if (nb_jr_int(x, o, path, "expect_status", 0, 100, 599, &status) < 0 ||
        nb_jr_text(x, o, path, "expect_body", 0, t->expect_body, sizeof(t->expect_body)) < 0)
        return -1;
    t->expect_status = (int)status;
    return 0;
}

int nb_cfg_apps(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    const cJSON *arr;
    char path[32];
    size_t n, i = 0;
    int rc = nb_jr_arr(x, root, "", "app", 0, &arr);

    if (rc <= 0)
        return rc;
    n = (size_t)cJSON_GetArraySize(arr);
    if (n > NB_MAX_APPS)
        return nb_jr_fail(x, NULL, "app", "at most %d targets (got %zu)", NB_MAX_APPS, n);
    if (n == 0)
        return 0;
    c->apps = nb_calloc(n, sizeof(*c->apps));
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        struct nb_app_cfg *a = &c->apps[i];
        nb_jr_index(path, sizeof(path), "app", i);
        if (parse_app(x, it, path, a) < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->apps[j].name, a->name) == 0)
                return nb_jr_fail(x, path, "name", "duplicate app name \"%s\" (also app[%zu])",
                                  a->name, j);
        c->napps = i + 1;
    }
    return 0;
}

int nb_cfg_app_ports(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {"first", "last", NULL};
    static const char *const p = "app_source_ports";
    const cJSON *o;
    int64_t first = NB_APP_PORT_FIRST_DEFAULT, last;
    int rc = nb_jr_obj(x, root, "", p, 0, keys, &o);

    if (rc <= 0)
        return rc;
    if (nb_jr_int(x, o, p, "first", 0, 1024, 65535, &first) < 0)
        return -1;
    /* one bound given: the other defaults without crossing it */
    last = first > NB_APP_PORT_LAST_DEFAULT ? first : NB_APP_PORT_LAST_DEFAULT;
    if (nb_jr_int(x, o, p, "last", 0, first, 65535, &last) < 0)
        return -1;
    if (last - first + 1 > 4096)
        return nb_jr_fail(x, p, "last", "at most 4096 ports (first is %" PRId64 ")", first);
    c->app_port_first = (uint16_t)first;
    c->app_port_last = (uint16_t)last;
    return 0;
}
