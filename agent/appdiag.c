/* appdiag.c — app probes in a row, summarised (see appdiag.h).
 *
 * After the burst, the handshakes are placed on the observation points: the
 * local host agent's sightings from the cursor it gave before the burst, the
 * server's host agent (learnt with one STAMP hello to the server's address:
 * a netblame reflector there announces it) over its whole ring. Which
 * sightings belong to which probe is decided by the handshake's ends (guest
 * address and port, server port) AND a generous realtime window around the
 * probe (HANDSHAKE_SLACK): ports are reused when the range wraps. The window
 * compares the guest's clock with a host's, only to pick sightings, never
 * to measure: every figure stays a difference on one clock.
 *
 * The verdict is the classifier's (window.c maps this report onto its
 * input); this file measures and renders. */
#include "appdiag.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agentclient.h"
#include "diagnose.h"
#include "netblame/handshake.h"
#include "netblame/mem.h"
#include "netblame/sender.h"
#include "verdict_json.h"

#define HELLO_TIMEOUT_MS 1000
#define HANDSHAKE_SLACK ((nb_ns)2 * NB_NS_PER_SEC) /* guest vs host clock, generously */
#define REMOTE_SIGHTINGS_MAX 262144

struct run {
    struct ev_loop *loop;
    const struct nb_appdiag_opts *o;
    struct nb_resolv *resolv;
    struct nb_appdiag_report *rep;
    unsigned started;
    ev_timer next;
    struct nb_app_result *res;
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

static void start_one(struct run *r);

static void on_result(void *arg, const struct nb_app_result *res)
{
    struct run *r = arg;
    r->res[r->rep->probes++] = *res;
    if (r->started < r->o->count) {
        /* a one-shot timer that fired keeps its expiry, not its delay: set it again */
        ev_timer_set(&r->next, r->o->interval_ms / 1000.0, 0.);
        ev_timer_start(r->loop, &r->next);
    }
    else
        ev_break(r->loop, EVBREAK_ALL);
}

static void on_next(struct ev_loop *loop, ev_timer *w, int revents)
{
    start_one(w->data);
}

static void start_one(struct run *r)
{
    r->started++;
    nb_app_probe_start(r->loop, r->resolv, r->o->t, on_result, r);
}

/* Phase figures, reasons, and the server's own time over the results. */
static void summarise(struct run *r)
{
    struct nb_appdiag_report *rep = r->rep;
    size_t n = rep->probes;
    int64_t *v = nb_calloc(n, sizeof(int64_t));
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
    /* The backend's own time: request sent -> first byte is one network
     * round trip plus the server's work; the SYN's round trip, measured by
     * the kernel on the same connection moments before, stands for the
     * former. Not clamped: noise of a few us either way is what was measured. */
    k = 0;
    for (size_t i = 0; i < n; i++)
        if (r->res[i].have[NB_PH_FIRST_BYTE] && r->res[i].have_syn_rtt)
            v[k++] = r->res[i].t[NB_PH_FIRST_BYTE] - r->res[i].syn_rtt;
    nb_summarise(v, k, &rep->server);
    free(v);
    for (size_t i = 0; i < n; i++) {
        const struct nb_app_result *res = &r->res[i];
        rep->reasons[res->reason]++;
        if (res->reason == NB_APP_OK)
            rep->ok++;
        else
            snprintf(rep->last_detail, sizeof(rep->last_detail), "%s", res->detail);
        if (res->status)
            rep->last_status = res->status;
        rep->syn_retrans += res->syn_retrans;
        if (res->reason == NB_APP_TIMEOUT && res->have[NB_PH_CONNECT])
            rep->timeout_established++;
    }
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
    if (nb_agent_fetch_sightings(addr, port, session, since, REMOTE_SIGHTINGS_MAX,
                                 NB_AGENT_TIMEOUT_MS, &f, err, sizeof(err)) < 0) {
        note(rep, "%s host agent: %s: its segments are unknown", local ? "local" : "server's",
             err);
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

/* The server's host agent, if a netblame reflector at its address says. */
static bool learn_server_agent(struct run *r, struct in_addr server, char *addr, size_t addrlen,
                               uint16_t *port)
{
    const struct nb_appdiag_opts *o = r->o;
    struct nb_sender_cfg sc = {0};
    struct sockaddr_in *sin = (struct sockaddr_in *)&sc.peer;
    sin->sin_family = AF_INET;
    sin->sin_addr = server;
    sin->sin_port = htons(o->stamp_port ? o->stamp_port : NB_STAMP_PORT);
    sc.peerlen = sizeof(*sin);
    sc.mode = o->mode;
    sc.key = o->key;
    sc.ssid = o->ssid;
    sc.timeout = (nb_ns)HELLO_TIMEOUT_MS * 1000000;
    sc.id_nonce = (uint32_t)nb_mono_now();
    return nb_diag_learn_agent(r->loop, &sc, HELLO_TIMEOUT_MS, addr, addrlen, port);
}

static void decompose(struct run *r, uint64_t local_since, bool local_cursor)
{
    const struct nb_appdiag_opts *o = r->o;
    struct nb_appdiag_report *rep = r->rep;
    size_t n = 0;
    struct nb_handshake *h = nb_calloc(rep->probes, sizeof(*h));
    uint32_t session = 0;
    struct in_addr server = {0};
    for (size_t i = 0; i < rep->probes; i++) {
        const struct nb_app_result *res = &r->res[i];
        if (!sightable(res)) {
            if (res->have[NB_PH_CONNECT] && !res->port_reserved)
                rep->unsighted++;
            continue;
        }
        uint32_t s = ntohl(res->local_addr.s_addr);
        if (n == 0) {
            session = s;
            server = res->addr;
        } else if (s != session) {
            continue; /* another source address: another session, rare (a route change) */
        }
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
    char addr[NB_ADDRSTRLEN];
    uint16_t port;
    if (learn_server_agent(r, server, addr, sizeof(addr), &port)) {
        snprintf(rep->remote_agent, sizeof(rep->remote_agent), "%s:%u", addr, port);
        fetch_and_tally(r, h, t, n, session, addr, port, 0, 0);
    } else {
        char s[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &server, s, sizeof(s));
        note(rep, "no netblame reflector at %s announced the server's host agent: the "
                  "server-side segments are unknown", s);
    }
    rep->decomposed = rep->local_ok || rep->remote_ok;
    if (rep->decomposed)
        nb_handshake_waterfall(h, t, n, &rep->wf);
    free(t);
    free(h);
}

int nb_appdiag_run(struct ev_loop *loop, const struct nb_appdiag_opts *o,
                   struct nb_appdiag_report *rep, char *err, size_t errlen)
{
    memset(rep, 0, sizeof(*rep));
    snprintf(rep->target, sizeof(rep->target), "%s", o->url);
    struct run r = {.loop = loop, .o = o, .rep = rep};
    r.resolv = nb_resolv_new(loop, 1000, 2, err, errlen);
    if (!r.resolv)
        return -1;
    r.res = nb_calloc(o->count, sizeof(*r.res));
    /* the local agent's cursor now: its sightings from here on are this burst's */
    uint64_t since = 0;
    bool cursor = false;
    if (o->local_agent[0] && o->t->ports) {
        struct nb_fetch f;
        char e[256];
        if (nb_agent_fetch_sightings(o->local_agent, o->local_agent_port, 0, UINT64_MAX, 0,
                                     NB_AGENT_TIMEOUT_MS, &f, e, sizeof(e)) == 0) {
            since = f.next;
            cursor = true;
            free(f.s);
        } else {
            note(rep, "local host agent: %s: the local segments are unknown", e);
        }
    }
    ev_timer_init(&r.next, on_next, o->interval_ms / 1000.0, 0.);
    r.next.data = &r;
    rep->start = nb_realtime_now();
    start_one(&r);
    ev_run(loop, 0);
    rep->end = nb_realtime_now();
    ev_timer_stop(loop, &r.next);
    nb_resolv_free(r.resolv);
    summarise(&r);
    if (o->t->ports)
        decompose(&r, since, cursor);
    free(r.res);
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
    fprintf(out, "  (syn rtt: the kernel's SYN round trip; server: first_byte minus it)\n");
    fprintf(out, "\n  results:");
    for (int i = 0; i < NB_APP__COUNT; i++)
        if (rep->reasons[i])
            fprintf(out, " %s %u", nb_app_reason_name((enum nb_app_reason)i), rep->reasons[i]);
    fprintf(out, "\n");
    if (rep->last_detail[0])
        fprintf(out, "  last failure: %s\n", rep->last_detail);
    if (rep->syn_retrans)
        fprintf(out, "  SYN retransmissions: %u\n", rep->syn_retrans);
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
    if (rep->last_status)
        cJSON_AddNumberToObject(app, "last_status", rep->last_status);
    if (rep->last_detail[0])
        cJSON_AddStringToObject(app, "last_failure", rep->last_detail);
    cJSON *hs = cJSON_AddObjectToObject(app, "handshake");
    cJSON_AddNumberToObject(hs, "probes", (double)rep->wf.probes);
    cJSON_AddNumberToObject(hs, "lost", (double)rep->wf.lost);
    cJSON_AddNumberToObject(hs, "lost_unlocated", (double)rep->wf.lost_unlocated);
    cJSON_AddNumberToObject(hs, "unsighted", rep->unsighted);
    cJSON_AddItemToObject(hs, "host_agents",
                          nb_host_agents_json(rep->local_agent, rep->remote_agent, rep->local_ok,
                                              rep->remote_ok, rep->sightings_missed));
    return root;
}
