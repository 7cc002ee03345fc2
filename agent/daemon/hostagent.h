/* hostagent.h — the host role: capture of probes on the guests' taps and the
 * uplink NIC (one capture for the host), the sightings table, link counters
 * and events (libnl), the CPU figures of the processes behind the taps, and
 * the control API's GET /v1/sightings, GET /v1/links and GET /v1/cpu. Taps
 * are discovered and followed as they come and go. */
#ifndef NB_HOSTAGENT_H
#define NB_HOSTAGENT_H

#include <ev.h>

#include "net/api.h"
#include "netblame/buf.h"
#include "wire/config.h"

struct nb_hostagent;

/* Start capturing per CFG (cfg->capture must be set). Returns NULL with a
 * message in ERR if the capture or the netlink socket cannot be opened. */
struct nb_hostagent *nb_hostagent_new(struct ev_loop *loop, const struct nb_config *cfg, char *err,
                                      size_t errlen);
void nb_hostagent_free(struct nb_hostagent *h);
void nb_hostagent_render_metrics(struct nb_hostagent *h, struct nb_buf *b);
/* Route handlers; H may be NULL (no capture here): they answer 404 then. */
void nb_hostagent_api_sightings(struct nb_hostagent *h, const struct nb_api_req *req,
                                struct nb_api_resp *resp);
void nb_hostagent_api_links(struct nb_hostagent *h, const struct nb_api_req *req,
                            struct nb_api_resp *resp);
/* GET /v1/cpu (cpu_json.h): CPU pressure and the watched taps' owner threads. */
void nb_hostagent_api_cpu(struct nb_hostagent *h, const struct nb_api_req *req,
                          struct nb_api_resp *resp);

#endif
