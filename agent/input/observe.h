/* observe.h — what the agents observed of path probes, as classifier input:
 * one probe's observation record (struct nb_path_obs, DESIGN §2) built from
 * the sender's result and the host agents' sightings, and the link-counter
 * deltas of a host agent's interfaces. Shared by `netblame diagnose` (one
 * burst) and the daemon's continuous verdicts (a sliding window), so both
 * place a sighting and read a counter the same way. */
#ifndef NB_OBSERVE_H
#define NB_OBSERVE_H

#include <stdbool.h>
#include <stddef.h>

#include "wire/links_json.h"
#include "netblame/segments.h"
#include "netblame/sender.h"
#include "netblame/sighting.h"
#include "netblame/verdict.h"

/* OBS[i] from the sender's RES[i] (in sequence order, no gaps): A.tx/A.rx
 * and B.rx/B.tx, lost flags, and — for probes lost between two answered
 * ones of a netblame reflector — whether the reflector received them (its
 * reply numbering tells). DONE[i] false: probe i never finished (NULL: all
 * did). Host points are left unobservable (nb_obs_host_observable). */
void nb_obs_from_results(const struct nb_probe_result *res, const bool *done, size_t n,
                         struct nb_path_obs *obs);

/* The four points of the sender's host agent (LOCAL) or the reflector's. */
void nb_obs_host_observable(struct nb_path_obs *o, int local);

/* Place sighting S (of this probe) on O. Returns false if it stands for no
 * point or the point was already seen (the first sighting counts). */
bool nb_obs_place(struct nb_path_obs *o, int local, const struct nb_sighting *s);

/* The classifier's view of one interface of the host agent AGENT over a
 * window: its report A at the end and the counter delta DC over the window.
 * Returns false when there is nothing to say (nothing moved, up with
 * carrier): OUT is then untouched. */
bool nb_obs_link(int local, const char *agent, const struct nb_link_report *a,
                 const struct nb_link_counters *dc, struct nb_cls_link *out);

#endif
