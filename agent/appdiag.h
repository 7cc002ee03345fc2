/* appdiag.h — `netblame diagnose http://...` / `tcp://...`: a series of app
 * probes against a backend, with per-phase figures and the typed reasons. */
#ifndef NB_APPDIAG_H
#define NB_APPDIAG_H

#include <ev.h>
#include <stdio.h>

#include "appprobe.h"
#include "buf.h"
#include "netblame/quantile.h"

struct nb_appdiag_report {
    char target[600];
    unsigned probes, ok;
    unsigned reasons[NB_APP__COUNT];
    struct nb_summary phase[NB_PH__COUNT]; /* ns, over probes that completed the phase */
    char last_detail[160];                 /* detail of the last failure */
    int last_status;
};

/* Run COUNT probes of T one after another (INTERVAL_MS apart) on LOOP. */
int nb_appdiag_run(struct ev_loop *loop, const struct nb_app_target *t, const char *url,
                   unsigned count, unsigned interval_ms, struct nb_appdiag_report *rep, char *err,
                   size_t errlen);
void nb_appdiag_print(const struct nb_appdiag_report *rep, FILE *out);
void nb_appdiag_json(const struct nb_appdiag_report *rep, struct nb_buf *b);

#endif
