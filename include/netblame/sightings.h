/* sightings.h — the host agent's bounded table of recent sightings.
 *
 * A ring of fixed capacity: each sighting gets a sequence number (1, 2, ...)
 * and overwrites the oldest when full (counted as evicted). Readers page by
 * sequence: "everything since N for session S" — the fetching agent keeps the
 * next sequence it was given and asks again, so each query costs what it
 * returns, and a reader that fell behind learns how many it missed. The
 * session is the probe id's high 32 bits (one per sender session). */
#ifndef NETBLAME_SIGHTINGS_H
#define NETBLAME_SIGHTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "netblame/sighting.h"

struct nb_sightings;

/* CAPACITY sightings at most (>= 1). */
struct nb_sightings *nb_sightings_new(size_t capacity);
void nb_sightings_free(struct nb_sightings *t);
void nb_sightings_add(struct nb_sightings *t, const struct nb_sighting *s);

struct nb_sightings_page {
    uint64_t next;      /* pass as SINCE to continue */
    uint64_t missed;    /* sightings after SINCE already evicted before this read */
    size_t n;           /* returned in OUT */
};
/* Sightings with sequence >= SINCE (0 = oldest kept), at most MAX, matching
 * SESSION (probe id >> 32) unless ALL_SESSIONS. Returns the page. */
struct nb_sightings_page nb_sightings_read(const struct nb_sightings *t, uint64_t since,
                                           uint32_t session, int all_sessions,
                                           struct nb_sighting *out, size_t max);

struct nb_sightings_stats {
    uint64_t added, evicted;
    size_t held, capacity;
};
void nb_sightings_stats(const struct nb_sightings *t, struct nb_sightings_stats *out);

#endif
