/* diagnose.c — the STAMP burst itself (see diagnose.h): the hello that learns
 * the remote host agent, paced probes and the vnet side-burst, early-stop
 * checkpoints and the deadline's cutoff, then the figures of the finished
 * probes and the evidence sentences of what was measured end to end. The
 * host agents around the burst are diagnose_agents.c's; the verdict is the
 * classifier's, not this file's. */
#include "cli/diagnose_int.h"
#include "input/window.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/mem.h"
#include "input/cpuwin.h"
#include "netblame/sender.h"

static void on_result(void *arg, const struct nb_probe_result *r)
{
    struct nb_diag *d = arg;
    if (r->seq < d->o->count) {
        d->res[r->seq] = *r;
        d->fin[r->seq] = true;
    }
    if (r->refused_family && !d->rep->agent_refused[0])
        inet_ntop(r->refused_family == 4 ? AF_INET : AF_INET6, r->refused_addr,
                  d->rep->agent_refused, sizeof(d->rep->agent_refused));
}

/* Round-trip and reflector figures, and where the timestamps came from, over
 * the answered probes. */
static void summarise_results(struct nb_diag *d)
{
    struct nb_diag_report *rep = d->rep;
    struct nb_stamp_figs f; /* the figures, as the builder folds them */
    nb_stamp_figs_fold(d->res, d->fin, d->o->count, &f);
    rep->rtt = f.rtt;
    rep->hold = f.hold;
    rep->netblame_reflector = f.netblame_reflector;
    for (size_t i = 0; i < d->o->count; i++) {
        const struct nb_probe_result *r = &d->res[i];
        if (!d->fin[i])
            continue;
        unsigned *sent = r->padded ? &rep->big_sent : &rep->small_sent;
        unsigned *lost = r->padded ? &rep->big_lost : &rep->small_lost;
        (*sent)++;
        *lost += r->lost;
        if (r->lost)
            continue;
        if (r->t1_src == NB_TS_SND || r->t1_src == NB_TS_SCHED)
            rep->t1_kernel++;
        else
            rep->t1_user++;
        if (r->t4_src == NB_TS_KERNEL_RX)
            rep->t4_kernel++;
        else
            rep->t4_user++;
        if (r->refl_synced)
            rep->refl_synced_any = true;
    }
}

static void finish_burst(struct nb_diag *d)
{
    if (d->finished)
        return;
    d->finished = true;
    ev_io_stop(d->loop, &d->io);
    ev_timer_stop(d->loop, &d->pace);
    ev_timer_stop(d->loop, &d->wait);
    ev_timer_stop(d->loop, &d->cutoff);
    if (d->vnet)
        ev_io_stop(d->loop, &d->vnet_io);
    d->rep->end = nb_realtime_now();
    struct nb_cpu_times times_after; /* this machine's steal over the burst */
    if (d->times_ok && nb_procstat_read(&times_after) == 0)
        nb_cpuwin_steal(&d->times_before, &times_after, &d->rep->cpu_local);
    if (d->done)
        d->done(d->done_arg);
}

static void maybe_done(struct nb_diag *d)
{
    if (d->stopped && nb_sender_outstanding(d->sender) == 0 &&
        (!d->vnet || nb_sender_outstanding(d->vnet) == 0))
        finish_burst(d);
}

static void on_vnet_result(void *arg, const struct nb_probe_result *r)
{
    struct nb_diag *d = arg;
    if (!r->lost && d->vnet_n < d->o->count)
        d->vnet_rtt[d->vnet_n++] = r->rtt;
}

static void on_vnet_readable(struct ev_loop *loop, ev_io *w, int revents)
{
    struct nb_diag *d = w->data;
    nb_sender_on_readable(d->vnet);
    maybe_done(d);
}

/* The vnet side-burst to the local host agent's reflector (at its API
 * address, STAMP port PORT). Without it the report simply has no vnet part. */
static void vnet_start(struct nb_diag *d, uint16_t port)
{
    struct nb_sender_cfg sc = d->sc;
    char err[256];
    if (nb_addr_parse_hostport(d->o->local_agent, port, &sc.peer, &sc.peerlen) < 0)
        return;
    sc.id_nonce = d->sc.id_nonce ^ 0x5a5a5a5au;
    sc.request_agent = false;
    sc.pad_every = 0;
    d->vnet = nb_sender_new(&sc, on_vnet_result, d, err, sizeof(err));
    if (!d->vnet)
        return;
    d->vnet_rtt = nb_calloc(d->o->count, sizeof(int64_t));
    ev_io_init(&d->vnet_io, on_vnet_readable, nb_sender_fd(d->vnet), EV_READ);
    d->vnet_io.data = d;
    ev_io_start(d->loop, &d->vnet_io);
}

