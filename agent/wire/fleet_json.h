/* fleet_json.h — the fabric inventory file (config "fabric".inventory_file):
 * every host of the fleet with its address, ToR and pod, from which
 * pingmesh.c chooses this host agent's fabric peers. Outside data (written
 * by the fleet's inventory system): strict, bounded, fuzzed.
 *
 *   {"hosts": [{"name": "h-0001", "address": "198.18.0.1",
 *               "tor": "tor-01", "pod": "pod-1"}, ...]}
 *
 * name, tor, pod: 1..63 characters of [A-Za-z0-9_.:-] (config names); name
 * and address unique in the file (an address is compared in its canonical
 * form); at most NB_FLEET_MAX hosts; no other key anywhere. */
#ifndef NB_FLEET_JSON_H
#define NB_FLEET_JSON_H

#include <stddef.h>

#include "wire/pingmesh.h"

#define NB_FLEET_MAX 262144                   /* hosts in one inventory */
#define NB_FLEET_BYTES_MAX (64 * 1024 * 1024) /* an inventory file's size */

/* TEXT (LEN bytes) into *OUT (free with nb_fleet_free). DOC names the text in
 * messages (the file). Returns 0, or -1 with one line in ERR naming the host
 * ("fleet.json: hosts[12].tor: ..."); *OUT is then empty. */
int nb_fleet_json_parse(const char *text, size_t len, const char *doc, struct nb_fleet *out,
                        char *err, size_t errlen);

#endif
