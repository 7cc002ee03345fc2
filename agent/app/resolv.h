/* resolv.h — asynchronous DNS (c-ares) on the libev loop, for app probes.
 * The system's resolver configuration (/etc/resolv.conf) by default. Errors
 * come back typed, so an app probe can say NXDOMAIN rather than "failed". */
#ifndef NB_RESOLV_H
#define NB_RESOLV_H

#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>

#include "netblame/ntp.h"

/* Stable names: they label netblame_app_* metrics and diagnose output. */
enum nb_dns_result {
    NB_DNS_OK = 0,
    NB_DNS_NXDOMAIN,   /* the name does not exist */
    NB_DNS_SERVFAIL,   /* the server failed */
    NB_DNS_TIMEOUT,    /* no answer in time */
    NB_DNS_REFUSED,    /* the server refused */
    NB_DNS_NO_ADDRESS, /* the name exists but has no IPv4 address */
    NB_DNS_ERROR,      /* anything else (bad name, no servers configured, ...) */
};
const char *nb_dns_result_name(enum nb_dns_result r);

struct nb_resolv;

/* Open a resolver on LOOP; TIMEOUT_MS per try, TRIES tries. NULL + ERR on failure. */
struct nb_resolv *nb_resolv_new(struct ev_loop *loop, int timeout_ms, int tries, char *err,
                                size_t errlen);
void nb_resolv_free(struct nb_resolv *r);

typedef void (*nb_resolv_cb)(void *arg, enum nb_dns_result res, const struct in_addr *addr);
/* Look up NAME's IPv4 address; CB is called exactly once, from the loop (or,
 * when the resolver is freed with the lookup pending, with NB_DNS_ERROR). */
void nb_resolv_lookup(struct nb_resolv *r, const char *name, nb_resolv_cb cb, void *arg);

#endif
