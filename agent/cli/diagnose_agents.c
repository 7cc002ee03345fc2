/* diagnose_agents.c — what the host agents saw of a STAMP burst (see
 * diagnose_int.h). Before it, their link counters and CPU figures; after
 * it, their sightings of its probes placed on the observation points
 * (observe.h) for the per-segment waterfall, the counters that moved, CPU
 * contention on the taps the probes crossed, and the local agent's fabric
 * window toward the remote host. Every fetch is bounded by the diagnosis'
 * deadline (diagrun.h); what was not fetched is said in the evidence. */
#include "cli/diagnose_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/log.h"
#include "netblame/mem.h"
#include "net/agentclient.h"
#include "input/cpuwin.h"
#include "input/observe.h"

/* The timeout for a snapshot before the burst: the agent's default, bounded
 * by the deadline and by the share of it the snapshots have (pre_end); 0
 * (skipped, said in the evidence) when that share is spent. */
static long pre_ms(struct nb_diag *d, const char *what)
{
    long ms = nb_diag_fetch_ms(d->run, NB_AGENT_TIMEOUT_MS, what);
    if (!ms || !d->pre_end)
        return ms;
    nb_ns left = d->pre_end - nb_mono_now();
    if (left < 1000000) {
        nb_diag_evidence(d->rep,
                         "%s not read before the burst: the host agents were slow to "
                         "answer and the burst needs the deadline's time",
                         what);
        return 0;
    }
    return left / 1000000 < ms ? (long)(left / 1000000) : ms;
}

/* Snapshot a host agent's link counters (blocking, bounded by the deadline). */
static void snapshot_links(struct nb_diag *d, int local, const char *addr, uint16_t port)
{
    char err[256];
    long ms = pre_ms(d, local ? "local link counters" : "remote link counters");
    if (!ms)
        return;
    d->links_before[local] = nb_calloc(NB_LINKS_MAX, sizeof(struct nb_link_report));
    d->nlinks_before[local] = nb_agent_fetch_links(addr, port, ms, d->links_before[local],
                                                   NB_LINKS_MAX, err, sizeof(err));
    if (d->nlinks_before[local] < 0)
        nb_diag_evidence(d->rep, "no link counters from the %s host agent (%s)",
                         local ? "local" : "remote", err);
}

/* Snapshot a host agent's CPU figures (blocking, bounded like the links); an
 * agent that has none (an older one) just leaves them out. */
static void snapshot_cpu(struct nb_diag *d, int local, const char *addr, uint16_t port)
{
    char err[256];
    if (d->links_before[local] && d->nlinks_before[local] < 0)
        return; /* it did not answer a moment ago: do not wait for it twice */
    long ms = pre_ms(d, local ? "local CPU figures" : "remote CPU figures");
    if (!ms)
        return;
    d->cpu_ok[local] =
        nb_agent_fetch_cpu(addr, port, ms, &d->cpu_before[local], err, sizeof(err)) == 0;
    if (!d->cpu_ok[local])
        nb_debug("no CPU figures from the %s host agent: %s", local ? "local" : "remote", err);
}

/* What the host agents had before the burst (link counters, CPU figures),
 * for the deltas over it. */
void nb_diag_agents_before(struct nb_diag *d)
{
    const struct nb_diag_opts *o = d->o;
    if (d->run->deadline)
        d->pre_end = nb_mono_now() + (nb_ns)(nb_diag_left_ms(d->run) / 4) * 1000000;
    if (o->local_agent[0]) {
        snapshot_links(d, 1, o->local_agent, o->local_agent_port);
        snapshot_cpu(d, 1, o->local_agent, o->local_agent_port);
    }
    if (d->hello.agent) {
        snapshot_links(d, 0, d->hello.addr, d->hello.port);
        snapshot_cpu(d, 0, d->hello.addr, d->hello.port);
    }
}

/* A tap this session's probes crossed at host agent LOCAL. */
static void note_tap(struct nb_diag *d, int local, const struct nb_sighting *s)
{
    if (s->role != NB_IF_TAP || !s->ifname[0])
        return;
    for (size_t i = 0; i < d->ntaps[local]; i++)
        if (strcmp(d->taps[local][i], s->ifname) == 0)
            return;
    if (d->ntaps[local] < DIAG_TAPS)
        snprintf(d->taps[local][d->ntaps[local]++], NB_CPU_IFNAMSIZ, "%s", s->ifname);
}

/* Fetch one host agent's sightings of this session and place them on the
 * observation points of the finished probes (OBS[IDX[seq]]). LOCAL: the
 * sender's own host agent. */
