/* appdiag.c — app probes, paced, summarised (see appdiag.h).
 *
 * The steps, all within the diagnosis' deadline (diagrun.h): the server's
 * address (the URL's, or one lookup), a hello to it (retried: a netblame
 * reflector there announces the server's host agent), then the app probes
 * and the STAMP burst toward the server's address side by side on one loop
 * (one app probe every interval, each on its own connection), checked for a
 * settled verdict as results come in; then the fetches.
 *
 * After the burst, the handshakes are placed on the observation points: the
 * local host agent's sightings from the cursor it gave before the burst, the
 * server's host agent (from the hello) over its whole ring. Which
 * sightings belong to which probe is decided by the handshake's ends (guest
 * address and port, server port) AND a generous realtime window around the
 * probe (HANDSHAKE_SLACK): ports are reused when the range wraps. The window
 * compares the guest's clock with a host's, only to pick sightings, never
 * to measure: every figure stays a difference on one clock.
 *
 * The verdict is the classifier's (window.c maps this report onto its
 * input); this file measures and renders. */
#include "cli/appdiag.h"

#include <arpa/inet.h>
#include <limits.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "net/agentclient.h"
#include "cli/diagnose_out.h"
#include "cli/waterfall_out.h"
#include "input/window.h"
#include "netblame/handshake.h"
#include "netblame/mem.h"
#include "netblame/sender.h"
#include "wire/verdict_json.h"

#define HANDSHAKE_SLACK ((nb_ns)2 * NB_NS_PER_SEC) /* guest vs host clock, generously */
#define REMOTE_SIGHTINGS_MAX 262144

/* One app probe of the burst: which slot, and its handle while it runs. */
struct slot {
    struct run *r;
    struct nb_app_probe *h;
    bool running;
    unsigned timeout_ms; /* its timeout: the target's, or shortened to the deadline */
};

struct run {
    struct ev_loop *loop;
    const struct nb_appdiag_opts *o;
    struct nb_diag_run *dr;
    struct nb_resolv *resolv;
    struct nb_appdiag_report *rep;
    ev_timer next;   /* paces the probes */
    ev_timer cutoff; /* the deadline, less the reserve for the fetches after */
    struct slot *slots;
    unsigned started, running;
    bool no_more; /* no more probes: all started, settled, or the deadline */
    struct nb_app_result *res;
    struct nb_diag *stamp;
    bool stamp_running;
    struct nb_hello hello;
    struct nb_settle settle;
    unsigned next_check;
    /* the one lookup of the server's address before the bursts */
    bool lookup_waiting, lookup_ok;
    struct in_addr server;
};

static void note(struct nb_appdiag_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(struct nb_appdiag_report *rep, const char *fmt, ...)
{
    if (rep->nnotes >= sizeof(rep->notes) / sizeof(rep->notes[0]))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->notes[rep->nnotes++], sizeof(rep->notes[0]), fmt, ap);
    va_end(ap);
}

/* Both bursts over? Then the loop may end. */
static void maybe_over(struct run *r)
{
    if (r->no_more && r->running == 0 && !r->stamp_running)
        ev_break(r->loop, EVBREAK_ALL);
}

static void stop_starting(struct run *r)
{
    r->no_more = true;
    ev_timer_stop(r->loop, &r->next);
}

/* An early-stop checkpoint: the app probes so far and the STAMP burst so
 * far, judged together. */
static void check_settled(struct run *r)
{
    struct nb_appdiag_report *rep = r->rep;
    struct nb_cls_thresholds def;
    const struct nb_cls_thresholds *th = r->dr->th;
    if (!th) {
        nb_cls_thresholds_default(&def);
        th = &def;
    }
    struct nb_cls_input *in = nb_calloc(1, sizeof(*in));
    struct nb_verdict *v = nb_calloc(1, sizeof(*v));
    struct nb_app_obs *obs = nb_calloc(rep->probes + 1, sizeof(*obs));
    for (unsigned i = 0; i < rep->probes; i++)
        nb_app_obs_from(&r->res[i], &obs[i]);
    nb_window_app_fold(obs, rep->probes, &in->app);
    if (r->stamp) {
        nb_diag_partial(r->stamp, in);
        nb_window_no_reflector_time(in); /* as in the final window */
    }
    snprintf(in->target, sizeof(in->target), "%.*s", (int)sizeof(in->target) - 1, rep->target);
    nb_classify(in, r->dr->base, th, v);
    /* healthy needs enough of both: the app probes, and the STAMP probes'
     * answers beside them (in units of what each needs for a claim) */
    uint64_t n = in->app.ok;
    if (in->path.present && in->path.wf.answered * th->min_app_probes < n * th->min_samples)
        n = in->path.wf.answered * th->min_app_probes / th->min_samples;
    if (nb_settle_check(&r->settle, v, n, th->min_app_probes)) {
        if (r->dr->stop != NB_STOP_DEADLINE)
            r->dr->stop = NB_STOP_SETTLED;
        stop_starting(r);
        if (r->stamp)
            nb_diag_stop(r->stamp);
    }
    free(obs);
    free(v);
    free(in);
}

