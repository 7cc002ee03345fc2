/* test_sightings_json.c — the sightings API's JSON: exact round trip of
 * 64-bit ids and nanosecond stamps, and refusal of malformed pages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/sightings_json.h"

static void test_round_trip_keeps_every_bit(void **state)
{
    struct nb_sighting in[2] = {0}, out[4];
    in[0].probe_id = 0xfedcba9876543210ULL;
    in[0].ts = 1764000000123456789LL; /* needs 61 bits: a double would round it */
    in[0].kind = NB_PKT_TEST;
    in[0].role = NB_IF_TAP;
    in[0].dir = NB_DIR_IN;
    in[0].ifindex = 7;
    strcpy(in[0].ifname, "vnetA");
    in[1] = in[0];
    in[1].kind = NB_PKT_REPLY;
    in[1].role = NB_IF_NIC;
    in[1].dir = NB_DIR_OUT;
    in[1].proto = NB_PROTO_TCP;
    in[1].isn = 0xfffffffeu;
    in[1].ts += 1;
    struct nb_sightings_page pg = {.next = 12345678901234ULL, .missed = 3, .n = 2}, got;
    struct nb_buf b;
    nb_buf_init(&b);
    nb_sightings_json_render("hA", &pg, in, &b);
    char err[128];
    assert_int_equal(nb_sightings_json_parse(b.data, b.len, out, 4, &got, err, sizeof(err)), 0);
    assert_int_equal(got.n, 2);
    assert_int_equal(got.next, pg.next);
    assert_int_equal(got.missed, 3);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(out[i].probe_id, in[i].probe_id);
        assert_int_equal(out[i].ts, in[i].ts);
        assert_int_equal(out[i].kind, in[i].kind);
        assert_int_equal(out[i].role, in[i].role);
        assert_int_equal(out[i].dir, in[i].dir);
        assert_int_equal(out[i].proto, in[i].proto);
        assert_int_equal(out[i].isn, in[i].isn);
        assert_int_equal(out[i].ifindex, 7);
        assert_string_equal(out[i].ifname, "vnetA");
    }
    nb_buf_free(&b);
}

static void test_malformed_pages_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{\"next\":\"1\",\"missed\":\"0\"}",
        "{\"next\":1,\"missed\":\"0\",\"sightings\":[]}",
        "{\"next\":\"-1\",\"missed\":\"0\",\"sightings\":[]}",
        "{\"next\":\"99999999999999999999999\",\"missed\":\"0\",\"sightings\":[]}",
        "{\"next\":\"1\",\"missed\":\"0\",\"sightings\":[{}]}",
        "{\"next\":\"1\",\"missed\":\"0\",\"sightings\":[{\"probe_id\":\"zz\",\"ts\":\"1\","
        "\"kind\":\"test\",\"role\":\"tap\",\"dir\":\"in\",\"ifname\":\"x\",\"ifindex\":1}]}",
        "{\"next\":\"1\",\"missed\":\"0\",\"sightings\":[{\"probe_id\":\"1\",\"ts\":\"1\","
        "\"kind\":\"other\",\"role\":\"tap\",\"dir\":\"in\",\"ifname\":\"x\",\"ifindex\":1}]}",
        "{\"next\":\"1\",\"missed\":\"0\",\"sightings\":[{\"probe_id\":\"1\",\"ts\":\"1\","
        "\"kind\":\"test\",\"role\":\"tap\",\"dir\":\"in\",\"proto\":\"udp\",\"ifname\":\"x\","
        "\"ifindex\":1}]}",
        "{\"next\":\"1\",\"missed\":\"0\",\"sightings\":[{\"probe_id\":\"1\",\"ts\":\"1\","
        "\"kind\":\"test\",\"role\":\"tap\",\"dir\":\"in\",\"proto\":\"tcp\",\"isn\":4294967296,"
        "\"ifname\":\"x\",\"ifindex\":1}]}",
        "{\"next\":\"1\",\"missed\":\"0\",\"sightings\":[{\"probe_id\":\"1\",\"ts\":\"1\","
        "\"kind\":\"test\",\"role\":\"tap\",\"dir\":\"in\",\"proto\":\"tcp\",\"isn\":1.5,"
        "\"ifname\":\"x\",\"ifindex\":1}]}",
        "{\"next\":\"1\",\"missed\":\"0\",\"sightings\":[{\"probe_id\":\"1\",\"ts\":\"1\","
        "\"kind\":\"test\",\"role\":\"tap\",\"dir\":\"in\",\"ifname\":\"0123456789abcdef\","
        "\"ifindex\":1}]}",
        "{\"next\":\"1\",\"missed\":\"0\",\"sightings\":[{\"probe_id\":\"1\",\"ts\":"
        "\"18446744073709551615\","
        "\"kind\":\"test\",\"role\":\"tap\",\"dir\":\"in\",\"ifname\":\"x\",\"ifindex\":1}]}",
    };
    struct nb_sighting out[4];
    struct nb_sightings_page pg;
    char err[128];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(
            nb_sightings_json_parse(bad[i], strlen(bad[i]), out, 4, &pg, err, sizeof(err)), -1);
        assert_true(strlen(err) > 0);
    }
}