static void place_sightings(struct nb_diag *d, struct nb_path_obs *obs, size_t nobs, const int *idx,
                            const char *addr, uint16_t port, int local)
{
    struct nb_diag_report *rep = d->rep;
    struct nb_fetch f;
    char err[256];
    long ms =
        nb_diag_fetch_ms(d->run, NB_AGENT_TIMEOUT_MS,
                         local ? "local host agent's sightings" : "remote host agent's sightings");
    if (!ms) {
        nb_diag_evidence(rep, "%s host agent not asked: the deadline; its segments are unknown",
                         local ? "local" : "remote");
        return;
    }
    if (nb_agent_fetch_sightings(addr, port, d->nonce, 0, 64 * (size_t)d->o->count + 1024, ms, &f,
                                 err, sizeof(err)) < 0) {
        nb_diag_evidence(rep, "%s host agent unreachable (%s): its segments are unknown",
                         local ? "local" : "remote", err);
        nb_diag_fetch_failed(d->run, ms, NB_AGENT_TIMEOUT_MS,
                             local ? "local host agent's sightings"
                                   : "remote host agent's sightings");
        return;
    }
    for (size_t i = 0; i < nobs; i++)
        nb_obs_host_observable(&obs[i], local);
    for (size_t k = 0; k < f.n; k++) {
        const struct nb_sighting *s = &f.s[k];
        uint32_t seq = (uint32_t)s->probe_id;
        if ((uint32_t)(s->probe_id >> 32) == d->nonce && seq < d->o->count && idx[seq] >= 0) {
            nb_obs_place(&obs[idx[seq]], local, s);
            note_tap(d, local, s);
        }
    }
    rep->sightings_missed += f.missed;
    if (local)
        rep->local_ok = true;
    else
        rep->remote_ok = true;
    free(f.s);
}

/* CPU contention at one host agent over the burst: its figures now against
 * those before, for the taps this session crossed there. */
static void cpu_window(struct nb_diag *d, int local, const char *addr, uint16_t port)
{
    struct nb_cpu_report after;
    char err[256];
    if (!d->cpu_ok[local])
        return;
    long ms = nb_diag_fetch_ms(d->run, NB_AGENT_TIMEOUT_MS,
                               local ? "local host agent's CPU figures"
                                     : "remote host agent's CPU figures");
    if (!ms || nb_agent_fetch_cpu(addr, port, ms, &after, err, sizeof(err)) < 0)
        return;
    nb_cpuwin_host(&d->cpu_before[local], &after, (const char(*)[NB_CPU_IFNAMSIZ])d->taps[local],
                   d->ntaps[local], local ? &d->rep->cpu_local : &d->rep->cpu_remote);
    free(after.th);
}

/* Evidence from link counters that moved during the burst at one host agent. */
static void link_evidence(struct nb_diag *d, int local, const char *addr, uint16_t port)
{
    if (!d->links_before[local] || d->nlinks_before[local] < 0)
        return;
    const char *side = local ? "local host" : "remote host";
    long ms = nb_diag_fetch_ms(d->run, NB_AGENT_TIMEOUT_MS,
                               local ? "local link counters" : "remote link counters");
    if (!ms)
        return;
    struct nb_link_report *after = nb_calloc(NB_LINKS_MAX, sizeof(*after));
    char err[256];
    int n = nb_agent_fetch_links(addr, port, ms, after, NB_LINKS_MAX, err, sizeof(err));
    if (n < 0) {
        nb_diag_evidence(d->rep, "no link counters from the %s agent (%s)", side, err);
        nb_diag_fetch_failed(d->run, ms, NB_AGENT_TIMEOUT_MS, "link counters");
    }
    for (int i = 0; i < n; i++) {
        const struct nb_link_report *a = &after[i], *b = NULL;
        for (int j = 0; j < d->nlinks_before[local]; j++)
            if (strcmp(d->links_before[local][j].name, a->name) == 0)
                b = &d->links_before[local][j];
        if (!a->up || !a->carrier)
            nb_diag_evidence(d->rep, "%s %s %s is %s", side, a->nic ? "NIC" : "tap", a->name,
                             !a->up ? "administratively down" : "without carrier");
        struct nb_link_counters dc = {0};
        if (b)
            nb_link_counters_delta(&b->c, &a->c, &dc);
        if (d->rep->nlinks < NB_CLS_MAX_LINKS &&
            nb_obs_link(local, addr, a, &dc, &d->rep->links[d->rep->nlinks]))
            d->rep->nlinks++;
        if (!b)
            continue;
        char moved[200] = "";
        size_t m = 0;
#define MOVED(f)                                                                                   \
    if (dc.f && m < sizeof(moved))                                                                 \
        m += (size_t)snprintf(moved + m, sizeof(moved) - m, " " #f " +%llu",                       \
                              (unsigned long long)dc.f);
        MOVED(rx_dropped)
        MOVED(tx_dropped)
        MOVED(rx_errors) MOVED(tx_errors) MOVED(carrier_changes) MOVED(qdisc_drops)
#undef MOVED
            if (m) nb_diag_evidence(d->rep, "%s %s %s:%s during the burst", side,
                                    a->nic ? "NIC" : "tap", a->name, moved);
    }
    free(after);
}

