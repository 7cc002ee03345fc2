/* config.c — netblamed's JSON configuration: read the file (at most 1 MiB),
 * parse it with cJSON, validate every key and convert to struct nb_config at
 * once; cJSON never leaves agent/wire/config*.c. This file reads the file and
 * its top level; each section has its own (config_section.h).
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
 *   user       who netblamed runs as once its sockets are open when started as
 *              root (daemon/privs.c): 1..31 of [A-Za-z0-9_.-], not "-"-led;
 *              default "netblame"; "root" keeps root and every capability
 *   reflector  { enabled: bool = true, address: IP = "0.0.0.0", port: 1..65535 = 862,
 *                hold_us: 0..10000000 = 0 (lab knob: hold each reply, a slow reflector),
 *                rate_pps: 0..1000000 = 4000 (per source; 0: no limit), burst: 1..1000000
 *                = 4000, allow: [prefix] (sources answered; absent: all) }
 *   api        { address: IP = "127.0.0.1", port: 1..65535 = 9862,
 *                tls: { cert_file, key_file (both required; the key open to no one
 *                  else), ca_file (what this agent's clients verify agents with;
 *                  default the system's CAs) }, token_file (bearer tokens, one a
 *                  line, 1..2, open to no one else), metrics_open: bool = false,
 *                insecure: bool = false } — an address beyond loopback needs tls
 *                and token_file, or insecure: true (config_agent.c, THE RULE)
 *   stamp      { auth: "none" | "hmac" = "none", key_hex: hex (1..64 bytes),
 *                key_file: path to raw key bytes (1..64), relative to the
 *                config file's directory, private (mode 0600/0400, owned by root
 *                or this user), ssid: 0..65535 = 0, jitter_pct: 0..50 = 10,
 *                host_agent_prefixes: [prefix] (where a reflector's announced
 *                host agent is believed besides its own address; absent: none) }
 *   A prefix is "198.18.0.0/15", "2001:db8::/32" or a bare address; at most 64. 
 *   peers      [ { name (required, unique), family: "vnet" | "fabric" | "path"
 *                  (required), address: IP (required), port = 862,
 *                  interval_ms: 10..60000 = 1000, timeout_ms: 10..60000 = 2000,
 *                  full_size_every: 0..1000 = 10 (every Nth probe padded to the
 *                  route's MTU with DF, so an MTU black hole is loss; 0: none) } ]
 *   fabric     { inventory_file: path (required; relative to the config file's
 *                directory; fleet_json.h has its form), per_tor: 0..1000 = 2,
 *                per_pod: 0..1000 = 2, max_peers: 1..16384 = 1024, peer_histograms:
 *                bool = false (else their RTT histograms are summed by level), and
 *                port, interval_ms, timeout_ms, full_size_every as in peers } fabric
 *                peers chosen from the fleet by the Pingmesh rule (pingmesh.c): every
 *                host of this node's ToR, per_tor of each other ToR of its pod,
 *                per_pod of each other pod; more than max_peers is refused
 *   host_agent { address: IP (required), port = 9862 }    guest role: its host agent
 *   capture    { uplink: interface name (required), buffer_kib: 256..1048576 = 4096,
 *                sightings: 1024..4194304 = 65536,        host role: probe captures
 *                tap_owners: bool = false (keep CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH
 *                to find the processes behind the taps: per-thread CPU wait, privs.c) }
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
 *   inventory  { label name: string value, ... } where this agent sits in the fleet
 *                ({"rack": "r12", "tor": "tor-3"}): labels of netblame_info. At most
 *                16; names [a-zA-Z_][a-zA-Z0-9_]*, 1..63 characters, not "__"-prefixed
 *                nor node, role, version, instance, job; values 1..127 bytes of
 *                printable ASCII (config_inventory.c says why)
 *   alerts     { target_labels, deadline_ms, diagnose, fresh_ms, spool_dir,
 *                spool_max_bytes, sinks: [ { name, type, url, routing_key_file,
 *                severity, timeout_ms } ] }: Alertmanager notifications, their
 *                enrichment and forwarding (schema in config_alerts.c)
 * Names (node, peer and app names) are 1..63 characters of [A-Za-z0-9_.:-].
 * Users read this schema in deploy/man/netblame.json.5: keep both in step. */
#include "wire/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netblame/mem.h"
#include "netblame/reflector.h"
#include "wire/config_section.h"

#define CONFIG_MAX_BYTES (1024 * 1024)

