/* sightings_json.h — the wire form of GET /v1/sightings, both ways: the host
 * agent renders it, the agent computing a verdict parses another agent's
 * answer (outside data: bounded, validated, fuzzed). 64-bit values travel as
 * strings: a JSON number (double) cannot hold a nanosecond timestamp. */
#ifndef NB_SIGHTINGS_JSON_H
#define NB_SIGHTINGS_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "netblame/buf.h"
#include "netblame/sighting.h"
#include "netblame/sightings.h"

#define NB_SIGHTINGS_PAGE_MAX 4096 /* sightings per page, both directions */

/* {"node":..,"next":"N","missed":"N","sightings":[{"probe_id":"hex","ts":"ns",
 *   "kind":"test|reply","role":"tap|nic","dir":"in|out","proto":"stamp|tcp",
 *   "isn":N (tcp only),"ifname":..,"ifindex":N}]}
 * ("proto" absent: stamp, as agents before it sent) */
void nb_sightings_json_render(const char *node, const struct nb_sightings_page *pg,
                              const struct nb_sighting *s, struct nb_buf *b);

/* Parse a page. OUT (caller's, CAP entries) gets at most CAP sightings; more is
 * an error. Members a newer agent adds are passed over, a repeated key is
 * refused (wire/jsonread.h). Returns 0, or -1 with a one-line reason in ERR. */
int nb_sightings_json_parse(const char *text, size_t len, struct nb_sighting *out, size_t cap,
                            struct nb_sightings_page *pg, char *err, size_t errlen);

#endif
