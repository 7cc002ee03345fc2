/* diagnose_int.h — private to the STAMP burst's two files (callers have
 * diagnose.h): the state of one burst, and what the files share.
 *
 *   diagnose.c         the burst: paced probes, the vnet side-burst, early
 *                      stop and the deadline, the figures, and the evidence
 *                      sentences of what it measured end to end
 *   diagnose_agents.c  the host agents around it: their link counters and CPU
 *                      figures before; after, their sightings (the per-segment
 *                      decomposition), the counters that moved, CPU
 *                      contention, the fabric window */
#ifndef NB_DIAGNOSE_INT_H
#define NB_DIAGNOSE_INT_H

#include "cli/diagnose.h"
#include "input/cpuwin.h"
#include "net/agentclient.h"
#include "netblame/sender.h"

#define DIAG_TAPS 4 /* taps of one session at one host (a guest has one or two) */

struct nb_diag {
    struct ev_loop *loop;
    const struct nb_diag_opts *o;
    struct nb_diag_run *run;
    struct nb_diag_report *rep;
    struct nb_sender_cfg sc;
    struct nb_sender *sender;
    ev_io io;
    ev_timer pace;
    ev_timer wait;   /* after the last probe: its timeout, within the deadline */
    ev_timer cutoff; /* the deadline, less the reserve for the fetches after */
    unsigned sent_attempts;
    bool stopped;  /* no more probes: all sent, settled, or the deadline */
    bool finished; /* DONE was called */
    void (*done)(void *arg);
    void *done_arg;
    struct nb_probe_result *res; /* by sequence; res[i].seq == i once finished */
    bool *fin;                   /* res[i] is finished (answered or lost) */
    uint32_t nonce;
    struct nb_settle settle;
    unsigned next_check; /* probes sent at the next early-stop check */
    /* link counters at the host agents before the burst (remote: when learnt) */
    struct nb_link_report *links_before[2]; /* [0] remote, [1] local */
    int nlinks_before[2];
    struct nb_hello hello;
    /* The snapshots before the burst share a quarter of what the hello left
     * of the deadline (0: no deadline): a control path that loses SYNs (each
     * costs a 1 s retransmission) must not eat the burst's time. */
    nb_ns pre_end;
    /* vnet family alongside: the same pacing to the local host agent's
     * reflector, across the local virtual layer only (a cross-check) */
    struct nb_sender *vnet;
    ev_io vnet_io;
    int64_t *vnet_rtt;
    size_t vnet_n;
    /* CPU figures before the burst: the host agents' ([0] remote, [1] local),
     * this machine's own CPU times (steal); and the taps this session was
     * sighted on at each host, whose forwarding threads are this path's */
    struct nb_cpu_report cpu_before[2];
    bool cpu_ok[2];
    struct nb_cpu_times times_before;
    bool times_ok;
    char taps[2][DIAG_TAPS][NB_CPU_IFNAMSIZ];
    size_t ntaps[2];
};

/* Append a sentence to REP's evidence (dropped once it is full). */
void nb_diag_evidence(struct nb_diag_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Before the burst (nb_diag_new, after the hello): the link counters and CPU
 * figures of the host agents known by then, within a quarter of what is
 * left of the deadline. */
void nb_diag_agents_before(struct nb_diag *d);
/* After it (nb_diag_finish), over the finished probes: the host agents'
 * sightings placed and the waterfall computed, link counters that moved,
 * CPU contention, the fabric window; what could not be fetched is said in
 * the evidence. */
void nb_diag_agents_after(struct nb_diag *d);

#endif
