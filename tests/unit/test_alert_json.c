/* test_alert_json.c — the one reader of Alertmanager's webhook body: a
 * version-4 notification parses and renders back as it came (members this
 * reader does not know included), every bound and type is enforced with a
 * message naming the JSON path, repeated members are refused at every
 * level, and annotations can be added to an alert that had none. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/mem.h"
#include "wire/alert_json.h"

/* Two alerts as Alertmanager writes them, with members of later releases
 * (and of Grafana's) that a receiver must pass over. */
static const char NOTE[] =
    "{\"receiver\":\"netblame\",\"status\":\"firing\",\"alerts\":["
    "{\"status\":\"firing\",\"labels\":{\"alertname\":\"PathSlow\",\"instance\":\"198.18.0.12:"
    "9100\","
    "\"severity\":\"page\"},\"annotations\":{\"summary\":\"path to gB slow\"},"
    "\"startsAt\":\"2024-05-01T10:00:00.123456789+02:00\",\"endsAt\":\"0001-01-01T00:00:00Z\","
    "\"generatorURL\":\"http://prom:9090/graph?g0.expr=up\",\"fingerprint\":\"1a30ba71cca2921f\","
    "\"silenceURL\":\"http://am/silence\",\"values\":{\"B\":44.2}},"
    "{\"status\":\"resolved\",\"labels\":{\"alertname\":\"PathSlow\",\"netblame_target\":\"gB\"},"
    "\"annotations\":{},\"startsAt\":\"2024-05-01T09:00:00Z\",\"endsAt\":\"2024-05-01T09:30:00Z\","
    "\"generatorURL\":\"\",\"fingerprint\":\"bc97ff14869b13e3\"}],"
    "\"groupLabels\":{\"alertname\":\"PathSlow\"},\"commonLabels\":{\"alertname\":\"PathSlow\"},"
    "\"commonAnnotations\":{},\"externalURL\":\"http://am:9093\",\"version\":\"4\","
    "\"groupKey\":\"{}:{alertname=\\\"PathSlow\\\"}\",\"truncatedAlerts\":0,\"orgId\":1}";

static char err[512];

static int parse(const char *text, struct nb_alert_note *n)
{
    memset(err, 0, sizeof(err));
    return nb_alert_note_parse(text, strlen(text), n, err, sizeof(err));
}

/* TEXT refused with exactly WANT; nothing left behind. */
static void refused(const char *text, size_t len, const char *want)
{
    struct nb_alert_note n;
    memset(err, 0, sizeof(err));
    if (nb_alert_note_parse(text, len, &n, err, sizeof(err)) != -1 || strcmp(err, want) != 0)
        fail_msg("input: %.300s\ngot:    %s\nwanted: %s", text, err, want);
    assert_null(n.root);
    assert_null(n.alerts);
    assert_int_equal(n.nalerts, 0);
}

static void refused_str(const char *text, const char *want)
{
    refused(text, strlen(text), want);
}

/* NOTE with FROM replaced by TO (once), refused with WANT. */
static void refused_edit(const char *from, const char *to, const char *want)
{
    char text[4096];
    const char *at = strstr(NOTE, from);
    assert_non_null(at);
    snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - NOTE), NOTE, to, at + strlen(from));
    refused(text, strlen(text), want);
}

static void test_parses_and_renders_back(void **state)
{
    (void)state;
    struct nb_alert_note n;
    assert_int_equal(parse(NOTE, &n), 0);
    assert_int_equal(n.nalerts, 2);
    assert_false(n.resolved);
    assert_int_equal(n.truncated, 0);
    assert_string_equal(nb_alert_label(n.alerts[0], "instance"), "198.18.0.12:9100");
    assert_string_equal(nb_alert_label(n.alerts[1], "netblame_target"), "gB");
    assert_null(nb_alert_label(n.alerts[0], "netblame_target"));

    struct nb_buf b;
    nb_buf_init(&b);
    nb_alert_note_render(&n, &b);
    assert_int_equal(b.data[b.len - 1], '\n');
    assert_null(memchr(b.data, '\n', b.len - 1)); /* one line */
    cJSON *again = cJSON_Parse(b.data), *orig = cJSON_Parse(NOTE);
    assert_true(cJSON_Compare(again, orig, true)); /* every member, unknown ones too */
    cJSON_Delete(again);
    cJSON_Delete(orig);
    nb_buf_free(&b);
    nb_alert_note_free(&n);
    assert_null(n.root);

    /* the least Alertmanager could send; a resolved group; no alerts at all */
    assert_int_equal(parse("{\"version\":\"4\",\"status\":\"resolved\",\"alerts\":[{\"status\":"
                           "\"resolved\",\"labels\":{}}],\"truncatedAlerts\":7}",
                           &n),
                     0);
    assert_true(n.resolved);
    assert_int_equal(n.truncated, 7);
    nb_alert_note_free(&n);
    assert_int_equal(parse("{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[]}", &n), 0);
    assert_int_equal(n.nalerts, 0);
    nb_alert_note_free(&n);
}

