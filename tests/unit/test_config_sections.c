/* test_config_sections.c — the config parser's app targets, app source ports
 * and classifier thresholds: values converted, defaults kept, every mistake
 * refused with one line naming the file and the key path (test_config.c has
 * the parser's general rules). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_expect.h"
#include "netblame/buf.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_app_targets),
        cmocka_unit_test(test_bad_app_targets),
        cmocka_unit_test(test_app_source_ports),
        cmocka_unit_test(test_classifier_thresholds),
        cmocka_unit_test(test_bad_classifier_thresholds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
