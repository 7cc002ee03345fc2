/* test_verdict.c — the classifier's rules on handcrafted windows, one table
 * row per fault kind and place (DESIGN §7's benchmark, in miniature): each
 * window → expected layer, side, interface, confidence range, inconclusive
 * reason. Then the properties a user relies on: a cross-check that disagrees
 * lowers confidence, corroboration raises it, counters alone stay low, two
 * faults give two findings, the same input gives the same bytes, and a
 * baseline learnt from healthy windows tightens the thresholds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/verdict.h"

#define US 1e3
#define MS 1e6

enum {
    LV = NB_SEG_LOCAL_VIRTUAL,
    LS = NB_SEG_LOCAL_SWITCH,
    PHY = NB_SEG_PHYSICAL,
    RS = NB_SEG_REMOTE_SWITCH,
    RV = NB_SEG_REMOTE_VIRTUAL,
    RA = NB_SEG_REMOTE_APP
};

/* Idle segment p50s of a healthy machine (ns). */
static const double idle[NB_SEG__COUNT] = {40 * US, 8 * US, 60 * US, 8 * US, 42 * US, 15 * US};

static void set_seg(struct nb_waterfall *w, int s, double p50)
{
    w->seg[s].p50 = p50;
    w->seg[s].p90 = p50 * 1.2;
    w->seg[s].p99 = p50 * 1.6;
}

static void fill_waterfall(struct nb_waterfall *w, size_t n)
{
    memset(w, 0, sizeof(*w));
    w->probes = w->answered = n;
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        w->seg[s].known = n;
        set_seg(w, s, idle[s]);
    }
}

static void add_link(struct nb_cls_input *in, enum nb_side side, const char *host,
                     const char *ifname, enum nb_if_role role)
{
    struct nb_cls_link *l = &in->links[in->nlinks++];
    memset(l, 0, sizeof(*l));
    l->side = side;
    snprintf(l->host, sizeof(l->host), "%s", host);
    snprintf(l->ifname, sizeof(l->ifname), "%s", ifname);
    l->role = role;
    l->up = l->carrier = true;
}

static struct nb_cls_link *link_named(struct nb_cls_input *in, const char *ifname)
{
    for (size_t i = 0; i < in->nlinks; i++)
        if (strcmp(in->links[i].ifname, ifname) == 0)
            return &in->links[i];
    fail_msg("no link %s", ifname);
    return NULL;
}

/* A healthy window of N path probes seen at every point, both hosts' links listed. */
static void healthy(struct nb_cls_input *in, size_t n)
{
    memset(in, 0, sizeof(*in));
    snprintf(in->target, sizeof(in->target), "%s", "gB");
    in->start = 1700000000LL * NB_NS_PER_SEC;
    in->end = in->start + 2 * NB_NS_PER_SEC;
    snprintf(in->local_host, sizeof(in->local_host), "%s", "hA");
    snprintf(in->remote_host, sizeof(in->remote_host), "%s", "hB");
    struct nb_cls_path *p = &in->path;
    p->present = p->local_agent = p->remote_agent = p->remote_agent_known = true;
    p->reflector = NB_REFL_NETBLAME;
    p->rtt = (struct nb_cls_rtt){true, 180 * US, 230 * US, 300 * US, 0, 0};
    fill_waterfall(&p->wf, n);
    add_link(in, NB_SIDE_LOCAL, "hA", "vnetA", NB_IF_TAP);
    add_link(in, NB_SIDE_LOCAL, "hA", "nicA", NB_IF_NIC);
    add_link(in, NB_SIDE_REMOTE, "hB", "nicB", NB_IF_NIC);
    add_link(in, NB_SIDE_REMOTE, "hB", "vnetB", NB_IF_TAP);
}

static void slow(struct nb_cls_input *in, int s, double p50)
{
    set_seg(&in->path.wf, s, p50);
    in->path.rtt.p50 += p50 - idle[s];
}

/* K probes lost in segment S alone (located there by the sightings). */
static void lose(struct nb_waterfall *w, int s, size_t k)
{
    w->lost += k;
    w->answered -= k;
    for (int i = 0; i < NB_SEG__COUNT; i++)
        w->seg[i].known -= k;
    w->seg[s].lost += (unsigned)k;
}

/* The remote host agent did not answer: its segments are unknown. */
static void no_remote_agent(struct nb_cls_input *in)
{
    in->path.remote_agent = false;
    for (int s = PHY; s <= RV; s++)
        in->path.wf.seg[s].known = 0;
}

static void app_only(struct nb_cls_input *in, uint64_t probes)
{
    memset(in, 0, sizeof(*in));
    snprintf(in->target, sizeof(in->target), "%s", "http://api.example:8080/health");
    in->start = 1700000000LL * NB_NS_PER_SEC;
    in->end = in->start + NB_NS_PER_SEC;
    in->app.present = true;
    in->app.probes = probes;
    in->app.ok = probes;
    in->app.have_connect = in->app.have_server = true;
    in->app.connect_p50 = 250 * US;
    in->app.server_p50 = 3 * MS;
}

static void app_fail(struct nb_cls_input *in, enum nb_app_fail f, uint64_t k)
{
    in->app.fail[f] += k;
    in->app.ok -= k;
}

/* ---- the table ---- */

