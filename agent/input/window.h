/* window.h — what was measured, as the classifier's input (struct
 * nb_cls_input): the one place that maps measured figures onto the
 * classifier's, for `netblame diagnose` (its reports: cli/diag_window.c)
 * and the daemon's continuous verdicts (its ring of recent results:
 * daemon/verdicts_input.c), so a burst's verdict, its recorded trace and
 * replay, and the daemon's windows all see a window the same way.
 *
 * `diagnose`'s early stop judges its partial window through it too
 * (cli/diagnose.c, nb_diag_partial). It takes neutral samples that both
 * produce, and knows neither a CLI report nor the daemon's ring: a STAMP
 * series' figures (struct nb_stamp_figs, folded from the sender's per-probe
 * results), the app probes' observations (struct nb_app_obs, from the app
 * prober's results), and which host agents observed a path (struct
 * nb_window_agents). The waterfall of a decomposed path (observe.c,
 * segments.h), link deltas (observe.c) and CPU contention (cpuwin.c) are
 * already the classifier's shape; the callers put them in.
 *
 * COUNTS. A STAMP window's probes are its finished probes that the window
 * has a result for: answered with a usable figure, or lost. A reply the
 * sender dropped as bogus (a reflector whose T3 precedes T2) is neither:
 * it has no figure, and the daemon never sees it (the sender delivers no
 * result). So answered is the round trip's sample count, always: the
 * waterfall's answered, the round trip's and the reflector time's samples
 * agree, and a decomposed window and an end-to-end one of the same probes
 * count alike. (Until issue 13, diagnose's end-to-end path window and its
 * vnet family took the sender's totals, counting a bogus reply as answered;
 * nothing else the two builders made differed: the app part was already
 * one fold, nb_window_app_fold.) */
#ifndef NB_WINDOW_H
#define NB_WINDOW_H

#include <stdbool.h>
#include <stddef.h>

#include "app/appprobe.h"
#include "netblame/quantile.h"
#include "netblame/segments.h"
#include "netblame/sender.h"
#include "netblame/verdict.h"

/* ---- samples ---- */

/* A STAMP series over a window (a diagnose burst, its vnet side-burst, the
 * daemon's window of one peer). Answered probes are RTT.N (COUNTS). */
struct nb_stamp_figs {
    uint64_t lost;
    uint64_t full_probes, full_lost; /* of answered + lost, of lost: full-size ones */
    struct nb_summary rtt, hold;     /* ns, over the answered: round trip, reflector's time */
    bool netblame_reflector;         /* a reply came from a netblame reflector */
};
/* The figures of the N results R (any order); DONE[i] false: R[i] never
 * finished and is left out (DONE NULL: all did). */
void nb_stamp_figs_fold(const struct nb_probe_result *r, const bool *done, size_t n,
                        struct nb_stamp_figs *f);

/* One app probe, as much of it as the classifier's app window needs (the
 * daemon keeps these for its window; diagnose folds its burst's). */
struct nb_app_obs {
    uint8_t reason; /* enum nb_app_reason */
    bool connected, have_fb, have_rtt, have_resolve;
    bool retrans, syn_retrans; /* nb_app_retransmitted(); the SYN was retransmitted */
    int status;
    nb_ns syn_rtt, first_byte, connect, resolve;
};
/* R's figures into *O. */
void nb_app_obs_from(const struct nb_app_result *r, struct nb_app_obs *o);

/* The host agents asked about a path's probes: their hosts ("addr",
 * numeric; NULL or "": none known) and whether their sightings were placed
 * (their points observable). */
struct nb_window_agents {
    const char *local, *remote;
    bool local_ok, remote_ok;
};

/* ---- the builder ---- */

/* IN cleared, with its identity: TARGET and the realtime span. */
void nb_window_head(struct nb_cls_input *in, const char *target, nb_ns start, nb_ns end);

/* The path family into IN->path from the figures F and, when host agents'
 * sightings decomposed it, the waterfall WF (NULL: end to end only, the
 * reflector's time the only segment); the agents AG (may be NULL) give the
 * path's observation sides and IN's hosts (those IN has are kept). */
void nb_window_path(const struct nb_stamp_figs *f, const struct nb_waterfall *wf,
                    const struct nb_window_agents *ag, struct nb_cls_input *in);

/* A vnet or fabric family (one layer, end to end) from F into *OUT. */
void nb_window_family(const struct nb_stamp_figs *f, struct nb_cls_family *out);

/* N probes O into the app part A (overwritten): counts and typed failures,
 * connect time (the kernel's SYN round trip, else the connect phase), server
 * time (first byte − SYN round trip) over the probes that retransmitted
 * nothing, with its p25, the resolve phase (p50, p25), retransmissions. */
void nb_window_app_fold(const struct nb_app_obs *o, size_t n, struct nb_cls_app *a);

/* The app handshake's split WF (host agents' sightings of the app probes'
 * SYN and SYN-ACK; LOCAL_OK, REMOTE_OK: whose were placed) into A. */
void nb_window_app_handshake(const struct nb_waterfall *wf, bool local_ok, bool remote_ok,
                             struct nb_cls_app *a);

/* Leave the path's remote_app latency out of *IN (STAMP probes beside app
 * probes: the reflector's hold time is not the backend's). */
void nb_window_no_reflector_time(struct nb_cls_input *in);

#endif
