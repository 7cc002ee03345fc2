/* test_observe.c — observation records from sender results (agent/input/observe.c):
 * the reflector-receipt inference that locates lost probes before or after
 * B, in a diagnose burst (from the session's start) and in the daemon's
 * sliding window (from anywhere in it, results in sequence order), and the
 * placing of host agents' sightings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "input/observe.h"

#define NONCE 0xabcd0000u

/* Results seq FIRST.. of a netblame reflector; LOST[i] marks lost ones; the
 * reflector received REFL_BASE + (probes received so far) for each answer,
 * where RECEIVED[i] says whether it received probe i at all. */
static void results(struct nb_probe_result *r, size_t n, uint32_t first, const bool *lost,
                    const bool *received, uint32_t refl_base)
{
    uint32_t refl = refl_base;
    for (size_t i = 0; i < n; i++) {
        memset(&r[i], 0, sizeof(r[i]));
        r[i].seq = first + (uint32_t)i;
        r[i].probe_id = (uint64_t)NONCE << 32 | r[i].seq;
        r[i].lost = lost[i];
        r[i].netblame_reflector = true;
        r[i].t1 = 1000 * (nb_ns)i;
        if (!lost[i]) {
            r[i].t2 = r[i].t1 + 10;
            r[i].t3 = r[i].t1 + 20;
            r[i].t4 = r[i].t1 + 30;
        }
        if (received[i])
            r[i].refl_seq = refl++;
    }
}

static void test_lost_on_the_way_there(void **state)
{
    bool lost[] = {0, 1, 1, 0}, rcv[] = {1, 0, 0, 1};
    struct nb_probe_result r[4];
    struct nb_path_obs o[4];
    results(r, 4, 0, lost, rcv, 0);
    nb_obs_from_results(r, NULL, 4, o);
    for (int i = 1; i <= 2; i++) {
        assert_true(o[i].lost);
        assert_true(o[i].observable[NB_PT_B_RX]);
        assert_false(o[i].seen[NB_PT_B_RX]); /* never reached the reflector */
    }
    assert_true(o[3].seen[NB_PT_A_RX]);
}

static void test_replies_lost_on_the_way_back(void **state)
{
    bool lost[] = {0, 1, 1, 0}, rcv[] = {1, 1, 1, 1};
    struct nb_probe_result r[4];
    struct nb_path_obs o[4];
    results(r, 4, 0, lost, rcv, 0);
    nb_obs_from_results(r, NULL, 4, o);
    assert_true(o[1].observable[NB_PT_B_TX] && o[1].seen[NB_PT_B_TX]);
    assert_true(o[2].observable[NB_PT_B_RX] && o[2].seen[NB_PT_B_RX]);
}

/* A sliding window starts mid-session: the lost probes before its first
 * answer cannot be counted (the reflector's number before them is not in
 * the window), so they stay unresolved rather than guessed. */
static void test_window_mid_session_starts_counting_at_first_answer(void **state)
{
    bool lost[] = {1, 0, 1, 0}, rcv[] = {0, 1, 0, 1};
    struct nb_probe_result r[4];
    struct nb_path_obs o[4];
    results(r, 4, 500, lost, rcv, 480);
    nb_obs_from_results(r, NULL, 4, o);
    assert_false(o[0].observable[NB_PT_B_RX]); /* before the first answer */
    assert_true(o[2].observable[NB_PT_B_RX]);  /* between two answers */
    assert_false(o[2].seen[NB_PT_B_RX]);
}

/* A gap in the sequence numbers (a probe not in the window) or a new session
 * between two answers makes the count meaningless: unresolved. */
static void test_gaps_and_new_sessions_stay_unresolved(void **state)
{
    bool lost[] = {0, 1, 0}, rcv[] = {1, 0, 1};
    struct nb_probe_result r[3];
    struct nb_path_obs o[3];
    results(r, 3, 0, lost, rcv, 0);
    r[2].seq = 3; /* seq 2 missing from the window */
    r[2].probe_id = (uint64_t)NONCE << 32 | 3;
    nb_obs_from_results(r, NULL, 3, o);
    assert_false(o[1].observable[NB_PT_B_RX]);

    results(r, 3, 0, lost, rcv, 0);
    r[2].probe_id = (uint64_t)(NONCE + 1) << 32 | 2; /* a reload's new session */
    nb_obs_from_results(r, NULL, 3, o);
    assert_false(o[1].observable[NB_PT_B_RX]);
}

static void test_unfinished_probes_are_lost(void **state)
{
    bool lost[] = {0, 0}, rcv[] = {1, 1}, done[] = {true, false};
    struct nb_probe_result r[2];
    struct nb_path_obs o[2];
    results(r, 2, 0, lost, rcv, 0);
    nb_obs_from_results(r, done, 2, o);
    assert_false(o[0].lost);
    assert_true(o[1].lost);
    assert_false(o[1].seen[NB_PT_A_TX]);
}

static void test_sightings_placed_once_on_their_side(void **state)
{
    struct nb_path_obs o;
    memset(&o, 0, sizeof(o));
    nb_obs_host_observable(&o, 1);
    assert_true(o.observable[NB_PT_HA_TAP_IN] && o.observable[NB_PT_HA_TAP_OUT]);
    assert_false(o.observable[NB_PT_HB_NIC_IN]);
    struct nb_sighting s = {.kind = NB_PKT_TEST, .role = NB_IF_TAP, .dir = NB_DIR_IN, .ts = 7};
    assert_true(nb_obs_place(&o, 1, &s));
    assert_true(o.seen[NB_PT_HA_TAP_IN]);
    s.ts = 9;
    assert_false(nb_obs_place(&o, 1, &s)); /* a duplicate: the first counts */
    assert_int_equal(o.t[NB_PT_HA_TAP_IN], 7);
}

static void test_link_only_when_something_to_say(void **state)
{
    struct nb_link_report a = {.name = "vnet0", .up = true, .carrier = true};
    struct nb_link_counters dc = {0};
    struct nb_cls_link l;
    assert_false(nb_obs_link(1, "198.18.0.1", &a, &dc, &l));
    dc.tx_dropped = 912;
    assert_true(nb_obs_link(1, "198.18.0.1", &a, &dc, &l));
    assert_int_equal(l.tx_dropped, 912);
    assert_int_equal(l.side, NB_SIDE_LOCAL);
    assert_int_equal(l.role, NB_IF_TAP);
    dc.tx_dropped = 0;
    a.carrier = false;
    assert_true(nb_obs_link(0, "198.18.0.2", &a, &dc, &l));
    assert_int_equal(l.side, NB_SIDE_REMOTE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lost_on_the_way_there),
        cmocka_unit_test(test_replies_lost_on_the_way_back),
        cmocka_unit_test(test_window_mid_session_starts_counting_at_first_answer),
        cmocka_unit_test(test_gaps_and_new_sessions_stay_unresolved),
        cmocka_unit_test(test_unfinished_probes_are_lost),
        cmocka_unit_test(test_sightings_placed_once_on_their_side),
        cmocka_unit_test(test_link_only_when_something_to_say),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
