/* names.c — the classifier's vocabulary and defaults: the names of layers,
 * sides, failure classes and segment sources (the contract's strings), and
 * the default thresholds. Pure: no state. */
#include "verdict_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- names ---- */

const char *nb_layer_name(enum nb_layer l)
{
    static const char *const names[NB_LAYER__COUNT] = {"healthy", "app", "virtual", "physical",
                                                       "inconclusive"};
    return (unsigned)l < NB_LAYER__COUNT ? names[l] : "?";
}

int nb_layer_from_name(const char *s, enum nb_layer *out)
{
    for (int l = 0; l < NB_LAYER__COUNT; l++) {
        if (strcmp(s, nb_layer_name((enum nb_layer)l)) == 0) {
            *out = (enum nb_layer)l;
            return 0;
        }
    }
    return -1;
}

const char *nb_side_name(enum nb_side s)
{
    return s == NB_SIDE_LOCAL ? "local" : s == NB_SIDE_REMOTE ? "remote" : "";
}

const char *nb_app_fail_name(enum nb_app_fail f)
{
    static const char *const names[NB_AF__COUNT] = {
        "nxdomain", "servfail", "dns_timeout", "dns_refused", "no_address",  "dns_error",
        "refused",  "reset",    "timeout",     "unreachable", "http_status", "unexpected_reply"};
    return (unsigned)f < NB_AF__COUNT ? names[f] : "?";
}

const char *nb_seg_source_name(enum nb_seg_source s)
{
    return s == NB_SEGS_PATH ? "path" : s == NB_SEGS_HANDSHAKE ? "app_handshake" : "";
}

/* Defaults, chosen so that the noise of a busy machine never trips: a
 * segment needs 1 ms of p50 without a baseline (an idle virtio or wire
 * segment is tens of µs, a noisy user-space hop a few hundred), 200 µs over a
 * learnt median (and 6 MADs); its p90 5 ms without a tail baseline (a real
 * virtio path's healthy p99 is 1–2.5 ms, a user-space hop's 2–5 ms; a
 * starved vhost thread holds frames for tens), 1 ms over a learnt p90
 * median (and 6 MADs); a MAD is credited with at least 10 µs; a whole round
 * trip 5 ms / 500 µs; an app's server time 200 ms / 20 ms and its
 * resolve phase (DNS) the same. Rates: the 99 %
 * Wilson lower bound above 1 %, with at least 2 events. A layer is named at
 * confidence 0.5 or more: below it, more likely noise than not. */
void nb_cls_thresholds_default(struct nb_cls_thresholds *th)
{
    memset(th, 0, sizeof(*th));
    th->min_samples = 10;
    th->min_app_probes = 5;
    th->min_base_windows = 5;
    th->z = NB_Z_99;
    th->k_mad = 6.0;
    th->floor_ns[NB_LAYER_APP] = 1e6;
    th->floor_ns[NB_LAYER_VIRTUAL] = 1e6;
    th->floor_ns[NB_LAYER_PHYSICAL] = 1e6;
    th->excess_ns[NB_LAYER_APP] = 200e3;
    th->excess_ns[NB_LAYER_VIRTUAL] = 200e3;
    th->excess_ns[NB_LAYER_PHYSICAL] = 200e3;
    th->rtt_floor_ns = 5e6;
    th->rtt_excess_ns = 500e3;
    th->server_floor_ns = 200e6;
    th->server_excess_ns = 20e6;
    th->resolve_floor_ns = 200e6; /* a resolver that answers in a fifth of a second is slow */
    th->resolve_excess_ns = 20e6;
    th->loss_floor = 0.01;
    th->min_events = 2;
    th->link_only_cap = 0.3;
    th->tail_floor_ns = 5e6;
    th->tail_excess_ns = 1e6;
    th->spread_floor_ns = 10e3;
    th->attribute_min = 0.5;
    /* CPU contention (verdict_cpu.c): a tenth of the window */
    th->cpu_wait_share = 0.10;
    th->cpu_pressure_share = 0.10;
    th->cpu_steal_share = 0.10;
}
