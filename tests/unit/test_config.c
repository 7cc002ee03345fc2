/* test_config.c — the config parser: a full file converts to the expected
 * struct, omitted keys take their defaults, and every kind of mistake is
 * refused with one line naming the file and the key path. The app and
 * classifier sections: test_config_sections.c; STAMP keys, files on disk and
 * the shipped examples: test_config_files.c. Error paths run under ASan in
 * the sanitizer build, so a leak on any of them fails there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_expect.h"
#include "netblame/buf.h"

static void test_host_capture_and_guest_host_agent(void **state)
{
    (void)state;
    struct nb_config c;
    assert_int_equal(parse("{\"role\":\"host\",\"capture\":{\"uplink\":\"eth0\"}}", &c), 0);
    assert_true(c.capture);
    assert_string_equal(c.uplink, "eth0");
    assert_int_equal(c.capture_buffer_kib, 4096);
    assert_int_equal(c.sightings_capacity, 65536);
    assert_false(c.tap_owners); /* the capabilities to read them are not kept by default */
    assert_false(c.has_host_agent);
    nb_config_free(&c);
    assert_int_equal(
        parse("{\"role\":\"host\",\"capture\":{\"uplink\":\"e\",\"tap_owners\":true}}", &c), 0);
    assert_true(c.tap_owners);
    nb_config_free(&c);
    assert_int_equal(parse("{\"role\":\"guest\",\"host_agent\":{\"address\":\"198.18.0.1\"}}", &c), 0);
    assert_true(c.has_host_agent);
    assert_string_equal(c.host_agent_addr, "198.18.0.1");
    assert_int_equal(c.host_agent_port, 9862);
    assert_false(c.capture);
    nb_config_free(&c);

    expect_error("{\"role\":\"guest\",\"capture\":{\"uplink\":\"eth0\"}}",
                 NAME ": capture: only a host agent captures");
    expect_error("{\"role\":\"host\",\"host_agent\":{\"address\":\"198.18.0.1\"}}",
                 NAME ": host_agent: only a guest has a host agent");
    expect_error("{\"role\":\"host\",\"capture\":{}}", NAME ": capture.uplink: missing (required)");
    expect_error("{\"role\":\"host\",\"capture\":{\"uplink\":\"a/b\"}}",
                 NAME ": capture.uplink: not an interface name");
    expect_error("{\"role\":\"host\",\"capture\":{\"uplink\":\"0123456789abcdef\"}}",
                 NAME ": capture.uplink: not an interface name");
    expect_error("{\"role\":\"host\",\"capture\":{\"uplink\":\"e\",\"sightings\":10}}",
                 NAME ": capture.sightings: must be an integer in 1024..4194304");
    expect_error("{\"role\":\"guest\",\"host_agent\":{\"port\":1}}",
                 NAME ": host_agent.address: missing (required)");
}

