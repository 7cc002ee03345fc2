/* test_verdict_json.c — the `netblame.verdict/v1` contract as tools read it:
 * render a classified window, parse it back with cJSON and check every field
 * of DESIGN §4, with null (never 0) for what was not measured. */
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
#include "netblame/verdict.h"
#include "wire/verdict_json.h"

#define US 1e3
#define MS 1e6

/* 100 path probes; the remote host agent did not answer (its segments
 * unknown); the local virtual segment is slow; the local tap dropped. */
static void window(struct nb_cls_input *in, bool remote_agent)
{
    memset(in, 0, sizeof(*in));
    snprintf(in->target, sizeof(in->target), "%s", "gB");
    in->start = 1700000000LL * NB_NS_PER_SEC + 123456789;
    in->end = in->start + 2 * NB_NS_PER_SEC;
    snprintf(in->local_host, sizeof(in->local_host), "%s", "hA");
    struct nb_cls_path *p = &in->path;
    p->present = p->local_agent = p->remote_agent_known = true;
    p->remote_agent = remote_agent;
    p->reflector = NB_REFL_NETBLAME;
    p->rtt = (struct nb_cls_rtt){true, 5.3 * MS, 5.6 * MS, 6 * MS, 0, 0};
    p->wf.probes = p->wf.answered = 100;
    double p50[NB_SEG__COUNT] = {5 * MS, 8 * US, 60 * US, 8 * US, 40 * US, 15 * US};
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        bool hb = s == NB_SEG_PHYSICAL || s == NB_SEG_REMOTE_SWITCH || s == NB_SEG_REMOTE_VIRTUAL;
        if (hb && !remote_agent)
            continue;
        p->wf.seg[s].known = 100;
        p->wf.seg[s].p50 = p50[s];
        p->wf.seg[s].p90 = p50[s] * 1.25;
        p->wf.seg[s].p99 = p50[s] * 1.5 + 0.4; /* sub-ns: rounded away in JSON */
    }
    in->nlinks = 1;
    struct nb_cls_link *l = &in->links[0];
    l->side = NB_SIDE_LOCAL;
    snprintf(l->host, sizeof(l->host), "%s", "hA");
    snprintf(l->ifname, sizeof(l->ifname), "%s", "vnetA");
    l->role = NB_IF_TAP;
    l->up = l->carrier = true;
    l->tx_dropped = 912;
}

static cJSON *render(const struct nb_verdict *v)
{
    struct nb_buf b;
    nb_buf_init(&b);
    nb_verdict_json(v, &b);
    assert_non_null(b.data);
    assert_int_equal(b.data[b.len - 1], '\n');
    cJSON *root = cJSON_Parse(b.data);
    assert_non_null(root);
    nb_buf_free(&b);
    return root;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *i = cJSON_GetObjectItemCaseSensitive(o, k);
    assert_true(cJSON_IsString(i));
    return i->valuestring;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *i = cJSON_GetObjectItemCaseSensitive(o, k);
    assert_true(cJSON_IsNumber(i));
    return i->valuedouble;
}

static bool is_null(const cJSON *o, const char *k)
{
    return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, k));
}

static const cJSON *segment(const cJSON *root, const char *name)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(root, "segments"))
    {
        if (strcmp(str(s, "name"), name) == 0)
            return s;
    }
    fail_msg("no segment %s", name);
    return NULL;
}