static void on_result(void *arg, const struct nb_app_result *res)
{
    struct slot *sl = arg;
    struct run *r = sl->r;
    struct nb_appdiag_report *rep = r->rep;
    sl->running = false;
    sl->h = NULL;
    r->running--;
    r->res[rep->probes++] = *res;
    if (res->reason == NB_APP_TIMEOUT && sl->timeout_ms < r->o->t->timeout_ms)
        rep->capped++;
    if (!r->no_more && !r->o->no_settle && rep->probes >= (r->o->count + 1) / 2 &&
        rep->probes >= r->next_check) {
        r->next_check += r->o->count / 10 ? r->o->count / 10 : 1;
        check_settled(r);
    }
    maybe_over(r);
}

/* Milliseconds until the cutoff (LONG_MAX without a deadline). */
static long to_cutoff_ms(const struct run *r)
{
    long left = nb_diag_left_ms(r->dr);
    return left == LONG_MAX ? left : left - nb_diag_reserve_ms(r->dr);
}

static void start_one(struct run *r)
{
    const struct nb_app_target *t = r->o->t;
    long left = to_cutoff_ms(r);
    /* a probe left less than a second (or its whole timeout, if shorter)
     * before the cutoff is not started: too short a timeout would call a
     * merely slow answer a timeout */
    long need = (long)t->timeout_ms < 1000 ? (long)t->timeout_ms : 1000;
    if (left < need) {
        nb_diag_cut(r->dr, "%u of %u app probes not started", r->o->count - r->started,
                    r->o->count);
        stop_starting(r);
        maybe_over(r);
        return;
    }
    struct slot *sl = &r->slots[r->started++];
    struct nb_app_target tt = *t;
    if (left < (long)tt.timeout_ms) /* over just before the cutoff, not cancelled by it */
        tt.timeout_ms = (unsigned)(left > 20 ? left - 10 : left);
    sl->timeout_ms = tt.timeout_ms;
    sl->running = true;
    r->running++;
    sl->h = nb_app_probe_start(r->loop, r->resolv, &tt, on_result, sl);
    if (r->started >= r->o->count)
        stop_starting(r);
}

static void on_next(struct ev_loop *loop, ev_timer *w, int revents)
{
    start_one(w->data);
}

/* The deadline (less the reserve): no more probes; those still running are
 * cancelled and not counted (their timeouts were shortened to end before). */
static void on_cutoff(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct run *r = w->data;
    if (!r->no_more) {
        nb_diag_cut(r->dr, "%u of %u app probes not started", r->o->count - r->started,
                    r->o->count);
        stop_starting(r);
    }
    for (unsigned i = 0; i < r->started; i++) {
        struct slot *sl = &r->slots[i];
        if (!sl->running)
            continue;
        nb_app_probe_cancel(sl->h);
        sl->running = false;
        r->running--;
        r->rep->cancelled++;
    }
    if (r->rep->cancelled)
        nb_diag_cut(r->dr, "%u app probes still running were cancelled, not counted",
                    r->rep->cancelled);
    maybe_over(r);
}

static void on_stamp_done(void *arg)
{
    struct run *r = arg;
    r->stamp_running = false;
    maybe_over(r);
}

