/* test_replay.c — the classifier over traces recorded in the lab
 * (tests/data/traces/, made by tests/lab/record_traces.sh): each trace is a
 * few healthy windows then one under a fault, replayed in order as
 * `netblame replay` does (the baseline learnt from the healthy ones). The
 * healthy windows must be judged healthy and the last one must name the
 * layer and side where the fault was injected. The classifier sees only
 * measurements: the names below are the test's, never the classifier's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/mem.h"
#include "cli/replay.h"

struct expect {
    const char *trace;
    enum nb_layer layer;
    enum nb_side side; /* NB_SIDE_NONE: any */
    enum nb_layer second; /* a second finding's layer, or NB_LAYER_HEALTHY for none */
};

static const struct expect cases[] = {
    {"healthy", NB_LAYER_HEALTHY, NB_SIDE_NONE, NB_LAYER_HEALTHY},
    {"healthy-app", NB_LAYER_HEALTHY, NB_SIDE_NONE, NB_LAYER_HEALTHY},
    {"virtio-local-delay", NB_LAYER_VIRTUAL, NB_SIDE_LOCAL, NB_LAYER_HEALTHY},
    {"virtio-local-jitter", NB_LAYER_VIRTUAL, NB_SIDE_LOCAL, NB_LAYER_HEALTHY},
    {"virtio-local-loss", NB_LAYER_VIRTUAL, NB_SIDE_LOCAL, NB_LAYER_HEALTHY},
    {"virtio-local-stall", NB_LAYER_VIRTUAL, NB_SIDE_LOCAL, NB_LAYER_HEALTHY},
    {"virtio-local-queue", NB_LAYER_VIRTUAL, NB_SIDE_LOCAL, NB_LAYER_HEALTHY},
    {"virtio-remote-delay", NB_LAYER_VIRTUAL, NB_SIDE_REMOTE, NB_LAYER_HEALTHY},
    {"virtio-remote-jitter", NB_LAYER_VIRTUAL, NB_SIDE_REMOTE, NB_LAYER_HEALTHY},
    {"virtio-remote-loss", NB_LAYER_VIRTUAL, NB_SIDE_REMOTE, NB_LAYER_HEALTHY},
    {"virtio-remote-stall", NB_LAYER_VIRTUAL, NB_SIDE_REMOTE, NB_LAYER_HEALTHY},
    {"virtio-remote-queue", NB_LAYER_VIRTUAL, NB_SIDE_REMOTE, NB_LAYER_HEALTHY},
    {"wire-delay", NB_LAYER_PHYSICAL, NB_SIDE_NONE, NB_LAYER_HEALTHY},
    {"wire-loss", NB_LAYER_PHYSICAL, NB_SIDE_NONE, NB_LAYER_HEALTHY},
    {"wire-mtu", NB_LAYER_PHYSICAL, NB_SIDE_NONE, NB_LAYER_HEALTHY},
    {"wire-down", NB_LAYER_PHYSICAL, NB_SIDE_NONE, NB_LAYER_HEALTHY},
    {"bridge-local", NB_LAYER_VIRTUAL, NB_SIDE_LOCAL, NB_LAYER_HEALTHY},
    {"bridge-remote", NB_LAYER_VIRTUAL, NB_SIDE_REMOTE, NB_LAYER_HEALTHY},
    {"reflector-slow", NB_LAYER_APP, NB_SIDE_REMOTE, NB_LAYER_HEALTHY},
    {"app-slow", NB_LAYER_APP, NB_SIDE_REMOTE, NB_LAYER_HEALTHY},
    {"app-error", NB_LAYER_APP, NB_SIDE_REMOTE, NB_LAYER_HEALTHY},
    {"app-reset", NB_LAYER_APP, NB_SIDE_REMOTE, NB_LAYER_HEALTHY},
    {"app-refused", NB_LAYER_APP, NB_SIDE_REMOTE, NB_LAYER_HEALTHY},
    {"dns-servfail", NB_LAYER_APP, NB_SIDE_NONE, NB_LAYER_HEALTHY},
    {"two-virtio-wire", NB_LAYER_VIRTUAL, NB_SIDE_NONE, NB_LAYER_PHYSICAL},
    /* diagnose URL with STAMP probes beside: a slow resolver is DNS's, loss
     * and an MTU black hole are the network's, a slow backend on a lossy
     * wire is a second finding */
    {"app-dns-slow", NB_LAYER_APP, NB_SIDE_NONE, NB_LAYER_HEALTHY},
    {"app-wire-loss", NB_LAYER_PHYSICAL, NB_SIDE_NONE, NB_LAYER_HEALTHY},
    {"app-mtu", NB_LAYER_PHYSICAL, NB_SIDE_NONE, NB_LAYER_HEALTHY},
    {"two-wire-app", NB_LAYER_PHYSICAL, NB_SIDE_NONE, NB_LAYER_APP},
};