static void vnet_finish(struct nb_diag *d)
{
    if (!d->vnet)
        return;
    const struct nb_sender_stats *st = nb_sender_stats(d->vnet);
    struct nb_diag_report *rep = d->rep;
    uint32_t unfinished = nb_sender_outstanding(d->vnet);
    rep->vnet_present = st->sent > unfinished;
    rep->vnet_sent = st->sent - unfinished;
    rep->vnet_lost = st->lost;
    nb_summarise(d->vnet_rtt, d->vnet_n, &rep->vnet_rtt);
    nb_sender_free(d->vnet);
    free(d->vnet_rtt);
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
    struct nb_diag *d = w->data;
    nb_sender_on_readable(d->sender);
    maybe_done(d);
}

/* The p99 round trip answered so far (0: none), for the overdue age. */
static double p99_so_far(const struct nb_diag *d)
{
    int64_t *v = nb_calloc(d->o->count + 1, sizeof(int64_t));
    size_t n = 0;
    for (size_t i = 0; i < d->o->count; i++)
        if (d->fin[i] && !d->res[i].lost)
            v[n++] = d->res[i].rtt;
    struct nb_summary q;
    nb_summarise(v, n, &q);
    free(v);
    return q.p99;
}

/* The wait after the last probe is over: everything outstanding has had
 * its full timeout. */
static void on_wait(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct nb_diag *d = w->data;
    nb_ns later = nb_mono_now() + (nb_ns)d->o->timeout_ms * 1000000;
    nb_sender_expire(d->sender, later);
    if (d->vnet)
        nb_sender_expire(d->vnet, later);
    finish_burst(d);
}

/* The deadline (less the reserve): probes unanswered past their expected
 * reply are lost; younger ones are left unfinished (counted neither way). */
static void on_cutoff(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct nb_diag *d = w->data;
    nb_ns now = nb_mono_now(), timeout = (nb_ns)d->o->timeout_ms * 1000000;
    nb_ns age = nb_overdue_age(p99_so_far(d), timeout);
    uint64_t lost_before = nb_sender_stats(d->sender)->lost;
    nb_sender_expire_after(d->sender, now, age);
    if (d->vnet)
        nb_sender_expire_after(d->vnet, now, age);
    d->rep->overdue = nb_sender_stats(d->sender)->lost - lost_before;
    d->rep->unfinished = nb_sender_outstanding(d->sender);
    if (!d->stopped)
        nb_diag_cut(d->run, "STAMP burst: %u of %u probes sent", d->sent_attempts, d->o->count);
    if (d->rep->overdue || d->rep->unfinished)
        nb_diag_cut(d->run,
                    "STAMP burst: %llu probes unanswered after %.0f ms counted lost, %llu "
                    "younger ones not counted",
                    (unsigned long long)d->rep->overdue, (double)age / 1e6,
                    (unsigned long long)d->rep->unfinished);
    d->stopped = true;
    finish_burst(d);
}

/* No more probes: wait for those in flight, up to their timeout. */
static void stop_sending(struct nb_diag *d)
{
    if (d->stopped)
        return;
    d->stopped = true;
    ev_timer_stop(d->loop, &d->pace);
    ev_timer_set(&d->wait, d->o->timeout_ms / 1000.0, 0.);
    ev_timer_start(d->loop, &d->wait);
    maybe_done(d);
}

void nb_diag_partial(const struct nb_diag *d, struct nb_cls_input *in)
{
    /* Through the one builder (input/window.h), like the final window, so
     * an early stop judges what the report will show: the same counts,
     * reflector kind, lower bounds and full-size probes — only without the
     * host agents' decomposition, which comes after the burst. Probes
     * overdue past the p99 so far count as lost, as at the deadline. */
    nb_ns now = nb_mono_now(), timeout = (nb_ns)d->o->timeout_ms * 1000000;
    nb_ns age = nb_overdue_age(p99_so_far(d), timeout);
    struct nb_stamp_figs f;
    nb_stamp_figs_fold(d->res, d->fin, d->o->count, &f);
    f.lost += nb_sender_overdue(d->sender, now, age, 0, NULL);
    nb_window_path(&f, NULL, NULL, in);
    if (d->vnet) {
        const struct nb_sender_stats *st = nb_sender_stats(d->vnet);
        struct nb_stamp_figs v = {.lost = st->lost + nb_sender_overdue(d->vnet, now, age, 0, NULL)};
        int64_t *rtt = nb_calloc(d->vnet_n + 1, sizeof(int64_t));
        memcpy(rtt, d->vnet_rtt, d->vnet_n * sizeof(int64_t));
        nb_summarise(rtt, d->vnet_n, &v.rtt);
        free(rtt);
        nb_window_family(&v, &in->vnet);
    }
}

