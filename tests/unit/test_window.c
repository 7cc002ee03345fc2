/* test_window.c — one classifier input for the same probes, whether they
 * reach the builder (input/window.h) as `netblame diagnose`'s report
 * (cli/diag_window.c) or through the daemon's ring of recent results
 * (daemon/verdicts_input.c): a path burst with lost and full-size probes
 * and a vnet side-burst, and an app burst with typed failures. The report
 * is made as diagnose makes it (its sender's totals, figures over the
 * answered results); one reply the sender dropped as bogus counts in the
 * report's totals and never reaches the daemon (window.h, COUNTS). Both
 * inputs must render the same trace line (every field the classifier and
 * a replay read) and get the same verdict. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/diag_window.h"
#include "net/buf.h"
#include "netblame/mem.h"
#include "wire/trace_json.h"

#include "verdicts_fixture.h"

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
    *state = vd_fix_new("{\"role\": \"guest\", \"peers\": ["
                        "{\"name\": \"p\", \"family\": \"path\", \"address\": \"10.0.0.2\"},"
                        "{\"name\": \"v\", \"family\": \"vnet\", \"address\": \"10.0.0.1\"}],"
                        "\"app\": [{\"name\": \"a\", \"url\": \"http://10.0.0.2/\"}]}");
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_path_burst, setup, vd_fix_teardown),
        cmocka_unit_test_setup_teardown(test_app_burst, setup, vd_fix_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