static void c_healthy(struct nb_cls_input *in)
{
    healthy(in, 100);
}
static void c_idle_noise(struct nb_cls_input *in)
{
    /* µs jitter of an idle machine: p99 of a few hundred µs, no baseline. */
    healthy(in, 200);
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        in->path.wf.seg[s].p50 = idle[s] * 1.5;
        in->path.wf.seg[s].p99 = 700 * US;
    }
    lose(&in->path.wf, LV, 1); /* one stray loss is no claim */
}
static void c_local_virtual_delay(struct nb_cls_input *in)
{
    healthy(in, 100);
    slow(in, LV, 5 * MS);
}
static void c_local_virtual_stalls(struct nb_cls_input *in)
{
    /* a vhost thread starved 40 ms of every 100: most probes pass, the tail waits */
    healthy(in, 100);
    in->path.wf.seg[LV].p90 = 30 * MS;
    in->path.wf.seg[LV].p99 = 39 * MS;
}
static void c_tail_noise(struct nb_cls_input *in)
{
    /* a busy machine or a real virtio path: p50 250 us, p90 1.15 ms, p99 4
     * ms on every segment at once. A long healthy tail is no stall: without
     * history only a p90 over the 5 ms stall floor is. */
    healthy(in, 100);
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        in->path.wf.seg[s].p50 = 250 * US;
        in->path.wf.seg[s].p90 = 1.15 * MS;
        in->path.wf.seg[s].p99 = 4 * MS;
    }
}
static void c_physical_delay(struct nb_cls_input *in)
{
    healthy(in, 100);
    slow(in, PHY, 20.4 * MS);
}
static void c_remote_virtual_delay(struct nb_cls_input *in)
{
    healthy(in, 100);
    slow(in, RV, 8 * MS);
}
static void c_reflector_hold(struct nb_cls_input *in)
{
    healthy(in, 100);
    slow(in, RA, 30 * MS);
}
static void c_bridge_drops(struct nb_cls_input *in)
{
    healthy(in, 100);
    lose(&in->path.wf, LS, 18);
    link_named(in, "vnetA")->tx_dropped = 912;
}
static void c_mtu_black_hole(struct nb_cls_input *in)
{
    healthy(in, 100);
    lose(&in->path.wf, PHY, 100); /* every (full-size) probe left nicA, none reached nicB */
    in->path.rtt.known = false;
}
static void c_mtu_partial(struct nb_cls_input *in)
{
    healthy(in, 100);
    lose(&in->path.wf, PHY, 25); /* one probe in four is full size */
}
static void c_local_nic_down(struct nb_cls_input *in)
{
    healthy(in, 100);
    lose(&in->path.wf, LS, 100); /* seen on vnetA, never left by nicA */
    in->path.rtt.known = false;
    struct nb_cls_link *l = link_named(in, "nicA");
    l->carrier = false;
    l->carrier_changes = 1;
}
static void c_remote_nic_down(struct nb_cls_input *in)
{
    healthy(in, 100);
    lose(&in->path.wf, PHY, 60);
    link_named(in, "nicB")->up = false;
}
static void c_nxdomain(struct nb_cls_input *in)
{
    app_only(in, 10);
    app_fail(in, NB_AF_NXDOMAIN, 10);
    in->app.have_connect = in->app.have_server = false;
}
static void c_servfail(struct nb_cls_input *in)
{
    app_only(in, 10);
    app_fail(in, NB_AF_SERVFAIL, 7);
}
static void c_refused(struct nb_cls_input *in)
{
    healthy(in, 100);
    struct nb_cls_input a;
    app_only(&a, 10);
    in->app = a.app;
    app_fail(in, NB_AF_REFUSED, 10);
}
static void c_refused_syn_retrans(struct nb_cls_input *in)
{
    /* refused after retransmitted SYNs (the SYN met the server's TIME_WAIT)
     * while the path probes to the same server lose nothing: the server's */
    c_refused(in);
    in->app.retrans = in->app.syn_retrans = 10;
}
static void c_syn_retrans_unmeasured(struct nb_cls_input *in)
{
    /* the same without path probes: retransmissions nothing locates */
    c_refused_syn_retrans(in);
    in->path.present = false;
}
static void c_reset(struct nb_cls_input *in)
{
    healthy(in, 100);
    struct nb_cls_input a;
    app_only(&a, 20);
    in->app = a.app;
    app_fail(in, NB_AF_RESET, 6);
}
static void c_http_503(struct nb_cls_input *in)
{
    app_only(in, 10);
    app_fail(in, NB_AF_HTTP_STATUS, 9);
    in->app.http_status = 503;
}
static void c_slow_server(struct nb_cls_input *in)
{
    healthy(in, 100);
    struct nb_cls_input a;
    app_only(&a, 10);
    in->app = a.app;
    in->app.server_p50 = 600 * MS;
}
static void c_server_hangs(struct nb_cls_input *in)
{
    app_only(in, 10);
    app_fail(in, NB_AF_TIMEOUT, 8);
    in->app.timeout_established = 8;
}
static void c_connect_timeouts_follow_network(struct nb_cls_input *in)
{
    healthy(in, 100);
    lose(&in->path.wf, PHY, 40);
    struct nb_cls_input a;
    app_only(&a, 10);
    in->app = a.app;
    app_fail(in, NB_AF_TIMEOUT, 5); /* during connect */
}
static void c_two_faults(struct nb_cls_input *in)
{
    healthy(in, 100);
    slow(in, LV, 4 * MS);
    slow(in, PHY, 30 * MS);
}
static void c_too_few(struct nb_cls_input *in)
{
    healthy(in, 5);
    slow(in, PHY, 30 * MS);
}
static void c_unknown_segment(struct nb_cls_input *in)
{
    healthy(in, 100);
    no_remote_agent(in);
    in->path.rtt.p50 = 25 * MS; /* slow, and no measured segment is */
}
static void c_remote_unreachable_fabric_ok(struct nb_cls_input *in)
{
    healthy(in, 100);
    no_remote_agent(in);
    struct nb_waterfall *w = &in->path.wf;
    w->answered = 0;
    w->lost = 100;
    for (int s = 0; s < NB_SEG__COUNT; s++)
        w->seg[s].known = 0;
    for (int s = PHY; s <= RA; s++)
        w->seg[s].lost_shared = 100;
    in->path.rtt.known = false;
    in->fabric = (struct nb_cls_family){
        .present = true, .probes = 100, .lost = 0, .rtt = {true, 70 * US, 90 * US, 120 * US, 0, 0}};
}
static void c_remote_unreachable_tap_drops(struct nb_cls_input *in)
{
    c_remote_unreachable_fabric_ok(in);
    link_named(in, "vnetB")->tx_dropped = 4000;
}
static void c_plain_reflector_loss(struct nb_cls_input *in)
{
    healthy(in, 100);
    no_remote_agent(in);
    in->path.remote_agent_known = false;
    in->path.reflector = NB_REFL_STAMP;
    for (int s = PHY; s <= RA; s++)
        in->path.wf.seg[s].lost_shared = 30;
    in->path.wf.lost = 30;
    in->path.wf.answered = 70;
    for (int s = 0; s < NB_SEG__COUNT; s++)
        if (in->path.wf.seg[s].known)
            in->path.wf.seg[s].known = 70;
}
static void c_nic_flap_only(struct nb_cls_input *in)
{
    healthy(in, 100);
    link_named(in, "nicB")->carrier_changes = 2;
}
static void c_vnet_loss(struct nb_cls_input *in)
{
    memset(in, 0, sizeof(*in));
    snprintf(in->target, sizeof(in->target), "%s", "gB");
    snprintf(in->local_host, sizeof(in->local_host), "%s", "hA");
    in->vnet = (struct nb_cls_family){
        .present = true, .probes = 100, .lost = 30, .rtt = {true, 90 * US, 120 * US, 200 * US, 0, 0}};
}
static void c_handshake_split(struct nb_cls_input *in)
{
    app_only(in, 20);
    in->app.have_handshake = in->app.hs_local_agent = in->app.hs_remote_agent = true;
    fill_waterfall(&in->app.handshake, 20);
    in->app.handshake.seg[RA].known = 0; /* a handshake has no app part */
    set_seg(&in->app.handshake, RV, 12 * MS);
    in->app.connect_p50 = 12.3 * MS;
}
static void c_resolver_silent(struct nb_cls_input *in)
{
    app_only(in, 10);
    app_fail(in, NB_AF_DNS_TIMEOUT, 10);
}

/* A resolver that answers every lookup after 1.5 s; the backend is fast. */
static void c_resolver_slow(struct nb_cls_input *in)
{
    app_only(in, 10);
    in->app.have_resolve = true;
    in->app.resolved = 10;
    in->app.resolve_p50 = 1502.8 * MS;
    in->app.resolve_p25 = 1501 * MS;
}
/* The path loses a fifth of its probes on the wire; the backend is fast,
 * but TCP retransmissions delayed the first byte of half the probes. The
 * agent left the retransmitting ones out of the server time; the rest
 * still has a few hidden (server-side) retransmissions in its p50. */
static void c_loss_fast_backend(struct nb_cls_input *in)
{
    healthy(in, 100);
    lose(&in->path.wf, PHY, 20);
    struct nb_cls_input a;
    app_only(&a, 20);
    in->app = a.app;
    in->app.retrans = 4;
    in->app.server_n = 16;
    in->app.server_p50 = 210 * MS;
    in->app.server_p25 = 0.9 * MS;
}
/* The same lossy wire, and a backend that takes 400 ms: two faults. */
static void c_loss_slow_backend(struct nb_cls_input *in)
{
    c_loss_fast_backend(in);
    in->app.server_p50 = 600 * MS;
    in->app.server_p25 = 401 * MS;
}
/* Retransmissions in many app probes while the path probes to the same
 * server lost nothing: not the network's loss. */
static void c_retrans_unlocated(struct nb_cls_input *in)
{
    healthy(in, 100);
    struct nb_cls_input a;
    app_only(&a, 20);
    in->app = a.app;
    in->app.retrans = 9;
    in->app.syn_retrans = 3;
    in->app.server_n = 11;
}
/* Every full-size probe lost on the wire, every small one answered. */
static void c_mtu_sized(struct nb_cls_input *in)
{
    c_mtu_partial(in);
    in->path.full_probes = 25;
    in->path.full_lost = 25;
}
/* An HTTP 503 while the wire loses: the answer is the backend's anyway. */
static void c_loss_and_503(struct nb_cls_input *in)
{
    healthy(in, 100);
    lose(&in->path.wf, PHY, 20);
    struct nb_cls_input a;
    app_only(&a, 10);
    in->app = a.app;
    app_fail(in, NB_AF_HTTP_STATUS, 10);
    in->app.http_status = 503;
}

struct tcase {
    const char *name;
    void (*build)(struct nb_cls_input *in);
    enum nb_layer layer;
    enum nb_side side;
    const char *ifname; /* NULL: not checked */
    double cmin, cmax;
    const char *text; /* in the reason (inconclusive), else in a summary or evidence */
};

