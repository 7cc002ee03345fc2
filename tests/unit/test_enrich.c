/* test_enrich.c — alert enrichment: THE MAPPING RULE (names first, then a
 * peer's address whatever the port and however written, then an app's url,
 * host or host:port where the port counts; only the first label present),
 * THE ANNOTATIONS (their exact text, netblame's stale ones removed, a
 * summary cut on a character boundary), and a notification enriched from
 * served verdicts: fresh ones annotate, a stale or missing one, or no
 * target, gives netblame_error, and no alert is ever lost. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alert/enrich.h"
#include "cli/enrich_local.h"

#define T0 (1714557600LL * NB_NS_PER_SEC) /* 2024-05-01T10:00:00Z */

static struct nb_config cfg;
static char err[512];

static int setup(void **state)
{
    (void)state;
    static const char json[] =
        "{\"role\":\"guest\",\"peers\":["
        "{\"name\":\"gB\",\"family\":\"path\",\"address\":\"198.18.0.12\"},"
        "{\"name\":\"v6\",\"family\":\"fabric\",\"address\":\"2001:db8::2\"},"
        "{\"name\":\"shared\",\"family\":\"vnet\",\"address\":\"198.19.0.1\"}],"
        "\"app\":[{\"name\":\"orders-api\",\"url\":\"http://orders.internal:8080/health\"},"
        "{\"name\":\"web\",\"url\":\"http://10.0.0.5/\"},"
        "{\"name\":\"shared\",\"url\":\"tcp://10.0.0.6:5432\",\"send\":\"x\",\"expect\":\"y\"}]}";
    return nb_config_parse(json, strlen(json), "test.json", &cfg, err, sizeof(err));
}

static int teardown(void **state)
{
    (void)state;
    nb_config_free(&cfg);
    return 0;
}

/* An alert whose labels are LABELS (a JSON object). */
static cJSON *alert(const char *labels)
{
    char text[1024];
    snprintf(text, sizeof(text), "{\"status\":\"firing\",\"labels\":%s}", labels);
    cJSON *a = cJSON_Parse(text);
    assert_non_null(a);
    return a;
}

/* LABELS map to target NAME (APP: an app[] one), or to none when NAME is
 * NULL, with a reason holding WHY. */
static void maps(const struct nb_config *c, const char *labels, const char *name, bool app,
                 const char *why)
{
    struct nb_enrich_target t;
    char reason[256] = "";
    cJSON *a = alert(labels);
    int rc = nb_enrich_map(c, a, &t, reason, sizeof(reason));
    if (name && (rc != 0 || strcmp(t.name, name) != 0 || t.app != app))
        fail_msg("%s: got %s (%s), wanted %s", labels, rc ? "none" : t.name, reason, name);
    if (!name && (rc != -1 || !strstr(reason, why)))
        fail_msg("%s: got %s (%s), wanted none: %s", labels, rc ? "none" : t.name, reason, why);
    if (name)
        assert_ptr_equal(t.name, app ? c->apps[t.index].name : c->peers[t.index].name);
    cJSON_Delete(a);
}

