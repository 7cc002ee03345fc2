/* test_seqtrack.c — loss, duplicate, reorder and late accounting of a session. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "seqtrack.h"

#define MS 1000000LL

static unsigned lost_count;
static uint32_t lost_seqs[NB_SEQ_RING + 8];

static void on_lost(void *arg, const struct nb_probe *p)
{
    lost_seqs[lost_count++] = p->seq;
}

static struct nb_seqtrack t;

static int setup(void **state)
{
    nb_seqtrack_init(&t, 0, 0);
    lost_count = 0;
    return 0;
}

static int teardown(void **state)
{
    nb_seqtrack_free(&t);
    return 0;
}

static void test_in_order_replies_are_new(void **state)
{
    for (int i = 0; i < 5; i++)
        nb_seqtrack_sent(&t, i * MS, on_lost, NULL);
    for (uint32_t i = 0; i < 5; i++) {
        struct nb_probe *p;
        bool re;
        assert_int_equal(nb_seqtrack_received(&t, i, &p, &re), NB_RX_NEW);
        assert_non_null(p);
        assert_int_equal(p->seq, i);
        assert_false(re);
    }
    assert_int_equal(t.st.sent, 5);
    assert_int_equal(t.st.received, 5);
    assert_int_equal(t.st.reordered, 0);
    assert_int_equal(nb_seqtrack_outstanding(&t), 0);
}

static void test_unanswered_probe_is_lost_only_after_timeout(void **state)
{
    nb_seqtrack_sent(&t, 0, on_lost, NULL);
    nb_seqtrack_sent(&t, 10 * MS, on_lost, NULL);
    assert_int_equal(nb_seqtrack_expire(&t, 999 * MS, 1000 * MS, on_lost, NULL), 0);
    assert_int_equal(nb_seqtrack_expire(&t, 1000 * MS, 1000 * MS, on_lost, NULL), 1);
    assert_int_equal(lost_seqs[0], 0);
    assert_int_equal(t.st.lost, 1);
    assert_int_equal(nb_seqtrack_outstanding(&t), 1);
    assert_int_equal(nb_seqtrack_expire(&t, 1010 * MS, 1000 * MS, on_lost, NULL), 1);
    assert_int_equal(lost_seqs[1], 1);
}

static bool odd(const void *arg, uint32_t seq)
{
    return seq % 2;
}

/* Probes in flight past an age are counted (not declared lost), only those
 * sent since a realtime instant, oldest first. */
static void test_overdue_counted(void **state)
{
    for (int i = 0; i < 4; i++) {
        struct nb_probe *p = nb_seqtrack_sent(&t, i * 100 * MS, on_lost, NULL);
        p->t1_user = 5000 + i;
    }
    struct nb_probe *p;
    bool re;
    nb_seqtrack_received(&t, 0, &p, &re);
    unsigned sel = 9;
    /* at 350 ms: 1 and 2 are 150 ms+ old, 3 is 50 ms */
    assert_int_equal(nb_seqtrack_overdue(&t, 350 * MS, 150 * MS, 0, odd, NULL, &sel), 2);
    assert_int_equal(sel, 1);
    assert_int_equal(nb_seqtrack_overdue(&t, 350 * MS, 150 * MS, 5002, NULL, NULL, NULL), 1);
    assert_int_equal(nb_seqtrack_overdue(&t, 350 * MS, 400 * MS, 0, NULL, NULL, NULL), 0);
    assert_int_equal(t.st.lost, 0); /* counted, not declared */
    assert_int_equal(nb_seqtrack_outstanding(&t), 3);
}

static void test_duplicate_and_late_replies_counted_not_reused(void **state)
{
    struct nb_probe *p;
    bool re;
    nb_seqtrack_sent(&t, 0, on_lost, NULL);
    nb_seqtrack_sent(&t, 0, on_lost, NULL);
    assert_int_equal(nb_seqtrack_received(&t, 0, &p, &re), NB_RX_NEW);
    assert_int_equal(nb_seqtrack_received(&t, 0, &p, &re), NB_RX_DUP);
    assert_null(p);
    nb_seqtrack_expire(&t, 5000 * MS, 1000 * MS, on_lost, NULL);
    assert_int_equal(nb_seqtrack_received(&t, 1, &p, &re), NB_RX_LATE);
    assert_int_equal(t.st.duplicates, 1);
    assert_int_equal(t.st.late, 1);
    assert_int_equal(t.st.lost, 1);
    assert_int_equal(t.st.received, 1);
}

static void test_reordering_detected(void **state)
{
    struct nb_probe *p;
    bool re;
    for (int i = 0; i < 3; i++)
        nb_seqtrack_sent(&t, 0, on_lost, NULL);
    assert_int_equal(nb_seqtrack_received(&t, 2, &p, &re), NB_RX_NEW);
    assert_false(re);
    assert_int_equal(nb_seqtrack_received(&t, 0, &p, &re), NB_RX_NEW);
    assert_true(re);
    assert_int_equal(nb_seqtrack_received(&t, 1, &p, &re), NB_RX_NEW);
    assert_true(re);
    assert_int_equal(t.st.reordered, 2);
}

