/* probes.c — reflector + paced senders on libev, and their metrics.
 *
 * Pacing: each peer's next probe is scheduled at interval * (1 + u), u uniform
 * in [-jitter, +jitter], and the first one at a random offset in [0, interval),
 * so agents started together (a fleet rollout) never probe in lockstep. The
 * loop's clock only schedules; every measured figure comes from kernel stamps. */
#include "daemon/probes.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "net/metrics.h"
#include "app/pace.h"
#include "daemon/verdicts.h"
#include "netblame/addr.h"
#include "netblame/log.h"
#include "netblame/mem.h"
#include "netblame/reflector.h"
#include "netblame/sender.h"

#define EXPIRE_PERIOD 0.1 /* s: how often timed-out probes are declared lost */

struct peer {
    struct nb_engine *engine;
    struct nb_peer_cfg cfg;
    struct nb_sender *sender;
    ev_io io;
    ev_timer pace;
    struct nb_histo rtt;  /* seconds */
    struct nb_histo hold; /* reflector hold time, seconds */
};

struct nb_engine {
    struct ev_loop *loop;
    struct nb_reflector *reflector;
    struct nb_reflector_cfg refl_cfg;
    ev_io refl_io;
    ev_timer refl_hold; /* releases held replies (reflector.hold_us) */
    struct peer *peers;
    size_t npeers;
    /* peers from the inventory, summed by level (nb_peer_cfg.level 1..3) */
    struct nb_histo fab_rtt[3], fab_hold[3];
    bool any_level;
    ev_timer expire;
    struct nb_pace pace;
    struct nb_verdicts *verdicts; /* fed every result; may be NULL */
};

void nb_engine_set_verdicts(struct nb_engine *e, struct nb_verdicts *v)
{
    e->verdicts = v;
}

static void on_result(void *arg, const struct nb_probe_result *r)
{
    struct peer *p = arg;
    nb_verdicts_stamp(p->engine->verdicts, p->cfg.name, r);
    if (r->lost)
        return; /* counted by the sender's statistics */
    if (p->cfg.histograms) {
        nb_histo_observe(&p->rtt, (double)r->rtt / 1e9);
        nb_histo_observe(&p->hold, (double)r->reflector_hold / 1e9);
    }
    if (p->cfg.level) {
        nb_histo_observe(&p->engine->fab_rtt[p->cfg.level - 1], (double)r->rtt / 1e9);
        nb_histo_observe(&p->engine->fab_hold[p->cfg.level - 1], (double)r->reflector_hold / 1e9);
    }
}

static void on_peer_readable(struct ev_loop *loop, ev_io *w, int revents)
{
    struct peer *p = w->data;
    nb_sender_on_readable(p->sender);
}

static void on_pace(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct peer *p = w->data;
    nb_sender_send(p->sender, nb_mono_now());
    ev_timer_set(w, nb_pace_next(&p->engine->pace, p->cfg.interval_ms), 0.);
    ev_timer_start(loop, w);
}

static void on_expire(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct nb_engine *e = w->data;
    nb_ns now = nb_mono_now();
    for (size_t i = 0; i < e->npeers; i++)
        nb_sender_expire(e->peers[i].sender, now);
}

/* Send held replies that are due and re-arm for the next one. */
static void release_held(struct nb_engine *e)
{
    nb_ns now = nb_mono_now();
    nb_ns due = nb_reflector_flush(e->reflector, now);
    ev_timer_stop(e->loop, &e->refl_hold);
    if (due) {
        ev_timer_set(&e->refl_hold, (double)(due - now) / 1e9, 0.);
        ev_timer_start(e->loop, &e->refl_hold);
    }
}

static void on_reflector_hold(struct ev_loop *loop, ev_timer *w, int revents)
{
    release_held(w->data);
}

static void on_reflector_readable(struct ev_loop *loop, ev_io *w, int revents)
{
    struct nb_engine *e = w->data;
    nb_reflector_on_readable(e->reflector);
    release_held(e);
}

