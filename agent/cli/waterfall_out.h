/* waterfall_out.h — the per-segment decomposition (DESIGN §2) as both kinds
 * of diagnosis report it: a STAMP burst's (diagnose_out.c) and an app
 * burst's TCP handshakes (appdiag.c). The table for a person, and which host
 * agents were asked and answered for tools. */
#ifndef NB_WATERFALL_OUT_H
#define NB_WATERFALL_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "netblame/segments.h"

struct cJSON;

/* The per-segment waterfall W as a table (agents: "addr:port" or NULL if they
 * did not answer; MISSED: sightings evicted before they were read). */
void nb_waterfall_print(const struct nb_waterfall *w, const char *local_agent,
                        const char *remote_agent, uint64_t missed, FILE *out);

/* {"local": "addr:port", "remote": ..., "local_ok", "remote_ok",
 * "sightings_missed"}: which host agents were asked and answered. */
struct cJSON *nb_host_agents_json(const char *local, const char *remote, bool local_ok,
                                  bool remote_ok, uint64_t missed);

#endif
