/* verdict_cases.h — what the classifier tests (test_verdict*.c) share, in
 * verdict_cases.c linked into each: the builders of a window (a healthy path,
 * then what breaks it), the named fault windows of test_verdict.c's table
 * (c_*), and the questions asked of a verdict. */
#ifndef NB_TEST_VERDICT_CASES_H
#define NB_TEST_VERDICT_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netblame/verdict.h"

#define US 1e3
#define MS 1e6

enum {
    LV = NB_SEG_LOCAL_VIRTUAL,
    LS = NB_SEG_LOCAL_SWITCH,
    PHY = NB_SEG_PHYSICAL,
    RS = NB_SEG_REMOTE_SWITCH,
    RV = NB_SEG_REMOTE_VIRTUAL,
    RA = NB_SEG_REMOTE_APP
};

/* Idle segment p50s of a healthy machine (ns). */
extern const double idle[NB_SEG__COUNT];

/* ---- building a window ---- */

void set_seg(struct nb_waterfall *w, int s, double p50);
void fill_waterfall(struct nb_waterfall *w, size_t n);
void add_link(struct nb_cls_input *in, enum nb_side side, const char *host, const char *ifname,
              enum nb_if_role role);
struct nb_cls_link *link_named(struct nb_cls_input *in, const char *ifname);
/* A healthy window of N path probes seen at every point, both hosts' links listed. */
void healthy(struct nb_cls_input *in, size_t n);
/* Segment S's p50 (and the round trip's) raised to P50. */
void slow(struct nb_cls_input *in, int s, double p50);
/* K probes lost in segment S alone (located there by the sightings). */
void lose(struct nb_waterfall *w, int s, size_t k);
/* The remote host agent did not answer: its segments are unknown. */
void no_remote_agent(struct nb_cls_input *in);
/* A window of PROBES app probes alone, all answered. */
void app_only(struct nb_cls_input *in, uint64_t probes);
void app_fail(struct nb_cls_input *in, enum nb_app_fail f, uint64_t k);

/* ---- the named fault windows ---- */

typedef void window_build(struct nb_cls_input *in);
window_build c_healthy, c_idle_noise, c_local_virtual_delay, c_local_virtual_stalls, c_tail_noise,
    c_physical_delay, c_remote_virtual_delay, c_reflector_hold, c_bridge_drops, c_mtu_black_hole,
    c_mtu_partial, c_local_nic_down, c_remote_nic_down, c_nxdomain, c_servfail, c_refused,
    c_refused_syn_retrans, c_syn_retrans_unmeasured, c_reset, c_http_503, c_slow_server,
    c_server_hangs, c_connect_timeouts_follow_network, c_two_faults, c_too_few, c_unknown_segment,
    c_remote_unreachable_fabric_ok, c_remote_unreachable_tap_drops, c_plain_reflector_loss,
    c_nic_flap_only, c_vnet_loss, c_handshake_split, c_resolver_silent, c_resolver_silent_net_bad, c_resolver_slow,
    c_loss_fast_backend, c_loss_slow_backend, c_retrans_unlocated, c_mtu_sized, c_loss_and_503;

/* ---- asking a verdict ---- */

/* Does TEXT stand in V's reason, a finding's summary or an evidence line? */
bool verdict_mentions(const struct nb_verdict *v, const char *text);
/* What the classifier said, on stderr, under NAME. */
void dump(const char *name, const struct nb_verdict *v);
/* BUILD's window classified without baseline or thresholds. */
void classify(window_build *build, struct nb_verdict *v);

#endif
