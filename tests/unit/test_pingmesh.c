/* test_pingmesh.c — the fabric peer rule (wire/pingmesh.c): how many peers it
 * gives for given fleet shapes (and for a 100,000-host fleet, printed: the
 * figure README quotes), that the same fleet in another order gives the same
 * peers, that no host probes itself or a peer twice, and coverage: every
 * host is probed by some other host, and every host of a ToR (of a pod) by
 * some host of each other ToR of its pod (of each other pod) when the
 * prober group is large enough for it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netblame/mem.h"
#include "wire/pingmesh.h"

/* PODS pods of TORS ToRs; ToR t of every pod has SIZE(t) hosts. */
static void make_fleet(struct nb_fleet *f, unsigned pods, unsigned tors,
                       unsigned (*size)(unsigned tor), unsigned per)
{
    size_t n = 0;
    for (unsigned t = 0; t < tors; t++)
        n += size ? size(t) : per;
    n *= pods;
    f->hosts = nb_calloc(n, sizeof(*f->hosts));
    f->n = 0;
    for (unsigned p = 0; p < pods; p++)
        for (unsigned t = 0; t < tors; t++)
            for (unsigned h = 0; h < (size ? size(t) : per); h++) {
                struct nb_fleet_host *x = &f->hosts[f->n];
                size_t i = f->n++;
                snprintf(x->name, sizeof(x->name), "p%03u-t%02u-h%02u", p, t, h);
                snprintf(x->addr, sizeof(x->addr), "198.%zu.%zu.%zu", 18 + (i >> 16),
                         (i >> 8) & 255, i & 255);
                snprintf(x->tor, sizeof(x->tor), "p%03u-t%02u", p, t);
                snprintf(x->pod, sizeof(x->pod), "p%03u", p);
            }
}

static size_t select_of(const struct nb_fleet *f, size_t self, unsigned per_tor, unsigned per_pod,
                        size_t *out, struct nb_pingmesh_count *c)
{
    struct nb_pingmesh_rule r = {per_tor, per_pod};
    return nb_pingmesh_select(f, self, &r, out, c);
}

static void test_counts(void **state)
{
    (void)state;
    struct nb_fleet f;
    struct nb_pingmesh_count c;
    size_t *out;

    make_fleet(&f, 1, 1, NULL, 40); /* one ToR: a full mesh */
    out = nb_calloc(f.n, sizeof(*out));
    assert_int_equal(select_of(&f, 7, 2, 2, out, &c), 39);
    assert_int_equal(c.tor, 39);
    free(out);
    nb_fleet_free(&f);

    make_fleet(&f, 1, 25, NULL, 40); /* one pod */
    out = nb_calloc(f.n, sizeof(*out));
    assert_int_equal(select_of(&f, 500, 2, 2, out, &c), 39 + 24 * 2);
    assert_int_equal(c.pod, 48);
    assert_int_equal(c.dc, 0);
    assert_int_equal(select_of(&f, 500, 0, 2, out, &c), 39);
    assert_int_equal(select_of(&f, 500, 40, 2, out, &c), 999);   /* everyone */
    assert_int_equal(select_of(&f, 500, 1000, 2, out, &c), 999); /* at most the whole ToR */
    free(out);
    nb_fleet_free(&f);

    make_fleet(&f, 3, 2, NULL, 1); /* ToRs of one host, three pods */
    out = nb_calloc(f.n, sizeof(*out));
    assert_int_equal(select_of(&f, 0, 2, 2, out, &c), 0 + 1 + 2 * 2);
    assert_int_equal(c.tor, 0);
    free(out);
    nb_fleet_free(&f);

    make_fleet(&f, 1, 1, NULL, 1); /* alone: nobody to probe */
    out = nb_calloc(f.n, sizeof(*out));
    assert_int_equal(select_of(&f, 0, 2, 2, out, &c), 0);
    assert_int_equal(select_of(&f, 1, 2, 2, out, &c), 0); /* not a host of the fleet */
    free(out);
    nb_fleet_free(&f);
}

