/* test_config_files.c — what the config parser reads from disk: the STAMP key
 * (key_hex, or key_file relative to the config's directory), config files
 * through nb_config_load (their size limit, their errors naming the file), and
 * the example configs shipped in deploy/examples/ (test_config.c has the
 * parser's general rules). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_expect.h"

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
    /* a key file must be private (nb_cfg_secret_file's PRIVATE) */
    assert_int_equal(chmod(key, 0600), 0);
    assert_int_equal(chmod(longkey, 0600), 0);
    assert_int_equal(chmod(empty, 0600), 0);
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

    /* readable by its group or by others: refused, the mode and the fix said */
    static const mode_t open_modes[] = {0640, 0604, 0660, 0606};
    for (size_t i = 0; i < sizeof(open_modes) / sizeof(open_modes[0]); i++) {
        assert_int_equal(chmod(key, open_modes[i]), 0);
        expect_error_name(rel, strlen(rel), cfg, ": stamp.key_file: ");
        assert_non_null(strstr(err, "open to its group or others"));
        assert_non_null(strstr(err, "chmod 600"));
    }
    assert_int_equal(chmod(key, 0400), 0); /* read-only to its owner: fine */
    assert_int_equal(nb_config_parse(rel, strlen(rel), cfg, &c, err, sizeof(err)), 0);
    nb_config_free(&c);

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
    const char *self = __FILE__, *tail = "tests/unit/test_config_files.c";
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
        cmocka_unit_test(test_stamp_auth_rules),
        cmocka_unit_test(test_key_file_relative_to_config_dir),
        cmocka_unit_test(test_load_errors_name_the_file),
        cmocka_unit_test(test_example_configs_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
