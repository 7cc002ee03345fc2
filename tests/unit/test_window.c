/* test_window.c — one classifier input for the same probes, whether they
 * reach the builder (input/window.h) as `netblame diagnose`'s report
 * (cli/diag_window.c) or through the daemon's ring of recent results
 * (daemon/verdicts_input.c): a path burst with lost and full-size probes
 * and a vnet side-burst, end to end; the same path decomposed by two host
 * agents' sightings (stand-ins on the loopback, which the daemon follows as
 * it follows a path peer's); and an app burst with typed failures. The
 * report is made as diagnose makes it (its sender's totals, figures over
 * the answered results, the sightings placed after the burst); one reply
 * the sender dropped as bogus counts in the report's totals and never
 * reaches the daemon (window.h, COUNTS). Both inputs must render the same
 * trace line (every field the classifier and a replay read) and get the
 * same verdict. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/diag_window.h"
#include "netblame/buf.h"
#include "netblame/mem.h"
#include "input/observe.h"
#include "wire/trace_json.h"

#include "standin_agent.h"
#include "verdicts_fixture.h"

#define S NB_NS_PER_SEC
#define MS 1000000LL
#define US 1000LL
#define T0 (1000 * NB_NS_PER_SEC) /* the test's monotonic clock */
#define RT0 ((nb_ns)1700000000 * NB_NS_PER_SEC)
#define SESSION 0x1234abcdULL

/* A path burst: 200 probes, every 10th full-size, every 17th lost, from a
 * netblame reflector; round trips and hold times spread deterministically. */
static size_t path_results(struct nb_probe_result *r, size_t cap, uint64_t session, unsigned lose)
{
    size_t n = 200 < cap ? 200 : cap;
    for (size_t i = 0; i < n; i++) {
        memset(&r[i], 0, sizeof(r[i]));
        r[i].seq = (uint32_t)i;
        r[i].probe_id = session << 32 | i;
        r[i].padded = i % 10 == 3;
        r[i].lost = i % lose == 5;
        r[i].t1 = RT0 + (nb_ns)i * 50 * MS;
        r[i].ttl_back = -1;
        if (r[i].lost)
            continue;
        r[i].reflector_hold = (nb_ns)(10 + i % 7) * US;
        r[i].rtt = (nb_ns)(200 + (i * 37) % 50) * US;
        r[i].netblame_reflector = true;
    }
    return n;
}

/* An app burst: mostly ok, with a timeout after connect, a refusal, an
 * unexpected status and a retransmitted SYN. */
static size_t app_results(struct nb_app_result *r, size_t cap)
{
    size_t n = 30 < cap ? 30 : cap;
    for (size_t i = 0; i < n; i++) {
        memset(&r[i], 0, sizeof(r[i]));
        r[i].reason = NB_APP_OK;
        r[i].have[NB_PH_RESOLVE] = i % 2 == 0; /* a name, cached half the time */
        r[i].t[NB_PH_RESOLVE] = (nb_ns)(300 + i * 11) * US;
        r[i].have[NB_PH_CONNECT] = true;
        r[i].t[NB_PH_CONNECT] = (nb_ns)(400 + (i * 13) % 90) * US;
        r[i].have_syn_rtt = i % 5 != 0; /* else the connect phase stands in */
        r[i].syn_rtt = (nb_ns)(350 + (i * 7) % 40) * US;
        r[i].have[NB_PH_FIRST_BYTE] = true;
        r[i].t[NB_PH_FIRST_BYTE] = (nb_ns)(2000 + (i * 31) % 500) * US;
        r[i].status = 200;
    }
    r[4].reason = NB_APP_TIMEOUT;
    r[4].have[NB_PH_FIRST_BYTE] = false;
    r[9].reason = NB_APP_REFUSED;
    r[9].have[NB_PH_CONNECT] = r[9].have[NB_PH_FIRST_BYTE] = r[9].have_syn_rtt = false;
    r[12].reason = NB_APP_HTTP_STATUS;
    r[12].status = 503;
    r[20].syn_retrans = 1;
    return n;
}