static const struct tcase cases[] = {
    {"healthy", c_healthy, NB_LAYER_HEALTHY, NB_SIDE_NONE, "", 0.7, 0.95, "no baseline yet"},
    {"idle noise", c_idle_noise, NB_LAYER_HEALTHY, NB_SIDE_NONE, "", 0.7, 0.95, NULL},
    {"local virtual stalls (tail only)", c_local_virtual_stalls, NB_LAYER_VIRTUAL, NB_SIDE_LOCAL,
     "vnetA", 0.5, 1.0, "intermittent"},
    {"long healthy tail, no baseline", c_tail_noise, NB_LAYER_HEALTHY, NB_SIDE_NONE, "", 0.5,
     1.0, "within its threshold"},
    {"local virtual delay", c_local_virtual_delay, NB_LAYER_VIRTUAL, NB_SIDE_LOCAL, "vnetA", 0.6,
     0.95, "local_virtual segment p50 5.00 ms"},
    {"physical delay", c_physical_delay, NB_LAYER_PHYSICAL, NB_SIDE_NONE, "", 0.7, 0.95,
     "physical segment p50 20.4 ms"},
    {"remote virtual delay", c_remote_virtual_delay, NB_LAYER_VIRTUAL, NB_SIDE_REMOTE, "vnetB", 0.6,
     0.95, "remote_virtual"},
    {"reflector hold", c_reflector_hold, NB_LAYER_APP, NB_SIDE_REMOTE, "", 0.6, 0.95,
     "remote_app segment p50 30.0 ms"},
    {"bridge drops", c_bridge_drops, NB_LAYER_VIRTUAL, NB_SIDE_LOCAL, "vnetA", 0.9, 1.0,
     "localised between HA.tap and HA.nic (local host bridge); vnetA tx_dropped +912"},
    {"MTU black hole", c_mtu_black_hole, NB_LAYER_PHYSICAL, NB_SIDE_NONE, "", 0.8, 1.0,
     "loss 100%"},
    {"MTU black hole, partial", c_mtu_partial, NB_LAYER_PHYSICAL, NB_SIDE_NONE, "", 0.7, 1.0,
     "loss 25%"},
    {"local NIC down", c_local_nic_down, NB_LAYER_PHYSICAL, NB_SIDE_LOCAL, "nicA", 0.9, 1.0,
     "NIC nicA is without carrier"},
    {"remote NIC down", c_remote_nic_down, NB_LAYER_PHYSICAL, NB_SIDE_REMOTE, "nicB", 0.9, 1.0,
     "nicB down"},
    {"nxdomain", c_nxdomain, NB_LAYER_APP, NB_SIDE_REMOTE, "", 0.6, 1.0, "nxdomain 10"},
    {"servfail", c_servfail, NB_LAYER_APP, NB_SIDE_REMOTE, "", 0.5, 1.0, "servfail 7"},
    {"refused", c_refused, NB_LAYER_APP, NB_SIDE_REMOTE, "", 0.6, 1.0, "refused 10"},
    {"refused after SYN retransmissions, path healthy", c_refused_syn_retrans, NB_LAYER_APP,
     NB_SIDE_REMOTE, "", 0.6, 1.0, "not the network's loss"},
    {"SYN retransmissions, network unmeasured", c_syn_retrans_unmeasured, NB_LAYER_INCONCLUSIVE,
     NB_SIDE_NONE, "", 0, 0, "no measured segment locates where"},
    {"reset", c_reset, NB_LAYER_APP, NB_SIDE_REMOTE, "", 0.5, 1.0, "reset 6"},
    {"http 503", c_http_503, NB_LAYER_APP, NB_SIDE_REMOTE, "", 0.6, 1.0, "HTTP 503"},
    {"slow server", c_slow_server, NB_LAYER_APP, NB_SIDE_REMOTE, "", 0.5, 1.0,
     "server time of gB p50 600.0 ms, above the 200.0 ms floor"},
    {"server hangs", c_server_hangs, NB_LAYER_APP, NB_SIDE_REMOTE, "", 0.6, 1.0,
     "did not answer in time"},
    {"connect timeouts follow the network", c_connect_timeouts_follow_network, NB_LAYER_PHYSICAL,
     NB_SIDE_NONE, "", 0.7, 1.0, "consistent with the network finding"},
    {"two faults", c_two_faults, NB_LAYER_PHYSICAL, NB_SIDE_NONE, "", 0.7, 1.0, NULL},
    {"too few samples", c_too_few, NB_LAYER_INCONCLUSIVE, NB_SIDE_NONE, "", 0, 0,
     "only 5 path probes in the window (need 10)"},
    {"blamed segment unknown", c_unknown_segment, NB_LAYER_INCONCLUSIVE, NB_SIDE_NONE, "", 0, 0,
     "HB.* (remote host agent did not answer)"},
    {"remote agent unreachable, fabric healthy", c_remote_unreachable_fabric_ok,
     NB_LAYER_INCONCLUSIVE, NB_SIDE_NONE, "", 0, 0,
     "could be remote_switch, remote_virtual, remote_app"},
    /* counters single out a team among several (x0.5): under attribute_min */
    {"remote agent unreachable, remote tap drops", c_remote_unreachable_tap_drops,
     NB_LAYER_INCONCLUSIVE, NB_SIDE_NONE, "", 0, 0, "link counters point at virtual"},
    {"plain reflector, shared loss", c_plain_reflector_loss, NB_LAYER_INCONCLUSIVE, NB_SIDE_NONE,
     "", 0, 0, "plain STAMP reflector"},
    {"NIC flap, no anomaly", c_nic_flap_only, NB_LAYER_INCONCLUSIVE, NB_SIDE_NONE, "", 0, 0,
     "too weak to name a layer (physical/remote 0.20, needs 0.50)"},
    {"vnet loss", c_vnet_loss, NB_LAYER_VIRTUAL, NB_SIDE_LOCAL, "", 0.7, 1.0,
     "vnet probes (guest <-> its host agent): lost 30 of 100"},
    {"handshake split", c_handshake_split, NB_LAYER_VIRTUAL, NB_SIDE_REMOTE, "", 0.5, 1.0,
     "connect: remote_virtual segment p50 12.0 ms"},
    {"resolver silent", c_resolver_silent, NB_LAYER_INCONCLUSIVE, NB_SIDE_NONE, "", 0, 0,
     "the resolver failed 10 of 10 lookups"},
    {"resolver slow", c_resolver_slow, NB_LAYER_APP, NB_SIDE_NONE, "", 0.5, 1.0,
     "DNS: resolving the name of http://api.example:8080/health took p50 1.50 s, above the "
     "200.0 ms floor (no baseline) over 10 lookups"},
    {"wire loss, fast backend", c_loss_fast_backend, NB_LAYER_PHYSICAL, NB_SIDE_NONE, "", 0.7, 1.0,
     "not blamed on the app while the network is not healthy (its lower quartile"},
    {"wire loss and slow backend", c_loss_slow_backend, NB_LAYER_PHYSICAL, NB_SIDE_NONE, "", 0.7,
     1.0,
     "p25 401.0 ms, above the 200.0 ms floor (no baseline) over 16 probes without "
     "retransmissions"},
    /* 100 path probes to the same server lost nothing: 9 retransmitting
     * probes are not the network's loss (evidence, the server's side) */
    {"retransmissions the lossless path rules out", c_retrans_unlocated, NB_LAYER_HEALTHY,
     NB_SIDE_NONE, "", 0.5, 1.0,
     "TCP retransmitted in 9 of 20 app probes to gB (the SYN in 3), while 100 of 100 path probes "
     "to the same server crossed: not the network's loss"},
    {"MTU black hole, by size", c_mtu_sized, NB_LAYER_PHYSICAL, NB_SIDE_NONE, "", 0.7, 1.0,
     "localised between HA.nic and HB.nic (NICs, links, fabric); MTU black hole: 25 of 25 "
     "full-size probes lost, 0 of 75 small"},
    {"wire loss and HTTP 503", c_loss_and_503, NB_LAYER_PHYSICAL, NB_SIDE_NONE, "", 0.7, 1.0,
     "HTTP 503"},
};

static bool verdict_mentions(const struct nb_verdict *v, const char *text)
{
    if (strstr(v->reason, text))
        return true;
    for (size_t i = 0; i < v->nfindings; i++)
        if (strstr(v->findings[i].summary, text))
            return true;
    for (size_t i = 0; i < v->nevidence; i++)
        if (strstr(v->evidence[i], text))
            return true;
    return false;
}

/* What the classifier said, for a failing case (this test links the
 * classifier alone: no JSON). */
static void dump(const struct tcase *c, const struct nb_verdict *v)
{
    fprintf(stderr, "case '%s': layer %s, side %d, confidence %.3f, reason '%s'\n", c->name,
            nb_layer_name(v->layer), (int)v->where.side, v->confidence, v->reason);
    for (size_t i = 0; i < v->nfindings; i++)
        fprintf(stderr, "  finding %s (%.3f): %s\n", nb_layer_name(v->findings[i].layer),
                v->findings[i].confidence, v->findings[i].summary);
    for (size_t i = 0; i < v->nevidence; i++)
        fprintf(stderr, "  evidence: %s\n", v->evidence[i]);
}