/* Phase figures, reasons, and the server's own time over the results. */
static void summarise(struct run *r)
{
    struct nb_appdiag_report *rep = r->rep;
    size_t n = rep->probes;
    int64_t *v = nb_calloc(n + 1, sizeof(int64_t));
    struct nb_app_obs *obs = nb_calloc(n + 1, sizeof(*obs));
    for (int p = 0; p < NB_PH__COUNT; p++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (r->res[i].have[p])
                v[k++] = r->res[i].t[p];
        nb_summarise(v, k, &rep->phase[p]);
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (r->res[i].have_syn_rtt)
            v[k++] = r->res[i].syn_rtt;
    nb_summarise(v, k, &rep->syn_rtt);
    k = 0; /* as the classifier takes it (window.c): without retransmissions */
    for (size_t i = 0; i < n; i++)
        if (r->res[i].have[NB_PH_FIRST_BYTE] && r->res[i].have_syn_rtt &&
            !nb_app_retransmitted(&r->res[i]))
            v[k++] = r->res[i].t[NB_PH_FIRST_BYTE] - r->res[i].syn_rtt;
    nb_summarise(v, k, &rep->server);
    free(v);
    for (size_t i = 0; i < n; i++) {
        const struct nb_app_result *res = &r->res[i];
        nb_app_obs_from(res, &obs[i]);
        rep->reasons[res->reason]++;
        if (res->reason == NB_APP_OK)
            rep->ok++;
        else
            snprintf(rep->last_detail, sizeof(rep->last_detail), "%s", res->detail);
        if (res->status)
            rep->last_status = res->status;
        rep->syn_retrans += res->syn_retrans;
        rep->retrans += nb_app_retransmitted(res);
        if (res->reason == NB_APP_TIMEOUT && res->have[NB_PH_CONNECT])
            rep->timeout_established++;
    }
    nb_window_app_fold(obs, n, &rep->cls);
    free(obs);
}

/* Does result R carry a handshake worth placing? Established ones, and
 * connects that got no answer (a refusal or reset is the server's answer). */
static bool sightable(const struct nb_app_result *r)
{
    if (!r->port_reserved || !r->local_port)
        return false;
    if (r->have[NB_PH_CONNECT])
        return true;
    return r->failed_in == NB_PH_CONNECT &&
           (r->reason == NB_APP_TIMEOUT || r->reason == NB_APP_UNREACHABLE);
}

/* Fetch one host agent's sightings of SESSION from SINCE and tally them. */
static void fetch_and_tally(struct run *r, const struct nb_handshake *h, struct nb_hs_tally *t,
                            size_t n, uint32_t session, const char *addr, uint16_t port,
                            uint64_t since, int local)
{
    struct nb_appdiag_report *rep = r->rep;
    struct nb_fetch f;
    char err[256];
    const char *who = local ? "local" : "server's";
    long ms = nb_diag_fetch_ms(r->dr, NB_AGENT_TIMEOUT_MS,
                               local ? "local host agent's sightings of the handshakes"
                                     : "server's host agent's sightings of the handshakes");
    if (!ms) {
        note(rep, "%s host agent not asked: the deadline; its segments are unknown", who);
        return;
    }
    if (nb_agent_fetch_sightings(addr, port, session, since, REMOTE_SIGHTINGS_MAX, ms, &f, err,
                                 sizeof(err)) < 0) {
        note(rep, "%s host agent: %s: its segments are unknown", who, err);
        nb_diag_fetch_failed(r->dr, ms, NB_AGENT_TIMEOUT_MS, "sightings of the handshakes");
        return;
    }
    nb_handshake_tally(h, t, n, f.s, f.n, local);
    rep->sightings_missed += f.missed;
    if (local)
        rep->local_ok = true;
    else
        rep->remote_ok = true;
    free(f.s);
}

static void decompose(struct run *r, uint64_t local_since, bool local_cursor)
{
    const struct nb_appdiag_opts *o = r->o;
    struct nb_appdiag_report *rep = r->rep;
    size_t n = 0;
    struct nb_handshake *h = nb_calloc(rep->probes + 1, sizeof(*h));
    uint32_t session = 0;
    for (size_t i = 0; i < rep->probes; i++) {
        const struct nb_app_result *res = &r->res[i];
        if (!sightable(res)) {
            if (res->have[NB_PH_CONNECT] && !res->port_reserved)
                rep->unsighted++;
            continue;
        }
        uint32_t s = ntohl(res->local_addr.s_addr);
        if (n == 0)
            session = s;
        else if (s != session)
            continue; /* another source address: another session, rare (a route change) */
        h[n++] = (struct nb_handshake){
            .id = nb_tcp_probe_id(session, res->local_port, o->t->port),
            .established = res->have[NB_PH_CONNECT],
            .have_rtt = res->have_syn_rtt,
            .rtt = res->syn_rtt,
            .syn_sent = res->syn_retrans + 1,
            .from = res->start_realtime - HANDSHAKE_SLACK,
            .to = res->start_realtime + (nb_ns)o->t->timeout_ms * 1000000 + HANDSHAKE_SLACK,
        };
    }
    if (rep->unsighted)
        note(rep, "%u probes connected from a port outside the reserved range (all busy?): "
                  "their handshakes cannot be sighted", rep->unsighted);
    if (n == 0) {
        free(h);
        return;
    }
    struct nb_hs_tally *t = nb_calloc(n, sizeof(*t));
    if (o->local_agent[0]) {
        snprintf(rep->local_agent, sizeof(rep->local_agent), "%s:%u", o->local_agent,
                 o->local_agent_port);
        if (local_cursor)
            fetch_and_tally(r, h, t, n, session, o->local_agent, o->local_agent_port, local_since,
                            1);
    } else {
        note(rep, "no local host agent known (--local-agent, or host_agent in --config): "
                  "the local segments are unknown");
    }
    if (r->hello.agent) {
        snprintf(rep->remote_agent, sizeof(rep->remote_agent), "%s:%u", r->hello.addr,
                 r->hello.port);
        fetch_and_tally(r, h, t, n, session, r->hello.addr, r->hello.port, 0, 0);
    } else if (r->lookup_ok) {
        char s[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &r->server, s, sizeof(s));
        note(rep,
             "no netblame reflector at %s announced the server's host agent (%u hellos): "
             "the server-side segments are unknown",
             s, r->hello.tries);
    }
    rep->decomposed = rep->local_ok || rep->remote_ok;
    if (getenv("NB_DEBUG_HS"))
        for (size_t i = 0; i < n; i++) {
            struct nb_path_obs ob;
            nb_handshake_obs(&h[i], &t[i], &ob);
            fprintf(stderr, "hs %016llx est %d syn_sent %u counts", (unsigned long long)h[i].id,
                    h[i].established, h[i].syn_sent);
            for (int p = 0; p < NB_PT__COUNT; p++)
                fprintf(stderr, " %u%s", t[i].count[p], ob.seen[p] ? "" : "-");
            fprintf(stderr, " lost %d\n", ob.lost);
        }
    if (rep->decomposed)
        nb_handshake_waterfall(h, t, n, &rep->wf);
    free(t);
    free(h);
}

static void on_lookup(void *arg, enum nb_dns_result res, const struct in_addr *a)
{
    struct run *r = arg;
    if (res == NB_DNS_OK) {
        r->server = *a;
        r->lookup_ok = true;
    }
    if (r->lookup_waiting) {
        r->lookup_waiting = false;
        ev_break(r->loop, EVBREAK_ONE);
    }
}

static void on_lookup_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct run *r = w->data;
    r->lookup_waiting = false;
    ev_break(loop, EVBREAK_ONE);
}

