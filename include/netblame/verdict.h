/* verdict.h — the classifier (DESIGN §4): one window of observations in, one
 * verdict out. Pure: no I/O, no clock, no globals, no allocation; the same
 * input gives the same output byte for byte, so a recorded trace replays.
 *
 * Input (struct nb_cls_input) is what the agent measured in a window, each
 * part optional (`present`): the `path` waterfall of DESIGN §2 with which
 * observation sides answered, the `vnet` and `fabric` families (end to end,
 * one layer each), an `app` summary (typed failures, connect and server time,
 * the handshake's own waterfall), and link-counter deltas from the host
 * agents. Plus a learnt baseline (struct nb_baseline, optional) and
 * thresholds (nb_cls_thresholds_default()).
 *
 * Output (struct nb_verdict) has the shape of the `netblame.verdict/v1`
 * contract: a layer (app|virtual|physical|healthy|inconclusive), where
 * (side, host, interface), a confidence in [0,1], per-segment figures,
 * findings (two independent faults → two), evidence sentences for a pager,
 * and the reason when inconclusive. agent/wire/verdict_json.c renders it.
 *
 * HOW A WINDOW IS JUDGED (classifier/verdict.c), in order:
 *  1. Link counters: each interface whose counters moved (or that is down)
 *     becomes an evidence sentence and, when the signal is hard (down, no
 *     carrier, carrier changes, errors, drops on a tap), a candidate of its
 *     own: tap → virtual on its side, NIC → physical.
 *  2. vnet and fabric families: each measures one layer end to end; a fault
 *     there is a candidate, a healthy one clears its layer in ambiguous spans
 *     and contradicts the path when the path blames that layer (a loss
 *     claim only if the family's own loss is surely lower: its Wilson upper
 *     bound under the segment's rate).
 *  3. path (and, failing it, the app handshake's split): per segment, latency
 *     (HOW LATENCY IS JUDGED, below) and localised loss (Wilson lower bound
 *     over the floor) blame the segment's layer and side (THE SIDE, below),
 *     unless several segments of several teams rose together (COMMON MODE,
 *     below: a condition of the hosts, not a layer's fault). Loss shared by
 *     several segments, and a round trip that is slow while no measured
 *     segment is, are blamed only if one team remains after the families
 *     cleared theirs (or counters single one out); otherwise the window is
 *     inconclusive, naming the observation points that are missing.
 *  3b. full-size against small probes: full-size probes lost significantly
 *     while small ones are not (at least twice their rate) is an MTU black
 *     hole; said in the evidence and in the summary of the loss finding. A
 *     vnet/fabric family healthy on its small probes does not contradict
 *     such a loss if it sent no full-size probe or lost some too.
 *  4. app: DNS answers and HTTP statuses are the app's whatever the network;
 *     other server-side errors, timeouts after a completed handshake and a
 *     slow server time are the app's when the network is healthy. Server
 *     time is taken over the probes whose TCP retransmitted nothing (TCP_INFO:
 *     retransmitted SYN or data, segments received out of order); those
 *     retransmissions are a network symptom: consistent with a network
 *     finding, else unexplained (inconclusive) — unless path probes to the
 *     same server crossed without significant loss: then not the network's
 *     (the server side's: a full accept queue, a SYN meeting its TIME_WAIT),
 *     evidence only. With a network finding, a
 *     slow server is still the app's when the lower quartile of its server
 *     time (p25) is over the limit: loss delays the probes whose packets were
 *     lost, a slow backend every probe; so network and app faults at once
 *     give two findings. A resolve phase (names) whose p50 is over its limit
 *     (resolve_floor / baseline "app.resolve"; p25 too while the network is
 *     unhealthy, since a lost query is retried after a timeout) is a DNS
 *     finding: layer app, no side (the resolver is not the backend). A
 *     resolver that does not answer at all (dns_timeout, dns_error) is the
 *     same DNS finding, weakened (the path to the resolver is not measured),
 *     while the measured network is healthy; while it is not, no finding.
 *  4b. CPU contention (classifier/verdict_cpu.c), per side: a host whose
 *     thread forwarding this path's tap (QEMU, its vhost-PID worker, a
 *     user-space backend) waited on a run queue at least cpu_wait_share of
 *     the window, or whose CPU pressure (PSI "some") was at least
 *     cpu_pressure_share of it, or a guest whose steal time was at least
 *     cpu_steal_share of its CPU time, is contended: one evidence sentence
 *     with every figure measured there ("nb-standin[4242] (forwards tap
 *     vnetA) waited 92 % of the window to run; CPU pressure some 10 % ...").
 *     When that side also has a virtual-layer symptom that a probe measured
 *     (a slow or lossy virtual segment, the vnet family) and the contention
 *     is the path's own — the forwarding thread waited, or the guest's time
 *     was stolen, over its threshold — it corroborates that finding (below)
 *     and is named in its summary. Host-wide pressure alone never
 *     corroborates (any task on the host counts in it). Contention with no
 *     symptom is evidence only: never a finding, never a verdict.
 *  5. Candidates of the same layer and side merge into one finding (physical
 *     is one finding whatever the side; the NIC whose counters moved gives
 *     its side); findings are sorted by confidence. The strongest names the
 *     verdict's layer only if its confidence reaches attribute_min (0.5:
 *     more likely a fault than noise); otherwise the window is inconclusive,
 *     the reason naming the finding that was too weak (so `diagnose` exits
 *     3, not 1, and the daemon pages no one). An unexplained symptom is
 *     evidence beside a named layer, or the reason of an inconclusive one.
 *     The first evidence line is the sentence that explains the verdict:
 *     the findings' summaries, else the reason, else the coverage line.
 *
 * HOW LATENCY IS JUDGED. A window's figure is its lower 99 % confidence
 * bound (p50_lo, p90_lo: distribution-free order statistics, quantile.h),
 * so a short burst's sampling noise is never taken for a shift; a trace
 * without bounds is judged on the point figures.
 *   With a learnt baseline (struct nb_base_stat: the median, MAD and
 *   second-largest of the p50s, and of the p90s, of up to 64 earlier
 *   windows of this path), the p50 is slow above
 *       max(median + max(excess, k_mad · max(MAD, spread_floor)), second-largest)
 *   and the p90 likewise against the learnt p90s with tail_excess: a path
 *   whose healthy tail is long has learnt that tail. FALSE-ALARM RATE, per
 *   figure and window, for a healthy window drawn like the learnt ones: at
 *   most 2/(N+1) whatever the distribution (it must beat the second-largest
 *   of N exchangeable values: 3 % at N = 64), and about 3e-5 when the
 *   window figures are near normal (6 MADs ≈ 4 σ); the excess floors keep
 *   real effects small beside them out. tests/bench/ measures the rate
 *   actually seen on noisy labs.
 *   Without a baseline, absolute floors: the p50 above floor_ns of its
 *   layer, the p90 above tail_floor_ns (5 ms: a long healthy tail alone is
 *   not a stall; a starved vhost thread's is tens of ms).
 *
 * THE SIDE. Each segment belongs to one team and one side, fixed by where
 * its observation points are (segments.h): local_virtual (A ↔ HA.tap: guest
 * stack, virtio, vhost, tap) and local_switch (HA.tap ↔ HA.nic) are virtual
 * on the prober's host, local; physical (HA.nic ↔ HB.nic) is the network
 * team's, no side unless a NIC's counters give one; remote_switch and
 * remote_virtual are virtual on the far host, remote; remote_app (B.rx ↔
 * B.tx) is the far end's own time, app remote. A delay, a stall or a loss
 * is blamed on the segment it was measured or localised in (a lost probe
 * on the span after the last point that saw it), so a stall of the local
 * virtio path — frames held between the guest and its tap, either way — is
 * local_virtual and local, never remote. Link counters move a side only for
 * a physical finding (the NIC that lost carrier).
 *
 * COMMON MODE (verdict_path.c). When at least 3 measured segments are
 * elevated (half way to their limits or more) and they span two teams or
 * more, a slow segment is blamed only if its elevation is 3 times the
 * level of the others; otherwise the window gets the condition "N segments
 * of several teams rose together", inconclusive unless another finding
 * names a layer. Two real faults still give two findings: each stands out
 * of a quiet rest.
 *
 * CONFIDENCE (every finding; the verdict's is its top finding's):
 *   r  = effect ratio past the threshold: latency (p50 − ref)/(limit − ref)
 *        with ref the baseline median (0 without baseline), for a stall the
 *        same of the p90 against the learnt p90s (or the stall floor); rates
 *        wilson_lower / loss_floor. r ≥ 1 for every claim.
 *   E  = 1 − 0.5/r                       (0.5 just past, 0.95 at 10×)
 *   S  = n / (n + min/2)                  (n samples; 2/3 at the minimum)
 *   B  = 1, or 0.85 when the claim rests on an absolute floor (no baseline)
 *   c0 = E · S · B                        (the strongest candidate of the finding)
 *   each corroborating source (another family, counters that moved on that
 *   side/layer, the path's forwarding thread starved or its guest's time
 *   stolen on that side), at most 2: c ← c + (1 − c)/2
 *   penalties (multiply): several segments of one team possible 0.7; one team
 *   singled out by counters among several 0.5; vnet/fabric says the blamed
 *   layer is healthy 0.5
 *   counters alone: c = link_only_cap (0.3) for down/no carrier, 2/3 of it
 *   for drops, errors or carrier changes
 *   finally clamped to [0,1] and rounded to 0.001.
 * A rate claim (loss, failures) also needs min_events events: one lost
 * probe proves loss, not a rate. A host switch losing towards a NIC that is
 * down or without carrier is blamed on that NIC (physical, its side).
 * healthy: S(best answered count) · (0.6 + 0.4 · measured segments/6, or 0.6
 *   without path) · (1 with a learnt baseline, 0.9 on floors alone).
 * inconclusive: 0.
 *
 * All structs are plain (fixed arrays, no pointers), zero meaning "absent",
 * so a window can be memset to 0, filled, and (de)serialised as JSON lines.
 * Times are nanoseconds as double (quantiles interpolate) or nb_ns. */
