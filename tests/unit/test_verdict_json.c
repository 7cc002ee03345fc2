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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contract_fields),
        cmocka_unit_test(test_inconclusive_has_reason_and_zero_confidence),
        cmocka_unit_test(test_healthy_with_baseline),
        cmocka_unit_test(test_same_verdict_same_bytes),
        cmocka_unit_test(test_no_segments_without_path),
        cmocka_unit_test(test_rfc3339),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
