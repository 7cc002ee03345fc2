/* verdict_cases.c — the windows the classifier tests (test_verdict*.c) feed
 * nb_classify, and what they ask of a verdict (verdict_cases.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "verdict_cases.h"

/* Idle segment p50s of a healthy machine (ns). */
const double idle[NB_SEG__COUNT] = {40 * US, 8 * US, 60 * US, 8 * US, 42 * US, 15 * US};

void set_seg(struct nb_waterfall *w, int s, double p50)
{
    w->seg[s].p50 = p50;
    w->seg[s].p90 = p50 * 1.2;
    w->seg[s].p99 = p50 * 1.6;
}

void fill_waterfall(struct nb_waterfall *w, size_t n)
{
    memset(w, 0, sizeof(*w));
    w->probes = w->answered = n;
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        w->seg[s].known = n;
        set_seg(w, s, idle[s]);
    }
}

void add_link(struct nb_cls_input *in, enum nb_side side, const char *host, const char *ifname,
              enum nb_if_role role)
{
    struct nb_cls_link *l = &in->links[in->nlinks++];
    memset(l, 0, sizeof(*l));
    l->side = side;
    snprintf(l->host, sizeof(l->host), "%s", host);
    snprintf(l->ifname, sizeof(l->ifname), "%s", ifname);
    l->role = role;
    l->up = l->carrier = true;
}

struct nb_cls_link *link_named(struct nb_cls_input *in, const char *ifname)
{
    for (size_t i = 0; i < in->nlinks; i++)
        if (strcmp(in->links[i].ifname, ifname) == 0)
            return &in->links[i];
    fail_msg("no link %s", ifname);
    return NULL;
}

/* A healthy window of N path probes seen at every point, both hosts' links listed. */
void healthy(struct nb_cls_input *in, size_t n)
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

void slow(struct nb_cls_input *in, int s, double p50)
{
    set_seg(&in->path.wf, s, p50);
    in->path.rtt.p50 += p50 - idle[s];
}

/* K probes lost in segment S alone (located there by the sightings). */
void lose(struct nb_waterfall *w, int s, size_t k)
{
    w->lost += k;
    w->answered -= k;
    for (int i = 0; i < NB_SEG__COUNT; i++)
        w->seg[i].known -= k;
    w->seg[s].lost += (unsigned)k;
}

/* The remote host agent did not answer: its segments are unknown. */
void no_remote_agent(struct nb_cls_input *in)
{
    in->path.remote_agent = false;
    for (int s = PHY; s <= RV; s++)
        in->path.wf.seg[s].known = 0;
}

void app_only(struct nb_cls_input *in, uint64_t probes)
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

void app_fail(struct nb_cls_input *in, enum nb_app_fail f, uint64_t k)
{
    in->app.fail[f] += k;
    in->app.ok -= k;
}

/* ---- the named fault windows (test_verdict.c's table) ---- */

