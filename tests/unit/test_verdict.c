/* test_verdict.c — the classifier's rules on handcrafted windows, one table
 * row per fault kind and place (DESIGN §7's benchmark, in miniature): each
 * window → expected layer, side, interface, confidence range, inconclusive
 * reason. Then the properties a user relies on: two faults give two
 * findings, counters alone stay low, the same input gives the same bytes,
 * the first evidence line explains the verdict. The windows themselves:
 * verdict_cases.c; cross-checks: test_verdict_cross.c; baselines:
 * test_verdict_baseline.c; sides and common mode: test_verdict_side.c;
 * random windows: test_verdict_random.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verdict_cases.h"

/* ---- the table ---- */

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
    {"resolver silent", c_resolver_silent, NB_LAYER_APP, NB_SIDE_NONE, "", 0.5, 1.0,
     "DNS: the resolver failed 10 of 10 lookups"},
    {"resolver silent, network lossy: the network's", c_resolver_silent_net_bad,
     NB_LAYER_PHYSICAL, NB_SIDE_NONE, "", 0.5, 1.0, "fabric probes"},
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
            dump(c->name, &v);
        assert_true(ok);
        assert_true(v.confidence >= 0.0 && v.confidence <= 1.0);
        for (size_t k = 0; k < v.nfindings; k++)
            assert_true(v.findings[k].confidence >= 0.0 && v.findings[k].confidence <= 1.0);
    }
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

static void test_nothing_observed(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict v;
    memset(&in, 0, sizeof(in));
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_INCONCLUSIVE);
    assert_string_equal(v.reason, "no observations in this window");
}

/* The first evidence line explains the verdict: the finding for a named
 * layer (before any cross-check), the reason for inconclusive, the coverage
 * line for healthy. */
/* A healthy verdict always says what it rests on, also without a path: a
 * fabric peer's window, an app target's (an alert's summary quotes it). */
static void test_healthy_says_what_it_rests_on(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict v;
    memset(&in, 0, sizeof(in));
    snprintf(in.target, sizeof(in.target), "%s", "hB");
    in.fabric.present = true;
    in.fabric.probes = 500;
    in.fabric.rtt = (struct nb_cls_rtt){true, 120 * US, 180 * US, 300 * US, 0, 0};
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_HEALTHY);
    assert_true(v.nevidence >= 1);
    assert_non_null(strstr(v.evidence[0], "500 of 500 fabric probes answered"));
    app_only(&in, 20);
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_HEALTHY);
    assert_non_null(strstr(v.evidence[0], "20 of 20 app probes succeeded"));
}

/* A silent resolver is DNS's while the measured network is healthy (as a
 * slow one is), never while it is not. */
static void test_silent_resolver(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict v;
    c_resolver_silent(&in);
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_APP);
    assert_int_equal(v.where.side, NB_SIDE_NONE);
    assert_true(verdict_mentions(&v, "the path to it is not measured"));
    c_resolver_silent_net_bad(&in);
    nb_classify(&in, NULL, NULL, &v);
    for (size_t i = 0; i < v.nfindings; i++)
        assert_int_not_equal(v.findings[i].layer, NB_LAYER_APP);
    assert_true(verdict_mentions(&v, "not blamed on DNS while the network is not healthy"));
}

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
        cmocka_unit_test(test_same_input_same_bytes),
        cmocka_unit_test(test_link_only_stays_low),
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_nothing_observed),
        cmocka_unit_test(test_first_evidence_explains),
        cmocka_unit_test(test_healthy_says_what_it_rests_on),
        cmocka_unit_test(test_silent_resolver),
        cmocka_unit_test(test_attribution_threshold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
