/* window.h — what `netblame diagnose` measured, as the classifier's input
 * (struct nb_cls_input): the one place that maps the reports' figures onto
 * the classifier's, so the verdict, the recorded trace and its replay all
 * see the same window. */
#ifndef NB_WINDOW_H
#define NB_WINDOW_H

#include "cli/appdiag.h"
#include "cli/diagnose.h"
#include "netblame/verdict.h"

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
/* N probes O into the app part A (overwritten): counts and typed failures,
 * connect time (the kernel's SYN round trip, else the connect phase), server
 * time (first byte − SYN round trip) over the probes that retransmitted
 * nothing, with its p25, the resolve phase (p50, p25), retransmissions. */
void nb_window_app_fold(const struct nb_app_obs *o, size_t n, struct nb_cls_app *a);

/* A STAMP burst (path family: waterfall, agents, link deltas, CPU) into *IN. */
void nb_window_from_diag(const struct nb_diag_report *rep, struct nb_cls_input *in);
/* The same parts into *IN beside what it has (an app window): path, vnet,
 * fabric, links, and the hosts if IN has none; the path's remote_app
 * latency (the STAMP reflector's hold time, not the backend's) is left out. */
void nb_window_add_diag(const struct nb_diag_report *rep, struct nb_cls_input *in);
/* Leave the path's remote_app latency out of *IN (STAMP probes beside app
 * probes: the reflector's hold time is not the backend's). */
void nb_window_no_reflector_time(struct nb_cls_input *in);
/* An app burst (typed failures, connect and server time, the handshake's
 * waterfall) into *IN. */
void nb_window_from_app(const struct nb_appdiag_report *rep, struct nb_cls_input *in);

#endif
