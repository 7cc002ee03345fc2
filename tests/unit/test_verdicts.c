/* test_verdicts.c — the daemon's continuous verdicts on the test's own
 * clock (the _at functions of verdicts_int.h; no loop runs, nothing
 * sleeps):
 *   LEARNING (verdicts_learn.c): at most one window per window length, every
 *   window that names no layer (inconclusive ones too), none that names
 *   one, none in the shadow of one (less than a window length after it);
 *   PERSISTENCE: the served verdict changes layer or side only after
 *   NB_VERDICT_PERSIST ticks in a row judged the new one, a verdict flipping
 *   every tick is never served, and meanwhile the served one keeps the
 *   figures of the last tick that judged it;
 *   the FAST TEST (verdicts_fast.c): its short window (none for a slow
 *   peer), its onset and return rules on
 *   verdicts alone, its two judgements joined and its own baseline's
 *   learning;
 *   and all through the tick: a vnet peer's synthetic results, noisy and
 *   healthy, then losing half its probes (or 6 ms slower), then healthy
 *   again, four ticks a second, with /metrics saying what is served. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/buf.h"
#include "netblame/mem.h"

#include "verdicts_fixture.h"

#define S NB_NS_PER_SEC
#define MS 1000000LL
#define SPAN ((nb_ns)NB_VERDICT_WINDOW_S * S)

static struct nb_verdict verdict(enum nb_layer layer, enum nb_side side, double confidence)
{
    struct nb_verdict v;
    memset(&v, 0, sizeof(v));
    v.layer = layer;
    v.where.side = side;
    v.confidence = confidence;
    return v;
}

/* A healthy vnet window with enough probes to be learnt. */
static void healthy_input(struct nb_cls_input *in)
{
    struct nb_probe_result r[100];
    memset(r, 0, sizeof(r));
    for (size_t i = 0; i < 100; i++)
        r[i].rtt = (nb_ns)(100 + i % 10) * 1000;
    struct nb_stamp_figs f;
    nb_stamp_figs_fold(r, NULL, 100, &f);
    nb_window_head(in, "v", 0, SPAN);
    nb_window_family(&f, &in->vnet);
}

static void test_learning_rule(void **state)
{
    (void)state;
    struct nb_vd_target *t = nb_calloc(1, sizeof(*t));
    struct nb_cls_input *in = nb_calloc(1, sizeof(*in));
    struct nb_cls_thresholds th;
    nb_cls_thresholds_default(&th);
    nb_baseline_init(&t->base);
    healthy_input(in);
    struct nb_verdict healthy = verdict(NB_LAYER_HEALTHY, NB_SIDE_NONE, 0.9);
    struct nb_verdict unsure = verdict(NB_LAYER_INCONCLUSIVE, NB_SIDE_NONE, 0);
    struct nb_verdict fault = verdict(NB_LAYER_VIRTUAL, NB_SIDE_LOCAL, 0.8);
    const unsigned *learnt = &t->base.m[NB_BM_VNET_RTT].n;
    nb_ns t0 = 100 * S;

    assert_true(nb_vd_learn(t, in, &healthy, &th, t0));
    assert_int_equal(*learnt, 1);
    for (nb_ns k = 1; k < NB_VERDICT_WINDOW_S; k++) /* one window per window length */
        assert_false(nb_vd_learn(t, in, &healthy, &th, t0 + k * S));
    assert_false(nb_vd_learn(t, in, &healthy, &th, t0 + SPAN - 1));
    assert_true(nb_vd_learn(t, in, &healthy, &th, t0 + SPAN));
    assert_int_equal(*learnt, 2);
    /* a window that names a layer is never learnt, and casts its shadow */
    nb_ns named = t0 + SPAN + 2 * S;
    assert_false(nb_vd_learn(t, in, &fault, &th, named));
    assert_false(nb_vd_learn(t, in, &fault, &th, t0 + 3 * SPAN)); /* long since the last learnt */
    named = t0 + 3 * SPAN;
    assert_false(nb_vd_learn(t, in, &healthy, &th, named + SPAN - 1));
    assert_int_equal(*learnt, 2);
    /* out of the shadow: inconclusive names no layer, and is learnt */
    assert_true(nb_vd_learn(t, in, &unsure, &th, named + SPAN));
    assert_int_equal(*learnt, 3);
    free(in);
    free(t);
}