/* What diagnose's report holds of results R (nb_diag_finish: the sender's
 * totals, of which BOGUS replies it dropped; summarise_results: the
 * figures over the answered ones). */
static void stamp_report(const struct nb_probe_result *r, size_t n, unsigned bogus,
                         struct nb_diag_report *rep)
{
    int64_t *rtt = nb_calloc(n + 1, sizeof(int64_t)), *hold = nb_calloc(n + 1, sizeof(int64_t));
    size_t k = 0;
    rep->sent = n + bogus;
    for (size_t i = 0; i < n; i++) {
        unsigned *sent = r[i].padded ? &rep->big_sent : &rep->small_sent;
        unsigned *lost = r[i].padded ? &rep->big_lost : &rep->small_lost;
        (*sent)++;
        *lost += r[i].lost;
        rep->lost += r[i].lost;
        if (r[i].lost)
            continue;
        rtt[k] = r[i].rtt;
        hold[k++] = r[i].reflector_hold;
        rep->netblame_reflector |= r[i].netblame_reflector;
    }
    rep->received = k + bogus;
    nb_summarise(rtt, k, &rep->rtt);
    nb_summarise(hold, k, &rep->hold);
    free(rtt);
    free(hold);
}

static int setup(void **state)
{
    struct vd_fix *f = vd_fix_new(false);
    vd_fix_verdicts(f, "{\"role\": \"guest\", \"peers\": ["
                       "{\"name\": \"p\", \"family\": \"path\", \"address\": \"10.0.0.2\","
                       " \"interval_ms\": 50},"
                       "{\"name\": \"v\", \"family\": \"vnet\", \"address\": \"10.0.0.1\","
                       " \"interval_ms\": 50}],"
                       "\"app\": [{\"name\": \"a\", \"url\": \"http://10.0.0.2/\"}]}");
    *state = f;
    return 0;
}

/* Both inputs render the same trace line, and the classifier says the same. */
static void assert_same(const struct nb_cls_input *cli, const struct nb_cls_input *daemon)
{
    struct nb_buf a, b;
    nb_buf_init(&a);
    nb_buf_init(&b);
    nb_trace_render(cli, &a);
    nb_trace_render(daemon, &b);
    assert_string_equal(a.data, b.data);
    nb_buf_free(&a);
    nb_buf_free(&b);
    struct nb_verdict *va = nb_calloc(1, sizeof(*va)), *vb = nb_calloc(1, sizeof(*vb));
    nb_classify(cli, NULL, NULL, va);
    nb_classify(daemon, NULL, NULL, vb);
    assert_int_equal(va->layer, vb->layer);
    assert_true(va->confidence == vb->confidence);
    assert_string_equal(va->reason, vb->reason);
    free(va);
    free(vb);
}