static void test_table(void **state)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct tcase *c = &cases[i];
        struct nb_cls_input in;
        struct nb_verdict v;
        c->build(&in);
        nb_classify(&in, NULL, NULL, &v);
        bool ok = v.layer == c->layer && v.where.side == c->side &&
                  (!c->ifname || strcmp(v.where.ifname, c->ifname) == 0) &&
                  v.confidence >= c->cmin - 1e-9 && v.confidence <= c->cmax + 1e-9 &&
                  (!c->text || verdict_mentions(&v, c->text)) &&
                  (c->layer == NB_LAYER_INCONCLUSIVE) == (v.reason[0] != '\0');
        if (!ok || getenv("NB_VERDICT_DUMP")) /* NB_VERDICT_DUMP=1: read every verdict */
            dump(c, &v);
        assert_true(ok);
        assert_true(v.confidence >= 0.0 && v.confidence <= 1.0);
        for (size_t k = 0; k < v.nfindings; k++)
            assert_true(v.findings[k].confidence >= 0.0 && v.findings[k].confidence <= 1.0);
    }
}

static void classify(void (*build)(struct nb_cls_input *), struct nb_verdict *v)
{
    struct nb_cls_input in;
    build(&in);
    nb_classify(&in, NULL, NULL, v);
}

static void test_two_faults_give_two_findings(void **state)
{
    struct nb_verdict v;
    classify(c_two_faults, &v);
    assert_int_equal(v.nfindings, 2);
    assert_int_equal(v.findings[0].layer, NB_LAYER_PHYSICAL);
    assert_int_equal(v.findings[0].segment, PHY);
    assert_int_equal(v.findings[1].layer, NB_LAYER_VIRTUAL);
    assert_int_equal(v.findings[1].where.side, NB_SIDE_LOCAL);
    assert_int_equal(v.findings[1].segment, LV);
    assert_true(v.findings[0].confidence >= v.findings[1].confidence);
    assert_true(v.findings[1].confidence >= 0.5);
    assert_true(v.seg[LV].anomalous && v.seg[PHY].anomalous && !v.seg[LS].anomalous);
}

/* Is there a finding of LAYER and SIDE among V's whose summary has TEXT
 * (NULL: any) and whose confidence is at least MIN? */
static bool has_finding(const struct nb_verdict *v, enum nb_layer layer, enum nb_side side,
                        const char *text, double min)
{
    for (size_t i = 0; i < v->nfindings; i++)
        if (v->findings[i].layer == layer && v->findings[i].where.side == side &&
            (!text || strstr(v->findings[i].summary, text)) && v->findings[i].confidence >= min)
            return true;
    return false;
}

/* Network and app faults at once: two findings, each with its own figures. */
static void test_network_and_app_give_two_findings(void **state)
{
    struct nb_verdict v;
    classify(c_loss_slow_backend, &v);
    assert_int_equal(v.nfindings, 2);
    assert_true(has_finding(&v, NB_LAYER_PHYSICAL, NB_SIDE_NONE, NULL, 0));
    assert_true(has_finding(&v, NB_LAYER_APP, NB_SIDE_REMOTE,
                            "slower than the network finding explains", 0.5));

    classify(c_loss_and_503, &v); /* an answer is the backend's whatever the network */
    assert_int_equal(v.nfindings, 2);
    assert_true(has_finding(&v, NB_LAYER_APP, NB_SIDE_REMOTE, NULL, 0));

    classify(c_loss_fast_backend, &v); /* retransmissions are network time */
    assert_int_equal(v.nfindings, 1);
    assert_false(has_finding(&v, NB_LAYER_APP, NB_SIDE_REMOTE, NULL, 0));
    assert_true(verdict_mentions(&v, "TCP retransmitted in 4 of 20 app probes"));
    assert_true(verdict_mentions(&v, "consistent with the network finding"));

    /* The same server figures on a healthy network: the p50 rule, the app's
     * finding (5 % over the 200 ms floor without a baseline: too weak to
     * name the layer, so the verdict stays inconclusive naming it). */
    struct nb_cls_input in;
    c_loss_fast_backend(&in);
    fill_waterfall(&in.path.wf, 100);
    in.app.retrans = 0;
    nb_classify(&in, NULL, NULL, &v);
    assert_true(has_finding(&v, NB_LAYER_APP, NB_SIDE_REMOTE, "server time of gB p50 210.0 ms", 0));
    assert_int_equal(v.layer, v.findings[0].confidence >= 0.5 ? NB_LAYER_APP
                                                                : NB_LAYER_INCONCLUSIVE);
}

/* A slow resolver is its own finding: DNS, no side, beside a slow backend;
 * against a learnt baseline (app.resolve) a smaller rise counts; while the
 * network loses, a lookup slow only by retried queries is not DNS's. */
static void test_slow_resolver(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict v;
    c_resolver_slow(&in);
    in.app.server_p50 = 600 * MS;
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.nfindings, 2);
    assert_true(has_finding(&v, NB_LAYER_APP, NB_SIDE_NONE, NULL, 0));
    assert_true(has_finding(&v, NB_LAYER_APP, NB_SIDE_REMOTE, NULL, 0));
    assert_string_equal(v.where.host, "");

    struct nb_baseline *b = calloc(1, sizeof(*b));
    assert_non_null(b);
    c_resolver_slow(&in);
    in.app.resolve_p50 = in.app.resolve_p25 = 1.2 * MS;
    for (int w = 0; w < 6; w++) {
        nb_classify(&in, b, NULL, &v);
        assert_int_equal(v.layer, NB_LAYER_HEALTHY);
        nb_baseline_learn(b, &in, NULL);
    }
    assert_int_equal(b->m[NB_BM_APP_RESOLVE].n, 6);
    assert_string_equal(nb_base_metric_name(NB_BM_APP_RESOLVE), "app.resolve");
    in.app.resolve_p50 = 60 * MS; /* under the 200 ms floor, far over 1.2 ms learnt */
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_HEALTHY);
    nb_classify(&in, b, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_APP);
    assert_int_equal(v.where.side, NB_SIDE_NONE);
    assert_true(verdict_mentions(&v, "p50 60.0 ms vs baseline 1.20 ms"));
    free(b);

    c_resolver_slow(&in); /* queries lost on a lossy path, retried after 1 s */
    struct nb_cls_input net;
    healthy(&net, 100);
    lose(&net.path.wf, PHY, 30);
    net.app = in.app;
    net.app.resolve_p25 = 2 * MS;
    nb_classify(&net, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_PHYSICAL);
    assert_false(has_finding(&v, NB_LAYER_APP, NB_SIDE_NONE, NULL, 0));
    assert_true(verdict_mentions(&v, "not blamed on DNS while the network is not healthy"));
    net.app.resolve_p25 = 1400 * MS; /* slow in most lookups: the resolver's after all */
    nb_classify(&net, NULL, NULL, &v);
    assert_true(has_finding(&v, NB_LAYER_APP, NB_SIDE_NONE, NULL, 0));
}

/* Loss of full-size probes only is named an MTU black hole, for each
 * family; loss of every size is not. */
static void test_full_size_loss(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict v;
    memset(&in, 0, sizeof(in));
    snprintf(in.target, sizeof(in.target), "%s", "hB");
    in.fabric = (struct nb_cls_family){.present = true,
                                       .probes = 100,
                                       .lost = 10,
                                       .rtt = {true, 70 * US, 90 * US, 120 * US, 0, 0},
                                       .full_probes = 10,
                                       .full_lost = 10};
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_PHYSICAL);
    assert_non_null(strstr(v.findings[0].summary, "MTU black hole: 10 of 10 full-size"));
    assert_true(verdict_mentions(&v, "fabric probes: MTU black hole"));

    in.fabric.lost = 30; /* small ones lost too: plain loss */
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_PHYSICAL);
    assert_false(verdict_mentions(&v, "MTU black hole"));

    /* the path's black hole against a fabric family healthy on its small
     * probes: it contradicts only if its own full-size probes passed */
    c_mtu_sized(&in);
    in.fabric = (struct nb_cls_family){.present = true,
                                       .probes = 20,
                                       .lost = 1,
                                       .rtt = {true, 70 * US, 90 * US, 120 * US, 0, 0},
                                       .full_probes = 2,
                                       .full_lost = 1};
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_PHYSICAL);
    assert_false(verdict_mentions(&v, "disagree"));
    assert_true(v.confidence >= 0.7);
    in.fabric.full_lost = 0;
    in.fabric.lost = 0;
    in.fabric.probes = 100;
    nb_classify(&in, NULL, NULL, &v);
    assert_true(verdict_mentions(&v, "disagree with the physical segment"));

    memset(&in, 0, sizeof(in));
    in.fabric = (struct nb_cls_family){.present = true,
                                       .probes = 100,
                                       .lost = 10,
                                       .rtt = {true, 70 * US, 90 * US, 120 * US, 0, 0},
                                       .full_probes = 10,
                                       .full_lost = 11};
    in.fabric.lost = 10; /* inconsistent counts say nothing */
    in.fabric.full_lost = 11;
    nb_classify(&in, NULL, NULL, &v);
    assert_false(verdict_mentions(&v, "MTU black hole"));
}

