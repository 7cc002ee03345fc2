/* pace.h — when the daemon's next probe is due: a mean interval with
 * jitter, so agents started together (a fleet rollout) never probe in
 * lockstep. Pacing only, never security: a xorshift64* generator seeded from
 * getrandom(). Shared by the STAMP senders (probes.c) and app probes
 * (appmon.c). */
#ifndef NB_PACE_H
#define NB_PACE_H

#include <stdint.h>

struct nb_pace {
    uint64_t rng;
    unsigned jitter_pct; /* interval * (1 + u), u uniform in [-jitter, +jitter] */
};

/* Seed P and set its jitter (percent of the interval). */
void nb_pace_init(struct nb_pace *p, unsigned jitter_pct);
/* Uniform in [0, 1). */
double nb_pace_unit(struct nb_pace *p);
/* Seconds until the next probe of a target probed every INTERVAL_MS. */
double nb_pace_next(struct nb_pace *p, unsigned interval_ms);
/* Seconds until a target's first probe: uniform in [0, interval). */
double nb_pace_first(struct nb_pace *p, unsigned interval_ms);

#endif