static void test_path_burst(void **state)
{
    struct vd_fix *f = *state;
    struct nb_probe_result path[256], vnet[256];
    size_t np = path_results(path, 256, SESSION, 17);
    size_t nv = path_results(vnet, 256, SESSION ^ 0x5a5a5a5a, 23);
    for (size_t i = 0; i < nv; i++) { /* the vnet side-burst: no full-size probes */
        vnet[i].padded = false;
        vnet[i].netblame_reflector = false;
    }
    /* the daemon: results as they came over the last 10 s (50 ms apart) */
    for (size_t i = 0; i < np; i++) {
        nb_vd_stamp_at(f->v, "p", &path[i], T0 + (nb_ns)(i + 1) * 50 * MS);
        nb_vd_stamp_at(f->v, "v", &vnet[i], T0 + (nb_ns)(i + 1) * 50 * MS + MS);
    }
    nb_ns now = T0 + 10 * NB_NS_PER_SEC + 2 * MS;
    struct nb_cls_input *daemon = nb_calloc(1, sizeof(*daemon));
    nb_vd_input(f->v, nb_vd_find(f->v, "p", false), now, RT0 + now, daemon);
    /* diagnose: the same probes in one report, one bogus reply beside */
    struct nb_diag_report *rep = nb_calloc(1, sizeof(*rep));
    snprintf(rep->target, sizeof(rep->target), "p");
    rep->start = daemon->start;
    rep->end = daemon->end;
    stamp_report(path, np, 1, rep);
    struct nb_diag_report *vrep = nb_calloc(1, sizeof(*vrep));
    stamp_report(vnet, nv, 1, vrep);
    rep->vnet_present = true;
    rep->vnet_sent = vrep->sent;
    rep->vnet_lost = vrep->lost;
    rep->vnet_rtt = vrep->rtt;
    struct nb_cls_input *cli = nb_calloc(1, sizeof(*cli));
    nb_window_from_diag(rep, cli);

    assert_int_equal(daemon->path.wf.probes, 200);
    assert_int_equal(daemon->path.wf.lost, 12); /* i % 17 == 5 */
    assert_int_equal(daemon->path.full_probes, 20);
    assert_int_equal(daemon->path.reflector, NB_REFL_NETBLAME);
    assert_true(daemon->vnet.present);
    assert_int_equal(daemon->vnet.probes, 200);
    assert_int_equal(cli->path.wf.answered, 188);
    assert_same(cli, daemon);
    free(cli);
    free(vrep);
    free(rep);
    free(daemon);
}

static void test_app_burst(void **state)
{
    struct vd_fix *f = *state;
    struct nb_app_result r[32];
    size_t n = app_results(r, 32);
    for (size_t i = 0; i < n; i++)
        nb_vd_app_at(f->v, "a", &r[i], T0 + (nb_ns)(i + 1) * 300 * MS);
    nb_ns now = T0 + 10 * NB_NS_PER_SEC;
    struct nb_cls_input *daemon = nb_calloc(1, sizeof(*daemon));
    nb_vd_input(f->v, nb_vd_find(f->v, "a", true), now, RT0 + now, daemon);
    /* diagnose's app report: its figures as appdiag.c folds them */
    struct nb_appdiag_report *rep = nb_calloc(1, sizeof(*rep));
    struct nb_app_obs o[32];
    snprintf(rep->target, sizeof(rep->target), "a");
    rep->start = daemon->start;
    rep->end = daemon->end;
    rep->probes = (unsigned)n;
    for (size_t i = 0; i < n; i++)
        nb_app_obs_from(&r[i], &o[i]);
    nb_window_app_fold(o, n, &rep->cls);
    struct nb_cls_input *cli = nb_calloc(1, sizeof(*cli));
    nb_window_from_app(rep, cli);

    assert_int_equal(daemon->app.probes, 30);
    assert_int_equal(daemon->app.ok, 27);
    assert_int_equal(daemon->app.timeout_established, 1);
    assert_int_equal(daemon->app.http_status, 503);
    assert_true(daemon->app.have_connect && daemon->app.have_server);
    assert_same(cli, daemon);
    free(cli);
    free(rep);
    free(daemon);
}

/* Probe I's sightings at the host agents, on their own clocks (each one
 * clock: no synchronisation assumed), and its result R with the times the
 * sender and the reflector stamped; a lost probe is lost on the wire
 * between the hosts, seen only by the sender's host agent. */
