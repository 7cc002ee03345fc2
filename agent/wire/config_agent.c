/* config_agent.c — the sections of netblamed's configuration about this
 * agent's own services (see the schema in config.c): "reflector", "api",
 * "stamp" with its key, "host_agent" (a guest's), "capture" (a host's) and
 * "user" (who it runs as, daemon/privs.c). */
#include "wire/config_section.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netblame/mem.h"

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
    uint8_t buf[NB_STAMP_KEY_MAX + 1];
    size_t n = 0;

    /* private: a key others can read is no secret (refused, as ssh does) */
    if (nb_cfg_secret_file(x, "stamp", "key_file", file, true, buf, NB_STAMP_KEY_MAX, &n) < 0)
        return -1;
    memcpy(key->key, buf, n);
    key->len = n;
    explicit_bzero(buf, sizeof(buf));
    return 0;
}

int nb_cfg_reflector(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {"enabled", "address", "port",  "hold_us",
                                       "rate_pps", "burst",  "allow", NULL};
    const cJSON *o;
    int64_t port = NB_STAMP_PORT, hold = 0, rate = c->reflector_rate_pps, burst = c->reflector_burst;
    int rc = nb_jr_obj(x, root, "", "reflector", 0, keys, &o);

    if (rc <= 0)
        return rc;
    if (nb_jr_bool(x, o, "reflector", "enabled", 0, &c->reflector) < 0 ||
        nb_cfg_addr(x, o, "reflector", "address", 0, c->stamp_addr) < 0 ||
        nb_jr_int(x, o, "reflector", "port", 0, 1, 65535, &port) < 0 ||
        nb_jr_int(x, o, "reflector", "hold_us", 0, 0, 10000000, &hold) < 0 ||
        nb_jr_int(x, o, "reflector", "rate_pps", 0, 0, 1000000, &rate) < 0 ||
        nb_jr_int(x, o, "reflector", "burst", 0, 1, 1000000, &burst) < 0 ||
        nb_cfg_prefixes(x, o, "reflector", "allow", c->reflector_allow, &c->reflector_nallow) < 0)
        return -1;
    c->stamp_port = (uint16_t)port;
    c->reflector_hold_us = (unsigned)hold;
    c->reflector_rate_pps = (unsigned)rate;
    c->reflector_burst = (unsigned)burst;
    return 0;
}