/* A reload keeps the reflector's socket when its address is the same; mode,
 * key, TLV info, allowlist and limits are then taken by the running
 * reflector (nb_reflector_reconfigure): a key rotated in the key file is in
 * use from the reload on, without the port ever closing. */
static int same_socket(const struct nb_reflector_cfg *a, const struct nb_reflector_cfg *b)
{
    return a->addrlen == b->addrlen && memcmp(&a->addr, &b->addr, a->addrlen) == 0;
}

static int start_peer(struct nb_engine *e, struct peer *p, const struct nb_config *cfg,
                      const struct nb_peer_cfg *pc, char *err, size_t errlen)
{
    struct nb_sender_cfg sc = {0};
    p->engine = e;
    p->cfg = *pc;
    if (nb_addr_parse(pc->host, pc->port, &sc.peer, &sc.peerlen) < 0) {
        snprintf(err, errlen, "peer %s: bad address %s", pc->name, pc->host);
        return -1;
    }
    sc.mode = cfg->auth;
    sc.key = cfg->key;
    sc.ssid = cfg->ssid;
    sc.timeout = (nb_ns)pc->timeout_ms * 1000000;
    /* sent at least every interval / 2 (jitter at most 50 %), each outstanding
     * until its timeout: a 1/s peer needs 16 slots (768 B), not 4096 (192 KiB) */
    sc.outstanding = 2 * pc->timeout_ms / pc->interval_ms + 2;
    sc.id_nonce = (uint32_t)(e->pace.rng >> 32) ^ (uint32_t)(p - e->peers);
    sc.request_agent = pc->family == NB_FAMILY_PATH;
    sc.pad_every = pc->full_size_every; /* an MTU black hole is loss of exactly these */
    sc.n_agent_prefixes = cfg->n_host_agent_prefixes;
    memcpy(sc.agent_prefixes, cfg->host_agent_prefixes, sizeof(sc.agent_prefixes));
    p->sender = nb_sender_new(&sc, on_result, p, err, errlen);
    if (!p->sender)
        return -1;
    nb_histo_init(&p->rtt, nb_rtt_buckets_seconds, nb_rtt_buckets_count);
    nb_histo_init(&p->hold, nb_rtt_buckets_seconds, nb_rtt_buckets_count);
    ev_io_init(&p->io, on_peer_readable, nb_sender_fd(p->sender), EV_READ);
    p->io.data = p;
    ev_io_start(e->loop, &p->io);
    ev_timer_init(&p->pace, on_pace, nb_pace_first(&e->pace, pc->interval_ms), 0.);
    p->pace.data = p;
    ev_timer_start(e->loop, &p->pace);
    return 0;
}

struct nb_engine *nb_engine_new(struct ev_loop *loop, const struct nb_config *cfg,
                                struct nb_engine *old, char *err, size_t errlen)
{
    struct nb_engine *e = nb_calloc(1, sizeof(*e));
    bool taken = false; /* e->reflector is OLD's, reconfigured */
    e->loop = loop;
    nb_pace_init(&e->pace, cfg->jitter_pct);

