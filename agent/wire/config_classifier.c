/* config_classifier.c — "classifier" of netblamed's configuration (see the
 * schema in config.c): the thresholds of struct nb_cls_thresholds, key by
 * key over nb_cls_thresholds_default(). */
#include "wire/config_section.h"

#include <stdio.h>

/* Bounds of the thresholds. A duration is at most a minute: no probe waits
 * longer (timeout_ms <= 60000), so a larger floor could never trip. */
#define CLS_US_MAX 60e6
#define CLS_COUNT_MAX 100000

/* Range ends are open (NB_JR_GT_LO, NB_JR_LT_HI) where a threshold at the
 * bound is degenerate: loss_floor 0 divides by zero, z 0 is no interval at
 * all, attribute_min 0 would name a layer on no evidence. */
#define GT_LO NB_JR_GT_LO
#define LT_HI NB_JR_LT_HI

/* A duration member in µs (the unit of the waterfall and of the evidence
 * sentences) into *NS, the classifier's unit; left alone if absent. */
static int get_us(struct nb_jr *x, const cJSON *obj, const char *path, const char *key, double *ns)
{
    double us;
    int rc = nb_jr_num(x, obj, path, key, GT_LO, 0, CLS_US_MAX, &us);

    if (rc > 0)
        *ns = us * 1e3;
    return rc;
}

/* A count member in 1..HI into *OUT; left alone if absent. 0 is refused: a
 * claim on no samples at all is not a threshold. */
static int get_count(struct nb_jr *x, const cJSON *obj, const char *path, const char *key,
                     int64_t hi, unsigned *out)
{
    int64_t v;
    int rc = nb_jr_int(x, obj, path, key, 0, 1, hi, &v);

    if (rc > 0)
        *out = (unsigned)v;
    return rc;
}

/* "floor_us"/"excess_us": one duration per segment layer, keyed by the
 * layer's contract name; a layer left out keeps its default. */
static int get_layers_us(struct nb_jr *x, const cJSON *cls, const char *key,
                         double ns[NB_LAYER__COUNT])
{
    static const enum nb_layer layers[] = {NB_LAYER_APP, NB_LAYER_VIRTUAL, NB_LAYER_PHYSICAL};
    static const char *const keys[] = {"app", "virtual", "physical", NULL};
    const cJSON *o;
    char path[48];
    int rc = nb_jr_obj(x, cls, "classifier", key, 0, keys, &o);

    if (rc <= 0)
        return rc;
    nb_jr_at(path, sizeof(path), "classifier", key);
    for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++)
        if (get_us(x, o, path, keys[i], &ns[layers[i]]) < 0)
            return -1;
    return 0;
}

/* The "classifier" object over C->cls, which holds the defaults: each key
 * present replaces its field, so a file names only what it changes. */
int nb_cfg_classifier(struct nb_jr *x, const cJSON *root, struct nb_config *c)
{
    /* clang-format off */
    static const char *const keys[] = {
        "min_samples",   "min_app_probes",  "min_base_windows", "z",
        "k_mad",         "floor_us",        "excess_us",        "rtt_floor_us",
        "rtt_excess_us", "server_floor_us", "server_excess_us", "loss_floor",
        "min_events",    "link_only_cap",   "tail_floor_us",    "tail_excess_us",
        "spread_floor_us", "attribute_min", "cpu_wait_share",
        "cpu_pressure_share", "cpu_steal_share", "resolve_floor_us",
        "resolve_excess_us", NULL};
    /* clang-format on */
    static const char *const p = "classifier";
    struct nb_cls_thresholds *th = &c->cls;
    const cJSON *o;
    int rc = nb_jr_obj(x, root, "", p, 0, keys, &o);

    if (rc <= 0)
        return rc;
    if (get_count(x, o, p, "min_samples", CLS_COUNT_MAX, &th->min_samples) < 0 ||
        get_count(x, o, p, "min_app_probes", CLS_COUNT_MAX, &th->min_app_probes) < 0 ||
        /* a baseline holds at most NB_BASE_RING windows: a larger minimum
         * would ignore every baseline */
        get_count(x, o, p, "min_base_windows", NB_BASE_RING, &th->min_base_windows) < 0 ||
        nb_jr_num(x, o, p, "z", GT_LO, 0, 10, &th->z) < 0 ||
        nb_jr_num(x, o, p, "k_mad", 0, 0, 1000, &th->k_mad) < 0 ||
        get_layers_us(x, o, "floor_us", th->floor_ns) < 0 ||
        get_layers_us(x, o, "excess_us", th->excess_ns) < 0 ||
        get_us(x, o, p, "rtt_floor_us", &th->rtt_floor_ns) < 0 ||
        get_us(x, o, p, "rtt_excess_us", &th->rtt_excess_ns) < 0 ||
        get_us(x, o, p, "server_floor_us", &th->server_floor_ns) < 0 ||
        get_us(x, o, p, "server_excess_us", &th->server_excess_ns) < 0 ||
        get_us(x, o, p, "resolve_floor_us", &th->resolve_floor_ns) < 0 ||
        get_us(x, o, p, "resolve_excess_us", &th->resolve_excess_ns) < 0 ||
        nb_jr_num(x, o, p, "loss_floor", GT_LO | LT_HI, 0, 1, &th->loss_floor) < 0 ||
        get_count(x, o, p, "min_events", CLS_COUNT_MAX, &th->min_events) < 0 ||
        nb_jr_num(x, o, p, "link_only_cap", GT_LO, 0, 1, &th->link_only_cap) < 0 ||
        get_us(x, o, p, "tail_floor_us", &th->tail_floor_ns) < 0 ||
        get_us(x, o, p, "tail_excess_us", &th->tail_excess_ns) < 0 ||
        get_us(x, o, p, "spread_floor_us", &th->spread_floor_ns) < 0 ||
        nb_jr_num(x, o, p, "attribute_min", GT_LO, 0, 1, &th->attribute_min) < 0 ||
        /* shares of the window: 0 would call every measured figure contention */
        nb_jr_num(x, o, p, "cpu_wait_share", GT_LO, 0, 1, &th->cpu_wait_share) < 0 ||
        nb_jr_num(x, o, p, "cpu_pressure_share", GT_LO, 0, 1, &th->cpu_pressure_share) < 0 ||
        nb_jr_num(x, o, p, "cpu_steal_share", GT_LO, 0, 1, &th->cpu_steal_share) < 0)
        return -1;
    return 0;
}
