/* diag_window.h — `netblame diagnose`'s reports as the classifier's input:
 * the CLI's adapter onto the one builder (input/window.h), which the
 * daemon's continuous verdicts use too (daemon/verdicts_input.c). */
#ifndef NB_DIAG_WINDOW_H
#define NB_DIAG_WINDOW_H

#include "cli/appdiag.h"
#include "cli/diagnose.h"
#include "input/window.h"
#include "netblame/verdict.h"

/* The STAMP burst's figures REP as builder samples (window.h, COUNTS). */
void nb_diag_stamp_figs(const struct nb_diag_report *rep, struct nb_stamp_figs *f);

/* A STAMP burst (path family: waterfall, agents, link deltas, CPU; the
 * vnet and fabric families beside it) into *IN. */
void nb_window_from_diag(const struct nb_diag_report *rep, struct nb_cls_input *in);
/* The same parts into *IN beside what it has (an app window): path, vnet,
 * fabric, links, and the hosts if IN has none; the path's remote_app
 * latency (the STAMP reflector's hold time, not the backend's) is left out. */
void nb_window_add_diag(const struct nb_diag_report *rep, struct nb_cls_input *in);
/* An app burst (typed failures, connect and server time, the handshake's
 * waterfall) into *IN. */
void nb_window_from_app(const struct nb_appdiag_report *rep, struct nb_cls_input *in);

#endif
