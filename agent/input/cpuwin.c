/* cpuwin.c — CPU samples → contention over a window (see cpuwin.h). */
#include "input/cpuwin.h"

#include <stdio.h>
#include <string.h>

static double share(double part, double whole)
{
    double s = whole > 0 ? part / whole : 0.0;
    return s < 0 ? 0.0 : s > 1 ? 1.0 : s; /* sampling skew of a few µs */
}

static bool tap_wanted(const char *tap, const char (*taps)[NB_CPU_IFNAMSIZ], size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(taps[i], tap) == 0)
            return true;
    return false;
}

static const struct nb_cpu_thread *find(const struct nb_cpu_report *r,
                                        const struct nb_cpu_thread *t)
{
    for (size_t i = 0; i < r->nthreads; i++)
        if (r->th[i].tid == t->tid && r->th[i].pid == t->pid && strcmp(r->th[i].tap, t->tap) == 0)
            return &r->th[i];
    return NULL;
}

void nb_cpuwin_host(const struct nb_cpu_report *a, const struct nb_cpu_report *b,
                    const char (*taps)[NB_CPU_IFNAMSIZ], size_t ntaps, struct nb_cls_cpu *out)
{
    if (!a || !b || b->mono <= a->mono)
        return;
    double span = (double)(b->mono - a->mono);
    if (a->psi && b->psi && b->pressure.total_us >= a->pressure.total_us) {
        out->pressure = true;
        out->pressure_some = share((double)(b->pressure.total_us - a->pressure.total_us) * 1e3, span);
        out->pressure_avg10 = b->pressure.avg10;
    }
    out->owners_denied = b->owners_denied;
    const struct nb_cpu_thread *worst = NULL;
    uint64_t worst_wait = 0;
    for (size_t i = 0; i < b->nthreads; i++) {
        const struct nb_cpu_thread *t = &b->th[i], *t0;
        if (!tap_wanted(t->tap, taps, ntaps) || !(t0 = find(a, t)) || t->wait_ns < t0->wait_ns)
            continue;
        uint64_t w = t->wait_ns - t0->wait_ns;
        if (!worst || w > worst_wait || (w == worst_wait && t->tid < worst->tid)) {
            worst = t;
            worst_wait = w;
        }
    }
    if (!worst)
        return;
    out->thread = true;
    out->thread_wait = share((double)worst_wait, span);
    snprintf(out->thread_name, sizeof(out->thread_name), "%s", worst->comm);
    out->thread_tid = worst->tid;
    out->owner_pid = worst->pid;
    snprintf(out->tap, sizeof(out->tap), "%s", worst->tap);
    for (size_t i = 0; i < b->nthreads; i++) /* the process: its main thread's name */
        if (b->th[i].tid == worst->pid && b->th[i].pid == worst->pid)
            snprintf(out->owner_name, sizeof(out->owner_name), "%s", b->th[i].comm);
}

void nb_cpuwin_steal(const struct nb_cpu_times *a, const struct nb_cpu_times *b,
                     struct nb_cls_cpu *out)
{
    if (!a || !b || b->total <= a->total || b->steal < a->steal)
        return;
    out->steal = true;
    out->steal_share = share((double)(b->steal - a->steal), (double)(b->total - a->total));
}

void nb_cpuwin_describe(const struct nb_cls_cpu *c, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
#define PUT(...) (n < cap ? n += (size_t)snprintf(out + n, cap - n, __VA_ARGS__) : n)
    if (c->thread)
        PUT("%s[%d] (tap %s) waited %.1f %% of the window to run", c->thread_name,
            (int)c->thread_tid, c->tap, c->thread_wait * 100.0);
    if (c->pressure)
        PUT("%sCPU pressure some %.1f %% (avg10 %.1f %%)", n ? "; " : "", c->pressure_some * 100.0,
            c->pressure_avg10);
    if (c->steal)
        PUT("%ssteal %.1f %% of CPU time", n ? "; " : "", c->steal_share * 100.0);
#undef PUT
}