static void test_unknown_sequences_rejected(void **state)
{
    struct nb_probe *p;
    bool re;
    nb_seqtrack_sent(&t, 0, on_lost, NULL);
    assert_int_equal(nb_seqtrack_received(&t, 1, &p, &re), NB_RX_UNKNOWN);        /* not sent yet */
    assert_int_equal(nb_seqtrack_received(&t, 0xfffffff0u, &p, &re), NB_RX_UNKNOWN); /* far past */
    assert_int_equal(nb_seqtrack_received(&t, 4096, &p, &re), NB_RX_UNKNOWN);     /* same slot */
    assert_int_equal(t.st.unknown, 3);
    assert_int_equal(nb_seqtrack_received(&t, 0, &p, &re), NB_RX_NEW);
}

static void test_sequence_wraps_around(void **state)
{
    struct nb_probe *p;
    bool re;
    nb_seqtrack_free(&t);
    nb_seqtrack_init(&t, 0xfffffffeu, 0);
    for (int i = 0; i < 4; i++)
        nb_seqtrack_sent(&t, 0, on_lost, NULL);
    assert_int_equal(nb_seqtrack_received(&t, 0xfffffffeu, &p, &re), NB_RX_NEW);
    assert_int_equal(nb_seqtrack_received(&t, 0xffffffffu, &p, &re), NB_RX_NEW);
    assert_int_equal(nb_seqtrack_received(&t, 0, &p, &re), NB_RX_NEW);
    assert_false(re);
    assert_int_equal(nb_seqtrack_received(&t, 1, &p, &re), NB_RX_NEW);
    assert_int_equal(t.st.reordered, 0);
}

static void test_ring_overflow_declares_oldest_lost(void **state)
{
    for (unsigned i = 0; i < NB_SEQ_RING + 3; i++)
        nb_seqtrack_sent(&t, 0, on_lost, NULL);
    assert_int_equal(lost_count, 3);
    assert_int_equal(lost_seqs[0], 0);
    assert_int_equal(lost_seqs[2], 2);
    assert_int_equal(nb_seqtrack_outstanding(&t), NB_SEQ_RING);
}

/* A session has the slots its rate and timeout need, a power of two: a
 * 1/s peer with a 2 s timeout asks 6 and gets 16 (768 B, not 192 KiB). */
static void test_small_ring_sized_to_power_of_two(void **state)
{
    nb_seqtrack_free(&t);
    nb_seqtrack_init(&t, 0, 6);
    assert_int_equal(nb_seqtrack_cap(&t), 16);
    for (unsigned i = 0; i < 16 + 3; i++)
        nb_seqtrack_sent(&t, 0, on_lost, NULL);
    assert_int_equal(lost_count, 3);
    assert_int_equal(nb_seqtrack_outstanding(&t), 16);
    struct nb_probe *p;
    bool re;
    assert_int_equal(nb_seqtrack_received(&t, 18, &p, &re), NB_RX_NEW);
    assert_int_equal(nb_seqtrack_received(&t, 0, &p, &re), NB_RX_UNKNOWN); /* slot reused */
    nb_seqtrack_free(&t);
    nb_seqtrack_init(&t, 0, 17);
    assert_int_equal(nb_seqtrack_cap(&t), 32);
    nb_seqtrack_free(&t);
    nb_seqtrack_init(&t, 0, 100000);
    assert_int_equal(nb_seqtrack_cap(&t), NB_SEQ_RING);
}

static void test_unsend_is_neither_sent_nor_lost(void **state)
{
    struct nb_probe *p = nb_seqtrack_sent(&t, 0, on_lost, NULL);
    nb_seqtrack_unsend(&t, p);
    nb_seqtrack_expire(&t, 10000 * MS, 1000 * MS, on_lost, NULL);
    assert_int_equal(t.st.sent, 0);
    assert_int_equal(t.st.lost, 0);
}

static void test_txkey_lookup(void **state)
{
    struct nb_probe *a = nb_seqtrack_sent(&t, 0, on_lost, NULL);
    struct nb_probe *b = nb_seqtrack_sent(&t, 0, on_lost, NULL);
    a->tx_key = 7;
    b->tx_key = 8;
    assert_ptr_equal(nb_seqtrack_by_txkey(&t, 8), b);
    assert_ptr_equal(nb_seqtrack_by_txkey(&t, 7), a);
    assert_null(nb_seqtrack_by_txkey(&t, 9));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_in_order_replies_are_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unanswered_probe_is_lost_only_after_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_and_late_replies_counted_not_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reordering_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_sequences_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sequence_wraps_around, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ring_overflow_declares_oldest_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_ring_sized_to_power_of_two, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsend_is_neither_sent_nor_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_txkey_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overdue_counted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
