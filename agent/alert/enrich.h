/* enrich.h — what netblame adds to an Alertmanager alert (DESIGN §5): which
 * of this agent's targets the alert is about, and that target's verdict as
 * annotations a pager shows. Pure: it works on the cJSON tree of a parsed
 * notification (wire/alert_json.h) and on structs the caller holds; no
 * I/O, no clock (the caller says what time it is). `netblame enrich` calls
 * it with the verdicts it fetched from netblamed, netblamed's POST
 * /v1/alerts with its own.
 *
 * THE MAPPING RULE. An alert names a target by a label: the first of
 * alerts.target_labels (default netblame_target, then instance) that the
 * alert has gives the value V; the labels after it are not tried, so a
 * rule that sets netblame_target is never second-guessed by its instance.
 * V matches, in this order, the first of:
 *   1. a target's name: a peers[] entry's, else an app[] entry's;
 *   2. a peer's address: V's host part equals the peer's address, the same
 *      address however written ("2001:db8::2" and "2001:0db8::0002"); the
 *      host part of "host:port" is host, of "[v6]:port" or "[v6]" v6, and
 *      of anything else (a bare IPv6 address too) V itself — so the
 *      "instance" of an exporter on the peer's machine, "198.18.0.12:9100",
 *      names the peer whatever the exporter's port;
 *   3. an app target's url as written, or its url's host, or its host:port
 *      (the port as written, or the scheme's: http 80) — here the port
 *      counts, as two services on one host are two app targets.
 * None: the alert goes out with netblame_error "no target: ...". When a peer
 * and an app target share a name, the name means the peer.
 *
 * THE ANNOTATIONS. Names starting "netblame_" are netblame's: every such
 * annotation an alert came with is removed first, so an alert enriched
 * twice, or by a rule that set one, never carries a stale one. Then, for a
 * verdict (all strings, as Alertmanager's annotations are):
 *   netblame_target      the target the alert was mapped to
 *   netblame_verdict     the layer: app | virtual | physical | healthy | inconclusive
 *   netblame_where       "virtual/local on hA vnetA": the layer, "/side",
 *                        " on HOST", " INTERFACE", each only when known
 *   netblame_confidence  "0.87" (two decimals; "0.00" when inconclusive)
 *   netblame_summary     one pager line: netblame_where, ": " and the first
 *                        evidence sentence (the one that explains the
 *                        verdict; the reason when there is none), at most
 *                        NB_ENRICH_SUMMARY_MAX bytes, cut on a character
 *                        boundary with "..."
 *   netblame_evidence    the first 3 evidence sentences, one per line
 *   netblame_window      "START/END", the judged window in RFC 3339 (an
 *                        ISO 8601 interval)
 * or, when there is no verdict to give, netblame_error with why (and
 * netblame_target when the alert was mapped). An alert is never dropped:
 * every alert of the notification goes out, enriched or saying why not —
 * a resolved one too, with the verdict now (healthy, when the fault is
 * over, confirms it). */
#ifndef NB_ENRICH_H
#define NB_ENRICH_H

#include <stdbool.h>
#include <stddef.h>

#include "netblame/clock.h"
#include "netblame/verdict.h"
#include "wire/alert_json.h"
#include "wire/config.h"

struct cJSON;

#define NB_ENRICH_SUMMARY_MAX 200 /* bytes of netblame_summary */
#define NB_ENRICH_EVIDENCE 3      /* sentences in netblame_evidence */
/* A diagnosis asked for an alert must end this long before the alert's
 * deadline (its answer read, the notification written), and is never asked
 * for with less than NB_ENRICH_DIAG_MIN_MS: a shorter one could not send
 * enough probes to say anything. POST /v1/alerts and `netblame enrich`. */
#define NB_ENRICH_DIAG_MARGIN_MS 300
#define NB_ENRICH_DIAG_MIN_MS 500

/* The target an alert was mapped to: CFG's peers[INDEX] or apps[INDEX]. */
struct nb_enrich_target {
    const char *name; /* CFG's */
    bool app;
    size_t index;
};

/* Map ALERT (one of a parsed note's alerts) to a target of CFG by THE
 * MAPPING RULE. 0 with *OUT set, or -1 with why not in WHY ("no target:
 * instance=\"198.18.0.99:9100\" names no peer or app target of this
 * agent"). */
int nb_enrich_map(const struct nb_config *cfg, const struct cJSON *alert,
                  struct nb_enrich_target *out, char *why, size_t whylen);

/* Set ALERT's annotations from verdict V of TARGET (THE ANNOTATIONS). */
void nb_enrich_verdict(struct cJSON *alert, const char *target, const struct nb_verdict *v);
/* Set ALERT's netblame_error to WHY (and netblame_target to TARGET, if not
 * NULL), its other netblame_ annotations removed. */
void nb_enrich_error(struct cJSON *alert, const char *target, const char *why);

/* The verdict served for target T now, or NULL with why there is none in
 * WHY ("netblamed at 127.0.0.1:9862 did not answer: ..."). */
typedef const struct nb_verdict *(*nb_enrich_lookup_fn)(void *arg, const struct nb_enrich_target *t,
                                                        char *why, size_t whylen);

/* Every alert of N: mapped by CFG's rule, its target's verdict asked of
 * LOOKUP, and annotated with it if the verdict is fresh at NOW (realtime):
 * its window ended at most CFG's alerts.fresh_ms before NOW. Otherwise
 * netblame_error says why ("no target: ...", "no verdict for gB: ...",
 * "no fresh verdict for gB: ..."). Returns how many alerts got a verdict. */
size_t nb_enrich_note(const struct nb_config *cfg, struct nb_alert_note *n,
                      nb_enrich_lookup_fn lookup, void *arg, nb_ns now);

#endif
