/* test_apiauth.c — the control API's bearer tokens (net/apiauth.h): what a
 * token file may hold, and which Authorization headers pass. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/apiauth.h"

#define A "0123456789abcdef0123456789abcdef"
#define B "Zm9vYmFyYmF6cXV4cXV1eA=="

static int parse(const char *text, struct nb_api_sec *sec)
{
    char why[200];
    memset(sec, 0, sizeof(*sec));
    return nb_api_tokens_parse(text, strlen(text), sec, why, sizeof(why));
}

static void test_token_file(void **state)
{
    struct nb_api_sec s;
    assert_int_equal(parse(A, &s), 0);
    assert_int_equal(s.ntokens, 1);
    assert_string_equal(s.tokens[0], A);
    assert_int_equal(parse(A "\n", &s), 0);
    assert_int_equal(parse(A "\r\n" B "\r\n", &s), 0); /* a rotation: both, A sent */
    assert_int_equal(s.ntokens, 2);
    assert_string_equal(s.tokens[0], A);
    assert_string_equal(s.tokens[1], B);
    static const char *const bad[] = {"",
                                      "\n",
                                      A "\n\n",
                                      "\n" A,
                                      A " ",
                                      " " A,
                                      A "\n" B "\n" A,
                                      "short\n",
                                      "0123456789abcdef0123456789abcde\x01",
                                      "0123456789abcdef=0123456789abcdef",
                                      "tok en0123456789abcdef"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse(bad[i], &s), -1);
        assert_int_equal(s.ntokens, 0);
    }
    char why[200];
    static const char nul[] = A "\0" B; /* a NUL inside: refused, never cut short */
    assert_int_equal(nb_api_tokens_parse(nul, sizeof(nul) - 1, &s, why, sizeof(why)), -1);
    char big[NB_API_TOKEN_MAX + 1];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(parse(big, &s), -1);
    big[NB_API_TOKEN_MAX - 1] = '\0'; /* 255 characters: the longest */
    assert_int_equal(parse(big, &s), 0);
}

static void test_bearer(void **state)
{
    struct nb_api_sec s;
    assert_int_equal(parse(A "\n" B "\n", &s), 0);
    assert_true(nb_api_bearer_ok("Bearer " A, &s));
    assert_true(nb_api_bearer_ok("bearer " B, &s));
    assert_true(nb_api_bearer_ok("BEARER   " A "  ", &s));
    static const char *const no[] = {NULL,
                                     "",
                                     "Bearer",
                                     "Bearer ",
                                     "Bearer  ",
                                     A,
                                     "Basic " A,
                                     "Bearer" A,
                                     "Bearer " A "x",
                                     "Bearer " A "=",
                                     "Bearer x" A,
                                     "Bearer " A " x",
                                     "Bearer " A "\n",
                                     "Bearer 0123456789abcdef0123456789abcdeF",
                                     "Bearer " B "=",
                                     "Bearer Zm9vYmFyYmF6cXV4cXV1eA"};
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        assert_false(nb_api_bearer_ok(no[i], &s));
    s.ntokens = 0; /* no token configured: nothing passes here (api.c asks none) */
    assert_false(nb_api_bearer_ok("Bearer " A, &s));
}

static void test_scheme(void **state)
{
    struct nb_api_sec s = {0};
    assert_string_equal(nb_api_scheme(&s), "http");
    assert_string_equal(nb_api_scheme(NULL), "http");
    s.tls = true;
    assert_string_equal(nb_api_scheme(&s), "https");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_file),
        cmocka_unit_test(test_bearer),
        cmocka_unit_test(test_scheme),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
