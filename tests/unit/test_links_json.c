/* test_links_json.c — GET /v1/links wire form: exact 64-bit counters both
 * ways, malformed answers refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/links_json.h"

static void test_round_trip(void **state)
{
    struct nb_link_report in[2] = {0}, out[2];
    strcpy(in[0].name, "vnetA");
    in[0].up = in[0].carrier = true;
    in[0].c.tx_dropped = 18446744073709551615ULL; /* 2^64-1: no double could carry it */
    in[0].c.rx_packets = 12;
    strcpy(in[1].name, "nicA");
    in[1].nic = true;
    in[1].c.carrier_changes = 3;
    in[1].c.qdisc_drops = 9;
    struct nb_buf b;
    nb_buf_init(&b);
    nb_links_json_render("hA", in, 2, &b);
    char err[128];
    assert_int_equal(nb_links_json_parse(b.data, b.len, out, 2, err, sizeof(err)), 2);
    assert_string_equal(out[0].name, "vnetA");
    assert_true(out[0].up && out[0].carrier && !out[0].nic);
    assert_true(out[0].c.tx_dropped == in[0].c.tx_dropped);
    assert_int_equal(out[0].c.rx_packets, 12);
    assert_true(out[1].nic && !out[1].up);
    assert_int_equal(out[1].c.carrier_changes, 3);
    assert_int_equal(out[1].c.qdisc_drops, 9);
    assert_int_equal(nb_links_json_parse(b.data, b.len, out, 1, err, sizeof(err)), -1);
    nb_buf_free(&b);
}

static void test_malformed_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "{}",
        "{\"links\":{}}",
        "{\"links\":[1]}",
        "{\"links\":[{\"name\":\"x\",\"role\":\"tap\",\"up\":true,\"carrier\":true}]}",
        "{\"links\":[{\"name\":\"x\",\"role\":\"bridge\",\"up\":true,\"carrier\":true}]}",
        "{\"links\":[{\"name\":\"\",\"role\":\"tap\",\"up\":true,\"carrier\":true}]}",
    };
    struct nb_link_report out[2];
    char err[128];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(nb_links_json_parse(bad[i], strlen(bad[i]), out, 2, err, sizeof(err)), -1);
    const char *neg =
        "{\"links\":[{\"name\":\"x\",\"role\":\"tap\",\"up\":true,\"carrier\":true,"
        "\"rx_packets\":\"-1\",\"tx_packets\":\"0\",\"rx_bytes\":\"0\",\"tx_bytes\":\"0\","
        "\"rx_dropped\":\"0\",\"tx_dropped\":\"0\",\"rx_errors\":\"0\",\"tx_errors\":\"0\","
        "\"carrier_changes\":\"0\",\"qdisc_drops\":\"0\"}]}";
    assert_int_equal(nb_links_json_parse(neg, strlen(neg), out, 2, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "rx_packets"));
}

/* A repeated key is refused (wire/jsonread.h's rule for every parser). */
static void test_repeated_keys_refused(void **state)
{
    const char *twice = "{\"links\":[{\"name\":\"x\",\"name\":\"y\",\"role\":\"tap\",\"up\":true,"
                        "\"carrier\":true}]}";
    struct nb_link_report out[2];
    char err[128];
    assert_int_equal(nb_links_json_parse(twice, strlen(twice), out, 2, err, sizeof(err)), -1);
    assert_string_equal(err, "links: links[0].name: duplicate key");
    const char *root = "{\"links\":[],\"links\":[]}";
    assert_int_equal(nb_links_json_parse(root, strlen(root), out, 2, err, sizeof(err)), -1);
    assert_string_equal(err, "links: links: duplicate key");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_malformed_refused),
        cmocka_unit_test(test_repeated_keys_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
