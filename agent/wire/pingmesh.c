/* pingmesh.c — the fabric peers of one host, chosen from the fleet as
 * Pingmesh does (Guo et al., SIGCOMM 2015): a full mesh where it is cheap,
 * samples where the fleet is wide, so that the probes per host are bounded
 * by the fleet's shape, not its size.
 *
 * THE RULE. Hosts sit under a ToR, ToRs in a pod (the inventory file says
 * which). Host H probes
 *   1. every other host of its own ToR;
 *   2. per_tor hosts of each other ToR of its pod (all of a smaller ToR);
 *   3. per_pod hosts of each other pod (all of a smaller pod).
 * Peers per host = (hosts per ToR - 1) + (ToRs per pod - 1) * per_tor
 *                  + (pods - 1) * per_pod:
 * with 40 hosts per ToR, 25 ToRs per pod and 100 pods (100,000 hosts) and
 * the defaults per_tor = 2, per_pod = 2 that is 39 + 48 + 198 = 285 peers
 * (test_pingmesh.c computes it on that fleet), at 1 probe/s each.
 *
 * WHICH HOSTS. Deterministic and spread, from the inventory's content only
 * (its order does not matter), so restarts and reloads of an unchanged
 * inventory probe the same peers. Every group is ordered by name: hosts of
 * a ToR by name; hosts of a pod round-robin over its ToRs (the first host of
 * each ToR, then the second, ...), so consecutive positions lie under
 * different ToRs. H at position i of its group picks, in a group G of m hosts,
 * positions (i * k + j + o) mod m for j < k, where o is a hash of the pair of
 * groups (FNV-1a of their names): consecutive probers take consecutive
 * windows, so if H's group has at least m / k hosts, every host of G is
 * probed by some host of H's group (coverage), and o keeps different group
 * pairs from landing on the same hosts. */
#include "wire/pingmesh.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/mem.h"

/* Hosts by pod, ToR, name (then address, index: a total order even for a
 * fleet the parser would refuse). */
static int by_place(const void *a, const void *b, void *arg)
{
    const struct nb_fleet_host *h = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c;

    if ((c = strcmp(h[i].pod, h[j].pod)) || (c = strcmp(h[i].tor, h[j].tor)) ||
        (c = strcmp(h[i].name, h[j].name)) || (c = strcmp(h[i].addr, h[j].addr)))
        return c;
    return i < j ? -1 : i > j;
}

/* FNV-1a over A, a NUL, B. */
static uint64_t pair_hash(const char *a, const char *b)
{
    uint64_t x = 0xcbf29ce484222325ULL;
    for (const char *s = a;; s++) {
        x = (x ^ (unsigned char)*s) * 0x100000001b3ULL;
        if (!*s)
            break;
    }
    for (const char *s = b; *s; s++)
        x = (x ^ (unsigned char)*s) * 0x100000001b3ULL;
    return x;
}

/* End of the run of ORD[A..N) with the same pod (TOR: and ToR) as ORD[A]. */
static size_t run_end(const struct nb_fleet_host *h, const size_t *ord, size_t a, size_t n,
                      bool tor)
{
    size_t b = a + 1;
    while (b < n && strcmp(h[ord[b]].pod, h[ord[a]].pod) == 0 &&
           (!tor || strcmp(h[ord[b]].tor, h[ord[a]].tor) == 0))
        b++;
    return b;
}

/* The pod ORD[A..B) round-robin over its ToRs into IL (B - A entries);
 * STARTS is scratch of B - A + 1 entries. */
static void interleave(const struct nb_fleet_host *h, const size_t *ord, size_t a, size_t b,
                       size_t *il, size_t *starts)
{
    size_t ntor = 0, k = 0;

    for (size_t x = a; x < b; x = run_end(h, ord, x, b, true))
        starts[ntor++] = x;
    starts[ntor] = b;
    for (size_t r = 0; k < b - a; r++)
        for (size_t t = 0; t < ntor; t++)
            if (starts[t] + r < starts[t + 1])
                il[k++] = ord[starts[t] + r];
}

/* K positions of a group of M (G maps a position to a host) for the prober at
 * position I, offset O, onto OUT + *N. */
static void pick(const size_t *g, size_t m, size_t k, size_t i, uint64_t o, size_t *out, size_t *n)
{
    if (k > m)
        k = m;
    for (size_t j = 0; j < k; j++)
        out[(*n)++] = g[(size_t)(((uint64_t)i * k + j + o) % m)];
}

size_t nb_pingmesh_select(const struct nb_fleet *f, size_t self,
                          const struct nb_pingmesh_rule *rule, size_t *out,
                          struct nb_pingmesh_count *count)
{
    const struct nb_fleet_host *h = f->hosts, *me;
    size_t n = f->n, k = 0, sp = 0, t0, t1, p0, p1, mine = 0;
    size_t *ord, *il, *starts;
    struct nb_pingmesh_count c = {0};

    if (count)
        *count = c;
    if (self >= n)
        return 0;
    me = &h[self];
    ord = nb_calloc(n, sizeof(*ord));
    il = nb_calloc(n, sizeof(*il));
    starts = nb_calloc(n + 1, sizeof(*starts));
    for (size_t i = 0; i < n; i++)
        ord[i] = i;
    qsort_r(ord, n, sizeof(*ord), by_place, (void *)h);
    while (ord[sp] != self)
        sp++;
    for (p0 = sp; p0 > 0 && strcmp(h[ord[p0 - 1]].pod, me->pod) == 0;)
        p0--;
    p1 = run_end(h, ord, p0, n, false);
    for (t0 = sp; t0 > p0 && strcmp(h[ord[t0 - 1]].tor, me->tor) == 0;)
        t0--;
    t1 = run_end(h, ord, t0, p1, true);

    /* 1. the rest of this ToR */
    for (size_t i = t0; i < t1; i++)
        if (ord[i] != self)
            out[k++] = ord[i];
    c.tor = k;

    /* 2. per_tor hosts of each other ToR of this pod */
    for (size_t a = p0, b; a < p1; a = b) {
        b = run_end(h, ord, a, p1, true);
        if (a != t0)
            pick(ord + a, b - a, rule->per_tor, sp - t0, pair_hash(me->tor, h[ord[a]].tor), out,
                 &k);
    }
    c.pod = k - c.tor;

    /* 3. per_pod hosts of each other pod: this host's place in its own pod's
     * round-robin order is its place among the probers */
    interleave(h, ord, p0, p1, il, starts);
    while (il[mine] != self)
        mine++;
    for (size_t a = 0, b; a < n; a = b) {
        b = run_end(h, ord, a, n, false);
        if (a == p0)
            continue;
        interleave(h, ord, a, b, il, starts);
        pick(il, b - a, rule->per_pod, mine, pair_hash(me->pod, h[ord[a]].pod), out, &k);
    }
    c.dc = k - c.tor - c.pod;

    free(ord);
    free(il);
    free(starts);
    if (count)
        *count = c;
    return k;
}

size_t nb_fleet_find(const struct nb_fleet *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->hosts[i].name, name) == 0)
            return i;
    return (size_t)-1;
}

void nb_fleet_free(struct nb_fleet *f)
{
    if (!f)
        return;
    free(f->hosts);
    f->hosts = NULL;
    f->n = 0;
}
