/* pace.c — probe pacing with jitter (see pace.h). */
#include "app/pace.h"

#include <sys/random.h>

#include "netblame/clock.h"

void nb_pace_init(struct nb_pace *p, unsigned jitter_pct)
{
    p->jitter_pct = jitter_pct;
    if (getrandom(&p->rng, sizeof(p->rng), 0) != sizeof(p->rng) || p->rng == 0)
        p->rng = (uint64_t)nb_mono_now() | 1;
}

double nb_pace_unit(struct nb_pace *p)
{
    p->rng ^= p->rng >> 12;
    p->rng ^= p->rng << 25;
    p->rng ^= p->rng >> 27;
    return (double)((p->rng * 2685821657736338717ULL) >> 11) / (double)(1ULL << 53);
}

double nb_pace_next(struct nb_pace *p, unsigned interval_ms)
{
    double j = (double)p->jitter_pct / 100.0;
    return (double)interval_ms / 1000.0 * (1.0 + j * (2.0 * nb_pace_unit(p) - 1.0));
}

double nb_pace_first(struct nb_pace *p, unsigned interval_ms)
{
    return nb_pace_unit(p) * interval_ms / 1000.0;
}