/* An early-stop checkpoint of a burst that judges itself. */
static void check_settled(struct nb_diag *d)
{
    const struct nb_diag_run *run = d->run;
    struct nb_cls_input *in = nb_calloc(1, sizeof(*in));
    struct nb_verdict *v = nb_calloc(1, sizeof(*v));
    struct nb_cls_thresholds def;
    const struct nb_cls_thresholds *th = run->th;
    if (!th) {
        nb_cls_thresholds_default(&def);
        th = &def;
    }
    nb_diag_partial(d, in);
    nb_classify(in, run->base, th, v);
    if (nb_settle_check(&d->settle, v, in->path.wf.answered, th->min_samples)) {
        d->run->stop = d->run->stop == NB_STOP_DEADLINE ? NB_STOP_DEADLINE : NB_STOP_SETTLED;
        stop_sending(d);
    }
    free(in);
    free(v);
}

static void on_pace(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct nb_diag *d = w->data;
    nb_sender_send(d->sender, nb_mono_now());
    nb_sender_expire(d->sender, nb_mono_now());
    if (d->vnet) {
        nb_sender_send(d->vnet, nb_mono_now());
        nb_sender_expire(d->vnet, nb_mono_now());
    }
    if (++d->sent_attempts >= d->o->count) {
        stop_sending(d);
        return;
    }
    if (!d->o->no_settle && d->sent_attempts >= d->next_check) {
        d->next_check += d->o->count / 10 ? d->o->count / 10 : 1;
        check_settled(d);
    }
}

struct nb_diag *nb_diag_new(struct ev_loop *loop, const struct nb_diag_opts *o,
                            struct nb_diag_report *rep, char *err, size_t errlen)
{
    struct nb_diag *d = nb_calloc(1, sizeof(*d));
    d->loop = loop;
    d->o = o;
    d->run = o->run;
    d->rep = rep;
    memset(rep, 0, sizeof(*rep));
    snprintf(rep->target, sizeof(rep->target), "%s", o->target);
    struct nb_sender_cfg *sc = &d->sc;
    sc->peer = o->addr;
    sc->peerlen = o->addrlen;
    sc->mode = o->mode;
    sc->key = o->key;
    sc->ssid = o->ssid;
    sc->timeout = (nb_ns)o->timeout_ms * 1000000;
    d->nonce = (uint32_t)nb_mono_now();
    sc->id_nonce = d->nonce;
    sc->request_agent = true; /* learn the remote host agent in-band ... */
    nb_diag_run_agent_rule(o->run, sc); /* ... where the rule allows it */
    sc->pad_every = 4;        /* every 4th probe full size: MTU black holes show as loss */
    d->res = nb_calloc(o->count, sizeof(*d->res));
    d->fin = nb_calloc(o->count, sizeof(*d->fin));
    nb_settle_init(&d->settle);
    d->next_check = (o->count + 1) / 2;
    d->sender = nb_sender_new(sc, on_result, d, err, errlen);
    if (!d->sender) {
        free(d->res);
        free(d->fin);
        free(d);
        return NULL;
    }
    /* The hello first, so that the remote agent's link counters are read
     * BEFORE the burst (read at the first reply instead, a fault that
     * delays that reply would already have moved them). */
    if (o->hello)
        d->hello = *o->hello;
    else
        nb_diag_hello(loop, sc, NB_HELLO_TRIES, nb_diag_hello_try_ms(d->run, o->timeout_ms),
                      &d->hello);
    if (d->hello.refused[0])
        snprintf(rep->agent_refused, sizeof(rep->agent_refused), "%s", d->hello.refused);
    nb_diag_agents_before(d);
    d->times_ok = nb_procstat_read(&d->times_before) == 0;
    return d;
}

void nb_diag_start(struct nb_diag *d, void (*done)(void *arg), void *arg)
{
    struct ev_loop *loop = d->loop;
    d->done = done;
    d->done_arg = arg;
    ev_now_update(loop); /* after blocking steps: timers count from now */
    if (d->o->local_agent[0])
        vnet_start(d, d->o->stamp_port ? d->o->stamp_port : NB_STAMP_PORT);
    ev_io_init(&d->io, on_readable, nb_sender_fd(d->sender), EV_READ);
    d->io.data = d;
    ev_io_start(loop, &d->io);
    ev_timer_init(&d->pace, on_pace, 0., d->o->interval_ms / 1000.0);
    d->pace.data = d;
    ev_timer_start(loop, &d->pace);
    ev_init(&d->wait, on_wait);
    d->wait.data = d;
    ev_init(&d->cutoff, on_cutoff);
    d->cutoff.data = d;
    if (d->run->deadline) {
        long ms = nb_diag_left_ms(d->run) - nb_diag_reserve_ms(d->run);
        ev_timer_set(&d->cutoff, ms > 0 ? ms / 1000.0 : 0., 0.);
        ev_timer_start(loop, &d->cutoff);
    }
    d->rep->start = nb_realtime_now();
}