#ifndef NETBLAME_VERDICT_H
#define NETBLAME_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netblame/clock.h"
#include "netblame/segments.h"
#include "netblame/sighting.h"
#include "netblame/stats.h"

#define NB_CLS_TARGETSIZ 128
#define NB_CLS_HOSTSIZ 64
#define NB_CLS_IFNAMSIZ 16 /* IFNAMSIZ, with the NUL */
#define NB_CLS_COMMSIZ 16  /* a thread's name (TASK_COMM_LEN), with the NUL */
#define NB_CLS_TEXTSIZ 256 /* one evidence sentence, summary or reason */
#define NB_CLS_MAX_LINKS 16
#define NB_CLS_MAX_FINDINGS 4
#define NB_CLS_MAX_EVIDENCE 16

/* ---- names shared with the contract ---- */

enum nb_layer {
    NB_LAYER_HEALTHY = 0,
    NB_LAYER_APP,
    NB_LAYER_VIRTUAL,
    NB_LAYER_PHYSICAL,
    NB_LAYER_INCONCLUSIVE,
    NB_LAYER__COUNT
};
/* "healthy", "app", "virtual", "physical", "inconclusive"; "?" otherwise. */
const char *nb_layer_name(enum nb_layer l);
/* Parse a layer name. Returns 0, or -1 if S is none of them. */
int nb_layer_from_name(const char *s, enum nb_layer *out);