/* The server's address, for the hello and the STAMP burst: the URL's, or
 * one lookup (not counted as an app probe), within a quarter of the time
 * left, at most 1 s: a resolver slower than that is the app probes' to
 * measure, and the diagnosis goes on without STAMP probes. */
static void server_address(struct run *r)
{
    const struct nb_app_target *t = r->o->t;
    if (inet_pton(AF_INET, t->host, &r->server) == 1) {
        r->lookup_ok = true;
        return;
    }
    long ms = nb_diag_left_ms(r->dr) / 4;
    if (ms > 1000)
        ms = 1000;
    ev_timer tm;
    ev_now_update(r->loop);
    ev_timer_init(&tm, on_lookup_timeout, ms / 1000.0, 0.);
    tm.data = r;
    ev_timer_start(r->loop, &tm);
    r->lookup_waiting = true;
    nb_resolv_lookup(r->resolv, t->host, on_lookup, r);
    if (r->lookup_waiting)
        ev_run(r->loop, 0);
    ev_timer_stop(r->loop, &tm);
    if (!r->lookup_ok)
        note(r->rep,
             "%s did not resolve within %ld ms before the probes: no STAMP probes "
             "toward the server",
             t->host, ms);
}

/* The hello to the server's address (its netblame reflector announces the
 * server's host agent) and, if anything answered, the STAMP burst beside
 * the app probes. */
