/* config.c — netblamed's JSON configuration: read the file (at most 1 MiB),
 * parse it with cJSON, validate every key and convert to struct nb_config at
 * once; cJSON never leaves this file.
 *
 * Strict by design: an unknown or repeated key, a wrong JSON type, a value out
 * of range, trailing data after the document — each is an error naming the
 * file and the key path ("peers[1].interval_ms"), never a silent default.
 * Errors are written to the caller's buffer as one line, not logged: the caller
 * decides whether a bad file is fatal (start-up) or survivable (SIGHUP).
 * The typed reading and the wording of refusals are wire/jsonread.h's, shared
 * with every other parser of outside data; the parse's struct nb_jr names the
 * file, whose directory also anchors key_file.
 *
 * Schema (every key optional unless marked required):
 *   role       "host" | "guest"                      required
 *   node       name, default gethostname()
 *   log_level  "err" | "warn" | "info" | "debug"      default "info"
 *   reflector  { enabled: bool = true, address: IP = "0.0.0.0", port: 1..65535 = 862,
 *                hold_us: 0..10000000 = 0 (lab knob: hold each reply, a slow reflector) }
 *   api        { address: IP = "127.0.0.1", port: 1..65535 = 9862 }
 *   stamp      { auth: "none" | "hmac" = "none", key_hex: hex (1..64 bytes),
 *                key_file: path to raw key bytes (1..64), relative to the
 *                config file's directory, ssid: 0..65535 = 0, jitter_pct: 0..50 = 10 }
 *   peers      [ { name (required, unique), family: "vnet" | "fabric" | "path"
 *                  (required), address: IP (required), port = 862,
 *                  interval_ms: 10..60000 = 1000, timeout_ms: 10..60000 = 2000,
 *                  full_size_every: 0..1000 = 10 (every Nth probe padded to the
 *                  route's MTU with DF, so an MTU black hole is loss; 0: none) } ]
 *   host_agent { address: IP (required), port = 9862 }    guest role: its host agent
 *   capture    { uplink: interface name (required), buffer_kib: 256..1048576 = 4096,
 *                sightings: 1024..4194304 = 65536 }        host role: probe captures
 *   app_source_ports { first: 1024..65535 = 61000, last: first..65535 = 61255 } the
 *                reserved ports app probes connect from (guest) and whose
 *                handshakes are sighted (host); at most 4096 ports
 *   classifier { the thresholds of struct nb_cls_thresholds, each key named after
 *                its field, defaults nb_cls_thresholds_default() (classifier/verdict.c):
 *                min_samples, min_app_probes, min_events: 1..100000;
 *                min_base_windows: 1..64 (NB_BASE_RING); z: (0, 10]; k_mad: [0, 1000];
 *                floor_us, excess_us: { app, virtual, physical } and rtt_floor_us,
 *                rtt_excess_us, server_floor_us, server_excess_us, resolve_floor_us,
 *                resolve_excess_us, tail_floor_us, tail_excess_us, spread_floor_us: µs in
 *                (0, 60e6]; loss_floor: (0, 1); link_only_cap, attribute_min: (0, 1];
 *                cpu_wait_share, cpu_pressure_share, cpu_steal_share: (0, 1] }
 *   app        [ { name (required, unique), url: "http://host[:port]/path" |
 *                  "tcp://host:port" (required; host a DNS name or numeric IPv4),
 *                  interval_ms: 100..600000 = 1000, timeout_ms: 10..60000 = 5000,
 *                  http only: expect_status: 100..599 = 200, expect_body: "" (substring),
 *                  tcp only (both required): send, expect (reply prefix) } ]
 *                timeout_ms may exceed interval_ms: a probe still running when
 *                the next is due makes that one skipped (counted), never doubled.
 * Names (node, peer and app names) are 1..63 characters of [A-Za-z0-9_.:-]. */
#include "wire/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "netblame/mem.h"
#include "wire/jsonread.h"

