/* diagnose_out.c — a STAMP burst's report as text and as JSON (see
 * diagnose_out.h). */
#include "cli/diagnose_out.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>

#include "cli/waterfall_out.h"
#include "input/cpuwin.h"
#include "wire/trace_json.h"
#include "wire/verdict_json.h"

static void print_row(FILE *out, const char *name, const struct nb_summary *s)
{
    if (!s->n) {
        fprintf(out, "  %-12s %9s %9s %9s %9s %9s\n", name, "-", "-", "-", "-", "-");
        return;
    }
    fprintf(out, "  %-12s %9.1f %9.1f %9.1f %9.1f %9.1f\n", name, (double)s->min / 1e3,
            s->p50 / 1e3, s->p90 / 1e3, s->p99 / 1e3, (double)s->max / 1e3);
}

static void print_waterfall(const struct nb_diag_report *rep, FILE *out)
{
    nb_waterfall_print(&rep->wf, rep->local_ok ? rep->local_agent : NULL,
                       rep->remote_ok ? rep->remote_agent : NULL, rep->sightings_missed, out);
}

void nb_diagnose_print(const struct nb_diag_report *rep, FILE *out)
{
    fprintf(out, "netblame diagnose %s: %.2f s, STAMP probes\n", rep->target,
            (double)(rep->end - rep->start) / 1e9);
    uint64_t finished = rep->sent - rep->unfinished;
    fprintf(out,
            "  sent %llu  received %llu  lost %llu (%.1f%%)  duplicates %llu  reordered %llu\n",
            (unsigned long long)rep->sent, (unsigned long long)rep->received,
            (unsigned long long)rep->lost,
            finished ? 100.0 * (double)rep->lost / (double)finished : 0.0,
            (unsigned long long)rep->duplicates, (unsigned long long)rep->reordered);
    if (rep->unfinished || rep->overdue)
        fprintf(out, "  at the deadline: %llu in flight (not counted), %llu overdue (lost)\n",
                (unsigned long long)rep->unfinished, (unsigned long long)rep->overdue);
    if (rep->send_errors || rep->icmp_errors || rep->malformed || rep->bogus || rep->late)
        fprintf(out,
                "  send errors %llu  ICMP errors %llu  malformed %llu  bogus %llu  late %llu\n",
                (unsigned long long)rep->send_errors, (unsigned long long)rep->icmp_errors,
                (unsigned long long)rep->malformed, (unsigned long long)rep->bogus,
                (unsigned long long)rep->late);
    fprintf(out, "\n  %-12s %9s %9s %9s %9s %9s   (microseconds)\n", "segment", "min", "p50", "p90",
            "p99", "max");
    print_row(out, "round trip", &rep->rtt);
    print_row(out, "reflector", &rep->hold);
    if (rep->vnet_present)
        print_row(out, "vnet rtt", &rep->vnet_rtt); /* this guest <-> its host agent */
    if (rep->fabric_present) { /* the host agent's window: quantiles only */
        const struct nb_cls_family *f = &rep->fabric;
        if (f->rtt.known)
            fprintf(out,
                    "  %-12s %9s %9.1f %9.1f %9.1f %9s   (local host agent's, over the"
                    " burst's span; %llu/%llu lost, %llu of them overdue)\n",
                    "fabric rtt", "-", f->rtt.p50 / 1e3, f->rtt.p90 / 1e3, f->rtt.p99 / 1e3, "-",
                    (unsigned long long)f->lost, (unsigned long long)f->probes,
                    (unsigned long long)f->overdue);
        else
            fprintf(out, "  %-12s   no reply to the local host agent's %llu fabric probes\n",
                    "fabric rtt", (unsigned long long)f->probes);
    }
    if (rep->decomposed)
        print_waterfall(rep, out);
    else
        fprintf(out, "  per-segment waterfall: no host agent answered (%s)\n",
                rep->local_agent[0] || rep->remote_agent[0]
                    ? "see evidence"
                    : "none known: --local-agent, or a "
                      "reflector that announces its host agent");
    for (int side = 1; side >= 0; side--) {
        char fig[200];
        nb_cpuwin_describe(side ? &rep->cpu_local : &rep->cpu_remote, fig, sizeof(fig));
        if (fig[0])
            fprintf(out, "  cpu, %s host over the burst: %s\n", side ? "local" : "remote", fig);
    }
    fprintf(out, "  timestamps: send %s, receive %s; reflector clock %s\n",
            rep->t1_user ? (rep->t1_kernel ? "mixed kernel/user" : "user space") : "kernel",
            rep->t4_user ? (rep->t4_kernel ? "mixed kernel/user" : "user space") : "kernel",
            rep->refl_synced_any ? "synchronised" : "not known to be synchronised");
}

void nb_diagnose_print_notes(const struct nb_diag_report *rep, FILE *out)
{
    if (rep->nevidence)
        fprintf(out, "\n  measured:\n");
    for (size_t i = 0; i < rep->nevidence; i++)
        fprintf(out, "  - %s\n", rep->evidence[i]);
}

/* Nanoseconds to microseconds with ns resolution (no float noise in the JSON). */
static double ns_to_us(double ns)
{
    return round(ns) / 1e3;
}

static cJSON *us_summary(const struct nb_summary *s)
{
    cJSON *o = cJSON_CreateObject();
    if (!s->n)
        return o;
    cJSON_AddNumberToObject(o, "min", ns_to_us((double)s->min));
    cJSON_AddNumberToObject(o, "p50", ns_to_us(s->p50));
    cJSON_AddNumberToObject(o, "p90", ns_to_us(s->p90));
    cJSON_AddNumberToObject(o, "p99", ns_to_us(s->p99));
    cJSON_AddNumberToObject(o, "max", ns_to_us((double)s->max));
    return o;
}