static void test_mapping_rule(void **state)
{
    (void)state;
    /* 1. names: a peer's before an app's of the same name */
    maps(&cfg, "{\"netblame_target\":\"gB\"}", "gB", false, NULL);
    maps(&cfg, "{\"netblame_target\":\"orders-api\"}", "orders-api", true, NULL);
    maps(&cfg, "{\"instance\":\"shared\"}", "shared", false, NULL);
    /* 2. a peer's address: the host part, any port, however written */
    maps(&cfg, "{\"instance\":\"198.18.0.12:9100\"}", "gB", false, NULL);
    maps(&cfg, "{\"instance\":\"198.18.0.12\"}", "gB", false, NULL);
    maps(&cfg, "{\"instance\":\"[2001:db8:0::2]:862\"}", "v6", false, NULL);
    maps(&cfg, "{\"instance\":\"[2001:db8::2]\"}", "v6", false, NULL);
    maps(&cfg, "{\"instance\":\"2001:0db8::0002\"}", "v6", false, NULL);
    /* 3. an app's url, host, or host:port with its port (the scheme's by default) */
    maps(&cfg, "{\"instance\":\"http://orders.internal:8080/health\"}", "orders-api", true, NULL);
    maps(&cfg, "{\"instance\":\"orders.internal:8080\"}", "orders-api", true, NULL);
    maps(&cfg, "{\"instance\":\"orders.internal\"}", "orders-api", true, NULL);
    maps(&cfg, "{\"instance\":\"10.0.0.5:80\"}", "web", true, NULL);
    maps(&cfg, "{\"instance\":\"10.0.0.6:5432\"}", "shared", true, NULL);
    maps(&cfg, "{\"instance\":\"orders.internal:9100\"}", NULL, false,
         "no target: instance=\"orders.internal:9100\" names no peer or app target of this agent");
    maps(&cfg, "{\"instance\":\"198.18.0.1:9100\"}", NULL, false, "instance=\"198.18.0.1:9100\"");
    maps(&cfg, "{\"instance\":\"[198.18.0.12\"}", NULL, false, "names no peer");
    maps(&cfg, "{\"instance\":\"\"}", NULL, false, "instance=\"\" names no peer");
    /* only the first label present counts */
    maps(&cfg, "{\"netblame_target\":\"gone\",\"instance\":\"198.18.0.12:9100\"}", NULL, false,
         "no target: netblame_target=\"gone\"");
    maps(&cfg, "{\"job\":\"node\"}", NULL, false,
         "no target: the alert has none of the labels netblame_target, instance");

    /* the configured labels, in their order */
    struct nb_config c2;
    static const char json[] = "{\"role\":\"guest\",\"peers\":[{\"name\":\"gB\",\"family\":"
                               "\"path\",\"address\":\"198.18.0.12\"}],"
                               "\"alerts\":{\"target_labels\":[\"svc\",\"host\"]}}";
    assert_int_equal(nb_config_parse(json, strlen(json), "c2.json", &c2, err, sizeof(err)), 0);
    maps(&c2, "{\"host\":\"198.18.0.12\",\"instance\":\"x\"}", "gB", false, NULL);
    maps(&c2, "{\"instance\":\"gB\"}", NULL, false, "none of the labels svc, host");
    nb_config_free(&c2);
}

/* A verdict of gB: virtual, local, on hA's vnetA, with 4 evidence sentences. */
static void verdict(struct nb_verdict *v, nb_ns end)
{
    memset(v, 0, sizeof(*v));
    snprintf(v->target, sizeof(v->target), "gB");
    v->start = end - 10 * NB_NS_PER_SEC;
    v->end = end;
    v->layer = NB_LAYER_VIRTUAL;
    v->where.side = NB_SIDE_LOCAL;
    snprintf(v->where.host, sizeof(v->where.host), "hA");
    snprintf(v->where.ifname, sizeof(v->where.ifname), "vnetA");
    v->confidence = 0.874;
    v->nevidence = 4;
    for (int i = 0; i < 4; i++)
        snprintf(v->evidence[i], NB_CLS_TEXTSIZ, "sentence %d", i + 1);
}

