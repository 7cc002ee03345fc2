/* pingmesh.h — which hosts of the fleet a host agent probes as fabric peers,
 * chosen as Pingmesh does (Guo et al., SIGCOMM 2015), so that the probes per
 * host stay bounded as the fleet grows. Pure: no I/O, no clock, no globals;
 * the fleet comes from the inventory file (fleet_json.h), the rule from the
 * config's "fabric" section (config_fabric.c). pingmesh.c states the rule. */
#ifndef NB_PINGMESH_H
#define NB_PINGMESH_H

#include <netinet/in.h>
#include <stddef.h>

#include "wire/config.h"

/* One host of the inventory: where it is (its ToR, the pod of that ToR) and
 * where its reflector is. Names and labels as config names (NB_NAME_MAX). */
struct nb_fleet_host {
    char name[NB_NAME_MAX];
    char addr[INET6_ADDRSTRLEN]; /* numeric IPv4/IPv6, canonical (inet_ntop) */
    char tor[NB_NAME_MAX];
    char pod[NB_NAME_MAX];
};

struct nb_fleet {
    struct nb_fleet_host *hosts; /* owned */
    size_t n;
};

/* The rule's two numbers (the same ToR is always probed whole). */
struct nb_pingmesh_rule {
    unsigned per_tor; /* hosts probed in each other ToR of this host's pod */
    unsigned per_pod; /* hosts probed in each other pod */
};

/* How many of the chosen peers each level gave. */
struct nb_pingmesh_count {
    size_t tor; /* the rest of this host's ToR */
    size_t pod; /* the other ToRs of its pod */
    size_t dc;  /* the other pods */
};

/* The peers of host SELF (an index into F's hosts) under RULE: indexes into
 * F's hosts, in a fixed order (same ToR, then ToR by ToR, then pod by pod),
 * into OUT, which holds F->n entries; returns how many, and *COUNT (may be
 * NULL) per level. The same fleet (in any order) gives the same peers. */
size_t nb_pingmesh_select(const struct nb_fleet *f, size_t self,
                          const struct nb_pingmesh_rule *rule, size_t *out,
                          struct nb_pingmesh_count *count);

/* The index of the host named NAME in F, or (size_t)-1. */
size_t nb_fleet_find(const struct nb_fleet *f, const char *name);
void nb_fleet_free(struct nb_fleet *f);

#endif