static void test_contract_fields(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict v;
    window(&in, false);
    nb_classify(&in, NULL, NULL, &v);
    cJSON *root = render(&v);

    assert_string_equal(str(root, "schema"), "netblame.verdict/v1");
    assert_string_equal(str(root, "target"), "gB");
    const cJSON *win = cJSON_GetObjectItemCaseSensitive(root, "window");
    assert_string_equal(str(win, "start"), "2023-11-14T22:13:20.123Z");
    assert_string_equal(str(win, "end"), "2023-11-14T22:13:22.123Z");
    assert_float_equal(num(win, "probes"), 100, 0);

    assert_string_equal(str(root, "verdict"), "virtual");
    const cJSON *where = cJSON_GetObjectItemCaseSensitive(root, "where");
    assert_string_equal(str(where, "side"), "local");
    assert_string_equal(str(where, "host"), "hA");
    assert_string_equal(str(where, "interface"), "vnetA");
    double conf = num(root, "confidence");
    assert_true(conf > 0.5 && conf <= 1.0);
    assert_null(cJSON_GetObjectItemCaseSensitive(root, "reason")); /* only when inconclusive */
    assert_string_equal(str(root, "segments_from"), "path");

    const cJSON *segs = cJSON_GetObjectItemCaseSensitive(root, "segments");
    assert_int_equal(cJSON_GetArraySize(segs), NB_SEG__COUNT);
    const cJSON *lv = segment(root, "local_virtual");
    assert_string_equal(str(lv, "layer"), "virtual");
    const cJSON *rtt = cJSON_GetObjectItemCaseSensitive(lv, "rtt_us");
    assert_float_equal(num(rtt, "p50"), 5000, 0);
    assert_float_equal(num(rtt, "p90"), 6250, 0);
    assert_float_equal(num(rtt, "p99"), 7500, 0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(lv, "anomalous")));
    assert_float_equal(num(lv, "loss"), 0, 0);
    assert_true(is_null(lv, "baseline_us"));
    assert_float_equal(num(lv, "threshold_us"), 1000, 0);
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(lv, "loss_ci");
    assert_int_equal(cJSON_GetArraySize(ci), 2);
    assert_float_equal(cJSON_GetArrayItem(ci, 0)->valuedouble, 0, 0);
    assert_float_equal(cJSON_GetArrayItem(ci, 1)->valuedouble, 0.0622, 1e-9);

    /* Unknown segments: null, never 0. */
    const char *unknown[] = {"physical", "remote_switch", "remote_virtual"};
    for (size_t i = 0; i < 3; i++) {
        const cJSON *s = segment(root, unknown[i]);
        assert_true(is_null(s, "rtt_us"));
        assert_true(is_null(s, "loss"));
        assert_true(is_null(s, "loss_ci"));
        assert_true(is_null(s, "baseline_us"));
        assert_true(is_null(s, "threshold_us"));
        assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "anomalous")));
        assert_float_equal(num(s, "samples"), 0, 0);
    }
    assert_string_equal(str(segment(root, "physical"), "layer"), "physical");
    assert_string_equal(str(segment(root, "remote_app"), "layer"), "app");

    const cJSON *fs = cJSON_GetObjectItemCaseSensitive(root, "findings");
    assert_true(cJSON_GetArraySize(fs) >= 1);
    const cJSON *f0 = cJSON_GetArrayItem(fs, 0);
    assert_string_equal(str(f0, "verdict"), "virtual");
    assert_string_equal(str(f0, "segment"), "local_virtual");
    assert_float_equal(num(f0, "confidence"), conf, 0);
    assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(f0, "where"), "interface"), "vnetA");
    assert_non_null(strstr(str(f0, "summary"), "local_virtual segment p50 5.00 ms"));
    assert_non_null(strstr(str(f0, "summary"), "vnetA tx_dropped +912"));

    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(root, "evidence");
    assert_true(cJSON_IsArray(ev) && cJSON_GetArraySize(ev) >= 1);
    bool tap = false;
    const cJSON *e;
    cJSON_ArrayForEach(e, ev)
    {
        assert_true(cJSON_IsString(e));
        tap |= strcmp(e->valuestring, "local tap vnetA on hA: tx_dropped +912") == 0;
    }
    assert_true(tap);
    cJSON_Delete(root);
}

static void test_inconclusive_has_reason_and_zero_confidence(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict v;
    window(&in, false);
    in.links[0].tx_dropped = 0;
    in.path.wf.seg[NB_SEG_LOCAL_VIRTUAL].p50 = 40 * US; /* the round trip stays slow */
    in.path.wf.seg[NB_SEG_LOCAL_VIRTUAL].p90 = 50 * US;
    in.path.rtt.p50 = 25 * MS;
    nb_classify(&in, NULL, NULL, &v);
    cJSON *root = render(&v);
    assert_string_equal(str(root, "verdict"), "inconclusive");
    assert_float_equal(num(root, "confidence"), 0, 0);
    assert_non_null(strstr(str(root, "reason"), "HB.*"));
    const cJSON *where = cJSON_GetObjectItemCaseSensitive(root, "where");
    assert_string_equal(str(where, "side"), "");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "findings")), 0);
    cJSON_Delete(root);
}

