/* observe.c — observation records and link deltas (see observe.h). */
#include "input/observe.h"

#include <stdio.h>
#include <string.h>

/* Did the reflector receive the lost probes? A netblame reflector numbers its
 * replies per session by the test packets it received (starting at 0), so
 * between two answered probes i < j it received refl_seq[j] - refl_seq[i] - 1
 * of the j - i - 1 lost ones: none means all were lost on the way there
 * (before B.rx), all means every reply was lost on the way back (after B.tx).
 * The session's start counts as an answer numbered -1 before sequence 0; a
 * window that starts later begins counting at its first answer. A mixed gap,
 * a gap in the sequence numbers, a foreign reflector, or lost probes after
 * the last answer stay unresolved: B.rx/B.tx are then not observable. */
static void resolve_reflector_receipt(const struct nb_probe_result *res, size_t n,
                                      struct nb_path_obs *obs)
{
    int64_t prev = -1; /* index of the last answer; -1: the session start */
    uint32_t prev_seq = UINT32_MAX, prev_refl = UINT32_MAX;
    for (size_t j = 0; j < n; j++) {
        const struct nb_probe_result *r = &res[j];
        if (obs[j].lost)
            continue;
        uint32_t lost = (uint32_t)((int64_t)j - prev - 1);
        bool contiguous = r->seq - prev_seq == lost + 1 &&
                          (prev < 0 || res[prev].probe_id >> 32 == r->probe_id >> 32);
        uint32_t received = r->refl_seq - prev_refl - 1;
        if (r->netblame_reflector && contiguous && lost && (received == 0 || received == lost)) {
            for (int64_t k = prev + 1; k < (int64_t)j; k++) {
                obs[k].observable[NB_PT_B_RX] = obs[k].observable[NB_PT_B_TX] = true;
                obs[k].seen[NB_PT_B_RX] = obs[k].seen[NB_PT_B_TX] = received != 0;
            }
        }
        prev = (int64_t)j;
        prev_seq = r->seq;
        prev_refl = r->refl_seq;
    }
}

void nb_obs_from_results(const struct nb_probe_result *res, const bool *done, size_t n,
                         struct nb_path_obs *obs)
{
    for (size_t i = 0; i < n; i++) {
        const struct nb_probe_result *r = &res[i];
        struct nb_path_obs *o = &obs[i];
        bool finished = !done || done[i];
        memset(o, 0, sizeof(*o));
        o->observable[NB_PT_A_TX] = o->observable[NB_PT_A_RX] = true;
        o->lost = !finished || r->lost;
        o->observable[NB_PT_B_RX] = o->observable[NB_PT_B_TX] = !o->lost;
        o->seen[NB_PT_A_TX] = finished;
        o->t[NB_PT_A_TX] = r->t1;
        if (!o->lost) {
            o->seen[NB_PT_A_RX] = o->seen[NB_PT_B_RX] = o->seen[NB_PT_B_TX] = true;
            o->t[NB_PT_A_RX] = r->t4;
            o->t[NB_PT_B_RX] = r->t2;
            o->t[NB_PT_B_TX] = r->t3;
        }
    }
    resolve_reflector_receipt(res, n, obs);
}

static const enum nb_point host_points[2][4] = {
    {NB_PT_HB_NIC_IN, NB_PT_HB_TAP_OUT, NB_PT_HB_TAP_IN, NB_PT_HB_NIC_OUT},
    {NB_PT_HA_TAP_IN, NB_PT_HA_NIC_OUT, NB_PT_HA_NIC_IN, NB_PT_HA_TAP_OUT},
};

void nb_obs_host_observable(struct nb_path_obs *o, int local)
{
    for (int k = 0; k < 4; k++)
        o->observable[host_points[local != 0][k]] = true;
}

bool nb_obs_place(struct nb_path_obs *o, int local, const struct nb_sighting *s)
{
    enum nb_point p = nb_point_of_sighting(local, s->kind, s->role, s->dir);
    if (p == NB_PT__COUNT || o->seen[p])
        return false;
    o->seen[p] = true;
    o->t[p] = s->ts;
    return true;
}

bool nb_obs_link(int local, const char *agent, const struct nb_link_report *a,
                 const struct nb_link_counters *dc, struct nb_cls_link *out)
{
    bool moved = dc->rx_dropped || dc->tx_dropped || dc->rx_errors || dc->tx_errors ||
                 dc->carrier_changes || dc->qdisc_drops;
    if (!moved && a->up && a->carrier)
        return false;
    memset(out, 0, sizeof(*out));
    out->side = local ? NB_SIDE_LOCAL : NB_SIDE_REMOTE;
    snprintf(out->host, sizeof(out->host), "%s", agent);
    snprintf(out->ifname, sizeof(out->ifname), "%s", a->name);
    out->role = a->nic ? NB_IF_NIC : NB_IF_TAP;
    out->rx_dropped = dc->rx_dropped;
    out->tx_dropped = dc->tx_dropped;
    out->rx_errors = dc->rx_errors;
    out->tx_errors = dc->tx_errors;
    out->carrier_changes = dc->carrier_changes;
    out->qdisc_drops = dc->qdisc_drops;
    out->up = a->up;
    out->carrier = a->carrier;
    return true;
}
