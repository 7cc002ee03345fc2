/* clock.c — netblame's clocks (see clock.h). */
#include "netblame/clock.h"

nb_ns nb_ns_from_timespec(const struct timespec *ts)
{
    return (nb_ns)ts->tv_sec * NB_NS_PER_SEC + ts->tv_nsec;
}

nb_ns nb_realtime_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return nb_ns_from_timespec(&ts);
}

nb_ns nb_mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return nb_ns_from_timespec(&ts);
}