    if (cfg->reflector) {
        struct nb_reflector_cfg rc = {0};
        if (nb_addr_parse(cfg->stamp_addr, cfg->stamp_port, &rc.addr, &rc.addrlen) < 0) {
            snprintf(err, errlen, "reflector: bad address %s", cfg->stamp_addr);
            goto fail;
        }
        rc.mode = cfg->auth;
        rc.key = cfg->key;
        rc.rate_pps = cfg->reflector_rate_pps;
        rc.burst = cfg->reflector_burst;
        rc.nallow = cfg->reflector_nallow;
        memcpy(rc.allow, cfg->reflector_allow, sizeof(rc.allow));
        if (cfg->has_host_agent) { /* told to path senders in the host-agent TLV */
            struct sockaddr_storage ha;
            socklen_t halen;
            if (nb_addr_parse(cfg->host_agent_addr, cfg->host_agent_port, &ha, &halen) < 0) {
                snprintf(err, errlen, "host_agent: bad address %s", cfg->host_agent_addr);
                goto fail;
            }
            if (ha.ss_family == AF_INET) {
                rc.info.agent_family = 4;
                memcpy(rc.info.agent_addr, &((struct sockaddr_in *)&ha)->sin_addr, 4);
            } else {
                rc.info.agent_family = 6;
                memcpy(rc.info.agent_addr, &((struct sockaddr_in6 *)&ha)->sin6_addr, 16);
            }
            rc.info.agent_port = cfg->host_agent_port;
        }
        e->refl_cfg = rc;
        if (old && old->reflector && same_socket(&old->refl_cfg, &rc)) {
            ev_io_stop(old->loop, &old->refl_io);
            ev_timer_stop(old->loop, &old->refl_hold);
            e->reflector = old->reflector;
            old->reflector = NULL;
            nb_reflector_reconfigure(e->reflector, &rc);
            taken = true;
        } else {
            if (old && old->reflector) { /* the port may be the same: free it first */
                ev_io_stop(old->loop, &old->refl_io);
                ev_timer_stop(old->loop, &old->refl_hold);
                nb_reflector_free(old->reflector);
                old->reflector = NULL;
            }
            e->reflector = nb_reflector_new(&rc, err, errlen);
            if (!e->reflector)
                goto fail;
        }
        nb_reflector_set_hold(e->reflector, (nb_ns)cfg->reflector_hold_us * 1000);
        ev_init(&e->refl_hold, on_reflector_hold);
        e->refl_hold.data = e;
        ev_io_init(&e->refl_io, on_reflector_readable, nb_reflector_fd(e->reflector), EV_READ);
        e->refl_io.data = e;
        ev_io_start(loop, &e->refl_io);
        release_held(e); /* replies held by a carried-over reflector */
    }

    for (int l = 0; l < 3; l++) {
        nb_histo_init(&e->fab_rtt[l], nb_rtt_buckets_seconds, nb_rtt_buckets_count);
        nb_histo_init(&e->fab_hold[l], nb_rtt_buckets_seconds, nb_rtt_buckets_count);
    }
    e->peers = nb_calloc(cfg->npeers ? cfg->npeers : 1, sizeof(*e->peers));
    for (size_t i = 0; i < cfg->npeers; i++) {
        e->any_level = e->any_level || cfg->peers[i].level;
        if (start_peer(e, &e->peers[i], cfg, &cfg->peers[i], err, errlen) < 0)
            goto fail;
        e->npeers++;
    }
    ev_timer_init(&e->expire, on_expire, EXPIRE_PERIOD, EXPIRE_PERIOD);
    e->expire.data = e;
    ev_timer_start(loop, &e->expire);
    return e;
fail:
    if (taken) { /* OLD keeps running: it gets its reflector back, as it was */
        ev_io_stop(loop, &e->refl_io);
        ev_timer_stop(loop, &e->refl_hold);
        nb_reflector_reconfigure(e->reflector, &old->refl_cfg);
        old->reflector = e->reflector;
        e->reflector = NULL;
        ev_io_start(old->loop, &old->refl_io);
        release_held(old);
    }
    nb_engine_free(e);
    return NULL;
}

void nb_engine_free(struct nb_engine *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->npeers; i++) {
        ev_io_stop(e->loop, &e->peers[i].io);
        ev_timer_stop(e->loop, &e->peers[i].pace);
        nb_sender_free(e->peers[i].sender);
    }
    free(e->peers);
    ev_timer_stop(e->loop, &e->expire);
    if (e->reflector) {
        ev_io_stop(e->loop, &e->refl_io);
        ev_timer_stop(e->loop, &e->refl_hold);
        nb_reflector_free(e->reflector);
    }
    free(e);
}

