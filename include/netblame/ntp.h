/* ntp.h — STAMP's time on the wire: NTP 64-bit timestamps (RFC 5905: 32-bit
 * seconds since 1900, 32-bit fraction) and the Error Estimate, to and from
 * netblame's nb_ns (netblame/clock.h). */
#ifndef NETBLAME_NTP_H
#define NETBLAME_NTP_H

#include <stdint.h>

#include "netblame/clock.h"

#define NB_NTP_UNIX_OFFSET 2208988800ULL /* seconds from 1900-01-01 to 1970-01-01 */

/* Unix nanoseconds -> NTP 64-bit (era 0; valid until 2036-02-07). */
uint64_t nb_ntp_from_ns(nb_ns t);
/* NTP 64-bit -> Unix nanoseconds (rounded to the nearest ns). */
nb_ns nb_ntp_to_ns(uint64_t ntp);

/* Error Estimate (RFC 4656 §4.1.2, used by RFC 8762): S|Z|Scale(6)|Multiplier(8);
 * error = Multiplier * 2^(Scale-32) seconds. */
#define NB_ERREST_S 0x8000u /* clock synchronised to UTC by an external source */
#define NB_ERREST_Z 0x4000u /* timestamps in PTP truncated format (we send 0: NTP) */
/* Encode the smallest estimate >= BOUND_NS (multiplier never 0, as RFC 4656 requires). */
uint16_t nb_errest_encode(int synced, nb_ns bound_ns);
/* Decode to nanoseconds (rounded up); sets *synced if non-NULL. */
nb_ns nb_errest_ns(uint16_t errest, int *synced);

/* Where a timestamp came from, ordered by closeness to the wire. */
enum nb_ts_src { NB_TS_NONE = 0, NB_TS_USER, NB_TS_SCHED, NB_TS_SND, NB_TS_KERNEL_RX };
const char *nb_ts_src_name(enum nb_ts_src s); /* implemented in tstamp.c */

#endif
