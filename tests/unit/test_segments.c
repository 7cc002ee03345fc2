/* test_segments.c — the decomposition arithmetic of DESIGN §2 on hand-built
 * observation sets: every segment on its own clock, the sum invariant,
 * unknown (never zero) where points are missing, loss localisation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "netblame/segments.h"
#include "netblame/sighting.h"

#define US 1000LL

/* A full observation: each clock has its own arbitrary offset, to prove that no
 * segment ever subtracts stamps from two different clocks. Hop times (us):
 * A->tap 10, tap->nic 3, wire 50, nic->tap 4, tap->B 20, B holds 30,
 * B->tap 21, tap->nic 5, wire 52, nic->tap 6, tap->A 11. */
static void full_obs(struct nb_path_obs *o)
{
    const nb_ns A = 1000000000LL, HA = 5555555555LL, HB = -777777777LL, B = 42LL;
    nb_ns t = 0; /* true time, us */
    memset(o, 0, sizeof(*o));
    nb_ns hop[NB_PT__COUNT] = {0, 10, 3, 50, 4, 20, 30, 21, 5, 52, 6, 11};
    nb_ns off[NB_PT__COUNT] = {A, HA, HA, HB, HB, B, B, HB, HB, HA, HA, A};
    for (int p = 0; p < NB_PT__COUNT; p++) {
        t += hop[p];
        o->observable[p] = o->seen[p] = true;
        o->t[p] = off[p] + t * US;
    }
}

static void test_every_segment_from_one_clock(void **state)
{
    struct nb_path_obs o;
    struct nb_segments s;
    full_obs(&o);
    nb_segments_compute(&o, &s);
    for (int i = 0; i < NB_SEG__COUNT; i++)
        assert_true(s.known[i]);
    assert_int_equal(s.v[NB_SEG_LOCAL_VIRTUAL], (10 + 11) * US);
    assert_int_equal(s.v[NB_SEG_LOCAL_SWITCH], (3 + 6) * US);
    assert_int_equal(s.v[NB_SEG_PHYSICAL], (50 + 52) * US);
    assert_int_equal(s.v[NB_SEG_REMOTE_SWITCH], (4 + 5) * US);
    assert_int_equal(s.v[NB_SEG_REMOTE_VIRTUAL], (20 + 21) * US);
    assert_int_equal(s.v[NB_SEG_REMOTE_APP], 30 * US);
}

static void test_segments_sum_to_round_trip(void **state)
{
    struct nb_path_obs o;
    struct nb_segments s;
    full_obs(&o);
    nb_segments_compute(&o, &s);
    nb_ns sum = 0;
    for (int i = 0; i < NB_SEG__COUNT; i++)
        sum += s.v[i];
    assert_int_equal(sum, o.t[NB_PT_A_RX] - o.t[NB_PT_A_TX]);
}

static void test_plain_reflector_leaves_remote_segments_unknown(void **state)
{
    struct nb_path_obs o;
    struct nb_segments s;
    full_obs(&o);
    /* No host agent at the remote end: no HB.* points. */
    enum nb_point hb[] = {NB_PT_HB_NIC_IN, NB_PT_HB_TAP_OUT, NB_PT_HB_TAP_IN, NB_PT_HB_NIC_OUT};
    for (size_t i = 0; i < 4; i++)
        o.observable[hb[i]] = o.seen[hb[i]] = false;
    nb_segments_compute(&o, &s);
    assert_true(s.known[NB_SEG_LOCAL_VIRTUAL]);
    assert_true(s.known[NB_SEG_LOCAL_SWITCH]);
    assert_true(s.known[NB_SEG_REMOTE_APP]);
    assert_false(s.known[NB_SEG_PHYSICAL]);
    assert_false(s.known[NB_SEG_REMOTE_SWITCH]);
    assert_false(s.known[NB_SEG_REMOTE_VIRTUAL]);
    assert_int_equal(s.v[NB_SEG_PHYSICAL], 0); /* unknown is flagged, not a figure */
}

static void test_no_host_agents_only_app_known(void **state)
{
    struct nb_path_obs o;
    struct nb_segments s;
    full_obs(&o);
    for (int p = NB_PT_HA_TAP_IN; p <= NB_PT_HA_TAP_OUT; p++)
        if (p != NB_PT_B_RX && p != NB_PT_B_TX)
            o.observable[p] = o.seen[p] = false;
    nb_segments_compute(&o, &s);
    for (int i = 0; i < NB_SEG__COUNT; i++)
        assert_int_equal(s.known[i], i == NB_SEG_REMOTE_APP);
}

static void test_lost_probe_has_no_segments(void **state)
{
    struct nb_path_obs o;
    struct nb_segments s;
    full_obs(&o);
    o.lost = true;
    nb_segments_compute(&o, &s);
    for (int i = 0; i < NB_SEG__COUNT; i++)
        assert_false(s.known[i]);
}