/* A PEM file of the "api.tls" object (member KEY), NUL-terminated into *OUT. */
static int read_pem(struct nb_jr *x, const char *key, const char *file, bool private, char **out)
{
    uint8_t *buf = nb_malloc(NB_API_PEM_MAX + 1);
    size_t n = 0;
    if (nb_cfg_secret_file(x, "api.tls", key, file, private, buf, NB_API_PEM_MAX - 1, &n) < 0) {
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    *out = (char *)buf;
    if (!strstr(*out, "-----BEGIN ")) {
        char q[NB_JR_QUOTE_MAX], *full = nb_cfg_path(x, file);
        nb_jr_quote(q, sizeof(q), full);
        free(full);
        return nb_jr_fail(x, "api.tls", key, "%s is not PEM (no -----BEGIN line)", q);
    }
    return 0;
}

static int api_tls(struct nb_jr *x, const cJSON *api, struct nb_api_sec *sec)
{
    static const char *const keys[] = {"cert_file", "key_file", "ca_file", NULL};
    const cJSON *o;
    const char *cert, *key, *ca;
    int rc = nb_jr_obj(x, api, "api", "tls", 0, keys, &o);
    if (rc <= 0)
        return rc;
    if (nb_jr_str(x, o, "api.tls", "cert_file", NB_JR_REQUIRED, SIZE_MAX, &cert) < 0 ||
        nb_jr_str(x, o, "api.tls", "key_file", NB_JR_REQUIRED, SIZE_MAX, &key) < 0 ||
        nb_jr_str(x, o, "api.tls", "ca_file", 0, SIZE_MAX, &ca) < 0 ||
        read_pem(x, "cert_file", cert, false, &sec->cert_pem) < 0 ||
        read_pem(x, "key_file", key, true, &sec->key_pem) < 0)
        return -1;
    if (ca) { /* libcurl reads it at each request: here it must be a readable file */
        struct stat st;
        char q[NB_JR_QUOTE_MAX];
        sec->ca_file = nb_cfg_path(x, ca);
        nb_jr_quote(q, sizeof(q), sec->ca_file);
        if (stat(sec->ca_file, &st) < 0 || !S_ISREG(st.st_mode) || access(sec->ca_file, R_OK) < 0)
            return nb_jr_fail(x, "api.tls", "ca_file", "%s is not a readable file", q);
    }
    sec->tls = true;
    return 0;
}

static int api_tokens(struct nb_jr *x, const char *file, struct nb_api_sec *sec)
{
    size_t max = NB_API_TOKENS * (NB_API_TOKEN_MAX + 1), n = 0;
    uint8_t *buf = nb_malloc(max + 1);
    char why[200];
    int rc = nb_cfg_secret_file(x, "api", "token_file", file, true, buf, max, &n);
    if (rc == 0 && (rc = nb_api_tokens_parse((const char *)buf, n, sec, why, sizeof(why))) < 0)
        nb_jr_fail(x, "api", "token_file", "%s", why);
    explicit_bzero(buf, max + 1);
    free(buf);
    return rc;
}

static bool loopback(const char *addr)
{
    struct in6_addr a6;
    struct in_addr a4;
    if (inet_pton(AF_INET, addr, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    return inet_pton(AF_INET6, addr, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* THE RULE: an API that other machines can reach answers control requests
 * only over TLS and with a token, unless the config says "insecure": true
 * in so many words. Loopback needs neither (the default: 127.0.0.1). */
int nb_cfg_api(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {"address",      "port",     "tls", "token_file",
                                       "metrics_open", "insecure", NULL};
    const cJSON *o;
    const char *tokens;
    int64_t port = NB_CFG_API_PORT;
    struct nb_api_sec *sec = &c->api_sec;
    int rc = nb_jr_obj(x, root, "", "api", 0, keys, &o);

    if (rc <= 0)
        return rc;
    if (nb_cfg_addr(x, o, "api", "address", 0, c->api_addr) < 0 ||
        nb_jr_int(x, o, "api", "port", 0, 1, 65535, &port) < 0 ||
        nb_jr_bool(x, o, "api", "metrics_open", 0, &sec->metrics_open) < 0 ||
        nb_jr_bool(x, o, "api", "insecure", 0, &sec->insecure) < 0 ||
        nb_jr_str(x, o, "api", "token_file", 0, SIZE_MAX, &tokens) < 0 || api_tls(x, o, sec) < 0 ||
        (tokens && api_tokens(x, tokens, sec) < 0))
        return -1;
    c->api_port = (uint16_t)port;
    if (!loopback(c->api_addr) && !sec->insecure && (!sec->tls || !sec->ntokens))
        return nb_jr_fail(x, "api", "address",
                          "%s is reachable from other machines: give api.tls and api.token_file "
                          "(README, Securing the control API), or set \"insecure\": true to "
                          "serve it %s on purpose",
                          c->api_addr, sec->tls ? "without a token" : "unencrypted");
    return 0;
}

int nb_cfg_stamp(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {"auth",       "key_hex",    "key_file",
                                       "ssid",       "jitter_pct", "host_agent_prefixes", NULL};
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
        nb_jr_int(x, o, "stamp", "jitter_pct", 0, 0, 50, &jitter) < 0 ||
        nb_cfg_prefixes(x, o, "stamp", "host_agent_prefixes", c->host_agent_prefixes,
                        &c->n_host_agent_prefixes) < 0)
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

int nb_cfg_host_agent(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {"address", "port", NULL};
    const cJSON *o;
    int64_t port = NB_CFG_API_PORT;
    int rc = nb_jr_obj(x, root, "", "host_agent", 0, keys, &o);

    if (rc <= 0)
        return rc;
    if (nb_cfg_addr(x, o, "host_agent", "address", NB_JR_REQUIRED, c->host_agent_addr) < 0 ||
        nb_jr_int(x, o, "host_agent", "port", 0, 1, 65535, &port) < 0)
        return -1;
    c->host_agent_port = (uint16_t)port;
    c->has_host_agent = true;
    return 0;
}

int nb_cfg_user(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    const char *s;
    size_t n;

    if (nb_jr_str(x, root, "", "user", 0, SIZE_MAX, &s) < 0)
        return -1;
    if (!s)
        return 0;
    n = strlen(s);
    if (n == 0 || n >= sizeof(c->user) || s[0] == '-' ||
        strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != n)
        return nb_jr_fail(x, NULL, "user", "must be a user name: 1..%zu characters of "
                          "[A-Za-z0-9_.-], not starting with '-'", sizeof(c->user) - 1);
    snprintf(c->user, sizeof(c->user), "%s", s);
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

int nb_cfg_capture(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {"uplink", "buffer_kib", "sightings", "tap_owners", NULL};
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
        nb_jr_int(x, o, "capture", "sightings", 0, 1024, 4194304, &sightings) < 0 ||
        nb_jr_bool(x, o, "capture", "tap_owners", 0, &c->tap_owners) < 0)
        return -1;
    c->capture_buffer_kib = (unsigned)buffer;
    c->sightings_capacity = (unsigned)sightings;
    c->capture = true;
    return 0;
}
