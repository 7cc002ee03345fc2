/* test_jsonread.c — the JSON reading kit every parser of outside data uses:
 * each getter's accepted and refused values, optional, required and null
 * members, messages that name the document and the JSON path, repeated and
 * unknown keys (the first offender in document order), and messages that
 * stay one bounded line whatever the input held. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/buf.h"
#include "wire/jsonread.h"

static char err[512];
static struct nb_jr rd = {.doc = "doc", .err = err, .errlen = sizeof(err)};
static cJSON *doc;

/* Parse TEXT as the document under test (freed by the next call or done()). */
static const cJSON *json(const char *text)
{
    cJSON_Delete(doc);
    doc = cJSON_Parse(text);
    assert_non_null(doc);
    err[0] = '\0';
    return doc;
}

static void done(void)
{
    cJSON_Delete(doc);
    doc = NULL;
}

/* RC must be -1 and the message exactly WANT. */
static void refused(int rc, const char *want)
{
    if (rc != -1 || strcmp(err, want) != 0)
        fail_msg("rc %d, message '%s', wanted '%s'", rc, err, want);
}

static void test_int(void **state)
{
    (void)state;
    int64_t v = 42;
    const cJSON *o = json("{\"a\":7,\"b\":1e3,\"c\":1.5,\"d\":\"7\",\"e\":-3,\"f\":1e999,"
                          "\"g\":null,\"h\":1e16}");

    assert_int_equal(nb_jr_int(&rd, o, "", "a", 0, 0, 10, &v), 1);
    assert_int_equal(v, 7);
    assert_int_equal(nb_jr_int(&rd, o, "", "b", 0, 0, 1000, &v), 1); /* exponent form */
    assert_int_equal(v, 1000);
    assert_int_equal(nb_jr_int(&rd, o, "", "e", 0, -3, 3, &v), 1); /* a closed range */
    assert_int_equal(v, -3);
    v = 42; /* absent: left alone, 0 */
    assert_int_equal(nb_jr_int(&rd, o, "", "zz", 0, 0, 10, &v), 0);
    assert_int_equal(v, 42);
    assert_string_equal(err, "");

    refused(nb_jr_int(&rd, o, "", "zz", NB_JR_REQUIRED, 0, 10, &v), "doc: zz: missing (required)");
    refused(nb_jr_int(&rd, o, "x", "c", 0, 0, 10, &v),
            "doc: x.c: must be an integer in 0..10 (got 1.5)");
    refused(nb_jr_int(&rd, o, "", "d", 0, 0, 10, &v),
            "doc: d: must be an integer in 0..10 (got a string)");
    refused(nb_jr_int(&rd, o, "", "e", 0, -2, 10, &v),
            "doc: e: must be an integer in -2..10 (got -3)");
    refused(nb_jr_int(&rd, o, "", "a", 0, 8, 10, &v),
            "doc: a: must be an integer in 8..10 (got 7)");
    refused(nb_jr_int(&rd, o, "", "f", 0, 0, 10, &v),
            "doc: f: must be an integer in 0..10 (got inf)");
    refused(nb_jr_int(&rd, o, "", "g", 0, 0, 10, &v),
            "doc: g: must be an integer in 0..10 (got null)");
    /* null as absent, when asked */
    assert_int_equal(nb_jr_int(&rd, o, "", "g", NB_JR_NULLABLE, 0, 10, &v), 0);
    refused(nb_jr_int(&rd, o, "", "g", NB_JR_NULLABLE | NB_JR_REQUIRED, 0, 10, &v),
            "doc: g: missing (required)");
    /* past 2^53 a double is no longer an exact integer: the bound stops there */
    refused(nb_jr_int(&rd, o, "", "h", 0, 0, INT64_MAX, &v),
            "doc: h: must be an integer >= 0 (got 1e+16)");
    assert_int_equal(v, 42); /* untouched by refusals */
    done();
}

static void test_uint(void **state)
{
    (void)state;
    uint64_t v = 5;
    const cJSON *o = json("{\"a\":9007199254740992,\"b\":-1,\"c\":0}");

    assert_int_equal(nb_jr_uint(&rd, o, "p", "a", 0, 0, UINT64_MAX, &v), 1);
    assert_true(v == UINT64_C(9007199254740992));
    assert_int_equal(nb_jr_uint(&rd, o, "p", "c", NB_JR_REQUIRED, 0, 1, &v), 1);
    assert_true(v == 0);
    refused(nb_jr_uint(&rd, o, "p", "b", 0, 0, UINT64_MAX, &v),
            "doc: p.b: must be an integer >= 0 (got -1)");
    refused(nb_jr_uint(&rd, o, "p", "c", 0, 1, 2, &v),
            "doc: p.c: must be an integer in 1..2 (got 0)");
    done();
}

