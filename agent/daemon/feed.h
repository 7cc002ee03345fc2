/* feed.h — one host agent followed from the daemon's loop: the sightings of
 * one probe session (GET /v1/sightings, with the agent's cursor, so each
 * sighting is read once), its link counters (GET /v1/links) and CPU figures
 * (GET /v1/cpu), polled once a round, without blocking (http.c). The
 * daemon's continuous verdicts decompose a path peer with the feeds of the
 * sender's host agent and of the reflector's (DESIGN §2, §3), as `netblame
 * diagnose` does for one burst.
 *
 * COVERAGE: a round that read the agent's sightings to its newest started at
 * some monotonic time T; every probe that finished more than NB_FEED_GRACE
 * before T had all its sightings recorded by then (the agent captures a
 * packet before the reply reaches the sender, give or take its capture
 * latency), so they are all in. nb_feed_covered() is that bound: the caller
 * marks such probes' host points observable, and judges no probe past it. */
#ifndef NB_FEED_H
#define NB_FEED_H

#include <stdbool.h>
#include <stdint.h>

#include "net/http.h"
#include "wire/links_json.h"
#include "netblame/ntp.h"
#include "netblame/sighting.h"
#include "netblame/verdict.h"

#define NB_FEED_GRACE (NB_NS_PER_SEC / 4) /* capture-to-store latency, with margin */
#define NB_FEED_FABRIC_S 10 /* a fabric window as long as a verdict's */
#define NB_FEED_FABRIC_SHORT_MS 2000 /* ...and one for the fast test's (verdicts_fast.c) */

struct nb_feed;

/* Called for every sighting read (any order; duplicates possible). */
typedef void (*nb_feed_cb)(void *arg, const struct nb_sighting *s);

/* Follow the agent at ADDR:PORT (numeric) for SESSION's sightings. */
struct nb_feed *nb_feed_new(struct nb_http *http, const char *addr, uint16_t port,
                            uint32_t session, nb_feed_cb cb, void *arg);
/* Cancels what is in flight (no callback follows). F may be NULL. */
void nb_feed_free(struct nb_feed *f);

/* Start a round (sightings pages; then links, CPU and the fabric windows
 * if the last round that read them began a second ago or more) unless one
 * is in flight. */
void nb_feed_poll(struct nb_feed *f, nb_ns now_mono);
/* Whether a round is in flight (a request of it not answered yet). */
bool nb_feed_busy(const struct nb_feed *f);

bool nb_feed_is(const struct nb_feed *f, const char *addr, uint16_t port, uint32_t session);
const char *nb_feed_addr(const struct nb_feed *f);  /* "addr" */
uint32_t nb_feed_session(const struct nb_feed *f);
/* Whether the last round read the sightings (an agent that does not
 * answer, or answers garbage, is not ok). */
bool nb_feed_ok(const struct nb_feed *f);
/* Monotonic bound of COVERAGE above; 0 before the first good round. */
nb_ns nb_feed_covered(const struct nb_feed *f);

/* Interfaces whose counters moved between the last link snapshot taken at or
 * before SINCE (monotonic; the oldest kept if none) and the newest, or that
 * are down now, as classifier links of SIDE (LOCAL: the sender's host). Taps
 * count only if this session's probes were sighted on them (another guest's
 * tap on the same host is not this path's); NICs always. Appends to OUT
 * (*N of CAP). */
void nb_feed_links(const struct nb_feed *f, nb_ns since, int local, struct nb_cls_link *out,
                   size_t *n, size_t cap);

/* CPU contention at the agent between its CPU snapshot taken at or before
 * SINCE (monotonic; the oldest kept if none) and the newest (GET /v1/cpu,
 * one a round): its pressure, and the most-waiting thread among those
 * forwarding the taps this session was sighted on (none sighted: no thread
 * figure). Into *OUT; nothing with fewer than two snapshots. */
void nb_feed_cpu(const struct nb_feed *f, nb_ns since, struct nb_cls_cpu *out);

/* Also read the agent's own `fabric` window toward host PEER once a second
 * (GET /v1/windows), its last NB_FEED_FABRIC_S and its last
 * NB_FEED_FABRIC_SHORT_MS: a guest's view of the physical layer
 * under its path, measured NIC to NIC by its host agent (DESIGN §3). */
void nb_feed_want_fabric(struct nb_feed *f, const char *peer);
/* That window (BRIEF: the short one), if one came at or after SINCE
 * (monotonic). */
bool nb_feed_fabric(const struct nb_feed *f, nb_ns since, bool brief, struct nb_cls_family *out);

#endif