struct seen {
    unsigned n;
    struct nb_verdict last;
    unsigned unhealthy_before; /* windows before the last not judged healthy */
    char first_bad[300];
};

static void each(void *arg, const struct nb_cls_input *in, const struct nb_verdict *v)
{
    struct seen *s = arg;
    if (s->n > 0 && s->last.layer != NB_LAYER_HEALTHY) {
        if (!s->unhealthy_before++)
            snprintf(s->first_bad, sizeof(s->first_bad), "window %u: %s %s", s->n,
                     nb_layer_name(s->last.layer),
                     s->last.reason[0] ? s->last.reason : s->last.findings[0].summary);
    }
    s->last = *v;
    s->n++;
}

static bool has_layer(const struct nb_verdict *v, enum nb_layer l)
{
    for (size_t i = 0; i < v->nfindings; i++)
        if (v->findings[i].layer == l)
            return true;
    return false;
}

static void test_replay_recorded_traces(void **state)
{
    const char *dir = getenv("NB_TEST_DATA");
    assert_non_null(dir);
    unsigned failed = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct expect *e = &cases[i];
        char path[512];
        snprintf(path, sizeof(path), "%s/traces/%s.jsonl", dir, e->trace);
        FILE *f = fopen(path, "r");
        if (!f)
            fail_msg("%s: missing (tests/lab/record_traces.sh makes it)", path);
        struct nb_replay *r = nb_calloc(1, sizeof(*r));
        struct seen *s = nb_calloc(1, sizeof(*s));
        nb_replay_init(r, NULL);
        assert_int_equal(nb_replay_file(r, f, path, stderr, each, s), 0);
        fclose(f);
        assert_true(s->n >= 2);
        const struct nb_verdict *v = &s->last;
        bool ok = s->unhealthy_before == 0 &&
                  (e->second != NB_LAYER_HEALTHY /* two faults: both found, in either order */
                       ? has_layer(v, e->layer) && has_layer(v, e->second)
                       : v->layer == e->layer &&
                             (e->side == NB_SIDE_NONE || v->where.side == e->side));
        if (!ok) {
            failed++;
            print_error("%s: got %s/%s %.2f (%s); %u earlier windows not healthy (%s)\n",
                        e->trace, nb_layer_name(v->layer), nb_side_name(v->where.side),
                        v->confidence, v->reason[0] ? v->reason : v->findings[0].summary,
                        s->unhealthy_before, s->first_bad);
        }
        free(r);
        free(s);
    }
    assert_int_equal(failed, 0);
}

/* Replay trace NAME with thresholds TH into *S. */
static void replay_trace(const char *name, const struct nb_cls_thresholds *th, struct seen *s)
{
    const char *dir = getenv("NB_TEST_DATA");
    assert_non_null(dir);
    char path[512];
    snprintf(path, sizeof(path), "%s/traces/%s.jsonl", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("%s: missing (tests/lab/record_traces.sh makes it)", path);
    struct nb_replay *r = nb_calloc(1, sizeof(*r));
    memset(s, 0, sizeof(*s));
    nb_replay_init(r, th);
    assert_int_equal(nb_replay_file(r, f, path, stderr, each, s), 0);
    fclose(f);
    assert_int_equal(r->windows, s->n);
    free(r);
}

/* The thresholds given to the replay are the ones it judges by (what
 * `netblame replay --config` relies on): the healthy trace's virtual
 * segments (a p50 of tens to a hundred µs) are slow against a 20 µs floor,
 * and no window is healthy, so no baseline is learnt to lift that floor. */
static void test_replay_thresholds(void **state)
{
    struct seen *s = nb_calloc(1, sizeof(*s));
    struct nb_cls_thresholds th;

    nb_cls_thresholds_default(&th);
    replay_trace("healthy", &th, s); /* the defaults, given explicitly */
    assert_int_equal(s->unhealthy_before, 0);
    assert_int_equal(s->last.layer, NB_LAYER_HEALTHY);

    th.floor_ns[NB_LAYER_VIRTUAL] = 20e3;
    replay_trace("healthy", &th, s);
    assert_true(s->n >= 2);
    assert_int_equal(s->unhealthy_before, s->n - 1);
    assert_int_equal(s->last.layer, NB_LAYER_VIRTUAL);

    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_recorded_traces),
        cmocka_unit_test(test_replay_thresholds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