static void test_vnet_disagreeing_lowers_confidence(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict alone, crossed;
    c_local_virtual_delay(&in);
    nb_classify(&in, NULL, NULL, &alone);
    in.vnet = (struct nb_cls_family){
        .present = true, .probes = 100, .lost = 0, .rtt = {true, 80 * US, 100 * US, 150 * US, 0, 0}};
    nb_classify(&in, NULL, NULL, &crossed);
    /* halved below attribute_min: the finding stays, the layer is not named */
    assert_int_equal(alone.layer, NB_LAYER_VIRTUAL);
    assert_int_equal(crossed.layer, NB_LAYER_INCONCLUSIVE);
    assert_int_equal(crossed.findings[0].layer, NB_LAYER_VIRTUAL);
    assert_int_equal(crossed.findings[0].where.side, NB_SIDE_LOCAL);
    assert_true(crossed.findings[0].confidence <= alone.confidence * 0.5 + 1e-3);
    assert_non_null(strstr(crossed.reason, "too weak to name a layer (virtual/local"));
    assert_true(verdict_mentions(&crossed, "vnet probes (guest <-> host agent) saw the local "
                                           "virtual layer healthy"));
    /* A vnet family that agrees raises it instead. */
    in.vnet.rtt.p50 = 5.2 * MS;
    struct nb_verdict agreed;
    nb_classify(&in, NULL, NULL, &agreed);
    assert_true(agreed.confidence > alone.confidence);
    assert_true(verdict_mentions(&agreed, "vnet probes agree"));
    /* Below its own (whole round trip) threshold but as slow as the segment
     * says: consistent, so no contradiction and no penalty. */
    in.vnet.rtt.p50 = 4.8 * MS;
    struct nb_verdict consistent;
    nb_classify(&in, NULL, NULL, &consistent);
    assert_int_equal(consistent.layer, NB_LAYER_VIRTUAL);
    assert_true(consistent.confidence >= alone.confidence);
    assert_false(verdict_mentions(&consistent, "saw the local virtual layer healthy"));
}

static void test_fabric_disagreeing_lowers_confidence(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict alone, crossed;
    c_physical_delay(&in);
    nb_classify(&in, NULL, NULL, &alone);
    in.fabric = (struct nb_cls_family){
        .present = true, .probes = 100, .lost = 0, .rtt = {true, 70 * US, 90 * US, 120 * US, 0, 0}};
    nb_classify(&in, NULL, NULL, &crossed);
    assert_int_equal(alone.layer, NB_LAYER_PHYSICAL);
    assert_int_equal(crossed.findings[0].layer, NB_LAYER_PHYSICAL);
    assert_true(crossed.findings[0].confidence < alone.confidence);
    assert_int_equal(crossed.layer, crossed.findings[0].confidence >= 0.5 ? NB_LAYER_PHYSICAL
                                                                          : NB_LAYER_INCONCLUSIVE);
    assert_true(verdict_mentions(&crossed, "disagree with the physical segment"));
}

/* A loss claim is contradicted only by a family whose own loss is surely
 * lower: a short window of a few fabric probes that lost one is no
 * evidence against 20 % loss on the wire; a long clean one is. */
static void test_small_family_does_not_contradict_loss(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict v;
    healthy(&in, 100);
    lose(&in.path.wf, PHY, 20);
    in.fabric = (struct nb_cls_family){.present = true, .probes = 17, .lost = 1,
                                       .rtt = {true, 70 * US, 90 * US, 120 * US, 0, 0}};
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_PHYSICAL);
    assert_false(verdict_mentions(&v, "disagree"));
    in.fabric.probes = 400;
    in.fabric.lost = 0;
    nb_classify(&in, NULL, NULL, &v);
    assert_true(verdict_mentions(&v, "disagree with the physical segment"));
}

static void test_counters_corroborate(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict with, without;
    c_bridge_drops(&in);
    nb_classify(&in, NULL, NULL, &with);
    link_named(&in, "vnetA")->tx_dropped = 0;
    nb_classify(&in, NULL, NULL, &without);
    assert_int_equal(without.layer, NB_LAYER_VIRTUAL);
    assert_true(with.confidence > without.confidence);
}

static void test_unreachable_remote_never_physical(void **state)
{
    struct nb_verdict v;
    classify(c_remote_unreachable_fabric_ok, &v);
    assert_int_equal(v.layer, NB_LAYER_INCONCLUSIVE);
    for (size_t i = 0; i < v.nfindings; i++)
        assert_int_not_equal(v.findings[i].layer, NB_LAYER_PHYSICAL);
    assert_true(verdict_mentions(&v, "ruled out physical (fabric probes healthy)"));
    assert_non_null(strstr(v.reason, "HB.*"));
}

/* The classifier is a pure function: the same window gives the same verdict,
 * byte for byte (test_verdict_json.c shows its rendering is too). */
static void test_same_input_same_bytes(void **state)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct nb_cls_input in;
        struct nb_verdict a, b;
        cases[i].build(&in);
        nb_classify(&in, NULL, NULL, &a);
        nb_classify(&in, NULL, NULL, &b);
        assert_memory_equal(&a, &b, sizeof(a));
    }
}

static void test_baseline_learnt_from_healthy_windows(void **state)
{
    struct nb_baseline *b = malloc(sizeof(*b));
    struct nb_cls_input in;
    struct nb_verdict v;
    assert_non_null(b);
    nb_baseline_init(b);
    for (int w = 0; w < 8; w++) {
        healthy(&in, 100);
        in.path.wf.seg[LV].p50 = idle[LV] + w * 1000; /* 40..47 us */
        nb_classify(&in, b, NULL, &v);
        assert_int_equal(v.layer, NB_LAYER_HEALTHY);
        assert_true(nb_baseline_learn(b, &in, NULL) >= NB_SEG__COUNT);
    }
    assert_int_equal(b->m[NB_BM_PATH_SEG + LV].n, 8);
    assert_float_equal(b->m[NB_BM_PATH_SEG + LV].p50.median, 43.5 * US, 1e-6);
    assert_float_equal(b->m[NB_BM_PATH_SEG + LV].p50.mad, 2 * US, 1e-6);
    assert_float_equal(b->m[NB_BM_PATH_SEG + LV].p50.high, 46 * US, 1e-6); /* second-largest */
    assert_int_equal(b->m[NB_BM_PATH_SEG + LV].tail_n, 8); /* the p90s too: 1.2 x */
    assert_float_equal(b->m[NB_BM_PATH_SEG + LV].p90.median, 48 * US, 1e-6); /* idle: 1.2 x 40 */
    assert_int_equal(b->m[NB_BM_PATH_RTT].n, 8);
    assert_int_equal(b->m[NB_BM_VNET_RTT].n, 0);

    /* 600 us is under the 1 ms floor, but far over a 43.5 us baseline. */
    healthy(&in, 100);
    slow(&in, LV, 600 * US);
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_HEALTHY);
    nb_classify(&in, b, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_VIRTUAL);
    assert_int_equal(v.where.side, NB_SIDE_LOCAL);
    assert_true(v.seg[LV].have_baseline);
    assert_float_equal(v.seg[LV].limit, 43.5 * US + 200 * US, 1e-6); /* max(200us, 6 MAD) */
    /* and its p90 over the learnt p90s' median + max(1 ms, 6 MAD) */
    assert_float_equal(v.seg[LV].tail_limit, 48 * US + 1 * MS, 1e-6);
    assert_true(verdict_mentions(&v, "vs baseline 44 us"));
    /* Baseline-backed claims are not discounted: stronger than a floor-backed one. */
    assert_true(v.confidence > 0.7);

    /* The ring keeps the last NB_BASE_RING windows. */
    healthy(&in, 100);
    for (int w = 0; w < NB_BASE_RING + 8; w++)
        nb_baseline_learn(b, &in, NULL);
    assert_int_equal(b->m[NB_BM_PATH_SEG + LV].n, NB_BASE_RING);
    assert_float_equal(b->m[NB_BM_PATH_SEG + LV].p50.median, idle[LV], 1e-6);
    assert_float_equal(b->m[NB_BM_PATH_SEG + LV].p50.mad, 0, 1e-9);
    free(b);
}

static void test_young_baseline_ignored(void **state)
{
    struct nb_baseline *b = calloc(1, sizeof(*b));
    struct nb_cls_input in;
    struct nb_verdict v;
    assert_non_null(b);
    healthy(&in, 100);
    nb_baseline_learn(b, &in, NULL);
    nb_baseline_learn(b, &in, NULL); /* 2 windows < min_base_windows */
    slow(&in, LV, 600 * US);
    nb_classify(&in, b, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_HEALTHY);
    assert_false(v.seg[LV].have_baseline);
    free(b);
}