static void test_persistence_rule(void **state)
{
    (void)state;
    struct nb_vd_target *t = nb_calloc(1, sizeof(*t));
    struct nb_verdict healthy = verdict(NB_LAYER_HEALTHY, NB_SIDE_NONE, 0.9);
    struct nb_verdict local = verdict(NB_LAYER_VIRTUAL, NB_SIDE_LOCAL, 0.7);
    struct nb_verdict remote = verdict(NB_LAYER_VIRTUAL, NB_SIDE_REMOTE, 0.75);
    struct nb_verdict physical = verdict(NB_LAYER_PHYSICAL, NB_SIDE_NONE, 0.6);
    nb_ns rt = 1000 * S;

    assert_true(nb_vd_publish(t, &healthy, rt)); /* the first verdict is served at once */
    assert_int_equal(t->verdict.layer, NB_LAYER_HEALTHY);
    assert_true(t->changed == rt);
    for (unsigned k = 1; k < NB_VERDICT_PERSIST; k++) {
        struct nb_verdict v = local;
        v.confidence = 0.5 + k * 0.1;
        assert_false(nb_vd_publish(t, &v, rt + k * S));
        assert_int_equal(t->verdict.layer, NB_LAYER_HEALTHY);
        assert_true(t->verdict.confidence == 0.9); /* the last tick that judged it */
    }
    assert_true(nb_vd_publish(t, &local, rt + NB_VERDICT_PERSIST * S));
    assert_int_equal(t->verdict.layer, NB_LAYER_VIRTUAL);
    assert_int_equal(t->verdict.where.side, NB_SIDE_LOCAL);
    assert_true(t->changed == rt + NB_VERDICT_PERSIST * S);
    rt += 10 * S;

    /* the same layer on the other side is another verdict */
    for (unsigned k = 1; k < NB_VERDICT_PERSIST; k++)
        assert_false(nb_vd_publish(t, &remote, rt + k * S));
    assert_int_equal(t->verdict.where.side, NB_SIDE_LOCAL);
    assert_true(nb_vd_publish(t, &remote, rt + NB_VERDICT_PERSIST * S));
    assert_int_equal(t->verdict.where.side, NB_SIDE_REMOTE);
    rt += 10 * S;

    /* the served verdict judged again: its figures follow, no change said */
    struct nb_verdict stronger = remote;
    stronger.confidence = 0.95;
    nb_ns changed = t->changed;
    assert_false(nb_vd_publish(t, &stronger, rt));
    assert_true(t->verdict.confidence == 0.95);
    assert_true(t->changed == changed);

    /* flipping every tick is never served */
    for (unsigned k = 0; k < 20; k++)
        assert_false(nb_vd_publish(t, k % 2 ? &healthy : &physical, rt + k * S));
    assert_int_equal(t->verdict.layer, NB_LAYER_VIRTUAL);
    rt += 30 * S;

    /* a tick judging the served verdict again starts the count anew */
    for (unsigned k = 1; k < NB_VERDICT_PERSIST; k++)
        assert_false(nb_vd_publish(t, &physical, rt++));
    assert_false(nb_vd_publish(t, &remote, rt++));
    for (unsigned k = 1; k < NB_VERDICT_PERSIST; k++)
        assert_false(nb_vd_publish(t, &physical, rt++));
    assert_int_equal(t->verdict.layer, NB_LAYER_VIRTUAL);
    assert_true(nb_vd_publish(t, &physical, rt));
    assert_int_equal(t->verdict.layer, NB_LAYER_PHYSICAL);
    free(t);
}

/* The short window's two judgements joined (nb_vd_fast_join): a layer
 * only if both name it, healthy if both are, else inconclusive, and never
 * a stall (slow by the p90 alone); and the
 * short-window baseline learns one window per window length while nothing
 * is named, none in a named fault's shadow. */
