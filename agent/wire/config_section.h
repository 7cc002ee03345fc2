/* config_section.h — the config's own seams: config.c reads the file and its
 * top level, and hands each section to the file that knows it
 * (config_agent.c: reflector, api, stamp, host_agent, capture;
 * config_peers.c: peers; config_fabric.c: fabric (and fleet_json.c, the
 * inventory file it names); config_app.c: app, app_source_ports;
 * config_classifier.c: classifier; config_inventory.c: inventory;
 * config_alerts.c: alerts). Private to agent/wire/config*.c: the rest of
 * netblame sees struct nb_config only, and cJSON stays in here. */
#ifndef NB_CONFIG_SECTION_H
#define NB_CONFIG_SECTION_H

#include <cjson/cJSON.h>

#include "wire/config.h"
#include "wire/jsonread.h"

/* The control API's port: this agent's default, and a host agent's. */
#define NB_CFG_API_PORT 9862

/* "vnet", "fabric", "path", NULL: enum nb_family's names. */
extern const char *const nb_cfg_family_names[NB_FAMILY__COUNT + 1];

/* Field kinds more than one section has (config.c). Each reads member KEY of
 * OBJ as wire/jsonread.h's getters do (FLAGS: NB_JR_REQUIRED), absent leaves
 * OUT alone; 0 or -1 with X's message. */
/* A name: 1..NB_NAME_MAX-1 characters of [A-Za-z0-9_.:-], into OUT[NB_NAME_MAX]. */
int nb_cfg_name(struct nb_jr *x, const cJSON *obj, const char *path, const char *key,
                unsigned flags, char *out);
/* A numeric IPv4 or IPv6 address, into OUT[NB_HOST_MAX]. */
int nb_cfg_addr(struct nb_jr *x, const cJSON *obj, const char *path, const char *key,
                unsigned flags, char *out);

/* FILE as written in X's config: relative paths are to its directory.
 * Returns a new string (free it). */
char *nb_cfg_path(const struct nb_jr *x, const char *file);
/* A list of 0..NB_PREFIXES_MAX address prefixes ("198.18.0.0/15",
 * "2001:db8::/32", a bare address), into OUT with *N set. */
int nb_cfg_prefixes(struct nb_jr *x, const cJSON *obj, const char *path, const char *key,
                    struct nb_prefix *out, size_t *n);

/* The secret in FILE (member KEY of PATH: its name in messages), a path
 * relative to the config file's directory (X's doc), into BUF (MAX + 1
 * bytes): 1..MAX bytes, *N set. A regular file only: opening a device can
 * have side effects, and a FIFO would hang the daemon. PRIVATE: also owned by
 * root or this effective user and open to no one else (no group or other
 * permission bit), as ssh wants of its keys. Messages never show the
 * content; BUF is wiped on a refusal. 0 or -1 with X's message. */
int nb_cfg_secret_file(struct nb_jr *x, const char *path, const char *key, const char *file,
                       bool private, uint8_t *buf, size_t max, size_t *n);

/* Each section of ROOT into C, which holds the defaults: 0 (an absent
 * section too) or -1 with X's message. X's doc is the file's name. */
int nb_cfg_reflector(struct nb_jr *x, const cJSON *root, struct nb_config *c);
int nb_cfg_api(struct nb_jr *x, const cJSON *root, struct nb_config *c);
int nb_cfg_stamp(struct nb_jr *x, const cJSON *root, struct nb_config *c);
int nb_cfg_host_agent(struct nb_jr *x, const cJSON *root, struct nb_config *c);
int nb_cfg_capture(struct nb_jr *x, const cJSON *root, struct nb_config *c);
int nb_cfg_user(struct nb_jr *x, const cJSON *root, struct nb_config *c);
int nb_cfg_peers(struct nb_jr *x, const cJSON *root, struct nb_config *c);
/* after nb_cfg_peers (and "node"): appends to C's peers */
int nb_cfg_fabric(struct nb_jr *x, const cJSON *root, struct nb_config *c);
int nb_cfg_apps(struct nb_jr *x, const cJSON *root, struct nb_config *c);
int nb_cfg_app_ports(struct nb_jr *x, const cJSON *root, struct nb_config *c);
int nb_cfg_classifier(struct nb_jr *x, const cJSON *root, struct nb_config *c);
int nb_cfg_inventory(struct nb_jr *x, const cJSON *root, struct nb_config *c);
int nb_cfg_alerts(struct nb_jr *x, const cJSON *root, struct nb_config *c);

/* The "alerts" section's defaults (alerts_cfg.h) into A. */
void nb_cfg_alerts_defaults(struct nb_alerts_cfg *a);

#endif