static void test_link_only_stays_low(void **state)
{
    struct nb_verdict v;
    classify(c_nic_flap_only, &v);
    assert_int_equal(v.nfindings, 1); /* kept, but too weak to name the layer */
    assert_int_equal(v.findings[0].layer, NB_LAYER_PHYSICAL);
    assert_true(v.findings[0].confidence <= 0.3);
    assert_int_equal(v.layer, NB_LAYER_INCONCLUSIVE);
    assert_true(verdict_mentions(&v, "remote NIC nicB on hB: carrier_changes +2"));
}

static void test_names_round_trip(void **state)
{
    for (int l = 0; l < NB_LAYER__COUNT; l++) {
        enum nb_layer back;
        assert_int_equal(nb_layer_from_name(nb_layer_name((enum nb_layer)l), &back), 0);
        assert_int_equal(back, l);
    }
    enum nb_layer x;
    assert_int_equal(nb_layer_from_name("network", &x), -1);
    assert_string_equal(nb_side_name(NB_SIDE_NONE), "");
    assert_string_equal(nb_app_fail_name(NB_AF_UNEXPECTED_REPLY), "unexpected_reply");
    assert_string_equal(nb_base_metric_name(NB_BM_HS_SEG + RA), "handshake.remote_app");
    assert_string_equal(nb_base_metric_name(NB_BM_APP_SERVER), "app.server");
}

/* A deterministic generator for the invariant test (no libc rand: same
 * sequence everywhere). */
static uint64_t lcg(uint64_t *st)
{
    *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
    return *st >> 33;
}
static uint64_t upto(uint64_t *st, uint64_t n)
{
    return n ? lcg(st) % (n + 1) : 0;
}
static double latency(uint64_t *st)
{
    static const double scale[] = {1 * US, 30 * US, 300 * US, 3 * MS, 30 * MS};
    return scale[upto(st, 4)] * (1 + (double)upto(st, 1000) / 100.0);
}

static void random_waterfall(uint64_t *st, struct nb_waterfall *w)
{
    memset(w, 0, sizeof(*w));
    w->probes = upto(st, 300);
    w->lost = upto(st, w->probes);
    w->answered = w->probes - w->lost;
    w->lost_unlocated = upto(st, w->lost / 4);
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        struct nb_seg_figures *f = &w->seg[s];
        f->known = upto(st, 3) ? w->answered : upto(st, w->answered);
        f->p50 = latency(st);
        f->p90 = f->p50 * (1 + (double)upto(st, 10) / 10);
        f->p99 = f->p90 * (1 + (double)upto(st, 10) / 5);
        if (upto(st, 1)) { /* bounds, or none (old traces) */
            f->p50_lo = f->p50 * (double)upto(st, 10) / 10;
            f->p90_lo = f->p90 * (double)upto(st, 10) / 10;
        }
        f->lost = (unsigned)upto(st, w->lost / 3);
        f->lost_shared = (unsigned)(upto(st, 2) ? 0 : upto(st, w->lost / 2));
    }
}

static void random_family(uint64_t *st, struct nb_cls_family *f)
{
    f->present = upto(st, 1);
    f->probes = upto(st, 200);
    f->lost = upto(st, 3) ? upto(st, f->probes / 10) : upto(st, f->probes);
    f->rtt = (struct nb_cls_rtt){upto(st, 4) != 0, latency(st), 0, 0, 0, 0};
    f->rtt.p90 = f->rtt.p99 = f->rtt.p50 * 2;
}

static void random_window(uint64_t *st, struct nb_cls_input *in, struct nb_baseline *b)
{
    memset(in, 0, sizeof(*in));
    snprintf(in->target, sizeof(in->target), "t%llu", (unsigned long long)upto(st, 99));
    in->start = (nb_ns)upto(st, 1ULL << 40) * NB_NS_PER_SEC;
    in->end = in->start + NB_NS_PER_SEC;
    struct nb_cls_path *p = &in->path;
    p->present = upto(st, 3) != 0;
    p->local_agent = upto(st, 3) != 0;
    p->remote_agent = upto(st, 3) != 0;
    p->remote_agent_known = p->remote_agent || upto(st, 1);
    p->reflector = (enum nb_reflector_kind)upto(st, 2);
    p->rtt = (struct nb_cls_rtt){upto(st, 3) != 0, latency(st), 0, 0, 0, 0};
    random_waterfall(st, &p->wf);
    random_family(st, &in->vnet);
    random_family(st, &in->fabric);
    struct nb_cls_app *a = &in->app;
    a->present = upto(st, 1);
    a->probes = upto(st, 40);
    a->ok = a->probes;
    for (int f = 0; f < NB_AF__COUNT && a->ok; f++) {
        uint64_t k = upto(st, 4) ? 0 : upto(st, a->ok);
        a->fail[f] = k;
        a->ok -= k;
    }
    a->timeout_established = upto(st, a->fail[NB_AF_TIMEOUT] + 2);
    a->http_status = upto(st, 1) ? 503 : 0;
    a->have_connect = upto(st, 1);
    a->have_server = upto(st, 1);
    a->connect_p50 = latency(st);
    a->server_p50 = latency(st) * 10;
    a->server_n = upto(st, a->ok);
    a->server_p25 = a->server_p50 * (double)upto(st, 10) / 10;
    a->have_resolve = upto(st, 1);
    a->resolved = upto(st, a->ok);
    a->resolve_p50 = latency(st) * 10;
    a->resolve_p25 = a->resolve_p50 * (double)upto(st, 10) / 10;
    a->retrans = upto(st, a->probes);
    a->syn_retrans = upto(st, a->retrans);
    p->full_probes = upto(st, p->wf.probes);
    p->full_lost = upto(st, p->full_probes < p->wf.lost ? p->full_probes : p->wf.lost);
    a->have_handshake = upto(st, 1);
    a->hs_local_agent = upto(st, 1);
    a->hs_remote_agent = upto(st, 1);
    random_waterfall(st, &a->handshake);
    in->nlinks = upto(st, 6);
    for (size_t i = 0; i < in->nlinks; i++) {
        struct nb_cls_link *l = &in->links[i];
        l->side = (enum nb_side)upto(st, 2);
        snprintf(l->ifname, sizeof(l->ifname), "if%u", (unsigned)(i % 10));
        l->role = upto(st, 1) ? NB_IF_NIC : NB_IF_TAP;
        l->up = upto(st, 5) != 0;
        l->carrier = upto(st, 5) != 0;
        l->tx_dropped = upto(st, 2) ? 0 : upto(st, 1000);
        l->rx_errors = upto(st, 4) ? 0 : upto(st, 10);
        l->carrier_changes = upto(st, 4) ? 0 : upto(st, 3);
    }
    nb_baseline_init(b);
    for (int m = 0; m < NB_BM__COUNT; m++) {
        if (upto(st, 1))
            continue;
        struct nb_base_stat *bs = &b->m[m];
        bs->p50.median = latency(st);
        bs->p50.mad = bs->p50.median * (double)upto(st, 10) / 20;
        bs->p50.high = bs->p50.median + bs->p50.mad * (double)upto(st, 8);
        bs->n = (unsigned)upto(st, NB_BASE_RING);
        bs->tail_n = (unsigned)upto(st, bs->n);
        bs->p90.median = bs->p50.median * (1 + (double)upto(st, 20) / 4);
        bs->p90.mad = bs->p90.median * (double)upto(st, 10) / 20;
        bs->p90.high = bs->p90.median + bs->p90.mad * (double)upto(st, 8);
    }
}