static void stamp_setup(struct run *r, struct nb_diag_opts *so)
{
    const struct nb_appdiag_opts *o = r->o;
    struct sockaddr_in *sin = (struct sockaddr_in *)&so->addr;
    memset(so, 0, sizeof(*so));
    sin->sin_family = AF_INET;
    sin->sin_addr = r->server;
    sin->sin_port = htons(o->stamp_port ? o->stamp_port : NB_STAMP_PORT);
    so->addrlen = sizeof(*sin);
    char a[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &r->server, a, sizeof(a));
    snprintf(so->target, sizeof(so->target), "%s:%u", a, ntohs(sin->sin_port));
    so->count = 100;
    so->interval_ms = 10;
    so->timeout_ms = o->timeout_ms ? o->timeout_ms : 1000;
    so->mode = o->mode;
    so->key = o->key;
    so->ssid = o->ssid;
    memcpy(so->local_agent, o->local_agent, sizeof(so->local_agent));
    so->local_agent_port = o->local_agent_port;
    so->stamp_port = o->stamp_port;
    so->run = r->dr;
    so->hello = &r->hello;
    so->no_settle = true;
    struct nb_sender_cfg sc = {0};
    sc.peer = so->addr;
    sc.peerlen = so->addrlen;
    sc.mode = o->mode;
    sc.key = o->key;
    sc.ssid = o->ssid;
    sc.id_nonce = (uint32_t)nb_mono_now();
    nb_diag_run_agent_rule(r->dr, &sc);
    nb_diag_hello(r->loop, &sc, NB_HELLO_TRIES, nb_diag_hello_try_ms(r->dr, so->timeout_ms),
                  &r->hello);
    if (!r->hello.answered) {
        note(r->rep,
             "no STAMP reflector answered at %s (%u hellos): the network is judged by "
             "the app probes alone",
             so->target, r->hello.tries);
        return;
    }
    char err[256];
    r->stamp = nb_diag_new(r->loop, so, &r->rep->stamp, err, sizeof(err));
    if (!r->stamp)
        note(r->rep, "no STAMP probes toward the server: %s", err);
}

int nb_appdiag_run(struct ev_loop *loop, const struct nb_appdiag_opts *o,
                   struct nb_appdiag_report *rep, char *err, size_t errlen)
{
    memset(rep, 0, sizeof(*rep));
    snprintf(rep->target, sizeof(rep->target), "%s", o->url);
    struct run r = {.loop = loop, .o = o, .rep = rep, .dr = o->run};
    r.resolv = nb_resolv_new(loop, 1000, 2, err, errlen);
    if (!r.resolv)
        return -1;
    r.res = nb_calloc(o->count + 1, sizeof(*r.res));
    r.slots = nb_calloc(o->count + 1, sizeof(*r.slots));
    for (unsigned i = 0; i < o->count; i++)
        r.slots[i].r = &r;
    nb_settle_init(&r.settle);
    r.next_check = (o->count + 1) / 2;
    /* the local agent's cursor now: its sightings from here on are this burst's */
    uint64_t since = 0;
    bool cursor = false;
    long ms;
    if (o->local_agent[0] && o->t->ports &&
        (ms = nb_diag_fetch_ms(r.dr, NB_AGENT_TIMEOUT_MS, "local host agent's cursor"))) {
        struct nb_fetch f;
        char e[256];
        if (nb_agent_fetch_sightings(o->local_agent, o->local_agent_port, 0, UINT64_MAX, 0, ms, &f,
                                     e, sizeof(e)) == 0) {
            since = f.next;
            cursor = true;
            free(f.s);
        } else {
            note(rep, "local host agent: %s: the local segments are unknown", e);
        }
    }
    server_address(&r);
    struct nb_diag_opts so;
    if (r.lookup_ok)
        stamp_setup(&r, &so);
    ev_now_update(loop); /* after blocking steps: timers count from now */
    ev_timer_init(&r.next, on_next, 0., o->interval_ms / 1000.0);
    r.next.data = &r;
    ev_init(&r.cutoff, on_cutoff);
    r.cutoff.data = &r;
    if (r.dr->deadline) {
        long left = to_cutoff_ms(&r);
        ev_timer_set(&r.cutoff, left > 0 ? left / 1000.0 : 0., 0.);
        ev_timer_start(loop, &r.cutoff);
    }
    if (r.stamp) {
        r.stamp_running = true;
        nb_diag_start(r.stamp, on_stamp_done, &r);
    }
    rep->start = nb_realtime_now();
    ev_timer_start(loop, &r.next);
    ev_run(loop, 0);
    rep->end = nb_realtime_now();
    ev_timer_stop(loop, &r.next);
    ev_timer_stop(loop, &r.cutoff);
    rep->started = r.started;
    if (r.stamp) {
        nb_diag_finish(r.stamp); /* its decomposition, within the deadline */
        rep->have_stamp = true;
    }
    nb_resolv_free(r.resolv);
    summarise(&r);
    if (rep->capped)
        nb_diag_cut(r.dr, "%u app probes timed out at a timeout shortened to the deadline",
                    rep->capped);
    if (o->t->ports)
        decompose(&r, since, cursor);
    free(r.res);
    free(r.slots);
    return 0;
}