/* The figure README and pingmesh.c quote: computed on the fleet, not by hand. */
static void test_100k_fleet(void **state)
{
    (void)state;
    struct nb_fleet f;
    struct nb_pingmesh_count c;
    size_t *out, k, self;

    make_fleet(&f, 100, 25, NULL, 40);
    assert_int_equal(f.n, 100000);
    out = nb_calloc(f.n, sizeof(*out));
    self = 51234; /* any host: the count is the same for all in a regular fleet */
    k = select_of(&f, self, 2, 2, out, &c);
    printf("pingmesh: 100000 hosts (100 pods x 25 ToRs x 40 hosts), per_tor 2, per_pod 2: "
           "%zu peers per host (%zu in its ToR, %zu in its pod's other ToRs, %zu in other "
           "pods)\n",
           k, c.tor, c.pod, c.dc);
    assert_int_equal(k, 285);
    assert_int_equal(c.tor, 39);
    assert_int_equal(c.pod, 48);
    assert_int_equal(c.dc, 198);
    k = select_of(&f, self, 1, 1, out, &c);
    printf("pingmesh: same fleet, per_tor 1, per_pod 1: %zu peers per host\n", k);
    assert_int_equal(k, 162);
    free(out);
    nb_fleet_free(&f);
}

static int by_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of host SELF's peers, sorted, into NAMES (newline-joined). */
static void peer_names(const struct nb_fleet *f, size_t self, char *names, size_t cap)
{
    size_t *out = nb_calloc(f->n, sizeof(*out)), k = select_of(f, self, 2, 1, out, NULL);
    char **v = nb_calloc(k + 1, sizeof(*v));
    names[0] = '\0';
    for (size_t i = 0; i < k; i++)
        v[i] = (char *)f->hosts[out[i]].name;
    qsort(v, k, sizeof(*v), by_str);
    for (size_t i = 0; i < k; i++) {
        strncat(names, v[i], cap - strlen(names) - 2);
        strcat(names, "\n");
    }
    free(v);
    free(out);
}

static unsigned odd_size(unsigned tor)
{
    return 1 + (tor * 5) % 7; /* 1, 6, 4, 2, 7, 5, 3, ... */
}

static void test_same_fleet_any_order_same_peers(void **state)
{
    (void)state;
    struct nb_fleet f, g;
    static char a[65536], b[65536];

    make_fleet(&f, 4, 6, odd_size, 0);
    make_fleet(&g, 4, 6, odd_size, 0);
    srand(16);
    for (size_t i = g.n - 1; i > 0; i--) { /* shuffle */
        size_t j = (size_t)rand() % (i + 1);
        struct nb_fleet_host t = g.hosts[i];
        g.hosts[i] = g.hosts[j];
        g.hosts[j] = t;
    }
    for (size_t i = 0; i < f.n; i++) {
        peer_names(&f, i, a, sizeof(a));
        peer_names(&g, nb_fleet_find(&g, f.hosts[i].name), b, sizeof(b));
        assert_string_equal(a, b);
        peer_names(&f, i, b, sizeof(b)); /* and again: no hidden state */
        assert_string_equal(a, b);
    }
    nb_fleet_free(&f);
    nb_fleet_free(&g);
}

/* Is Q probed by some host of group G (hosts whose FIELD equals VALUE)? */
static bool probed_from(const struct nb_fleet *f, char *const *peers_of, size_t q, size_t off,
                        const char *value)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp((const char *)&f->hosts[i] + off, value) == 0 && peers_of[i][q])
            return true;
    return false;
}

/* Every host of F under PER_TOR and PER_POD: no self, no repeats, and the
 * coverage rules. */
