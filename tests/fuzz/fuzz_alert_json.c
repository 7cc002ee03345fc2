/* fuzz_alert_json.c — an Alertmanager notification is outside data for
 * netblamed's POST /v1/alerts and for `netblame enrich`: any bytes parse or
 * are refused with a reason; what parses is mapped to a target of a fixed
 * configuration by THE MAPPING RULE (alert/enrich.h: names, addresses
 * however written, urls, host:port) and enriched with a verdict or an
 * error, takes an annotation on every alert, renders, and that rendering
 * parses back to the same rendering. */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/enrich.h"
#include "wire/alert_json.h"

/* The targets alerts are mapped to: peers by name and address (v4, v6),
 * app targets by name, url, host and host:port. */
static const char cfg_json[] =
    "{\"role\":\"guest\",\"peers\":["
    "{\"name\":\"gB\",\"family\":\"path\",\"address\":\"198.18.0.12\"},"
    "{\"name\":\"v6\",\"family\":\"fabric\",\"address\":\"2001:db8::2\"},"
    "{\"name\":\"shared\",\"family\":\"vnet\",\"address\":\"198.19.0.1\"}],"
    "\"app\":[{\"name\":\"orders-api\",\"url\":\"http://orders.internal:8080/health\"},"
    "{\"name\":\"web\",\"url\":\"http://10.0.0.5/\"},"
    "{\"name\":\"shared\",\"url\":\"tcp://10.0.0.6:5432\",\"send\":\"x\",\"expect\":\"y\"}]}";

static struct nb_verdict verdict; /* what every mapped target has served */

static const struct nb_verdict *lookup(void *arg, const struct nb_enrich_target *t, char *why,
                                       size_t whylen)
{
    (void)arg;
    if (t->app) { /* app targets have none: the error path */
        snprintf(why, whylen, "none for %s", t->name);
        return NULL;
    }
    return &verdict;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct nb_config cfg;
    static bool loaded;
    struct nb_alert_note n, again;
    char err[256] = "";
    if (!loaded) {
        if (nb_config_parse(cfg_json, strlen(cfg_json), "fuzz.json", &cfg, err, sizeof(err)) < 0)
            abort();
        verdict.layer = NB_LAYER_VIRTUAL;
        verdict.where.side = NB_SIDE_LOCAL;
        verdict.confidence = 0.9;
        verdict.end = 1714557600LL * NB_NS_PER_SEC;
        verdict.start = verdict.end - 10 * NB_NS_PER_SEC;
        verdict.nevidence = 1;
        snprintf(verdict.evidence[0], NB_CLS_TEXTSIZ, "local virtual p50 9.1 ms");
        snprintf(verdict.target, sizeof(verdict.target), "gB");
        loaded = true;
    }
    if (nb_alert_note_parse((const char *)data, size, &n, err, sizeof(err)) < 0) {
        if (!err[0] || n.root || n.alerts) /* a refusal says why and leaves nothing behind */
            abort();
        return 0;
    }
    for (size_t i = 0; i < n.nalerts; i++) {
        struct nb_enrich_target t;
        char why[256] = "";
        if (nb_enrich_map(&cfg, n.alerts[i], &t, why, sizeof(why)) == 0) {
            if (t.index >= (t.app ? cfg.napps : cfg.npeers))
                abort();
        } else if (!why[0]) {
            abort();
        }
    }
    nb_enrich_note(&cfg, &n, lookup, NULL, verdict.end);
    for (size_t i = 0; i < n.nalerts; i++) {
        nb_alert_label(n.alerts[i], "instance");
        cJSON *a = nb_alert_annotations(n.alerts[i]);
        cJSON_DeleteItemFromObjectCaseSensitive(a, "netblame_error");
        cJSON_AddStringToObject(a, "netblame_error", "fuzz");
    }
    struct nb_buf x, y;
    nb_buf_init(&x);
    nb_buf_init(&y);
    nb_alert_note_render(&n, &x);
    /* an annotation added to a full set makes it one too many: refused, and
     * that is all right; anything else must read back */
    if (nb_alert_note_parse(x.data, x.len, &again, err, sizeof(err)) == 0) {
        if (again.nalerts != n.nalerts)
            abort();
        nb_alert_note_render(&again, &y);
        if (x.len != y.len || memcmp(x.data, y.data, x.len) != 0)
            abort();
        nb_alert_note_free(&again);
    } else if (!strstr(err, "at most")) {
        abort();
    }
    nb_buf_free(&x);
    nb_buf_free(&y);
    nb_alert_note_free(&n);
    return 0;
}
