/* config_fabric.c — "fabric" of netblamed's configuration (see the schema in
 * config.c): fabric peers chosen from the fleet's inventory file rather than
 * written one by one. The file (fleet_json.h) is read at every load, so a
 * SIGHUP re-reads it; this agent finds itself in it by its "node" name, and
 * pingmesh.c's rule picks its peers, which join "peers" as fabric peers with
 * this section's port, interval, timeout and padding: to the probe engine,
 * the verdicts and /metrics they are configured peers like any other.
 *
 * BOUND. The rule bounds the peers by the fleet's shape; max_peers bounds
 * them outright. A rule that picks more than max_peers is refused with its
 * counts (at start: netblamed does not start; at a reload: the running
 * configuration stays), never cut silently: a silently cut peer set is a
 * part of the fabric nobody probes. Each peer costs a socket, a timer and
 * its series; see README "Scale of the fabric family".
 *
 * SERIES. Such peers have their counters and verdicts in /metrics like any
 * peer, but their RTT and hold-time histograms (44 of a peer's 64 series)
 * only summed by level (netblame_fabric_rtt_seconds{level}), unless
 * peer_histograms: a fleet's thousands of peers per host would otherwise
 * be most of what Prometheus stores. */
#include "wire/config_section.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netblame/mem.h"
#include "wire/fleet_json.h"
#include "wire/pingmesh.h"

/* FILE (member KEY of PATH, relative to X's directory) whole into *TEXT
 * (free it), *LEN bytes: a regular file of at most NB_FLEET_BYTES_MAX. */
static int read_inventory(struct nb_jr *x, const char *path, const char *key, const char *full,
                          char **text, size_t *len)
{
    char q[NB_JR_QUOTE_MAX];
    struct stat st;
    size_t n = 0, cap;
    char *buf;
    int fd;

    nb_jr_quote(q, sizeof(q), full);
    if (stat(full, &st) == 0 && !S_ISREG(st.st_mode))
        return nb_jr_fail(x, path, key, "%s is not a regular file", q);
    fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return nb_jr_fail(x, path, key, "cannot open %s: %s", q, strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return nb_jr_fail(x, path, key, "%s is not a regular file", q);
    }
    if (st.st_size > NB_FLEET_BYTES_MAX) {
        close(fd);
        return nb_jr_fail(x, path, key, "%s is too large (%lld bytes; the limit is %d)", q,
                          (long long)st.st_size, NB_FLEET_BYTES_MAX);
    }
    cap = (size_t)st.st_size + 1; /* one more: a file that grew is still bounded */
    buf = nb_malloc(cap + 1);
    while (n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            nb_jr_fail(x, path, key, "cannot read %s: %s", q, strerror(errno));
            close(fd);
            free(buf);
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n == cap) {
        free(buf);
        return nb_jr_fail(x, path, key, "%s changed while it was read", q);
    }
    *text = buf;
    *len = n;
    return 0;
}

