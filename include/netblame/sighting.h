/* sighting.h — a host agent's observation of a netblame probe on one of its
 * interfaces: (probe id, packet kind, interface role, direction, timestamp).
 * The agent that computes a verdict maps its own host's sightings to the HA.*
 * points and the remote host's to HB.* (segments.h). */
#ifndef NETBLAME_SIGHTING_H
#define NETBLAME_SIGHTING_H

#include <stdint.h>

#include "netblame/ntp.h"

enum nb_pkt_kind { NB_PKT_TEST = 0, NB_PKT_REPLY = 1 };      /* sender->reflector, back */
enum nb_if_role { NB_IF_TAP = 0, NB_IF_NIC = 1 };            /* guest tap, physical uplink */
enum nb_dir { NB_DIR_IN = 0, NB_DIR_OUT = 1 };               /* as the host sees the frame */

struct nb_sighting {
    uint64_t probe_id;
    nb_ns ts;           /* kernel stamp (libpcap, ns precision), CLOCK_REALTIME */
    uint8_t kind;       /* enum nb_pkt_kind */
    uint8_t role;       /* enum nb_if_role */
    uint8_t dir;        /* enum nb_dir */
    int ifindex;
    char ifname[16];
};

#endif
