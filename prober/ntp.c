/* ntp.c — conversions between netblame's nanosecond clock (nb_ns, Unix epoch)
 * and what STAMP carries on the wire: NTP 64-bit timestamps (RFC 5905) and the
 * 16-bit Error Estimate of RFC 4656 §4.1.2. Pure arithmetic; every rounding is
 * to the nearest representable value, except the Error Estimate, which always
 * rounds towards the safe side (up). */
#include "netblame/ntp.h"

#include <stdint.h>
#include <time.h>

#define NTP_FRAC_ONE (1ULL << 32) /* one second in NTP fraction units */

/* 128-bit unsigned, for the Error Estimate whose range (up to 255 * 2^31 s in
 * units of 2^-32 s) does not fit 64 bits. GCC and clang both provide it. */
__extension__ typedef unsigned __int128 u128;

uint64_t nb_ntp_from_ns(nb_ns t)
{
    /* Floor division, so that times before 1970 still get a fraction in [0, 1). */
    int64_t sec = t / NB_NS_PER_SEC;
    int64_t rem = t % NB_NS_PER_SEC;
    if (rem < 0) {
        rem += NB_NS_PER_SEC;
        sec--;
    }
    /* rem < 1e9, so rem * 2^32 < 4.3e18 fits; the largest result is
     * 4294967292, so rounding never carries into the seconds. */
    uint64_t frac = ((uint64_t)rem * NTP_FRAC_ONE + NB_NS_PER_SEC / 2) / NB_NS_PER_SEC;
    uint32_t ntp_sec = (uint32_t)((uint64_t)sec + NB_NTP_UNIX_OFFSET); /* era 0 (wraps in 2036) */
    return ((uint64_t)ntp_sec << 32) | frac;
}

nb_ns nb_ntp_to_ns(uint64_t ntp)
{
    int64_t sec = (int64_t)(ntp >> 32) - (int64_t)NB_NTP_UNIX_OFFSET;
    uint64_t frac = ntp & 0xffffffffULL;
    /* frac * 1e9 < 4.3e18 fits; may round up to a whole second, which the sum absorbs. */
    int64_t ns = (int64_t)((frac * NB_NS_PER_SEC + NTP_FRAC_ONE / 2) >> 32);
    return sec * NB_NS_PER_SEC + ns;
}

#define ERREST_SCALE_SHIFT 8
#define ERREST_SCALE_MAX 63u
#define ERREST_MULT_MAX 255u

uint16_t nb_errest_encode(int synced, nb_ns bound_ns)
{
    /* Bound in units of 2^-32 s, rounded up so the estimate never undercuts it. */
    u128 units = 0;
    if (bound_ns > 0)
        units = ((u128)bound_ns * NTP_FRAC_ONE + (NB_NS_PER_SEC - 1)) / NB_NS_PER_SEC;

    /* ceil(units / 2^scale) * 2^scale only grows with scale, so the smallest
     * scale whose multiplier fits 8 bits gives the smallest estimate >= bound.
     * The largest bound (INT64_MAX ns, 2^65 units) needs scale 58 at most. */
    unsigned scale = 0;
    u128 mult = units;
    while (mult > ERREST_MULT_MAX && scale < ERREST_SCALE_MAX) {
        scale++;
        mult = (units + (((u128)1 << scale) - 1)) >> scale;
    }
    if (mult == 0)
        mult = 1; /* RFC 4656: the multiplier is never 0; 2^-32 s is the floor */
    if (mult > ERREST_MULT_MAX)
        mult = ERREST_MULT_MAX;

    uint16_t e = (uint16_t)((scale << ERREST_SCALE_SHIFT) | (unsigned)mult);
    if (synced)
        e |= NB_ERREST_S;
    return e; /* Z = 0: our timestamps are NTP format */
}

nb_ns nb_errest_ns(uint16_t errest, int *synced)
{
    if (synced)
        *synced = (errest & NB_ERREST_S) != 0;
    unsigned scale = (errest >> ERREST_SCALE_SHIFT) & ERREST_SCALE_MAX;
    unsigned mult = errest & 0xffu;
    /* Multiplier * 2^scale units of 2^-32 s, in ns rounded up. A multiplier of 0
     * (invalid per RFC 4656, rejected by the STAMP decoders) comes out as 0. */
    u128 ns = (((u128)mult * NB_NS_PER_SEC << scale) + (NTP_FRAC_ONE - 1)) >> 32;
    if (ns > (u128)INT64_MAX)
        return INT64_MAX;
    return (nb_ns)ns;
}