static void test_full_config_parses_to_struct(void **state)
{
    (void)state;
    const char *json =
        "{\n"
        "  \"role\": \"host\",\n"
        "  \"node\": \"hv-a01\",\n"
        "  \"log_level\": \"debug\",\n"
        "  \"reflector\": {\"enabled\": false, \"address\": \"198.18.0.11\","
        " \"port\": 8620},\n"
        "  \"api\": {\"address\": \"::1\", \"port\": 19862},\n"
        "  \"stamp\": {\"auth\": \"hmac\", \"key_hex\": \"00ff10AB\", \"ssid\": 7,"
        " \"jitter_pct\": 25},\n"
        "  \"peers\": [\n"
        "    {\"name\": \"hv-a02\", \"family\": \"fabric\", \"address\": "
        "\"198.18.0.12\", \"port\": 863, \"interval_ms\": 10, \"timeout_ms\": 60000,"
        " \"full_size_every\": 0},\n"
        "    {\"name\": \"vm_1.x:y-z\", \"family\": \"vnet\", \"address\": "
        "\"2001:db8::1\"},\n"
        "    {\"name\": \"p\", \"family\": \"path\", \"address\": \"198.19.255.254\"}\n"
        "  ]\n"
        "}\n";
    struct nb_config c;

    assert_int_equal(parse(json, &c), 0);
    assert_string_equal(err, "");
    assert_string_equal(c.path, NAME);
    assert_int_equal(c.role, NB_ROLE_HOST);
    assert_string_equal(c.node, "hv-a01");
    assert_string_equal(c.log_level, "debug");
    assert_false(c.reflector);
    assert_string_equal(c.stamp_addr, "198.18.0.11");
    assert_int_equal(c.stamp_port, 8620);
    assert_string_equal(c.api_addr, "::1");
    assert_int_equal(c.api_port, 19862);
    assert_int_equal(c.auth, NB_STAMP_AUTH);
    assert_int_equal(c.key.len, 4);
    assert_memory_equal(c.key.key, "\x00\xff\x10\xab", 4);
    assert_int_equal(c.ssid, 7);
    assert_int_equal(c.jitter_pct, 25);

    assert_int_equal(c.npeers, 3);
    assert_string_equal(c.peers[0].name, "hv-a02");
    assert_int_equal(c.peers[0].family, NB_FAMILY_FABRIC);
    assert_string_equal(c.peers[0].host, "198.18.0.12");
    assert_int_equal(c.peers[0].port, 863);
    assert_int_equal(c.peers[0].interval_ms, 10);
    assert_int_equal(c.peers[0].timeout_ms, 60000);
    assert_int_equal(c.peers[0].full_size_every, 0);
    assert_string_equal(c.peers[1].name, "vm_1.x:y-z");
    assert_int_equal(c.peers[1].family, NB_FAMILY_VNET);
    assert_string_equal(c.peers[1].host, "2001:db8::1");
    assert_int_equal(c.peers[1].port, NB_STAMP_PORT);
    assert_int_equal(c.peers[1].interval_ms, 1000);
    assert_int_equal(c.peers[1].timeout_ms, 2000);
    assert_int_equal(c.peers[1].full_size_every, NB_FULL_SIZE_EVERY);
    assert_int_equal(c.peers[2].family, NB_FAMILY_PATH);

    nb_config_free(&c);
    const unsigned char *p = (const unsigned char *)&c;
    for (size_t i = 0; i < sizeof(c); i++)
        assert_int_equal(p[i], 0); /* freed struct is zeroed, key included */
    nb_config_free(&c);            /* and freeing it again is harmless */
}

static void test_defaults(void **state)
{
    (void)state;
    struct nb_config c;
    char host[256] = "";

    assert_int_equal(parse("{\"role\": \"guest\"}", &c), 0);
    assert_int_equal(c.role, NB_ROLE_GUEST);
    if (gethostname(host, sizeof(host)) == 0 && host[0]) {
        host[NB_NAME_MAX - 1] = '\0';
        assert_string_equal(c.node, host);
    }
    assert_string_equal(c.log_level, "info");
    assert_string_equal(c.user, "netblame");
    assert_true(c.reflector);
    assert_string_equal(c.stamp_addr, "0.0.0.0");
    assert_int_equal(c.stamp_port, 862);
    assert_string_equal(c.api_addr, "127.0.0.1");
    assert_int_equal(c.api_port, 9862);
    assert_int_equal(c.auth, NB_STAMP_UNAUTH);
    assert_int_equal(c.key.len, 0);
    assert_int_equal(c.ssid, 0);
    assert_int_equal(c.jitter_pct, 10);
    assert_int_equal(c.npeers, 0);
    assert_null(c.peers);
    nb_config_free(&c);

    /* empty sub-objects and an empty peer list are the same as omitting them */
    assert_int_equal(parse("{\"role\":\"host\",\"reflector\":{},\"api\":{},\"stamp\":{},"
                           "\"peers\":[]}",
                           &c),
                     0);
    assert_true(c.reflector);
    assert_int_equal(c.stamp_port, 862);
    assert_int_equal(c.api_port, 9862);
    assert_int_equal(c.jitter_pct, 10);
    assert_int_equal(c.npeers, 0);
    nb_config_free(&c);

    /* integral numbers in exponent form are integers */
    assert_int_equal(parse("{\"role\":\"host\",\"api\":{\"port\":9.862e3}}", &c), 0);
    assert_int_equal(c.api_port, 9862);
    nb_config_free(&c);
}

