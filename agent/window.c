/* window.c — diagnose reports as classifier windows (see window.h). */
#include "window.h"

#include <stdio.h>
#include <string.h>

_Static_assert(NB_APP__COUNT - 1 == NB_AF__COUNT && NB_APP_NXDOMAIN - 1 == NB_AF_NXDOMAIN &&
                   NB_APP_TIMEOUT - 1 == NB_AF_TIMEOUT &&
                   NB_APP_UNEXPECTED_REPLY - 1 == NB_AF_UNEXPECTED_REPLY,
               "enum nb_app_fail must be enum nb_app_reason without ok, in order");

enum nb_app_fail nb_app_fail_of(enum nb_app_reason r)
{
    return (enum nb_app_fail)(r - 1);
}

static void host_of(char *out, size_t cap, const char *agent)
{
    /* "addr:port" -> "addr" (IPv4, or IPv6 written without brackets: the
     * last colon separates the port) */
    const char *colon = strrchr(agent, ':');
    int n = colon ? (int)(colon - agent) : (int)strlen(agent);
    snprintf(out, cap, "%.*s", n, agent);
}

/* The window's identity: target, times, the hosts whose agents were asked. */
static void head(struct nb_cls_input *in, const char *target, nb_ns start, nb_ns end,
                 const char *local_agent, const char *remote_agent)
{
    memset(in, 0, sizeof(*in));
    snprintf(in->target, sizeof(in->target), "%.*s", (int)sizeof(in->target) - 1, target);
    in->start = start;
    in->end = end;
    if (local_agent[0])
        host_of(in->local_host, sizeof(in->local_host), local_agent);
    if (remote_agent[0])
        host_of(in->remote_host, sizeof(in->remote_host), remote_agent);
}

void nb_window_from_diag(const struct nb_diag_report *rep, struct nb_cls_input *in)
{
    head(in, rep->target, rep->start, rep->end, rep->local_agent, rep->remote_agent);
    struct nb_cls_path *p = &in->path;
    p->present = true;
    p->local_agent = rep->local_ok;
    p->remote_agent = rep->remote_ok;
    p->remote_agent_known = rep->remote_agent[0] != '\0';
    p->reflector = rep->netblame_reflector ? NB_REFL_NETBLAME
                   : rep->received       ? NB_REFL_STAMP
                                         : NB_REFL_UNKNOWN;
    if (rep->rtt.n)
        p->rtt = (struct nb_cls_rtt){true, rep->rtt.p50, rep->rtt.p90, rep->rtt.p99,
                                     rep->rtt.p50_lo, rep->rtt.p90_lo};
    if (rep->decomposed) {
        p->wf = rep->wf;
    } else { /* end to end only */
        struct nb_seg_figures hold = {.known = rep->hold.n, .p50 = rep->hold.p50,
                                      .p90 = rep->hold.p90, .p99 = rep->hold.p99,
                                      .p50_lo = rep->hold.p50_lo, .p90_lo = rep->hold.p90_lo};
        nb_waterfall_end_to_end(rep->sent, rep->received, rep->lost, &hold, &p->wf);
    }
    in->nlinks = rep->nlinks;
    memcpy(in->links, rep->links, sizeof(in->links));
    in->cpu_local = rep->cpu_local;
    in->cpu_remote = rep->cpu_remote;
    if (rep->fabric_present)
        in->fabric = rep->fabric;
    if (rep->vnet_present) {
        in->vnet.present = true;
        in->vnet.probes = rep->vnet_sent;
        in->vnet.lost = rep->vnet_lost;
        if (rep->vnet_rtt.n)
            in->vnet.rtt = (struct nb_cls_rtt){true, rep->vnet_rtt.p50, rep->vnet_rtt.p90,
                                               rep->vnet_rtt.p99, rep->vnet_rtt.p50_lo,
                                               rep->vnet_rtt.p90_lo};
    }
}

void nb_window_from_app(const struct nb_appdiag_report *rep, struct nb_cls_input *in)
{
    head(in, rep->target, rep->start, rep->end, rep->local_agent, rep->remote_agent);
    struct nb_cls_app *a = &in->app;
    a->present = true;
    a->probes = rep->probes;
    a->ok = rep->ok;
    for (int r = NB_APP_OK + 1; r < NB_APP__COUNT; r++)
        a->fail[nb_app_fail_of((enum nb_app_reason)r)] = rep->reasons[r];
    a->timeout_established = rep->timeout_established;
    if (rep->reasons[NB_APP_HTTP_STATUS])
        a->http_status = rep->last_status;
    if (rep->syn_rtt.n) {
        a->have_connect = true;
        a->connect_p50 = rep->syn_rtt.p50;
    } else if (rep->phase[NB_PH_CONNECT].n) {
        a->have_connect = true;
        a->connect_p50 = rep->phase[NB_PH_CONNECT].p50;
    }
    if (rep->server.n) {
        a->have_server = true;
        a->server_p50 = rep->server.p50;
    }
    if (rep->decomposed) {
        a->have_handshake = true;
        a->handshake = rep->wf;
        a->hs_local_agent = rep->local_ok;
        a->hs_remote_agent = rep->remote_ok;
    }
}