static void test_healthy_with_baseline(void **state)
{
    struct nb_cls_input in;
    struct nb_verdict v;
    struct nb_baseline *b = calloc(1, sizeof(*b));
    assert_non_null(b);
    window(&in, true);
    in.links[0].tx_dropped = 0;
    in.path.wf.seg[NB_SEG_LOCAL_VIRTUAL].p50 = 40 * US;
    in.path.wf.seg[NB_SEG_LOCAL_VIRTUAL].p90 = 50 * US;
    in.path.rtt.p50 = 180 * US;
    for (int i = 0; i < 5; i++)
        nb_baseline_learn(b, &in, NULL);
    nb_classify(&in, b, NULL, &v);
    cJSON *root = render(&v);
    assert_string_equal(str(root, "verdict"), "healthy");
    assert_null(cJSON_GetObjectItemCaseSensitive(root, "reason"));
    const cJSON *phy = segment(root, "physical");
    assert_float_equal(num(phy, "baseline_us"), 60, 0);
    assert_float_equal(num(phy, "threshold_us"), 260, 0);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(phy, "anomalous")));
    double conf = num(root, "confidence");
    assert_true(conf > 0.9 && conf <= 1.0);
    cJSON_Delete(root);
    free(b);
}

/* Rendering is deterministic: the same verdict gives the same bytes (a
 * faulty, an inconclusive and a healthy one; the classifier's own
 * determinism is test_verdict.c's). */
static void test_same_verdict_same_bytes(void **state)
{
    for (int k = 0; k < 3; k++) {
        struct nb_cls_input in;
        struct nb_verdict v;
        window(&in, k != 1);
        if (k == 2) {
            in.links[0].tx_dropped = 0;
            in.path.wf.seg[NB_SEG_LOCAL_VIRTUAL].p50 = 40 * US;
            in.path.wf.seg[NB_SEG_LOCAL_VIRTUAL].p90 = 50 * US;
            in.path.rtt.p50 = 180 * US;
        }
        nb_classify(&in, NULL, NULL, &v);
        struct nb_buf a, b;
        nb_buf_init(&a);
        nb_buf_init(&b);
        nb_verdict_json(&v, &a);
        nb_verdict_json(&v, &b);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.data, b.data, a.len);
        nb_buf_free(&a);
        nb_buf_free(&b);
    }
}

static void test_no_segments_without_path(void **state)
{
    struct nb_verdict v;
    memset(&v, 0, sizeof(v));
    v.layer = NB_LAYER_APP;
    v.where.side = NB_SIDE_REMOTE;
    cJSON *root = render(&v);
    assert_true(is_null(root, "segments_from"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "segments")), 0);
    assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(root, "where"), "side"), "remote");
    assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(root, "window"), "start"),
                        "1970-01-01T00:00:00.000Z");
    cJSON_Delete(root);
}

static void test_rfc3339(void **state)
{
    char buf[48];
    nb_rfc3339(0, buf, sizeof(buf));
    assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
    nb_rfc3339(-1, buf, sizeof(buf));
    assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
    nb_rfc3339(1700000000LL * NB_NS_PER_SEC + 999999999, buf, sizeof(buf));
    assert_string_equal(buf, "2023-11-14T22:13:20.999Z");
}

