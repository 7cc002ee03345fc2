/* test_sightings.c — the bounded sightings table: paging, sessions, eviction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "netblame/sightings.h"

static struct nb_sighting mk(uint32_t session, uint32_t seq)
{
    struct nb_sighting s = {0};
    s.probe_id = ((uint64_t)session << 32) | seq;
    s.ts = seq;
    return s;
}

static void test_pages_return_everything_once_in_order(void **state)
{
    struct nb_sightings *t = nb_sightings_new(100);
    struct nb_sighting out[7];
    for (uint32_t i = 0; i < 20; i++) {
        struct nb_sighting s = mk(1, i);
        nb_sightings_add(t, &s);
    }
    uint64_t since = 0, got = 0;
    for (;;) {
        struct nb_sightings_page pg = nb_sightings_read(t, since, 1, 0, out, 7);
        assert_int_equal(pg.missed, 0);
        for (size_t i = 0; i < pg.n; i++)
            assert_int_equal(out[i].probe_id & 0xffffffffu, got++);
        if (pg.n == 0)
            break;
        since = pg.next;
    }
    assert_int_equal(got, 20);
    nb_sightings_free(t);
}

static void test_session_filter(void **state)
{
    struct nb_sightings *t = nb_sightings_new(100);
    struct nb_sighting out[100];
    for (uint32_t i = 0; i < 30; i++) {
        struct nb_sighting s = mk(i % 3, i);
        nb_sightings_add(t, &s);
    }
    struct nb_sightings_page pg = nb_sightings_read(t, 0, 2, 0, out, 100);
    assert_int_equal(pg.n, 10);
    for (size_t i = 0; i < pg.n; i++)
        assert_int_equal(out[i].probe_id >> 32, 2);
    pg = nb_sightings_read(t, 0, 0, 1, out, 100);
    assert_int_equal(pg.n, 30);
    nb_sightings_free(t);
}

static void test_eviction_is_oldest_first_and_reported(void **state)
{
    struct nb_sightings *t = nb_sightings_new(8);
    struct nb_sighting out[16];
    for (uint32_t i = 0; i < 20; i++) {
        struct nb_sighting s = mk(1, i);
        nb_sightings_add(t, &s);
    }
    struct nb_sightings_stats st;
    nb_sightings_stats(t, &st);
    assert_int_equal(st.added, 20);
    assert_int_equal(st.evicted, 12);
    assert_int_equal(st.held, 8);
    /* A reader that last saw sequence 5 missed 6..12 (7 of them). */
    struct nb_sightings_page pg = nb_sightings_read(t, 6, 1, 0, out, 16);
    assert_int_equal(pg.missed, 7);
    assert_int_equal(pg.n, 8);
    assert_int_equal(out[0].probe_id & 0xffffffffu, 12);
    assert_int_equal(out[7].probe_id & 0xffffffffu, 19);
    assert_int_equal(pg.next, 21);
    /* Caught up: nothing new, nothing missed. */
    pg = nb_sightings_read(t, pg.next, 1, 0, out, 16);
    assert_int_equal(pg.n, 0);
    assert_int_equal(pg.missed, 0);
    assert_int_equal(pg.next, 21);
    nb_sightings_free(t);
}

static void test_empty_table(void **state)
{
    struct nb_sightings *t = nb_sightings_new(4);
    struct nb_sighting out[4];
    struct nb_sightings_page pg = nb_sightings_read(t, 0, 0, 1, out, 4);
    assert_int_equal(pg.n, 0);
    assert_int_equal(pg.next, 1);
    nb_sightings_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pages_return_everything_once_in_order),
        cmocka_unit_test(test_session_filter),
        cmocka_unit_test(test_eviction_is_oldest_first_and_reported),
        cmocka_unit_test(test_empty_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
