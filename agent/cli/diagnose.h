/* diagnose.h — a STAMP burst toward one reflector and the report of what it
 * measured: paced probes (every 4th full size), a vnet side-burst to this
 * guest's host agent if one is known, and what the host agents saw of it
 * (the per-segment waterfall, link counters, CPU, the fabric window), all
 * within the diagnosis' deadline (diagrun.h). `netblame diagnose ADDRESS`
 * runs one on a private loop (nb_diagnose_run); `netblame diagnose URL`
 * (appdiag.h) runs one toward the server beside its app probes, on their
 * loop. The report becomes the classifier's input in window.h;
 * diagnose_out.h prints it. */
#ifndef NB_DIAGNOSE_H
#define NB_DIAGNOSE_H

#include <ev.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>

#include "netblame/buf.h"
#include "cli/diagrun.h"
#include "netblame/ntp.h"
#include "netblame/addr.h"
#include "netblame/quantile.h"
#include "netblame/segments.h"
#include "netblame/stamp.h"
#include "netblame/verdict.h"

struct nb_diag_opts {
    char target[128];           /* as the user typed it */
    struct sockaddr_storage addr;
    socklen_t addrlen;
    unsigned count;             /* probes, default 100 */
    unsigned interval_ms;       /* default 10 */
    unsigned timeout_ms;        /* default 1000 */
    enum nb_stamp_mode mode;
    struct nb_stamp_key key;
    uint16_t ssid;
    /* This guest's host agent (control API), for the HA.* points; "" if none.
     * The remote host agent is learnt in-band from the reflector's reply. */
    char local_agent[64];
    uint16_t local_agent_port;
    uint16_t stamp_port;        /* the agents' STAMP port; 0: NB_STAMP_PORT */
    struct nb_diag_run *run;    /* the diagnosis this burst is part of (required) */
    const struct nb_hello *hello; /* the hello already done toward ADDR; NULL: do one */
    bool no_settle;               /* the caller checks the verdict (an app diagnosis) */
};

#define NB_DIAG_MAX_EVIDENCE 16

struct nb_diag_report {
    char target[128];
    nb_ns start, end;           /* realtime window */
    uint64_t sent, received, lost, duplicates, reordered, late;
    uint64_t unfinished; /* sent, but neither answered nor overdue when the
                            deadline cut the burst: not counted either way */
    uint64_t overdue;    /* of lost: unanswered past their expected reply at
                            the deadline (nb_overdue_age), before their timeout */
    uint64_t send_errors, icmp_errors, malformed, bogus;
    struct nb_summary rtt;      /* ns */
    struct nb_summary hold;     /* ns */
    unsigned t1_kernel, t1_user;/* probes by send-stamp source */
    unsigned t4_kernel, t4_user;
    bool refl_synced_any;
    unsigned pad_size;          /* IP size of the full-size probes (every 4th), 0: none */
    unsigned big_sent, big_lost, small_sent, small_lost;
    size_t nevidence;
    char evidence[NB_DIAG_MAX_EVIDENCE][256];

    /* Per-segment decomposition (DESIGN §2), when host agents answered. */
    bool decomposed;            /* at least one host agent's sightings were used */
    char local_agent[NB_ADDRSTRLEN + 8], remote_agent[NB_ADDRSTRLEN + 8]; /* "" if unknown */
    bool local_ok, remote_ok;   /* their sightings were fetched */
    uint64_t sightings_missed;  /* evicted at an agent before we read them */
    struct nb_waterfall wf;
    bool netblame_reflector;    /* a reply came back from a netblame reflector */
    char agent_refused[NB_ADDRSTRLEN]; /* host agent announced, refused by the rule ("": none) */
    /* vnet family alongside the burst: this guest <-> its host agent */
    bool vnet_present;
    uint64_t vnet_sent, vnet_lost;
    struct nb_summary vnet_rtt; /* ns */
    /* fabric family: the local host agent's own probes toward the remote
     * host over the burst's span (NIC to NIC, its continuous fabric peer),
     * if it has such a peer */
    bool fabric_present;
    struct nb_cls_family fabric;
    /* Link counters that moved (or links down) at the host agents during the burst. */
    size_t nlinks;
    struct nb_cls_link links[NB_CLS_MAX_LINKS];
    /* CPU contention over the burst: each host agent's pressure and the
     * threads forwarding this session's taps there; this machine's steal */
    struct nb_cls_cpu cpu_local, cpu_remote;
};

/* A STAMP burst that shares its loop (an app diagnosis runs one beside its
 * app probes), in steps: nb_diag_new (the hello unless O->hello, the link
 * counters before), nb_diag_start (paced probes, and the vnet side-burst),
 * then the loop runs until DONE is called (every probe finished, or the
 * deadline), nb_diag_finish (figures, the decomposition from the host
 * agents, bounded by the deadline; frees D). O and REP must outlive D. */
struct nb_diag;
struct nb_diag *nb_diag_new(struct ev_loop *loop, const struct nb_diag_opts *o,
                            struct nb_diag_report *rep, char *err, size_t errlen);
void nb_diag_start(struct nb_diag *d, void (*done)(void *arg), void *arg);
/* No more probes (the caller's verdict is settled): DONE once those in
 * flight are answered or lost. */
void nb_diag_stop(struct nb_diag *d);
/* The burst so far, end to end, as the classifier's path (and vnet) input
 * in *IN (not cleared): finished probes, and those in flight past their
 * expected reply counted lost. For early-stop checks. */
void nb_diag_partial(const struct nb_diag *d, struct nb_cls_input *in);
void nb_diag_finish(struct nb_diag *d);

/* The whole STAMP diagnosis on LOOP (a private loop): the steps above, with
 * its own early-stop checks. Returns 0 and fills *REP, or -1 with a message
 * in ERR (socket failure). */
int nb_diagnose_run(struct ev_loop *loop, const struct nb_diag_opts *o, struct nb_diag_report *rep,
                    char *err, size_t errlen);

#endif
