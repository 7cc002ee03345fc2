/* diag_window.c — diagnose reports onto the builder (see diag_window.h). */
#include "cli/diag_window.h"

#include <stdio.h>
#include <string.h>

/* "addr:port" -> "addr" (IPv4, or IPv6 written without brackets: the last
 * colon separates the port); "" stays "". */
static void host_of(char *out, size_t cap, const char *agent)
{
    const char *colon = strrchr(agent, ':');
    int n = colon ? (int)(colon - agent) : (int)strlen(agent);
    snprintf(out, cap, "%.*s", n, agent);
}

void nb_diag_stamp_figs(const struct nb_diag_report *rep, struct nb_stamp_figs *f)
{
    memset(f, 0, sizeof(*f));
    f->lost = rep->lost;
    f->full_probes = rep->big_sent;
    f->full_lost = rep->big_lost;
    f->rtt = rep->rtt;
    f->hold = rep->hold;
    f->netblame_reflector = rep->netblame_reflector;
}

static void add_diag(const struct nb_diag_report *rep, struct nb_cls_input *in)
{
    char local[NB_CLS_HOSTSIZ], remote[NB_CLS_HOSTSIZ];
    host_of(local, sizeof(local), rep->local_agent);
    host_of(remote, sizeof(remote), rep->remote_agent);
    struct nb_window_agents ag = {local, remote, rep->local_ok, rep->remote_ok};
    struct nb_stamp_figs f;
    nb_diag_stamp_figs(rep, &f);
    nb_window_path(&f, rep->decomposed ? &rep->wf : NULL, &ag, in);
    in->nlinks = rep->nlinks;
    memcpy(in->links, rep->links, sizeof(in->links));
    in->cpu_local = rep->cpu_local;
    in->cpu_remote = rep->cpu_remote;
    if (rep->fabric_present)
        in->fabric = rep->fabric;
    if (rep->vnet_present) {
        /* the vnet side-burst: its lost probes, its answered ones' round
         * trips (no full-size probes, no reflector time used) */
        struct nb_stamp_figs v = {.lost = rep->vnet_lost, .rtt = rep->vnet_rtt};
        nb_window_family(&v, &in->vnet);
    }
}

void nb_window_from_diag(const struct nb_diag_report *rep, struct nb_cls_input *in)
{
    nb_window_head(in, rep->target, rep->start, rep->end);
    add_diag(rep, in);
}

void nb_window_add_diag(const struct nb_diag_report *rep, struct nb_cls_input *in)
{
    add_diag(rep, in);
    nb_window_no_reflector_time(in);
}

void nb_window_from_app(const struct nb_appdiag_report *rep, struct nb_cls_input *in)
{
    nb_window_head(in, rep->target, rep->start, rep->end);
    host_of(in->local_host, sizeof(in->local_host), rep->local_agent);
    host_of(in->remote_host, sizeof(in->remote_host), rep->remote_agent);
    in->app = rep->cls;
    if (rep->decomposed)
        nb_window_app_handshake(&rep->wf, rep->local_ok, rep->remote_ok, &in->app);
}