/* The fabric family: the local host agent probes its peer host agents NIC
 * to NIC all the time (a `fabric` peer of its daemon); its probes toward
 * the remote host (PEER, the reflector's host agent) sent over the burst's
 * span are the physical layer measured without either guest's virtual
 * path. Its probes still in flight past their expected reply count as lost
 * there (verdicts.h), so even a short burst sees the fabric's loss. */
static void fabric_window(struct nb_diag *d, const char *peer)
{
    char err[256];
    /* Over the burst's own span, to the millisecond: from its start until
     * now (the agent's clock is not ours, so the span is measured back from
     * the moment it answers). A fabric window reaching further back would
     * carry probes from before a fault began and contradict a burst that
     * saw it; one too short for enough fabric probes says so (too few) and
     * is no cross-check at all, which is the honest answer. */
    nb_ns took = nb_realtime_now() - d->rep->start + 50 * 1000000LL;
    long span = (long)(took / 1000000);
    span = span < NB_AGENT_SPAN_MS_MIN   ? NB_AGENT_SPAN_MS_MIN
           : span > NB_AGENT_SPAN_MS_MAX ? NB_AGENT_SPAN_MS_MAX
                                         : span;
    long ms = nb_diag_fetch_ms(d->run, NB_AGENT_TIMEOUT_MS, "fabric window");
    if (!ms)
        return;
    int r = nb_agent_fetch_fabric(d->o->local_agent, d->o->local_agent_port, peer, (unsigned)span,
                                  ms, &d->rep->fabric, err, sizeof(err));
    d->rep->fabric_present = r > 0;
    if (r < 0) {
        nb_diag_evidence(d->rep, "no fabric window from the local host agent (%s)", err);
        nb_diag_fetch_failed(d->run, ms, NB_AGENT_TIMEOUT_MS, "fabric window");
    }
}

/* Per-segment decomposition from the host agents' sightings (DESIGN §2),
 * over the finished probes; then the same agents' link, fabric and CPU
 * figures over the burst. */
void nb_diag_agents_after(struct nb_diag *d)
{
    struct nb_diag_report *rep = d->rep;
    const char *remote = d->hello.agent ? d->hello.addr : NULL;
    uint16_t remote_port = d->hello.port;
    char addr[INET6_ADDRSTRLEN] = "";
    for (size_t i = 0; i < d->o->count && !remote; i++)
        if (d->fin[i] && !d->res[i].lost && d->res[i].agent_family) {
            inet_ntop(d->res[i].agent_family == 4 ? AF_INET : AF_INET6, d->res[i].agent_addr, addr,
                      sizeof(addr));
            remote = addr;
            remote_port = d->res[i].agent_port;
        }
    if (!d->o->local_agent[0] && !remote)
        return;
    struct nb_probe_result *res = nb_calloc(d->o->count + 1, sizeof(*res));
    int *idx = nb_calloc(d->o->count + 1, sizeof(*idx));
    size_t n = 0;
    for (size_t i = 0; i < d->o->count; i++) {
        idx[i] = d->fin[i] ? (int)n : -1;
        if (d->fin[i])
            res[n++] = d->res[i];
    }
    struct nb_path_obs *obs = nb_calloc(n + 1, sizeof(*obs));
    nb_obs_from_results(res, NULL, n, obs);
    if (d->o->local_agent[0]) {
        snprintf(rep->local_agent, sizeof(rep->local_agent), "%s:%u", d->o->local_agent,
                 d->o->local_agent_port);
        place_sightings(d, obs, n, idx, d->o->local_agent, d->o->local_agent_port, 1);
    }
    if (remote) {
        snprintf(rep->remote_agent, sizeof(rep->remote_agent), "%s:%u", remote, remote_port);
        place_sightings(d, obs, n, idx, remote, remote_port, 0);
    }
    rep->decomposed = rep->local_ok || rep->remote_ok;
    if (d->o->local_agent[0] && remote)
        fabric_window(d, remote);
    if (d->o->local_agent[0])
        link_evidence(d, 1, d->o->local_agent, d->o->local_agent_port);
    if (d->hello.agent)
        link_evidence(d, 0, d->hello.addr, d->hello.port);
    if (d->o->local_agent[0])
        cpu_window(d, 1, d->o->local_agent, d->o->local_agent_port);
    if (d->hello.agent)
        cpu_window(d, 0, d->hello.addr, d->hello.port);
    if (rep->decomposed)
        nb_waterfall_compute(obs, n, &rep->wf);
    free(obs);
    free(idx);
    free(res);
}
