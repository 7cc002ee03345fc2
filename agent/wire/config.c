/* config.c — netblamed's JSON configuration: read the file (at most 1 MiB),
 * parse it with cJSON, validate every key and convert to struct nb_config at
 * once; cJSON never leaves this file.
 *
 * Strict by design: an unknown or repeated key, a wrong JSON type, a value out
 * of range, trailing data after the document — each is an error naming the
 * file and the key path ("peers[1].interval_ms"), never a silent default.
 * Errors are written to the caller's buffer as one line, not logged: the caller
 * decides whether a bad file is fatal (start-up) or survivable (SIGHUP).
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
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "netblame/mem.h"

#define CONFIG_MAX_BYTES (1024 * 1024)
#define DEFAULT_API_PORT 9862
#define SHOW_MAX 40 /* longest piece of a user string quoted in a message */

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

/* State of one parse: where messages go and what they are about. */
struct ctx {
    const char *name; /* file name for messages; its directory anchors key_file */
    char *err;
    size_t errlen;
};

/* Quote S for a message: escaped (control and non-ASCII bytes as \xNN), at
 * most SHOW_MAX characters, always one line. */
static void show(char *out, size_t n, const char *s)
{
    size_t o = 0, i;

    if (n < 8) {
        if (n)
            out[0] = '\0';
        return;
    }
    out[o++] = '"';
    for (i = 0; s[i] && i < SHOW_MAX && o + 6 < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            out[o++] = '\\';
            out[o++] = (char)ch;
        } else if (ch < 0x20 || ch >= 0x7f) {
            o += (size_t)snprintf(out + o, n - o, "\\x%02x", ch);
        } else {
            out[o++] = (char)ch;
        }
    }
    if (s[i] && o + 4 < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* Write "NAME: PATH.KEY: message" to the error buffer; returns -1.
 * PATH and KEY may each be NULL or empty; KEY is user text (from an unknown
 * key) so it is shown escaped. Control characters never reach the output. */
static int fail(struct ctx *x, const char *path, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(struct ctx *x, const char *path, const char *key, const char *fmt, ...)
{
    char msg[448], where[288], k[SHOW_MAX * 4 + 8];
    va_list ap;

    if (!x->err || x->errlen == 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    where[0] = '\0';
    if (key) {
        size_t i;
        for (i = 0; key[i] && i < SHOW_MAX; i++)
            if (!(key[i] == '_' || key[i] == '-' || (key[i] >= 'a' && key[i] <= 'z') ||
                  (key[i] >= 'A' && key[i] <= 'Z') || (key[i] >= '0' && key[i] <= '9')))
                break;
        if (key[i] || i == 0)
            show(k, sizeof(k), key); /* odd key: quote it */
        else
            snprintf(k, sizeof(k), "%s", key);
    }
    if (path && *path && key)
        snprintf(where, sizeof(where), "%s.%s: ", path, k);
    else if (path && *path)
        snprintf(where, sizeof(where), "%s: ", path);
    else if (key)
        snprintf(where, sizeof(where), "%s: ", k);

    snprintf(x->err, x->errlen, "%s: %s%s", x->name, where, msg);
    for (char *p = x->err; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return -1;
}

/* The JSON type of V as a phrase for "(got ...)". */
static const char *type_phrase(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsTrue(v))
        return "true";
    if (cJSON_IsFalse(v))
        return "false";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    return "an invalid value";
}

/* Return 0 if every key of OBJ is in KNOWN (NULL-terminated, < 32 entries) and
 * none is repeated; else -1 with the message. */
static int check_keys(struct ctx *x, const cJSON *obj, const char *path, const char *const *known)
{
    uint32_t seen = 0;

    for (const cJSON *it = obj->child; it; it = it->next) {
        const char *key = it->string ? it->string : "";
        size_t i;
        for (i = 0; known[i]; i++)
            if (strcmp(key, known[i]) == 0)
                break;
        if (!known[i]) {
            char list[512]; /* "classifier" has 21 keys */
            size_t o = 0;
            list[0] = '\0';
            for (size_t j = 0; known[j] && o < sizeof(list); j++)
                o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", j ? ", " : "", known[j]);
            return fail(x, path, key, "unknown key (known: %s)", list);
        }
        if (seen & (UINT32_C(1) << i))
            return fail(x, path, key, "duplicate key");
        seen |= UINT32_C(1) << i;
    }
    return 0;
}

/* Object member KEY of OBJ, or NULL if absent. */
static const cJSON *member(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* Integer member in LO..HI, or DEF if absent. Rejects non-numbers and
 * non-integral numbers (1.5). Returns 0 or -1. */
static int get_int(struct ctx *x, const cJSON *obj, const char *path, const char *key, long lo,
                   long hi, long def, long *out)
{
    const cJSON *v = member(obj, key);

    if (!v) {
        *out = def;
        return 0;
    }
    if (!cJSON_IsNumber(v))
        return fail(x, path, key, "must be an integer in %ld..%ld (got %s)", lo, hi,
                    type_phrase(v));
    double d = v->valuedouble;
    if (!(d >= (double)lo && d <= (double)hi) || d != (double)(long)d)
        return fail(x, path, key, "must be an integer in %ld..%ld (got %.15g)", lo, hi, d);
    *out = (long)d;
    return 0;
}

/* String member, or *OUT = NULL if absent (-1 with a message if REQUIRED). */
static int get_str(struct ctx *x, const cJSON *obj, const char *path, const char *key,
                   bool required, const char **out)
{
    const cJSON *v = member(obj, key);

    *out = NULL;
    if (!v) {
        if (required)
            return fail(x, path, key, "missing (required)");
        return 0;
    }
    if (!cJSON_IsString(v) || !v->valuestring)
        return fail(x, path, key, "must be a string (got %s)", type_phrase(v));
    *out = v->valuestring;
    return 0;
}

/* Boolean member, or DEF if absent. */
static int get_bool(struct ctx *x, const cJSON *obj, const char *path, const char *key, bool def,
                    bool *out)
{
    const cJSON *v = member(obj, key);

    if (!v) {
        *out = def;
        return 0;
    }
    if (!cJSON_IsBool(v))
        return fail(x, path, key, "must be true or false (got %s)", type_phrase(v));
    *out = cJSON_IsTrue(v);
    return 0;
}

/* Object member, or *OUT = NULL if absent; its keys are checked against KNOWN. */
static int get_obj(struct ctx *x, const cJSON *obj, const char *path, const char *key,
                   const char *const *known, const cJSON **out)
{
    const cJSON *v = member(obj, key);

    *out = NULL;
    if (!v)
        return 0;
    if (!cJSON_IsObject(v))
        return fail(x, path, key, "must be an object (got %s)", type_phrase(v));
    char sub[96];
    snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", key);
    if (check_keys(x, v, sub, known) < 0)
        return -1;
    *out = v;
    return 0;
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
static int get_name(struct ctx *x, const cJSON *obj, const char *path, const char *key,
                    bool required, char *out)
{
    const char *s;
    char q[SHOW_MAX * 4 + 8];

    if (get_str(x, obj, path, key, required, &s) < 0)
        return -1;
    if (!s)
        return 0;
    if (!valid_name(s)) {
        show(q, sizeof(q), s);
        return fail(x, path, key, "must be 1..%d characters of [A-Za-z0-9_.:-] (got %s)",
                    NB_NAME_MAX - 1, q);
    }
    snprintf(out, NB_NAME_MAX, "%s", s);
    return 0;
}

/* Numeric IPv4 or IPv6 address member into OUT[NB_HOST_MAX]; absent leaves OUT alone. */
static int get_addr(struct ctx *x, const cJSON *obj, const char *path, const char *key,
                    bool required, char *out)
{
    const char *s;
    char q[SHOW_MAX * 4 + 8];
    unsigned char tmp[sizeof(struct in6_addr)];

    if (get_str(x, obj, path, key, required, &s) < 0)
        return -1;
    if (!s)
        return 0;
    if (inet_pton(AF_INET, s, tmp) != 1 && inet_pton(AF_INET6, s, tmp) != 1) {
        show(q, sizeof(q), s);
        return fail(x, path, key, "must be a numeric IPv4 or IPv6 address (got %s)", q);
    }
    snprintf(out, NB_HOST_MAX, "%s", s); /* valid addresses are < INET6_ADDRSTRLEN */
    return 0;
}

/* String member that must be one of CHOICES (NULL-terminated); *IDX is its
 * index, or left alone if absent. */
static int get_enum(struct ctx *x, const cJSON *obj, const char *path, const char *key,
                    bool required, const char *const *choices, unsigned *idx)
{
    const char *s;
    char q[SHOW_MAX * 4 + 8], list[96];
    size_t o = 0;

    if (get_str(x, obj, path, key, required, &s) < 0)
        return -1;
    if (!s)
        return 0;
    for (unsigned i = 0; choices[i]; i++) {
        if (strcmp(s, choices[i]) == 0) {
            *idx = i;
            return 0;
        }
    }
    size_t nchoices = 0;
    while (choices[nchoices])
        nchoices++;
    list[0] = '\0';
    if (nchoices > 2)
        o = (size_t)snprintf(list, sizeof(list), "one of ");
    for (size_t j = 0; j < nchoices && o < sizeof(list); j++) {
        const char *sep = nchoices > 2 ? ", " : " or ";
        o += (size_t)snprintf(list + o, sizeof(list) - o, "%s\"%s\"", j ? sep : "", choices[j]);
    }
    show(q, sizeof(q), s);
    return fail(x, path, key, "must be %s (got %s)", list, q);
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
static int parse_key_hex(struct ctx *x, const char *hex, struct nb_stamp_key *key)
{
    size_t n = strlen(hex);

    if (n == 0 || n % 2 || n / 2 > NB_STAMP_KEY_MAX)
        return fail(x, "stamp", "key_hex",
                    "must be an even number of hex digits, 2..%d (1..%d bytes; got %zu)",
                    2 * NB_STAMP_KEY_MAX, NB_STAMP_KEY_MAX, n);
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);
        if (hi < 0 || lo < 0) {
            explicit_bzero(key, sizeof(*key));
            return fail(x, "stamp", "key_hex", "must contain only hex digits 0-9a-fA-F");
        }
        key->key[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    key->len = n / 2;
    return 0;
}

/* Read the raw key in FILE (relative to the config file's directory) into KEY. */
static int read_key_file(struct ctx *x, const char *file, struct nb_stamp_key *key)
{
    char *path;
    const char *slash = strrchr(x->name, '/');
    uint8_t buf[NB_STAMP_KEY_MAX + 1];
    size_t n = 0;
    int ret = -1;

    if (file[0] == '\0')
        return fail(x, "stamp", "key_file", "must not be empty");
    if (file[0] != '/' && slash) {
        size_t dlen = (size_t)(slash - x->name) + 1; /* keep the '/' */
        path = nb_malloc(dlen + strlen(file) + 1);
        memcpy(path, x->name, dlen);
        strcpy(path + dlen, file);
    } else {
        path = nb_strdup(file);
    }

    char q[SHOW_MAX * 4 + 8];
    show(q, sizeof(q), path);
    /* Only a regular file: opening a device can have side effects, and a FIFO
     * would hang the daemon (stat first; fstat again after the open). */
    struct stat st;
    int fd = -1;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        fail(x, "stamp", "key_file", "%s is not a regular file", q);
        goto out;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        fail(x, "stamp", "key_file", "cannot open %s: %s", q, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        fail(x, "stamp", "key_file", "%s is not a regular file", q);
        goto out;
    }
    while (n < sizeof(buf)) {
        ssize_t r = read(fd, buf + n, sizeof(buf) - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            fail(x, "stamp", "key_file", "cannot read %s: %s", q, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n == 0 || n > NB_STAMP_KEY_MAX) {
        fail(x, "stamp", "key_file", "%s must hold 1..%d bytes of key (%s)", q, NB_STAMP_KEY_MAX,
             n ? "it is longer" : "it is empty");
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

static int parse_reflector(struct ctx *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {"enabled", "address", "port", "hold_us", NULL};
    const cJSON *o;
    long port, hold;

    if (get_obj(x, root, "", "reflector", keys, &o) < 0)
        return -1;
    if (!o)
        return 0;
    if (get_bool(x, o, "reflector", "enabled", true, &c->reflector) < 0 ||
        get_addr(x, o, "reflector", "address", false, c->stamp_addr) < 0 ||
        get_int(x, o, "reflector", "port", 1, 65535, NB_STAMP_PORT, &port) < 0 ||
        get_int(x, o, "reflector", "hold_us", 0, 10000000, 0, &hold) < 0)
        return -1;
    c->stamp_port = (uint16_t)port;
    c->reflector_hold_us = (unsigned)hold;
    return 0;
}

static int parse_api(struct ctx *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {"address", "port", NULL};
    const cJSON *o;
    long port;

    if (get_obj(x, root, "", "api", keys, &o) < 0)
        return -1;
    if (!o)
        return 0;
    if (get_addr(x, o, "api", "address", false, c->api_addr) < 0 ||
        get_int(x, o, "api", "port", 1, 65535, DEFAULT_API_PORT, &port) < 0)
        return -1;
    c->api_port = (uint16_t)port;
    return 0;
}

static int parse_stamp(struct ctx *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {"auth", "key_hex", "key_file", "ssid", "jitter_pct", NULL};
    static const char *const modes[] = {"none", "hmac", NULL};
    const cJSON *o;
    const char *hex, *file;
    unsigned auth = 0;
    long v;

    if (get_obj(x, root, "", "stamp", keys, &o) < 0)
        return -1;
    if (!o)
        return 0;
    if (get_enum(x, o, "stamp", "auth", false, modes, &auth) < 0 ||
        get_str(x, o, "stamp", "key_hex", false, &hex) < 0 ||
        get_str(x, o, "stamp", "key_file", false, &file) < 0)
        return -1;
    if (get_int(x, o, "stamp", "ssid", 0, 65535, 0, &v) < 0)
        return -1;
    c->ssid = (uint16_t)v;
    if (get_int(x, o, "stamp", "jitter_pct", 0, 50, 10, &v) < 0)
        return -1;
    c->jitter_pct = (unsigned)v;

    c->auth = auth ? NB_STAMP_AUTH : NB_STAMP_UNAUTH;
    if (hex && file)
        return fail(x, "stamp", "key_file", "give only one of key_hex and key_file");
    if (c->auth == NB_STAMP_UNAUTH && (hex || file))
        return fail(x, "stamp", hex ? "key_hex" : "key_file",
                    "a key is set but auth is \"none\" (set \"auth\": \"hmac\" or remove the key)");
    if (c->auth == NB_STAMP_AUTH && !hex && !file)
        return fail(x, "stamp", "auth", "\"hmac\" needs a key: give key_hex or key_file");
    if (hex)
        return parse_key_hex(x, hex, &c->key);
    if (file)
        return read_key_file(x, file, &c->key);
    return 0;
}

static int parse_peer(struct ctx *x, const cJSON *o, const char *path, struct nb_peer_cfg *p)
{
    static const char *const keys[] = {"name",        "family",     "address",         "port",
                                       "interval_ms", "timeout_ms", "full_size_every", NULL};
    unsigned fam = 0;
    long v;

    if (!cJSON_IsObject(o))
        return fail(x, path, NULL, "must be an object (got %s)", type_phrase(o));
    if (check_keys(x, o, path, keys) < 0 || get_name(x, o, path, "name", true, p->name) < 0 ||
        get_enum(x, o, path, "family", true, family_names, &fam) < 0 ||
        get_addr(x, o, path, "address", true, p->host) < 0)
        return -1;
    p->family = (enum nb_family)fam;
    if (get_int(x, o, path, "port", 1, 65535, NB_STAMP_PORT, &v) < 0)
        return -1;
    p->port = (uint16_t)v;
    if (get_int(x, o, path, "interval_ms", 10, 60000, 1000, &v) < 0)
        return -1;
    p->interval_ms = (unsigned)v;
    if (get_int(x, o, path, "timeout_ms", 10, 60000, 2000, &v) < 0)
        return -1;
    p->timeout_ms = (unsigned)v;
    if (get_int(x, o, path, "full_size_every", 0, 1000, NB_FULL_SIZE_EVERY, &v) < 0)
        return -1;
    p->full_size_every = (unsigned)v;
    return 0;
}

static int parse_peers(struct ctx *x, const cJSON *root, struct nb_config *c)
{
    const cJSON *arr = member(root, "peers");
    char path[32];
    size_t n, i = 0;

    if (!arr)
        return 0;
    if (!cJSON_IsArray(arr))
        return fail(x, NULL, "peers", "must be an array (got %s)", type_phrase(arr));
    n = (size_t)cJSON_GetArraySize(arr);
    if (n > NB_MAX_PEERS)
        return fail(x, NULL, "peers", "at most %d peers (got %zu)", NB_MAX_PEERS, n);
    if (n == 0)
        return 0;
    c->peers = nb_calloc(n, sizeof(*c->peers));
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        struct nb_peer_cfg *p = &c->peers[i];
        snprintf(path, sizeof(path), "peers[%zu]", i);
        if (parse_peer(x, it, path, p) < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->peers[j].name, p->name) == 0)
                return fail(x, path, "name", "duplicate peer name \"%s\" (also peers[%zu])",
                            p->name, j);
        c->npeers = i + 1;
    }
    return 0;
}

/* String member KEY into OUT[N] (shorter than N bytes), or "" if absent. */
static int get_text(struct ctx *x, const cJSON *obj, const char *path, const char *key,
                    bool required, char *out, size_t n)
{
    const char *s;

    if (get_str(x, obj, path, key, required, &s) < 0)
        return -1;
    if (s && strlen(s) >= n)
        return fail(x, path, key, "at most %zu bytes (got %zu)", n - 1, strlen(s));
    snprintf(out, n, "%s", s ? s : "");
    return 0;
}

/* A URL's host as the probe will use it: a DNS name or a numeric IPv4. */
static bool valid_app_host(const char *h)
{
    return *h && strspn(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_") ==
                     strlen(h);
}

static int parse_app(struct ctx *x, const cJSON *o, const char *path, struct nb_app_cfg *a)
{
    static const char *const keys[] = {"name",       "url",           "interval_ms",
                                       "timeout_ms", "expect_status", "expect_body",
                                       "send",       "expect",        NULL};
    struct nb_app_target *t = &a->target;
    const char *url;
    char why[256], q[SHOW_MAX * 4 + 8];
    long v;

    if (!cJSON_IsObject(o))
        return fail(x, path, NULL, "must be an object (got %s)", type_phrase(o));
    if (check_keys(x, o, path, keys) < 0 || get_name(x, o, path, "name", true, a->name) < 0 ||
        get_str(x, o, path, "url", true, &url) < 0)
        return -1;
    show(q, sizeof(q), url);
    if (strlen(url) >= sizeof(a->url))
        return fail(x, path, "url", "at most %zu bytes (got %zu)", sizeof(a->url) - 1, strlen(url));
    for (const char *u = url; *u; u++)
        if ((unsigned char)*u <= ' ' || (unsigned char)*u >= 0x7f)
            return fail(x, path, "url", "must be printable ASCII without blanks (got %s)", q);
    if (nb_app_parse_url(url, t, why, sizeof(why)) < 0)
        return fail(x, path, "url", "%s", why);
    if (!valid_app_host(t->host))
        return fail(x, path, "url",
                    "the host must be a DNS name or a numeric IPv4 address (got %s)", q);
    snprintf(a->url, sizeof(a->url), "%s", url);
    if (get_int(x, o, path, "interval_ms", 100, 600000, 1000, &v) < 0)
        return -1;
    a->interval_ms = (unsigned)v;
    if (get_int(x, o, path, "timeout_ms", 10, 60000, 5000, &v) < 0)
        return -1;
    t->timeout_ms = (unsigned)v;

    static const char *const http_only[] = {"expect_status", "expect_body", NULL};
    static const char *const tcp_only[] = {"send", "expect", NULL};
    const char *const *other = t->raw ? http_only : tcp_only;
    for (size_t i = 0; other[i]; i++)
        if (member(o, other[i]))
            return fail(x, path, other[i], "only for %s targets", t->raw ? "http://" : "tcp://");
    if (t->raw) {
        if (get_text(x, o, path, "send", true, t->raw_send, sizeof(t->raw_send)) < 0)
            return -1;
        return get_text(x, o, path, "expect", true, t->raw_expect, sizeof(t->raw_expect));
    }
    if (get_int(x, o, path, "expect_status", 100, 599, 200, &v) < 0)
        return -1;
    t->expect_status = (int)v;
    return get_text(x, o, path, "expect_body", false, t->expect_body, sizeof(t->expect_body));
}

static int parse_apps(struct ctx *x, const cJSON *root, struct nb_config *c)
{
    const cJSON *arr = member(root, "app");
    char path[32];
    size_t n, i = 0;

    if (!arr)
        return 0;
    if (!cJSON_IsArray(arr))
        return fail(x, NULL, "app", "must be an array (got %s)", type_phrase(arr));
    n = (size_t)cJSON_GetArraySize(arr);
    if (n > NB_MAX_APPS)
        return fail(x, NULL, "app", "at most %d targets (got %zu)", NB_MAX_APPS, n);
    if (n == 0)
        return 0;
    c->apps = nb_calloc(n, sizeof(*c->apps));
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        struct nb_app_cfg *a = &c->apps[i];
        snprintf(path, sizeof(path), "app[%zu]", i);
        if (parse_app(x, it, path, a) < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->apps[j].name, a->name) == 0)
                return fail(x, path, "name", "duplicate app name \"%s\" (also app[%zu])", a->name,
                            j);
        c->napps = i + 1;
    }
    return 0;
}

static int parse_host_agent(struct ctx *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {"address", "port", NULL};
    const cJSON *o;
    long port;

    if (get_obj(x, root, "", "host_agent", keys, &o) < 0)
        return -1;
    if (!o)
        return 0;
    if (get_addr(x, o, "host_agent", "address", true, c->host_agent_addr) < 0 ||
        get_int(x, o, "host_agent", "port", 1, 65535, DEFAULT_API_PORT, &port) < 0)
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

static int parse_capture(struct ctx *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {"uplink", "buffer_kib", "sightings", NULL};
    const cJSON *o;
    const char *uplink;
    long v;

    if (get_obj(x, root, "", "capture", keys, &o) < 0)
        return -1;
    if (!o)
        return 0;
    if (get_str(x, o, "capture", "uplink", true, &uplink) < 0)
        return -1;
    if (!valid_ifname(uplink))
        return fail(x, "capture", "uplink",
                    "not an interface name (1..15 characters, no '/', ':' or blanks)");
    snprintf(c->uplink, sizeof(c->uplink), "%s", uplink);
    if (get_int(x, o, "capture", "buffer_kib", 256, 1048576, 4096, &v) < 0)
        return -1;
    c->capture_buffer_kib = (unsigned)v;
    if (get_int(x, o, "capture", "sightings", 1024, 4194304, 65536, &v) < 0)
        return -1;
    c->sightings_capacity = (unsigned)v;
    c->capture = true;
    return 0;
}

static int parse_app_ports(struct ctx *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {"first", "last", NULL};
    const cJSON *o;
    long first, last;

    if (get_obj(x, root, "", "app_source_ports", keys, &o) < 0)
        return -1;
    if (!o)
        return 0;
    if (get_int(x, o, "app_source_ports", "first", 1024, 65535, NB_APP_PORT_FIRST_DEFAULT,
                &first) < 0 ||
        get_int(x, o, "app_source_ports", "last", first, 65535,
                first > NB_APP_PORT_LAST_DEFAULT ? first : NB_APP_PORT_LAST_DEFAULT, &last) < 0)
        return -1;
    if (last - first + 1 > 4096)
        return fail(x, "app_source_ports", "last", "at most 4096 ports (first is %ld)", first);
    c->app_port_first = (uint16_t)first;
    c->app_port_last = (uint16_t)last;
    return 0;
}

/* ---- "classifier": the thresholds of struct nb_cls_thresholds ---- */

/* Bounds of the thresholds. A duration is at most a minute: no probe waits
 * longer (timeout_ms <= 60000), so a larger floor could never trip. */
#define CLS_US_MAX 60e6
#define CLS_COUNT_MAX 100000

/* get_num range flags: a bound is excluded where a threshold at it is
 * degenerate: loss_floor 0 divides by zero, z 0 is no interval at all,
 * attribute_min 0 would name a layer on no evidence. */
#define GT_LO 1u /* > LO rather than >= LO */
#define LT_HI 2u /* < HI rather than <= HI */

/* Number member in LO..HI (ends open per FLAGS) into *OUT; left alone if
 * absent. JSON has no NaN, but cJSON reads 1e999 as infinity: the
 * comparisons are written so that both fail. */
static int get_num(struct ctx *x, const cJSON *obj, const char *path, const char *key, double lo,
                   double hi, unsigned flags, double *out)
{
    const cJSON *v = member(obj, key);
    char range[80];

    if (!v)
        return 0;
    snprintf(range, sizeof(range), "%s %.15g and %s %.15g", flags & GT_LO ? ">" : ">=", lo,
             flags & LT_HI ? "<" : "<=", hi);
    if (!cJSON_IsNumber(v))
        return fail(x, path, key, "must be a number %s (got %s)", range, type_phrase(v));
    double d = v->valuedouble;
    if (!(flags & GT_LO ? d > lo : d >= lo) || !(flags & LT_HI ? d < hi : d <= hi))
        return fail(x, path, key, "must be a number %s (got %.15g)", range, d);
    *out = d;
    return 0;
}

/* A duration member in µs (the unit of the waterfall and of the evidence
 * sentences) into *NS, the classifier's unit; left alone if absent. */
static int get_us(struct ctx *x, const cJSON *obj, const char *path, const char *key, double *ns)
{
    double us;

    if (!member(obj, key))
        return 0;
    if (get_num(x, obj, path, key, 0, CLS_US_MAX, GT_LO, &us) < 0)
        return -1;
    *ns = us * 1e3;
    return 0;
}

/* A count member in 1..HI into *OUT; left alone if absent. 0 is refused: a
 * claim on no samples at all is not a threshold. */
static int get_count(struct ctx *x, const cJSON *obj, const char *path, const char *key, long hi,
                     unsigned *out)
{
    long v;

    if (get_int(x, obj, path, key, 1, hi, (long)*out, &v) < 0)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* "floor_us"/"excess_us": one duration per segment layer, keyed by the
 * layer's contract name; a layer left out keeps its default. */
static int get_layers_us(struct ctx *x, const cJSON *cls, const char *key,
                         double ns[NB_LAYER__COUNT])
{
    static const enum nb_layer layers[] = {NB_LAYER_APP, NB_LAYER_VIRTUAL, NB_LAYER_PHYSICAL};
    static const char *const keys[] = {"app", "virtual", "physical", NULL};
    const cJSON *o;
    char path[48];

    if (get_obj(x, cls, "classifier", key, keys, &o) < 0)
        return -1;
    if (!o)
        return 0;
    snprintf(path, sizeof(path), "classifier.%s", key);
    for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++)
        if (get_us(x, o, path, keys[i], &ns[layers[i]]) < 0)
            return -1;
    return 0;
}

/* The "classifier" object over C->cls, which holds the defaults: each key
 * present replaces its field, so a file names only what it changes. */
static int parse_classifier(struct ctx *x, const cJSON *root, struct nb_config *c)
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

    if (get_obj(x, root, "", p, keys, &o) < 0)
        return -1;
    if (!o)
        return 0;
    if (get_count(x, o, p, "min_samples", CLS_COUNT_MAX, &th->min_samples) < 0 ||
        get_count(x, o, p, "min_app_probes", CLS_COUNT_MAX, &th->min_app_probes) < 0 ||
        /* a baseline holds at most NB_BASE_RING windows: a larger minimum
         * would ignore every baseline */
        get_count(x, o, p, "min_base_windows", NB_BASE_RING, &th->min_base_windows) < 0 ||
        get_num(x, o, p, "z", 0, 10, GT_LO, &th->z) < 0 ||
        get_num(x, o, p, "k_mad", 0, 1000, 0, &th->k_mad) < 0 ||
        get_layers_us(x, o, "floor_us", th->floor_ns) < 0 ||
        get_layers_us(x, o, "excess_us", th->excess_ns) < 0 ||
        get_us(x, o, p, "rtt_floor_us", &th->rtt_floor_ns) < 0 ||
        get_us(x, o, p, "rtt_excess_us", &th->rtt_excess_ns) < 0 ||
        get_us(x, o, p, "server_floor_us", &th->server_floor_ns) < 0 ||
        get_us(x, o, p, "server_excess_us", &th->server_excess_ns) < 0 ||
        get_us(x, o, p, "resolve_floor_us", &th->resolve_floor_ns) < 0 ||
        get_us(x, o, p, "resolve_excess_us", &th->resolve_excess_ns) < 0 ||
        get_num(x, o, p, "loss_floor", 0, 1, GT_LO | LT_HI, &th->loss_floor) < 0 ||
        get_count(x, o, p, "min_events", CLS_COUNT_MAX, &th->min_events) < 0 ||
        get_num(x, o, p, "link_only_cap", 0, 1, GT_LO, &th->link_only_cap) < 0 ||
        get_us(x, o, p, "tail_floor_us", &th->tail_floor_ns) < 0 ||
        get_us(x, o, p, "tail_excess_us", &th->tail_excess_ns) < 0 ||
        get_us(x, o, p, "spread_floor_us", &th->spread_floor_ns) < 0 ||
        get_num(x, o, p, "attribute_min", 0, 1, GT_LO, &th->attribute_min) < 0 ||
        /* shares of the window: 0 would call every measured figure contention */
        get_num(x, o, p, "cpu_wait_share", 0, 1, GT_LO, &th->cpu_wait_share) < 0 ||
        get_num(x, o, p, "cpu_pressure_share", 0, 1, GT_LO, &th->cpu_pressure_share) < 0 ||
        get_num(x, o, p, "cpu_steal_share", 0, 1, GT_LO, &th->cpu_steal_share) < 0)
        return -1;
    return 0;
}

/* Validate ROOT into C (already holding the defaults). */
static int parse_root(struct ctx *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {
        "role",       "node",    "log_level",        "reflector", "api",        "stamp", "peers",
        "host_agent", "capture", "app_source_ports", "app",       "classifier", NULL};
    static const char *const roles[] = {"host", "guest", NULL};
    static const char *const levels[] = {"err", "warn", "info", "debug", NULL};
    unsigned role = 0, level = 2;

    if (!cJSON_IsObject(root))
        return fail(x, NULL, NULL, "the document must be a JSON object (got %s)",
                    type_phrase(root));
    if (check_keys(x, root, "", keys) < 0 ||
        get_enum(x, root, "", "role", true, roles, &role) < 0 ||
        get_name(x, root, "", "node", false, c->node) < 0 ||
        get_enum(x, root, "", "log_level", false, levels, &level) < 0)
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
        return fail(x, NULL, "capture", "only a host agent captures (role is \"guest\")");
    if (c->has_host_agent && c->role != NB_ROLE_GUEST)
        return fail(x, NULL, "host_agent", "only a guest has a host agent (role is \"host\")");
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
static int fail_at(struct ctx *x, const char *text, size_t off, const char *what)
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
    return fail(x, NULL, NULL, "line %lu, column %lu: %s", line, col, what);
}

/* Scrub the hex key out of the cJSON tree before it is freed. */
static void wipe_secrets(cJSON *root)
{
    cJSON *stamp = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "stamp") : NULL;
    cJSON *hex = cJSON_IsObject(stamp) ? cJSON_GetObjectItemCaseSensitive(stamp, "key_hex") : NULL;

    if (cJSON_IsString(hex) && hex->valuestring)
        explicit_bzero(hex->valuestring, strlen(hex->valuestring));
}

int nb_config_parse(const char *text, size_t len, const char *name, struct nb_config *out,
                    char *err, size_t errlen)
{
    struct ctx x = {.name = name ? name : "(config)", .err = err, .errlen = errlen};
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
        return fail(&x, NULL, NULL, "too large (%zu bytes; the limit is %d)", len,
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
    c.path = nb_strdup(x.name);
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
    struct ctx x = {.name = path ? path : "(config)", .err = err, .errlen = errlen};
    size_t n = 0;
    char *text;
    int fd, ret;

    if (err && errlen)
        err[0] = '\0';
    if (!path || !*path)
        return fail(&x, NULL, NULL, "no configuration file given");
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return fail(&x, NULL, NULL, "cannot open: %s", strerror(errno));
    /* One buffer of the maximum size plus one byte to detect a larger file:
     * no realloc leaves stray copies of a key around. */
    text = nb_malloc(CONFIG_MAX_BYTES + 1);
    while (n < CONFIG_MAX_BYTES + 1) {
        ssize_t r = read(fd, text + n, CONFIG_MAX_BYTES + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            ret = fail(&x, NULL, NULL, "cannot read: %s", strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > CONFIG_MAX_BYTES)
        ret = fail(&x, NULL, NULL, "too large (more than %d bytes)", CONFIG_MAX_BYTES);
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
