/* test_fleet_json.c — the fabric inventory file: its parser
 * (wire/fleet_json.c) keeps every host with its canonical address and
 * refuses, in one line naming the file and the host, anything else; and the
 * config's "fabric" section (wire/config_fabric.c) that reads the file, finds
 * this node in it and adds its Pingmesh peers as fabric peers, re-read at
 * every load (a SIGHUP), bounded by max_peers with the counts in the
 * refusal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wire/config.h"
#include "wire/fleet_json.h"

#define DOC "/etc/netblame/fleet.json"

static char err[512];

static int parse_fleet(const char *json, struct nb_fleet *f)
{
    memset(err, 0, sizeof(err));
    return nb_fleet_json_parse(json, strlen(json), DOC, f, err, sizeof(err));
}

static void expect_refused(const char *json, const char *needle)
{
    struct nb_fleet f;
    if (parse_fleet(json, &f) == 0) {
        nb_fleet_free(&f);
        print_error("accepted: %s\n", json);
        fail();
    }
    if (strncmp(err, DOC ": ", strlen(DOC) + 2) != 0 || !strstr(err, needle) || strchr(err, '\n')) {
        print_error("input: %s\nerror: %s\nwanted: %s\n", json, err, needle);
        fail();
    }
    assert_null(f.hosts);
    assert_int_equal(f.n, 0);
}

#define H(name, addr, tor, pod)                                                                    \
    "{\"name\":\"" name "\",\"address\":\"" addr "\",\"tor\":\"" tor "\",\"pod\":\"" pod "\"}"

static void test_hosts(void **state)
{
    (void)state;
    struct nb_fleet f;
    assert_int_equal(parse_fleet("{\"hosts\":[" H("h1", "198.18.0.1", "t1", "p1") "," H(
                                     "h2", "2001:DB8:0::1", "t1", "p1") "]}",
                                 &f),
                     0);
    assert_int_equal(f.n, 2);
    assert_string_equal(f.hosts[0].name, "h1");
    assert_string_equal(f.hosts[0].addr, "198.18.0.1");
    assert_string_equal(f.hosts[0].tor, "t1");
    assert_string_equal(f.hosts[0].pod, "p1");
    assert_string_equal(f.hosts[1].addr, "2001:db8::1"); /* canonical */
    assert_int_equal(nb_fleet_find(&f, "h2"), 1);
    assert_int_equal(nb_fleet_find(&f, "h3"), (size_t)-1);
    nb_fleet_free(&f);
    assert_int_equal(parse_fleet("{\"hosts\":[]}", &f), 0);
    assert_int_equal(f.n, 0);
    nb_fleet_free(&f);
}

static void test_refusals(void **state)
{
    (void)state;
    expect_refused("", "line 1, column 1: invalid JSON");
    expect_refused("[]", "the document must be a JSON object (got an array)");
    expect_refused("{}", "hosts: missing (required)");
    expect_refused("{\"hosts\":{}}", "hosts: must be an array");
    expect_refused("{\"hosts\":[],\"x\":1}", "x: unknown key");
    expect_refused("{\"hosts\":[],\"hosts\":[]}", "duplicate key");
    expect_refused("{\"hosts\":[1]}", "hosts[0]: must be an object (got a number)");
    expect_refused("{\"hosts\":[{\"name\":\"h\",\"address\":\"198.18.0.1\",\"tor\":\"t\"}]}",
                   "hosts[0].pod: missing (required)");
    expect_refused("{\"hosts\":[{\"name\":\"h\",\"address\":\"198.18.0.1\",\"tor\":\"t\","
                   "\"pod\":\"p\",\"rack\":\"r\"}]}",
                   "hosts[0].rack: unknown key (known: name, address, tor, pod)");
    expect_refused(
        "{\"hosts\":[" H("h", "198.18.0.1", "t", "p") "," H("h/2", "198.18.0.2", "t", "p") "]}",
        "hosts[1].name: must be 1..63 characters of [A-Za-z0-9_.:-]");
    expect_refused("{\"hosts\":[" H("h", "host.example", "t", "p") "]}",
                   "hosts[0].address: must be a numeric IPv4 or IPv6 address");
    expect_refused("{\"hosts\":[" H("h", "198.18.0.1", "", "p") "]}", "hosts[0].tor: must be");
    expect_refused("{\"hosts\":[" H("a", "198.18.0.1", "t", "p") "," H(
                       "b", "198.18.0.2", "t", "p") "," H("a", "198.18.0.3", "t", "p") "]}",
                   "hosts[2].name: \"a\" is also hosts[0]'s: each host once");
    expect_refused(
        "{\"hosts\":[" H("a", "2001:db8::1", "t", "p") "," H("b", "2001:db8:0:0::1", "t", "p") "]}",
        "hosts[1].address: \"2001:db8::1\" is also hosts[0]'s");
    expect_refused("{\"hosts\":[]} x", "unexpected data");
}