static void test_fast_join(void **state)
{
    (void)state;
    struct nb_vd_target *t = nb_calloc(1, sizeof(*t));
    struct nb_cls_input *in = nb_calloc(1, sizeof(*in));
    struct nb_cls_thresholds th;
    nb_cls_thresholds_default(&th);
    healthy_input(in);
    t->sbase = nb_calloc(1, sizeof(*t->sbase));
    nb_baseline_init(t->sbase);
    struct nb_verdict healthy = verdict(NB_LAYER_HEALTHY, NB_SIDE_NONE, 0.9);
    struct nb_verdict unsure = verdict(NB_LAYER_INCONCLUSIVE, NB_SIDE_NONE, 0);
    struct nb_verdict local = verdict(NB_LAYER_VIRTUAL, NB_SIDE_LOCAL, 0.8);
    struct nb_verdict remote = verdict(NB_LAYER_VIRTUAL, NB_SIDE_REMOTE, 0.8);
    const unsigned *learnt = &t->sbase->m[NB_BM_VNET_RTT].n;
    nb_ns m = 100 * S;
    struct nb_verdict f = local;
    nb_vd_fast_join(t, in, &f, &local, &th, m);
    assert_int_equal(f.layer, NB_LAYER_VIRTUAL);
    assert_int_equal(*learnt, 1); /* nothing named before: learnt */
    f = local;
    nb_vd_fast_join(t, in, &f, &healthy, &th, m += S);
    assert_int_equal(f.layer, NB_LAYER_INCONCLUSIVE);
    f = local;
    nb_vd_fast_join(t, in, &f, &remote, &th, m += S);
    assert_int_equal(f.layer, NB_LAYER_INCONCLUSIVE);
    f = healthy;
    nb_vd_fast_join(t, in, &f, &local, &th, m += S);
    assert_int_equal(f.layer, NB_LAYER_INCONCLUSIVE);
    f = healthy;
    nb_vd_fast_join(t, in, &f, &healthy, &th, m += S);
    assert_int_equal(f.layer, NB_LAYER_HEALTHY);
    f = unsure;
    nb_vd_fast_join(t, in, &f, &healthy, &th, m += S);
    assert_int_equal(f.layer, NB_LAYER_INCONCLUSIVE);
    assert_int_equal(*learnt, 1); /* one per window length */
    struct nb_verdict stall = local; /* a stall: the long window's to judge */
    stall.nfindings = 1;
    stall.findings[0].segment = NB_SEG_LOCAL_VIRTUAL;
    stall.seg[NB_SEG_LOCAL_VIRTUAL].tail = true;
    f = stall;
    nb_vd_fast_join(t, in, &f, &stall, &th, m += S);
    assert_int_equal(f.layer, NB_LAYER_INCONCLUSIVE);
    stall.seg[NB_SEG_LOCAL_VIRTUAL].tail = false; /* slow by its p50 */
    f = stall;
    nb_vd_fast_join(t, in, &f, &stall, &th, m += S);
    assert_int_equal(f.layer, NB_LAYER_VIRTUAL);
    m = 100 * S + SPAN;
    t->raw = local; /* the long window names a layer: not learnt */
    nb_vd_fast_join(t, in, &f, &healthy, &th, m);
    assert_int_equal(*learnt, 1);
    t->raw = healthy;
    t->last_named = m; /* ...nor in its shadow */
    nb_vd_fast_join(t, in, &f, &healthy, &th, m + SPAN - 1);
    assert_int_equal(*learnt, 1);
    nb_vd_fast_join(t, in, &f, &healthy, &th, m + SPAN);
    assert_int_equal(*learnt, 2);
    free(t->sbase);
    free(in);
    free(t);
}

static int setup(void **state)
{
    struct vd_fix *f = vd_fix_new(false);
    vd_fix_verdicts(f, "{\"role\": \"guest\", \"peers\": [{\"name\": \"v\", \"family\": "
                       "\"vnet\", \"address\": \"10.0.0.1\", \"timeout_ms\": 1000, "
                       "\"interval_ms\": 50}]}");
    *state = f;
    return 0;
}

enum kind { HEALTHY, LOSSY, SLOW };

/* A quarter second of a vnet peer's results, 5 of them, arriving in
 * (NOW - 250 ms, NOW]. HEALTHY: 100 us plus a heavy tail (a seeded
 * log-uniform draw: half of them under 20 us more, one in 50 over 600 us,
 * up to 2 ms) and, one second in ten, a burst adding 150 us to all;
 * LOSSY: every other one lost; SLOW: 6 ms more. */
