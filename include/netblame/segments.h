/* segments.h — round-trip decomposition of DESIGN §2 (classifier, pure).
 *
 * A path probe from guest A to guest B and back is observed at up to twelve
 * points, in path order. Each segment is a difference of timestamps taken on
 * ONE clock (A's, HA's, HB's or B's), so no clock synchronisation is assumed:
 *
 *   local virtual   = [A.rx − A.tx] − [HA.tap.out − HA.tap.in]
 *   local switch    = [HA.nic.out − HA.tap.in] + [HA.tap.out − HA.nic.in]
 *   physical        = [HA.nic.in − HA.nic.out] − [HB.nic.out − HB.nic.in]
 *   remote switch   = [HB.tap.out − HB.nic.in] + [HB.nic.out − HB.tap.in]
 *   remote virtual  = [HB.tap.in − HB.tap.out] − [B.tx − B.rx]
 *   remote app      = [B.tx − B.rx]
 *
 * The six sum to A.rx − A.tx. A segment whose points are missing is unknown —
 * never zero. A lost probe is blamed on the span after the last point where it
 * was seen, up to the next point that could have seen it. */
#ifndef NETBLAME_SEGMENTS_H
#define NETBLAME_SEGMENTS_H

#include <stdbool.h>

#include "netblame/clock.h"

enum nb_point {
    NB_PT_A_TX = 0,
    NB_PT_HA_TAP_IN,
    NB_PT_HA_NIC_OUT,
    NB_PT_HB_NIC_IN,
    NB_PT_HB_TAP_OUT,
    NB_PT_B_RX,
    NB_PT_B_TX,
    NB_PT_HB_TAP_IN,
    NB_PT_HB_NIC_OUT,
    NB_PT_HA_NIC_IN,
    NB_PT_HA_TAP_OUT,
    NB_PT_A_RX,
    NB_PT__COUNT
};
const char *nb_point_name(enum nb_point p); /* "A.tx", "HA.tap.in", ... */

enum nb_segment {
    NB_SEG_LOCAL_VIRTUAL = 0,
    NB_SEG_LOCAL_SWITCH,
    NB_SEG_PHYSICAL,
    NB_SEG_REMOTE_SWITCH,
    NB_SEG_REMOTE_VIRTUAL,
    NB_SEG_REMOTE_APP,
    NB_SEG__COUNT
};
const char *nb_segment_name(enum nb_segment s);  /* "local_virtual", ... */
const char *nb_segment_layer(enum nb_segment s); /* "virtual", "physical", "app" */

/* What was observed of one probe. OBSERVABLE marks the points an agent was in
 * place to see (a plain STAMP reflector has no HB.* points). For a lost probe
 * B.rx/B.tx are observable only when the caller knows whether the reflector
 * received it (a stateful reflector's sequence numbers tell): seen if it did,
 * unseen if not; otherwise not observable. */
struct nb_path_obs {
    bool observable[NB_PT__COUNT];
    bool seen[NB_PT__COUNT];
    nb_ns t[NB_PT__COUNT];
    bool lost; /* no reply reached A */
};

struct nb_segments {
    bool known[NB_SEG__COUNT];
    nb_ns v[NB_SEG__COUNT];
};

/* Decompose an answered probe. Segments whose points were not all seen are
 * left unknown. */
void nb_segments_compute(const struct nb_path_obs *o, struct nb_segments *out);

/* Where a lost probe was lost: the hops from the last point it was seen at
 * (*FROM) to the next point that could have seen it (*TO). *SEGMASK gets bit
 * (1 << segment) for every segment those hops cross: one bit when the loss is
 * localised to a segment, several when missing observation points leave it
 * ambiguous (e.g. a plain STAMP reflector: physical|remote_*). Returns false
 * when the probe was seen nowhere, or came back (seen at A.rx). */
bool nb_loss_locate(const struct nb_path_obs *o, unsigned *segmask, enum nb_point *from,
                    enum nb_point *to);

/* The point a host agent's sighting stands for. LOCAL: the sender's own host
 * (HA), else the reflector's (HB). The test packet enters a sender-side tap
 * (guest->host is inbound on vnetX) and leaves by the NIC; the reply the
 * other way round. Returns NB_PT__COUNT for a combination that is no point
 * (e.g. a test packet leaving the sender's host by its tap). */
enum nb_point nb_point_of_sighting(int local, int kind, int role, int dir);

/* Per-segment figures over a window of probes. */
#define NB_QMAX 3 /* p50, p90, p99 */
struct nb_seg_figures {
    size_t known;            /* probes for which the segment was computable */
    double p50, p90, p99;    /* ns, over those */
    double p50_lo, p90_lo;   /* their 99 % lower confidence bounds (quantile.h); 0: absent,
                                the point figure stands in */
    unsigned lost;           /* lost probes localised to this segment alone */
    unsigned lost_shared;    /* lost probes whose span includes it among others */
};
struct nb_waterfall {
    size_t probes, answered, lost, lost_unlocated;
    struct nb_seg_figures seg[NB_SEG__COUNT];
};
/* Figures of N observed probes. Pure; allocates scratch internally. */
void nb_waterfall_compute(const struct nb_path_obs *obs, size_t n, struct nb_waterfall *out);
/* Figures of a window observed only end to end (no host agent's sightings):
 * every segment unknown but the reflector's own time HOLD (one clock, B's),
 * every lost probe located nowhere. */
void nb_waterfall_end_to_end(size_t probes, size_t answered, size_t lost,
                             const struct nb_seg_figures *hold, struct nb_waterfall *out);

#endif