enum nb_side { NB_SIDE_NONE = 0, NB_SIDE_LOCAL, NB_SIDE_REMOTE };
/* "", "local", "remote". */
const char *nb_side_name(enum nb_side s);

/* What answered the path probes at the far end. */
enum nb_reflector_kind {
    NB_REFL_UNKNOWN = 0,
    NB_REFL_NETBLAME, /* counts received probes: B.rx/B.tx resolvable for lost ones */
    NB_REFL_STAMP,    /* a plain STAMP reflector: T2/T3 of answered probes only */
};

/* ---- input ---- */

struct nb_cls_rtt {
    bool known;
    double p50, p90, p99; /* ns */
    double p50_lo, p90_lo; /* 99 % lower confidence bounds (quantile.h); 0: absent, the
                              point figure stands in */
};

/* The path family: guest → remote guest, with both host agents' sightings. */
struct nb_cls_path {
    bool present;
    bool local_agent;        /* local host agent's sightings were placed (HA.*) */
    bool remote_agent;       /* remote host agent's sightings were placed (HB.*) */
    bool remote_agent_known; /* a remote host agent was announced/configured */
    enum nb_reflector_kind reflector;
    struct nb_cls_rtt rtt;  /* end to end over answered probes */
    struct nb_waterfall wf; /* probes, answered, lost, per-segment figures */
    /* Of wf.probes/wf.lost: the full-size ones (padded to the route MTU,
     * sent with DF). 0/0: none sent or not known (older traces). */
    uint64_t full_probes, full_lost;
};