static void quarter_of_results(struct nb_verdicts *v, nb_ns now, enum kind k, uint32_t *seq,
                               uint64_t *rng)
{
    for (int i = 0; i < 5; i++) {
        struct nb_probe_result r;
        memset(&r, 0, sizeof(r));
        r.seq = (*seq)++;
        r.probe_id = r.seq;
        r.lost = k == LOSSY && r.seq % 2;
        *rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = (double)(*rng >> 11) / 9007199254740992.0; /* [0, 1) */
        double tail_us = 2.0 * pow(1000.0, u);                /* 2 us .. 2 ms, log-uniform */
        bool burst = (now / S) % 10 == 3;
        r.rtt = r.lost ? 0
                       : (nb_ns)((100.0 + tail_us + (burst ? 150.0 : 0.0) +
                                  (k == SLOW ? 6000.0 : 0.0)) * 1000.0);
        nb_vd_stamp_at(v, "v", &r, now - 250 * MS + (nb_ns)(i + 1) * 50 * MS);
    }
}

static void assert_metric(struct nb_verdicts *v, const char *layer, const char *side)
{
    struct nb_buf b;
    char want[128];
    nb_buf_init(&b);
    nb_verdicts_render_metrics(v, &b);
    snprintf(want, sizeof(want), "netblame_verdict{target=\"v\",verdict=\"%s\"} 1\n", layer);
    assert_non_null(strstr(b.data, want));
    snprintf(want, sizeof(want), "netblame_verdict_side{target=\"v\",side=\"%s\"} 1\n", side);
    assert_non_null(strstr(b.data, want));
    nb_buf_free(&b);
}

/* A target's ring holds what can arrive within a window at its configured
 * rate and timeout, not a fixed 4096 results: 5,000 fabric peers at 1/s
 * would fill 4 GiB. A 1/s peer keeps every result of its last window. */
static void test_ring_sized_by_rate(void **state)
{
    (void)state;
    assert_int_equal(nb_vd_ring_cap(1000, 2000), 64);
    assert_int_equal(nb_vd_ring_cap(50, 1000), 2 * 11000 / 50 + 17);
    assert_int_equal(nb_vd_ring_cap(10, 60000), NB_VD_RING);
    /* the sightings table: twice the ring, NB_VD_HOBS at most */
    assert_int_equal(nb_vd_hobs_cap(nb_vd_ring_cap(1000, 2000)), 128);
    assert_int_equal(nb_vd_hobs_cap(nb_vd_ring_cap(60000, 1000)), 128);
    assert_int_equal(nb_vd_hobs_cap(nb_vd_ring_cap(50, 1000)), 2 * (2 * 11000 / 50 + 17));
    assert_int_equal(nb_vd_hobs_cap(nb_vd_ring_cap(10, 60000)), NB_VD_HOBS);
    assert_int_equal(nb_vd_hobs_cap(nb_vd_ring_cap(1, 60000)), NB_VD_HOBS);
    assert_int_equal(nb_vd_hobs_cap(NB_VD_RING + 1), NB_VD_HOBS);
    assert_int_equal(nb_vd_hobs_cap(0), 2);
    struct vd_fix *f = vd_fix_new(false);
    vd_fix_verdicts(f, "{\"role\": \"host\", \"peers\": [{\"name\": \"f\", \"family\": "
                       "\"fabric\", \"address\": \"10.0.0.1\"}]}");
    struct nb_vd_target *t = nb_vd_find(f->v, "f", false);
    assert_int_equal(t->cap, 64);
    struct nb_vd_sample *w = nb_calloc(NB_VD_RING, sizeof(*w));
    for (uint32_t i = 0; i < 300; i++) { /* 300 s at 1/s, every other one lost (at 2 s) */
        struct nb_probe_result r = {.seq = i, .probe_id = i, .lost = i % 2, .rtt = 100000};
        nb_vd_stamp_at(f->v, "f", &r, (nb_ns)(i + 1) * S + (i % 2 ? 2 * S : 0));
    }
    assert_int_equal(t->n, 64);
    /* the window (290, 301]: arrivals 291..300 (answered) and 292..301 (lost) */
    assert_int_equal(nb_vd_window(t, 290 * S + 1, 301 * S, w), 10);
    free(w);
    vd_fix_free(f);
}

