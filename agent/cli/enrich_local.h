/* enrich_local.h — `netblame enrich`'s work (cmd_enrich.c is its command
 * line): an Alertmanager notification enriched (alert/enrich.h) from the
 * verdicts the local netblamed serves now, asked once on its control API
 * (GET /v1/verdicts) within a deadline; a target without a fresh one (every
 * target, with alerts.diagnose "always"; none, with "never") is diagnosed by
 * that netblamed (POST /v1/diagnose), one target at a time, each bounded to
 * end before the deadline. What is still without a verdict at the end says
 * why in netblame_error. */
#ifndef NB_ENRICH_LOCAL_H
#define NB_ENRICH_LOCAL_H

#include <stddef.h>

#include "netblame/clock.h"
#include "wire/alert_json.h"
#include "wire/config.h"

/* Enrich every alert of N by CFG's mapping rule from the verdicts of the
 * netblamed at CFG's control API, asked only if an alert maps to a target
 * and given until DEADLINE (CLOCK_MONOTONIC); a verdict is fresh as CFG's
 * alerts.fresh_ms says, at NOW (realtime). Returns how many alerts got a
 * verdict; every other one says why not (a daemon that does not answer
 * too: its reason is each mapped alert's netblame_error). */
size_t nb_enrich_local(const struct nb_config *cfg, struct nb_alert_note *n, nb_ns deadline,
                       nb_ns now);

#endif
