/* config_peers.c — "peers" of netblamed's configuration (see the schema in
 * config.c): the STAMP sessions this agent runs, and the names of their
 * probe families. */
#include "wire/config_section.h"

#include <stdio.h>
#include <string.h>

#include "netblame/mem.h"

const char *const nb_cfg_family_names[NB_FAMILY__COUNT + 1] = {"vnet", "fabric", "path", NULL};

const char *nb_family_name(enum nb_family f)
{
    if ((unsigned)f >= NB_FAMILY__COUNT)
        return "unknown";
    return nb_cfg_family_names[f];
}

int nb_family_parse(const char *name, enum nb_family *f)
{
    if (!name)
        return -1;
    for (unsigned i = 0; i < NB_FAMILY__COUNT; i++) {
        if (strcmp(name, nb_cfg_family_names[i]) == 0) {
            *f = (enum nb_family)i;
            return 0;
        }
    }
    return -1;
}

static int parse_peer(struct nb_jr *x, const cJSON *o, const char *path, struct nb_peer_cfg *p)
{
    static const char *const keys[] = {"name",        "family",     "address",         "port",
                                       "interval_ms", "timeout_ms", "full_size_every", NULL};
    unsigned fam = 0;
    int64_t port = NB_STAMP_PORT, interval = 1000, timeout = 2000, full = NB_FULL_SIZE_EVERY;

    if (nb_jr_members(x, o, path, keys, NULL) < 0 ||
        nb_cfg_name(x, o, path, "name", NB_JR_REQUIRED, p->name) < 0 ||
        nb_jr_enum(x, o, path, "family", NB_JR_REQUIRED, nb_cfg_family_names, &fam) < 0 ||
        nb_cfg_addr(x, o, path, "address", NB_JR_REQUIRED, p->host) < 0 ||
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
    p->histograms = true;
    return 0;
}

int nb_cfg_peers(struct nb_jr *x, const cJSON *root, struct nb_config *c)
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