static void test_invariants_on_random_windows(void **state)
{
    uint64_t st = 42;
    struct nb_baseline *b = calloc(1, sizeof(*b));
    struct nb_cls_input *in = calloc(1, sizeof(*in));
    struct nb_verdict *v = calloc(2, sizeof(*v));
    assert_non_null(b);
    assert_non_null(in);
    assert_non_null(v);
    unsigned seen[NB_LAYER__COUNT] = {0};
    for (int i = 0; i < 3000; i++) {
        random_window(&st, in, b);
        nb_classify(in, upto(&st, 1) ? b : NULL, NULL, &v[0]);
        nb_classify(in, NULL, NULL, &v[1]);
        nb_classify(in, NULL, NULL, &v[1]);
        const struct nb_verdict *x = &v[0];
        seen[x->layer]++;
        assert_true(x->confidence >= 0.0 && x->confidence <= 1.0);
        assert_int_equal(x->layer == NB_LAYER_INCONCLUSIVE, x->reason[0] != '\0');
        if (x->layer == NB_LAYER_INCONCLUSIVE)
            assert_true(x->confidence == 0.0);
        if (x->layer == NB_LAYER_HEALTHY)
            assert_int_equal(x->nfindings, 0);
        if (x->layer != NB_LAYER_HEALTHY && x->layer != NB_LAYER_INCONCLUSIVE) {
            assert_true(x->nfindings >= 1);
            assert_int_equal(x->findings[0].layer, x->layer);
            assert_true(x->findings[0].confidence == x->confidence);
        }
        assert_true(x->nfindings <= NB_CLS_MAX_FINDINGS);
        assert_true(x->nevidence <= NB_CLS_MAX_EVIDENCE);
        for (size_t k = 0; k < x->nfindings; k++) {
            assert_true(x->findings[k].confidence >= 0.0 && x->findings[k].confidence <= 1.0);
            assert_true(k == 0 || x->findings[k - 1].confidence >= x->findings[k].confidence);
            assert_true(strnlen(x->findings[k].summary, NB_CLS_TEXTSIZ) < NB_CLS_TEXTSIZ);
        }
        /* Same input, same output: v[1] was classified twice. */
        struct nb_verdict again;
        nb_classify(in, NULL, NULL, &again);
        assert_memory_equal(&again, &v[1], sizeof(again));
    }
    /* The generator reaches every verdict. */
    for (int l = 0; l < NB_LAYER__COUNT; l++)
        assert_true(seen[l] > 0);
    free(b);
    free(in);
    free(v);
}

static void test_nothing_observed(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict v;
    memset(&in, 0, sizeof(in));
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_INCONCLUSIVE);
    assert_string_equal(v.reason, "no observations in this window");
}

/* An end-to-end window (no sightings): every segment unknown but the
 * reflector's, K of N probes lost and located nowhere, vnet probes healthy. */
static void unlocated_loss(struct nb_cls_input *in, size_t n, size_t k)
{
    healthy(in, n);
    struct nb_waterfall *w = &in->path.wf;
    in->path.local_agent = in->path.remote_agent = false;
    for (int s = 0; s < RA; s++)
        w->seg[s].known = 0;
    w->answered = n - k;
    w->seg[RA].known = n - k;
    w->lost = w->lost_unlocated = k;
    in->vnet = (struct nb_cls_family){.present = true, .probes = n, .lost = 0,
                                      .rtt = {true, 90 * US, 110 * US, 150 * US, 0, 0}};
}

/* Loss nothing located is still loss: a path that lost most of its probes
 * is never called healthy, and with several teams possible it is not
 * blamed on one either. */
static void test_unlocated_loss_is_never_healthy(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict v;
    unlocated_loss(&in, 200, 60);
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_INCONCLUSIVE);
    assert_true(verdict_mentions(&v, "located nowhere"));
    assert_true(verdict_mentions(&v, "ruled out local_virtual (vnet probes healthy)"));

    unlocated_loss(&in, 100, 100); /* not one reply: never healthy either */
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_INCONCLUSIVE);
    assert_non_null(strstr(v.reason, "no reply to any of 100 path probes"));

    unlocated_loss(&in, 200, 1); /* one probe lost: not a rate */
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_HEALTHY);
}

/* A family whose peer agent is down answers nothing while path probes
 * cross the same layer: that is no fault of the layer. */
static void test_silent_family_peer_is_not_a_layer_fault(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict v;
    healthy(&in, 100);
    in.fabric = (struct nb_cls_family){.present = true, .probes = 100, .lost = 99,
                                       .rtt = {true, 120 * US, 120 * US, 120 * US, 0, 0}};
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_HEALTHY);
    assert_true(verdict_mentions(&v, "peer agent is not answering"));

    lose(&in.path.wf, PHY, 30); /* the path loses too: the family's loss stands */
    nb_classify(&in, NULL, NULL, &v);
    assert_int_not_equal(v.layer, NB_LAYER_HEALTHY);
}

/* THE SIDE OF EVERY SEGMENT. Each segment belongs to one team: local_virtual
 * and local_switch are the virtualization team's on the prober's own host
 * (local), remote_switch and remote_virtual on the far host (remote),
 * physical is the network team's whatever the side, remote_app the far
 * service's (remote). A fault of each kind — a slow p50, stalls that only
 * the p90 shows, localised loss — in each segment must come out in that
 * team, and never on the other side. */
static void test_every_segment_and_side(void **state)
{
    static const struct {
        enum nb_layer layer;
        enum nb_side side;
    } want[NB_SEG__COUNT] = {
        [LV] = {NB_LAYER_VIRTUAL, NB_SIDE_LOCAL},   [LS] = {NB_LAYER_VIRTUAL, NB_SIDE_LOCAL},
        [PHY] = {NB_LAYER_PHYSICAL, NB_SIDE_NONE},  [RS] = {NB_LAYER_VIRTUAL, NB_SIDE_REMOTE},
        [RV] = {NB_LAYER_VIRTUAL, NB_SIDE_REMOTE},  [RA] = {NB_LAYER_APP, NB_SIDE_REMOTE},
    };
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        for (int kind = 0; kind < 3; kind++) {
            struct nb_cls_input in;
            struct nb_verdict v;
            healthy(&in, 200);
            if (kind == 0) {
                slow(&in, s, 6 * MS);
            } else if (kind == 1) { /* stalls: a fifth of the probes held 30 ms */
                in.path.wf.seg[s].p90 = 30 * MS;
                in.path.wf.seg[s].p99 = 38 * MS;
            } else {
                if (s == RA)
                    continue; /* the reflector drops nothing it answers */
                lose(&in.path.wf, s, 40);
            }
            nb_classify(&in, NULL, NULL, &v);
            if (v.layer != want[s].layer || v.where.side != want[s].side ||
                v.findings[0].segment != s) {
                fprintf(stderr, "segment %s, kind %d:\n", nb_segment_name((enum nb_segment)s),
                        kind);
                dump(&(struct tcase){.name = "side"}, &v);
                fail();
            }
            assert_true(v.seg[s].anomalous);
            assert_int_equal(v.seg[s].tail, kind == 1);
        }
    }
}

/* A baseline learnt on a path whose healthy tail is long (p50 250 us, p90
 * 0.8–1.4 ms window to window) holds that tail: a window like those is
 * healthy, a real stall is not, and a shift of the p50 alone is found. */
static void learn_noisy(struct nb_baseline *b, unsigned windows)
{
    struct nb_cls_input in;
    nb_baseline_init(b);
    for (unsigned w = 0; w < windows; w++) {
        healthy(&in, 200);
        for (int s = 0; s < NB_SEG__COUNT; s++) {
            in.path.wf.seg[s].p50 = (230 + (w * 37 + s * 11) % 40) * US;
            in.path.wf.seg[s].p90 = (800 + (w * 211 + s * 97) % 600) * US;
            in.path.wf.seg[s].p99 = 3 * MS;
        }
        nb_baseline_learn(b, &in, NULL);
    }
}

static void test_learnt_tail_is_not_a_stall(void **state)
{
    struct nb_baseline *b = calloc(1, sizeof(*b));
    struct nb_cls_input in;
    struct nb_verdict v;
    assert_non_null(b);
    learn_noisy(b, 40);
    const struct nb_base_stat *st = &b->m[NB_BM_PATH_SEG + PHY];
    assert_int_equal(st->tail_n, 40);
    assert_true(st->p90.high > 1.3 * MS && st->p90.median > 1.0 * MS);

    healthy(&in, 200); /* the worst tail of the learnt windows, on every segment */
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        in.path.wf.seg[s].p50 = 270 * US;
        in.path.wf.seg[s].p90 = 1.45 * MS;
    }
    nb_classify(&in, b, NULL, &v);
    if (v.layer != NB_LAYER_HEALTHY)
        dump(&(struct tcase){.name = "learnt tail"}, &v);
    assert_int_equal(v.layer, NB_LAYER_HEALTHY);
    assert_true(verdict_mentions(&v, "learnt baseline"));

    in.path.wf.seg[PHY].p90 = 25 * MS; /* stalls on the wire */
    nb_classify(&in, b, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_PHYSICAL);
    assert_true(v.seg[PHY].tail);
    assert_true(verdict_mentions(&v, "physical segment p90 25.0 ms vs its usual"));

    healthy(&in, 200); /* +400 us on local_virtual's p50: under every floor, over its baseline */
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        in.path.wf.seg[s].p50 = 250 * US;
        in.path.wf.seg[s].p90 = 1.0 * MS;
    }
    in.path.wf.seg[LV].p50 = 650 * US;
    nb_classify(&in, b, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_VIRTUAL);
    assert_int_equal(v.where.side, NB_SIDE_LOCAL);
    free(b);
}