static void test_annotations_made_when_missing(void **state)
{
    (void)state;
    struct nb_alert_note n;
    assert_int_equal(parse("{\"version\":\"4\",\"status\":\"firing\",\"alerts\":["
                           "{\"status\":\"firing\",\"labels\":{},\"annotations\":null},"
                           "{\"status\":\"firing\",\"labels\":{},\"Annotations\":{}},"
                           "{\"status\":\"firing\",\"labels\":{},\"annotations\":{\"a\":\"b\"}}]}",
                           &n),
                     0);
    for (size_t i = 0; i < 3; i++) {
        cJSON *a = nb_alert_annotations(n.alerts[i]);
        assert_true(cJSON_IsObject(a));
        assert_ptr_equal(nb_alert_annotations(n.alerts[i]), a); /* the same one again */
        cJSON_AddStringToObject(a, "netblame_verdict", "virtual");
        /* one annotations member, never a second; "Annotations" is another */
        assert_int_equal(cJSON_GetArraySize(n.alerts[i]), i == 1 ? 4 : 3);
    }
    assert_int_equal(cJSON_GetArraySize(nb_alert_annotations(n.alerts[2])), 2);
    nb_alert_note_free(&n);
}

static void test_refusals_name_the_path(void **state)
{
    (void)state;
    refused("", 0, "notification: line 1, column 1: invalid JSON");
    refused("{\"version\":\"4\"} {}", 18,
            "notification: line 1, column 17: unexpected data after the JSON value");
    refused("{\"version\":\"4\0\"}", 16, "notification: line 1, column 14: NUL byte");
    refused_str("[]", "notification: must be an object (got an array)");
    refused_edit("\"version\":\"4\"", "\"version\":\"3\"",
                 "notification: version: only version \"4\" is known (got \"3\")");
    refused_edit("\"version\":\"4\",", "", "notification: version: missing (required)");
    refused_edit("\"version\":\"4\"", "\"version\":4",
                 "notification: version: must be a string (got a number)");
    refused_edit("\"receiver\":\"netblame\",\"status\":\"firing\"",
                 "\"receiver\":\"netblame\",\"status\":\"pending\"",
                 "notification: status: must be \"firing\" or \"resolved\" (got \"pending\")");
    refused_edit("\"truncatedAlerts\":0", "\"truncatedAlerts\":-1",
                 "notification: truncatedAlerts: must be an integer >= 0 (got -1)");
    refused_edit("\"groupKey\":\"{}:{alertname=\\\"PathSlow\\\"}\"", "\"groupKey\":null",
                 "notification: groupKey: must be a string (got null)");
    refused_edit("\"externalURL\":\"http://am:9093\"",
                 "\"externalURL\":\"a\",\"externalURL\":\"b\"",
                 "notification: externalURL: duplicate key");
    refused_edit("\"commonLabels\":{\"alertname\":\"PathSlow\"}",
                 "\"commonLabels\":{\"alertname\":\"PathSlow\",\"alertname\":\"Other\"}",
                 "notification: commonLabels.alertname: duplicate key");
    refused_edit("\"groupLabels\":{\"alertname\":\"PathSlow\"}", "\"groupLabels\":[]",
                 "notification: groupLabels: must be an object (got an array)");
    refused_str("{\"version\":\"4\",\"status\":\"firing\",\"alerts\":{}}",
                "notification: alerts: must be an array (got an object)");
    refused_str("{\"version\":\"4\",\"status\":\"firing\"}",
                "notification: alerts: missing (required)");
    refused_str("{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[7]}",
                "notification: alerts[0]: must be an object (got a number)");

    /* in an alert */
    refused_edit("{\"status\":\"firing\",\"labels\":{\"alertname\"", "{\"labels\":{\"alertname\"",
                 "notification: alerts[0].status: missing (required)");
    refused_edit("\"labels\":{\"alertname\":\"PathSlow\",\"netblame_target\":\"gB\"}",
                 "\"labels\":null", "notification: alerts[1].labels: must be an object (got null)");
    refused_edit("\"instance\":\"198.18.0.12:9100\"", "\"instance\":9100",
                 "notification: alerts[0].labels.instance: must be a string (got a number)");
    refused_edit("\"instance\":\"198.18.0.12:9100\"",
                 "\"instance\":\"198.18.0.12:9100\",\"instance\":\"198.18.0.13:9100\"",
                 "notification: alerts[0].labels.instance: duplicate key");
    refused_edit("\"summary\":\"path to gB slow\"", "\"summary\":\"a\",\"summary\":\"b\"",
                 "notification: alerts[0].annotations.summary: duplicate key");
    refused_edit("\"fingerprint\":\"bc97ff14869b13e3\"",
                 "\"fingerprint\":\"a\",\"fingerprint\":\"b\"",
                 "notification: alerts[1].fingerprint: duplicate key");
    refused_edit("\"endsAt\":\"2024-05-01T09:30:00Z\"", "\"endsAt\":\"2024-05-01 09:30\"",
                 "notification: alerts[1].endsAt: must be an RFC 3339 time (got \"2024-05-01 "
                 "09:30\")");
    refused_edit("\"startsAt\":\"2024-05-01T09:00:00Z\"", "\"startsAt\":0",
                 "notification: alerts[1].startsAt: must be a string (got a number)");
    refused_edit("\"annotations\":{}", "\"annotations\":{\"\":\"x\"}",
                 "notification: alerts[1].annotations.\"\": a name of 1..127 bytes, not 0");
}