/* The fast test's short window: the last second of results, back to
 * min_samples of them within 2 s, none for a peer probed slower (a 1/s
 * fabric peer keeps the 10 s window's pace). */
static void test_short_window(void **state)
{
    (void)state;
    struct vd_fix *f = vd_fix_new(false);
    vd_fix_verdicts(f, "{\"role\": \"host\", \"peers\": [{\"name\": \"slow\", \"family\": "
                       "\"fabric\", \"address\": \"10.0.0.1\"}, {\"name\": \"fast\", "
                       "\"family\": \"fabric\", \"address\": \"10.0.0.2\", "
                       "\"interval_ms\": 150}]}");
    struct nb_cls_input *in = nb_calloc(1, sizeof(*in));
    nb_ns start = 0, end = 0, now = 100 * S;
    for (uint32_t i = 0; i < 30; i++) {
        struct nb_probe_result r = {.seq = i, .probe_id = i, .rtt = 100000};
        nb_vd_stamp_at(f->v, "slow", &r, now - (nb_ns)(29 - i) * S);
        nb_vd_stamp_at(f->v, "fast", &r, now - (nb_ns)(29 - i) * 150 * MS);
    }
    assert_int_equal(nb_vd_input_recent(f->v, nb_vd_find(f->v, "slow", false), now, now, 10, &start,
                                        &end, in),
                     0);
    /* 150 ms apart: 7 in the last second, so back to the 10th newest */
    assert_int_equal(nb_vd_input_recent(f->v, nb_vd_find(f->v, "fast", false), now, now, 10, &start,
                                        &end, in),
                     10);
    assert_true(end == now && start == now - 9 * 150 * MS);
    assert_int_equal(in->fabric.probes, 10);
    /* 5 wanted: the whole last second */
    assert_int_equal(nb_vd_input_recent(f->v, nb_vd_find(f->v, "fast", false), now, now, 5, &start,
                                        &end, in),
                     7);
    assert_true(start == now - S);
    free(in);
    vd_fix_free(f);
}

/* Targets are found by name among many (an index, not a scan), a peer and
 * an app target of the same name apart. */
static void test_find_among_many(void **state)
{
    (void)state;
    enum { N = 300 };
    char *json = nb_calloc(N, 96), name[16];
    size_t len = (size_t)sprintf(json, "{\"role\": \"host\", \"peers\": [");
    for (int i = 0; i < N; i++)
        len += (size_t)sprintf(json + len,
                               "%s{\"name\": \"f%d\", \"family\": \"fabric\", "
                               "\"address\": \"10.0.%d.%d\"}",
                               i ? "," : "", i, i / 256, i % 256);
    sprintf(json + len, "], \"app\": [{\"name\": \"f7\", \"url\": \"tcp://10.1.0.1:80\", "
                        "\"send\": \"x\", \"expect\": \"y\"}]}");
    struct vd_fix *f = vd_fix_new(false);
    vd_fix_verdicts(f, json);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        struct nb_vd_target *t = nb_vd_find(f->v, name, false);
        assert_non_null(t);
        assert_string_equal(t->name, name);
        assert_false(t->app);
    }
    struct nb_vd_target *a = nb_vd_find(f->v, "f7", true);
    assert_non_null(a);
    assert_true(a->app);
    assert_ptr_not_equal(a, nb_vd_find(f->v, "f7", false));
    assert_null(nb_vd_find(f->v, "f300", false));
    assert_null(nb_vd_find(f->v, "f8", true));
    assert_null(nb_vd_find(NULL, "f8", false));
    vd_fix_free(f);
    free(json);
}

/* Through the tick, four a second as the daemon's: a vnet peer's noisy
 * healthy results (heavy tail, bursts) for 60 s, then FAULT for 20 s, then
 * healthy for 40 s. The served verdict never names a layer while healthy,
 * names the fault (FAST TEST: NB_VD_FAST_ON short windows in a row) within
 * 2 s of results, clears it within 3 s of results after it ends, changes
 * only twice from the fault's onset on, and the baseline learns only as LEARNING says. */
