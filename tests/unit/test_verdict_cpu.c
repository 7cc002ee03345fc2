/* test_verdict_cpu.c — rule 4b of the classifier (verdict_cpu.c): CPU
 * contention on handcrafted windows. A slow virtual segment on the side whose
 * forwarding thread waited cites that thread and gains confidence; the
 * same contention with no symptom is evidence, never a finding; contention
 * on the other side corroborates nothing; each threshold is where it says;
 * old windows (no CPU figures) classify exactly as before. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "netblame/verdict.h"

#define US 1e3
#define MS 1e6

/* A healthy window of 100 path probes, every segment measured. */
static void healthy(struct nb_cls_input *in)
{
    static const double idle[NB_SEG__COUNT] = {40 * US, 8 * US, 60 * US, 8 * US, 42 * US, 15 * US};
    memset(in, 0, sizeof(*in));
    snprintf(in->target, sizeof(in->target), "%s", "gB");
    in->start = 1700000000LL * NB_NS_PER_SEC;
    in->end = in->start + 2 * NB_NS_PER_SEC;
    snprintf(in->local_host, sizeof(in->local_host), "%s", "hA");
    snprintf(in->remote_host, sizeof(in->remote_host), "%s", "hB");
    struct nb_cls_path *p = &in->path;
    p->present = p->local_agent = p->remote_agent = p->remote_agent_known = true;
    p->reflector = NB_REFL_NETBLAME;
    p->rtt = (struct nb_cls_rtt){true, 180 * US, 230 * US, 300 * US, 0, 0};
    struct nb_waterfall *w = &p->wf;
    w->probes = w->answered = 100;
    for (int s = 0; s < NB_SEG__COUNT; s++) {
        w->seg[s].known = 100;
        w->seg[s].p50 = idle[s];
        w->seg[s].p90 = idle[s] * 1.2;
        w->seg[s].p99 = idle[s] * 1.6;
    }
}

static void slow(struct nb_cls_input *in, int s, double p50)
{
    struct nb_seg_figures *f = &in->path.wf.seg[s];
    in->path.rtt.p50 += p50 - f->p50;
    f->p50 = p50;
    f->p90 = p50 * 1.2;
    f->p99 = p50 * 1.6;
}

/* The tap's forwarding thread TID of process PID waited WAIT of the window. */
static void starved(struct nb_cls_cpu *c, const char *thread, int tid, const char *owner, int pid,
                    const char *tap, double wait)
{
    c->thread = true;
    c->thread_wait = wait;
    snprintf(c->thread_name, sizeof(c->thread_name), "%s", thread);
    c->thread_tid = tid;
    snprintf(c->owner_name, sizeof(c->owner_name), "%s", owner);
    c->owner_pid = pid;
    snprintf(c->tap, sizeof(c->tap), "%s", tap);
}

static void pressure(struct nb_cls_cpu *c, double some, double avg10)
{
    c->pressure = true;
    c->pressure_some = some;
    c->pressure_avg10 = avg10;
}

static bool has_evidence(const struct nb_verdict *v, const char *needle)
{
    for (size_t i = 0; i < v->nevidence; i++)
        if (strstr(v->evidence[i], needle))
            return true;
    return false;
}

static void print_verdict(const struct nb_verdict *v)
{
    printf("  %s/%s %.3f\n", nb_layer_name(v->layer), nb_side_name(v->where.side), v->confidence);
    for (size_t i = 0; i < v->nfindings; i++)
        printf("  finding: %s\n", v->findings[i].summary);
    for (size_t i = 0; i < v->nevidence; i++)
        printf("  evidence: %s\n", v->evidence[i]);
}

/* A slow local virtual segment, its stand-in starved: the verdict cites the
 * thread, its wait share and the host's pressure, and is more confident
 * than without them. */