static void print_ms_row(FILE *out, const char *name, const struct nb_summary *s)
{
    if (!s->n)
        fprintf(out, "  %-12s %9s %9s %9s %9s\n", name, "-", "-", "-", "-");
    else
        fprintf(out, "  %-12s %9.3f %9.3f %9.3f %9.3f\n", name, (double)s->min / 1e6, s->p50 / 1e6,
                s->p90 / 1e6, (double)s->max / 1e6);
}

void nb_appdiag_print(const struct nb_appdiag_report *rep, FILE *out)
{
    fprintf(out, "netblame diagnose %s: %u app probes, %u ok\n", rep->target, rep->probes, rep->ok);
    fprintf(out, "\n  %-12s %9s %9s %9s %9s   (milliseconds)\n", "phase", "min", "p50", "p90",
            "max");
    for (int p = 0; p < NB_PH__COUNT; p++)
        print_ms_row(out, nb_app_phase_name((enum nb_app_phase)p), &rep->phase[p]);
    print_ms_row(out, "syn rtt", &rep->syn_rtt);
    print_ms_row(out, "server", &rep->server);
    fprintf(out, "  (syn rtt: the kernel's SYN round trip; server: first_byte minus it, over the "
                 "probes without retransmissions)\n");
    fprintf(out, "\n  results:");
    for (int i = 0; i < NB_APP__COUNT; i++)
        if (rep->reasons[i])
            fprintf(out, " %s %u", nb_app_reason_name((enum nb_app_reason)i), rep->reasons[i]);
    fprintf(out, "\n");
    if (rep->last_detail[0])
        fprintf(out, "  last failure: %s\n", rep->last_detail);
    if (rep->syn_retrans)
        fprintf(out, "  SYN retransmissions: %u\n", rep->syn_retrans);
    if (rep->retrans)
        fprintf(out, "  probes whose TCP retransmitted (network time, no server time): %u\n",
                rep->retrans);
    if (rep->cancelled || rep->capped || rep->started < rep->probes + rep->cancelled)
        fprintf(out,
                "  at the deadline: %u started, %u cancelled (not counted), %u timed out "
                "early\n",
                rep->started, rep->cancelled, rep->capped);
    if (rep->decomposed) {
        fprintf(out, "\n  TCP handshake, split by the host agents' sightings:");
        nb_waterfall_print(&rep->wf, rep->local_ok ? rep->local_agent : NULL,
                           rep->remote_ok ? rep->remote_agent : NULL, rep->sightings_missed, out);
    }
    for (size_t i = 0; i < rep->nnotes; i++)
        fprintf(out, "  note: %s\n", rep->notes[i]);
}

static cJSON *ms_summary(const struct nb_summary *s)
{
    if (!s->n)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "min", round((double)s->min / 1e3) / 1e3);
    cJSON_AddNumberToObject(o, "p50", round(s->p50 / 1e3) / 1e3);
    cJSON_AddNumberToObject(o, "p90", round(s->p90 / 1e3) / 1e3);
    cJSON_AddNumberToObject(o, "max", round((double)s->max / 1e3) / 1e3);
    cJSON_AddNumberToObject(o, "n", (double)s->n);
    return o;
}