/* vnet (guest ↔ its host agent: local virtual) or fabric (host ↔ peer host,
 * NIC to NIC: physical). */
struct nb_cls_family {
    bool present;
    uint64_t probes, lost;
    struct nb_cls_rtt rtt; /* p50 and p99 used */
    uint64_t full_probes, full_lost; /* of probes/lost: full-size ones (as in nb_cls_path) */
    /* of lost: still unanswered past their expected reply when the window
     * was taken (not yet timed out), counted as lost */
    uint64_t overdue;
};

/* App probe failure classes (same names as the app prober's reasons). */
enum nb_app_fail {
    NB_AF_NXDOMAIN = 0,
    NB_AF_SERVFAIL,
    NB_AF_DNS_TIMEOUT,
    NB_AF_DNS_REFUSED,
    NB_AF_NO_ADDRESS,
    NB_AF_DNS_ERROR,
    NB_AF_REFUSED,
    NB_AF_RESET,
    NB_AF_TIMEOUT,
    NB_AF_UNREACHABLE,
    NB_AF_HTTP_STATUS,
    NB_AF_UNEXPECTED_REPLY,
    NB_AF__COUNT
};
/* "nxdomain", "servfail", ..., "unexpected_reply"; "?" otherwise. */
const char *nb_app_fail_name(enum nb_app_fail f);

struct nb_cls_app {
    bool present;
    uint64_t probes, ok;
    uint64_t fail[NB_AF__COUNT];
    uint64_t timeout_established; /* of fail[NB_AF_TIMEOUT]: failed after connect completed */
    int http_status;              /* an unexpected HTTP status seen, 0 if none */
    bool have_connect, have_server;
    double connect_p50, server_p50; /* ns; server = first byte − handshake RTT, over the
                                       probes without retransmissions (below) */
    uint64_t server_n;              /* probes behind server_p50/p25; 0: not known (older
                                       traces: the ok probes, p25 unknown) */
    double server_p25;              /* ns, when server_n > 0 */
    /* The resolve phase (names only), over the lookups that answered. */
    bool have_resolve;
    uint64_t resolved;               /* lookups behind the figures */
    double resolve_p50, resolve_p25; /* ns */
    /* TCP retransmissions this guest's kernel saw (TCP_INFO): network time,
     * never server time. Probes whose connection retransmitted its SYN or
     * data, or received segments out of order (the server retransmitting);
     * of them, those whose SYN was retransmitted. */
    uint64_t retrans, syn_retrans;
    bool have_handshake;
    bool hs_local_agent, hs_remote_agent; /* host agents whose sightings split it */
    struct nb_waterfall handshake;        /* connect split into segments; remote_app unknown */
};

/* Counter deltas of one interface over the window, and its state at the end. */
struct nb_cls_link {
    enum nb_side side;         /* local or remote host */
    char host[NB_CLS_HOSTSIZ]; /* "" if not known */
    char ifname[NB_CLS_IFNAMSIZ];
    enum nb_if_role role; /* NB_IF_TAP or NB_IF_NIC */
    uint64_t rx_dropped, tx_dropped, rx_errors, tx_errors, carrier_changes, qdisc_drops;
    bool up, carrier; /* IFF_UP and IFLA_CARRIER at the window's end */
};

/* CPU contention on one side over the window (DESIGN §1: a starved vhost or
 * QEMU thread is a virtual-layer fault). Shares are of the window, in [0,1];
 * each part optional (zero: not measured). */
struct nb_cls_cpu {
    bool pressure;         /* host agent: PSI "some" read at both ends of the window */
    double pressure_some;  /* share of the window in which some task waited for a CPU */
    double pressure_avg10; /* the kernel's "some avg10" at the window's end, in % */
    bool thread;           /* host agent: the threads forwarding this path's tap were read */
    double thread_wait;    /* the most-waiting one: its run-queue wait / the window */
    char thread_name[NB_CLS_COMMSIZ]; /* its name (comm) */
    int32_t thread_tid;
    char owner_name[NB_CLS_COMMSIZ]; /* the process holding the tap open */
    int32_t owner_pid;
    char tap[NB_CLS_IFNAMSIZ];
    bool owners_denied;    /* host agent: it may not read its taps' owners, so no thread */
    bool steal;            /* the guest (local side only): its steal time was read */
    double steal_share;    /* share of its CPU time a hypervisor ran something else */
};