/* Lose a fully observable probe right after point P. */
static unsigned lose_after(enum nb_point p, enum nb_point *from, enum nb_point *to)
{
    struct nb_path_obs o;
    unsigned mask;
    full_obs(&o);
    o.lost = true;
    for (int q = p + 1; q < NB_PT__COUNT; q++)
        o.seen[q] = false;
    /* Only a reply carries B.rx/B.tx: unknown for a lost probe unless resolved. */
    o.seen[NB_PT_B_RX] = o.seen[NB_PT_B_TX] = false;
    o.observable[NB_PT_B_RX] = o.observable[NB_PT_B_TX] = false;
    assert_true(nb_loss_locate(&o, &mask, from, to));
    return mask;
}

static void test_reflector_sequence_resolves_remote_loss(void **state)
{
    struct nb_path_obs o;
    unsigned mask;
    enum nb_point f, t;
    full_obs(&o);
    o.lost = true;
    for (int q = NB_PT_B_RX; q < NB_PT__COUNT; q++)
        o.seen[q] = false;
    /* The reflector's sequence says it never got it: lost before B.rx. */
    assert_true(nb_loss_locate(&o, &mask, &f, &t));
    assert_int_equal(mask, 1u << NB_SEG_REMOTE_VIRTUAL);
    assert_int_equal(t, NB_PT_B_RX);
    /* It got it and answered: the reply was lost between B.tx and HB.tap.in. */
    o.seen[NB_PT_B_RX] = o.seen[NB_PT_B_TX] = true;
    assert_true(nb_loss_locate(&o, &mask, &f, &t));
    assert_int_equal(f, NB_PT_B_TX);
    assert_int_equal(mask, 1u << NB_SEG_REMOTE_VIRTUAL);
}

static void test_loss_localised_to_each_segment(void **state)
{
    enum nb_point f, t;
    assert_int_equal(lose_after(NB_PT_A_TX, &f, &t), 1u << NB_SEG_LOCAL_VIRTUAL);
    assert_int_equal(lose_after(NB_PT_HA_TAP_IN, &f, &t), 1u << NB_SEG_LOCAL_SWITCH);
    assert_int_equal(f, NB_PT_HA_TAP_IN);
    assert_int_equal(t, NB_PT_HA_NIC_OUT);
    assert_int_equal(lose_after(NB_PT_HA_NIC_OUT, &f, &t), 1u << NB_SEG_PHYSICAL);
    assert_int_equal(lose_after(NB_PT_HB_NIC_IN, &f, &t), 1u << NB_SEG_REMOTE_SWITCH);
    /* Delivered to B's tap, never back: the remote guest's virtio path or the
     * reflector itself — B.rx cannot be seen for a lost probe. */
    assert_int_equal(lose_after(NB_PT_HB_TAP_OUT, &f, &t),
                     (1u << NB_SEG_REMOTE_VIRTUAL) | (1u << NB_SEG_REMOTE_APP));
    assert_int_equal(t, NB_PT_HB_TAP_IN);
    assert_int_equal(lose_after(NB_PT_HB_TAP_IN, &f, &t), 1u << NB_SEG_REMOTE_SWITCH);
    assert_int_equal(lose_after(NB_PT_HB_NIC_OUT, &f, &t), 1u << NB_SEG_PHYSICAL);
    assert_int_equal(lose_after(NB_PT_HA_NIC_IN, &f, &t), 1u << NB_SEG_LOCAL_SWITCH);
    assert_int_equal(lose_after(NB_PT_HA_TAP_OUT, &f, &t), 1u << NB_SEG_LOCAL_VIRTUAL);
}

static void test_loss_without_remote_agent_is_ambiguous(void **state)
{
    struct nb_path_obs o;
    unsigned mask;
    enum nb_point f, t;
    full_obs(&o);
    o.lost = true;
    for (int p = NB_PT_HB_NIC_IN; p <= NB_PT_A_RX; p++)
        o.seen[p] = false;
    o.observable[NB_PT_HB_NIC_IN] = o.observable[NB_PT_HB_TAP_OUT] = false;
    o.observable[NB_PT_HB_TAP_IN] = o.observable[NB_PT_HB_NIC_OUT] = false;
    o.observable[NB_PT_B_RX] = o.observable[NB_PT_B_TX] = false;
    assert_true(nb_loss_locate(&o, &mask, &f, &t));
    assert_int_equal(f, NB_PT_HA_NIC_OUT);
    assert_int_equal(t, NB_PT_HA_NIC_IN);
    /* Physical or anything beyond it: never claimed to be physical alone. */
    assert_int_equal(mask, (1u << NB_SEG_PHYSICAL) | (1u << NB_SEG_REMOTE_SWITCH) |
                               (1u << NB_SEG_REMOTE_VIRTUAL) | (1u << NB_SEG_REMOTE_APP));
}