/* B emptied, then a notification's start up to its one alert's first
 * member, then FMT (the rest of it, or of what the caller adds). */
static void one_alert(struct nb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void one_alert(struct nb_buf *b, const char *fmt, ...)
{
    char rest[NB_ALERT_NOTE_VALUE_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rest, sizeof(rest), fmt, ap);
    va_end(ap);
    b->len = 0;
    nb_buf_printf(b,
                  "{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":"
                  "\"firing\",%s",
                  rest);
}

static void test_bounds(void **state)
{
    (void)state;
    struct nb_alert_note n;
    struct nb_buf b;
    nb_buf_init(&b);

    /* NB_ALERT_NOTE_MAX alerts pass, one more is refused */
    nb_buf_printf(&b, "{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[");
    for (int i = 0; i < NB_ALERT_NOTE_MAX; i++)
        nb_buf_printf(&b, "%s{\"status\":\"firing\",\"labels\":{\"i\":\"%d\"}}", i ? "," : "", i);
    size_t keep = b.len;
    nb_buf_printf(&b, "]}");
    assert_int_equal(nb_alert_note_parse(b.data, b.len, &n, err, sizeof(err)), 0);
    assert_int_equal(n.nalerts, NB_ALERT_NOTE_MAX);
    assert_string_equal(nb_alert_label(n.alerts[NB_ALERT_NOTE_MAX - 1], "i"), "999");
    nb_alert_note_free(&n);
    b.len = keep;
    nb_buf_printf(&b, ",{\"status\":\"firing\",\"labels\":{}}]}");
    refused(b.data, b.len, "notification: alerts: at most 1000 alerts (got 1001)");

    /* NB_ALERT_PAIRS_MAX labels */
    one_alert(&b, "\"labels\":{");
    for (int i = 0; i <= NB_ALERT_PAIRS_MAX; i++)
        nb_buf_printf(&b, "%s\"l%d\":\"v\"", i ? "," : "", i);
    nb_buf_printf(&b, "}}]}");
    refused(b.data, b.len, "notification: alerts[0].labels: at most 128 members (got 129)");

    /* a label name of NB_ALERT_LABEL_MAX bytes; a value over its bound */
    char *big = nb_calloc(1, NB_ALERT_NOTE_VALUE_MAX + 2);
    memset(big, 'n', NB_ALERT_LABEL_MAX);
    one_alert(&b, "\"labels\":{\"%s\":\"v\"}}]}", big);
    refused(b.data, b.len,
            "notification: alerts[0].labels.\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...\": a "
            "name of 1..127 bytes, not 128");
    memset(big, 'v', NB_ALERT_LABEL_VALUE_MAX + 1);
    one_alert(&b, "\"labels\":{\"a\":\"%s\"}}]}", big);
    refused(b.data, b.len, "notification: alerts[0].labels.a: at most 4096 bytes (got 4097)");
    /* ... an annotation may be longer */
    one_alert(&b, "\"labels\":{},\"annotations\":{\"description\":\"%s\"}}]}", big);
    assert_int_equal(nb_alert_note_parse(b.data, b.len, &n, err, sizeof(err)), 0);
    nb_alert_note_free(&n);
    memset(big, 'v', NB_ALERT_NOTE_VALUE_MAX + 1);
    one_alert(&b, "\"labels\":{},\"annotations\":{\"description\":\"%s\"}}]}", big);
    refused(b.data, b.len,
            "notification: alerts[0].annotations.description: at most 65536 bytes (got 65537)");
    free(big);

    /* the body: refused by its size before it is parsed */
    refused(NOTE, NB_ALERT_BODY_MAX + 1,
            "notification: too large (4194305 bytes; the limit is 4194304)");
    nb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parses_and_renders_back),
        cmocka_unit_test(test_annotations_made_when_missing),
        cmocka_unit_test(test_refusals_name_the_path),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