static const char *ann(cJSON *a, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(nb_alert_annotations(a), name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_annotations(void **state)
{
    (void)state;
    struct nb_verdict v;
    verdict(&v, T0);
    cJSON *a = cJSON_Parse("{\"status\":\"firing\",\"labels\":{},\"annotations\":{\"summary\":"
                           "\"theirs\",\"netblame_error\":\"old\",\"netblame_x\":\"old\"}}");
    nb_enrich_verdict(a, "gB", &v);
    assert_string_equal(ann(a, "summary"), "theirs");
    assert_null(ann(a, "netblame_error")); /* stale ones of ours are gone */
    assert_null(ann(a, "netblame_x"));
    assert_string_equal(ann(a, "netblame_target"), "gB");
    assert_string_equal(ann(a, "netblame_verdict"), "virtual");
    assert_string_equal(ann(a, "netblame_where"), "virtual/local on hA vnetA");
    assert_string_equal(ann(a, "netblame_confidence"), "0.87");
    assert_string_equal(ann(a, "netblame_summary"), "virtual/local on hA vnetA: sentence 1");
    assert_string_equal(ann(a, "netblame_evidence"), "sentence 1\nsentence 2\nsentence 3");
    assert_string_equal(ann(a, "netblame_window"),
                        "2024-05-01T09:59:50.000Z/2024-05-01T10:00:00.000Z");
    assert_int_equal(cJSON_GetArraySize(nb_alert_annotations(a)), 8);

    /* enriched again: still one of each */
    v.layer = NB_LAYER_PHYSICAL;
    v.where = (struct nb_where){0};
    nb_enrich_verdict(a, "gB", &v);
    assert_string_equal(ann(a, "netblame_where"), "physical");
    assert_int_equal(cJSON_GetArraySize(nb_alert_annotations(a)), 8);

    /* inconclusive without evidence: the reason is the summary */
    v.layer = NB_LAYER_INCONCLUSIVE;
    v.confidence = 0;
    v.nevidence = 0;
    snprintf(v.reason, sizeof(v.reason), "HB.* did not answer");
    nb_enrich_verdict(a, "gB", &v);
    assert_string_equal(ann(a, "netblame_summary"), "inconclusive: HB.* did not answer");
    assert_string_equal(ann(a, "netblame_confidence"), "0.00");
    assert_string_equal(ann(a, "netblame_evidence"), "");

    /* a long first sentence: at most 200 bytes, cut between characters */
    v.nevidence = 1;
    memset(v.evidence[0], 0, NB_CLS_TEXTSIZ);
    for (size_t i = 0; i + 2 < NB_CLS_TEXTSIZ - 1; i += 2)
        memcpy(v.evidence[0] + i, "\xc2\xb5", 2); /* µ µ µ ... */
    nb_enrich_verdict(a, "gB", &v);
    const char *s = ann(a, "netblame_summary");
    size_t n = strlen(s);
    assert_true(n <= NB_ENRICH_SUMMARY_MAX && n > NB_ENRICH_SUMMARY_MAX - 5);
    assert_string_equal(s + n - 3, "...");
    assert_memory_equal(s + n - 5, "\xc2\xb5", 2); /* a whole character before the cut */

    /* an error replaces every annotation of ours */
    nb_enrich_error(a, NULL, "no target: x");
    assert_string_equal(ann(a, "netblame_error"), "no target: x");
    assert_null(ann(a, "netblame_verdict"));
    assert_null(ann(a, "netblame_target"));
    assert_int_equal(cJSON_GetArraySize(nb_alert_annotations(a)), 2);
    cJSON_Delete(a);
}

/* The served verdicts of the test: gB fresh, orders-api 20 s old. */
static const struct nb_verdict *served(void *arg, const struct nb_enrich_target *t, char *why,
                                       size_t whylen)
{
    const struct nb_verdict *v = arg;
    for (int i = 0; i < 2; i++)
        if (strcmp(v[i].target, t->name) == 0)
            return &v[i];
    snprintf(why, whylen, "netblamed has none for it");
    return NULL;
}

static void test_note_enriched(void **state)
{
    (void)state;
    static const char text[] =
        "{\"version\":\"4\",\"status\":\"firing\",\"alerts\":["
        "{\"status\":\"firing\",\"labels\":{\"instance\":\"198.18.0.12:9100\"}},"
        "{\"status\":\"firing\",\"labels\":{\"netblame_target\":\"orders-api\"}},"
        "{\"status\":\"resolved\",\"labels\":{\"instance\":\"[2001:db8::2]:862\"}},"
        "{\"status\":\"firing\",\"labels\":{\"job\":\"x\"},\"annotations\":null}],\"x\":1}";
    struct nb_alert_note n;
    struct nb_verdict v[2];
    assert_int_equal(nb_alert_note_parse(text, strlen(text), &n, err, sizeof(err)), 0);
    verdict(&v[0], T0 - 15 * NB_NS_PER_SEC); /* fresh: exactly fresh_ms old */
    verdict(&v[1], T0 - 20 * NB_NS_PER_SEC);
    snprintf(v[1].target, sizeof(v[1].target), "orders-api");

    assert_int_equal(nb_enrich_note(&cfg, &n, served, v, T0), 1);
    assert_int_equal(n.nalerts, 4);
    assert_string_equal(ann(n.alerts[0], "netblame_verdict"), "virtual");
    assert_null(ann(n.alerts[0], "netblame_error"));
    assert_string_equal(ann(n.alerts[1], "netblame_error"),
                        "no fresh verdict for orders-api: its last window ended 20.0 s ago "
                        "(alerts.fresh_ms is 15000)");
    assert_string_equal(ann(n.alerts[1], "netblame_target"), "orders-api");
    assert_null(ann(n.alerts[1], "netblame_verdict"));
    assert_string_equal(ann(n.alerts[2], "netblame_error"),
                        "no verdict for v6: netblamed has none for it");
    assert_string_equal(ann(n.alerts[3], "netblame_error"),
                        "no target: the alert has none of the labels netblame_target, instance");

    /* the rest of the notification as it came */
    struct nb_buf b;
    nb_buf_init(&b);
    nb_alert_note_render(&n, &b);
    cJSON *out = cJSON_Parse(b.data);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(out, "alerts")), 4);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(out, "x")));
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(out, "alerts"), 2), "status")
            ->valuestring,
        "resolved");
    cJSON_Delete(out);
    nb_buf_free(&b);
    nb_alert_note_free(&n);
}