static void test_family_names(void **state)
{
    (void)state;
    enum nb_family f;

    for (int i = 0; i < NB_FAMILY__COUNT; i++) {
        assert_int_equal(nb_family_parse(nb_family_name((enum nb_family)i), &f), 0);
        assert_int_equal(f, i);
    }
    assert_string_equal(nb_family_name(NB_FAMILY_VNET), "vnet");
    assert_string_equal(nb_family_name(NB_FAMILY_FABRIC), "fabric");
    assert_string_equal(nb_family_name(NB_FAMILY_PATH), "path");
    assert_string_equal(nb_family_name(NB_FAMILY__COUNT), "unknown");
    f = NB_FAMILY_PATH;
    assert_int_equal(nb_family_parse("Vnet", &f), -1);
    assert_int_equal(nb_family_parse("", &f), -1);
    assert_int_equal(nb_family_parse(NULL, &f), -1);
    assert_int_equal(f, NB_FAMILY_PATH);
}

static void test_unknown_keys_at_every_level(void **state)
{
    (void)state;
    expect_error("{\"role\":\"host\",\"peer\":[]}", NAME ": peer: unknown key (known: role,");
    expect_error("{\"role\":\"host\",\"reflector\":{\"adress\":\"0.0.0.0\"}}",
                 NAME ": reflector.adress: unknown key");
    expect_error("{\"role\":\"host\",\"api\":{\"Port\":1}}", NAME ": api.Port: unknown key");
    expect_error("{\"role\":\"host\",\"stamp\":{\"key\":\"00\"}}", NAME ": stamp.key: unknown key");
    expect_error("{\"role\":\"host\",\"peers\":[{\"name\":\"a\",\"family\":\"vnet\","
                 "\"address\":\"198.18.0.1\"},{\"name\":\"b\",\"family\":\"vnet\","
                 "\"address\":\"198.18.0.2\",\"intervall_ms\":100}]}",
                 NAME ": peers[1].intervall_ms: unknown key");
    /* keys are case-sensitive */
    expect_error("{\"Role\":\"host\"}", NAME ": Role: unknown key");
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    expect_error("{\"role\":\"host\",\"role\":\"guest\"}", NAME ": role: duplicate key");
    expect_error("{\"role\":\"host\",\"api\":{\"port\":1,\"port\":2}}",
                 NAME ": api.port: duplicate key");
}