struct nb_cls_input {
    char target[NB_CLS_TARGETSIZ];
    nb_ns start, end; /* realtime, as given by the caller */
    char local_host[NB_CLS_HOSTSIZ], remote_host[NB_CLS_HOSTSIZ]; /* "" if unknown */
    struct nb_cls_path path;
    struct nb_cls_family vnet, fabric;
    struct nb_cls_app app;
    size_t nlinks;
    struct nb_cls_link links[NB_CLS_MAX_LINKS];
    struct nb_cls_cpu cpu_local, cpu_remote; /* the sender's side, the reflector's */
};

/* ---- baseline ---- */

/* What a baseline is kept for: each figure is a window's p50 and p90 (ns;
 * app.connect and app.server have no p90). */
enum nb_base_metric {
    NB_BM_PATH_SEG = 0, /* + enum nb_segment */
    NB_BM_PATH_RTT = NB_BM_PATH_SEG + NB_SEG__COUNT,
    NB_BM_VNET_RTT,
    NB_BM_FABRIC_RTT,
    NB_BM_APP_CONNECT,
    NB_BM_APP_SERVER,
    NB_BM_HS_SEG, /* + enum nb_segment: the app handshake's split */
    NB_BM_APP_RESOLVE = NB_BM_HS_SEG + NB_SEG__COUNT, /* the resolve phase (names) */
    NB_BM__COUNT
};
/* "path.local_virtual", ..., "path.rtt", "vnet.rtt", "fabric.rtt",
 * "app.connect", "app.server", "handshake.local_virtual", ...,
 * "app.resolve"; "?" otherwise. */
const char *nb_base_metric_name(enum nb_base_metric m);

/* m[] is what the classifier reads; ring[] is the learning state (a trace
 * may carry m[] alone: nb_baseline_learn() recomputes m[] from the ring, so a
 * baseline loaded without its ring restarts learning). */
struct nb_baseline {
    struct nb_base_stat m[NB_BM__COUNT];
    struct nb_base_ring ring[NB_BM__COUNT];
};

/* ---- thresholds ---- */

struct nb_cls_thresholds {
    unsigned min_samples;      /* answered probes (and a segment's known samples) for a
                                  latency claim, probes for a loss claim */
    unsigned min_app_probes;   /* app probes for an app claim */
    unsigned min_base_windows; /* a baseline of fewer windows is ignored */
    double z;                  /* Wilson interval quantile */
    double k_mad;              /* margin over a baseline: max(excess floor, k·MAD) */
    /* Per segment layer (indexed by enum nb_layer: APP, VIRTUAL, PHYSICAL). */
    double floor_ns[NB_LAYER__COUNT];  /* no baseline: p50 above this is anomalous */
    double excess_ns[NB_LAYER__COUNT]; /* baseline: minimum excess over its median */
    double rtt_floor_ns;     /* whole round trips (path, vnet, fabric, connect), no baseline */
    double rtt_excess_ns;    /* ... over a baseline */
    double server_floor_ns;  /* app server time, no baseline */
    double server_excess_ns; /* ... over a baseline */
    double resolve_floor_ns; /* an app's resolve phase (DNS), no baseline */
    double resolve_excess_ns; /* ... over a baseline */
    double loss_floor;       /* a rate (loss, app failure) counts when its Wilson lower
                                bound exceeds this */
    unsigned min_events;     /* ... and at least this many probes were lost or failed */
    double link_only_cap;    /* highest confidence of a finding backed by counters alone */
    /* Tails: a segment whose p90 is slow is slow too (intermittent trouble,
     * a stalling vhost thread, leaves the median alone). */
    double tail_floor_ns;   /* no tail baseline: p90 above this (a long healthy tail is not
                               a stall: only a tail this long is one without history) */
    double tail_excess_ns;  /* tail baseline: minimum excess of the p90 over its median */
    double spread_floor_ns; /* the smallest MAD a baseline is credited with: the
                               measurement's own resolution (a quiet machine's MAD of 1 us
                               is not a promise that 10 us is abnormal) */
    double attribute_min;   /* a verdict names a layer only at this confidence or more;
                               below it the window is inconclusive, the finding kept */
    /* CPU contention (rule 4b), shares of the window in (0,1]: */
    double cpu_wait_share;     /* a thread forwarding the tap waited on a run queue this long */
    double cpu_pressure_share; /* host CPU pressure (PSI some) this long: evidence only */
    double cpu_steal_share;    /* the guest's steal time, of its CPU time */
};