/* `netblame enrich` with no netblamed to answer: every alert still goes out,
 * the mapped ones saying the daemon did not answer, the others why they
 * have no target. */
static void test_no_daemon(void **state)
{
    (void)state;
    static const char text[] =
        "{\"version\":\"4\",\"status\":\"firing\",\"alerts\":["
        "{\"status\":\"firing\",\"labels\":{\"instance\":\"198.18.0.12:9100\"}},"
        "{\"status\":\"firing\",\"labels\":{\"instance\":\"10.9.9.9:9100\"}}]}";
    struct nb_alert_note n;
    struct nb_config c = cfg;

    /* a port bound but not listening: a connection to it is refused */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sin);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
    snprintf(c.api_addr, sizeof(c.api_addr), "0.0.0.0"); /* asked on loopback */
    c.api_port = ntohs(sin.sin_port);

    assert_int_equal(nb_alert_note_parse(text, strlen(text), &n, err, sizeof(err)), 0);
    assert_int_equal(nb_enrich_local(&c, &n, nb_mono_now() + 5 * NB_NS_PER_SEC, T0), 0);
    char want[128];
    snprintf(want, sizeof(want),
             "no verdict for gB: netblamed at 127.0.0.1:%u did not answer: ", c.api_port);
    const char *e = ann(n.alerts[0], "netblame_error");
    if (!e || strncmp(e, want, strlen(want)) != 0)
        fail_msg("got %s, wanted %s...", e, want);
    assert_string_equal(ann(n.alerts[0], "netblame_target"), "gB");
    assert_non_null(strstr(ann(n.alerts[1], "netblame_error"), "no target: instance="));
    nb_alert_note_free(&n);

    /* past the deadline: not even asked */
    assert_int_equal(nb_alert_note_parse(text, strlen(text), &n, err, sizeof(err)), 0);
    assert_int_equal(nb_enrich_local(&c, &n, nb_mono_now() - 1, T0), 0);
    assert_string_equal(ann(n.alerts[0], "netblame_error"),
                        "no verdict for gB: netblamed not asked: the deadline had passed");
    nb_alert_note_free(&n);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mapping_rule),
        cmocka_unit_test(test_annotations),
        cmocka_unit_test(test_note_enriched),
        cmocka_unit_test(test_no_daemon),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