static void test_rfc3339_parse(void **state)
{
    (void)state;
    int64_t sec = 0;
    long ns = 0;
    char buf[48];

    /* what nb_rfc3339 writes reads back, before 1970 too */
    nb_ns times[] = {0, -1000000, 1700000000LL * NB_NS_PER_SEC + 999000000,
                     951782400LL * NB_NS_PER_SEC /* 2000-02-29 */};
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        nb_rfc3339(times[i], buf, sizeof(buf));
        assert_int_equal(nb_rfc3339_parse(buf, &sec, &ns), 0);
        assert_int_equal(sec * NB_NS_PER_SEC + ns, times[i]);
    }
    /* Alertmanager's forms: nanoseconds and an offset; Go's zero time */
    assert_int_equal(nb_rfc3339_parse("2018-08-03T09:52:26.739266876+02:00", &sec, &ns), 0);
    assert_int_equal(sec, 1533282746);
    assert_int_equal(ns, 739266876);
    assert_int_equal(nb_rfc3339_parse("0001-01-01T00:00:00Z", &sec, &ns), 0);
    assert_int_equal(sec, -62135596800LL);
    assert_int_equal(ns, 0);
    assert_int_equal(nb_rfc3339_parse("2023-02-06t13:08:45.8z", &sec, &ns), 0);
    assert_int_equal(ns, 800000000);
    assert_int_equal(nb_rfc3339_parse("1970-01-01T00:00:00-00:30", &sec, &ns), 0);
    assert_int_equal(sec, 1800);

    static const char *const bad[] = {
        "",
        "2023",
        "2023-02-29T00:00:00Z", /* not a leap year */
        "1900-02-29T00:00:00Z", /* nor this */
        "2023-04-31T00:00:00Z",
        "2023-13-01T00:00:00Z",
        "2023-00-01T00:00:00Z",
        "2023-01-01T24:00:00Z",
        "2023-01-01T00:60:00Z",
        "2023-01-01 00:00:00Z",
        "2023-01-01T00:00:00",   /* no zone */
        "2023-01-01T00:00:00.Z", /* a dot without digits */
        "2023-01-01T00:00:00.1234567890Z",
        "2023-01-01T00:00:00+2:00",
        "2023-01-01T00:00:00+02",
        "2023-01-01T00:00:00+24:00",
        "2023-01-01T00:00:00Zjunk",
        "+2023-01-01T00:00:00Z",
        "2023-1-01T00:00:00Z",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sec = 42;
        if (nb_rfc3339_parse(bad[i], &sec, &ns) != -1 || sec != 42)
            fail_msg("accepted %s", bad[i]);
    }
}

/* V1 and V2 as a daemon's GET /v1/verdicts answer. */
static char *answer(const struct nb_verdict *v1, const struct nb_verdict *v2)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(root, "verdicts");
    cJSON_AddItemToArray(arr, nb_verdict_to_json(v1));
    cJSON_AddItemToArray(arr, nb_verdict_to_json(v2));
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return s;
}

static void same_verdict(const struct nb_verdict *got, const struct nb_verdict *v)
{
    assert_string_equal(got->target, v->target);
    assert_int_equal(got->start, v->start / 1000000 * 1000000); /* milliseconds on the wire */
    assert_int_equal(got->end, v->end / 1000000 * 1000000);
    assert_int_equal(got->probes, v->probes);
    assert_int_equal(got->layer, v->layer);
    assert_int_equal(got->where.side, v->where.side);
    assert_string_equal(got->where.host, v->where.host);
    assert_string_equal(got->where.ifname, v->where.ifname);
    assert_float_equal(got->confidence, v->confidence, 0.0005);
    assert_string_equal(got->reason, v->layer == NB_LAYER_INCONCLUSIVE ? v->reason : "");
    assert_int_equal(got->nevidence, v->nevidence);
    for (size_t i = 0; i < v->nevidence; i++)
        assert_string_equal(got->evidence[i], v->evidence[i]);
}

