/* window.c — measured figures as the classifier's input (see window.h). */
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

void nb_stamp_figs_fold(const struct nb_probe_result *r, const bool *done, size_t n,
                        struct nb_stamp_figs *f)
{
    int64_t *rtt = nb_calloc(n + 1, sizeof(int64_t)), *hold = nb_calloc(n + 1, sizeof(int64_t));
    size_t k = 0;
    memset(f, 0, sizeof(*f));
    for (size_t i = 0; i < n; i++) {
        if (done && !done[i])
            continue;
        f->full_probes += r[i].padded;
        if (r[i].lost) {
            f->lost++;
            f->full_lost += r[i].padded;
            continue;
        }
        rtt[k] = r[i].rtt;
        hold[k++] = r[i].reflector_hold;
        f->netblame_reflector |= r[i].netblame_reflector;
    }
    nb_summarise(rtt, k, &f->rtt);
    nb_summarise(hold, k, &f->hold);
    free(rtt);
    free(hold);
}

void nb_window_head(struct nb_cls_input *in, const char *target, nb_ns start, nb_ns end)
{
    memset(in, 0, sizeof(*in));
    snprintf(in->target, sizeof(in->target), "%.*s", (int)sizeof(in->target) - 1, target);
    in->start = start;
    in->end = end;
}

static struct nb_cls_rtt rtt_of(const struct nb_summary *s)
{
    return (struct nb_cls_rtt){s->n > 0, s->p50, s->p90, s->p99, s->p50_lo, s->p90_lo};
}

static void set_host(char *host, const char *agent)
{
    if (!host[0] && agent && agent[0])
        snprintf(host, NB_CLS_HOSTSIZ, "%.*s", NB_CLS_HOSTSIZ - 1, agent);
}

void nb_window_path(const struct nb_stamp_figs *f, const struct nb_waterfall *wf,
                    const struct nb_window_agents *ag, struct nb_cls_input *in)
{
    struct nb_cls_path *p = &in->path;
    uint64_t answered = f->rtt.n; /* COUNTS */
    p->present = true;
    p->reflector = f->netblame_reflector ? NB_REFL_NETBLAME
                   : answered            ? NB_REFL_STAMP
                                         : NB_REFL_UNKNOWN;
    p->rtt = rtt_of(&f->rtt);
    if (wf) {
        p->wf = *wf;
    } else { /* end to end only */
        const struct nb_summary *h = &f->hold;
        struct nb_seg_figures hold = {.known = answered,
                                      .p50 = h->p50,
                                      .p90 = h->p90,
                                      .p99 = h->p99,
                                      .p50_lo = h->p50_lo,
                                      .p90_lo = h->p90_lo};
        nb_waterfall_end_to_end(answered + f->lost, answered, f->lost, &hold, &p->wf);
    }
    p->full_probes = f->full_probes;
    p->full_lost = f->full_lost;
    if (!ag)
        return;
    p->local_agent = ag->local_ok;
    p->remote_agent = ag->remote_ok;
    p->remote_agent_known = ag->remote && ag->remote[0];
    set_host(in->local_host, ag->local);
    set_host(in->remote_host, ag->remote);
}

void nb_window_family(const struct nb_stamp_figs *f, struct nb_cls_family *out)
{
    out->present = true;
    out->probes = f->rtt.n + f->lost; /* COUNTS */
    out->lost = f->lost;
    out->full_probes = f->full_probes;
    out->full_lost = f->full_lost;
    out->rtt = rtt_of(&f->rtt);
}

void nb_window_app_handshake(const struct nb_waterfall *wf, bool local_ok, bool remote_ok,
                             struct nb_cls_app *a)
{
    a->have_handshake = true;
    a->handshake = *wf;
    a->hs_local_agent = local_ok;
    a->hs_remote_agent = remote_ok;
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