static void test_starved_forwarder_corroborates(void **state)
{
    (void)state;
    struct nb_cls_input in;
    struct nb_verdict plain, v;
    healthy(&in);
    slow(&in, NB_SEG_LOCAL_VIRTUAL, 3 * MS);
    nb_classify(&in, NULL, NULL, &plain);
    assert_int_equal(plain.layer, NB_LAYER_VIRTUAL);
    assert_int_equal(plain.where.side, NB_SIDE_LOCAL);

    starved(&in.cpu_local, "nb-standin", 4242, "nb-standin", 4242, "vnetA", 0.92);
    pressure(&in.cpu_local, 0.10, 10.16);
    nb_classify(&in, NULL, NULL, &v);
    print_verdict(&v);
    assert_int_equal(v.layer, NB_LAYER_VIRTUAL);
    assert_int_equal(v.where.side, NB_SIDE_LOCAL);
    assert_true(v.confidence > plain.confidence);
    assert_true(has_evidence(&v, "CPU contention on the local host hA: nb-standin[4242] "
                                 "(forwards tap vnetA) waited 92 % of the window to run; "
                                 "CPU pressure some 10 % of the window (avg10 10.2 %)"));
    assert_non_null(strstr(v.findings[0].summary, "nb-standin[4242] waited 92 % of the window"));
    assert_int_equal(v.findings[0].segment, NB_SEG_LOCAL_VIRTUAL);
}

/* A QEMU thread of another name than its process, on the remote side: the
 * remote finding names it with its process. */
static void test_remote_qemu_thread(void **state)
{
    (void)state;
    struct nb_cls_input in;
    struct nb_verdict v;
    healthy(&in);
    slow(&in, NB_SEG_REMOTE_VIRTUAL, 5 * MS);
    starved(&in.cpu_remote, "CPU 0/TCG", 5001, "qemu-system-x86", 5000, "vnetB", 0.38);
    pressure(&in.cpu_remote, 0.41, 41.0);
    nb_classify(&in, NULL, NULL, &v);
    print_verdict(&v);
    assert_int_equal(v.layer, NB_LAYER_VIRTUAL);
    assert_int_equal(v.where.side, NB_SIDE_REMOTE);
    assert_true(has_evidence(&v, "CPU contention on the remote host hB: CPU 0/TCG[5001] of "
                                 "qemu-system-x86[5000] (forwards tap vnetB) waited 38 %"));
    assert_true(has_evidence(&v, "CPU pressure some 41 % of the window (avg10 41.0 %)"));
    assert_non_null(strstr(v.findings[0].summary, "CPU 0/TCG[5001] of qemu-system-x86[5000]"));
}

/* A slow local virtual segment whose host agent may not read its taps'
 * owners: the verdict says the forwarding threads' wait is unknown (not
 * "no contention"); a healthy path, or a denial on the other side, says
 * nothing of it. */
static void test_owners_denied_is_said(void **state)
{
    (void)state;
    struct nb_cls_input in;
    struct nb_verdict v;
    const char *said = "the local host agent on hA may not read its taps' owners";
    healthy(&in);
    in.cpu_local.owners_denied = true;
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_HEALTHY);
    assert_false(has_evidence(&v, "may not read"));
    slow(&in, NB_SEG_LOCAL_VIRTUAL, 3 * MS);
    nb_classify(&in, NULL, NULL, &v);
    print_verdict(&v);
    assert_int_equal(v.layer, NB_LAYER_VIRTUAL);
    assert_int_equal(v.where.side, NB_SIDE_LOCAL);
    assert_true(has_evidence(&v, said));
    in.cpu_local.owners_denied = false;
    in.cpu_remote.owners_denied = true;
    nb_classify(&in, NULL, NULL, &v);
    assert_false(has_evidence(&v, "may not read"));
}

/* Contention with every segment healthy: evidence, no finding, healthy. */
static void test_contention_without_symptom_is_no_finding(void **state)
{
    (void)state;
    struct nb_cls_input in;
    struct nb_verdict v;
    healthy(&in);
    starved(&in.cpu_local, "vhost-4242", 4250, "qemu-system-x86", 4242, "vnetA", 0.95);
    pressure(&in.cpu_local, 0.90, 88.0);
    in.cpu_local.steal = true;
    in.cpu_local.steal_share = 0.5;
    pressure(&in.cpu_remote, 0.90, 88.0);
    nb_classify(&in, NULL, NULL, &v);
    print_verdict(&v);
    assert_int_equal(v.layer, NB_LAYER_HEALTHY);
    assert_int_equal(v.nfindings, 0);
    assert_true(has_evidence(&v, "CPU contention on the local host hA: vhost-4242[4250] of "
                                 "qemu-system-x86[4242]"));
    assert_true(has_evidence(&v, "this guest's steal time 50 % of its CPU time"));
    assert_true(has_evidence(&v, "CPU contention on the remote host hB: CPU pressure some 90 %"));
}