/* What is learnt is what is judged: a window whose stalled tenth is just
 * too small to count (point p90 31 ms, lower bound 200 us) teaches 200 us,
 * so the stall that follows is still found. */
static void test_learns_the_judged_figures(void **state)
{
    struct nb_baseline *b = calloc(1, sizeof(*b));
    struct nb_cls_input in;
    struct nb_verdict v;
    assert_non_null(b);
    for (int w = 0; w < 6; w++) {
        healthy(&in, 200);
        in.path.wf.seg[LV].p90 = 31 * MS;
        in.path.wf.seg[LV].p90_lo = 200 * US;
        in.path.wf.seg[LV].p50_lo = 35 * US;
        nb_classify(&in, b, NULL, &v);
        assert_int_equal(v.layer, NB_LAYER_HEALTHY);
        nb_baseline_learn(b, &in, NULL);
    }
    assert_float_equal(b->m[NB_BM_PATH_SEG + LV].p90.high, 200 * US, 1e-6);
    assert_float_equal(b->m[NB_BM_PATH_SEG + LV].p50.median, 35 * US, 1e-6);
    in.path.wf.seg[LV].p90_lo = 25 * MS; /* now a fifth of the probes wait */
    nb_classify(&in, b, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_VIRTUAL);
    assert_int_equal(v.where.side, NB_SIDE_LOCAL);
    free(b);
}

/* A baseline learnt on a quiet machine (MAD 0) is credited with the
 * measurement's resolution and the excess floor: 30 us more is noise. */
static void test_quiet_baseline_is_not_a_hair_trigger(void **state)
{
    struct nb_baseline *b = calloc(1, sizeof(*b));
    struct nb_cls_input in;
    struct nb_verdict v;
    struct nb_cls_thresholds th;
    assert_non_null(b);
    healthy(&in, 100);
    for (int w = 0; w < 10; w++)
        nb_baseline_learn(b, &in, NULL);
    assert_float_equal(b->m[NB_BM_PATH_SEG + LV].p50.mad, 0, 0);
    nb_cls_thresholds_default(&th);
    th.excess_ns[NB_LAYER_VIRTUAL] = 1 * US; /* an operator's tight excess... */
    slow(&in, LV, idle[LV] + 30 * US);
    nb_classify(&in, b, &th, &v);
    /* ...still leaves k_mad x spread_floor (6 x 10 us) */
    assert_float_equal(v.seg[LV].limit, idle[LV] + 60 * US, 1e-6);
    assert_int_equal(v.layer, NB_LAYER_HEALTHY);
    slow(&in, LV, idle[LV] + 90 * US);
    nb_classify(&in, b, &th, &v);
    assert_int_equal(v.layer, NB_LAYER_VIRTUAL);
    free(b);
}

/* A short burst is judged on the lower confidence bound of its quantiles:
 * ten probes whose median is a little over the floor do not prove a delay,
 * while their lower bound over it does. */
static void test_short_burst_judged_on_its_bound(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict v;
    healthy(&in, 10);
    slow(&in, LV, 1.3 * MS);
    in.path.wf.seg[LV].p50_lo = 300 * US; /* the lowest of ten: X_(1) */
    nb_classify(&in, NULL, NULL, &v);
    assert_int_not_equal(v.layer, NB_LAYER_VIRTUAL);
    assert_false(v.seg[LV].slow);
    in.path.wf.seg[LV].p50_lo = 1.2 * MS;
    nb_classify(&in, NULL, NULL, &v);
    assert_true(v.seg[LV].slow);
}

/* COMMON MODE: a busy machine lifts several segments of several teams at
 * once; whichever crosses first is not the culprit. */
static void test_common_mode_is_not_one_layer(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict v;
    healthy(&in, 200); /* local_virtual, physical, remote_virtual, the reflector: all up */
    slow(&in, LV, 1.15 * MS);
    slow(&in, PHY, 0.9 * MS);
    slow(&in, RV, 1.05 * MS);
    slow(&in, RA, 0.8 * MS);
    nb_classify(&in, NULL, NULL, &v);
    if (v.layer != NB_LAYER_INCONCLUSIVE)
        dump(&(struct tcase){.name = "common mode"}, &v);
    assert_int_equal(v.layer, NB_LAYER_INCONCLUSIVE);
    assert_non_null(strstr(v.reason, "4 segments of several teams rose together"));
    assert_string_equal(v.evidence[0], v.reason);
    assert_true(v.seg[LV].slow && v.seg[LV].common && v.seg[LV].anomalous);

    /* one of them far past the others: that one is blamed */
    slow(&in, PHY, 12 * MS);
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_PHYSICAL);
    assert_false(v.seg[PHY].common);

    /* two real faults in a quiet rest: two findings, no common mode */
    healthy(&in, 200);
    slow(&in, LV, 4 * MS);
    slow(&in, PHY, 5 * MS);
    slow(&in, RV, 0.6 * MS); /* a little noise elsewhere */
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.nfindings, 2);
    assert_false(v.seg[LV].common || v.seg[PHY].common);

    /* one team's two segments (a host-wide condition on the local host):
     * the virtualization team's, not common mode */
    healthy(&in, 200);
    slow(&in, LV, 3 * MS);
    slow(&in, LS, 2.5 * MS);
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_VIRTUAL);
    assert_int_equal(v.where.side, NB_SIDE_LOCAL);
}

/* The first evidence line explains the verdict: the finding for a named
 * layer (before any cross-check), the reason for inconclusive, the coverage
 * line for healthy. */
static void test_first_evidence_explains(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict v;
    c_physical_delay(&in);
    in.fabric = (struct nb_cls_family){
        .present = true, .probes = 100, .rtt = {true, 21 * MS, 22 * MS, 25 * MS, 0, 0}};
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_PHYSICAL);
    assert_string_equal(v.evidence[0], v.findings[0].summary);
    c_two_faults(&in);
    nb_classify(&in, NULL, NULL, &v);
    assert_string_equal(v.evidence[0], v.findings[0].summary);
    assert_string_equal(v.evidence[1], v.findings[1].summary);
    c_unknown_segment(&in);
    nb_classify(&in, NULL, NULL, &v);
    assert_string_equal(v.evidence[0], v.reason);
    c_healthy(&in);
    nb_classify(&in, NULL, NULL, &v);
    assert_non_null(strstr(v.evidence[0], "every measured segment within its threshold"));
}

/* attribute_min is the line between naming a layer and saying why not. */
static void test_attribution_threshold(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict v;
    struct nb_cls_thresholds th;
    nb_cls_thresholds_default(&th);
    c_local_virtual_delay(&in);
    nb_classify(&in, NULL, &th, &v);
    assert_int_equal(v.layer, NB_LAYER_VIRTUAL);
    double c = v.confidence;
    th.attribute_min = c + 0.01;
    nb_classify(&in, NULL, &th, &v);
    assert_int_equal(v.layer, NB_LAYER_INCONCLUSIVE);
    assert_true(v.confidence == 0.0);
    assert_int_equal(v.nfindings, 1);
    assert_true(v.findings[0].confidence == c);
    assert_non_null(strstr(v.reason, "too weak to name a layer (virtual/local"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_two_faults_give_two_findings),
        cmocka_unit_test(test_network_and_app_give_two_findings),
        cmocka_unit_test(test_slow_resolver),
        cmocka_unit_test(test_full_size_loss),
        cmocka_unit_test(test_vnet_disagreeing_lowers_confidence),
        cmocka_unit_test(test_fabric_disagreeing_lowers_confidence),
        cmocka_unit_test(test_small_family_does_not_contradict_loss),
        cmocka_unit_test(test_counters_corroborate),
        cmocka_unit_test(test_unreachable_remote_never_physical),
        cmocka_unit_test(test_same_input_same_bytes),
        cmocka_unit_test(test_baseline_learnt_from_healthy_windows),
        cmocka_unit_test(test_young_baseline_ignored),
        cmocka_unit_test(test_link_only_stays_low),
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_nothing_observed),
        cmocka_unit_test(test_unlocated_loss_is_never_healthy),
        cmocka_unit_test(test_silent_family_peer_is_not_a_layer_fault),
        cmocka_unit_test(test_invariants_on_random_windows),
        cmocka_unit_test(test_every_segment_and_side),
        cmocka_unit_test(test_learnt_tail_is_not_a_stall),
        cmocka_unit_test(test_quiet_baseline_is_not_a_hair_trigger),
        cmocka_unit_test(test_learns_the_judged_figures),
        cmocka_unit_test(test_short_burst_judged_on_its_bound),
        cmocka_unit_test(test_common_mode_is_not_one_layer),
        cmocka_unit_test(test_first_evidence_explains),
        cmocka_unit_test(test_attribution_threshold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