static void check_coverage(const struct nb_fleet *f, unsigned per_tor, unsigned per_pod)
{
    char **peers_of = nb_calloc(f->n, sizeof(*peers_of)); /* [i][j]: i probes j */
    size_t *out = nb_calloc(f->n, sizeof(*out)), *sorted = nb_calloc(f->n, sizeof(*sorted));
    size_t *tor_n = nb_calloc(f->n, sizeof(*tor_n)), *pod_n = nb_calloc(f->n, sizeof(*pod_n));

    for (size_t i = 0; i < f->n; i++) {
        size_t k = select_of(f, i, per_tor, per_pod, out, NULL);
        peers_of[i] = nb_calloc(f->n, 1);
        memcpy(sorted, out, k * sizeof(*out));
        qsort(sorted, k, sizeof(*sorted), by_size);
        for (size_t j = 0; j < k; j++) {
            assert_true(sorted[j] != i);
            assert_true(j == 0 || sorted[j] != sorted[j - 1]);
            peers_of[i][sorted[j]] = 1;
        }
        for (size_t j = 0; j < f->n; j++) {
            tor_n[i] += strcmp(f->hosts[j].tor, f->hosts[i].tor) == 0;
            pod_n[i] += strcmp(f->hosts[j].pod, f->hosts[i].pod) == 0;
        }
    }
    for (size_t q = 0; q < f->n; q++) {
        bool any = false;
        for (size_t i = 0; i < f->n; i++)
            any = any || peers_of[i][q];
        assert_true(any || f->n == 1);
        /* from each other ToR A of its pod with |A| * per_tor >= |Q's ToR|; from
         * each other pod P with |P| * per_pod >= |Q's pod| */
        for (size_t a = 0; a < f->n; a++) {
            const struct nb_fleet_host *ha = &f->hosts[a], *hq = &f->hosts[q];
            if (strcmp(ha->pod, hq->pod) == 0 && strcmp(ha->tor, hq->tor) != 0 &&
                tor_n[a] * per_tor >= tor_n[q] &&
                !probed_from(f, peers_of, q, offsetof(struct nb_fleet_host, tor), ha->tor)) {
                print_error("%s is probed by no host of ToR %s\n", hq->name, ha->tor);
                fail();
            }
            if (strcmp(ha->pod, hq->pod) != 0 && pod_n[a] * per_pod >= pod_n[q] &&
                !probed_from(f, peers_of, q, offsetof(struct nb_fleet_host, pod), ha->pod)) {
                print_error("%s is probed by no host of pod %s\n", hq->name, ha->pod);
                fail();
            }
        }
    }
    for (size_t i = 0; i < f->n; i++)
        free(peers_of[i]);
    free(peers_of);
    free(out);
    free(sorted);
    free(tor_n);
    free(pod_n);
}

static void test_coverage_regular(void **state)
{
    (void)state;
    struct nb_fleet f;
    make_fleet(&f, 4, 5, NULL, 6);
    check_coverage(&f, 1, 1);
    check_coverage(&f, 2, 2);
    check_coverage(&f, 0, 1);
    nb_fleet_free(&f);
}

static void test_coverage_irregular(void **state)
{
    (void)state;
    struct nb_fleet f;
    make_fleet(&f, 3, 7, odd_size, 0); /* ToRs of 1..7 hosts */
    check_coverage(&f, 1, 1);
    check_coverage(&f, 2, 1);
    nb_fleet_free(&f);
    make_fleet(&f, 5, 1, NULL, 1); /* one host per pod: only the pod level */
    check_coverage(&f, 1, 1);
    nb_fleet_free(&f);
}

/* The hosts of a ToR are probed evenly from another ToR of the same size,
 * not all by the same few: with per_tor 1 each is probed exactly once. */
static void test_spread(void **state)
{
    (void)state;
    struct nb_fleet f;
    size_t *out, hits[40] = {0};

    make_fleet(&f, 1, 2, NULL, 40);
    out = nb_calloc(f.n, sizeof(*out));
    for (size_t i = 0; i < 40; i++) { /* ToR 0 probing ToR 1 */
        size_t k = select_of(&f, i, 1, 0, out, NULL);
        assert_int_equal(k, 40);
        assert_true(out[39] >= 40);
        hits[out[39] - 40]++;
    }
    for (size_t j = 0; j < 40; j++)
        assert_int_equal(hits[j], 1);
    free(out);
    nb_fleet_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_100k_fleet),
        cmocka_unit_test(test_same_fleet_any_order_same_peers),
        cmocka_unit_test(test_coverage_regular),
        cmocka_unit_test(test_coverage_irregular),
        cmocka_unit_test(test_spread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