static void decomposed_probe(uint32_t i, uint16_t hb_port, uint32_t *refl_seq,
                             struct nb_probe_result *r, struct nb_sighting *ha, size_t *nha,
                             struct nb_sighting *hb, size_t *nhb)
{
    nb_ns t1 = RT0 + (nb_ns)i * 45 * MS, hold = (nb_ns)(10 + i % 7) * US;
    nb_ns net = (nb_ns)(30 + (i * 13) % 20) * US; /* the wire, each way */
    nb_ns hb0 = t1 + 5 * MS, b0 = t1 + 7 * MS;    /* the other clocks */
    memset(r, 0, sizeof(*r));
    r->seq = i;
    r->probe_id = SESSION << 32 | i;
    r->lost = i % 17 == 5;
    r->t1 = t1;
    r->ttl_back = -1;
    struct nb_sighting s = {.probe_id = r->probe_id, .kind = NB_PKT_TEST};
#define SIGHT(list, n, when, kind_, role_, dir_, ifname_)                                          \
    do {                                                                                           \
        s.ts = (when);                                                                             \
        s.kind = (kind_);                                                                          \
        s.role = (role_);                                                                          \
        s.dir = (dir_);                                                                            \
        snprintf(s.ifname, sizeof(s.ifname), "%s", (ifname_));                                     \
        (list)[(*(n))++] = s;                                                                      \
    } while (0)
    SIGHT(ha, nha, t1 + 20 * US, NB_PKT_TEST, NB_IF_TAP, NB_DIR_IN, "vnetA");
    SIGHT(ha, nha, t1 + 35 * US, NB_PKT_TEST, NB_IF_NIC, NB_DIR_OUT, "eth0");
    if (r->lost)
        return;
    SIGHT(hb, nhb, hb0 + 35 * US + net, NB_PKT_TEST, NB_IF_NIC, NB_DIR_IN, "eth0");
    SIGHT(hb, nhb, hb0 + 50 * US + net, NB_PKT_TEST, NB_IF_TAP, NB_DIR_OUT, "vnetA");
    r->t2 = b0 + 70 * US + net;
    r->t3 = r->t2 + hold;
    SIGHT(hb, nhb, hb0 + 90 * US + net + hold, NB_PKT_REPLY, NB_IF_TAP, NB_DIR_IN, "vnetA");
    SIGHT(hb, nhb, hb0 + 105 * US + net + hold, NB_PKT_REPLY, NB_IF_NIC, NB_DIR_OUT, "eth0");
    SIGHT(ha, nha, t1 + 105 * US + 2 * net + hold, NB_PKT_REPLY, NB_IF_NIC, NB_DIR_IN, "eth0");
    SIGHT(ha, nha, t1 + 120 * US + 2 * net + hold, NB_PKT_REPLY, NB_IF_TAP, NB_DIR_OUT, "vnetA");
#undef SIGHT
    r->t4 = t1 + 140 * US + 2 * net + hold;
    r->reflector_hold = hold;
    r->rtt = (r->t4 - r->t1) - hold;
    r->refl_seq = (*refl_seq)++; /* a netblame reflector numbers what it received */
    r->netblame_reflector = true;
    r->agent_family = 4;
    r->agent_addr[0] = 127;
    r->agent_addr[3] = 1;
    r->agent_port = hb_port;
}

/* A path peer followed by both host agents (guest role: its own host agent
 * configured, the reflector's announced in the replies): the daemon places
 * what its feeds read; diagnose places what it fetched after the burst
 * (diagnose.c, decompose: every answering agent's points observable, each
 * sighting of the session on its probe). */
