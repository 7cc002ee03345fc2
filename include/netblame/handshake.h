/* handshake.h — an app probe's TCP handshake on the observation points of
 * DESIGN §2 (classifier, pure).
 *
 * The SYN plays the test packet and the SYN-ACK the reply: the host agents
 * sight both at tap and NIC (capture.h), so connect time splits into the same
 * segments as a STAMP probe. The guest end is the kernel's own measurement:
 * A.tx = 0 and A.rx = the SYN's round trip from TCP_INFO (one clock, so only
 * the difference matters). Beyond HB's tap the SYN is answered by the
 * server's KERNEL, never by the application (which only accepts later): the
 * SYN->SYN-ACK turnaround below HB's tap is guest stack and virtio, so it is
 * all remote_virtual, and remote_app is unknown for a handshake — the app's
 * own time is measured as server time (first byte minus the handshake's round
 * trip) by the caller.
 *
 * A retransmitted SYN makes the handshake a loss to locate, not a time to
 * split: copies are counted per point, and the handshake counts as seen at a
 * point only if as many copies passed it as the point before (every SYN the
 * guest sent; every SYN-ACK the server sent), so the first point where
 * copies went missing is where the loss was. */
#ifndef NETBLAME_HANDSHAKE_H
#define NETBLAME_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netblame/clock.h"
#include "netblame/segments.h"
#include "netblame/sighting.h"

/* One app probe's handshake as its guest saw it. */
struct nb_handshake {
    uint64_t id;         /* nb_tcp_probe_id() of its ends */
    bool established;    /* connect() completed */
    bool have_rtt;       /* kernel SYN round trip known (no retransmit) */
    nb_ns rtt;
    unsigned syn_sent;   /* SYNs sent: 1 + retransmits (>= 1) */
    nb_ns from, to;      /* CLOCK_REALTIME window its sightings may lie in */
};

/* Sightings gathered per handshake and point, host agent by host agent. */
struct nb_hs_tally {
    bool local_ok, remote_ok;  /* that host's agent answered */
    bool have_isn;             /* the guest's ISN, from the first sighting placed */
    uint32_t isn;
    unsigned count[NB_PT__COUNT];
    nb_ns first[NB_PT__COUNT];
};

/* Add one host agent's sightings S[0..NS) to the tallies T[0..N) of the
 * handshakes H[0..N). LOCAL: the guest's own host (HA.*), else the server's
 * (HB.*). Only TCP sightings whose id matches and whose stamp lies in the
 * handshake's window count (ids are reused when the port range wraps; the
 * window keeps an older handshake's sightings out), and once a sighting has
 * been placed, only sightings with its ISN: tally the local agent's first
 * (read from a cursor taken before the probes, so exactly theirs), and the
 * server's host, whose ring is read whole, is matched on the ISN instead of
 * a clock it does not share. */
void nb_handshake_tally(const struct nb_handshake *h, struct nb_hs_tally *t, size_t n,
                        const struct nb_sighting *s, size_t ns, int local);

/* The observation of handshake H from its tally T, for nb_waterfall_compute:
 * established without retransmit → decomposable; otherwise lost, located by
 * the copies' counts. */
void nb_handshake_obs(const struct nb_handshake *h, const struct nb_hs_tally *t,
                      struct nb_path_obs *out);

/* Waterfall of N handshakes (nb_waterfall_compute, then remote_app marked
 * unknown: a handshake has none). */
void nb_handshake_waterfall(const struct nb_handshake *h, const struct nb_hs_tally *t, size_t n,
                            struct nb_waterfall *out);

#endif
