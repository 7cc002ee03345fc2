/* window.h — what `netblame diagnose` measured, as the classifier's input
 * (struct nb_cls_input): the one place that maps the reports' figures onto
 * the classifier's, so the verdict, the recorded trace and its replay all
 * see the same window. */
#ifndef NB_WINDOW_H
#define NB_WINDOW_H

#include "appdiag.h"
#include "diagnose.h"
#include "netblame/verdict.h"

/* The classifier's failure class of app reason R (not NB_APP_OK): enum
 * nb_app_fail is enum nb_app_reason without its "ok", in the same order. */
enum nb_app_fail nb_app_fail_of(enum nb_app_reason r);

/* A STAMP burst (path family: waterfall, agents, link deltas, CPU) into *IN. */
void nb_window_from_diag(const struct nb_diag_report *rep, struct nb_cls_input *in);
/* An app burst (typed failures, connect and server time, the handshake's
 * waterfall) into *IN. */
void nb_window_from_app(const struct nb_appdiag_report *rep, struct nb_cls_input *in);

#endif