static void run_ticks(struct vd_fix *f, enum kind fault)
{
    struct nb_vd_target *t = nb_vd_find(f->v, "v", false);
    nb_ns mono = 500 * S, rt = 1700000000 * S, q = 250 * MS;
    uint32_t seq = 0;
    uint64_t rng = 16;
    nb_ns last_learn = 0, last_named = 0;
    unsigned learnt = 0, changes = 0;
    uint64_t windows = 0;
    nb_ns named_at = 0, cleared_at = 0;
    enum nb_layer served_before = NB_LAYER__COUNT;
    for (int k = 1; k <= 480; k++) { /* 120 s */
        nb_ns now = mono + k * q;
        bool faulty = k > 240 && k <= 320;
        quarter_of_results(f->v, now, faulty ? fault : HEALTHY, &seq, &rng);
        nb_vd_tick_at(f->v, now, rt + k * q);
        enum nb_layer served = t->verdict.layer;
        if (k > 240 && served != served_before)
            changes++;
        served_before = served;
        if (!faulty && (k <= 240 || cleared_at)) /* healthy results, and after the clear */
            assert_true(served == NB_LAYER_HEALTHY || served == NB_LAYER_INCONCLUSIVE);
        if (faulty && served == NB_LAYER_VIRTUAL && !named_at)
            named_at = now;
        if (k > 320 && served == NB_LAYER_HEALTHY && named_at && !cleared_at)
            cleared_at = now;
        if (k == 300)
            assert_metric(f->v, "virtual", "local"); /* a vnet peer speaks for its own host */
        /* LEARNING: one window per window length, none in a fault's shadow */
        bool judged = t->windows != windows; /* the long window, this tick */
        windows = t->windows;
        bool names =
            (judged && t->raw.layer == NB_LAYER_VIRTUAL) || t->fast.layer == NB_LAYER_VIRTUAL;
        if (names)
            last_named = now;
        if (t->base.m[NB_BM_VNET_RTT].n != learnt) {
            assert_int_equal(t->base.m[NB_BM_VNET_RTT].n, learnt + 1);
            assert_false(names);
            assert_true(!last_learn || now - last_learn >= SPAN);
            assert_true(!last_named || now - last_named >= SPAN);
            learnt++;
            last_learn = now;
        }
    }
    nb_ns onset = mono + 240 * q, end = mono + 320 * q;
    assert_true(named_at > onset && named_at <= onset + 2 * S);
    assert_true(cleared_at > end && cleared_at <= end + 3 * S);
    assert_int_equal(changes, 2);
    assert_int_equal(t->verdict.layer, NB_LAYER_HEALTHY);
    assert_true(learnt >= 4);
    assert_int_equal(t->windows, 120); /* the long window once a second */
}

static void test_ticks_loss(void **state)
{
    run_ticks(*state, LOSSY);
}

static void test_ticks_delay(void **state)
{
    run_ticks(*state, SLOW);
}

/* The next tick's short window, the last second, judged FAST. */
static bool fast_at(struct nb_vd_target *t, const struct nb_verdict *fast, size_t n, nb_ns *m,
                    nb_ns *rt)
{
    *m += 250 * MS;
    *rt += 250 * MS;
    return nb_vd_fast(t, fast, n, *m - S, *m, *m, *rt);
}

/* The FAST TEST's rule on verdicts alone (nb_vd_fast): onset after
 * NB_VD_FAST_ON short windows in a row, broken by one inconclusive; a clear
 * after NB_VD_FAST_OFF healthy ones in a row, the long window restarting
 * where the first began; a fault only the long window named is not the
 * fast test's to clear; no short window (N = 0) leaves the long window in
 * charge. */
