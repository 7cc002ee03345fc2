/* sightings.c — bounded ring of sightings, read by sequence (see sightings.h).
 *
 * Eviction policy: oldest first. Sightings are only useful until the probe's
 * verdict is computed (seconds), so age is the right criterion, and a ring
 * makes insertion O(1) under any capture rate with a fixed memory cost. */
#include "netblame/sightings.h"

#include "netblame/mem.h"

struct nb_sightings {
    struct nb_sighting *ring;
    size_t capacity;
    uint64_t next_seq; /* sequence the next sighting will get; the first is 1 */
    uint64_t evicted;
};

struct nb_sightings *nb_sightings_new(size_t capacity)
{
    struct nb_sightings *t = nb_calloc(1, sizeof(*t));
    t->capacity = capacity ? capacity : 1;
    t->ring = nb_calloc(t->capacity, sizeof(*t->ring));
    t->next_seq = 1;
    return t;
}

void nb_sightings_free(struct nb_sightings *t)
{
    if (!t)
        return;
    free(t->ring);
    free(t);
}

/* Oldest sequence still held. */
static uint64_t oldest(const struct nb_sightings *t)
{
    uint64_t held = t->next_seq - 1;
    return held > t->capacity ? t->next_seq - t->capacity : 1;
}

void nb_sightings_add(struct nb_sightings *t, const struct nb_sighting *s)
{
    if (t->next_seq - 1 >= t->capacity)
        t->evicted++;
    t->ring[t->next_seq % t->capacity] = *s;
    t->next_seq++;
}

struct nb_sightings_page nb_sightings_read(const struct nb_sightings *t, uint64_t since,
                                           uint32_t session, int all_sessions,
                                           struct nb_sighting *out, size_t max)
{
    struct nb_sightings_page pg = {0};
    uint64_t first = oldest(t);
    if (since == 0)
        since = first;
    if (since < first) {
        pg.missed = first - since;
        since = first;
    }
    uint64_t seq = since;
    for (; seq < t->next_seq && pg.n < max; seq++) {
        const struct nb_sighting *s = &t->ring[seq % t->capacity];
        if (all_sessions || (uint32_t)(s->probe_id >> 32) == session)
            out[pg.n++] = *s;
    }
    pg.next = seq > t->next_seq ? t->next_seq : seq;
    return pg;
}

void nb_sightings_stats(const struct nb_sightings *t, struct nb_sightings_stats *out)
{
    uint64_t held = t->next_seq - 1;
    out->added = held;
    out->evicted = t->evicted;
    out->capacity = t->capacity;
    out->held = held > t->capacity ? t->capacity : (size_t)held;
}