int nb_cfg_fabric(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    static const char *const p = "fabric";
    static const char *const keys[] = {
        "inventory_file", "per_tor",    "per_pod",         "max_peers",       "port",
        "interval_ms",    "timeout_ms", "full_size_every", "peer_histograms", NULL};
    int64_t per_tor = 2, per_pod = 2, max = 1024, port = NB_STAMP_PORT, interval = 1000,
            timeout = 2000, full = NB_FULL_SIZE_EVERY;
    bool histograms = false;
    const cJSON *o;
    const char *file;
    char *full_path = NULL, *text = NULL, q[NB_JR_QUOTE_MAX];
    struct nb_fleet f = {0};
    struct nb_pingmesh_count cnt;
    size_t len = 0, self, k, n0, *sel = NULL;
    int ret = -1, rc = nb_jr_obj(x, root, "", p, 0, keys, &o);

    if (rc <= 0)
        return rc;
    if (nb_jr_str(x, o, p, "inventory_file", NB_JR_REQUIRED | NB_JR_NONEMPTY, SIZE_MAX, &file) <
            0 ||
        nb_jr_int(x, o, p, "per_tor", 0, 0, 1000, &per_tor) < 0 ||
        nb_jr_int(x, o, p, "per_pod", 0, 0, 1000, &per_pod) < 0 ||
        nb_jr_int(x, o, p, "max_peers", 0, 1, NB_FABRIC_PEERS_MAX, &max) < 0 ||
        nb_jr_int(x, o, p, "port", 0, 1, 65535, &port) < 0 ||
        nb_jr_int(x, o, p, "interval_ms", 0, 10, 60000, &interval) < 0 ||
        nb_jr_int(x, o, p, "timeout_ms", 0, 10, 60000, &timeout) < 0 ||
        nb_jr_int(x, o, p, "full_size_every", 0, 0, 1000, &full) < 0 ||
        nb_jr_bool(x, o, p, "peer_histograms", 0, &histograms) < 0)
        return -1;
    full_path = nb_cfg_path(x, file);
    if (read_inventory(x, p, "inventory_file", full_path, &text, &len) < 0)
        goto out;
    {
        /* the file's own messages name it and the host: "fleet.json: hosts[3].tor: ..." */
        char err[512];
        if (nb_fleet_json_parse(text, len, full_path, &f, err, sizeof(err)) < 0) {
            nb_jr_fail(x, p, "inventory_file", "%s", err);
            goto out;
        }
    }
    nb_jr_quote(q, sizeof(q), full_path);
    self = nb_fleet_find(&f, c->node);
    if (self == (size_t)-1) {
        nb_jr_fail(x, p, "inventory_file",
                   "this agent (node \"%s\") is not in %s: its hosts are matched by \"name\"",
                   c->node, q);
        goto out;
    }
    sel = nb_calloc(f.n, sizeof(*sel));
    struct nb_pingmesh_rule rule = {(unsigned)per_tor, (unsigned)per_pod};
    k = nb_pingmesh_select(&f, self, &rule, sel, &cnt);
    if (k > (size_t)max) {
        nb_jr_fail(x, p, "max_peers",
                   "the rule picks %zu peers for node \"%s\" (%zu in its ToR, %zu in the other "
                   "ToRs of its pod, %zu in other pods), more than max_peers (%lld): lower "
                   "per_tor or per_pod, or raise max_peers (at most %d)",
                   k, c->node, cnt.tor, cnt.pod, cnt.dc, (long long)max, NB_FABRIC_PEERS_MAX);
        goto out;
    }
    c->peers = nb_realloc(c->peers, (c->npeers + k + 1) * sizeof(*c->peers));
    n0 = c->npeers; /* the "peers" written out; the inventory's names are unique */
    for (size_t i = 0; i < k; i++) {
        const struct nb_fleet_host *h = &f.hosts[sel[i]];
        struct nb_peer_cfg *pc = &c->peers[c->npeers];
        for (size_t j = 0; j < n0; j++)
            if (strcmp(c->peers[j].name, h->name) == 0) {
                nb_jr_fail(x, p, "inventory_file",
                           "host \"%s\" of %s has the name of peers[%zu]: a peer name is its "
                           "metrics label, so each once",
                           h->name, q, j);
                goto out;
            }
        memset(pc, 0, sizeof(*pc));
        snprintf(pc->name, sizeof(pc->name), "%s", h->name);
        snprintf(pc->host, sizeof(pc->host), "%s", h->addr);
        pc->family = NB_FAMILY_FABRIC;
        pc->port = (uint16_t)port;
        pc->interval_ms = (unsigned)interval;
        pc->timeout_ms = (unsigned)timeout;
        pc->full_size_every = (unsigned)full;
        pc->level = i < cnt.tor ? 1 : i < cnt.tor + cnt.pod ? 2 : 3; /* the pick's order */
        pc->histograms = histograms;
        c->npeers++;
    }
    c->fabric = true;
    c->fabric_hosts = f.n;
    c->fabric_peers[0] = cnt.tor;
    c->fabric_peers[1] = cnt.pod;
    c->fabric_peers[2] = cnt.dc;
    ret = 0;
out:
    free(sel);
    nb_fleet_free(&f);
    free(text);
    free(full_path);
    /* the file's JSON tree was many small blocks (a 100,000-host file: about
     * 100 MB at its peak): give the pages back rather than keep them in
     * the daemon's heap until the next reload */
    malloc_trim(0);
    return ret;
}
