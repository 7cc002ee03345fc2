/* probes.h — the daemon's probe engine: the STAMP reflector and one paced
 * session-sender per configured peer, on the libev loop, with the per-peer
 * figures /metrics exposes. Rebuilt on SIGHUP from the new configuration. */
#ifndef NB_PROBES_H
#define NB_PROBES_H

#include <ev.h>

#include "netblame/buf.h"
#include "wire/config.h"
#include "netblame/ntp.h"

struct nb_engine;

/* Start probing per CFG (not kept: copied). OLD, if non-NULL, is the engine
 * being replaced: its reflector is taken over when the reflector's address
 * did not change, and takes CFG's mode, key, allowlist and limits, so a
 * reload never drops the port and a rotated key is in use at once. Returns
 * NULL with a message in ERR if a socket cannot be opened; OLD then has its
 * reflector back as it was. */
struct nb_engine *nb_engine_new(struct ev_loop *loop, const struct nb_config *cfg,
                                struct nb_engine *old, char *err, size_t errlen);
void nb_engine_free(struct nb_engine *e);
struct nb_verdicts;
/* Feed every finished probe to V (NULL: none). */
void nb_engine_set_verdicts(struct nb_engine *e, struct nb_verdicts *v);
/* Probes of peer NAME sent at or after realtime SINCE_RT and unanswered AGE
 * after their send (*FULL: of them, full-size); 0 for an unknown name. E is
 * a const struct nb_engine * (the shape of nb_overdue_fn, verdicts.h). */
unsigned nb_engine_overdue(const void *e, const char *name, nb_ns age, nb_ns since_rt,
                           unsigned *full);
/* Append this engine's metric families in Prometheus text format. */
void nb_engine_render_metrics(const struct nb_engine *e, struct nb_buf *b);

#endif
