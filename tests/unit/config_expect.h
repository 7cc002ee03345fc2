/* config_expect.h — how the config tests (test_config*.c) run the parser: a
 * document parsed under one file name, and the rule every refusal obeys. */
#ifndef NB_TEST_CONFIG_EXPECT_H
#define NB_TEST_CONFIG_EXPECT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/config.h"

#define NAME "/etc/netblame.json"

static char err[512];

static inline int parse(const char *json, struct nb_config *c)
{
    memset(err, 0, sizeof(err));
    return nb_config_parse(json, strlen(json), NAME, c, err, sizeof(err));
}

/* JSON must be refused with a one-line message starting with the file name
 * and containing NEEDLE (normally "key.path: what"). */
static inline void expect_error_name(const char *json, size_t len, const char *name,
                                     const char *needle)
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

static inline void expect_error(const char *json, const char *needle)
{
    expect_error_name(json, strlen(json), NAME, needle);
}

#endif
