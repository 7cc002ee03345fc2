/* links_json.h — the wire form of GET /v1/links (a host agent's watched
 * interfaces and their kernel counters), rendered by the host agent and
 * parsed by the agent that attaches link evidence to a verdict. */
#ifndef NB_LINKS_JSON_H
#define NB_LINKS_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "netblame/buf.h"
#include "netblame/linkstats.h"

#define NB_LINKS_MAX 4096

struct nb_link_report {
    char name[NB_LINK_NAMESIZ];
    bool nic;            /* role: uplink NIC, else guest tap */
    bool up, carrier;
    struct nb_link_counters c;
};

/* {"node":..,"links":[{"name","role":"tap|nic","up","carrier","rx_packets":"N",...}]} */
void nb_links_json_render(const char *node, const struct nb_link_report *l, size_t n,
                          struct nb_buf *b);
/* Parse into OUT (CAP entries). Members a newer agent adds are passed over, a
 * repeated key is refused (wire/jsonread.h). Returns the count, or -1 with a
 * reason in ERR. */
int nb_links_json_parse(const char *text, size_t len, struct nb_link_report *out, size_t cap,
                        char *err, size_t errlen);

#endif