unsigned nb_engine_overdue(const void *arg, const char *name, nb_ns age, nb_ns since_rt,
                           unsigned *full)
{
    const struct nb_engine *e = arg;
    *full = 0;
    for (size_t i = 0; e && i < e->npeers; i++)
        if (strcmp(e->peers[i].cfg.name, name) == 0)
            return nb_sender_overdue(e->peers[i].sender, nb_mono_now(), age, since_rt, full);
    return 0;
}

/* One counter family with a sample per peer. */
static void peer_counter(struct nb_buf *b, const struct nb_engine *e, const char *name,
                         const char *help, size_t offset)
{
    nb_prom_family(b, name, "counter", help);
    for (size_t i = 0; i < e->npeers; i++) {
        const struct peer *p = &e->peers[i];
        const char *labels[] = {"peer", p->cfg.name, "family", nb_family_name(p->cfg.family)};
        const uint64_t *v = (const uint64_t *)((const char *)nb_sender_stats(p->sender) + offset);
        nb_prom_sample(b, name, labels, 2, (double)*v);
    }
}

/* One histogram family with a series per peer; OFFSET locates it in struct peer. */
static void peer_histo(struct nb_buf *b, const struct nb_engine *e, const char *name,
                       const char *help, size_t offset)
{
    nb_prom_family(b, name, "histogram", help);
    for (size_t i = 0; i < e->npeers; i++) {
        const struct peer *p = &e->peers[i];
        const char *labels[] = {"peer", p->cfg.name, "family", nb_family_name(p->cfg.family)};
        if (!p->cfg.histograms)
            continue; /* a peer from the inventory: in its level's (fabric_histo) */
        nb_histo_render(b, name, labels, 2, (const struct nb_histo *)((const char *)p + offset));
    }
}

/* A histogram family of the inventory's peers by level (H: 3 of them). */
static void fabric_histo(struct nb_buf *b, const char *name, const char *help,
                         const struct nb_histo *h)
{
    static const char *const lv[] = {"tor", "pod", "dc"};
    nb_prom_family(b, name, "histogram", help);
    for (int l = 0; l < 3; l++) {
        const char *labels[] = {"level", lv[l]};
        nb_histo_render(b, name, labels, 1, &h[l]);
    }
}

