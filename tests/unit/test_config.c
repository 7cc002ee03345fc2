/* test_config.c — the config parser: a full file converts to the expected
 * struct, omitted keys take their defaults, and every kind of mistake is
 * refused with one line naming the file and the key path. Error paths run
 * under ASan in the sanitizer build, so a leak on any of them fails there. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netblame/buf.h"
#include "wire/config.h"

#define NAME "/etc/netblame.json"

static char err[512];

static int parse(const char *json, struct nb_config *c)
{
    memset(err, 0, sizeof(err));
    return nb_config_parse(json, strlen(json), NAME, c, err, sizeof(err));
}

/* JSON must be refused with a one-line message starting with the file name
 * and containing NEEDLE (normally "key.path: what"). */
static void expect_error_name(const char *json, size_t len, const char *name, const char *needle)
{
    struct nb_config c;
    memset(&c, 0x5a, sizeof(c));
    memset(err, 0, sizeof(err));
    int r = nb_config_parse(json, len, name, &c, err, sizeof(err));
    if (r != -1 || strncmp(err, name, strlen(name)) != 0 || !strstr(err, needle) ||
        strchr(err, '\n')) {
        print_error("input: %s\nerror: %s\nwanted: %s\n", json, err, needle);
        if (r == 0)
            nb_config_free(&c);
        fail();
    }
    /* *OUT untouched on failure */
    const unsigned char *p = (const unsigned char *)&c;
    for (size_t i = 0; i < sizeof(c); i++)
        assert_int_equal(p[i], 0x5a);
}

static void expect_error(const char *json, const char *needle)
{
    expect_error_name(json, strlen(json), NAME, needle);
}