void c_healthy(struct nb_cls_input *in)
{
    healthy(in, 100);
}
void c_idle_noise(struct nb_cls_input *in)
{
    /* µs jitter of an idle machine: p99 of a few hundred µs, no baseline. */
    healthy(in, 200);
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        in->path.wf.seg[s].p50 = idle[s] * 1.5;
        in->path.wf.seg[s].p99 = 700 * US;
    }
    lose(&in->path.wf, LV, 1); /* one stray loss is no claim */
}
void c_local_virtual_delay(struct nb_cls_input *in)
{
    healthy(in, 100);
    slow(in, LV, 5 * MS);
}
void c_local_virtual_stalls(struct nb_cls_input *in)
{
    /* a vhost thread starved 40 ms of every 100: most probes pass, the tail waits */
    healthy(in, 100);
    in->path.wf.seg[LV].p90 = 30 * MS;
    in->path.wf.seg[LV].p99 = 39 * MS;
}
void c_tail_noise(struct nb_cls_input *in)
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
void c_physical_delay(struct nb_cls_input *in)
{
    healthy(in, 100);
    slow(in, PHY, 20.4 * MS);
}
void c_remote_virtual_delay(struct nb_cls_input *in)
{
    healthy(in, 100);
    slow(in, RV, 8 * MS);
}
void c_reflector_hold(struct nb_cls_input *in)
{
    healthy(in, 100);
    slow(in, RA, 30 * MS);
}
void c_bridge_drops(struct nb_cls_input *in)
{
    healthy(in, 100);
    lose(&in->path.wf, LS, 18);
    link_named(in, "vnetA")->tx_dropped = 912;
}
void c_mtu_black_hole(struct nb_cls_input *in)
{
    healthy(in, 100);
    lose(&in->path.wf, PHY, 100); /* every (full-size) probe left nicA, none reached nicB */
    in->path.rtt.known = false;
}
void c_mtu_partial(struct nb_cls_input *in)
{
    healthy(in, 100);
    lose(&in->path.wf, PHY, 25); /* one probe in four is full size */
}
void c_local_nic_down(struct nb_cls_input *in)
{
    healthy(in, 100);
    lose(&in->path.wf, LS, 100); /* seen on vnetA, never left by nicA */
    in->path.rtt.known = false;
    struct nb_cls_link *l = link_named(in, "nicA");
    l->carrier = false;
    l->carrier_changes = 1;
}
void c_remote_nic_down(struct nb_cls_input *in)
{
    healthy(in, 100);
    lose(&in->path.wf, PHY, 60);
    link_named(in, "nicB")->up = false;
}
void c_nxdomain(struct nb_cls_input *in)
{
    app_only(in, 10);
    app_fail(in, NB_AF_NXDOMAIN, 10);
    in->app.have_connect = in->app.have_server = false;
}
void c_servfail(struct nb_cls_input *in)
{
    app_only(in, 10);
    app_fail(in, NB_AF_SERVFAIL, 7);
}
void c_refused(struct nb_cls_input *in)
{
    healthy(in, 100);
    struct nb_cls_input a;
    app_only(&a, 10);
    in->app = a.app;
    app_fail(in, NB_AF_REFUSED, 10);
}
void c_refused_syn_retrans(struct nb_cls_input *in)
{
    /* refused after retransmitted SYNs (the SYN met the server's TIME_WAIT)
     * while the path probes to the same server lose nothing: the server's */
    c_refused(in);
    in->app.retrans = in->app.syn_retrans = 10;
}
void c_syn_retrans_unmeasured(struct nb_cls_input *in)
{
    /* the same without path probes: retransmissions nothing locates */
    c_refused_syn_retrans(in);
    in->path.present = false;
}
void c_reset(struct nb_cls_input *in)
{
    healthy(in, 100);
    struct nb_cls_input a;
    app_only(&a, 20);
    in->app = a.app;
    app_fail(in, NB_AF_RESET, 6);
}
void c_http_503(struct nb_cls_input *in)
{
    app_only(in, 10);
    app_fail(in, NB_AF_HTTP_STATUS, 9);
    in->app.http_status = 503;
}
void c_slow_server(struct nb_cls_input *in)
{
    healthy(in, 100);
    struct nb_cls_input a;
    app_only(&a, 10);
    in->app = a.app;
    in->app.server_p50 = 600 * MS;
}
void c_server_hangs(struct nb_cls_input *in)
{
    app_only(in, 10);
    app_fail(in, NB_AF_TIMEOUT, 8);
    in->app.timeout_established = 8;
}
void c_connect_timeouts_follow_network(struct nb_cls_input *in)
{
    healthy(in, 100);
    lose(&in->path.wf, PHY, 40);
    struct nb_cls_input a;
    app_only(&a, 10);
    in->app = a.app;
    app_fail(in, NB_AF_TIMEOUT, 5); /* during connect */
}
void c_two_faults(struct nb_cls_input *in)
{
    healthy(in, 100);
    slow(in, LV, 4 * MS);
    slow(in, PHY, 30 * MS);
}
void c_too_few(struct nb_cls_input *in)
{
    healthy(in, 5);
    slow(in, PHY, 30 * MS);
}
void c_unknown_segment(struct nb_cls_input *in)
{
    healthy(in, 100);
    no_remote_agent(in);
    in->path.rtt.p50 = 25 * MS; /* slow, and no measured segment is */
}
void c_remote_unreachable_fabric_ok(struct nb_cls_input *in)
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
void c_remote_unreachable_tap_drops(struct nb_cls_input *in)
{
    c_remote_unreachable_fabric_ok(in);
    link_named(in, "vnetB")->tx_dropped = 4000;
}
void c_plain_reflector_loss(struct nb_cls_input *in)
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
void c_nic_flap_only(struct nb_cls_input *in)
{
    healthy(in, 100);
    link_named(in, "nicB")->carrier_changes = 2;
}
void c_vnet_loss(struct nb_cls_input *in)
{
    memset(in, 0, sizeof(*in));
    snprintf(in->target, sizeof(in->target), "%s", "gB");
    snprintf(in->local_host, sizeof(in->local_host), "%s", "hA");
    in->vnet = (struct nb_cls_family){
        .present = true, .probes = 100, .lost = 30, .rtt = {true, 90 * US, 120 * US, 200 * US, 0, 0}};
}
void c_handshake_split(struct nb_cls_input *in)
{
    app_only(in, 20);
    in->app.have_handshake = in->app.hs_local_agent = in->app.hs_remote_agent = true;
    fill_waterfall(&in->app.handshake, 20);
    in->app.handshake.seg[RA].known = 0; /* a handshake has no app part */
    set_seg(&in->app.handshake, RV, 12 * MS);
    in->app.connect_p50 = 12.3 * MS;
}
void c_resolver_silent(struct nb_cls_input *in)
{
    app_only(in, 10);
    app_fail(in, NB_AF_DNS_TIMEOUT, 10);
}