/* The symptom is remote, the contention local: the remote finding gains
 * nothing and names no local thread. */
static void test_other_side_corroborates_nothing(void **state)
{
    (void)state;
    struct nb_cls_input in;
    struct nb_verdict plain, v;
    healthy(&in);
    slow(&in, NB_SEG_REMOTE_VIRTUAL, 3 * MS);
    nb_classify(&in, NULL, NULL, &plain);
    starved(&in.cpu_local, "nb-standin", 4242, "nb-standin", 4242, "vnetA", 0.92);
    nb_classify(&in, NULL, NULL, &v);
    print_verdict(&v);
    assert_int_equal(v.layer, NB_LAYER_VIRTUAL);
    assert_int_equal(v.where.side, NB_SIDE_REMOTE);
    assert_true(v.confidence == plain.confidence);
    assert_null(strstr(v.findings[0].summary, "nb-standin"));
    assert_true(has_evidence(&v, "CPU contention on the local host hA"));
    /* and a physical finding is never corroborated by a host's CPU */
    healthy(&in);
    slow(&in, NB_SEG_PHYSICAL, 3 * MS);
    nb_classify(&in, NULL, NULL, &plain);
    starved(&in.cpu_local, "nb-standin", 4242, "nb-standin", 4242, "vnetA", 0.92);
    starved(&in.cpu_remote, "nb-standin", 4343, "nb-standin", 4343, "vnetB", 0.92);
    nb_classify(&in, NULL, NULL, &v);
    assert_int_equal(v.layer, NB_LAYER_PHYSICAL);
    assert_true(v.confidence == plain.confidence);
}

/* Under every threshold: no sentence at all; at a threshold: contended.
 * Thresholds come from nb_cls_thresholds. */
static void test_thresholds(void **state)
{
    (void)state;
    struct nb_cls_input in;
    struct nb_verdict v;
    struct nb_cls_thresholds th;
    nb_cls_thresholds_default(&th);
    assert_true(th.cpu_wait_share == 0.10 && th.cpu_pressure_share == 0.10 &&
                th.cpu_steal_share == 0.10);
    healthy(&in);
    slow(&in, NB_SEG_LOCAL_VIRTUAL, 3 * MS);
    starved(&in.cpu_local, "nb-standin", 4242, "nb-standin", 4242, "vnetA", 0.099);
    pressure(&in.cpu_local, 0.099, 9.9);
    in.cpu_local.steal = true;
    in.cpu_local.steal_share = 0.099;
    nb_classify(&in, NULL, &th, &v);
    assert_false(has_evidence(&v, "CPU contention"));
    assert_null(strstr(v.findings[0].summary, "waited"));

    in.cpu_local.thread_wait = 0.10;
    nb_classify(&in, NULL, &th, &v);
    assert_true(has_evidence(&v, "waited 10 % of the window to run; CPU pressure some 9.9 % of the "
                                 "window (avg10 9.9 %); this guest's steal time 9.9 %"));
    assert_non_null(strstr(v.findings[0].summary, "nb-standin[4242] waited 10 %"));

    /* host-wide pressure alone: evidence, but no corroboration (any task on
     * the host counts in it, another guest's too) */
    struct nb_verdict plain;
    in.cpu_local.thread = false;
    in.cpu_local.steal = false;
    nb_classify(&in, NULL, &th, &plain);
    in.cpu_local.pressure_some = 0.95;
    nb_classify(&in, NULL, &th, &v);
    assert_true(has_evidence(&v, "CPU contention on the local host hA: CPU pressure some 95 %"));
    assert_true(v.confidence == plain.confidence);
    assert_null(strstr(v.findings[0].summary, "pressure"));
    /* the thread's figure under its threshold does not corroborate either */
    starved(&in.cpu_local, "nb-standin", 4242, "nb-standin", 4242, "vnetA", 0.05);
    nb_classify(&in, NULL, &th, &v);
    assert_true(has_evidence(&v, "nb-standin[4242] (forwards tap vnetA) waited 5.0 %"));
    assert_true(v.confidence == plain.confidence);
    in.cpu_local.thread = false;
    in.cpu_local.steal = true;

    /* and steal alone */
    in.cpu_local.pressure = false;
    in.cpu_local.steal_share = 0.3;
    nb_classify(&in, NULL, &th, &v);
    assert_non_null(strstr(v.findings[0].summary, "guest steal time 30 %"));

    /* a stricter configuration: 50 % of the window */
    th.cpu_steal_share = 0.5;
    nb_classify(&in, NULL, &th, &v);
    assert_false(has_evidence(&v, "CPU contention"));
}