static void test_num(void **state)
{
    (void)state;
    double v = -1;
    const cJSON *o =
        json("{\"z\":0,\"one\":1,\"half\":0.5,\"s\":\"1\",\"big\":1e999,\"neg\":-1e999}");

    assert_int_equal(nb_jr_num(&rd, o, "", "half", 0, 0, 1, &v), 1);
    assert_true(v == 0.5);
    assert_int_equal(nb_jr_num(&rd, o, "", "z", 0, 0, 1, &v), 1); /* closed ends */
    assert_int_equal(nb_jr_num(&rd, o, "", "one", 0, 0, 1, &v), 1);
    v = -1;
    assert_int_equal(nb_jr_num(&rd, o, "", "nope", 0, 0, 1, &v), 0);
    assert_true(v == -1);
    refused(nb_jr_num(&rd, o, "c", "z", NB_JR_GT_LO, 0, 1, &v),
            "doc: c.z: must be a number > 0 and <= 1 (got 0)");
    refused(nb_jr_num(&rd, o, "c", "one", NB_JR_GT_LO | NB_JR_LT_HI, 0, 1, &v),
            "doc: c.one: must be a number > 0 and < 1 (got 1)");
    refused(nb_jr_num(&rd, o, "c", "s", 0, 0, 1, &v),
            "doc: c.s: must be a number >= 0 and <= 1 (got a string)");
    refused(nb_jr_num(&rd, o, "c", "big", 0, 0, 1e300, &v),
            "doc: c.big: must be a number >= 0 and <= 1e+300 (got inf)");
    refused(nb_jr_num(&rd, o, "c", "neg", 0, -1e300, 0, &v),
            "doc: c.neg: must be a number >= -1e+300 and <= 0 (got -inf)");
    done();
}

static void test_bool(void **state)
{
    (void)state;
    bool v = true;
    const cJSON *o = json("{\"t\":true,\"f\":false,\"n\":1,\"s\":\"true\"}");

    assert_int_equal(nb_jr_bool(&rd, o, "", "f", 0, &v), 1);
    assert_false(v);
    assert_int_equal(nb_jr_bool(&rd, o, "", "t", NB_JR_REQUIRED, &v), 1);
    assert_true(v);
    assert_int_equal(nb_jr_bool(&rd, o, "", "x", 0, &v), 0);
    refused(nb_jr_bool(&rd, o, "", "n", 0, &v), "doc: n: must be true or false (got a number)");
    refused(nb_jr_bool(&rd, o, "", "s", 0, &v), "doc: s: must be true or false (got a string)");
    done();
}

