/* cpu_json.h — the wire form of GET /v1/cpu: a host agent's CPU figures at
 * one instant (cumulative counters: the reader takes two and divides their
 * difference by the time between them), rendered by the host agent and
 * parsed by the agent that attaches CPU contention to a verdict.
 *
 * {"schema":"netblame.cpu/v1","node":"hA","mono_ns":"N",
 *  "pressure":{"avg10":x,"avg60":x,"avg300":x,"total_us":"N"} | null,
 *  "truncated":false, "owners":"read" | "not_permitted",
 *  "threads":[{"tap":"vnetA","pid":N,"tid":N,"comm":"...","run_ns":"N","wait_ns":"N"}]}
 *
 * mono_ns is the agent's CLOCK_MONOTONIC at the sample (the window is
 * measured on the clock of the counters); 64-bit counters travel as decimal
 * strings; pressure is null on a kernel without PSI; owners "not_permitted":
 * the agent may not read the tap owners' /proc (daemon/privs.c), so the
 * threads are missing for want of evidence, not for want of owners. Unknown members are
 * ignored (a newer agent may add some); known ones are checked, and a
 * repeated key is refused (wire/jsonread.h). */
#ifndef NB_CPU_JSON_H
#define NB_CPU_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "netblame/buf.h"
#include "netblame/cpustat.h"
#include "netblame/ntp.h"

#define NB_CPU_SCHEMA "netblame.cpu/v1"

struct nb_cpu_report {
    nb_ns mono;              /* the agent's CLOCK_MONOTONIC when sampled */
    bool psi;                /* PRESSURE was read */
    struct nb_psi pressure;
    bool truncated;          /* threads were left out for want of room */
    bool owners_denied;      /* the tap owners could not be read: no threads */
    size_t nthreads;
    struct nb_cpu_thread *th; /* NTHREADS entries; owned by whoever filled it */
};

/* The report R of host agent NODE as one JSON line into B. */
void nb_cpu_json_render(const char *node, const struct nb_cpu_report *r, struct nb_buf *b);
/* Parse TEXT into *OUT, its threads into a new array of at most CAP entries
 * (OUT->th, free() it; NULL when there are none). Returns 0, or -1 with a
 * reason in ERR (OUT->th is then NULL). */
int nb_cpu_json_parse(const char *text, size_t len, struct nb_cpu_report *out, size_t cap,
                      char *err, size_t errlen);

#endif
