/* capture.h — the host agent's sightings of netblame probes: one libpcap capture
 * on the "any" device (DLT_LINUX_SLL2, ns stamps, immediate mode) whose kernel
 * filter passes only netblame STAMP packets, and the SYN / SYN-ACK of app
 * probes (from their reserved source ports), on the watched guest taps and
 * physical NICs. Each captured probe becomes a struct nb_sighting handed to a
 * callback. No event loop inside: the owner watches nb_capture_fd() for
 * readability and calls nb_capture_on_readable(). Needs CAP_NET_RAW. */
#ifndef NETBLAME_CAPTURE_H
#define NETBLAME_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netblame/sighting.h"

#define NB_CAPTURE_BUFFER_DEFAULT (4u << 20) /* kernel ring for the whole host */
#define NB_CAPTURE_SNAPLEN 256 /* SLL2 + IPv6 + UDP + authenticated base + first TLVs */

struct nb_capture_cfg {
    uint16_t stamp_port; /* host order; 0: NB_STAMP_PORT */
    size_t buffer_bytes; /* 0: NB_CAPTURE_BUFFER_DEFAULT */
    /* App probes' reserved source ports (host order, inclusive): their TCP
     * handshakes (SYN out of the range, SYN-ACK back) are sighted too.
     * 0: STAMP probes only. */
    uint16_t app_port_first, app_port_last;
};

struct nb_capture;

/* Called once per sighting; S is valid only during the call. It may watch and
 * unwatch, not free the capture. */
typedef void (*nb_sighting_cb)(void *arg, const struct nb_sighting *s);

/* Open the capture, watching no interface yet (its filter passes nothing).
 * Returns NULL with a message in ERR (e.g. no CAP_NET_RAW, libpcap too old). */
struct nb_capture *nb_capture_new(const struct nb_capture_cfg *cfg, nb_sighting_cb cb, void *arg,
                                  char *err, size_t errlen);
/* Close the capture and free C (NULL is fine). */
void nb_capture_free(struct nb_capture *c);
/* The descriptor to poll for readability (pcap_get_selectable_fd). */
int nb_capture_fd(const struct nb_capture *c);

/* Watch interface IFINDEX (NAME, for logs and sightings) in ROLE; watching it
 * again updates name and role. Re-installs the kernel filter; on failure the
 * previous set and filter stay in force. Returns 0, or -1 (logged). */
int nb_capture_watch(struct nb_capture *c, int ifindex, const char *name, enum nb_if_role role);
/* nb_capture_watch() for the N interfaces V with one install of the filter
 * (a host agent's first pass over a thousand taps: one, not a thousand, and
 * no quadratic work). If that install is refused, each is tried alone as
 * nb_capture_watch() would. OK[i] says whether V[i] is watched; returns how
 * many are. */
struct nb_capture_if {
    int ifindex;
    const char *name;
    enum nb_if_role role;
};
size_t nb_capture_watch_many(struct nb_capture *c, const struct nb_capture_if *v, size_t n,
                             bool *ok);
/* Stop watching IFINDEX and re-install the filter. Returns 0, or -1 if it was
 * not watched or the filter could not be installed (logged). */
int nb_capture_unwatch(struct nb_capture *c, int ifindex);
/* Number of interfaces watched. */
size_t nb_capture_watched(const struct nb_capture *c);

/* Read what is pending, at most a fixed budget of packets per call (the fd
 * stays readable if more remain), calling the callback per sighting. */
void nb_capture_on_readable(struct nb_capture *c);
/* Read everything the ring holds now (bounded), e.g. before answering a query
 * that must include every frame captured so far. Returns the frames read. */
size_t nb_capture_drain(struct nb_capture *c);

struct nb_capture_stats {
    uint64_t packets;        /* frames read from the ring */
    uint64_t sightings;      /* handed to the callback */
    uint64_t not_watched;    /* a probe on an interface no longer (or not) watched */
    uint64_t malformed;      /* neither STAMP nor an app handshake, or cut short */
    uint64_t no_probe_id;    /* STAMP, but no complete netblame probe-id TLV captured */
    uint64_t kernel_drops;   /* pcap_stats ps_drop: ring full */
    uint64_t kernel_ifdrops; /* pcap_stats ps_ifdrop */
    uint64_t filter_insns;   /* the kernel filter's instructions now (BPF_MAXINSNS 4096) */
};
/* Counters since nb_capture_new. */
void nb_capture_stats(struct nb_capture *c, struct nb_capture_stats *out);

/* Pure: parse one captured SLL2 frame (as libpcap hands it, CAPLEN bytes) into
 * *OUT: probe id, proto, kind, dir and ifindex; role 0, ifname empty, ts 0.
 * CFG gives the STAMP port and the app source ports. Returns 0, or -1 for
 * anything not a netblame probe or app handshake (*OUT then untouched);
 * every length is checked before it is read. */
int nb_capture_parse_sll2(const uint8_t *frame, size_t caplen, const struct nb_capture_cfg *cfg,
                          struct nb_sighting *out);

#endif