static void test_host_capture_and_guest_host_agent(void **state)
{
    (void)state;
    struct nb_config c;
    assert_int_equal(parse("{\"role\":\"host\",\"capture\":{\"uplink\":\"eth0\"}}", &c), 0);
    assert_true(c.capture);
    assert_string_equal(c.uplink, "eth0");
    assert_int_equal(c.capture_buffer_kib, 4096);
    assert_int_equal(c.sightings_capacity, 65536);
    assert_false(c.has_host_agent);
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
        {"{\"role\":\"host\",\"reflector\":{\"address\":\"localhost\"}}",
         NAME ": reflector.address: must be a numeric IPv4 or IPv6 address (got \"localhost\")"},
        {"{\"role\":\"host\",\"api\":{\"address\":\"198.18.0.256\"}}",
         NAME ": api.address: must be a numeric IPv4 or IPv6 address"},
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

#define APP(entries) "{\"role\":\"guest\",\"app\":[" entries "]}"

static void test_app_targets(void **state)
{
    (void)state;
    struct nb_config c;

    assert_int_equal(
        parse(APP("{\"name\":\"web\",\"url\":\"http://backend.lab:8080/health?x=1\","
                  "\"interval_ms\":250,\"timeout_ms\":3000,\"expect_status\":204,"
                  "\"expect_body\":\"ok\"},"
                  "{\"name\":\"web2\",\"url\":\"http://198.18.0.12\"},"
                  "{\"name\":\"db.main:1\",\"url\":\"tcp://db.lab:5432\",\"send\":\"PING\","
                  "\"expect\":\"PONG\",\"interval_ms\":600000,\"timeout_ms\":60000}"),
              &c),
        0);
    assert_int_equal(c.napps, 3);
    const struct nb_app_cfg *a = &c.apps[0];
    assert_string_equal(a->name, "web");
    assert_string_equal(a->url, "http://backend.lab:8080/health?x=1");
    assert_false(a->target.raw);
    assert_string_equal(a->target.host, "backend.lab");
    assert_int_equal(a->target.port, 8080);
    assert_string_equal(a->target.path, "/health?x=1");
    assert_int_equal(a->interval_ms, 250);
    assert_int_equal(a->target.timeout_ms, 3000);
    assert_int_equal(a->target.expect_status, 204);
    assert_string_equal(a->target.expect_body, "ok");
    assert_null(a->target.ports);
    a = &c.apps[1]; /* defaults */
    assert_string_equal(a->target.host, "198.18.0.12");
    assert_int_equal(a->target.port, 80);
    assert_string_equal(a->target.path, "/");
    assert_int_equal(a->interval_ms, 1000);
    assert_int_equal(a->target.timeout_ms, 5000);
    assert_int_equal(a->target.expect_status, 200);
    assert_string_equal(a->target.expect_body, "");
    a = &c.apps[2];
    assert_true(a->target.raw);
    assert_string_equal(a->target.host, "db.lab");
    assert_int_equal(a->target.port, 5432);
    assert_string_equal(a->target.raw_send, "PING");
    assert_string_equal(a->target.raw_expect, "PONG");
    assert_int_equal(a->interval_ms, 600000);
    assert_int_equal(a->target.timeout_ms, 60000);
    nb_config_free(&c);

    /* no app targets: none stored; an empty list is the same */
    assert_int_equal(parse("{\"role\":\"guest\",\"app\":[]}", &c), 0);
    assert_int_equal(c.napps, 0);
    assert_null(c.apps);
    nb_config_free(&c);
    /* a host agent may probe a backend too */
    assert_int_equal(parse("{\"role\":\"host\",\"app\":[{\"name\":\"a\",\"url\":\"http://x/\"}]}", &c),
                     0);
    assert_int_equal(c.napps, 1);
    nb_config_free(&c);
}

static void test_bad_app_targets(void **state)
{
    (void)state;
#define WEB "\"name\":\"web\",\"url\":\"http://backend.lab/\""
#define DB "\"name\":\"db\",\"url\":\"tcp://db.lab:5432\",\"send\":\"PING\",\"expect\":\"PONG\""
    static const struct {
        const char *json, *needle;
    } cases[] = {
        {"{\"role\":\"guest\",\"app\":{}}", NAME ": app: must be an array (got an object)"},
        {APP("\"web\""), NAME ": app[0]: must be an object (got a string)"},
        {APP("{" WEB ",\"intervall_ms\":100}"), NAME ": app[0].intervall_ms: unknown key"},
        {APP("{" WEB ",\"url\":\"http://b/\"}"), NAME ": app[0].url: duplicate key"},
        {APP("{\"url\":\"http://backend.lab/\"}"), NAME ": app[0].name: missing (required)"},
        {APP("{\"name\":\"web\"}"), NAME ": app[0].url: missing (required)"},
        {APP("{\"name\":\"w b\",\"url\":\"http://x/\"}"),
         NAME ": app[0].name: must be 1..63 characters of [A-Za-z0-9_.:-] (got \"w b\")"},
        {APP("{" WEB "},{" DB "},{\"name\":\"web\",\"url\":\"http://other/\"}"),
         NAME ": app[2].name: duplicate app name \"web\" (also app[0])"},
        {APP("{\"name\":\"web\",\"url\":80}"), NAME ": app[0].url: must be a string (got a number)"},
        {APP("{\"name\":\"web\",\"url\":\"https://backend.lab/\"}"),
         NAME ": app[0].url: 'https://backend.lab/': only http:// and tcp:// targets"},
        {APP("{\"name\":\"web\",\"url\":\"backend.lab\"}"),
         NAME ": app[0].url: 'backend.lab': only http:// and tcp:// targets"},
        {APP("{\"name\":\"web\",\"url\":\"http://backend.lab/a b\"}"),
         NAME ": app[0].url: must be printable ASCII without blanks"},
        {APP("{\"name\":\"web\",\"url\":\"http://backend.lab/\\r\\nX: y\"}"),
         NAME ": app[0].url: must be printable ASCII without blanks"},
        {APP("{\"name\":\"web\",\"url\":\"http://back%end/\"}"),
         NAME ": app[0].url: the host must be a DNS name or a numeric IPv4 address"},
        {APP("{\"name\":\"web\",\"url\":\"http://backend.lab:0/\"}"), NAME ": app[0].url: "},
        {APP("{\"name\":\"db\",\"url\":\"tcp://db.lab\",\"send\":\"a\",\"expect\":\"b\"}"),
         NAME ": app[0].url: 'tcp://db.lab': tcp:// needs host:port"},
        {APP("{" WEB ",\"interval_ms\":99}"),
         NAME ": app[0].interval_ms: must be an integer in 100..600000 (got 99)"},
        {APP("{" WEB ",\"interval_ms\":600001}"),
         NAME ": app[0].interval_ms: must be an integer in 100..600000 (got 600001)"},
        {APP("{" WEB ",\"timeout_ms\":9}"),
         NAME ": app[0].timeout_ms: must be an integer in 10..60000 (got 9)"},
        {APP("{" WEB ",\"timeout_ms\":\"5s\"}"),
         NAME ": app[0].timeout_ms: must be an integer in 10..60000 (got a string)"},
        {APP("{" WEB ",\"expect_status\":99}"),
         NAME ": app[0].expect_status: must be an integer in 100..599 (got 99)"},
        {APP("{" WEB ",\"expect_status\":600}"),
         NAME ": app[0].expect_status: must be an integer in 100..599 (got 600)"},
        {APP("{" WEB ",\"expect_body\":true}"),
         NAME ": app[0].expect_body: must be a string (got true)"},
        {APP("{" WEB ",\"expect_body\":\"" /* 128 bytes: one too many */
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}"),
         NAME ": app[0].expect_body: at most 127 bytes (got 128)"},
        {APP("{" WEB ",\"send\":\"x\"}"), NAME ": app[0].send: only for tcp:// targets"},
        {APP("{" WEB ",\"expect\":\"x\"}"), NAME ": app[0].expect: only for tcp:// targets"},
        {APP("{" DB ",\"expect_status\":200}"),
         NAME ": app[0].expect_status: only for http:// targets"},
        {APP("{" DB ",\"expect_body\":\"ok\"}"),
         NAME ": app[0].expect_body: only for http:// targets"},
        {APP("{\"name\":\"db\",\"url\":\"tcp://db.lab:5432\",\"expect\":\"PONG\"}"),
         NAME ": app[0].send: missing (required)"},
        {APP("{\"name\":\"db\",\"url\":\"tcp://db.lab:5432\",\"send\":\"PING\"}"),
         NAME ": app[0].expect: missing (required)"},
        {APP("{\"name\":\"db\",\"url\":\"tcp://db.lab:5432\",\"send\":1,\"expect\":\"PONG\"}"),
         NAME ": app[0].send: must be a string (got a number)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_error(cases[i].json, cases[i].needle);
#undef WEB
#undef DB

    /* at most NB_MAX_APPS targets */
    struct nb_buf b;
    nb_buf_init(&b);
    nb_buf_printf(&b, "{\"role\":\"guest\",\"app\":[");
    for (int i = 0; i <= NB_MAX_APPS; i++)
        nb_buf_printf(&b, "%s{\"name\":\"a%d\",\"url\":\"http://x/\"}", i ? "," : "", i);
    nb_buf_printf(&b, "]}");
    char *json = nb_buf_steal(&b, NULL);
    expect_error(json, NAME ": app: at most 256 targets (got 257)");
    free(json);
}

static void test_app_source_ports(void **state)
{
    (void)state;
    struct nb_config c;

    assert_int_equal(parse("{\"role\":\"guest\"}", &c), 0);
    assert_int_equal(c.app_port_first, NB_APP_PORT_FIRST_DEFAULT);
    assert_int_equal(c.app_port_last, NB_APP_PORT_LAST_DEFAULT);
    assert_int_equal(c.app_port_first, 61000);
    assert_int_equal(c.app_port_last, 61255);
    nb_config_free(&c);
    assert_int_equal(
        parse("{\"role\":\"guest\",\"app_source_ports\":{\"first\":1024,\"last\":5119}}", &c), 0);
    assert_int_equal(c.app_port_first, 1024); /* 4096 ports: the most allowed */
    assert_int_equal(c.app_port_last, 5119);
    nb_config_free(&c);
    assert_int_equal(
        parse("{\"role\":\"host\",\"app_source_ports\":{\"first\":65535,\"last\":65535}}", &c), 0);
    assert_int_equal(c.app_port_first, 65535);
    assert_int_equal(c.app_port_last, 65535);
    nb_config_free(&c);
    /* one bound given: the other defaults without crossing it */
    assert_int_equal(parse("{\"role\":\"guest\",\"app_source_ports\":{\"first\":62000}}", &c), 0);
    assert_int_equal(c.app_port_first, 62000);
    assert_int_equal(c.app_port_last, 62000);
    nb_config_free(&c);
    assert_int_equal(parse("{\"role\":\"guest\",\"app_source_ports\":{\"last\":61100}}", &c), 0);
    assert_int_equal(c.app_port_first, 61000);
    assert_int_equal(c.app_port_last, 61100);
    nb_config_free(&c);
    assert_int_equal(parse("{\"role\":\"guest\",\"app_source_ports\":{}}", &c), 0);
    assert_int_equal(c.app_port_first, 61000);
    assert_int_equal(c.app_port_last, 61255);
    nb_config_free(&c);

#define PORTS(o) "{\"role\":\"guest\",\"app_source_ports\":" o "}"
    static const struct {
        const char *json, *needle;
    } cases[] = {
        {PORTS("[]"), NAME ": app_source_ports: must be an object (got an array)"},
        {PORTS("{\"size\":4}"), NAME ": app_source_ports.size: unknown key"},
        {PORTS("{\"first\":1023}"),
         NAME ": app_source_ports.first: must be an integer in 1024..65535 (got 1023)"},
        {PORTS("{\"first\":65536}"),
         NAME ": app_source_ports.first: must be an integer in 1024..65535 (got 65536)"},
        {PORTS("{\"first\":\"61000\"}"),
         NAME ": app_source_ports.first: must be an integer in 1024..65535 (got a string)"},
        {PORTS("{\"first\":61000.5}"),
         NAME ": app_source_ports.first: must be an integer in 1024..65535 (got 61000.5)"},
        {PORTS("{\"first\":62000,\"last\":61999}"),
         NAME ": app_source_ports.last: must be an integer in 62000..65535 (got 61999)"},
        {PORTS("{\"last\":65536}"),
         NAME ": app_source_ports.last: must be an integer in 61000..65535 (got 65536)"},
        {PORTS("{\"first\":1024,\"last\":5120}"),
         NAME ": app_source_ports.last: at most 4096 ports (first is 1024)"},
        {PORTS("{\"first\":61000,\"first\":61001}"), NAME ": app_source_ports.first: duplicate key"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_error(cases[i].json, cases[i].needle);
#undef PORTS
}

/* A and B hold the same thresholds (compared field by field: padding may differ). */
static void assert_same_thresholds(const struct nb_cls_thresholds *a,
                                   const struct nb_cls_thresholds *b)
{
    assert_int_equal(a->min_samples, b->min_samples);
    assert_int_equal(a->min_app_probes, b->min_app_probes);
    assert_int_equal(a->min_base_windows, b->min_base_windows);
    assert_true(a->z == b->z);
    assert_true(a->k_mad == b->k_mad);
    for (int l = 0; l < NB_LAYER__COUNT; l++) {
        assert_true(a->floor_ns[l] == b->floor_ns[l]);
        assert_true(a->excess_ns[l] == b->excess_ns[l]);
    }
    assert_true(a->rtt_floor_ns == b->rtt_floor_ns);
    assert_true(a->rtt_excess_ns == b->rtt_excess_ns);
    assert_true(a->server_floor_ns == b->server_floor_ns);
    assert_true(a->server_excess_ns == b->server_excess_ns);
    assert_true(a->loss_floor == b->loss_floor);
    assert_int_equal(a->min_events, b->min_events);
    assert_true(a->link_only_cap == b->link_only_cap);
    assert_true(a->tail_floor_ns == b->tail_floor_ns);
    assert_true(a->tail_excess_ns == b->tail_excess_ns);
    assert_true(a->spread_floor_ns == b->spread_floor_ns);
    assert_true(a->attribute_min == b->attribute_min);
    assert_true(a->cpu_wait_share == b->cpu_wait_share);
    assert_true(a->cpu_pressure_share == b->cpu_pressure_share);
    assert_true(a->cpu_steal_share == b->cpu_steal_share);
    assert_true(a->resolve_floor_ns == b->resolve_floor_ns);
    assert_true(a->resolve_excess_ns == b->resolve_excess_ns);
}

static void test_classifier_thresholds(void **state)
{
    (void)state;
    struct nb_config c;
    struct nb_cls_thresholds def;

    nb_cls_thresholds_default(&def);

    /* absent or empty: the classifier's own defaults */
    assert_int_equal(parse("{\"role\":\"host\"}", &c), 0);
    assert_same_thresholds(&c.cls, &def);
    nb_config_free(&c);
    assert_int_equal(parse("{\"role\":\"host\",\"classifier\":{\"floor_us\":{}}}", &c), 0);
    assert_same_thresholds(&c.cls, &def);
    nb_config_free(&c);

    /* every key; durations in µs become ns; a layer left out keeps its default */
    assert_int_equal(parse("{\"role\":\"guest\",\"classifier\":{"
                           "\"min_samples\":20,\"min_app_probes\":8,\"min_base_windows\":32,"
                           "\"z\":1.96,\"k_mad\":0,"
                           "\"floor_us\":{\"app\":2000,\"virtual\":500,\"physical\":750.5},"
                           "\"excess_us\":{\"virtual\":100},"
                           "\"rtt_floor_us\":8000,\"rtt_excess_us\":1e3,"
                           "\"server_floor_us\":150000,\"server_excess_us\":60000000,"
                           "\"loss_floor\":0.005,\"min_events\":1,\"link_only_cap\":1,"
                           "\"tail_floor_us\":20000,\"tail_excess_us\":2500,"
                           "\"spread_floor_us\":4,\"attribute_min\":0.6,"
                           "\"cpu_wait_share\":0.25,\"cpu_pressure_share\":1,"
                           "\"cpu_steal_share\":0.05,\"resolve_floor_us\":300000,"
                           "\"resolve_excess_us\":5000}}",
                           &c),
                     0);
    assert_int_equal(c.cls.min_samples, 20);
    assert_int_equal(c.cls.min_app_probes, 8);
    assert_int_equal(c.cls.min_base_windows, 32);
    assert_true(c.cls.z == 1.96);
    assert_true(c.cls.k_mad == 0);
    assert_true(c.cls.floor_ns[NB_LAYER_APP] == 2e6);
    assert_true(c.cls.floor_ns[NB_LAYER_VIRTUAL] == 500e3);
    assert_true(c.cls.floor_ns[NB_LAYER_PHYSICAL] == 750.5e3);
    assert_true(c.cls.excess_ns[NB_LAYER_VIRTUAL] == 100e3);
    assert_true(c.cls.excess_ns[NB_LAYER_APP] == def.excess_ns[NB_LAYER_APP]);
    assert_true(c.cls.excess_ns[NB_LAYER_PHYSICAL] == def.excess_ns[NB_LAYER_PHYSICAL]);
    assert_true(c.cls.rtt_floor_ns == 8e6);
    assert_true(c.cls.rtt_excess_ns == 1e6);
    assert_true(c.cls.server_floor_ns == 150e6);
    assert_true(c.cls.server_excess_ns == 60e9);
    assert_true(c.cls.loss_floor == 0.005);
    assert_int_equal(c.cls.min_events, 1);
    assert_true(c.cls.link_only_cap == 1.0);
    assert_true(c.cls.tail_floor_ns == 20e6);
    assert_true(c.cls.tail_excess_ns == 2.5e6);
    assert_true(c.cls.spread_floor_ns == 4e3);
    assert_true(c.cls.attribute_min == 0.6);
    assert_true(c.cls.cpu_wait_share == 0.25);
    assert_true(c.cls.cpu_pressure_share == 1.0);
    assert_true(c.cls.cpu_steal_share == 0.05);
    assert_true(c.cls.resolve_floor_ns == 300e6);
    assert_true(c.cls.resolve_excess_ns == 5e6);
    nb_config_free(&c);

    /* one key changes one field */
    assert_int_equal(parse("{\"role\":\"host\",\"classifier\":{\"z\":3}}", &c), 0);
    def.z = 3;
    assert_same_thresholds(&c.cls, &def);
    nb_config_free(&c);
}

static void test_bad_classifier_thresholds(void **state)
{
    (void)state;
#define CLS(o) "{\"role\":\"host\",\"classifier\":" o "}"
    static const struct {
        const char *json, *needle;
    } cases[] = {
        {CLS("[]"), NAME ": classifier: must be an object (got an array)"},
        {CLS("{\"min_sample\":5}"),
         NAME ": classifier.min_sample: unknown key (known: min_samples, min_app_probes,"},
        {CLS("{\"Z\":2}"), "resolve_excess_us)"}, /* the whole list, not cut */
        {CLS("{\"floor_us\":{\"wire\":1}}"),
         NAME ": classifier.floor_us.wire: unknown key (known: app, virtual, physical)"},
        {CLS("{\"z\":2,\"z\":3}"), NAME ": classifier.z: duplicate key"},
        {CLS("{\"floor_us\":500}"), NAME ": classifier.floor_us: must be an object (got a number)"},
        {CLS("{\"min_samples\":0}"),
         NAME ": classifier.min_samples: must be an integer in 1..100000 (got 0)"},
        {CLS("{\"min_events\":2.5}"),
         NAME ": classifier.min_events: must be an integer in 1..100000 (got 2.5)"},
        {CLS("{\"min_base_windows\":65}"),
         NAME ": classifier.min_base_windows: must be an integer in 1..64 (got 65)"},
        {CLS("{\"min_app_probes\":\"5\"}"),
         NAME ": classifier.min_app_probes: must be an integer in 1..100000 (got a string)"},
        {CLS("{\"z\":0}"), NAME ": classifier.z: must be a number > 0 and <= 10 (got 0)"},
        {CLS("{\"z\":\"2.58\"}"),
         NAME ": classifier.z: must be a number > 0 and <= 10 (got a string)"},
        {CLS("{\"k_mad\":-1}"),
         NAME ": classifier.k_mad: must be a number >= 0 and <= 1000 (got -1)"},
        {CLS("{\"floor_us\":{\"virtual\":0}}"),
         NAME ": classifier.floor_us.virtual: must be a number > 0 and <= 60000000 (got 0)"},
        {CLS("{\"excess_us\":{\"physical\":null}}"),
         NAME ": classifier.excess_us.physical: must be a number > 0 and <= 60000000 (got null)"},
        {CLS("{\"rtt_floor_us\":1e999}"),
         NAME ": classifier.rtt_floor_us: must be a number > 0 and <= 60000000 (got inf)"},
        {CLS("{\"server_excess_us\":-5}"),
         NAME ": classifier.server_excess_us: must be a number > 0 and <= 60000000 (got -5)"},
        {CLS("{\"loss_floor\":0}"),
         NAME ": classifier.loss_floor: must be a number > 0 and < 1 (got 0)"},
        {CLS("{\"loss_floor\":1}"),
         NAME ": classifier.loss_floor: must be a number > 0 and < 1 (got 1)"},
        {CLS("{\"link_only_cap\":1.5}"),
         NAME ": classifier.link_only_cap: must be a number > 0 and <= 1 (got 1.5)"},
        {CLS("{\"tail_factor\":2}"), NAME ": classifier.tail_factor: unknown key"},
        {CLS("{\"attribute_min\":0}"),
         NAME ": classifier.attribute_min: must be a number > 0 and <= 1 (got 0)"},
        {CLS("{\"tail_floor_us\":0}"),
         NAME ": classifier.tail_floor_us: must be a number > 0 and <= 60000000 (got 0)"},
        {CLS("{\"cpu_wait_share\":0}"),
         NAME ": classifier.cpu_wait_share: must be a number > 0 and <= 1 (got 0)"},
        {CLS("{\"cpu_pressure_share\":1.01}"),
         NAME ": classifier.cpu_pressure_share: must be a number > 0 and <= 1 (got 1.01)"},
        {CLS("{\"cpu_steal_share\":\"10%\"}"),
         NAME ": classifier.cpu_steal_share: must be a number > 0 and <= 1 (got a string)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_error(cases[i].json, cases[i].needle);
#undef CLS
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

static void test_stamp_auth_rules(void **state)
{
    (void)state;
    struct nb_config c;
    char json[512], hex[2 * NB_STAMP_KEY_MAX + 3];

    expect_error("{\"role\":\"host\",\"stamp\":{\"auth\":\"hmac\"}}",
                 NAME ": stamp.auth: \"hmac\" needs a key");
    expect_error("{\"role\":\"host\",\"stamp\":{\"auth\":\"hmac\",\"key_hex\":\"00\","
                 "\"key_file\":\"k\"}}",
                 NAME ": stamp.key_file: give only one of key_hex and key_file");
    expect_error("{\"role\":\"host\",\"stamp\":{\"key_hex\":\"00\"}}",
                 NAME ": stamp.key_hex: a key is set but auth is \"none\"");
    expect_error("{\"role\":\"host\",\"stamp\":{\"auth\":\"none\",\"key_file\":\"k\"}}",
                 NAME ": stamp.key_file: a key is set but auth is \"none\"");
    expect_error("{\"role\":\"host\",\"stamp\":{\"auth\":\"hmac\",\"key_hex\":\"abc\"}}",
                 NAME ": stamp.key_hex: must be an even number of hex digits");
    expect_error("{\"role\":\"host\",\"stamp\":{\"auth\":\"hmac\",\"key_hex\":\"\"}}",
                 NAME ": stamp.key_hex: must be an even number of hex digits");
    expect_error("{\"role\":\"host\",\"stamp\":{\"auth\":\"hmac\",\"key_hex\":\"0g\"}}",
                 NAME ": stamp.key_hex: must contain only hex digits");

    /* 64 bytes is the longest key, 65 too long */
    memset(hex, 'a', 2 * NB_STAMP_KEY_MAX);
    hex[2 * NB_STAMP_KEY_MAX] = '\0';
    snprintf(json, sizeof(json),
             "{\"role\":\"host\",\"stamp\":{\"auth\":\"hmac\",\"key_hex\":\"%s\"}}", hex);
    assert_int_equal(parse(json, &c), 0);
    assert_int_equal(c.key.len, NB_STAMP_KEY_MAX);
    assert_int_equal(c.key.key[NB_STAMP_KEY_MAX - 1], 0xaa);
    nb_config_free(&c);
    strcat(hex, "aa");
    snprintf(json, sizeof(json),
             "{\"role\":\"host\",\"stamp\":{\"auth\":\"hmac\",\"key_hex\":\"%s\"}}", hex);
    expect_error(json, NAME ": stamp.key_hex: must be an even number of hex digits, 2..128");
    /* the message never repeats the secret */
    assert_null(strstr(err, hex));
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void test_key_file_relative_to_config_dir(void **state)
{
    (void)state;
    char dir[] = "/tmp/nb_test_config.XXXXXX";
    char sub[64], cfg[128], key[128], abskey[128], longkey[128], empty[128], json[512];
    struct nb_config c;

    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof(sub), "%s/keys", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(key, sizeof(key), "%s/keys/stamp.key", dir);
    write_file(key, "\x01\x02\x03secret\n", 10);
    snprintf(longkey, sizeof(longkey), "%s/long.key", dir);
    char big[NB_STAMP_KEY_MAX + 1];
    memset(big, 'k', sizeof(big));
    write_file(longkey, big, sizeof(big));
    snprintf(empty, sizeof(empty), "%s/empty.key", dir);
    write_file(empty, "", 0);
    snprintf(cfg, sizeof(cfg), "%s/netblame.json", dir);

    /* relative to the config file's directory, not to the working directory */
    const char *rel =
        "{\"role\":\"host\",\"stamp\":{\"auth\":\"hmac\",\"key_file\":\"keys/stamp.key\"}}";
    write_file(cfg, rel, strlen(rel));
    assert_int_equal(nb_config_load(cfg, &c, err, sizeof(err)), 0);
    assert_string_equal(c.path, cfg);
    assert_int_equal(c.auth, NB_STAMP_AUTH);
    assert_int_equal(c.key.len, 10);
    assert_memory_equal(c.key.key, "\x01\x02\x03secret\n", 10);
    nb_config_free(&c);

    /* the same through nb_config_parse: NAME's directory anchors the path */
    assert_int_equal(nb_config_parse(rel, strlen(rel), cfg, &c, err, sizeof(err)), 0);
    assert_int_equal(c.key.len, 10);
    nb_config_free(&c);

    /* an absolute path is taken as is */
    snprintf(abskey, sizeof(abskey), "%s/keys/stamp.key", dir);
    snprintf(json, sizeof(json),
             "{\"role\":\"host\",\"stamp\":{\"auth\":\"hmac\",\"key_file\":\"%s\"}}", abskey);
    assert_int_equal(parse(json, &c), 0);
    assert_int_equal(c.key.len, 10);
    nb_config_free(&c);

    /* missing, empty, too long, a directory */
    expect_error_name(
        "{\"role\":\"host\",\"stamp\":{\"auth\":\"hmac\",\"key_file\":\"nope.key\"}}",
        strlen("{\"role\":\"host\",\"stamp\":{\"auth\":\"hmac\",\"key_file\":\"nope.key\"}}"), cfg,
        ": stamp.key_file: cannot open ");
    assert_non_null(strstr(err, "/nope.key"));
    assert_non_null(strstr(err, dir));
    const char *e = "{\"role\":\"host\",\"stamp\":{\"auth\":\"hmac\",\"key_file\":\"empty.key\"}}";
    expect_error_name(e, strlen(e), cfg, ": stamp.key_file: ");
    assert_non_null(strstr(err, "it is empty"));
    const char *l = "{\"role\":\"host\",\"stamp\":{\"auth\":\"hmac\",\"key_file\":\"long.key\"}}";
    expect_error_name(l, strlen(l), cfg, ": stamp.key_file: ");
    assert_non_null(strstr(err, "must hold 1..64 bytes"));
    const char *d = "{\"role\":\"host\",\"stamp\":{\"auth\":\"hmac\",\"key_file\":\"keys\"}}";
    expect_error_name(d, strlen(d), cfg, ": stamp.key_file: ");
    assert_non_null(strstr(err, "not a regular file"));

    assert_int_equal(unlink(cfg), 0);
    assert_int_equal(unlink(key), 0);
    assert_int_equal(unlink(longkey), 0);
    assert_int_equal(unlink(empty), 0);
    assert_int_equal(rmdir(sub), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void test_load_errors_name_the_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/nb_test_config.XXXXXX";
    char path[128];
    struct nb_config c;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/missing.json", dir);
    assert_int_equal(nb_config_load(path, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "cannot open"));

    /* over 1 MiB, even though it is valid JSON */
    snprintf(path, sizeof(path), "%s/big.json", dir);
    size_t n = 1024 * 1024 + 1;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, ' ', n);
    memcpy(big, "{\"role\":\"host\"}", 15);
    write_file(path, big, n);
    free(big);
    assert_int_equal(nb_config_load(path, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "too large"));
    assert_int_equal(unlink(path), 0);

    /* exactly 1 MiB is fine */
    n = 1024 * 1024;
    big = malloc(n);
    assert_non_null(big);
    memset(big, ' ', n);
    memcpy(big, "{\"role\":\"host\"}", 15);
    write_file(path, big, n);
    free(big);
    assert_int_equal(nb_config_load(path, &c, err, sizeof(err)), 0);
    nb_config_free(&c);
    assert_int_equal(unlink(path), 0);

    /* a directory cannot be read */
    assert_int_equal(nb_config_load(dir, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, dir));

    /* a syntax error in a file names that file */
    snprintf(path, sizeof(path), "%s/bad.json", dir);
    write_file(path, "{\"role\":\n\"host\"\n\"x\"}", 19);
    assert_int_equal(nb_config_load(path, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, ": line 3, column "));
    assert_int_equal(unlink(path), 0);

    assert_int_equal(rmdir(dir), 0);
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

/* Strip the last path component of P in place ("a/b/c" -> "a/b"); 0 or -1. */
static int strip_component(char *p)
{
    size_t n = strlen(p);

    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    char *slash = strrchr(p, '/');
    if (!slash)
        return -1;
    *(slash == p ? slash + 1 : slash) = '\0';
    return 0;
}

/* The repository root: from this file's path (absolute in CMake builds), else
 * $NB_SRC, else $NB_TEST_DATA minus "/tests/data". Checked to hold the examples. */
static int repo_root(char *out, size_t n)
{
    const char *self = __FILE__, *tail = "tests/unit/test_config.c";
    size_t sl = strlen(self), tl = strlen(tail);
    const char *env;
    char probe[4096];

    out[0] = '\0';
    if (sl >= tl && strcmp(self + sl - tl, tail) == 0) {
        if (sl == tl)
            snprintf(out, n, ".");
        else
            snprintf(out, n, "%.*s", (int)(sl - tl - 1), self);
    }
    snprintf(probe, sizeof(probe), "%s/deploy/examples/host.json", out);
    if (out[0] && access(probe, R_OK) == 0)
        return 0;
    if ((env = getenv("NB_SRC")) && *env) {
        snprintf(out, n, "%s", env);
    } else if ((env = getenv("NB_TEST_DATA")) && *env) {
        snprintf(out, n, "%s", env);
        if (strip_component(out) < 0 || strip_component(out) < 0)
            return -1;
    } else {
        return -1;
    }
    snprintf(probe, sizeof(probe), "%s/deploy/examples/host.json", out);
    return access(probe, R_OK) == 0 ? 0 : -1;
}

static void test_example_configs_parse(void **state)
{
    (void)state;
    char root[2048], path[4096];
    struct nb_config c;

    if (repo_root(root, sizeof(root)) < 0) {
        print_message(
            "skipped: deploy/examples/ not found from __FILE__, $NB_SRC or $NB_TEST_DATA\n");
        skip();
    }
    snprintf(path, sizeof(path), "%s/deploy/examples/host.json", root);
    if (nb_config_load(path, &c, err, sizeof(err)) < 0)
        print_error("%s\n", err);
    assert_string_equal(err, "");
    assert_int_equal(c.role, NB_ROLE_HOST);
    assert_true(c.npeers >= 1);
    for (size_t i = 0; i < c.npeers; i++)
        assert_int_equal(c.peers[i].family, NB_FAMILY_FABRIC);
    nb_config_free(&c);

    snprintf(path, sizeof(path), "%s/deploy/examples/guest.json", root);
    if (nb_config_load(path, &c, err, sizeof(err)) < 0)
        print_error("%s\n", err);
    assert_string_equal(err, "");
    assert_int_equal(c.role, NB_ROLE_GUEST);
    assert_true(c.npeers >= 1);
    assert_int_equal(c.peers[0].family, NB_FAMILY_VNET);
    assert_true(c.napps >= 1);
    nb_config_free(&c);
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
        cmocka_unit_test(test_app_targets),
        cmocka_unit_test(test_bad_app_targets),
        cmocka_unit_test(test_app_source_ports),
        cmocka_unit_test(test_classifier_thresholds),
        cmocka_unit_test(test_bad_classifier_thresholds),
        cmocka_unit_test(test_invalid_json_reports_line),
        cmocka_unit_test(test_stamp_auth_rules),
        cmocka_unit_test(test_key_file_relative_to_config_dir),
        cmocka_unit_test(test_load_errors_name_the_file),
        cmocka_unit_test(test_error_message_is_one_line_and_bounded),
        cmocka_unit_test(test_example_configs_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