void nb_engine_render_metrics(const struct nb_engine *e, struct nb_buf *b)
{
#define PC(field, help)                                                                            \
    peer_counter(b, e, "netblame_stamp_" #field "_total", help,                                    \
                 offsetof(struct nb_sender_stats, field))
    PC(sent, "STAMP test packets sent.");
    PC(received, "STAMP replies received (first reply per probe).");
    PC(lost, "STAMP probes unanswered within the timeout.");
    PC(duplicates, "Duplicate STAMP replies.");
    PC(reordered, "STAMP replies that arrived after a later probe's reply.");
    PC(late, "STAMP replies that arrived after their probe was declared lost.");
    PC(send_errors, "STAMP test packets the kernel refused to send.");
    PC(icmp_errors, "ICMP errors (unreachable, refused) reported for a peer.");
    PC(agent_refused, "Replies whose host-agent address was refused: neither the reflector's "
                      "own nor in stamp.host_agent_prefixes.");
#undef PC

    peer_histo(b, e, "netblame_stamp_rtt_seconds",
               "STAMP round-trip time (T4-T1)-(T3-T2), from kernel timestamps.",
               offsetof(struct peer, rtt));
    peer_histo(b, e, "netblame_stamp_reflector_hold_seconds",
               "Time the peer's reflector held each probe (T3-T2).", offsetof(struct peer, hold));
    if (e->any_level) {
        fabric_histo(b, "netblame_fabric_rtt_seconds",
                     "STAMP round-trip time of the fabric peers from fabric.inventory_file, by "
                     "level: this host's ToR, its pod's other ToRs, other pods.",
                     e->fab_rtt);
        fabric_histo(b, "netblame_fabric_reflector_hold_seconds",
                     "Reflector hold time (T3-T2) of the fabric peers from fabric.inventory_file, "
                     "by level.",
                     e->fab_hold);
    }

    nb_prom_family(b, "netblame_stamp_malformed_total", "counter",
                   "STAMP packets dropped as malformed, by who saw them and why.");
    for (int r = 1; r < NB_STAMP_E__COUNT; r++) {
        uint64_t sum = 0;
        for (size_t i = 0; i < e->npeers; i++)
            sum += nb_sender_stats(e->peers[i].sender)->malformed[r];
        const char *ls[] = {"stamp_role", "sender", "reason",
                            nb_stamp_err_name((enum nb_stamp_err)r)};
        nb_prom_sample(b, "netblame_stamp_malformed_total", ls, 2, (double)sum);
        if (e->reflector) {
            const char *lr[] = {"stamp_role", "reflector", "reason",
                                nb_stamp_err_name((enum nb_stamp_err)r)};
            nb_prom_sample(b, "netblame_stamp_malformed_total", lr, 2,
                           (double)nb_reflector_stats(e->reflector)->malformed[r]);
        }
    }

    /* counted, not assumed: what a fleet's peer count costs in timers */
    size_t timers = (ev_is_active(&e->expire) != 0) + (e->reflector && ev_is_active(&e->refl_hold));
    for (size_t i = 0; i < e->npeers; i++)
        timers += ev_is_active(&e->peers[i].pace) != 0;
    nb_prom_single(b, "netblame_probe_timers", "gauge",
                   "Timers the probe engine has armed: a pacing timer per peer, the loss expiry, "
                   "the reflector's hold.",
                   (double)timers);

    if (e->reflector) {
        const struct nb_reflector_stats *rs = nb_reflector_stats(e->reflector);
        nb_prom_single(b, "netblame_reflector_received_total", "counter",
                       "Datagrams received by the STAMP reflector.", (double)rs->received);
        nb_prom_single(b, "netblame_reflector_reflected_total", "counter",
                       "STAMP test packets answered.", (double)rs->reflected);
        nb_prom_single(b, "netblame_reflector_send_errors_total", "counter",
                       "STAMP replies the kernel refused to send.", (double)rs->send_errors);
        nb_prom_single(b, "netblame_reflector_unreachable_total", "counter",
                       "ICMP errors for STAMP replies: the sender had no socket for the reply "
                       "(it went away, or the reply came from an address it did not probe).",
                       (double)rs->unreachable);
        nb_prom_single(b, "netblame_reflector_truncated_total", "counter",
                       "Datagrams larger than the largest STAMP packet accepted.",
                       (double)rs->truncated);
        nb_prom_single(b, "netblame_reflector_sessions", "gauge",
                       "STAMP sessions in the reflector's table.", (double)rs->sessions);
        nb_prom_single(b, "netblame_reflector_sessions_evicted_total", "counter",
                       "Sessions evicted from the full reflector table (least recently used).",
                       (double)rs->sessions_evicted);
        nb_prom_single(b, "netblame_reflector_ratelimited_total", "counter",
                       "Datagrams dropped unanswered: their source was over its rate budget.",
                       (double)rs->ratelimited);
        nb_prom_single(b, "netblame_reflector_not_allowed_total", "counter",
                       "Datagrams dropped unanswered: their source is not in reflector.allow.",
                       (double)rs->not_allowed);
        nb_prom_single(b, "netblame_reflector_sources", "gauge",
                       "Sources in the reflector's rate-limit table (fixed size).",
                       (double)rs->sources);
        nb_prom_single(b, "netblame_reflector_sources_evicted_total", "counter",
                       "Sources forgotten by the full rate-limit table (the fullest bucket first).",
                       (double)rs->sources_evicted);
        nb_prom_single(b, "netblame_reflector_table_bytes", "gauge",
                       "Memory of the reflector's fixed tables (sessions and rate limits).",
                       (double)nb_reflector_table_bytes());
    }
}