static void test_wrong_types(void **state)
{
    (void)state;
    static const struct {
        const char *json, *needle;
    } cases[] = {
        {"{\"role\":1}", NAME ": role: must be a string (got a number)"},
        {"{\"role\":\"host\",\"node\":[]}", NAME ": node: must be a string (got an array)"},
        {"{\"role\":\"host\",\"log_level\":null}", NAME ": log_level: must be a string (got null)"},
        {"{\"role\":\"host\",\"reflector\":true}",
         NAME ": reflector: must be an object (got true)"},
        {"{\"role\":\"host\",\"reflector\":{\"enabled\":1}}",
         NAME ": reflector.enabled: must be true or false (got a number)"},
        {"{\"role\":\"host\",\"reflector\":{\"port\":\"862\"}}",
         NAME ": reflector.port: must be an integer in 1..65535 (got a string)"},
        {"{\"role\":\"host\",\"api\":[]}", NAME ": api: must be an object (got an array)"},
        {"{\"role\":\"host\",\"api\":{\"address\":false}}",
         NAME ": api.address: must be a string (got false)"},
        {"{\"role\":\"host\",\"stamp\":{\"ssid\":{}}}",
         NAME ": stamp.ssid: must be an integer in 0..65535 (got an object)"},
        {"{\"role\":\"host\",\"peers\":{}}", NAME ": peers: must be an array (got an object)"},
        {"{\"role\":\"host\",\"peers\":[\"a\"]}",
         NAME ": peers[0]: must be an object (got a string)"},
        {"{\"role\":\"host\",\"peers\":[{\"name\":\"a\",\"family\":\"vnet\",\"address\":"
         "\"198.18.0.1\",\"timeout_ms\":\"1s\"}]}",
         NAME ": peers[0].timeout_ms: must be an integer in 10..60000 (got a string)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_error(cases[i].json, cases[i].needle);
}

static void test_out_of_range_and_non_integral(void **state)
{
    (void)state;
    struct nb_config c;
    const char *json = "{\"role\":\"host\",\"peers\":["
                       "{\"name\":\"a\",\"family\":\"vnet\",\"address\":\"198.18.0.1\"},"
                       "{\"name\":\"b\",\"family\":\"vnet\",\"address\":\"198.18.0.2\","
                       "\"interval_ms\":5}]}";

    assert_int_equal(parse(json, &c), -1);
    assert_string_equal(err,
                        NAME ": peers[1].interval_ms: must be an integer in 10..60000 (got 5)");

    static const struct {
        const char *json, *needle;
    } cases[] = {
        {"{\"role\":\"host\",\"reflector\":{\"port\":0}}",
         NAME ": reflector.port: must be an integer in 1..65535 (got 0)"},
        {"{\"role\":\"host\",\"reflector\":{\"port\":65536}}",
         NAME ": reflector.port: must be an integer in 1..65535 (got 65536)"},
        {"{\"role\":\"host\",\"api\":{\"port\":-1}}",
         NAME ": api.port: must be an integer in 1..65535 (got -1)"},
        {"{\"role\":\"host\",\"api\":{\"port\":1e400}}", NAME ": api.port: must be an integer"},
        {"{\"role\":\"host\",\"stamp\":{\"ssid\":65536}}",
         NAME ": stamp.ssid: must be an integer in 0..65535 (got 65536)"},
        {"{\"role\":\"host\",\"stamp\":{\"jitter_pct\":51}}",
         NAME ": stamp.jitter_pct: must be an integer in 0..50 (got 51)"},
        {"{\"role\":\"host\",\"stamp\":{\"jitter_pct\":1.5}}",
         NAME ": stamp.jitter_pct: must be an integer in 0..50 (got 1.5)"},
        {"{\"role\":\"host\",\"peers\":[{\"name\":\"a\",\"family\":\"vnet\",\"address\":"
         "\"198.18.0.1\",\"port\":862.5}]}",
         NAME ": peers[0].port: must be an integer in 1..65535 (got 862.5)"},
        {"{\"role\":\"host\",\"peers\":[{\"name\":\"a\",\"family\":\"vnet\",\"address\":"
         "\"198.18.0.1\",\"timeout_ms\":60001}]}",
         NAME ": peers[0].timeout_ms: must be an integer in 10..60000 (got 60001)"},
        {"{\"role\":\"host\",\"peers\":[{\"name\":\"a\",\"family\":\"vnet\",\"address\":"
         "\"198.18.0.1\",\"full_size_every\":1001}]}",
         NAME ": peers[0].full_size_every: must be an integer in 0..1000 (got 1001)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_error(cases[i].json, cases[i].needle);
}

static void test_invalid_values(void **state)
{
    (void)state;
    static const struct {
        const char *json, *needle;
    } cases[] = {
        {"{\"role\":\"hots\"}", NAME ": role: must be \"host\" or \"guest\" (got \"hots\")"},
        {"{\"role\":\"host\",\"log_level\":\"warning\"}", NAME
         ": log_level: must be one of \"err\", \"warn\", \"info\", \"debug\" (got \"warning\")"},
        {"{\"role\":\"host\",\"node\":\"my node\"}", NAME ": node: must be 1..63 characters"},
        {"{\"role\":\"host\",\"node\":\"\"}", NAME ": node: must be 1..63 characters"},
        {"{\"role\":\"host\",\"user\":\"\"}", NAME ": user: must be a user name"},
        {"{\"role\":\"host\",\"user\":\"-u\"}", NAME ": user: must be a user name"},
        {"{\"role\":\"host\",\"user\":\"a b\"}", NAME ": user: must be a user name"},
        {"{\"role\":\"host\",\"user\":\"0123456789abcdef0123456789abcdef\"}",
         NAME ": user: must be a user name: 1..31 characters"},
        {"{\"role\":\"host\",\"reflector\":{\"address\":\"localhost\"}}",
         NAME ": reflector.address: must be a numeric IPv4 or IPv6 address (got \"localhost\")"},
        {"{\"role\":\"host\",\"api\":{\"address\":\"198.18.0.256\"}}",
         NAME ": api.address: must be a numeric IPv4 or IPv6 address"},
        /* THE RULE (config_agent.c): beyond loopback, TLS and a token, or "insecure" */
        {"{\"role\":\"host\",\"api\":{\"address\":\"198.18.0.1\"}}",
         NAME ": api.address: 198.18.0.1 is reachable from other machines: give api.tls and "
              "api.token_file"},
        {"{\"role\":\"host\",\"api\":{\"address\":\"::\"}}",
         NAME ": api.address: :: is reachable from other machines"},
        {"{\"role\":\"host\",\"api\":{\"insecure\":1}}",
         NAME ": api.insecure: must be true or false (got a number)"},
        {"{\"role\":\"host\",\"api\":{\"tls\":{\"cert_file\":\"c.pem\"}}}",
         NAME ": api.tls.key_file: missing (required)"},
        {"{\"role\":\"host\",\"api\":{\"tls\":{\"cert\":\"c.pem\"}}}",
         NAME ": api.tls.cert: unknown key"},
        {"{\"role\":\"host\",\"stamp\":{\"auth\":\"md5\"}}",
         NAME ": stamp.auth: must be \"none\" or \"hmac\" (got \"md5\")"},
        {"{\"role\":\"host\",\"peers\":[{\"name\":\"a b\",\"family\":\"vnet\",\"address\":"
         "\"198.18.0.1\"}]}",
         NAME ": peers[0].name: must be 1..63 characters of [A-Za-z0-9_.:-] (got \"a b\")"},
        {"{\"role\":\"host\",\"peers\":[{\"name\":\"a\",\"family\":\"app\",\"address\":"
         "\"198.18.0.1\"}]}",
         NAME ": peers[0].family: must be one of \"vnet\", \"fabric\", \"path\" (got \"app\")"},
        {"{\"role\":\"host\",\"peers\":[{\"name\":\"a\",\"family\":\"vnet\",\"address\":"
         "\"fe80::1%eth0\"}]}",
         NAME ": peers[0].address: must be a numeric IPv4 or IPv6 address"},
        {"{\"role\":\"host\",\"peers\":[{\"name\":\"a\",\"family\":\"vnet\",\"address\":"
         "\"host.example\"}]}",
         NAME ": peers[0].address: must be a numeric IPv4 or IPv6 address"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_error(cases[i].json, cases[i].needle);
}

static void test_name_length_limit(void **state)
{
    (void)state;
    char json[256], name[NB_NAME_MAX + 1];
    struct nb_config c;

    memset(name, 'n', NB_NAME_MAX - 1);
    name[NB_NAME_MAX - 1] = '\0'; /* 63 characters: the longest allowed */
    snprintf(json, sizeof(json),
             "{\"role\":\"host\",\"peers\":[{\"name\":\"%s\",\"family\":\"vnet\","
             "\"address\":\"198.18.0.1\"}]}",
             name);
    assert_int_equal(parse(json, &c), 0);
    assert_string_equal(c.peers[0].name, name);
    nb_config_free(&c);

    memset(name, 'n', NB_NAME_MAX);
    name[NB_NAME_MAX] = '\0';
    snprintf(json, sizeof(json),
             "{\"role\":\"host\",\"peers\":[{\"name\":\"%s\",\"family\":\"vnet\","
             "\"address\":\"198.18.0.1\"}]}",
             name);
    expect_error(json, NAME ": peers[0].name: must be 1..63 characters");
}

static void test_missing_required_keys(void **state)
{
    (void)state;
    expect_error("{}", NAME ": role: missing (required)");
    expect_error("{\"role\":\"host\",\"peers\":[{\"family\":\"vnet\",\"address\":\"198.18.0.1\"}]}",
                 NAME ": peers[0].name: missing (required)");
    expect_error("{\"role\":\"host\",\"peers\":[{\"name\":\"a\",\"address\":\"198.18.0.1\"}]}",
                 NAME ": peers[0].family: missing (required)");
    expect_error("{\"role\":\"host\",\"peers\":[{\"name\":\"a\",\"family\":\"vnet\"},"
                 "{\"name\":\"b\",\"family\":\"vnet\"}]}",
                 NAME ": peers[0].address: missing (required)");
}

static void test_duplicate_peer_name(void **state)
{
    (void)state;
    expect_error("{\"role\":\"host\",\"peers\":["
                 "{\"name\":\"a\",\"family\":\"vnet\",\"address\":\"198.18.0.1\"},"
                 "{\"name\":\"b\",\"family\":\"vnet\",\"address\":\"198.18.0.2\"},"
                 "{\"name\":\"a\",\"family\":\"fabric\",\"address\":\"198.18.0.3\"}]}",
                 NAME ": peers[2].name: duplicate peer name \"a\" (also peers[0])");
}

/* A config with N distinct peers. */
static char *many_peers(size_t n)
{
    struct nb_buf b;

    nb_buf_init(&b);
    nb_buf_printf(&b, "{\"role\":\"host\",\"peers\":[");
    for (size_t i = 0; i < n; i++)
        nb_buf_printf(&b,
                      "%s{\"name\":\"p%zu\",\"family\":\"fabric\",\"address\":\"198.18.%zu.%zu\"}",
                      i ? "," : "", i, i / 250, i % 250 + 1);
    nb_buf_printf(&b, "]}");
    return nb_buf_steal(&b, NULL);
}

static void test_peer_count_limit(void **state)
{
    (void)state;
    struct nb_config c;
    char *json = many_peers(NB_MAX_PEERS);

    assert_int_equal(parse(json, &c), 0);
    assert_int_equal(c.npeers, NB_MAX_PEERS);
    assert_string_equal(c.peers[NB_MAX_PEERS - 1].name, "p1023");
    nb_config_free(&c);
    free(json);

    json = many_peers(NB_MAX_PEERS + 1);
    expect_error(json, NAME ": peers: at most 1024 peers (got 1025)");
    free(json);
}

static void test_invalid_json_reports_line(void **state)
{
    (void)state;
    expect_error("{\n  \"role\": \"host\",\n  \"node\": hv-a01\n}\n", NAME ": line 3, column ");
    expect_error("{\"role\": \"host\",}", NAME ": line 1, column ");
    expect_error("{\"role\": \"host\"\n", ": invalid JSON");
    expect_error("{\"role\": \"host\"}\n\n{}", NAME ": line 3, column 1: unexpected data after");
    expect_error("", NAME ": line 1, column 1: empty file");
    expect_error_name("{\"role\":\"host\"}\0x", 17, NAME, NAME ": line 1, column 16: NUL byte");
    expect_error("[]", NAME ": the document must be a JSON object (got an array)");
    expect_error("\"host\"", NAME ": the document must be a JSON object (got a string)");
}

static void test_error_message_is_one_line_and_bounded(void **state)
{
    (void)state;
    struct nb_config c;
    char small[24];

    /* a key with a newline and quotes is shown escaped */
    expect_error("{\"role\":\"host\",\"a\\nb\\\"\":1}", NAME ": \"a\\x0ab\\\"\": unknown key");
    /* a file name with a newline still gives one line */
    assert_int_equal(nb_config_parse("{}", 2, "bad\nname.json", &c, err, sizeof(err)), -1);
    assert_string_equal(err, "bad?name.json: role: missing (required)");
    /* a long user string is cut */
    expect_error("{\"role\":\"host\",\"node\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
                 "xxxxxxxx...\")");
    /* a small buffer is filled and terminated, NULL is allowed */
    memset(small, 'z', sizeof(small));
    assert_int_equal(nb_config_parse("{}", 2, NAME, &c, small, sizeof(small)), -1);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_int_equal(nb_config_parse("{}", 2, NAME, &c, NULL, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_config_parses_to_struct),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_host_capture_and_guest_host_agent),
        cmocka_unit_test(test_family_names),
        cmocka_unit_test(test_unknown_keys_at_every_level),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_out_of_range_and_non_integral),
        cmocka_unit_test(test_invalid_values),
        cmocka_unit_test(test_name_length_limit),
        cmocka_unit_test(test_missing_required_keys),
        cmocka_unit_test(test_duplicate_peer_name),
        cmocka_unit_test(test_peer_count_limit),
        cmocka_unit_test(test_invalid_json_reports_line),
        cmocka_unit_test(test_error_message_is_one_line_and_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
