/* clock.h — netblame's one time type and its two clocks. Every timestamp is
 * an nb_ns: signed nanoseconds, since the Unix epoch on CLOCK_REALTIME (the
 * clock the kernel's software timestamps use) or since boot on
 * CLOCK_MONOTONIC (deadlines, pacing, ages: never stepped by NTP). Which
 * clock a field holds is said where it is declared. */
#ifndef NETBLAME_CLOCK_H
#define NETBLAME_CLOCK_H

#include <stdint.h>
#include <time.h>

typedef int64_t nb_ns;

#define NB_NS_PER_SEC 1000000000LL

nb_ns nb_ns_from_timespec(const struct timespec *ts);
/* CLOCK_REALTIME now. Measurement only where no kernel stamp exists. */
nb_ns nb_realtime_now(void);
/* CLOCK_MONOTONIC now: for deadlines, timeouts and ages. */
nb_ns nb_mono_now(void);

#endif
