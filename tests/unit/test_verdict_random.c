/* test_verdict_random.c — the classifier's invariants on thousands of random
 * windows (a deterministic generator): confidences in [0, 1], a reason
 * exactly when inconclusive, findings ordered, the same input the same
 * bytes, and every verdict reached. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verdict_cases.h"

/* A deterministic generator for the invariant test (no libc rand: same
 * sequence everywhere). */
static uint64_t lcg(uint64_t *st)
{
    *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
    return *st >> 33;
}
static uint64_t upto(uint64_t *st, uint64_t n)
{
    return n ? lcg(st) % (n + 1) : 0;
}
static double latency(uint64_t *st)
{
    static const double scale[] = {1 * US, 30 * US, 300 * US, 3 * MS, 30 * MS};
    return scale[upto(st, 4)] * (1 + (double)upto(st, 1000) / 100.0);
}

static void random_waterfall(uint64_t *st, struct nb_waterfall *w)
{
    memset(w, 0, sizeof(*w));
    w->probes = upto(st, 300);
    w->lost = upto(st, w->probes);
    w->answered = w->probes - w->lost;
    w->lost_unlocated = upto(st, w->lost / 4);
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        struct nb_seg_figures *f = &w->seg[s];
        f->known = upto(st, 3) ? w->answered : upto(st, w->answered);
        f->p50 = latency(st);
        f->p90 = f->p50 * (1 + (double)upto(st, 10) / 10);
        f->p99 = f->p90 * (1 + (double)upto(st, 10) / 5);
        if (upto(st, 1)) { /* bounds, or none (old traces) */
            f->p50_lo = f->p50 * (double)upto(st, 10) / 10;
            f->p90_lo = f->p90 * (double)upto(st, 10) / 10;
        }
        f->lost = (unsigned)upto(st, w->lost / 3);
        f->lost_shared = (unsigned)(upto(st, 2) ? 0 : upto(st, w->lost / 2));
    }
}

static void random_family(uint64_t *st, struct nb_cls_family *f)
{
    f->present = upto(st, 1);
    f->probes = upto(st, 200);
    f->lost = upto(st, 3) ? upto(st, f->probes / 10) : upto(st, f->probes);
    f->rtt = (struct nb_cls_rtt){upto(st, 4) != 0, latency(st), 0, 0, 0, 0};
    f->rtt.p90 = f->rtt.p99 = f->rtt.p50 * 2;
}

static void random_window(uint64_t *st, struct nb_cls_input *in, struct nb_baseline *b)
{
    memset(in, 0, sizeof(*in));
    snprintf(in->target, sizeof(in->target), "t%llu", (unsigned long long)upto(st, 99));
    in->start = (nb_ns)upto(st, 1ULL << 40) * NB_NS_PER_SEC;
    in->end = in->start + NB_NS_PER_SEC;
    struct nb_cls_path *p = &in->path;
    p->present = upto(st, 3) != 0;
    p->local_agent = upto(st, 3) != 0;
    p->remote_agent = upto(st, 3) != 0;
    p->remote_agent_known = p->remote_agent || upto(st, 1);
    p->reflector = (enum nb_reflector_kind)upto(st, 2);
    p->rtt = (struct nb_cls_rtt){upto(st, 3) != 0, latency(st), 0, 0, 0, 0};
    random_waterfall(st, &p->wf);
    random_family(st, &in->vnet);
    random_family(st, &in->fabric);
    struct nb_cls_app *a = &in->app;
    a->present = upto(st, 1);
    a->probes = upto(st, 40);
    a->ok = a->probes;
    for (int f = 0; f < NB_AF__COUNT && a->ok; f++) {
        uint64_t k = upto(st, 4) ? 0 : upto(st, a->ok);
        a->fail[f] = k;
        a->ok -= k;
    }
    a->timeout_established = upto(st, a->fail[NB_AF_TIMEOUT] + 2);
    a->http_status = upto(st, 1) ? 503 : 0;
    a->have_connect = upto(st, 1);
    a->have_server = upto(st, 1);
    a->connect_p50 = latency(st);
    a->server_p50 = latency(st) * 10;
    a->server_n = upto(st, a->ok);
    a->server_p25 = a->server_p50 * (double)upto(st, 10) / 10;
    a->have_resolve = upto(st, 1);
    a->resolved = upto(st, a->ok);
    a->resolve_p50 = latency(st) * 10;
    a->resolve_p25 = a->resolve_p50 * (double)upto(st, 10) / 10;
    a->retrans = upto(st, a->probes);
    a->syn_retrans = upto(st, a->retrans);
    p->full_probes = upto(st, p->wf.probes);
    p->full_lost = upto(st, p->full_probes < p->wf.lost ? p->full_probes : p->wf.lost);
    a->have_handshake = upto(st, 1);
    a->hs_local_agent = upto(st, 1);
    a->hs_remote_agent = upto(st, 1);
    random_waterfall(st, &a->handshake);
    in->nlinks = upto(st, 6);
    for (size_t i = 0; i < in->nlinks; i++) {
        struct nb_cls_link *l = &in->links[i];
        l->side = (enum nb_side)upto(st, 2);
        snprintf(l->ifname, sizeof(l->ifname), "if%u", (unsigned)(i % 10));
        l->role = upto(st, 1) ? NB_IF_NIC : NB_IF_TAP;
        l->up = upto(st, 5) != 0;
        l->carrier = upto(st, 5) != 0;
        l->tx_dropped = upto(st, 2) ? 0 : upto(st, 1000);
        l->rx_errors = upto(st, 4) ? 0 : upto(st, 10);
        l->carrier_changes = upto(st, 4) ? 0 : upto(st, 3);
    }
    nb_baseline_init(b);
    for (int m = 0; m < NB_BM__COUNT; m++) {
        if (upto(st, 1))
            continue;
        struct nb_base_stat *bs = &b->m[m];
        bs->p50.median = latency(st);
        bs->p50.mad = bs->p50.median * (double)upto(st, 10) / 20;
        bs->p50.high = bs->p50.median + bs->p50.mad * (double)upto(st, 8);
        bs->n = (unsigned)upto(st, NB_BASE_RING);
        bs->tail_n = (unsigned)upto(st, bs->n);
        bs->p90.median = bs->p50.median * (1 + (double)upto(st, 20) / 4);
        bs->p90.mad = bs->p90.median * (double)upto(st, 10) / 20;
        bs->p90.high = bs->p90.median + bs->p90.mad * (double)upto(st, 8);
    }
}

