/* sighting.h — a host agent's observation of a netblame probe on one of its
 * interfaces: (probe id, packet kind, interface role, direction, timestamp).
 * The agent that computes a verdict maps its own host's sightings to the HA.*
 * points and the remote host's to HB.* (segments.h).
 *
 * Two kinds of probe are sighted. STAMP probes carry their id in a TLV; its
 * high 32 bits are the sender's session. An app probe's TCP handshake carries
 * no id of ours, so one is made from what the segments carry: the guest end
 * (the client, whose source port netblame picks from a reserved range, so a
 * (guest address, guest port) pair is one connection at a time) and the
 * server port — see nb_tcp_probe_id(). Its "session" is then the guest's
 * address, and the SYN is the test packet, the SYN-ACK the reply. The
 * guest's initial sequence number, carried by both, tells apart handshakes
 * whose ends repeat when the port range wraps. */
#ifndef NETBLAME_SIGHTING_H
#define NETBLAME_SIGHTING_H

#include <stdint.h>

#include "netblame/clock.h"

enum nb_pkt_kind { NB_PKT_TEST = 0, NB_PKT_REPLY = 1 };      /* sender->reflector, back */
enum nb_if_role { NB_IF_TAP = 0, NB_IF_NIC = 1 };            /* guest tap, physical uplink */
enum nb_dir { NB_DIR_IN = 0, NB_DIR_OUT = 1 };               /* as the host sees the frame */
enum nb_probe_proto { NB_PROTO_STAMP = 0, NB_PROTO_TCP = 1 }; /* STAMP probe, app handshake */

struct nb_sighting {
    uint64_t probe_id;
    nb_ns ts;           /* kernel stamp (libpcap, ns precision), CLOCK_REALTIME */
    uint8_t kind;       /* enum nb_pkt_kind */
    uint8_t role;       /* enum nb_if_role */
    uint8_t dir;        /* enum nb_dir */
    uint8_t proto;      /* enum nb_probe_proto */
    uint32_t isn;       /* TCP: the guest's initial sequence number (the SYN's seq,
                           the SYN-ACK's ack - 1): one connection's mark on every
                           host, where ports repeat; 0 for STAMP */
    int ifindex;
    char ifname[16];
};

/* The session part of an app probe's id: the guest's IPv4 address (host
 * order), or for IPv6 a 32-bit FNV-1a fold of its 16 bytes. */
static inline uint32_t nb_tcp_session(const uint8_t *addr, int ipv6)
{
    if (!ipv6)
        return (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 |
               addr[3];
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ addr[i]) * 16777619u;
    return h;
}

/* An app probe's id: session (the guest address), guest port, server port. */
static inline uint64_t nb_tcp_probe_id(uint32_t session, uint16_t guest_port, uint16_t server_port)
{
    return (uint64_t)session << 32 | (uint64_t)guest_port << 16 | server_port;
}

#endif
