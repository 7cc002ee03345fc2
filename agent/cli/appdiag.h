/* appdiag.h — `netblame diagnose http://...` / `tcp://...`: a series of app
 * probes against a backend, with per-phase figures, the typed reasons, the
 * handshake split into segments by the host agents' sightings, and the
 * server's own time (first byte minus the handshake's round trip, over the
 * probes whose TCP retransmitted nothing). Beside them, a STAMP burst
 * toward the server's address (its netblame reflector, if one answers the
 * hello), with full-size probes, measures the network on its own: an MTU
 * black hole that eats the backend's large replies is loss of exactly the
 * full-size probes there, `physical`, not the app's. */
#ifndef NB_APPDIAG_H
#define NB_APPDIAG_H

#include <ev.h>
#include <stdio.h>

#include "app/appprobe.h"
#include "netblame/buf.h"
#include "cli/diagnose.h"
#include "netblame/addr.h"
#include "netblame/quantile.h"
#include "netblame/segments.h"
#include "netblame/stamp.h"
#include "netblame/verdict.h"

struct nb_appdiag_opts {
    const struct nb_app_target *t; /* its ports, if set, make handshakes sightable */
    const char *url;
    unsigned count, interval_ms;
    /* This guest's host agent (control API), "" if none. */
    char local_agent[64];
    uint16_t local_agent_port;
    /* To learn the server's host agent: a STAMP hello to the server's
     * address (a netblame reflector there announces its host agent). */
    enum nb_stamp_mode mode;
    struct nb_stamp_key key;
    uint16_t ssid;
    uint16_t stamp_port;           /* 0: NB_STAMP_PORT */
    unsigned timeout_ms;           /* the STAMP probes' (the app's is t->timeout_ms) */
    struct nb_diag_run *run;       /* deadline, early stop (required) */
    bool no_settle;                /* every probe: no early stop */
};

struct nb_appdiag_report {
    char target[600];
    nb_ns start, end;              /* realtime: the burst's window */
    unsigned probes, ok;
    unsigned reasons[NB_APP__COUNT];
    struct nb_summary phase[NB_PH__COUNT]; /* ns, over probes that completed the phase */
    struct nb_summary syn_rtt;     /* ns: the kernel's SYN round trip */
    struct nb_summary server;      /* ns: first byte minus SYN round trip, per probe
                                      without retransmissions */
    unsigned retrans;              /* probes whose TCP retransmitted (SYN or data) or
                                      received segments out of order */
    unsigned started;              /* probes started (some may be cut by the deadline) */
    unsigned cancelled;            /* still running at the deadline: not counted */
    unsigned capped;               /* timed out at a timeout shortened to the deadline */
    struct nb_cls_app cls;         /* the figures as the classifier takes them */
    /* The STAMP burst beside the app probes, toward the server's address. */
    bool have_stamp;
    struct nb_diag_report stamp;
    char last_detail[160];         /* detail of the last failure */
    int last_status;

    /* The handshake split (DESIGN §2 segments), when host agents answered. */
    unsigned unsighted;            /* probes not from a reserved port: not sightable */
    unsigned syn_retrans;          /* SYN retransmissions over all probes */
    unsigned timeout_established;  /* timeouts after the handshake completed */
    bool decomposed;
    char local_agent[NB_ADDRSTRLEN + 8], remote_agent[NB_ADDRSTRLEN + 8]; /* "" if none */
    bool local_ok, remote_ok;
    uint64_t sightings_missed;
    struct nb_waterfall wf;
    size_t nnotes;
    char notes[8][200];            /* why a part is missing, for a person */
};

/* Run O->count probes on LOOP, one every O->interval_ms (each its own
 * connection, overlapping when slower than the interval), and the STAMP
 * burst beside them, within O->run's deadline (app probes' timeouts are
 * shortened to it, those still running at it are cancelled, and said);
 * stop early once the verdict is settled (diagrun.h); then fetch the host
 * agents' sightings. Returns 0, or -1 with ERR (the resolver could not
 * start). */
int nb_appdiag_run(struct ev_loop *loop, const struct nb_appdiag_opts *o,
                   struct nb_appdiag_report *rep, char *err, size_t errlen);
void nb_appdiag_print(const struct nb_appdiag_report *rep, FILE *out);
struct cJSON;
/* The verdict V as the contract JSON, with an "app" object of the figures
 * behind it and the notes appended to its evidence (the caller prints and
 * frees it). */
struct cJSON *nb_appdiag_json(const struct nb_appdiag_report *rep, const struct nb_verdict *v);

#endif
