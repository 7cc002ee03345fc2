/* ratelimit.c — per-source token buckets (GCRA form: one time per source) in
 * a set-associative table of NB_RL_SETS x NB_RL_WAYS entries, allocated once.
 *
 * The rule, and why a flood cannot use it against real peers:
 *  - A source is its IPv4 address, or its IPv6 /64 (a host holds a whole
 *    /64 and could walk it to multiply its budget); the port is ignored (a
 *    spoofer picks it freely). It hashes to one set with a hash keyed by a random seed, so a sender cannot
 *    aim its spoofed sources at a chosen peer's set.
 *  - A new source takes a free way of its set, or evicts the way whose bucket
 *    holds the MOST tokens, oldest seen first among equals. Forgetting a
 *    source hands it a full bucket when it returns, so the table forgets the
 *    sources that gain least by it: a full bucket (an idle or light source,
 *    such as a real peer probing at 1/s) is forgotten at no cost to anyone,
 *    while a source in debt (one that sent past its budget) stays charged as
 *    long as a lighter source shares its set. A real peer that is evicted
 *    comes back with a full bucket: it is never refused for the flood.
 *  - A new source is never refused for want of room, and memory is fixed:
 *    sizeof(struct nb_ratelimit), whatever the number of sources.
 *  - A flooder escapes its debt only if every way of its set is at least as
 *    deep in debt as itself, which takes WAYS flooding sources in one set it
 *    cannot choose; each escape gains it at most BURST packets. */
#include "ratelimit.h"

#include <netinet/in.h>
#include <string.h>

void nb_ratelimit_init(struct nb_ratelimit *rl, unsigned rate, unsigned burst, uint64_t seed)
{
    memset(rl, 0, sizeof(*rl));
    rl->seed = seed;
    if (rate == 0)
        return;
    rl->interval = (nb_ns)1000000000 / rate;
    if (rl->interval == 0)
        rl->interval = 1;
    rl->tolerance = (nb_ns)(burst ? burst - 1 : 0) * rl->interval;
}

/* The address of SA as FAMILY 4|6 and 16 bytes (v4-mapped v6 as v4); false if
 * neither. */
static bool key_of(const struct sockaddr *sa, uint8_t *family, uint8_t addr[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memset(addr, 0, 16);
    if (sa->sa_family == AF_INET) {
        memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        *family = 4;
        return true;
    }
    if (sa->sa_family != AF_INET6)
        return false;
    const uint8_t *a = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (memcmp(a, mapped, sizeof(mapped)) == 0) {
        memcpy(addr, a + 12, 4);
        *family = 4;
    } else {
        memcpy(addr, a, 8); /* the /64: the interface identifier is the host's to pick */
        *family = 6;
    }
    return true;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static unsigned set_of(const struct nb_ratelimit *rl, uint8_t family, const uint8_t addr[16])
{
    uint64_t a, b;
    memcpy(&a, addr, 8);
    memcpy(&b, addr + 8, 8);
    uint64_t h = mix(rl->seed ^ a ^ family);
    h = mix(h ^ b);
    return (unsigned)(h & (NB_RL_SETS - 1));
}

/* The way of SET holding (FAMILY, ADDR), or -1. */
static int find(const struct nb_rl_entry *set, uint8_t family, const uint8_t addr[16])
{
    for (int i = 0; i < NB_RL_WAYS; i++)
        if (set[i].family == family && memcmp(set[i].addr, addr, 16) == 0)
            return i;
    return -1;
}

/* The way a new source takes: free, else the one with most tokens (earliest
 * TAT clamped to NOW), oldest seen among equals. */
static struct nb_rl_entry *victim(struct nb_rl_entry *set, nb_ns now)
{
    struct nb_rl_entry *v = NULL;
    nb_ns vt = 0;
    for (int i = 0; i < NB_RL_WAYS; i++) {
        if (!set[i].family)
            return &set[i];
        nb_ns t = set[i].tat > now ? set[i].tat : now;
        if (!v || t < vt || (t == vt && set[i].seen < v->seen)) {
            v = &set[i];
            vt = t;
        }
    }
    return v;
}

bool nb_ratelimit_admit(struct nb_ratelimit *rl, const struct sockaddr *sa, nb_ns now)
{
    uint8_t family, addr[16];
    if (rl->interval == 0 || !key_of(sa, &family, addr))
        return true;
    struct nb_rl_entry *set = rl->t[set_of(rl, family, addr)];
    int way = find(set, family, addr);
    struct nb_rl_entry *e = way >= 0 ? &set[way] : NULL;
    if (!e) {
        e = victim(set, now);
        if (e->family)
            rl->evicted++;
        else
            rl->tracked++;
        memcpy(e->addr, addr, 16);
        e->family = family;
        e->tat = now;
    }
    e->seen = now;
    nb_ns tat = e->tat > now ? e->tat : now;
    if (tat - now > rl->tolerance)
        return false;
    e->tat = tat + rl->interval;
    return true;
}

unsigned nb_ratelimit_tokens(const struct nb_ratelimit *rl, const struct sockaddr *sa, nb_ns now)
{
    uint8_t family, addr[16];
    unsigned burst = rl->interval ? (unsigned)(rl->tolerance / rl->interval) + 1 : 0;
    if (rl->interval == 0 || !key_of(sa, &family, addr))
        return burst;
    const struct nb_rl_entry *set = rl->t[set_of(rl, family, addr)];
    int way = find(set, family, addr);
    if (way < 0 || set[way].tat <= now)
        return burst;
    const struct nb_rl_entry *e = &set[way];
    nb_ns debt = e->tat - now; /* time until full */
    nb_ns left = rl->tolerance + rl->interval - debt;
    return left > 0 ? (unsigned)(left / rl->interval) : 0;
}
