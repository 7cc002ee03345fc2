/* agentclient.h — what one agent asks of another over its control API.
 * Blocking (http.c on a private loop), with a hard deadline: for one-shot
 * callers such as `netblame diagnose`. The daemon uses http.c on its own
 * loop instead. */
#ifndef NB_AGENTCLIENT_H
#define NB_AGENTCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/apiauth.h"
#include "wire/cpu_json.h"
#include "wire/links_json.h"
#include "netblame/verdict.h"
#include "netblame/sighting.h"
#include "netblame/verdict.h"

/* Bound on each request to a host agent during a diagnosis. Above TCP's 1 s
 * initial RTO, so one lost SYN (the agent may sit behind the very fault
 * being diagnosed) is survived; a dead agent costs this much and is
 * reported. */
#define NB_AGENT_TIMEOUT_MS 2500
/* Bound on asking this machine's own netblamed (loopback, or its API
 * address): it answers in milliseconds or is not there. */
#define NB_DAEMON_TIMEOUT_MS 1000

/* Every request of this process to an agent speaks https with SEC's CA
 * file and sends its first token (copied), as a config's "api" says
 * (apiauth.h); until then plain http without a token. */
void nb_agent_client_set(const struct nb_api_sec *sec);

struct nb_fetch {
    struct nb_sighting *s; /* owned: free() */
    size_t n;
    uint64_t missed;       /* sightings evicted before we read them */
    uint64_t next;         /* the agent's cursor after them: SINCE for the next call */
};

/* Every sighting of SESSION held by the agent at ADDR:PORT (numeric) from
 * its sequence SINCE on (0: the oldest it holds; UINT64_MAX: none, just
 * learn the cursor in OUT->next), paging until done, at most MAX in all,
 * within TIMEOUT_MS. Returns 0, or -1 with a one-line reason in ERR
 * ("host agent 198.18.0.1:9862: connection refused"). */
int nb_agent_fetch_sightings(const char *addr, uint16_t port, uint32_t session, uint64_t since,
                             size_t max, long timeout_ms, struct nb_fetch *out, char *err,
                             size_t errlen);

/* The watched links and their counters at ADDR:PORT, into OUT (CAP entries).
 * Returns the count, or -1 with a one-line reason in ERR. */
int nb_agent_fetch_links(const char *addr, uint16_t port, long timeout_ms,
                         struct nb_link_report *out, size_t cap, char *err, size_t errlen);

/* The CPU figures of the host agent at ADDR:PORT now (GET /v1/cpu, cpu_json.h)
 * into *OUT (OUT->th: free() it). Returns 0, or -1 with a one-line reason in
 * ERR (an agent too old to serve them answers 404). */
int nb_agent_fetch_cpu(const char *addr, uint16_t port, long timeout_ms, struct nb_cpu_report *out,
                       char *err, size_t errlen);

/* The baseline the daemon at ADDR:PORT learnt for its STAMP peer NAME (APP:
 * its app target NAME), figures only (GET /v1/baselines, baseline_json.h),
 * into OUT. Returns 0; 1 if the daemon has no such target (OUT empty); or -1
 * with a one-line reason in ERR ("netblamed at 127.0.0.1:9862 did not
 * answer: connection refused"). */
int nb_agent_fetch_baseline(const char *addr, uint16_t port, const char *name, bool app,
                            long timeout_ms, struct nb_baseline *out, char *err, size_t errlen);

/* Every verdict the daemon at ADDR:PORT serves now (GET /v1/verdicts; of
 * each, what wire/verdict_json.h's reader takes: what tells and explains
 * it), into *OUT (*N of them; free() it), within TIMEOUT_MS. Returns 0, or
 * -1 with a one-line reason in ERR ("netblamed at 127.0.0.1:9862 did not
 * answer: ..."), *OUT NULL. */
int nb_agent_fetch_verdicts(const char *addr, uint16_t port, long timeout_ms,
                            struct nb_verdict **out, size_t *n, char *err, size_t errlen);

/* The agent's `fabric` window toward host PEER (numeric) over the probes it
 * sent in its last SPAN_MS (100..10000), from its GET /v1/windows?ms=.
 * Returns 1 with *OUT filled, 0 if it has none (no such fabric peer), -1
 * with a reason in ERR. */
#define NB_AGENT_SPAN_MS_MIN 100   /* GET /v1/windows?ms= bounds */
#define NB_AGENT_SPAN_MS_MAX 10000
int nb_agent_fetch_fabric(const char *addr, uint16_t port, const char *peer, unsigned span_ms,
                          long timeout_ms, struct nb_cls_family *out, char *err, size_t errlen);

/* POST /v1/diagnose {"target": TARGET, "deadline_ms": DEADLINE_MS} to the
 * netblamed at ADDR:PORT, waiting at most TIMEOUT_MS: its verdict into *OUT.
 * 0, or -1 with ERR (no answer, the daemon's refusal, no verdict). */
int nb_agent_diagnose(const char *addr, uint16_t port, const char *target, unsigned deadline_ms,
                      long timeout_ms, struct nb_verdict *out, char *err, size_t errlen);

#endif