static void test_verdicts_read_back(void **state)
{
    (void)state;
    struct nb_cls_input in;
    struct nb_verdict fault, inc, *got;
    size_t n;
    char err[256];

    window(&in, false);
    nb_classify(&in, NULL, NULL, &fault);
    in.links[0].tx_dropped = 0; /* as test_inconclusive_has_reason_and_zero_confidence */
    in.path.wf.seg[NB_SEG_LOCAL_VIRTUAL].p50 = 40 * US;
    in.path.wf.seg[NB_SEG_LOCAL_VIRTUAL].p90 = 50 * US;
    in.path.rtt.p50 = 25 * MS;
    snprintf(in.target, sizeof(in.target), "%s", "app-1");
    nb_classify(&in, NULL, NULL, &inc);
    assert_int_equal(fault.layer, NB_LAYER_VIRTUAL);
    assert_int_equal(inc.layer, NB_LAYER_INCONCLUSIVE);
    assert_true(fault.nevidence >= 2);

    char *s = answer(&fault, &inc);
    assert_int_equal(nb_verdicts_json_parse(s, strlen(s), 2, &got, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 2);
    same_verdict(&got[0], &fault);
    same_verdict(&got[1], &inc);
    free(got);

    /* more than the caller takes */
    assert_int_equal(nb_verdicts_json_parse(s, strlen(s), 1, &got, &n, err, sizeof(err)), -1);
    assert_string_equal(err, "verdicts: verdicts: at most 1 (got 2)");
    assert_null(got);
    assert_int_equal(n, 0);
    free(s);

    static const struct {
        const char *text, *want;
    } bad[] = {
        {"{\"verdicts\":[]", "verdicts: line 1, column 14: invalid JSON"},
        {"{\"verdicts\":[],\"verdicts\":[]}", "verdicts: verdicts: duplicate key"},
        {"{\"v\":[]}", "verdicts: verdicts: missing (required)"},
        {"{\"verdicts\":[{\"schema\":\"netblame.verdict/v2\"}]}",
         "verdicts: verdicts[0].schema: must be \"netblame.verdict/v1\" (got "
         "\"netblame.verdict/v2\")"},
        {"{\"verdicts\":[{\"schema\":\"netblame.verdict/v1\",\"target\":\"a\","
         "\"window\":{\"start\":\"2023-11-14T22:13:20.123Z\",\"end\":\"yesterday\",\"probes\":1}}]"
         "}",
         "verdicts: verdicts[0].window.end: must be an RFC 3339 time of 1678..2262 (got "
         "\"yesterday\")"},
        {"{\"verdicts\":[{\"schema\":\"netblame.verdict/v1\",\"target\":\"a\","
         "\"window\":{\"start\":\"2023-11-14T22:13:20Z\",\"end\":\"2023-11-14T22:13:20Z\","
         "\"probes\":1},\"verdict\":\"network\"}]}",
         "verdicts: verdicts[0].verdict: not a layer (got \"network\")"},
        {"{\"verdicts\":[{\"schema\":\"netblame.verdict/v1\",\"target\":\"a\","
         "\"window\":{\"start\":\"2023-11-14T22:13:20Z\",\"end\":\"2023-11-14T22:13:20Z\","
         "\"probes\":1},\"verdict\":\"app\",\"where\":{\"side\":\"left\",\"host\":\"\","
         "\"interface\":\"\"}}]}",
         "verdicts: verdicts[0].where.side: must be one of \"\", \"local\", \"remote\" (got "
         "\"left\")"},
        {"{\"verdicts\":[{\"schema\":\"netblame.verdict/v1\",\"target\":\"a\","
         "\"window\":{\"start\":\"2023-11-14T22:13:20Z\",\"end\":\"2023-11-14T22:13:20Z\","
         "\"probes\":1},\"verdict\":\"app\",\"where\":{\"side\":\"\",\"host\":\"\","
         "\"interface\":\"\"},\"confidence\":1.5}]}",
         "verdicts: verdicts[0].confidence: must be a number >= 0 and <= 1 (got 1.5)"},
        {"{\"verdicts\":[{\"schema\":\"netblame.verdict/v1\",\"target\":\"a\","
         "\"window\":{\"start\":\"2023-11-14T22:13:20Z\",\"end\":\"2023-11-14T22:13:20Z\","
         "\"probes\":1},\"verdict\":\"app\",\"where\":{\"side\":\"\",\"host\":\"\","
         "\"interface\":\"\"},\"confidence\":1,\"evidence\":[1]}]}",
         "verdicts: verdicts[0].evidence[0]: must be a string (got a number)"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        got = (struct nb_verdict *)1;
        if (nb_verdicts_json_parse(bad[i].text, strlen(bad[i].text), 8, &got, &n, err,
                                   sizeof(err)) != -1 ||
            strcmp(err, bad[i].want) != 0 || got != NULL)
            fail_msg("%s\ngot:    %s\nwanted: %s", bad[i].text, err, bad[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contract_fields),
        cmocka_unit_test(test_inconclusive_has_reason_and_zero_confidence),
        cmocka_unit_test(test_healthy_with_baseline),
        cmocka_unit_test(test_same_verdict_same_bytes),
        cmocka_unit_test(test_no_segments_without_path),
        cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_rfc3339_parse),
        cmocka_unit_test(test_verdicts_read_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
