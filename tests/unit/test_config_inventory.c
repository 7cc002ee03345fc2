/* test_config_inventory.c — the config's "inventory" section: its labels
 * reach struct nb_config in the file's order, and every label that could
 * break /metrics or a Prometheus join (a bad or reserved name, a value that
 * is empty, too long or not printable ASCII, too many labels, a repeated
 * name) is refused with one line naming the file and the key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "wire/config.h"

#define NAME "/etc/netblame.json"

static char err[512];

/* {"role":"host","inventory":INV} parsed into *C: 0 or -1 with ERR. */
static int parse_inv(const char *inv, struct nb_config *c)
{
    char json[4096];
    snprintf(json, sizeof(json), "{\"role\":\"host\",\"inventory\":%s}", inv);
    memset(err, 0, sizeof(err));
    return nb_config_parse(json, strlen(json), NAME, c, err, sizeof(err));
}

/* INV must be refused with a one-line message containing NEEDLE. */
static void expect_refused(const char *inv, const char *needle)
{
    struct nb_config c;
    if (parse_inv(inv, &c) == 0) {
        nb_config_free(&c);
        print_error("accepted: %s\n", inv);
        fail();
    }
    if (!strstr(err, needle) || strchr(err, '\n')) {
        print_error("input: %s\nerror: %s\nwanted: %s\n", inv, err, needle);
        fail();
    }
}

static void test_labels_in_file_order(void **state)
{
    (void)state;
    struct nb_config c;
    assert_int_equal(parse_inv("{\"rack\":\"r12\",\"tor\":\"tor-3\",\"zone\":\"z1\","
                               "\"_x9\":\"a \\\"quoted\\\" \\\\ value\"}",
                               &c),
                     0);
    assert_int_equal(c.ninventory, 4);
    assert_string_equal(c.inventory[0].name, "rack");
    assert_string_equal(c.inventory[0].value, "r12");
    assert_string_equal(c.inventory[1].name, "tor");
    assert_string_equal(c.inventory[1].value, "tor-3");
    assert_string_equal(c.inventory[2].name, "zone");
    assert_string_equal(c.inventory[2].value, "z1");
    /* quotes and backslashes are printable: the metrics writer escapes them */
    assert_string_equal(c.inventory[3].name, "_x9");
    assert_string_equal(c.inventory[3].value, "a \"quoted\" \\ value");
    nb_config_free(&c);

    assert_int_equal(parse_inv("{}", &c), 0);
    assert_int_equal(c.ninventory, 0);
    nb_config_free(&c);
    memset(err, 0, sizeof(err));
    assert_int_equal(nb_config_parse("{\"role\":\"guest\"}", 16, NAME, &c, err, sizeof(err)), 0);
    assert_int_equal(c.ninventory, 0);
    nb_config_free(&c);
}

static void test_bounds(void **state)
{
    (void)state;
    struct nb_config c;
    char inv[4096], name[NB_INV_NAME_MAX + 1], value[NB_INV_VALUE_MAX + 1];
    size_t n = 0;

    /* the longest name and value, NB_INV_MAX labels: accepted */
    memset(name, 'n', NB_INV_NAME_MAX - 1);
    name[NB_INV_NAME_MAX - 1] = '\0';
    memset(value, 'v', NB_INV_VALUE_MAX - 1);
    value[NB_INV_VALUE_MAX - 1] = '\0';
    n += (size_t)snprintf(inv + n, sizeof(inv) - n, "{\"%s\":\"%s\"", name, value);
    for (int i = 1; i < NB_INV_MAX; i++)
        n += (size_t)snprintf(inv + n, sizeof(inv) - n, ",\"l%d\":\"x\"", i);
    snprintf(inv + n, sizeof(inv) - n, "}");
    assert_int_equal(parse_inv(inv, &c), 0);
    assert_int_equal(c.ninventory, NB_INV_MAX);
    assert_string_equal(c.inventory[0].name, name);
    assert_string_equal(c.inventory[0].value, value);
    assert_string_equal(c.inventory[NB_INV_MAX - 1].name, "l15");
    nb_config_free(&c);

    /* one label more */
    snprintf(inv + n, sizeof(inv) - n, ",\"l%d\":\"x\"}", NB_INV_MAX);
    expect_refused(inv, NAME ": inventory.l16: at most 16 labels");

    /* one byte more in the name, then in the value */
    snprintf(inv, sizeof(inv), "{\"%sn\":\"x\"}", name);
    expect_refused(inv, "a label name must be 1..63 characters of [a-zA-Z0-9_]");
    snprintf(inv, sizeof(inv), "{\"rack\":\"%sv\"}", value);
    expect_refused(inv, NAME ": inventory.rack: at most 127 bytes (got 128)");
}

static void test_refused(void **state)
{
    (void)state;
    static const struct {
        const char *inv, *needle;
    } cases[] = {
        {"[]", NAME ": inventory: must be an object (got an array)"},
        {"\"r12\"", NAME ": inventory: must be an object (got a string)"},
        {"{\"rack\":\"r1\",\"rack\":\"r2\"}", NAME ": inventory.rack: duplicate key"},
        /* names that are not Prometheus label names */
        {"{\"9rack\":\"r1\"}", NAME ": inventory.9rack: a label name must be"},
        {"{\"ra-ck\":\"r1\"}", NAME ": inventory.ra-ck: a label name must be"},
        {"{\"ra.ck\":\"r1\"}", NAME ": inventory.ra.ck: a label name must be"},
        {"{\"\":\"r1\"}", NAME ": inventory.\"\": a label name must be"},
        {"{\"r\\u00e9\":\"r1\"}", "a label name must be"},
        {"{\"__rack\":\"r1\"}", NAME ": inventory.__rack: a label name must be"},
        /* names netblame_info or Prometheus set themselves */
        {"{\"node\":\"n\"}", NAME ": inventory.node: reserved"},
        {"{\"agent_role\":\"host\"}", NAME ": inventory.agent_role: reserved"},
        {"{\"version\":\"1\"}", NAME ": inventory.version: reserved"},
        {"{\"instance\":\"i\"}", NAME ": inventory.instance: reserved"},
        {"{\"job\":\"j\"}", NAME ": inventory.job: reserved"},
        /* values */
        {"{\"rack\":12}", NAME ": inventory.rack: must be a string (got a number)"},
        {"{\"rack\":null}", NAME ": inventory.rack: must be a string (got null)"},
        {"{\"rack\":{}}", NAME ": inventory.rack: must be a string (got an object)"},
        {"{\"rack\":\"\"}", NAME ": inventory.rack: must not be empty"},
        {"{\"rack\":\"r\\n1\"}",
         NAME ": inventory.rack: must be printable ASCII (got \"r\\x0a1\")"},
        {"{\"rack\":\"r\\t1\"}", NAME ": inventory.rack: must be printable ASCII"},
        {"{\"zone\":\"Z\\u00fcrich\"}", NAME ": inventory.zone: must be printable ASCII"},
        {"{\"rack\":\"r\\u007f\"}", NAME ": inventory.rack: must be printable ASCII"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_refused(cases[i].inv, cases[i].needle);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels_in_file_order),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