#define CONFIG_MAX_BYTES (1024 * 1024)
#define DEFAULT_API_PORT 9862

static const char *const family_names[NB_FAMILY__COUNT + 1] = {"vnet", "fabric", "path", NULL};

const char *nb_family_name(enum nb_family f)
{
    if ((unsigned)f >= NB_FAMILY__COUNT)
        return "unknown";
    return family_names[f];
}

int nb_family_parse(const char *name, enum nb_family *f)
{
    if (!name)
        return -1;
    for (unsigned i = 0; i < NB_FAMILY__COUNT; i++) {
        if (strcmp(name, family_names[i]) == 0) {
            *f = (enum nb_family)i;
            return 0;
        }
    }
    return -1;
}

/* 1..NB_NAME_MAX-1 characters of [A-Za-z0-9_.:-]. */
static bool valid_name(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= NB_NAME_MAX)
        return false;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-") == n;
}

/* Name-valued member into OUT[NB_NAME_MAX]; absent leaves OUT alone. */
static int get_name(struct nb_jr *x, const cJSON *obj, const char *path, const char *key,
                    unsigned flags, char *out)
{
    const char *s;
    char q[NB_JR_QUOTE_MAX];

    if (nb_jr_str(x, obj, path, key, flags, SIZE_MAX, &s) < 0)
        return -1;
    if (!s)
        return 0;
    if (!valid_name(s)) {
        nb_jr_quote(q, sizeof(q), s);
        return nb_jr_fail(x, path, key, "must be 1..%d characters of [A-Za-z0-9_.:-] (got %s)",
                          NB_NAME_MAX - 1, q);
    }
    snprintf(out, NB_NAME_MAX, "%s", s);
    return 0;
}

