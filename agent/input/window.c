/* window.c — diagnose reports as classifier windows (see window.h). */
#include "input/window.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/mem.h"
#include "netblame/quantile.h"

void nb_app_obs_from(const struct nb_app_result *r, struct nb_app_obs *o)
{
    memset(o, 0, sizeof(*o));
    o->reason = (uint8_t)r->reason;
    o->connected = r->have[NB_PH_CONNECT];
    o->have_fb = r->have[NB_PH_FIRST_BYTE];
    o->have_rtt = r->have_syn_rtt;
    o->have_resolve = r->have[NB_PH_RESOLVE];
    o->retrans = nb_app_retransmitted(r);
    o->syn_retrans = r->syn_retrans > 0;
    o->status = r->status;
    o->syn_rtt = r->syn_rtt;
    o->first_byte = r->t[NB_PH_FIRST_BYTE];
    o->connect = r->t[NB_PH_CONNECT];
    o->resolve = r->t[NB_PH_RESOLVE];
}

/* p50 (and p25) of V[0..N) into *P50 (*P25); false if N is 0. */
static bool quartiles(int64_t *v, size_t n, double *p50, double *p25)
{
    if (!n)
        return false;
    nb_sort_i64(v, n);
    *p50 = nb_quantile_sorted(v, n, 0.50);
    if (p25)
        *p25 = nb_quantile_sorted(v, n, 0.25);
    return true;
}

void nb_window_app_fold(const struct nb_app_obs *o, size_t n, struct nb_cls_app *a)
{
    int64_t *c = nb_calloc(n + 1, sizeof(int64_t)), *srv = nb_calloc(n + 1, sizeof(int64_t));
    int64_t *res = nb_calloc(n + 1, sizeof(int64_t));
    size_t nc = 0, ns = 0, nr = 0;
    memset(a, 0, sizeof(*a));
    a->present = true;
    a->probes = n;
    for (size_t i = 0; i < n; i++) {
        const struct nb_app_obs *s = &o[i];
        if (s->reason == NB_APP_OK)
            a->ok++;
        else if (s->reason < NB_APP__COUNT)
            a->fail[nb_app_fail_of((enum nb_app_reason)s->reason)]++;
        if (s->reason == NB_APP_TIMEOUT && s->connected)
            a->timeout_established++;
        if (s->reason == NB_APP_HTTP_STATUS)
            a->http_status = s->status;
        if (s->connected)
            c[nc++] = s->have_rtt ? s->syn_rtt : s->connect;
        a->retrans += s->retrans;
        a->syn_retrans += s->syn_retrans;
        /* The backend's own time: request sent -> first byte is one network
         * round trip plus the server's work; the SYN's round trip, measured
         * by the kernel on the same connection moments before, stands for
         * the former. A probe whose packets were retransmitted spent network
         * time (a timer) in it too: it has no server time. Not clamped:
         * noise of a few us either way is what was measured. */
        if (s->have_fb && s->have_rtt && !s->retrans)
            srv[ns++] = s->first_byte - s->syn_rtt;
        if (s->have_resolve)
            res[nr++] = s->resolve;
    }
    a->have_connect = quartiles(c, nc, &a->connect_p50, NULL);
    a->have_server = quartiles(srv, ns, &a->server_p50, &a->server_p25);
    a->server_n = ns;
    a->have_resolve = quartiles(res, nr, &a->resolve_p50, &a->resolve_p25);
    a->resolved = nr;
    free(c);
    free(srv);
    free(res);
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

static void add_diag(const struct nb_diag_report *rep, struct nb_cls_input *in);

void nb_window_from_diag(const struct nb_diag_report *rep, struct nb_cls_input *in)
{
    head(in, rep->target, rep->start, rep->end, rep->local_agent, rep->remote_agent);
    add_diag(rep, in);
}

void nb_window_add_diag(const struct nb_diag_report *rep, struct nb_cls_input *in)
{
    add_diag(rep, in);
    nb_window_no_reflector_time(in);
}

void nb_window_no_reflector_time(struct nb_cls_input *in)
{
    /* The reflector's hold time is a netblame agent's, not the backend's
     * being diagnosed: beside app probes it is no app figure (its losses
     * stay, said to be the reflector's). */
    struct nb_seg_figures *ra = &in->path.wf.seg[NB_SEG_REMOTE_APP];
    ra->known = 0;
    ra->p50 = ra->p90 = ra->p99 = 0;
}

static void add_diag(const struct nb_diag_report *rep, struct nb_cls_input *in)
{
    if (!in->local_host[0] && rep->local_agent[0])
        host_of(in->local_host, sizeof(in->local_host), rep->local_agent);
    if (!in->remote_host[0] && rep->remote_agent[0])
        host_of(in->remote_host, sizeof(in->remote_host), rep->remote_agent);
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
        nb_waterfall_end_to_end(rep->sent - rep->unfinished, rep->received, rep->lost, &hold,
                                &p->wf);
    }
    p->full_probes = rep->big_sent;
    p->full_lost = rep->big_lost;
    in->nlinks = rep->nlinks;
    memcpy(in->links, rep->links, sizeof(in->links));
    in->cpu_local = rep->cpu_local;
    in->cpu_remote = rep->cpu_remote;
    if (rep->fabric_present)
        in->fabric = rep->fabric;
    if (rep->vnet_present) {
        in->vnet.present = true;
        in->vnet.probes = rep->vnet_sent; /* finished ones */
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
    *a = rep->cls;
    if (rep->decomposed) {
        a->have_handshake = true;
        a->handshake = rep->wf;
        a->hs_local_agent = rep->local_ok;
        a->hs_remote_agent = rep->remote_ok;
    }
}