static void test_invariants_on_random_windows(void **state)
{
    uint64_t st = 42;
    struct nb_baseline *b = calloc(1, sizeof(*b));
    struct nb_cls_input *in = calloc(1, sizeof(*in));
    struct nb_verdict *v = calloc(2, sizeof(*v));
    assert_non_null(b);
    assert_non_null(in);
    assert_non_null(v);
    unsigned seen[NB_LAYER__COUNT] = {0};
    for (int i = 0; i < 3000; i++) {
        random_window(&st, in, b);
        nb_classify(in, upto(&st, 1) ? b : NULL, NULL, &v[0]);
        nb_classify(in, NULL, NULL, &v[1]);
        nb_classify(in, NULL, NULL, &v[1]);
        const struct nb_verdict *x = &v[0];
        seen[x->layer]++;
        assert_true(x->confidence >= 0.0 && x->confidence <= 1.0);
        assert_int_equal(x->layer == NB_LAYER_INCONCLUSIVE, x->reason[0] != '\0');
        if (x->layer == NB_LAYER_INCONCLUSIVE)
            assert_true(x->confidence == 0.0);
        if (x->layer == NB_LAYER_HEALTHY)
            assert_int_equal(x->nfindings, 0);
        if (x->layer != NB_LAYER_HEALTHY && x->layer != NB_LAYER_INCONCLUSIVE) {
            assert_true(x->nfindings >= 1);
            assert_int_equal(x->findings[0].layer, x->layer);
            assert_true(x->findings[0].confidence == x->confidence);
        }
        assert_true(x->nfindings <= NB_CLS_MAX_FINDINGS);
        assert_true(x->nevidence <= NB_CLS_MAX_EVIDENCE);
        for (size_t k = 0; k < x->nfindings; k++) {
            assert_true(x->findings[k].confidence >= 0.0 && x->findings[k].confidence <= 1.0);
            assert_true(k == 0 || x->findings[k - 1].confidence >= x->findings[k].confidence);
            assert_true(strnlen(x->findings[k].summary, NB_CLS_TEXTSIZ) < NB_CLS_TEXTSIZ);
        }
        /* Same input, same output: v[1] was classified twice. */
        struct nb_verdict again;
        nb_classify(in, NULL, NULL, &again);
        assert_memory_equal(&again, &v[1], sizeof(again));
    }
    /* The generator reaches every verdict. */
    for (int l = 0; l < NB_LAYER__COUNT; l++)
        assert_true(seen[l] > 0);
    free(b);
    free(in);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invariants_on_random_windows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