/* Numeric IPv4 or IPv6 address member into OUT[NB_HOST_MAX]; absent leaves OUT alone. */
static int get_addr(struct nb_jr *x, const cJSON *obj, const char *path, const char *key,
                    unsigned flags, char *out)
{
    const char *s;
    char q[NB_JR_QUOTE_MAX];
    unsigned char tmp[sizeof(struct in6_addr)];

    if (nb_jr_str(x, obj, path, key, flags, SIZE_MAX, &s) < 0)
        return -1;
    if (!s)
        return 0;
    if (inet_pton(AF_INET, s, tmp) != 1 && inet_pton(AF_INET6, s, tmp) != 1) {
        nb_jr_quote(q, sizeof(q), s);
        return nb_jr_fail(x, path, key, "must be a numeric IPv4 or IPv6 address (got %s)", q);
    }
    snprintf(out, NB_HOST_MAX, "%s", s); /* valid addresses are < INET6_ADDRSTRLEN */
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode HEX into KEY; the message never repeats the secret. */
static int parse_key_hex(struct nb_jr *x, const char *hex, struct nb_stamp_key *key)
{
    size_t n = strlen(hex);

    if (n == 0 || n % 2 || n / 2 > NB_STAMP_KEY_MAX)
        return nb_jr_fail(x, "stamp", "key_hex",
                          "must be an even number of hex digits, 2..%d (1..%d bytes; got %zu)",
                          2 * NB_STAMP_KEY_MAX, NB_STAMP_KEY_MAX, n);
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);
        if (hi < 0 || lo < 0) {
            explicit_bzero(key, sizeof(*key));
            return nb_jr_fail(x, "stamp", "key_hex", "must contain only hex digits 0-9a-fA-F");
        }
        key->key[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    key->len = n / 2;
    return 0;
}

/* Read the raw key in FILE (relative to the config file's directory) into KEY. */
static int read_key_file(struct nb_jr *x, const char *file, struct nb_stamp_key *key)
{
    char *path;
    const char *slash = strrchr(x->doc, '/');
    uint8_t buf[NB_STAMP_KEY_MAX + 1];
    size_t n = 0;
    int ret = -1;

    if (file[0] == '\0')
        return nb_jr_fail(x, "stamp", "key_file", "must not be empty");
    if (file[0] != '/' && slash) {
        size_t dlen = (size_t)(slash - x->doc) + 1; /* keep the '/' */
        path = nb_malloc(dlen + strlen(file) + 1);
        memcpy(path, x->doc, dlen);
        strcpy(path + dlen, file);
    } else {
        path = nb_strdup(file);
    }

    char q[NB_JR_QUOTE_MAX];
    nb_jr_quote(q, sizeof(q), path);
    /* Only a regular file: opening a device can have side effects, and a FIFO
     * would hang the daemon (stat first; fstat again after the open). */
    struct stat st;
    int fd = -1;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        nb_jr_fail(x, "stamp", "key_file", "%s is not a regular file", q);
        goto out;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        nb_jr_fail(x, "stamp", "key_file", "cannot open %s: %s", q, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        nb_jr_fail(x, "stamp", "key_file", "%s is not a regular file", q);
        goto out;
    }
    while (n < sizeof(buf)) {
        ssize_t r = read(fd, buf + n, sizeof(buf) - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            nb_jr_fail(x, "stamp", "key_file", "cannot read %s: %s", q, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n == 0 || n > NB_STAMP_KEY_MAX) {
        nb_jr_fail(x, "stamp", "key_file", "%s must hold 1..%d bytes of key (%s)", q,
                   NB_STAMP_KEY_MAX, n ? "it is longer" : "it is empty");
        goto out;
    }
    memcpy(key->key, buf, n);
    key->len = n;
    ret = 0;
out:
    if (fd >= 0)
        close(fd);
    explicit_bzero(buf, sizeof(buf));
    free(path);
    return ret;
}

static int parse_reflector(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {"enabled", "address", "port", "hold_us", NULL};
    const cJSON *o;
    int64_t port = NB_STAMP_PORT, hold = 0;
    int rc = nb_jr_obj(x, root, "", "reflector", 0, keys, &o);

    if (rc <= 0)
        return rc;
    if (nb_jr_bool(x, o, "reflector", "enabled", 0, &c->reflector) < 0 ||
        get_addr(x, o, "reflector", "address", 0, c->stamp_addr) < 0 ||
        nb_jr_int(x, o, "reflector", "port", 0, 1, 65535, &port) < 0 ||
        nb_jr_int(x, o, "reflector", "hold_us", 0, 0, 10000000, &hold) < 0)
        return -1;
    c->stamp_port = (uint16_t)port;
    c->reflector_hold_us = (unsigned)hold;
    return 0;
}

static int parse_api(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {"address", "port", NULL};
    const cJSON *o;
    int64_t port = DEFAULT_API_PORT;
    int rc = nb_jr_obj(x, root, "", "api", 0, keys, &o);

    if (rc <= 0)
        return rc;
    if (get_addr(x, o, "api", "address", 0, c->api_addr) < 0 ||
        nb_jr_int(x, o, "api", "port", 0, 1, 65535, &port) < 0)
        return -1;
    c->api_port = (uint16_t)port;
    return 0;
}

static int parse_stamp(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {"auth", "key_hex", "key_file", "ssid", "jitter_pct", NULL};
    static const char *const modes[] = {"none", "hmac", NULL};
    const cJSON *o;
    const char *hex, *file;
    unsigned auth = 0;
    int64_t ssid = 0, jitter = 10;
    int rc = nb_jr_obj(x, root, "", "stamp", 0, keys, &o);

    if (rc <= 0)
        return rc;
    if (nb_jr_enum(x, o, "stamp", "auth", 0, modes, &auth) < 0 ||
        nb_jr_str(x, o, "stamp", "key_hex", 0, SIZE_MAX, &hex) < 0 ||
        nb_jr_str(x, o, "stamp", "key_file", 0, SIZE_MAX, &file) < 0 ||
        nb_jr_int(x, o, "stamp", "ssid", 0, 0, 65535, &ssid) < 0 ||
        nb_jr_int(x, o, "stamp", "jitter_pct", 0, 0, 50, &jitter) < 0)
        return -1;
    c->ssid = (uint16_t)ssid;
    c->jitter_pct = (unsigned)jitter;

    c->auth = auth ? NB_STAMP_AUTH : NB_STAMP_UNAUTH;
    if (hex && file)
        return nb_jr_fail(x, "stamp", "key_file", "give only one of key_hex and key_file");
    if (c->auth == NB_STAMP_UNAUTH && (hex || file))
        return nb_jr_fail(
            x, "stamp", hex ? "key_hex" : "key_file",
            "a key is set but auth is \"none\" (set \"auth\": \"hmac\" or remove the key)");
    if (c->auth == NB_STAMP_AUTH && !hex && !file)
        return nb_jr_fail(x, "stamp", "auth", "\"hmac\" needs a key: give key_hex or key_file");
    if (hex)
        return parse_key_hex(x, hex, &c->key);
    if (file)
        return read_key_file(x, file, &c->key);
    return 0;
}

static int parse_peer(struct nb_jr *x, const cJSON *o, const char *path, struct nb_peer_cfg *p)
{
    static const char *const keys[] = {"name",        "family",     "address",         "port",
                                       "interval_ms", "timeout_ms", "full_size_every", NULL};
    unsigned fam = 0;
    int64_t port = NB_STAMP_PORT, interval = 1000, timeout = 2000, full = NB_FULL_SIZE_EVERY;

    if (nb_jr_members(x, o, path, keys, NULL) < 0 ||
        get_name(x, o, path, "name", NB_JR_REQUIRED, p->name) < 0 ||
        nb_jr_enum(x, o, path, "family", NB_JR_REQUIRED, family_names, &fam) < 0 ||
        get_addr(x, o, path, "address", NB_JR_REQUIRED, p->host) < 0 ||
        nb_jr_int(x, o, path, "port", 0, 1, 65535, &port) < 0 ||
        nb_jr_int(x, o, path, "interval_ms", 0, 10, 60000, &interval) < 0 ||
        nb_jr_int(x, o, path, "timeout_ms", 0, 10, 60000, &timeout) < 0 ||
        nb_jr_int(x, o, path, "full_size_every", 0, 0, 1000, &full) < 0)
        return -1;
    p->family = (enum nb_family)fam;
    p->port = (uint16_t)port;
    p->interval_ms = (unsigned)interval;
    p->timeout_ms = (unsigned)timeout;
    p->full_size_every = (unsigned)full;
    return 0;
}

static int parse_peers(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    const cJSON *arr;
    char path[32];
    size_t n, i = 0;
    int rc = nb_jr_arr(x, root, "", "peers", 0, &arr);

    if (rc <= 0)
        return rc;
    n = (size_t)cJSON_GetArraySize(arr);
    if (n > NB_MAX_PEERS)
        return nb_jr_fail(x, NULL, "peers", "at most %d peers (got %zu)", NB_MAX_PEERS, n);
    if (n == 0)
        return 0;
    c->peers = nb_calloc(n, sizeof(*c->peers));
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        struct nb_peer_cfg *p = &c->peers[i];
        nb_jr_index(path, sizeof(path), "peers", i);
        if (parse_peer(x, it, path, p) < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->peers[j].name, p->name) == 0)
                return nb_jr_fail(x, path, "name", "duplicate peer name \"%s\" (also peers[%zu])",
                                  p->name, j);
        c->npeers = i + 1;
    }
    return 0;
}

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
        get_name(x, o, path, "name", NB_JR_REQUIRED, a->name) < 0 ||
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

static int parse_apps(struct nb_jr *x, const cJSON *root, struct nb_config *c)
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

static int parse_host_agent(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {"address", "port", NULL};
    const cJSON *o;
    int64_t port = DEFAULT_API_PORT;
    int rc = nb_jr_obj(x, root, "", "host_agent", 0, keys, &o);

    if (rc <= 0)
        return rc;
    if (get_addr(x, o, "host_agent", "address", NB_JR_REQUIRED, c->host_agent_addr) < 0 ||
        nb_jr_int(x, o, "host_agent", "port", 0, 1, 65535, &port) < 0)
        return -1;
    c->host_agent_port = (uint16_t)port;
    c->has_host_agent = true;
    return 0;
}

/* An interface name as the kernel accepts it: 1..15 bytes, no '/', no blanks. */
static bool valid_ifname(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (; *s; s++)
        if (*s == '/' || *s == ':' || (unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

static int parse_capture(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {"uplink", "buffer_kib", "sightings", NULL};
    const cJSON *o;
    const char *uplink;
    int64_t buffer = 4096, sightings = 65536;
    int rc = nb_jr_obj(x, root, "", "capture", 0, keys, &o);

    if (rc <= 0)
        return rc;
    if (nb_jr_str(x, o, "capture", "uplink", NB_JR_REQUIRED, SIZE_MAX, &uplink) < 0)
        return -1;
    if (!valid_ifname(uplink))
        return nb_jr_fail(x, "capture", "uplink",
                          "not an interface name (1..15 characters, no '/', ':' or blanks)");
    snprintf(c->uplink, sizeof(c->uplink), "%s", uplink);
    if (nb_jr_int(x, o, "capture", "buffer_kib", 0, 256, 1048576, &buffer) < 0 ||
        nb_jr_int(x, o, "capture", "sightings", 0, 1024, 4194304, &sightings) < 0)
        return -1;
    c->capture_buffer_kib = (unsigned)buffer;
    c->sightings_capacity = (unsigned)sightings;
    c->capture = true;
    return 0;
}

static int parse_app_ports(struct nb_jr *x, const cJSON *root, struct nb_config *c)
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

/* ---- "classifier": the thresholds of struct nb_cls_thresholds ---- */

/* Bounds of the thresholds. A duration is at most a minute: no probe waits
 * longer (timeout_ms <= 60000), so a larger floor could never trip. */
#define CLS_US_MAX 60e6
#define CLS_COUNT_MAX 100000

/* Range ends are open (NB_JR_GT_LO, NB_JR_LT_HI) where a threshold at the
 * bound is degenerate: loss_floor 0 divides by zero, z 0 is no interval at
 * all, attribute_min 0 would name a layer on no evidence. */
#define GT_LO NB_JR_GT_LO
#define LT_HI NB_JR_LT_HI

/* A duration member in µs (the unit of the waterfall and of the evidence
 * sentences) into *NS, the classifier's unit; left alone if absent. */
static int get_us(struct nb_jr *x, const cJSON *obj, const char *path, const char *key, double *ns)
{
    double us;
    int rc = nb_jr_num(x, obj, path, key, GT_LO, 0, CLS_US_MAX, &us);

    if (rc > 0)
        *ns = us * 1e3;
    return rc;
}

/* A count member in 1..HI into *OUT; left alone if absent. 0 is refused: a
 * claim on no samples at all is not a threshold. */
static int get_count(struct nb_jr *x, const cJSON *obj, const char *path, const char *key,
                     int64_t hi, unsigned *out)
{
    int64_t v;
    int rc = nb_jr_int(x, obj, path, key, 0, 1, hi, &v);

    if (rc > 0)
        *out = (unsigned)v;
    return rc;
}

/* "floor_us"/"excess_us": one duration per segment layer, keyed by the
 * layer's contract name; a layer left out keeps its default. */
static int get_layers_us(struct nb_jr *x, const cJSON *cls, const char *key,
                         double ns[NB_LAYER__COUNT])
{
    static const enum nb_layer layers[] = {NB_LAYER_APP, NB_LAYER_VIRTUAL, NB_LAYER_PHYSICAL};
    static const char *const keys[] = {"app", "virtual", "physical", NULL};
    const cJSON *o;
    char path[48];
    int rc = nb_jr_obj(x, cls, "classifier", key, 0, keys, &o);

    if (rc <= 0)
        return rc;
    nb_jr_at(path, sizeof(path), "classifier", key);
    for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++)
        if (get_us(x, o, path, keys[i], &ns[layers[i]]) < 0)
            return -1;
    return 0;
}

/* The "classifier" object over C->cls, which holds the defaults: each key
 * present replaces its field, so a file names only what it changes. */
static int parse_classifier(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    /* clang-format off */
    static const char *const keys[] = {
        "min_samples",   "min_app_probes",  "min_base_windows", "z",
        "k_mad",         "floor_us",        "excess_us",        "rtt_floor_us",
        "rtt_excess_us", "server_floor_us", "server_excess_us", "loss_floor",
        "min_events",    "link_only_cap",   "tail_floor_us",    "tail_excess_us",
        "spread_floor_us", "attribute_min", "cpu_wait_share",
        "cpu_pressure_share", "cpu_steal_share", "resolve_floor_us",
        "resolve_excess_us", NULL};
    /* clang-format on */
    static const char *const p = "classifier";
    struct nb_cls_thresholds *th = &c->cls;
    const cJSON *o;
    int rc = nb_jr_obj(x, root, "", p, 0, keys, &o);

    if (rc <= 0)
        return rc;
    if (get_count(x, o, p, "min_samples", CLS_COUNT_MAX, &th->min_samples) < 0 ||
        get_count(x, o, p, "min_app_probes", CLS_COUNT_MAX, &th->min_app_probes) < 0 ||
        /* a baseline holds at most NB_BASE_RING windows: a larger minimum
         * would ignore every baseline */
        get_count(x, o, p, "min_base_windows", NB_BASE_RING, &th->min_base_windows) < 0 ||
        nb_jr_num(x, o, p, "z", GT_LO, 0, 10, &th->z) < 0 ||
        nb_jr_num(x, o, p, "k_mad", 0, 0, 1000, &th->k_mad) < 0 ||
        get_layers_us(x, o, "floor_us", th->floor_ns) < 0 ||
        get_layers_us(x, o, "excess_us", th->excess_ns) < 0 ||
        get_us(x, o, p, "rtt_floor_us", &th->rtt_floor_ns) < 0 ||
        get_us(x, o, p, "rtt_excess_us", &th->rtt_excess_ns) < 0 ||
        get_us(x, o, p, "server_floor_us", &th->server_floor_ns) < 0 ||
        get_us(x, o, p, "server_excess_us", &th->server_excess_ns) < 0 ||
        get_us(x, o, p, "resolve_floor_us", &th->resolve_floor_ns) < 0 ||
        get_us(x, o, p, "resolve_excess_us", &th->resolve_excess_ns) < 0 ||
        nb_jr_num(x, o, p, "loss_floor", GT_LO | LT_HI, 0, 1, &th->loss_floor) < 0 ||
        get_count(x, o, p, "min_events", CLS_COUNT_MAX, &th->min_events) < 0 ||
        nb_jr_num(x, o, p, "link_only_cap", GT_LO, 0, 1, &th->link_only_cap) < 0 ||
        get_us(x, o, p, "tail_floor_us", &th->tail_floor_ns) < 0 ||
        get_us(x, o, p, "tail_excess_us", &th->tail_excess_ns) < 0 ||
        get_us(x, o, p, "spread_floor_us", &th->spread_floor_ns) < 0 ||
        nb_jr_num(x, o, p, "attribute_min", GT_LO, 0, 1, &th->attribute_min) < 0 ||
        /* shares of the window: 0 would call every measured figure contention */
        nb_jr_num(x, o, p, "cpu_wait_share", GT_LO, 0, 1, &th->cpu_wait_share) < 0 ||
        nb_jr_num(x, o, p, "cpu_pressure_share", GT_LO, 0, 1, &th->cpu_pressure_share) < 0 ||
        nb_jr_num(x, o, p, "cpu_steal_share", GT_LO, 0, 1, &th->cpu_steal_share) < 0)
        return -1;
    return 0;
}

/* Validate ROOT into C (already holding the defaults). */
static int parse_root(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {
        "role",       "node",    "log_level",        "reflector", "api",        "stamp", "peers",
        "host_agent", "capture", "app_source_ports", "app",       "classifier", NULL};
    static const char *const roles[] = {"host", "guest", NULL};
    static const char *const levels[] = {"err", "warn", "info", "debug", NULL};
    unsigned role = 0, level = 2;

    if (!cJSON_IsObject(root))
        return nb_jr_fail(x, NULL, NULL, "the document must be a JSON object (got %s)",
                          nb_jr_type(root));
    if (nb_jr_members(x, root, "", keys, NULL) < 0 ||
        nb_jr_enum(x, root, "", "role", NB_JR_REQUIRED, roles, &role) < 0 ||
        get_name(x, root, "", "node", 0, c->node) < 0 ||
        nb_jr_enum(x, root, "", "log_level", 0, levels, &level) < 0)
        return -1;
    c->role = role ? NB_ROLE_GUEST : NB_ROLE_HOST;
    snprintf(c->log_level, sizeof(c->log_level), "%s", levels[level]);
    if (parse_reflector(x, root, c) < 0 || parse_api(x, root, c) < 0 ||
        parse_stamp(x, root, c) < 0 || parse_peers(x, root, c) < 0 ||
        parse_host_agent(x, root, c) < 0 || parse_capture(x, root, c) < 0 ||
        parse_app_ports(x, root, c) < 0 || parse_apps(x, root, c) < 0 ||
        parse_classifier(x, root, c) < 0)
        return -1;
    if (c->capture && c->role != NB_ROLE_HOST)
        return nb_jr_fail(x, NULL, "capture", "only a host agent captures (role is \"guest\")");
    if (c->has_host_agent && c->role != NB_ROLE_GUEST)
        return nb_jr_fail(x, NULL, "host_agent",
                          "only a guest has a host agent (role is \"host\")");
    return 0;
}

static void set_defaults(struct nb_config *c)
{
    char host[256];

    memset(c, 0, sizeof(*c));
    if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
        snprintf(host, sizeof(host), "localhost");
    host[sizeof(host) - 1] = '\0';
    snprintf(c->node, sizeof(c->node), "%.*s", NB_NAME_MAX - 1, host);
    snprintf(c->log_level, sizeof(c->log_level), "info");
    snprintf(c->stamp_addr, sizeof(c->stamp_addr), "0.0.0.0");
    c->stamp_port = NB_STAMP_PORT;
    c->reflector = true;
    snprintf(c->api_addr, sizeof(c->api_addr), "127.0.0.1");
    c->api_port = DEFAULT_API_PORT;
    c->auth = NB_STAMP_UNAUTH;
    c->jitter_pct = 10;
    c->app_port_first = NB_APP_PORT_FIRST_DEFAULT;
    c->app_port_last = NB_APP_PORT_LAST_DEFAULT;
    nb_cls_thresholds_default(&c->cls);
}

/* Report a JSON syntax problem at byte OFF of TEXT with its line and column. */
static int fail_at(struct nb_jr *x, const char *text, size_t off, const char *what)
{
    unsigned long line = 1, col = 1;

    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    return nb_jr_fail(x, NULL, NULL, "line %lu, column %lu: %s", line, col, what);
}

/* Scrub the hex key out of the cJSON tree before it is freed: every copy, a
 * refused file may hold "stamp" or "key_hex" twice. */
static void wipe_secrets(cJSON *root)
{
    for (cJSON *s = cJSON_IsObject(root) ? root->child : NULL; s; s = s->next) {
        if (!s->string || strcmp(s->string, "stamp") != 0 || !cJSON_IsObject(s))
            continue;
        for (cJSON *k = s->child; k; k = k->next)
            if (k->string && strcmp(k->string, "key_hex") == 0 && cJSON_IsString(k) &&
                k->valuestring)
                explicit_bzero(k->valuestring, strlen(k->valuestring));
    }
}

int nb_config_parse(const char *text, size_t len, const char *name, struct nb_config *out,
                    char *err, size_t errlen)
{
    struct nb_jr x = {.doc = name ? name : "(config)", .err = err, .errlen = errlen};
    struct nb_config c;
    const char *nul, *end = NULL;
    int ret = -1;

    if (err && errlen)
        err[0] = '\0';
    if (!text) {
        text = "";
        len = 0;
    }
    if (len > CONFIG_MAX_BYTES)
        return nb_jr_fail(&x, NULL, NULL, "too large (%zu bytes; the limit is %d)", len,
                          CONFIG_MAX_BYTES);
    if ((nul = memchr(text, '\0', len)) != NULL)
        return fail_at(&x, text, (size_t)(nul - text), "NUL byte in the file");

    /* cJSON wants a terminated string; the copy is wiped (it may hold the key). */
    char *copy = nb_malloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    cJSON *root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 0);
    if (!root) {
        size_t off = end && end >= copy && end <= copy + len ? (size_t)(end - copy) : 0;
        fail_at(&x, copy, off, len ? "invalid JSON" : "empty file (expected a JSON object)");
        goto out;
    }
    end += strspn(end, " \t\r\n");
    if (*end) {
        fail_at(&x, copy, (size_t)(end - copy), "unexpected data after the JSON document");
        goto out;
    }

    set_defaults(&c);
    c.path = nb_strdup(x.doc);
    if (parse_root(&x, root, &c) < 0) {
        nb_config_free(&c);
        goto out;
    }
    *out = c;
    explicit_bzero(&c, sizeof(c));
    ret = 0;
out:
    if (root) {
        wipe_secrets(root);
        cJSON_Delete(root);
    }
    explicit_bzero(copy, len);
    free(copy);
    return ret;
}

int nb_config_load(const char *path, struct nb_config *out, char *err, size_t errlen)
{
    struct nb_jr x = {.doc = path ? path : "(config)", .err = err, .errlen = errlen};
    size_t n = 0;
    char *text;
    int fd, ret;

    if (err && errlen)
        err[0] = '\0';
    if (!path || !*path)
        return nb_jr_fail(&x, NULL, NULL, "no configuration file given");
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return nb_jr_fail(&x, NULL, NULL, "cannot open: %s", strerror(errno));
    /* One buffer of the maximum size plus one byte to detect a larger file:
     * no realloc leaves stray copies of a key around. */
    text = nb_malloc(CONFIG_MAX_BYTES + 1);
    while (n < CONFIG_MAX_BYTES + 1) {
        ssize_t r = read(fd, text + n, CONFIG_MAX_BYTES + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            ret = nb_jr_fail(&x, NULL, NULL, "cannot read: %s", strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > CONFIG_MAX_BYTES)
        ret = nb_jr_fail(&x, NULL, NULL, "too large (more than %d bytes)", CONFIG_MAX_BYTES);
    else
        ret = nb_config_parse(text, n, path, out, err, errlen);
out:
    close(fd);
    explicit_bzero(text, n);
    free(text);
    return ret;
}

void nb_config_free(struct nb_config *c)
{
    if (!c)
        return;
    free(c->path);
    free(c->peers);
    free(c->apps);
    explicit_bzero(c, sizeof(*c)); /* also wipes the STAMP key */
}