static void test_fast_rule(void **state)
{
    (void)state;
    struct nb_vd_target *t = nb_calloc(1, sizeof(*t));
    struct nb_verdict healthy = verdict(NB_LAYER_HEALTHY, NB_SIDE_NONE, 0.9);
    struct nb_verdict unsure = verdict(NB_LAYER_INCONCLUSIVE, NB_SIDE_NONE, 0);
    struct nb_verdict local = verdict(NB_LAYER_VIRTUAL, NB_SIDE_LOCAL, 0.8);
    struct nb_verdict remote = verdict(NB_LAYER_VIRTUAL, NB_SIDE_REMOTE, 0.8);
    nb_ns m = 100 * S, rt = 1000 * S, q = 250 * MS;

    /* no served verdict yet: the first is the long window's */
    assert_false(nb_vd_fast(t, &local, 20, m - S, m, m, rt));
    assert_true(nb_vd_publish(t, &healthy, rt));
    /* onset: interrupted by an inconclusive window, by the other side */
    for (unsigned k = 1; k < NB_VD_FAST_ON; k++)
        assert_false(fast_at(t, &local, 20, &m, &rt));
    assert_false(fast_at(t, &unsure, 20, &m, &rt));
    for (unsigned k = 1; k < NB_VD_FAST_ON; k++)
        assert_false(fast_at(t, &local, 20, &m, &rt));
    assert_false(fast_at(t, &remote, 20, &m, &rt));
    for (unsigned k = 1; k < NB_VD_FAST_ON; k++)
        assert_false(fast_at(t, &local, 20, &m, &rt));
    assert_int_equal(t->verdict.layer, NB_LAYER_HEALTHY);
    assert_true(fast_at(t, &local, 20, &m, &rt));
    assert_int_equal(t->verdict.where.side, NB_SIDE_LOCAL);
    assert_true(t->fast_named);
    assert_true(t->changed == rt);
    assert_true(t->last_named == m); /* nor learnt */
    assert_non_null(strstr(t->verdict.evidence[t->verdict.nevidence - 1], "fast test"));
    /* return: healthy windows in a row, broken by an inconclusive one */
    for (unsigned k = 1; k < NB_VD_FAST_OFF; k++)
        assert_false(fast_at(t, &healthy, 20, &m, &rt));
    assert_false(fast_at(t, &unsure, 20, &m, &rt));
    nb_ns first = m + q - S; /* the next window's start */
    for (unsigned k = 1; k < NB_VD_FAST_OFF; k++)
        assert_false(fast_at(t, &healthy, 20, &m, &rt));
    assert_int_equal(t->verdict.layer, NB_LAYER_VIRTUAL);
    assert_true(fast_at(t, &healthy, 20, &m, &rt));
    assert_int_equal(t->verdict.layer, NB_LAYER_HEALTHY);
    assert_false(t->fast_named);
    assert_true(t->since == first); /* the long window restarts there */
    /* a fault the long window named (a thin loss): healthy short windows
     * do not clear it; a short window naming it too makes it theirs */
    for (unsigned k = 0; k < NB_VERDICT_PERSIST; k++)
        nb_vd_publish(t, &remote, rt += S);
    assert_int_equal(t->verdict.where.side, NB_SIDE_REMOTE);
    for (unsigned k = 0; k < 4 * NB_VD_FAST_OFF; k++)
        assert_false(fast_at(t, &healthy, 20, &m, &rt));
    assert_int_equal(t->verdict.where.side, NB_SIDE_REMOTE);
    assert_false(fast_at(t, &remote, 20, &m, &rt));
    assert_true(t->fast_named);
    /* no short window (a slow peer): the long window is in charge again */
    assert_false(fast_at(t, &healthy, 0, &m, &rt));
    assert_false(t->fast_named);
    for (unsigned k = 0; k < 4 * NB_VD_FAST_OFF; k++)
        assert_false(fast_at(t, &healthy, 20, &m, &rt));
    assert_int_equal(t->verdict.where.side, NB_SIDE_REMOTE);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_sized_by_rate),
        cmocka_unit_test(test_find_among_many),
        cmocka_unit_test(test_learning_rule),
        cmocka_unit_test(test_persistence_rule),
        cmocka_unit_test(test_short_window),
        cmocka_unit_test(test_fast_rule),
        cmocka_unit_test(test_fast_join),
        cmocka_unit_test_setup_teardown(test_ticks_loss, setup, vd_fix_teardown),
        cmocka_unit_test_setup_teardown(test_ticks_delay, setup, vd_fix_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
