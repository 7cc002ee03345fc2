/* ratelimit.h — per-source token buckets for the STAMP reflector, in a table
 * of fixed size: memory does not grow with the number of sources, and a flood
 * of spoofed sources can neither exhaust it nor buy a real peer's refusal.
 * Pure: the caller passes the monotonic "now" and the hash seed. */
#ifndef NB_RATELIMIT_H
#define NB_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "netblame/clock.h"

#define NB_RL_SETS 2048 /* power of two */
#define NB_RL_WAYS 8
#define NB_RL_SOURCES (NB_RL_SETS * NB_RL_WAYS) /* sources tracked at once */

struct nb_rl_entry {
    uint8_t addr[16]; /* IPv4 in the first 4 bytes */
    uint8_t family;   /* 0: free, 4 or 6 */
    nb_ns tat;        /* GCRA theoretical arrival time: the bucket is full when <= now */
    nb_ns seen;       /* last packet, admitted or not */
};

struct nb_ratelimit {
    nb_ns interval;  /* ns per token (1 / rate); 0: no limit */
    nb_ns tolerance; /* (burst - 1) * interval */
    uint64_t seed;
    uint64_t tracked, evicted; /* entries in use; entries forgotten for a new source */
    struct nb_rl_entry t[NB_RL_SETS][NB_RL_WAYS];
};

/* Set RL up for RATE packets/s per source with bursts of BURST (RATE 0: admit
 * everything); SEED keys the hash (random in production). RL may be reused. */
void nb_ratelimit_init(struct nb_ratelimit *rl, unsigned rate, unsigned burst, uint64_t seed);
/* Charge one packet from SA's address (IPv6: its /64; port ignored) at NOW: true
 * if within its budget, false if it is to be dropped. */
bool nb_ratelimit_admit(struct nb_ratelimit *rl, const struct sockaddr *sa, nb_ns now);
/* Tokens (whole packets) SA's address has left at NOW; BURST if untracked. */
unsigned nb_ratelimit_tokens(const struct nb_ratelimit *rl, const struct sockaddr *sa, nb_ns now);

#endif