static void test_path_decomposed(void **state)
{
    (void)state;
    struct vd_fix *f = vd_fix_new(true);
    struct standin ha, hb;
    standin_start(&ha, f->loop);
    standin_start(&hb, f->loop);
    char config[400];
    snprintf(config, sizeof(config),
             "{\"role\": \"guest\", \"host_agent\": {\"address\": \"127.0.0.1\", \"port\": %u},"
             " \"peers\": [{\"name\": \"p\", \"family\": \"path\", \"address\": \"10.0.0.2\","
             " \"interval_ms\": 45}]}",
             nb_api_port(ha.api));
    vd_fix_verdicts(f, config);
    enum { N = 200 };
    struct nb_probe_result *res = nb_calloc(N, sizeof(*res));
    struct nb_sighting *sha = nb_calloc(4 * N, sizeof(*sha)), *shb = nb_calloc(4 * N, sizeof(*shb));
    size_t nha = 0, nhb = 0;
    uint32_t refl_seq = 0;
    for (uint32_t i = 0; i < N; i++) {
        decomposed_probe(i, nb_api_port(hb.api), &refl_seq, &res[i], sha, &nha, shb, &nhb);
        nb_vd_stamp_at(f->v, "p", &res[i], T0 + S + (nb_ns)i * 45 * MS);
    }
    for (size_t k = 0; k < nha; k++)
        nb_sightings_add(ha.table, &sha[k]);
    for (size_t k = 0; k < nhb; k++)
        nb_sightings_add(hb.table, &shb[k]);

    /* the daemon: a tick starts its feeds' rounds; once they are over,
     * every result is covered (the rounds started after the last came) */
    nb_ns now = T0 + 11 * S;
    const struct nb_vd_target *t = nb_vd_find(f->v, "p", false);
    nb_vd_tick_at(f->v, now, RT0 + now);
    standin_run(f->loop, t->feed, 2);
    assert_true(nb_feed_ok(t->feed[0]) && nb_feed_ok(t->feed[1]));
    struct nb_cls_input *daemon = nb_calloc(1, sizeof(*daemon));
    nb_vd_input(f->v, t, now, RT0 + now, daemon);

    /* diagnose */
    struct nb_diag_report *rep = nb_calloc(1, sizeof(*rep));
    snprintf(rep->target, sizeof(rep->target), "p");
    rep->start = daemon->start;
    rep->end = daemon->end;
    stamp_report(res, N, 0, rep);
    snprintf(rep->local_agent, sizeof(rep->local_agent), "127.0.0.1:%u", nb_api_port(ha.api));
    snprintf(rep->remote_agent, sizeof(rep->remote_agent), "127.0.0.1:%u", nb_api_port(hb.api));
    rep->local_ok = rep->remote_ok = rep->decomposed = true;
    struct nb_path_obs *obs = nb_calloc(N, sizeof(*obs));
    nb_obs_from_results(res, NULL, N, obs);
    for (size_t i = 0; i < N; i++) {
        nb_obs_host_observable(&obs[i], 1);
        nb_obs_host_observable(&obs[i], 0);
    }
    for (size_t k = 0; k < nha; k++)
        nb_obs_place(&obs[(uint32_t)sha[k].probe_id], 1, &sha[k]);
    for (size_t k = 0; k < nhb; k++)
        nb_obs_place(&obs[(uint32_t)shb[k].probe_id], 0, &shb[k]);
    nb_waterfall_compute(obs, N, &rep->wf);
    struct nb_cls_input *cli = nb_calloc(1, sizeof(*cli));
    nb_window_from_diag(rep, cli);

    assert_true(daemon->path.local_agent && daemon->path.remote_agent);
    assert_int_equal(daemon->path.wf.lost, 12);
    for (int seg = 0; seg < NB_SEG__COUNT; seg++)
        assert_int_equal(daemon->path.wf.seg[seg].known, 188);
    assert_int_equal(daemon->path.wf.seg[NB_SEG_PHYSICAL].lost, 12); /* localised */
    assert_string_equal(daemon->local_host, "127.0.0.1");
    assert_same(cli, daemon);
    free(cli);
    free(obs);
    free(rep);
    free(daemon);
    free(sha);
    free(shb);
    free(res);
    standin_stop(&ha); /* on the loop, which vd_fix_free destroys */
    standin_stop(&hb);
    vd_fix_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_path_burst, setup, vd_fix_teardown),
        cmocka_unit_test_setup_teardown(test_app_burst, setup, vd_fix_teardown),
        cmocka_unit_test(test_path_decomposed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
