/* appmon.c — continuous app probes for the daemon (appmon.h), and their
 * metrics.
 *
 * Pacing as in probes.c: each target's first probe at a random offset in
 * [0, interval), then every interval * (1 + u), u uniform in [-jitter,
 * +jitter], on a timer that does not wait for the probe. A target never has
 * two probes in flight: one due while the previous still runs is skipped and
 * counted, so a hung backend costs one connection, not one per interval.
 *
 * Every probe's result is counted by its reason; the phases it completed are
 * observed in the per-phase histograms (a failed probe still tells how long
 * its lookup and connect took). The loop's clock only schedules; the phase
 * times are appprobe.c's monotonic readings. */
#include "daemon/appmon.h"

#include <stdio.h>
#include <string.h>

#include "app/appprobe.h"
#include "net/metrics.h"
#include "app/pace.h"
#include "daemon/verdicts.h"
#include "netblame/log.h"
#include "netblame/mem.h"
#include "app/resolv.h"

#define RESOLV_TIMEOUT_MS 1000 /* per try; c-ares doubles it on each retry */
#define RESOLV_TRIES 2

/* Phase buckets, seconds: 100 us (a lookup from a local cache, a handshake
 * across one host) .. 10 s (past the longest sensible timeout). */
static const double phase_buckets[] = {
    100e-6, 250e-6, 500e-6, 1e-3,   2.5e-3, 5e-3, 10e-3, 25e-3,
    50e-3,  100e-3, 250e-3, 500e-3, 1,      2.5,  5,     10,
};
#define NPHASE_BUCKETS (sizeof(phase_buckets) / sizeof(phase_buckets[0]))

/* What /metrics shows of one target; carried over a reload by name. */
struct app_stats {
    struct nb_histo phase[NB_PH__COUNT]; /* seconds, phases that completed */
    uint64_t probes[NB_APP__COUNT];      /* finished probes by reason */
    uint64_t skipped;                    /* due while the previous one still ran */
    uint64_t unsighted;                  /* connected from outside the reserved ports */
    bool have_last;                      /* a probe has finished */
    enum nb_app_reason last_reason;
    int last_status; /* HTTP status of the last answer, 0 if none */
};

struct app {
    struct nb_appmon *mon;
    struct nb_app_cfg cfg;
    struct nb_app_probe *inflight; /* NULL when idle */
    ev_timer pace;
    struct app_stats st;
};

struct nb_appmon {
    struct ev_loop *loop;
    struct nb_resolv *resolv; /* shared by every target; NULL without targets */
    struct nb_app_ports ports;
    struct app *apps;
    size_t napps;
    struct nb_pace pace;
    struct nb_verdicts *verdicts; /* fed every result; may be NULL */
};

void nb_appmon_set_verdicts(struct nb_appmon *m, struct nb_verdicts *v)
{
    m->verdicts = v;
}

static void on_result(void *arg, const struct nb_app_result *r)
{
    struct app *a = arg;
    nb_verdicts_app(a->mon->verdicts, a->cfg.name, r);
    struct app_stats *st = &a->st;
    a->inflight = NULL;
    st->probes[r->reason < NB_APP__COUNT ? r->reason : NB_APP_UNEXPECTED_REPLY]++;
    if (r->local_port && !r->port_reserved)
        st->unsighted++; /* every reserved port busy: its handshake cannot be sighted */
    for (int ph = 0; ph < NB_PH__COUNT; ph++)
        if (r->have[ph])
            nb_histo_observe(&st->phase[ph], (double)r->t[ph] / 1e9);
    /* one line per change of state, not per probe */
    if (r->reason != NB_APP_OK && (!st->have_last || st->last_reason != r->reason))
        nb_warn("app %s: %s in %s (%s)", a->cfg.name, nb_app_reason_name(r->reason),
                nb_app_phase_name(r->failed_in), r->detail);
    else if (r->reason == NB_APP_OK && st->have_last && st->last_reason != NB_APP_OK)
        nb_info("app %s: ok again", a->cfg.name);
    st->have_last = true;
    st->last_reason = r->reason;
    st->last_status = r->status;
}

static void on_pace(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct app *a = w->data;
    struct nb_appmon *m = a->mon;
    if (a->inflight) {
        a->st.skipped++;
        nb_debug("app %s: previous probe still running, this one skipped", a->cfg.name);
    } else {
        /* on_result may run before this returns (a probe that fails at once):
         * it clears inflight, and the start returns NULL */
        a->inflight = nb_app_probe_start(loop, m->resolv, &a->cfg.target, on_result, a);
    }
    ev_timer_set(w, nb_pace_next(&m->pace, a->cfg.interval_ms), 0.);
    ev_timer_start(loop, w);
}

/* Figures of the target named NAME in OLD, or NULL. */
static const struct app_stats *old_stats(const struct nb_appmon *old, const char *name)
{
    for (size_t i = 0; old && i < old->napps; i++)
        if (strcmp(old->apps[i].cfg.name, name) == 0)
            return &old->apps[i].st;
    return NULL;
}