/* The vnet family is a probe-measured symptom of the local virtual layer too;
 * link counters alone are not (a counters-only finding stays capped). */
static void test_symptom_sources(void **state)
{
    (void)state;
    struct nb_cls_input in;
    struct nb_verdict v;
    memset(&in, 0, sizeof(in));
    snprintf(in.target, sizeof(in.target), "hA");
    snprintf(in.local_host, sizeof(in.local_host), "hA");
    in.vnet.present = true;
    in.vnet.probes = 100;
    in.vnet.rtt = (struct nb_cls_rtt){true, 8 * MS, 9 * MS, 12 * MS, 0, 0};
    starved(&in.cpu_local, "nb-standin", 4242, "nb-standin", 4242, "vnetA", 0.6);
    nb_classify(&in, NULL, NULL, &v);
    print_verdict(&v);
    assert_int_equal(v.layer, NB_LAYER_VIRTUAL);
    assert_int_equal(v.where.side, NB_SIDE_LOCAL);
    assert_non_null(strstr(v.findings[0].summary, "nb-standin[4242] waited 60 %"));

    /* tap drops with a healthy path: counters alone, capped, not corroborated */
    healthy(&in);
    struct nb_cls_link *l = &in.links[in.nlinks++];
    l->side = NB_SIDE_LOCAL;
    snprintf(l->ifname, sizeof(l->ifname), "vnetA");
    l->role = NB_IF_TAP;
    l->up = l->carrier = true;
    l->tx_dropped = 400;
    starved(&in.cpu_local, "nb-standin", 4242, "nb-standin", 4242, "vnetA", 0.6);
    nb_classify(&in, NULL, NULL, &v);
    print_verdict(&v);
    struct nb_cls_thresholds th;
    nb_cls_thresholds_default(&th);
    for (size_t i = 0; i < v.nfindings; i++) {
        assert_true(v.findings[i].confidence <= th.link_only_cap);
        assert_null(strstr(v.findings[i].summary, "waited"));
    }
}

/* A window without CPU figures classifies byte for byte as it did. */
static void test_absent_is_neutral(void **state)
{
    (void)state;
    struct nb_cls_input in;
    struct nb_verdict a, b;
    healthy(&in);
    slow(&in, NB_SEG_LOCAL_VIRTUAL, 3 * MS);
    nb_classify(&in, NULL, NULL, &a);
    memset(&in.cpu_local, 0, sizeof(in.cpu_local));
    memset(&in.cpu_remote, 0, sizeof(in.cpu_remote));
    nb_classify(&in, NULL, NULL, &b);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_false(has_evidence(&a, "CPU"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_starved_forwarder_corroborates),
        cmocka_unit_test(test_remote_qemu_thread),
        cmocka_unit_test(test_owners_denied_is_said),
        cmocka_unit_test(test_contention_without_symptom_is_no_finding),
        cmocka_unit_test(test_other_side_corroborates_nothing),
        cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_symptom_sources),
        cmocka_unit_test(test_absent_is_neutral),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