void nb_diag_stop(struct nb_diag *d)
{
    stop_sending(d);
}

void nb_diag_evidence(struct nb_diag_report *rep, const char *fmt, ...)
{
    if (rep->nevidence >= NB_DIAG_MAX_EVIDENCE)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->evidence[rep->nevidence++], sizeof(rep->evidence[0]), fmt, ap);
    va_end(ap);
}

/* What the burst measured end to end, as sentences (the verdict and its
 * evidence come from the classifier; these are the figures behind them). */
static void judge(struct nb_diag_report *rep)
{
    if (rep->sent == 0)
        nb_diag_evidence(rep, "no probe could be sent (%llu send errors)",
                         (unsigned long long)rep->send_errors);
    uint64_t finished = rep->sent - rep->unfinished;
    if (rep->lost)
        nb_diag_evidence(rep, "%llu of %llu probes lost (%.1f%%) end to end",
                         (unsigned long long)rep->lost, (unsigned long long)finished,
                         100.0 * (double)rep->lost / (double)finished);
    if (rep->overdue)
        nb_diag_evidence(rep,
                         "%llu of them counted lost at the deadline: unanswered past their "
                         "expected reply, before their timeout",
                         (unsigned long long)rep->overdue);
    if (rep->unfinished)
        nb_diag_evidence(rep, "%llu probes still in flight at the deadline, not counted",
                         (unsigned long long)rep->unfinished);
    if (rep->big_sent && (rep->big_lost || rep->small_lost))
        nb_diag_evidence(rep, "full-size probes (%u B): %u of %u lost; small: %u of %u lost",
                         rep->pad_size, rep->big_lost, rep->big_sent, rep->small_lost,
                         rep->small_sent);
    if (rep->icmp_errors)
        nb_diag_evidence(rep, "%llu ICMP errors (destination unreachable or port closed)",
                         (unsigned long long)rep->icmp_errors);
    if (rep->rtt.n)
        nb_diag_evidence(rep, "round trip p50 %.1f us, p99 %.1f us over %zu replies",
                         rep->rtt.p50 / 1e3, rep->rtt.p99 / 1e3, rep->rtt.n);
    if (rep->t1_user)
        nb_diag_evidence(rep, "%u probes had only a user-space send time (no kernel TX stamp)",
                         rep->t1_user);
    if (rep->agent_refused[0])
        nb_diag_evidence(rep,
                         "host agent address %s from the reflector refused: not the "
                         "reflector's own address nor in host_agent_prefixes",
                         rep->agent_refused);
}

void nb_diag_finish(struct nb_diag *d)
{
    struct nb_diag_report *rep = d->rep;
    if (!d->finished) { /* the caller ended early: what is in flight is unfinished */
        d->done = NULL;
        finish_burst(d);
        rep->unfinished = nb_sender_outstanding(d->sender);
    }
    rep->pad_size = nb_sender_padded_size(d->sender);
    const struct nb_sender_stats *st = nb_sender_stats(d->sender);
    rep->sent = st->sent;
    rep->received = st->received;
    rep->lost = st->lost;
    rep->duplicates = st->duplicates;
    rep->reordered = st->reordered;
    rep->late = st->late;
    rep->send_errors = st->send_errors;
    rep->icmp_errors = st->icmp_errors;
    rep->bogus = st->bogus;
    for (int i = 0; i < NB_STAMP_E__COUNT; i++)
        rep->malformed += st->malformed[i];
    summarise_results(d);
    vnet_finish(d);
    nb_sender_free(d->sender);
    nb_diag_agents_after(d);
    free(d->res);
    free(d->fin);
    free(d->links_before[0]);
    free(d->links_before[1]);
    free(d->cpu_before[0].th);
    free(d->cpu_before[1].th);
    judge(rep);
    free(d);
}

static void on_done_break(void *arg)
{
    ev_break(arg, EVBREAK_ALL);
}

int nb_diagnose_run(struct ev_loop *loop, const struct nb_diag_opts *o, struct nb_diag_report *rep,
                    char *err, size_t errlen)
{
    struct nb_diag *d = nb_diag_new(loop, o, rep, err, errlen);
    if (!d)
        return -1;
    nb_diag_start(d, on_done_break, loop);
    ev_run(loop, 0);
    nb_diag_finish(d);
    return 0;
}