static void test_strings(void **state)
{
    (void)state;
    const char *s = "x";
    char buf[4] = "old";
    const cJSON *o = json("{\"a\":\"abc\",\"e\":\"\",\"long\":\"abcd\",\"n\":5}");

    assert_int_equal(nb_jr_str(&rd, o, "", "a", 0, SIZE_MAX, &s), 1);
    assert_string_equal(s, "abc");
    assert_int_equal(nb_jr_str(&rd, o, "", "e", 0, 3, &s), 1);
    assert_string_equal(s, "");
    assert_int_equal(nb_jr_str(&rd, o, "", "x", 0, 3, &s), 0);
    assert_null(s); /* a pointer result is NULL when absent */
    refused(nb_jr_str(&rd, o, "", "e", NB_JR_NONEMPTY, 3, &s), "doc: e: must not be empty");
    refused(nb_jr_str(&rd, o, "", "long", 0, 3, &s), "doc: long: at most 3 bytes (got 4)");
    refused(nb_jr_str(&rd, o, "", "n", 0, 3, &s), "doc: n: must be a string (got a number)");

    /* copied: at most CAP-1 bytes; absent and refused leave BUF alone */
    assert_int_equal(nb_jr_text(&rd, o, "", "x", 0, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "old");
    refused(nb_jr_text(&rd, o, "", "long", 0, buf, sizeof(buf)),
            "doc: long: at most 3 bytes (got 4)");
    assert_string_equal(buf, "old");
    assert_int_equal(nb_jr_text(&rd, o, "", "a", 0, buf, sizeof(buf)), 1);
    assert_string_equal(buf, "abc");
    done();
}

static void test_enum(void **state)
{
    (void)state;
    static const char *const two[] = {"host", "guest", NULL};
    static const char *const three[] = {"a", "b", "c", NULL};
    unsigned i = 9;
    const cJSON *o = json("{\"r\":\"guest\",\"bad\":\"hots\",\"n\":1}");

    assert_int_equal(nb_jr_enum(&rd, o, "", "r", 0, two, &i), 1);
    assert_int_equal(i, 1);
    i = 9;
    assert_int_equal(nb_jr_enum(&rd, o, "", "x", 0, two, &i), 0);
    assert_int_equal(i, 9);
    refused(nb_jr_enum(&rd, o, "", "bad", 0, two, &i),
            "doc: bad: must be \"host\" or \"guest\" (got \"hots\")");
    refused(nb_jr_enum(&rd, o, "", "bad", 0, three, &i),
            "doc: bad: must be one of \"a\", \"b\", \"c\" (got \"hots\")");
    refused(nb_jr_enum(&rd, o, "", "n", 0, two, &i), "doc: n: must be a string (got a number)");
    done();
}

static void test_u64_strings(void **state)
{
    (void)state;
    uint64_t v = 7;
    const cJSON *o =
        json("{\"max\":\"18446744073709551615\",\"over\":\"18446744073709551616\","
             "\"hex\":\"00ff\",\"neg\":\"-1\",\"num\":5,\"zero\":\"0\",\"sp\":\" 1\"}");

    assert_int_equal(nb_jr_u64str(&rd, o, "", "max", 0, 10, 0, UINT64_MAX, &v), 1);
    assert_true(v == UINT64_MAX);
    assert_int_equal(nb_jr_u64str(&rd, o, "", "hex", 0, 16, 0, UINT64_MAX, &v), 1);
    assert_true(v == 255);
    refused(nb_jr_u64str(&rd, o, "", "hex", 0, 10, 0, UINT64_MAX, &v),
            "doc: hex: must be a string of decimal digits (got \"00ff\")");
    refused(nb_jr_u64str(&rd, o, "", "over", 0, 10, 0, UINT64_MAX, &v),
            "doc: over: must be a string of decimal digits (got \"18446744073709551616\")");
    refused(nb_jr_u64str(&rd, o, "", "neg", 0, 10, 0, UINT64_MAX, &v),
            "doc: neg: must be a string of decimal digits (got \"-1\")");
    refused(nb_jr_u64str(&rd, o, "", "sp", 0, 10, 0, UINT64_MAX, &v),
            "doc: sp: must be a string of decimal digits (got \" 1\")");
    refused(nb_jr_u64str(&rd, o, "", "num", 0, 10, 0, UINT64_MAX, &v),
            "doc: num: must be a string of decimal digits (got a number)");
    refused(nb_jr_u64str(&rd, o, "", "zero", 0, 10, 1, 9, &v),
            "doc: zero: must be a string of decimal digits in 1..9 (got \"0\")");
    assert_true(v == 255);
    done();
}

static void test_objects_and_arrays(void **state)
{
    (void)state;
    static const char *const keys[] = {"port", "address", NULL};
    const cJSON *v = (const cJSON *)1;
    const cJSON *o = json("{\"api\":{\"port\":1},\"list\":[1,{\"a\":1,\"a\":2}],\"n\":null}");

    assert_int_equal(nb_jr_obj(&rd, o, "", "api", 0, keys, &v), 1);
    assert_true(cJSON_IsObject(v));
    assert_int_equal(nb_jr_obj(&rd, o, "", "none", 0, keys, &v), 0);
    assert_null(v);
    assert_int_equal(nb_jr_obj(&rd, o, "", "n", NB_JR_NULLABLE, keys, &v), 0);
    refused(nb_jr_obj(&rd, o, "", "n", 0, keys, &v), "doc: n: must be an object (got null)");
    refused(nb_jr_obj(&rd, o, "", "list", 0, keys, &v),
            "doc: list: must be an object (got an array)");
    refused(nb_jr_obj(&rd, o, "", "none", NB_JR_REQUIRED, keys, &v),
            "doc: none: missing (required)");

    const cJSON *list;
    assert_int_equal(nb_jr_arr(&rd, o, "", "list", NB_JR_REQUIRED, &list), 1);
    assert_int_equal(cJSON_GetArraySize(list), 2);
    refused(nb_jr_arr(&rd, o, "", "api", 0, &v), "doc: api: must be an array (got an object)");
    assert_null(v);
    /* KEY NULL: O itself, named by PATH (here an array element) */
    char p[NB_JR_PATH_MAX];
    const cJSON *el = list->child;
    refused(nb_jr_obj(&rd, el, nb_jr_index(p, sizeof(p), "list", 0), NULL, 0, NULL, &v),
            "doc: list[0]: must be an object (got a number)");
    refused(nb_jr_obj(&rd, el->next, nb_jr_index(p, sizeof(p), "list", 1), NULL, 0, NULL, &v),
            "doc: list[1].a: duplicate key");
    int64_t i = 0;
    assert_int_equal(nb_jr_int(&rd, el, "list[0]", NULL, 0, 0, 1, &i), 1);
    assert_int_equal(i, 1);
    done();
}

static void test_unknown_and_repeated_keys(void **state)
{
    (void)state;
    static const char *const keys[] = {"a", "b", "c", NULL};
    const cJSON *o;

    o = json("{\"a\":1,\"c\":2}");
    assert_int_equal(nb_jr_members(&rd, o, "x", keys, NULL), 0);
    assert_int_equal(nb_jr_members(&rd, o, "x", NULL, NULL), 0);
    o = json("{\"a\":1,\"d\":2}");
    refused(nb_jr_members(&rd, o, "x", keys, NULL), "doc: x.d: unknown key (known: a, b, c)");
    assert_int_equal(nb_jr_members(&rd, o, "x", NULL, NULL), 0); /* an open object */
    refused(nb_jr_members(&rd, o, "", keys, "metric"), "doc: d: unknown metric (known: a, b, c)");
    /* keys are case-sensitive */
    o = json("{\"A\":1}");
    refused(nb_jr_members(&rd, o, "", keys, NULL), "doc: A: unknown key (known: a, b, c)");

    /* repeated: refused in open objects too, and in any wording asked for */
    o = json("{\"a\":1,\"b\":2,\"a\":3}");
    refused(nb_jr_members(&rd, o, "x", keys, NULL), "doc: x.a: duplicate key");
    refused(nb_jr_members(&rd, o, "x", NULL, NULL), "doc: x.a: duplicate key");
    struct nb_jr twice = {
        .doc = "baseline", .err = err, .errlen = sizeof(err), .dup = "given twice"};
    refused(nb_jr_members(&twice, o, "metrics", NULL, NULL), "baseline: metrics.a: given twice");

    /* the first offender in document order is the one named */
    o = json("{\"b\":1,\"c\":1,\"c\":2,\"b\":3,\"d\":1}");
    refused(nb_jr_members(&rd, o, "", keys, NULL), "doc: c: duplicate key");
    o = json("{\"b\":1,\"d\":1,\"b\":2}");
    refused(nb_jr_members(&rd, o, "", keys, NULL), "doc: d: unknown key (known: a, b, c)");
    o = json("{\"d\":1,\"d\":2}");
    refused(nb_jr_members(&rd, o, "", NULL, NULL), "doc: d: duplicate key");
    refused(nb_jr_members(&rd, o, "", keys, NULL), "doc: d: unknown key (known: a, b, c)");

    o = json("[]");
    refused(nb_jr_members(&rd, o, "root", keys, NULL),
            "doc: root: must be an object (got an array)");
    done();
}

/* An object of N members "k0".."kN-1", and one more repeating "k<REP>". */
static char *many(size_t n, size_t rep)
{
    struct nb_buf b;
    nb_buf_init(&b);
    nb_buf_printf(&b, "{");
    for (size_t i = 0; i < n; i++)
        nb_buf_printf(&b, "%s\"k%zu\":%zu", i ? "," : "", i, i);
    nb_buf_printf(&b, ",\"k%zu\":0}", rep);
    return nb_buf_steal(&b, NULL);
}

static void test_many_members(void **state)
{
    (void)state;
    /* more members than the kit keeps on its stack: the heap path */
    char *text = many(5000, 4321);
    const cJSON *o = json(text);
    refused(nb_jr_members(&rd, o, "big", NULL, NULL), "doc: big.k4321: duplicate key");
    free(text);
    text = many(20, 3);
    o = json(text);
    refused(nb_jr_members(&rd, o, "small", NULL, NULL), "doc: small.k3: duplicate key");
    free(text);
    done();
}

static void test_messages(void **state)
{
    (void)state;
    char small[16], p[NB_JR_PATH_MAX];
    static const char *const keys[] = {"a", NULL};
    const cJSON *o = json("{\"a\\nb\\\"\":1,\"path.rtt\":1}");

    /* an odd key is quoted and escaped; a dotted name is plain */
    refused(nb_jr_members(&rd, o, "", keys, NULL), "doc: \"a\\x0ab\\\"\": unknown key (known: a)");
    assert_string_equal(nb_jr_at(p, sizeof(p), "metrics", "path.rtt"), "metrics.path.rtt");
    assert_string_equal(nb_jr_at(p, sizeof(p), "", "k"), "k");
    assert_string_equal(nb_jr_at(p, sizeof(p), "o", "a b"), "o.\"a b\"");
    assert_string_equal(nb_jr_index(p, sizeof(p), "peers", 2), "peers[2]");
    /* a long key is cut */
    o = json("{\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\":1}");
    refused(nb_jr_members(&rd, o, "", keys, NULL),
            "doc: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\": unknown key (known: a)");
    /* no document name; no path; a newline in any part becomes '?' */
    struct nb_jr bare = {.err = err, .errlen = sizeof(err)};
    refused(nb_jr_fail(&bare, NULL, NULL, "plain"), "plain");
    refused(nb_jr_fail(&bare, "p", NULL, "two\nlines"), "p: two?lines");
    struct nb_jr named = {.doc = "bad\nname", .err = err, .errlen = sizeof(err)};
    refused(nb_jr_fail(&named, "", "k", "x"), "bad?name: k: x");
    /* a small buffer is filled and terminated; no buffer at all is fine */
    struct nb_jr tiny = {.doc = "doc", .err = small, .errlen = sizeof(small)};
    memset(small, 'z', sizeof(small));
    assert_int_equal(nb_jr_fail(&tiny, "path", "key", "a long message"), -1);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    struct nb_jr none = {.doc = "doc"};
    assert_int_equal(nb_jr_fail(&none, "path", "key", "x"), -1);
    int64_t v;
    assert_int_equal(nb_jr_int(&none, o, "", "missing", NB_JR_REQUIRED, 0, 1, &v), -1);
    /* user text in a message: escaped, never raw bytes */
    char q[NB_JR_QUOTE_MAX];
    nb_jr_quote(q, sizeof(q), "caf\xc3\xa9");
    assert_string_equal(q, "\"caf\\xc3\\xa9\"");
    done();
}

/* One JSON value and nothing after it; a refusal names its line and column. */
static void test_parse(void **state)
{
    (void)state;
    cJSON *v = (cJSON *)1;

    assert_int_equal(nb_jr_parse(&rd, "{\"a\":1} \r\n\t", 11, &v), 0);
    assert_true(cJSON_IsObject(v));
    cJSON_Delete(v);
    /* LEN bounds the text: what follows it is not read */
    assert_int_equal(nb_jr_parse(&rd, "[1,2]garbage", 5, &v), 0);
    assert_int_equal(cJSON_GetArraySize(v), 2);
    cJSON_Delete(v);
    refused(nb_jr_parse(&rd, "{\"a\":\n  1,}", 11, &v), "doc: line 2, column 5: invalid JSON");
    assert_null(v);
    refused(nb_jr_parse(&rd, "{}\n{}", 5, &v),
            "doc: line 2, column 1: unexpected data after the JSON value");
    assert_null(v);
    refused(nb_jr_parse(&rd, "{\"a\":\"x\0y\"}", 11, &v), "doc: line 1, column 8: NUL byte");
    refused(nb_jr_parse(&rd, "", 0, &v), "doc: line 1, column 1: invalid JSON");
    assert_null(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int),
        cmocka_unit_test(test_uint),
        cmocka_unit_test(test_num),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_enum),
        cmocka_unit_test(test_u64_strings),
        cmocka_unit_test(test_objects_and_arrays),
        cmocka_unit_test(test_unknown_and_repeated_keys),
        cmocka_unit_test(test_many_members),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
