/* appmon.h — the daemon's continuous application probes: one paced app probe
 * (appprobe.h) per configured target on the libev loop, one c-ares resolver
 * shared by all of them, and the per-target phases, reasons and states that
 * /metrics exposes. Rebuilt on SIGHUP from the new configuration. */
#ifndef NB_APPMON_H
#define NB_APPMON_H

#include <ev.h>

#include "netblame/buf.h"
#include "wire/config.h"

struct nb_appmon;

/* Start probing CFG->apps (copied, not kept), connecting from the source ports
 * CFG->app_source_ports. OLD, if non-NULL, is the monitor being replaced: the
 * figures of targets whose name is kept carry over, so a reload resets no
 * counter. Returns NULL with a message in ERR if the resolver cannot start. */
struct nb_appmon *nb_appmon_new(struct ev_loop *loop, const struct nb_config *cfg,
                                const struct nb_appmon *old, char *err, size_t errlen);
/* Stop every probe (those in flight are cancelled, not reported) and free M. */
void nb_appmon_free(struct nb_appmon *m);
struct nb_verdicts;
/* Feed every finished probe to V (NULL: none). */
void nb_appmon_set_verdicts(struct nb_appmon *m, struct nb_verdicts *v);
/* Append the netblame_app_* metric families (none without targets). */
void nb_appmon_render_metrics(const struct nb_appmon *m, struct nb_buf *b);

#endif