/* ---- the config's "fabric" section ---- */

static char dir[] = "/tmp/nb_test_fleet.XXXXXX";

static void write_text(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The config CFG (written to DIR/netblame.json) loaded into *C. */
static int load(const char *cfg, struct nb_config *c)
{
    char path[128];
    write_text("netblame.json", cfg);
    snprintf(path, sizeof(path), "%s/netblame.json", dir);
    memset(err, 0, sizeof(err));
    return nb_config_load(path, c, err, sizeof(err));
}

static void expect_load_refused(const char *cfg, const char *needle)
{
    struct nb_config c;
    if (load(cfg, &c) == 0) {
        nb_config_free(&c);
        print_error("accepted: %s\n", cfg);
        fail();
    }
    if (!strstr(err, needle) || strchr(err, '\n')) {
        print_error("config: %s\nerror: %s\nwanted: %s\n", cfg, err, needle);
        fail();
    }
}

/* Two pods: p1 with ToRs t1 (a, b, c) and t2 (d, e); p2 with t3 (f, g). */
#define FLEET                                                                                      \
    "{\"hosts\":[" H("a", "198.18.1.1", "t1", "p1") "," H("b", "198.18.1.2", "t1", "p1") "," H(    \
        "c", "198.18.1.3", "t1",                                                                   \
        "p1") "," H("d", "198.18.2.1", "t2",                                                       \
                    "p1") "," H("e", "198.18.2.2", "t2",                                           \
                                "p1") "," H("f", "198.18.3.1", "t3",                               \
                                            "p2") "," H("g", "198.18.3.2", "t3", "p2") "]}"

static void test_fabric_section(void **state)
{
    (void)state;
    struct nb_config c;

    assert_non_null(mkdtemp(dir));
    write_text("fleet.json", FLEET);
    assert_int_equal(load("{\"role\":\"host\",\"node\":\"a\",\"user\":\"root\","
                          "\"peers\":[{\"name\":\"router\",\"family\":\"fabric\","
                          "\"address\":\"198.18.9.9\"}],"
                          "\"fabric\":{\"inventory_file\":\"fleet.json\",\"per_tor\":1,"
                          "\"per_pod\":1,\"interval_ms\":500,\"port\":8620}}",
                          &c),
                     0);
    /* router, then b, c (its ToR), one of t2, one of p2 */
    assert_int_equal(c.npeers, 5);
    assert_true(c.fabric);
    assert_int_equal(c.fabric_hosts, 7);
    assert_int_equal(c.fabric_peers[0], 2);
    assert_int_equal(c.fabric_peers[1], 1);
    assert_int_equal(c.fabric_peers[2], 1);
    assert_string_equal(c.peers[0].name, "router");
    assert_string_equal(c.peers[1].name, "b");
    assert_string_equal(c.peers[1].host, "198.18.1.2");
    assert_string_equal(c.peers[2].name, "c");
    assert_true(strcmp(c.peers[3].name, "d") == 0 || strcmp(c.peers[3].name, "e") == 0);
    assert_true(strcmp(c.peers[4].name, "f") == 0 || strcmp(c.peers[4].name, "g") == 0);
    assert_int_equal(c.peers[0].level, 0);
    assert_true(c.peers[0].histograms);
    for (size_t i = 1; i < 5; i++) {
        assert_int_equal(c.peers[i].level, i < 3 ? 1 : i == 3 ? 2 : 3);
        assert_false(c.peers[i].histograms); /* summed by level unless peer_histograms */
        assert_int_equal(c.peers[i].family, NB_FAMILY_FABRIC);
        assert_int_equal(c.peers[i].port, 8620);
        assert_int_equal(c.peers[i].interval_ms, 500);
        assert_int_equal(c.peers[i].timeout_ms, 2000);
        assert_int_equal(c.peers[i].full_size_every, NB_FULL_SIZE_EVERY);
    }
    nb_config_free(&c);

    /* the file is read at every load: a reload sees a host added */
    write_text("fleet.json", "{\"hosts\":[" H("a", "198.18.1.1", "t1",
                                              "p1") "," H("z", "198.18.1.9", "t1", "p1") "]}");
    assert_int_equal(load("{\"role\":\"host\",\"node\":\"a\","
                          "\"fabric\":{\"inventory_file\":\"fleet.json\"}}",
                          &c),
                     0);
    assert_int_equal(c.npeers, 1);
    assert_string_equal(c.peers[0].name, "z");
    nb_config_free(&c);
    assert_int_equal(load("{\"role\":\"host\",\"node\":\"a\",\"fabric\":{\"inventory_file\":"
                          "\"fleet.json\",\"peer_histograms\":true}}",
                          &c),
                     0);
    assert_true(c.peers[0].histograms);
    nb_config_free(&c);
    write_text("fleet.json", FLEET);

    expect_load_refused("{\"role\":\"host\",\"node\":\"a\",\"fabric\":{}}",
                        "fabric.inventory_file: missing (required)");
    expect_load_refused("{\"role\":\"host\",\"node\":\"a\",\"fabric\":{\"inventory_file\":"
                        "\"fleet.json\",\"per_tor\":2,\"x\":1}}",
                        "fabric.x: unknown key");
    expect_load_refused("{\"role\":\"host\",\"node\":\"a\",\"fabric\":{\"inventory_file\":"
                        "\"nothere.json\"}}",
                        "fabric.inventory_file: cannot open");
    expect_load_refused("{\"role\":\"host\",\"node\":\"a\",\"fabric\":{\"inventory_file\":\"/\"}}",
                        "is not a regular file");
    expect_load_refused("{\"role\":\"host\",\"node\":\"zz\",\"fabric\":{\"inventory_file\":"
                        "\"fleet.json\"}}",
                        "this agent (node \"zz\") is not in");
    expect_load_refused("{\"role\":\"host\",\"node\":\"a\",\"fabric\":{\"inventory_file\":"
                        "\"fleet.json\",\"max_peers\":3}}",
                        "fabric.max_peers: the rule picks 6 peers for node \"a\" (2 in its ToR, "
                        "2 in the other ToRs of its pod, 2 in other pods), more than max_peers "
                        "(3)");
    expect_load_refused("{\"role\":\"host\",\"node\":\"a\",\"fabric\":{\"inventory_file\":"
                        "\"fleet.json\",\"max_peers\":16385}}",
                        "fabric.max_peers: must be an integer in 1..16384");
    expect_load_refused("{\"role\":\"host\",\"node\":\"a\",\"peers\":[{\"name\":\"b\","
                        "\"family\":\"path\",\"address\":\"198.18.1.2\"}],"
                        "\"fabric\":{\"inventory_file\":\"fleet.json\"}}",
                        "host \"b\" of");
    write_text("fleet.json", "{\"hosts\":[" H("a", "198.18.1.1", "t1",
                                              "p1") "," H("a", "198.18.1.9", "t1", "p1") "]}");
    expect_load_refused("{\"role\":\"host\",\"node\":\"a\",\"fabric\":{\"inventory_file\":"
                        "\"fleet.json\"}}",
                        "fabric.inventory_file: ");
    assert_non_null(strstr(err, "/fleet.json: hosts[1].name: \"a\" is also hosts[0]'s"));

    char path[160];
    snprintf(path, sizeof(path), "%s/fleet.json", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/netblame.json", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hosts),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_fabric_section),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
