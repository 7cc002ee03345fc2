/* test_config_alerts.c — the "alerts" section of the config: its defaults,
 * a full section converted to struct nb_alerts_cfg, every mistake refused
 * with the file and the key path, and the PagerDuty routing key file:
 * read without its newline, refused when others may read it, when another
 * user owns it, or when it holds no key — never quoting the key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wire/config.h"

#define KEY "0123456789abcdef0123456789abcdef" /* PagerDuty's are 32 characters */

static char err[512];
static char dir[] = "/tmp/nb_test_alerts.XXXXXX";
static char cfgname[128]; /* DIR/netblame.json: its directory anchors routing_key_file */

static void write_file(const char *name, const char *data, size_t len, mode_t mode)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0); /* whatever the umask */
}

static void remove_file(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(cfgname, sizeof(cfgname), "%s/netblame.json", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const names[] = {"pd.key",   "open.key",  "nl.key",    "long.key", "bin.key",
                                        "crlf.key", "empty.key", "other.key", NULL};
    for (size_t i = 0; names[i]; i++)
        remove_file(names[i]);
    return rmdir(dir);
}

/* A guest config whose "alerts" object is ALERTS. */
static int parse_alerts(const char *alerts, struct nb_config *c)
{
    char json[4096];
    snprintf(json, sizeof(json), "{\"role\":\"guest\",\"alerts\":%s}", alerts);
    memset(err, 0, sizeof(err));
    return nb_config_parse(json, strlen(json), cfgname, c, err, sizeof(err));
}

/* ALERTS refused with one line naming the file and holding NEEDLE. */
static void expect_error(const char *alerts, const char *needle)
{
    struct nb_config c;
    if (parse_alerts(alerts, &c) != -1 || strncmp(err, cfgname, strlen(cfgname)) != 0 ||
        !strstr(err, needle) || strchr(err, '\n') || strstr(err, KEY)) {
        print_error("alerts: %s\nerror: %s\nwanted: %s\n", alerts, err, needle);
        fail();
    }
}

static void test_defaults_without_the_section(void **state)
{
    (void)state;
    struct nb_config c;
    const char *json = "{\"role\":\"guest\"}";
    assert_int_equal(nb_config_parse(json, strlen(json), cfgname, &c, err, sizeof(err)), 0);
    const struct nb_alerts_cfg *a = &c.alerts;
    assert_false(a->present);
    assert_int_equal(a->ntarget_labels, 2);
    assert_string_equal(a->target_labels[0], "netblame_target");
    assert_string_equal(a->target_labels[1], "instance");
    assert_int_equal(a->deadline_ms, NB_ALERT_DEADLINE_MS_DEFAULT);
    assert_int_equal(a->diagnose, NB_ALERT_DIAG_STALE);
    assert_int_equal(a->fresh_ms, NB_ALERT_FRESH_MS_DEFAULT);
    assert_string_equal(a->spool_dir, "");
    assert_int_equal(a->spool_max_bytes, NB_SPOOL_MAX_BYTES_DEFAULT);
    assert_int_equal(a->nsinks, 0);
    nb_config_free(&c);

    /* present but empty: the same defaults */
    assert_int_equal(parse_alerts("{}", &c), 0);
    assert_true(c.alerts.present);
    assert_int_equal(c.alerts.ntarget_labels, 2);
    assert_int_equal(c.alerts.deadline_ms, NB_ALERT_DEADLINE_MS_DEFAULT);
    nb_config_free(&c);
}

static void test_full_section(void **state)
{
    (void)state;
    struct nb_config c;
    write_file("pd.key", KEY "\n", strlen(KEY) + 1, 0600);
    assert_int_equal(
        parse_alerts("{\"target_labels\":[\"svc\",\"instance\",\"_x9\"],\"deadline_ms\":500,"
                     "\"diagnose\":\"never\",\"fresh_ms\":3000,\"spool_dir\":\"/var/spool/nb\","
                     "\"spool_max_bytes\":1048576,\"sinks\":["
                     "{\"name\":\"pd\",\"type\":\"pagerduty\","
                     "\"url\":\"https://events.pagerduty.com/v2/enqueue\","
                     "\"routing_key_file\":\"pd.key\",\"severity\":\"warning\"},"
                     "{\"name\":\"hook\",\"type\":\"webhook\",\"url\":\"http://127.0.0.1:9000/h\","
                     "\"timeout_ms\":100}]}",
                     &c),
        0);
    const struct nb_alerts_cfg *a = &c.alerts;
    assert_true(a->present);
    assert_int_equal(a->ntarget_labels, 3);
    assert_string_equal(a->target_labels[0], "svc");
    assert_string_equal(a->target_labels[2], "_x9");
    assert_int_equal(a->deadline_ms, 500);
    assert_int_equal(a->diagnose, NB_ALERT_DIAG_NEVER);
    assert_int_equal(a->fresh_ms, 3000);
    assert_string_equal(a->spool_dir, "/var/spool/nb");
    assert_int_equal(a->spool_max_bytes, 1048576);
    assert_int_equal(a->nsinks, 2);
    assert_string_equal(a->sinks[0].name, "pd");
    assert_int_equal(a->sinks[0].type, NB_SINK_PAGERDUTY);
    assert_string_equal(a->sinks[0].url, "https://events.pagerduty.com/v2/enqueue");
    assert_string_equal(a->sinks[0].routing_key, KEY); /* without the newline */
    assert_string_equal(a->sinks[0].severity, "warning");
    assert_int_equal(a->sinks[0].timeout_ms, 5000);
    assert_string_equal(a->sinks[1].name, "hook");
    assert_int_equal(a->sinks[1].type, NB_SINK_WEBHOOK);
    assert_string_equal(a->sinks[1].routing_key, "");
    assert_int_equal(a->sinks[1].timeout_ms, 100);
    nb_config_free(&c);

    /* severity defaults to critical; "always" is the third mode */
    assert_int_equal(parse_alerts("{\"diagnose\":\"always\",\"sinks\":[{\"name\":\"pd\","
                                  "\"type\":\"pagerduty\",\"url\":\"https://e.example/v2\","
                                  "\"routing_key_file\":\"pd.key\"}]}",
                                  &c),
                     0);
    assert_int_equal(c.alerts.diagnose, NB_ALERT_DIAG_ALWAYS);
    assert_string_equal(c.alerts.sinks[0].severity, "critical");
    nb_config_free(&c);
}

static void test_mistakes_name_the_key(void **state)
{
    (void)state;
    expect_error("[]", ": alerts: must be an object (got an array)");
    expect_error("{\"targets\":[]}", ": alerts.targets: unknown key (known: target_labels");
    expect_error("{\"fresh_ms\":2000,\"fresh_ms\":3000}", ": alerts.fresh_ms: duplicate key");
    expect_error("{\"target_labels\":[]}", ": alerts.target_labels: must list 1..4 label names");
    expect_error("{\"target_labels\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}",
                 ": alerts.target_labels: must list 1..4 label names (got 5)");
    expect_error("{\"target_labels\":[\"ok\",\"9lives\"]}",
                 ": alerts.target_labels[1]: not a label name");
    expect_error("{\"target_labels\":[\"a-b\"]}", ": alerts.target_labels[0]: not a label name");
    expect_error("{\"target_labels\":[\"\"]}", ": alerts.target_labels[0]: must not be empty");
    expect_error("{\"target_labels\":[3]}", ": alerts.target_labels[0]: must be a string");
    expect_error("{\"target_labels\":[\"a\",\"a\"]}",
                 ": alerts.target_labels[1]: \"a\" is listed twice (also [0])");
    expect_error("{\"deadline_ms\":5}", ": alerts.deadline_ms: must be an integer in 10..60000");
    expect_error("{\"diagnose\":\"sometimes\"}",
                 ": alerts.diagnose: must be one of \"stale\", \"always\", \"never\"");
    expect_error("{\"fresh_ms\":999}", ": alerts.fresh_ms: must be an integer in 1000..3600000");
    expect_error("{\"spool_dir\":\"spool\"}", ": alerts.spool_dir: must be an absolute path");
    expect_error("{\"spool_dir\":\"/a\\nb\"}", ": alerts.spool_dir: must hold no control");
    expect_error("{\"spool_max_bytes\":100}", ": alerts.spool_max_bytes: must be an integer in");
    expect_error("{\"sinks\":{}}", ": alerts.sinks: must be an array");
    expect_error("{\"sinks\":[1,2,3,4,5,6,7,8,9]}", ": alerts.sinks: at most 8 sinks (got 9)");
    expect_error("{\"sinks\":[{\"type\":\"webhook\",\"url\":\"http://h/\"}]}",
                 ": alerts.sinks[0].name: missing (required)");
    expect_error("{\"sinks\":[{\"name\":\"a\",\"url\":\"http://h/\"}]}",
                 ": alerts.sinks[0].type: missing (required)");
    expect_error("{\"sinks\":[{\"name\":\"a\",\"type\":\"email\",\"url\":\"http://h/\"}]}",
                 ": alerts.sinks[0].type: must be \"pagerduty\" or \"webhook\"");
    expect_error("{\"sinks\":[{\"name\":\"a\",\"type\":\"webhook\"}]}",
                 ": alerts.sinks[0].url: missing (required)");
    expect_error("{\"sinks\":[{\"name\":\"a\",\"type\":\"webhook\",\"url\":\"ftp://h/\"}]}",
                 ": alerts.sinks[0].url: must be http://HOST... or https://HOST...");
    expect_error("{\"sinks\":[{\"name\":\"a\",\"type\":\"webhook\",\"url\":\"http://\"}]}",
                 ": alerts.sinks[0].url: must be http://HOST...");
    expect_error("{\"sinks\":[{\"name\":\"a\",\"type\":\"webhook\",\"url\":\"http://h /\"}]}",
                 ": alerts.sinks[0].url: must be printable ASCII without blanks");
    expect_error("{\"sinks\":[{\"name\":\"a\",\"type\":\"webhook\",\"url\":\"http://h/\","
                 "\"timeout_ms\":99}]}",
                 ": alerts.sinks[0].timeout_ms: must be an integer in 100..60000");
    expect_error("{\"sinks\":[{\"name\":\"a\",\"type\":\"webhook\",\"url\":\"http://h/\","
                 "\"url\":\"http://i/\"}]}",
                 ": alerts.sinks[0].url: duplicate key");
    expect_error("{\"sinks\":[{\"name\":\"a\",\"type\":\"webhook\",\"url\":\"http://h/\","
                 "\"token\":\"x\"}]}",
                 ": alerts.sinks[0].token: unknown key");
    expect_error("{\"sinks\":[{\"name\":\"a\",\"type\":\"webhook\",\"url\":\"http://h/\","
                 "\"severity\":\"info\"}]}",
                 ": alerts.sinks[0].severity: only for \"pagerduty\" sinks");
    expect_error("{\"sinks\":[{\"name\":\"a\",\"type\":\"webhook\",\"url\":\"http://h/\","
                 "\"routing_key_file\":\"pd.key\"}]}",
                 ": alerts.sinks[0].routing_key_file: only for \"pagerduty\" sinks");
    expect_error("{\"sinks\":[{\"name\":\"a\",\"type\":\"pagerduty\",\"url\":\"https://h/\"}]}",
                 ": alerts.sinks[0].routing_key_file: missing (required)");
    write_file("pd.key", KEY, strlen(KEY), 0600);
    expect_error("{\"sinks\":[{\"name\":\"a\",\"type\":\"pagerduty\",\"url\":\"https://h/\","
                 "\"routing_key_file\":\"pd.key\",\"severity\":\"fatal\"}]}",
                 ": alerts.sinks[0].severity: must be one of \"critical\"");
    expect_error("{\"sinks\":[{\"name\":\"a\",\"type\":\"webhook\",\"url\":\"http://h/\"},"
                 "{\"name\":\"a\",\"type\":\"pagerduty\",\"url\":\"https://h/\","
                 "\"routing_key_file\":\"pd.key\"}]}",
                 ": alerts.sinks[1].name: duplicate sink name \"a\" (also sinks[0])");
}

/* A pagerduty sink whose routing_key_file is FILE refused with NEEDLE. */
static void expect_key_error(const char *file, const char *needle)
{
    char alerts[512];
    snprintf(alerts, sizeof(alerts),
             "{\"sinks\":[{\"name\":\"pd\",\"type\":\"pagerduty\",\"url\":\"https://h/\","
             "\"routing_key_file\":\"%s\"}]}",
             file);
    expect_error(alerts, needle);
}

static void test_routing_key_file(void **state)
{
    (void)state;
    struct nb_config c;
    char abs[256], alerts[512];

    /* relative to the config's directory, or absolute; "\r\n" dropped too */
    write_file("crlf.key", KEY "\r\n", strlen(KEY) + 2, 0400);
    snprintf(abs, sizeof(abs), "%s/crlf.key", dir);
    snprintf(alerts, sizeof(alerts),
             "{\"sinks\":[{\"name\":\"pd\",\"type\":\"pagerduty\",\"url\":\"https://h/\","
             "\"routing_key_file\":\"%s\"}]}",
             abs);
    assert_int_equal(parse_alerts(alerts, &c), 0);
    assert_string_equal(c.alerts.sinks[0].routing_key, KEY);
    nb_config_free(&c);

    /* others may read it, or write it: refused, saying why and what to do */
    write_file("open.key", KEY, strlen(KEY), 0640);
    expect_key_error("open.key", ": alerts.sinks[0].routing_key_file: ");
    assert_non_null(strstr(err, "/open.key\" is open to its group or others (mode 0640)"));
    assert_non_null(strstr(err, "chmod 600"));
    write_file("open.key", KEY, strlen(KEY), 0602);
    expect_key_error("open.key", "(mode 0602)");
    write_file("open.key", KEY, strlen(KEY), 0604);
    expect_key_error("open.key", "(mode 0604)");

    /* owned by another user than root or this one: only root can make one */
    if (geteuid() == 0) {
        char other[256];
        write_file("other.key", KEY, strlen(KEY), 0600);
        snprintf(other, sizeof(other), "%s/other.key", dir);
        assert_int_equal(chown(other, 65534, 65534), 0);
        expect_key_error("other.key", "is owned by uid 65534, neither root nor this user");
    }

    /* no key in it, too long a key, a byte that is no key's */
    write_file("empty.key", "", 0, 0600);
    expect_key_error("empty.key", "(it is empty)");
    write_file("nl.key", "\n", 1, 0600);
    expect_key_error("nl.key", "must hold one key of 1..127 characters (it holds only a newline)");
    char big[200];
    memset(big, 'k', sizeof(big));
    write_file("long.key", big, 128, 0600);
    expect_key_error("long.key", "must hold one key of 1..127 characters (it is longer)");
    write_file("long.key", big, sizeof(big), 0600);
    expect_key_error("long.key", "(it is longer)");
    write_file("bin.key", KEY " x\n", strlen(KEY) + 3, 0600);
    expect_key_error("bin.key", "printable ASCII without blanks (byte 33 is not)");
    expect_key_error("nope.key", "cannot open ");
    expect_key_error("", ": alerts.sinks[0].routing_key_file: must not be empty");
    expect_key_error(".", "is not a regular file");
}

/* deploy/examples/guest-alerts.json parses, its routing key file beside it. */
static void test_example_parses(void **state)
{
    (void)state;
    const char *data = getenv("NB_TEST_DATA"); /* tests/data */
    char path[4096], text[8192];
    struct nb_config c;

    if (!data) {
        print_message("skipped: NB_TEST_DATA is not set\n");
        skip();
    }
    snprintf(path, sizeof(path), "%s/../../deploy/examples/guest-alerts.json", data);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof(text), f);
    assert_true(n > 0 && n < sizeof(text));
    fclose(f);
    write_file("pd.key", KEY "\n", strlen(KEY) + 1, 0600);
    if (nb_config_parse(text, n, cfgname, &c, err, sizeof(err)) < 0)
        print_error("%s\n", err);
    assert_string_equal(err, "");
    assert_true(c.alerts.present);
    assert_int_equal(c.alerts.nsinks, 2);
    assert_string_equal(c.alerts.sinks[0].routing_key, KEY);
    nb_config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_without_the_section),
        cmocka_unit_test(test_full_section),
        cmocka_unit_test(test_mistakes_name_the_key),
        cmocka_unit_test(test_routing_key_file),
        cmocka_unit_test(test_example_parses),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