/* ---- output ---- */

struct nb_where {
    enum nb_side side;
    char host[NB_CLS_HOSTSIZ];    /* "" if unknown */
    char ifname[NB_CLS_IFNAMSIZ]; /* "" if unknown */
};

struct nb_seg_verdict {
    bool known; /* latency measured: samples > 0 */
    size_t samples;
    double p50, p90, p99; /* ns, when known */
    bool loss_known;      /* its points were in place (or it had samples, or lost probes) */
    unsigned lost, lost_shared;
    double loss;          /* lost / probes */
    struct nb_ci loss_ci; /* Wilson at thresholds.z */
    bool have_baseline;
    double baseline, baseline_mad; /* ns, when have_baseline */
    double limit;                  /* ns: p50 above this is anomalous; 0 when no latency claim */
    double tail_limit;             /* ns: p90 above this is anomalous; 0 when no latency claim */
    bool slow, lossy, anomalous;
    bool tail;            /* slow by its p90 (over tail_limit), not its p50 */
    bool common;          /* slow, but with other segments of other teams: a condition
                             common to the hosts, not blamed on this segment's layer */
};

enum nb_seg_source {
    NB_SEGS_NONE = 0,
    NB_SEGS_PATH,      /* segments[] are the path probes' */
    NB_SEGS_HANDSHAKE, /* no path: the app handshake's */
};
/* "", "path", "app_handshake". */
const char *nb_seg_source_name(enum nb_seg_source s);

struct nb_finding {
    enum nb_layer layer;
    struct nb_where where;
    double confidence;
    int segment; /* enum nb_segment blamed, or -1 (family, app, link counters) */
    char summary[NB_CLS_TEXTSIZ];
};

struct nb_verdict {
    char target[NB_CLS_TARGETSIZ];
    nb_ns start, end;
    uint64_t probes; /* all families' probes in the window */
    enum nb_layer layer;
    struct nb_where where;
    double confidence; /* 0 when inconclusive */
    enum nb_seg_source seg_source;
    struct nb_seg_verdict seg[NB_SEG__COUNT];
    size_t nfindings; /* strongest first; findings[0] is the verdict */
    struct nb_finding findings[NB_CLS_MAX_FINDINGS];
    size_t nevidence;
    char evidence[NB_CLS_MAX_EVIDENCE][NB_CLS_TEXTSIZ];
    char reason[NB_CLS_TEXTSIZ]; /* why inconclusive; "" otherwise */
};

/* ---- functions ---- */

/* Fill TH with the defaults (documented in verdict.c). */
void nb_cls_thresholds_default(struct nb_cls_thresholds *th);

/* Classify window IN against baseline BASE (NULL: none) with thresholds TH
 * (NULL: defaults) into *OUT, which is overwritten entirely. Deterministic. */
void nb_classify(const struct nb_cls_input *in, const struct nb_baseline *base,
                 const struct nb_cls_thresholds *th, struct nb_verdict *out);

/* An empty baseline (no metric learnt). Which figures are learnt:
 * classifier/baseline.c; the ring's statistics: classifier/stats.c. */
void nb_baseline_init(struct nb_baseline *b);

/* Fold window IN, which the caller judged to name no layer, into B: every
 * metric with enough samples in IN (TH->min_samples; NULL: defaults) pushes
 * the figures it is judged on — its p50 and p90 lower bounds (the point
 * figures when IN has none) — into its ring, dropping the oldest beyond
 * NB_BASE_RING, and its statistics are recomputed. Returns how many metrics
 * were updated. */
unsigned nb_baseline_learn(struct nb_baseline *b, const struct nb_cls_input *in,
                           const struct nb_cls_thresholds *th);

#endif
