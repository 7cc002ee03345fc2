/* window.h — what `netblame diagnose` measured, as the classifier's input
 * (struct nb_cls_input): the one place that maps the reports' figures onto
 * the classifier's, so the verdict, the recorded trace and its replay all
 * see the same window. */
#ifndef NB_WINDOW_H
#define NB_WINDOW_H

#include "appdiag.h"
#include "diagnose.h"
#include "netblame/verdict.h"

/* A STAMP burst (path family: waterfall, agents, link deltas) into *IN. */
void nb_window_from_diag(const struct nb_diag_report *rep, struct nb_cls_input *in);
/* An app burst (typed failures, connect and server time, the handshake's
 * waterfall) into *IN. */
void nb_window_from_app(const struct nb_appdiag_report *rep, struct nb_cls_input *in);

#endif