cJSON *nb_diagnose_json(const struct nb_diag_report *rep, const struct nb_verdict *v)
{
    cJSON *root = nb_verdict_to_json(v);
    /* the figures behind the verdict, after the classifier's own sentences */
    cJSON *ev = cJSON_GetObjectItemCaseSensitive(root, "evidence");
    for (size_t i = 0; ev && i < rep->nevidence; i++)
        cJSON_AddItemToArray(ev, cJSON_CreateString(rep->evidence[i]));
    cJSON_AddItemToObject(root, "probes", nb_diagnose_probes_json(rep));
    return root;
}

cJSON *nb_diagnose_probes_json(const struct nb_diag_report *rep)
{
    cJSON *p = cJSON_CreateObject();
    uint64_t finished = rep->sent - rep->unfinished;
    cJSON_AddStringToObject(p, "family", "stamp");
    cJSON_AddStringToObject(p, "target", rep->target);
    cJSON_AddNumberToObject(p, "sent", (double)rep->sent);
    cJSON_AddNumberToObject(p, "received", (double)rep->received);
    cJSON_AddNumberToObject(p, "lost", (double)rep->lost);
    cJSON_AddNumberToObject(p, "loss", finished ? (double)rep->lost / (double)finished : 0);
    cJSON_AddNumberToObject(p, "unfinished", (double)rep->unfinished);
    cJSON_AddNumberToObject(p, "overdue", (double)rep->overdue);
    cJSON_AddNumberToObject(p, "duplicates", (double)rep->duplicates);
    cJSON_AddNumberToObject(p, "reordered", (double)rep->reordered);
    cJSON_AddNumberToObject(p, "late", (double)rep->late);
    cJSON_AddNumberToObject(p, "send_errors", (double)rep->send_errors);
    cJSON_AddNumberToObject(p, "icmp_errors", (double)rep->icmp_errors);
    cJSON_AddNumberToObject(p, "malformed", (double)rep->malformed);
    if (rep->vnet_present) { /* the vnet family: this guest <-> its host agent */
        cJSON *vn = cJSON_AddObjectToObject(p, "vnet");
        cJSON_AddNumberToObject(vn, "sent", (double)rep->vnet_sent);
        cJSON_AddNumberToObject(vn, "lost", (double)rep->vnet_lost);
        cJSON_AddItemToObject(vn, "rtt_us", us_summary(&rep->vnet_rtt));
    }
    if (rep->fabric_present) { /* the local host agent's fabric window over the burst */
        const struct nb_cls_family *f = &rep->fabric;
        cJSON *fb = cJSON_AddObjectToObject(p, "fabric");
        cJSON_AddNumberToObject(fb, "sent", (double)f->probes);
        cJSON_AddNumberToObject(fb, "lost", (double)f->lost);
        cJSON_AddNumberToObject(fb, "overdue", (double)f->overdue); /* of lost: still in flight */
        if (f->rtt.known) {
            cJSON *q = cJSON_AddObjectToObject(fb, "rtt_us");
            cJSON_AddNumberToObject(q, "p50", f->rtt.p50 / 1e3);
            cJSON_AddNumberToObject(q, "p90", f->rtt.p90 / 1e3);
            cJSON_AddNumberToObject(q, "p99", f->rtt.p99 / 1e3);
        } else {
            cJSON_AddNullToObject(fb, "rtt_us");
        }
    }
    cJSON *big = cJSON_AddObjectToObject(p, "full_size");
    cJSON_AddNumberToObject(big, "bytes", rep->pad_size);
    cJSON_AddNumberToObject(big, "sent", rep->big_sent);
    cJSON_AddNumberToObject(big, "lost", rep->big_lost);
    cJSON *small = cJSON_AddObjectToObject(p, "small");
    cJSON_AddNumberToObject(small, "sent", rep->small_sent);
    cJSON_AddNumberToObject(small, "lost", rep->small_lost);
    cJSON_AddItemToObject(p, "rtt_us", us_summary(&rep->rtt));
    cJSON_AddItemToObject(p, "reflector_us", us_summary(&rep->hold));
    cJSON_AddItemToObject(p, "host_agents",
                          nb_host_agents_json(rep->local_agent, rep->remote_agent, rep->local_ok,
                                              rep->remote_ok, rep->sightings_missed));
    cJSON_AddNumberToObject(p, "lost_unlocated", (double)rep->wf.lost_unlocated);
    /* shares in [0,1] of the span between the agents' samples before and
     * after the burst; the same form as a recorded window's */
    cJSON *cpu = cJSON_AddObjectToObject(p, "cpu");
    cJSON_AddItemToObject(cpu, "local", nb_trace_cpu_json(&rep->cpu_local));
    cJSON_AddItemToObject(cpu, "remote", nb_trace_cpu_json(&rep->cpu_remote));
    cJSON *tsrc = cJSON_AddObjectToObject(p, "timestamps");
    cJSON_AddNumberToObject(tsrc, "send_kernel", rep->t1_kernel);
    cJSON_AddNumberToObject(tsrc, "send_user", rep->t1_user);
    cJSON_AddNumberToObject(tsrc, "receive_kernel", rep->t4_kernel);
    cJSON_AddNumberToObject(tsrc, "receive_user", rep->t4_user);
    return p;
}