static void test_page_larger_than_caller_room_refused(void **state)
{
    const char *two = "{\"next\":\"3\",\"missed\":\"0\",\"sightings\":["
                      "{\"probe_id\":\"1\",\"ts\":\"1\",\"kind\":\"test\",\"role\":\"tap\",\"dir\":"
                      "\"in\",\"ifname\":\"x\",\"ifindex\":1},"
                      "{\"probe_id\":\"2\",\"ts\":\"2\",\"kind\":\"test\",\"role\":\"tap\",\"dir\":"
                      "\"in\",\"ifname\":\"x\",\"ifindex\":1}]}";
    struct nb_sighting out[1];
    struct nb_sightings_page pg;
    char err[128];
    assert_int_equal(nb_sightings_json_parse(two, strlen(two), out, 1, &pg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "more than 1"));
}

/* A repeated key is refused (wire/jsonread.h's rule for every parser); a
 * member a newer agent adds is passed over, as before. */
static void test_repeated_keys_refused(void **state)
{
#define ONE "{\"probe_id\":\"1\",\"ts\":\"1\",\"kind\":\"test\",\"role\":\"tap\",\"dir\":\"in\","
    static const struct {
        const char *text, *err;
    } bad[] = {
        {"{\"next\":\"1\",\"next\":\"2\",\"missed\":\"0\",\"sightings\":[]}",
         "sightings: next: duplicate key"},
        {"{\"next\":\"1\",\"missed\":\"0\",\"sightings\":[" ONE
         "\"ifname\":\"x\",\"ifindex\":1,\"ifindex\":2}]}",
         "sightings: sightings[0].ifindex: duplicate key"},
    };
    struct nb_sighting out[4];
    struct nb_sightings_page pg;
    char err[128];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(nb_sightings_json_parse(bad[i].text, strlen(bad[i].text), out, 4, &pg, err,
                                                 sizeof(err)),
                         -1);
        assert_string_equal(err, bad[i].err);
    }
    const char *newer = "{\"next\":\"1\",\"missed\":\"0\",\"epoch\":3,\"sightings\":[" ONE
                        "\"ifname\":\"x\",\"ifindex\":1,\"vlan\":5}]}";
    assert_int_equal(nb_sightings_json_parse(newer, strlen(newer), out, 4, &pg, err, sizeof(err)),
                     0);
    assert_int_equal(pg.n, 1);
#undef ONE
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_keeps_every_bit),
        cmocka_unit_test(test_malformed_pages_refused),
        cmocka_unit_test(test_page_larger_than_caller_room_refused),
        cmocka_unit_test(test_repeated_keys_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