struct nb_appmon *nb_appmon_new(struct ev_loop *loop, const struct nb_config *cfg,
                                const struct nb_appmon *old, char *err, size_t errlen)
{
    struct nb_appmon *m = nb_calloc(1, sizeof(*m));
    m->loop = loop;
    nb_pace_init(&m->pace, cfg->jitter_pct);
    if (cfg->napps == 0)
        return m;
    m->resolv = nb_resolv_new(loop, RESOLV_TIMEOUT_MS, RESOLV_TRIES, err, errlen);
    if (!m->resolv) {
        free(m);
        return NULL;
    }
    /* the reserved range, entered at a random port: a restart does not try
     * first the ports its predecessor left in TIME_WAIT */
    m->ports.first = cfg->app_port_first;
    m->ports.last = cfg->app_port_last;
    m->ports.next =
        (uint16_t)(m->ports.first +
                   (uint64_t)(nb_pace_unit(&m->pace) * (cfg->app_port_last - cfg->app_port_first + 1)));
    m->apps = nb_calloc(cfg->napps, sizeof(*m->apps));
    m->napps = cfg->napps;
    for (size_t i = 0; i < m->napps; i++) {
        struct app *a = &m->apps[i];
        a->mon = m;
        a->cfg = cfg->apps[i];
        a->cfg.target.ports = &m->ports;
        const struct app_stats *prev = old_stats(old, a->cfg.name);
        if (prev) {
            a->st = *prev;
        } else {
            for (int ph = 0; ph < NB_PH__COUNT; ph++)
                nb_histo_init(&a->st.phase[ph], phase_buckets, NPHASE_BUCKETS);
        }
        ev_timer_init(&a->pace, on_pace, nb_pace_first(&m->pace, a->cfg.interval_ms), 0.);
        a->pace.data = a;
        ev_timer_start(loop, &a->pace);
    }
    return m;
}

void nb_appmon_free(struct nb_appmon *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->napps; i++) {
        ev_timer_stop(m->loop, &m->apps[i].pace);
        nb_app_probe_cancel(m->apps[i].inflight); /* NULL when idle */
    }
    /* after the cancels: lookups still pending return into their cancelled
     * probes, which free themselves, and never into M */
    nb_resolv_free(m->resolv);
    free(m->apps);
    free(m);
}

/* One single-label family with a sample per target; VALUE picks the number. */
static void per_target(struct nb_buf *b, const struct nb_appmon *m, const char *name,
                       const char *type, const char *help, bool only_probed,
                       double (*value)(const struct app_stats *))
{
    nb_prom_family(b, name, type, help);
    for (size_t i = 0; i < m->napps; i++) {
        const struct app *a = &m->apps[i];
        if (only_probed && !a->st.have_last)
            continue;
        const char *labels[] = {"target", a->cfg.name};
        nb_prom_sample(b, name, labels, 1, value(&a->st));
    }
}

static double v_up(const struct app_stats *st)
{
    return st->last_reason == NB_APP_OK ? 1 : 0;
}

static double v_status(const struct app_stats *st)
{
    return st->last_status;
}

static double v_skipped(const struct app_stats *st)
{
    return (double)st->skipped;
}

static double v_unsighted(const struct app_stats *st)
{
    return (double)st->unsighted;
}

void nb_appmon_render_metrics(const struct nb_appmon *m, struct nb_buf *b)
{
    if (!m || m->napps == 0)
        return;
    nb_prom_family(b, "netblame_app_phase_seconds", "histogram",
                   "App probe phase durations: resolve (DNS), connect (TCP handshake), "
                   "first_byte (request sent to first reply byte), total; phases that completed.");
    for (size_t i = 0; i < m->napps; i++) {
        const struct app *a = &m->apps[i];
        for (int ph = 0; ph < NB_PH__COUNT; ph++) {
            const char *labels[] = {"target", a->cfg.name, "phase",
                                    nb_app_phase_name((enum nb_app_phase)ph)};
            nb_histo_render(b, "netblame_app_phase_seconds", labels, 2, &a->st.phase[ph]);
        }
    }
    nb_prom_family(b, "netblame_app_probes_total", "counter",
                   "App probes finished, by target and reason (ok, or why the probe failed).");
    for (size_t i = 0; i < m->napps; i++) {
        const struct app *a = &m->apps[i];
        for (int r = 0; r < NB_APP__COUNT; r++) {
            const char *labels[] = {"target", a->cfg.name, "reason",
                                    nb_app_reason_name((enum nb_app_reason)r)};
            nb_prom_sample(b, "netblame_app_probes_total", labels, 2, (double)a->st.probes[r]);
        }
    }
    per_target(b, m, "netblame_app_up", "gauge",
               "1 if the target's last app probe succeeded, else 0 (absent before the first).",
               true, v_up);
    per_target(
        b, m, "netblame_app_last_status", "gauge",
        "HTTP status of the target's last answer, 0 if none (absent before the first probe).", true,
        v_status);
    per_target(b, m, "netblame_app_skipped_total", "counter",
               "App probes not started because the target's previous probe was still running.",
               false, v_skipped);
    per_target(b, m, "netblame_app_unsighted_total", "counter",
               "App probes that connected from outside app_source_ports (every reserved port "
               "busy): host agents cannot sight their handshake. Widen the range if this grows.",
               false, v_unsighted);
}