static void test_loss_seen_nowhere_is_not_located(void **state)
{
    struct nb_path_obs o;
    unsigned mask;
    enum nb_point f, t;
    memset(&o, 0, sizeof(o));
    o.lost = true;
    assert_false(nb_loss_locate(&o, &mask, &f, &t));
}

static void test_names(void **state)
{
    assert_string_equal(nb_point_name(NB_PT_HA_TAP_IN), "HA.tap.in");
    assert_string_equal(nb_point_name(NB_PT_A_RX), "A.rx");
    assert_string_equal(nb_segment_name(NB_SEG_REMOTE_APP), "remote_app");
    assert_string_equal(nb_segment_layer(NB_SEG_PHYSICAL), "physical");
    assert_string_equal(nb_segment_layer(NB_SEG_LOCAL_SWITCH), "virtual");
    assert_string_equal(nb_segment_layer(NB_SEG_REMOTE_APP), "app");
}

static void test_sighting_to_point(void **state)
{
    /* The sender's host: the test packet enters by the tap (inbound on vnetX),
     * leaves by the NIC; the reply comes in by the NIC, out by the tap. */
    assert_int_equal(nb_point_of_sighting(1, NB_PKT_TEST, NB_IF_TAP, NB_DIR_IN), NB_PT_HA_TAP_IN);
    assert_int_equal(nb_point_of_sighting(1, NB_PKT_TEST, NB_IF_NIC, NB_DIR_OUT), NB_PT_HA_NIC_OUT);
    assert_int_equal(nb_point_of_sighting(1, NB_PKT_REPLY, NB_IF_NIC, NB_DIR_IN), NB_PT_HA_NIC_IN);
    assert_int_equal(nb_point_of_sighting(1, NB_PKT_REPLY, NB_IF_TAP, NB_DIR_OUT),
                     NB_PT_HA_TAP_OUT);
    /* The reflector's host: the other way round. */
    assert_int_equal(nb_point_of_sighting(0, NB_PKT_TEST, NB_IF_NIC, NB_DIR_IN), NB_PT_HB_NIC_IN);
    assert_int_equal(nb_point_of_sighting(0, NB_PKT_TEST, NB_IF_TAP, NB_DIR_OUT), NB_PT_HB_TAP_OUT);
    assert_int_equal(nb_point_of_sighting(0, NB_PKT_REPLY, NB_IF_TAP, NB_DIR_IN), NB_PT_HB_TAP_IN);
    assert_int_equal(nb_point_of_sighting(0, NB_PKT_REPLY, NB_IF_NIC, NB_DIR_OUT),
                     NB_PT_HB_NIC_OUT);
    /* No such point: a test packet leaving the sender's host by its tap. */
    assert_int_equal(nb_point_of_sighting(1, NB_PKT_TEST, NB_IF_TAP, NB_DIR_OUT), NB_PT__COUNT);
    assert_int_equal(nb_point_of_sighting(1, 7, NB_IF_TAP, NB_DIR_OUT), NB_PT__COUNT);
}

static void test_waterfall_over_a_window(void **state)
{
    struct nb_path_obs obs[5];
    for (int i = 0; i < 5; i++)
        full_obs(&obs[i]);
    /* probe 3: lost on the wire out; probe 4: lost, seen nowhere */
    obs[3].lost = true;
    for (int p = NB_PT_HB_NIC_IN; p < NB_PT__COUNT; p++)
        obs[3].seen[p] = false;
    memset(&obs[4], 0, sizeof(obs[4]));
    obs[4].lost = true;
    struct nb_waterfall w;
    nb_waterfall_compute(obs, 5, &w);
    assert_int_equal(w.probes, 5);
    assert_int_equal(w.answered, 3);
    assert_int_equal(w.lost, 2);
    assert_int_equal(w.lost_unlocated, 1);
    assert_int_equal(w.seg[NB_SEG_PHYSICAL].lost, 1);
    assert_int_equal(w.seg[NB_SEG_PHYSICAL].known, 3);
    assert_float_equal(w.seg[NB_SEG_PHYSICAL].p50, 102 * US, 0);
    assert_float_equal(w.seg[NB_SEG_REMOTE_APP].p99, 30 * US, 0);
    assert_int_equal(w.seg[NB_SEG_LOCAL_VIRTUAL].lost, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_segment_from_one_clock),
        cmocka_unit_test(test_segments_sum_to_round_trip),
        cmocka_unit_test(test_plain_reflector_leaves_remote_segments_unknown),
        cmocka_unit_test(test_no_host_agents_only_app_known),
        cmocka_unit_test(test_lost_probe_has_no_segments),
        cmocka_unit_test(test_loss_localised_to_each_segment),
        cmocka_unit_test(test_loss_without_remote_agent_is_ambiguous),
        cmocka_unit_test(test_reflector_sequence_resolves_remote_loss),
        cmocka_unit_test(test_loss_seen_nowhere_is_not_located),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_sighting_to_point),
        cmocka_unit_test(test_waterfall_over_a_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
