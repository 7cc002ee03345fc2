/* verdict_cpu.c — rule 4b of the classifier (include/netblame/verdict.h): CPU
 * contention. A host whose thread forwarding this path's tap waited to run,
 * a host under CPU pressure, or a guest whose CPU time was stolen, delays
 * every frame that crosses its virtual layer: the seed's own cause of
 * virtual-network latency in hybrid deployments. Measured contention is
 * evidence; the path's own share of it (its forwarding thread's wait, the
 * guest's steal) corroborates a virtual-layer symptom on the same side; none
 * of it is ever a finding on its own (a busy host with a healthy path is
 * healthy). */
#include "verdict_int.h"

#include <string.h>

/* A share in [0,1] as a whole percentage, or with one decimal under 10 %. */
static struct txt pct(double share)
{
    struct txt t;
    double p = share * 100.0;
    if (p < 10.0)
        nb_cls_fmt(t.s, sizeof(t.s), "%.1f %%", p);
    else
        nb_cls_fmt(t.s, sizeof(t.s), "%.0f %%", p);
    return t;
}

/* "vhost-4242[4250]" or, for a thread of another name than its process,
 * "CPU 0/TCG[4250] of qemu-system-x86[4242]". */
static struct line thread_label(const struct nb_cls_cpu *c)
{
    struct line t = {""};
    nb_cls_fmt(t.s, sizeof(t.s), "%s[%d]", c->thread_name[0] ? c->thread_name : "?",
               (int)c->thread_tid);
    if (c->owner_pid && c->owner_pid != c->thread_tid && c->owner_name[0] &&
        strcmp(c->owner_name, c->thread_name) != 0)
        nb_cls_cat(t.s, sizeof(t.s), " of %s[%d]", c->owner_name, (int)c->owner_pid);
    return t;
}

/* A virtual-layer candidate on SIDE that a probe measured (not counters). */
static bool virtual_symptom(const struct ctx *x, enum nb_side side)
{
    for (size_t i = 0; i < x->nc; i++) {
        const struct cand *c = &x->c[i];
        if (c->layer == NB_LAYER_VIRTUAL && c->side == side && c->src != SRC_LINK &&
            c->src != SRC_CPU)
            return true;
    }
    return false;
}

static void side_contention(struct ctx *x, enum nb_side side, const struct nb_cls_cpu *c,
                            const char *host)
{
    const struct nb_cls_thresholds *th = x->th;
    bool waited = c->thread && c->thread_wait >= th->cpu_wait_share;
    bool pressed = c->pressure && c->pressure_some >= th->cpu_pressure_share;
    bool stolen = c->steal && c->steal_share >= th->cpu_steal_share;
    /* A virtual symptom on a side whose host agent may not read its taps'
     * owners lacks the one figure that could corroborate it: say so, rather
     * than let the missing thread read as "no contention". */
    if (c->owners_denied && virtual_symptom(x, side))
        nb_cls_add_ev(x,
                      "the %s host agent%s%s may not read its taps' owners (capture.tap_owners "
                      "off): the CPU wait of the threads forwarding this path is unknown",
                      nb_side_name(side), host[0] ? " on " : "", host);
    if (!waited && !pressed && !stolen)
        return;
    /* every figure measured on that side, the ones under their threshold too */
    char ev[NB_CLS_TEXTSIZ], note[96] = "";
    nb_cls_fmt(ev, sizeof(ev), "CPU contention on the %s host%s%s:", nb_side_name(side),
               host[0] ? " " : "", host);
    const char *sep = "";
    if (c->thread) {
        nb_cls_cat(ev, sizeof(ev), " %s (forwards tap %s) waited %s of the window to run",
                   thread_label(c).s, c->tap, pct(c->thread_wait).s);
        sep = ";";
    }
    if (c->pressure) {
        nb_cls_cat(ev, sizeof(ev), "%s CPU pressure some %s of the window (avg10 %.1f %%)", sep,
                   pct(c->pressure_some).s, c->pressure_avg10);
        sep = ";";
    }
    if (c->steal)
        nb_cls_cat(ev, sizeof(ev), "%s this guest's steal time %s of its CPU time", sep,
                   pct(c->steal_share).s);
    nb_cls_add_ev(x, "%s", ev);
    /* Corroboration needs a figure of this path's own CPU: its forwarding
     * thread, or the guest's steal. Host-wide pressure is any task on the
     * host (another guest's vCPU): evidence, not a cause of this symptom. */
    if ((!waited && !stolen) || !virtual_symptom(x, side))
        return; /* contention alone is no finding */
    if (waited)
        nb_cls_fmt(note, sizeof(note), "%s waited %s of the window to run", thread_label(c).s,
                   pct(c->thread_wait).s);
    else
        nb_cls_fmt(note, sizeof(note), "guest steal time %s", pct(c->steal_share).s);
    /* strength 0: it never leads a finding, it only counts as a corroborating source */
    struct cand *cd = nb_cls_new_cand(x, NB_LAYER_VIRTUAL, side, -1, SRC_CPU, 0.0);
    if (!cd)
        return;
    nb_cls_fmt(cd->summary, sizeof(cd->summary), "%s", ev);
    nb_cls_fmt(cd->note, sizeof(cd->note), "%s", note);
}

void nb_cls_cpu_contention(struct ctx *x)
{
    side_contention(x, NB_SIDE_LOCAL, &x->in->cpu_local, x->in->local_host);
    side_contention(x, NB_SIDE_REMOTE, &x->in->cpu_remote, x->in->remote_host);
}
