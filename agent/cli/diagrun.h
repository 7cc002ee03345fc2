/* diagrun.h — what bounds and ends a diagnosis (`netblame diagnose`): its
 * deadline (every wait inside it is bounded by what is left, and what the
 * deadline cuts short is said), the early stop once its verdict is settled,
 * and the hello that learns a reflector's host agent, retried so that one
 * lost probe does not cost the decomposition. */
#ifndef NB_DIAGRUN_H
#define NB_DIAGRUN_H

#include <ev.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "netblame/addr.h"
#include "netblame/ntp.h"
#include "netblame/verdict.h"

/* How a diagnosis ended (its "stopped" in JSON). */
enum nb_diag_stop {
    NB_STOP_COMPLETE = 0, /* every probe answered, lost or timed out */
    NB_STOP_SETTLED,      /* early: the verdict was settled (nb_settle_check) */
    NB_STOP_DEADLINE,     /* the deadline cut something short (nb_diag_run.cut says what) */
};
/* "complete", "settled", "deadline". */
const char *nb_diag_stop_name(enum nb_diag_stop s);

#define NB_DIAG_DEADLINE_MS 5000 /* `netblame diagnose --deadline` default */

/* One whole diagnosis (hello, bursts, fetches from agents), bounded by its
 * deadline: every wait in it is bounded by what is left, and what the
 * deadline cuts short is said (CUT), never hidden. Owned by the caller. */
struct nb_diag_run {
    nb_ns deadline;       /* monotonic: all is over by then; 0: no deadline */
    unsigned deadline_ms; /* as the user gave it */
    nb_ns started, ended; /* realtime: the whole diagnosis (the caller sets both) */
    enum nb_diag_stop stop;
    char cut[240]; /* what the deadline cut short, "" if nothing */
    /* the early-stop checks judge partial windows with these (NULL: defaults, none) */
    const struct nb_cls_thresholds *th;
    const struct nb_baseline *base;
    /* Where a reflector's announced host agent may be, besides the reflector's
     * own address (nb_sender_agent_allowed); owned by the caller. */
    const struct nb_prefix *agent_prefixes;
    size_t n_agent_prefixes;
};
/* Give R's host-agent prefixes to SC, a sender toward a reflector. */
struct nb_sender_cfg;
void nb_diag_run_agent_rule(const struct nb_diag_run *r, struct nb_sender_cfg *sc);
/* Milliseconds left before R's deadline (0 when past it; LONG_MAX without one). */
long nb_diag_left_ms(const struct nb_diag_run *r);
/* Milliseconds a burst must leave for the fetches after it: a fifth of the
 * deadline, 200..1000 ms (0 without a deadline). */
long nb_diag_reserve_ms(const struct nb_diag_run *r);
/* The deadline cut something: R stops as DEADLINE and CUT gains the text. */
void nb_diag_cut(struct nb_diag_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The timeout (ms) for a blocking fetch now: DEFAULT_MS, bounded by what is
 * left less NB_DIAG_TAIL_MS (for the verdict); 0 (skip it, said in CUT as
 * WHAT) when nothing is. */
#define NB_DIAG_TAIL_MS 50
long nb_diag_fetch_ms(struct nb_diag_run *r, long default_ms, const char *what);
/* A fetch given MS (of DEFAULT_MS) failed: if the deadline shortened it,
 * that is said in CUT. */
void nb_diag_fetch_failed(struct nb_diag_run *r, long ms, long default_ms, const char *what);

/* Early stop. A burst judges its partial window at checkpoints (from half
 * its probes on, every tenth); the verdict is settled when two checkpoints
 * in a row give the same layer and side and it is decisive: a fault with
 * confidence >= NB_SETTLE_CONFIDENCE, or healthy over at least twice the
 * samples a claim needs (never on fewer). Then no more probes are sent;
 * those in flight are awaited. */
#define NB_SETTLE_CONFIDENCE 0.8
struct nb_settle {
    int layer, side; /* of the last decisive check; -1: none */
    unsigned same;   /* decisive checks in a row that agreed */
};
void nb_settle_init(struct nb_settle *s);
/* Feed the verdict V of a partial window whose healthy claim rests on N
 * samples, MIN needed for a claim. Returns true once settled. */
bool nb_settle_check(struct nb_settle *s, const struct nb_verdict *v, uint64_t n, unsigned min);

/* What a hello (a STAMP probe asking for the reflector's host agent) learnt. */
struct nb_hello {
    bool answered;            /* a reply came back */
    bool agent;               /* ... announcing a host agent: */
    char addr[NB_ADDRSTRLEN]; /* its control API, numeric */
    uint16_t port;
    char refused[NB_ADDRSTRLEN]; /* a host agent announced and refused by the rule, "" if none */
    unsigned tries; /* hello probes sent */
};
#define NB_HELLO_TRIES 5

struct nb_sender_cfg;
/* A hello toward BASE's peer on LOOP: one probe on its own session asking
 * for the host-agent TLV, sent again every TRY_MS without a reply, up to
 * TRIES probes (a lossy path must not lose the only one); the first reply
 * wins. Fills *H. */
void nb_diag_hello(struct ev_loop *loop, const struct nb_sender_cfg *base, unsigned tries,
                   unsigned try_ms, struct nb_hello *h);
/* Per-try wait of a hello within the deadline of R: an equal share of a
 * quarter of what is left (at most 1.5 s in all), at least 50 ms, at most
 * TIMEOUT_MS. */
unsigned nb_diag_hello_try_ms(const struct nb_diag_run *r, unsigned timeout_ms);

struct cJSON;
/* {"deadline_ms", "elapsed_ms", "stopped", "cut"}: how the diagnosis R ended. */
struct cJSON *nb_diag_run_json(const struct nb_diag_run *r);
/* One line for a person: "diagnosis: 1.23 s (deadline 5.00 s), stopped: settled". */
void nb_diag_run_print(const struct nb_diag_run *r, FILE *out);

#endif