/* 1..NB_NAME_MAX-1 characters of [A-Za-z0-9_.:-]. */
static bool valid_name(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= NB_NAME_MAX)
        return false;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-") == n;
}

int nb_cfg_name(struct nb_jr *x, const cJSON *obj, const char *path, const char *key,
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

int nb_cfg_addr(struct nb_jr *x, const cJSON *obj, const char *path, const char *key,
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

int nb_cfg_prefixes(struct nb_jr *x, const cJSON *obj, const char *path, const char *key,
                    struct nb_prefix *out, size_t *n)
{
    const cJSON *arr;
    char at[96], q[NB_JR_QUOTE_MAX];
    size_t i = 0;
    int rc = nb_jr_arr(x, obj, path, key, 0, &arr);

    if (rc <= 0)
        return rc;
    if (cJSON_GetArraySize(arr) > NB_PREFIXES_MAX)
        return nb_jr_fail(x, path, key, "at most %d prefixes (got %d)", NB_PREFIXES_MAX,
                          cJSON_GetArraySize(arr));
    nb_jr_at(at, sizeof(at), path, key);
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char ipath[112];
        const char *str;
        nb_jr_index(ipath, sizeof(ipath), at, i);
        if (nb_jr_str(x, it, ipath, NULL, 0, SIZE_MAX, &str) < 0)
            return -1;
        if (nb_prefix_parse(str, &out[i]) < 0) {
            nb_jr_quote(q, sizeof(q), str);
            return nb_jr_fail(x, ipath, NULL,
                              "must be an address prefix such as 198.18.0.0/15 or 2001:db8::/32, "
                              "without host bits (got %s)",
                              q);
        }
    }
    *n = i;
    return 0;
}

/* May the file open as FD (shown as Q) hold a private secret? 0, or -1 with
 * why not in WHY. */
static int check_private(int fd, const char *q, char *why, size_t len)
{
    struct stat st;

    if (fstat(fd, &st) < 0) {
        snprintf(why, len, "cannot stat %s: %s", q, strerror(errno));
        return -1;
    }
    if (st.st_uid != 0 && st.st_uid != geteuid()) {
        snprintf(why, len,
                 "%s is owned by uid %u, neither root nor this user (uid %u): its owner could "
                 "change the key",
                 q, (unsigned)st.st_uid, (unsigned)geteuid());
        return -1;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf(why, len,
                 "%s is open to its group or others (mode %04o): whoever reads the key can use "
                 "it (chmod 600 it)",
                 q, (unsigned)(st.st_mode & 07777));
        return -1;
    }
    return 0;
}

char *nb_cfg_path(const struct nb_jr *x, const char *file)
{
    const char *slash = strrchr(x->doc, '/');
    if (file[0] == '/' || !slash)
        return nb_strdup(file);
    size_t dlen = (size_t)(slash - x->doc) + 1; /* keep the '/' */
    char *full = nb_malloc(dlen + strlen(file) + 1);
    memcpy(full, x->doc, dlen);
    strcpy(full + dlen, file);
    return full;
}

int nb_cfg_secret_file(struct nb_jr *x, const char *path, const char *key, const char *file,
                       bool private, uint8_t *buf, size_t max, size_t *n)
{
    char *full, q[NB_JR_QUOTE_MAX], why[NB_JR_QUOTE_MAX + 160];
    struct stat st;
    int fd = -1, ret = -1;

    *n = 0;
    if (file[0] == '\0')
        return nb_jr_fail(x, path, key, "must not be empty");
    full = nb_cfg_path(x, file);
    nb_jr_quote(q, sizeof(q), full);
    /* stat first, so that nothing but a regular file is opened; fstat again
     * after the open */
    if (stat(full, &st) == 0 && !S_ISREG(st.st_mode)) {
        nb_jr_fail(x, path, key, "%s is not a regular file", q);
        goto out;
    }
    fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        nb_jr_fail(x, path, key, "cannot open %s: %s", q, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        nb_jr_fail(x, path, key, "%s is not a regular file", q);
        goto out;
    }
    if (private && check_private(fd, q, why, sizeof(why)) < 0) {
        nb_jr_fail(x, path, key, "%s", why);
        goto out;
    }
    while (*n < max + 1) { /* one more than MAX: a longer file is refused */
        ssize_t r = read(fd, buf + *n, max + 1 - *n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            nb_jr_fail(x, path, key, "cannot read %s: %s", q, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        *n += (size_t)r;
    }
    if (*n == 0 || *n > max) {
        nb_jr_fail(x, path, key, "%s must hold 1..%zu bytes of key (%s)", q, max,
                   *n ? "it is longer" : "it is empty");
        goto out;
    }
    ret = 0;
out:
    if (ret < 0) {
        explicit_bzero(buf, max + 1);
        *n = 0;
    }
    if (fd >= 0)
        close(fd);
    free(full);
    return ret;
}

/* Validate ROOT into C (already holding the defaults). */
static int parse_root(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    static const char *const keys[] = {
        "role",  "node",       "log_level",  "reflector", "api",
        "stamp", "peers",      "host_agent", "capture",   "app_source_ports",
        "app",   "classifier", "inventory",  "alerts",    "user",
        "fabric", NULL};
    static const char *const roles[] = {"host", "guest", NULL};
    static const char *const levels[] = {"err", "warn", "info", "debug", NULL};
    unsigned role = 0, level = 2;

    if (!cJSON_IsObject(root))
        return nb_jr_fail(x, NULL, NULL, "the document must be a JSON object (got %s)",
                          nb_jr_type(root));
    if (nb_jr_members(x, root, "", keys, NULL) < 0 ||
        nb_jr_enum(x, root, "", "role", NB_JR_REQUIRED, roles, &role) < 0 ||
        nb_cfg_name(x, root, "", "node", 0, c->node) < 0 ||
        nb_jr_enum(x, root, "", "log_level", 0, levels, &level) < 0 ||
        nb_cfg_user(x, root, c) < 0)
        return -1;
    c->role = role ? NB_ROLE_GUEST : NB_ROLE_HOST;
    snprintf(c->log_level, sizeof(c->log_level), "%s", levels[level]);
    if (nb_cfg_reflector(x, root, c) < 0 || nb_cfg_api(x, root, c) < 0 ||
        nb_cfg_stamp(x, root, c) < 0 || nb_cfg_peers(x, root, c) < 0 ||
        nb_cfg_fabric(x, root, c) < 0 ||
        nb_cfg_host_agent(x, root, c) < 0 || nb_cfg_capture(x, root, c) < 0 ||
        nb_cfg_app_ports(x, root, c) < 0 || nb_cfg_apps(x, root, c) < 0 ||
        nb_cfg_classifier(x, root, c) < 0 || nb_cfg_inventory(x, root, c) < 0 ||
        nb_cfg_alerts(x, root, c) < 0)
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
    snprintf(c->user, sizeof(c->user), "netblame");
    snprintf(c->stamp_addr, sizeof(c->stamp_addr), "0.0.0.0");
    c->stamp_port = NB_STAMP_PORT;
    c->reflector = true;
    c->reflector_rate_pps = NB_REFLECTOR_RATE_DEFAULT;
    c->reflector_burst = NB_REFLECTOR_BURST_DEFAULT;
    snprintf(c->api_addr, sizeof(c->api_addr), "127.0.0.1");
    c->api_port = NB_CFG_API_PORT;
    c->auth = NB_STAMP_UNAUTH;
    c->jitter_pct = 10;
    c->app_port_first = NB_APP_PORT_FIRST_DEFAULT;
    c->app_port_last = NB_APP_PORT_LAST_DEFAULT;
    nb_cls_thresholds_default(&c->cls);
    nb_cfg_alerts_defaults(&c->alerts);
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
        return nb_jr_fail_at(&x, text, (size_t)(nul - text), "NUL byte in the file");

    /* cJSON wants a terminated string; the copy is wiped (it may hold the key). */
    char *copy = nb_malloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    cJSON *root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 0);
    if (!root) {
        size_t off = end && end >= copy && end <= copy + len ? (size_t)(end - copy) : 0;
        nb_jr_fail_at(&x, copy, off, len ? "invalid JSON" : "empty file (expected a JSON object)");
        goto out;
    }
    end += strspn(end, " \t\r\n");
    if (*end) {
        nb_jr_fail_at(&x, copy, (size_t)(end - copy), "unexpected data after the JSON document");
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

const char *nb_config_api_reach(const struct nb_config *c)
{
    return strcmp(c->api_addr, "0.0.0.0") == 0 ? "127.0.0.1"
           : strcmp(c->api_addr, "::") == 0    ? "::1"
                                               : c->api_addr;
}

void nb_config_free(struct nb_config *c)
{
    if (!c)
        return;
    free(c->path);
    free(c->peers);
    free(c->apps);
    nb_api_sec_free(&c->api_sec);
    explicit_bzero(c, sizeof(*c)); /* also wipes the STAMP key and the API's tokens */
}