cJSON *nb_appdiag_json(const struct nb_appdiag_report *rep, const struct nb_verdict *v)
{
    cJSON *root = nb_verdict_to_json(v);
    cJSON *notes = cJSON_GetObjectItemCaseSensitive(root, "evidence");
    for (size_t i = 0; notes && i < rep->nnotes; i++)
        cJSON_AddItemToArray(notes, cJSON_CreateString(rep->notes[i]));
    if (rep->have_stamp) { /* the STAMP probes toward the server, and their figures */
        for (size_t i = 0; notes && i < rep->stamp.nevidence; i++)
            cJSON_AddItemToArray(notes, cJSON_CreateString(rep->stamp.evidence[i]));
        cJSON_AddItemToObject(root, "probes", nb_diagnose_probes_json(&rep->stamp));
    }
    cJSON *app = cJSON_AddObjectToObject(root, "app");
    cJSON_AddNumberToObject(app, "probes", rep->probes);
    cJSON_AddNumberToObject(app, "ok", rep->ok);
    cJSON *rs = cJSON_AddObjectToObject(app, "reasons");
    for (int i = 0; i < NB_APP__COUNT; i++)
        if (rep->reasons[i])
            cJSON_AddNumberToObject(rs, nb_app_reason_name((enum nb_app_reason)i), rep->reasons[i]);
    cJSON *ph = cJSON_AddObjectToObject(app, "phases_ms");
    for (int p = 0; p < NB_PH__COUNT; p++)
        cJSON_AddItemToObject(ph, nb_app_phase_name((enum nb_app_phase)p),
                              ms_summary(&rep->phase[p]));
    cJSON_AddItemToObject(app, "syn_rtt_ms", ms_summary(&rep->syn_rtt));
    cJSON_AddItemToObject(app, "server_ms", ms_summary(&rep->server));
    cJSON_AddNumberToObject(app, "syn_retransmissions", rep->syn_retrans);
    cJSON_AddNumberToObject(app, "retransmitted", rep->retrans);
    cJSON_AddNumberToObject(app, "started", rep->started);
    cJSON_AddNumberToObject(app, "cancelled", rep->cancelled);
    cJSON_AddNumberToObject(app, "timed_out_at_deadline", rep->capped);
    if (rep->last_status)
        cJSON_AddNumberToObject(app, "last_status", rep->last_status);
    if (rep->last_detail[0])
        cJSON_AddStringToObject(app, "last_failure", rep->last_detail);
    cJSON *hs = cJSON_AddObjectToObject(app, "handshake");
    cJSON_AddNumberToObject(hs, "probes", (double)rep->wf.probes);
    cJSON_AddNumberToObject(hs, "lost", (double)rep->wf.lost);
    cJSON_AddNumberToObject(hs, "lost_unlocated", (double)rep->wf.lost_unlocated);
    cJSON_AddNumberToObject(hs, "unsighted", rep->unsighted);
    /* the connect split into segments (the verdict's "segments" are the
     * STAMP probes' when they ran beside) */
    cJSON *segs = cJSON_AddArrayToObject(hs, "segments");
    for (int i = 0; rep->decomposed && i < NB_SEG__COUNT; i++) {
        const struct nb_seg_figures *f = &rep->wf.seg[i];
        cJSON *sg = cJSON_CreateObject();
        cJSON_AddStringToObject(sg, "name", nb_segment_name((enum nb_segment)i));
        if (f->known) {
            cJSON *q = cJSON_AddObjectToObject(sg, "rtt_us");
            cJSON_AddNumberToObject(q, "p50", round(f->p50) / 1e3);
            cJSON_AddNumberToObject(q, "p90", round(f->p90) / 1e3);
            cJSON_AddNumberToObject(q, "p99", round(f->p99) / 1e3);
        } else {
            cJSON_AddNullToObject(sg, "rtt_us");
        }
        cJSON_AddNumberToObject(sg, "lost", f->lost);
        cJSON_AddNumberToObject(sg, "lost_shared", f->lost_shared);
        cJSON_AddItemToArray(segs, sg);
    }
    cJSON_AddItemToObject(hs, "host_agents",
                          nb_host_agents_json(rep->local_agent, rep->remote_agent, rep->local_ok,
                                              rep->remote_ok, rep->sightings_missed));
    return root;
}
