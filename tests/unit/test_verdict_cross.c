/* test_verdict_cross.c — the classifier's cross-checks: a family of probes
 * (vnet, fabric) that disagrees with a segment lowers its finding's
 * confidence and one that agrees raises it, a small family contradicts
 * nothing, link counters corroborate, and loss is never called healthy nor
 * blamed where a family saw the layer healthy. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "verdict_cases.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vnet_disagreeing_lowers_confidence),
        cmocka_unit_test(test_fabric_disagreeing_lowers_confidence),
        cmocka_unit_test(test_small_family_does_not_contradict_loss),
        cmocka_unit_test(test_counters_corroborate),
        cmocka_unit_test(test_unreachable_remote_never_physical),
        cmocka_unit_test(test_unlocated_loss_is_never_healthy),
        cmocka_unit_test(test_silent_family_peer_is_not_a_layer_fault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
