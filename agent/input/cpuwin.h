/* cpuwin.h — CPU contention over a window, as the classifier's input
 * (struct nb_cls_cpu): the difference of two GET /v1/cpu samples of one host
 * agent (its CPU pressure, the run-queue wait of the threads forwarding this
 * path's taps), and of two samples of this guest's own /proc/stat (steal).
 * Shared by `netblame diagnose` (before and after a burst) and the daemon's
 * continuous verdicts (the snapshots of a feed), so both read a counter the
 * same way. */
#ifndef NB_CPUWIN_H
#define NB_CPUWIN_H

#include <stddef.h>

#include "wire/cpu_json.h"
#include "netblame/cpustat.h"
#include "netblame/verdict.h"

/* The host side of OUT from samples A (start) and B (end) of one agent:
 * pressure over the window (A and B both with PSI), and the thread that
 * waited most among those forwarding one of the NTAPS taps TAPS (present in
 * both samples, so a thread found late is never charged its whole life).
 * No tap named: no thread figure (another guest's thread is not this
 * path's). A window of no time (B not after A) gives nothing. */
void nb_cpuwin_host(const struct nb_cpu_report *a, const struct nb_cpu_report *b,
                    const char (*taps)[NB_CPU_IFNAMSIZ], size_t ntaps, struct nb_cls_cpu *out);

/* The guest side of OUT: steal over the CPU time between A and B. */
void nb_cpuwin_steal(const struct nb_cpu_times *a, const struct nb_cpu_times *b,
                     struct nb_cls_cpu *out);

/* "nb-standin[4242] (tap vnetA) waited 2.3 % of the window to run; CPU
 * pressure some 0.4 %; steal 0 %": the figures of C for a report, "" if none. */
void nb_cpuwin_describe(const struct nb_cls_cpu *c, char *out, size_t cap);

#endif