/* The same while fabric probes lose 30 %: the silent resolver could be the
 * network's doing. */
void c_resolver_silent_net_bad(struct nb_cls_input *in)
{
    c_resolver_silent(in);
    in->fabric.present = true;
    in->fabric.probes = 100;
    in->fabric.lost = 30;
    in->fabric.rtt = (struct nb_cls_rtt){true, 120 * US, 180 * US, 300 * US, 0, 0};
}

/* A resolver that answers every lookup after 1.5 s; the backend is fast. */
void c_resolver_slow(struct nb_cls_input *in)
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
void c_loss_fast_backend(struct nb_cls_input *in)
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
void c_loss_slow_backend(struct nb_cls_input *in)
{
    c_loss_fast_backend(in);
    in->app.server_p50 = 600 * MS;
    in->app.server_p25 = 401 * MS;
}
/* Retransmissions in many app probes while the path probes to the same
 * server lost nothing: not the network's loss. */
void c_retrans_unlocated(struct nb_cls_input *in)
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
void c_mtu_sized(struct nb_cls_input *in)
{
    c_mtu_partial(in);
    in->path.full_probes = 25;
    in->path.full_lost = 25;
}
/* An HTTP 503 while the wire loses: the answer is the backend's anyway. */
void c_loss_and_503(struct nb_cls_input *in)
{
    healthy(in, 100);
    lose(&in->path.wf, PHY, 20);
    struct nb_cls_input a;
    app_only(&a, 10);
    in->app = a.app;
    app_fail(in, NB_AF_HTTP_STATUS, 10);
    in->app.http_status = 503;
}

/* ---- asking a verdict ---- */

bool verdict_mentions(const struct nb_verdict *v, const char *text)
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

/* What the classifier said, for a failing case (these tests link the
 * classifier alone: no JSON). */
void dump(const char *name, const struct nb_verdict *v)
{
    fprintf(stderr, "case '%s': layer %s, side %d, confidence %.3f, reason '%s'\n", name,
            nb_layer_name(v->layer), (int)v->where.side, v->confidence, v->reason);
    for (size_t i = 0; i < v->nfindings; i++)
        fprintf(stderr, "  finding %s (%.3f): %s\n", nb_layer_name(v->findings[i].layer),
                v->findings[i].confidence, v->findings[i].summary);
    for (size_t i = 0; i < v->nevidence; i++)
        fprintf(stderr, "  evidence: %s\n", v->evidence[i]);
}

void classify(window_build *build, struct nb_verdict *v)
{
    struct nb_cls_input in;
    build(&in);
    nb_classify(&in, NULL, NULL, v);
}
