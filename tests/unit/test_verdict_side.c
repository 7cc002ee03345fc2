/* test_verdict_side.c — which team a fault is blamed on: every segment's
 * fault (slow, stalling, losing) lands on its own layer and side, and
 * segments of several teams rising together (common mode) are not one
 * layer's fault. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "verdict_cases.h"

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
                dump("side", &v);
                fail();
            }
            assert_true(v.seg[s].anomalous);
            assert_int_equal(v.seg[s].tail, kind == 1);
        }
    }
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
        dump("common mode", &v);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_segment_and_side),
        cmocka_unit_test(test_common_mode_is_not_one_layer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
