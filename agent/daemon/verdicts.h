/* verdicts.h — the daemon's continuous verdicts (DESIGN §4, §5): every
 * configured target (STAMP peer or app target) keeps its recent results; once
 * a second, the last window of them becomes a classifier input, is judged
 * against the target's own baseline (learnt from its windows that named no
 * layer; verdicts_learn.c, LEARNING), and the verdict is kept for GET
 * /v1/verdicts and /metrics; four times a second the last second of them
 * too, which names and clears clear faults sooner (verdicts_fast.c).
 *
 * A `vnet` peer measures the local virtual layer, a `fabric` peer the
 * physical one, app targets their phases and typed failures. A `path` peer
 * is decomposed per segment from the host agents' sightings (ours from
 * `host_agent`, the reflector's learnt in-band; see verdicts_input.c), with
 * the daemon's vnet and fabric peers as cross-checks; without sightings a slow
 * path stays `inconclusive` ("not localised"), never a guess. */
#ifndef NB_VERDICTS_H
#define NB_VERDICTS_H

#include <ev.h>

#include "net/api.h"
#include "app/appprobe.h"
#include "netblame/buf.h"
#include "wire/config.h"
#include "net/http.h"
#include "netblame/sender.h"

#define NB_VERDICT_WINDOW_S 10 /* results judged together */
/* A new verdict (layer and side) is published once this many consecutive
 * long windows (judged 1 s apart) judged it: a single odd window does not
 * flap the gauge or page anyone (verdicts_learn.c, PERSISTENCE); the fast
 * test has its own rule (verdicts_fast.c). */
#define NB_VERDICT_PERSIST 3

struct nb_verdicts;

/* Targets from CFG; OLD (may be NULL) hands over baselines and recent
 * results of targets whose name stays. HTTP (may be NULL: no decomposition)
 * fetches host agents' sightings and link counters for path peers; it must
 * outlive the result. */
struct nb_verdicts *nb_verdicts_new(struct ev_loop *loop, struct nb_http *http,
                                    const struct nb_config *cfg, struct nb_verdicts *old);
void nb_verdicts_free(struct nb_verdicts *v);

/* A finished STAMP probe of peer NAME; an app probe of target NAME. Unknown
 * names are ignored. V may be NULL. */
void nb_verdicts_stamp(struct nb_verdicts *v, const char *name, const struct nb_probe_result *r);
void nb_verdicts_app(struct nb_verdicts *v, const char *name, const struct nb_app_result *r);

/* netblame_verdict{target,verdict} (1 for the current one), confidence,
 * time since the verdict last changed. */
void nb_verdicts_render_metrics(const struct nb_verdicts *v, struct nb_buf *b);
/* The baseline learnt for peer NAME (APP: app target NAME), or NULL if V
 * has no such target. Valid until the next reload. */
const struct nb_baseline *nb_verdicts_baseline(const struct nb_verdicts *v, const char *name,
                                               bool app);
/* The verdict served now for peer NAME (APP: app target NAME), or NULL
 * when it has none yet (its window: verdict.start/end, realtime). */
const struct nb_verdict *nb_verdicts_current(const struct nb_verdicts *v, const char *name,
                                             bool app);
/* GET /v1/verdicts: {"verdicts": [contract objects]}; ?target=NAME: one. */
void nb_verdicts_api(const struct nb_verdicts *v, const struct nb_api_req *req,
                     struct nb_api_resp *resp);

/* How many probes of STAMP peer NAME, sent at or after realtime SINCE_RT,
 * are still unanswered AGE after their send (*FULL: of them, full-size). */
typedef unsigned (*nb_overdue_fn)(const void *arg, const char *name, nb_ns age, nb_ns since_rt,
                                  unsigned *full);

/* GET /v1/windows[?target=NAME][&seconds=N|&ms=M]: the last window each
 * target was judged on, one netblame.window/v1 line each (trace_json.h;
 * what `netblame replay` reads); with SECONDS (1..10) or MS (100..10000: a
 * burst's own span), the vnet and fabric targets' windows over the probes
 * sent in the last N seconds (M milliseconds) instead,
 * computed now, where probes still unanswered past their expected reply
 * (nb_overdue_age(), asked of OVERDUE(ARG, ...) if not NULL) count as lost
 * (the family's `overdue`), so a short window sees a loss before its
 * timeout. A vnet/fabric window's remote_host is the peer's address: a
 * guest takes its host agent's fabric window toward the remote host from
 * here. */
void nb_verdicts_windows(struct nb_verdicts *v, nb_overdue_fn overdue, const void *arg,
                         const struct nb_api_req *req, struct nb_api_resp *resp);

#endif
