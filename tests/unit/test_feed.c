/* test_feed.c — a host agent followed from the daemon's loop (feed.c)
 * against a stand-in agent: the real control API server (api.c) on the
 * loopback, on the same loop, serving GET /v1/sightings from a real
 * sightings table, and /v1/links, /v1/cpu, /v1/windows from figures the
 * test sets. A round reads every page of this session's sightings (a full
 * page asks again at once) and each sighting once; COVERAGE is the round's
 * start less the grace; an agent that does not answer, or answers garbage,
 * is not ok and leaves the coverage where it was; link deltas count only
 * the taps this session was sighted on (and NICs); CPU contention is the
 * sighted tap's thread's wait over the agent's own clock; the fabric window
 * wanted is the one toward that peer. No sleeps: the loop runs until the
 * round is over (nb_feed_busy), bounded by a guard timer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/feed.h"
#include "net/http.h"
#include "netblame/mem.h"

#include "standin_agent.h"

#define S NB_NS_PER_SEC
#define SESSION 0x0badcafeu

struct fix {
    struct ev_loop *loop;
    struct nb_http *http;
    struct standin agent;
    uint64_t got;       /* sightings delivered */
    uint64_t got_other; /* of them, not of SESSION */
};

static int setup(void **state)
{
    struct fix *f = nb_calloc(1, sizeof(*f));
    char err[256];
    f->loop = ev_loop_new(EVFLAG_AUTO);
    standin_start(&f->agent, f->loop);
    f->http = nb_http_new(f->loop, err, sizeof(err));
    assert_non_null(f->http);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    nb_http_free(f->http);
    standin_stop(&f->agent);
    ev_loop_destroy(f->loop);
    free(f);
    return 0;
}

static void on_sighting(void *arg, const struct nb_sighting *s)
{
    struct fix *f = arg;
    f->got++;
    f->got_other += (uint32_t)(s->probe_id >> 32) != SESSION;
}

/* N sightings of SESSION's probes FIRST.., seen on the tap going out to the
 * NIC (and one of another session's each time). */
static void sight(struct fix *f, uint32_t first, uint32_t n)
{
    for (uint32_t i = first; i < first + n; i++) {
        struct nb_sighting s = {.probe_id = (uint64_t)SESSION << 32 | i,
                                .ts = 1700000000 * S + i,
                                .kind = NB_PKT_TEST,
                                .role = i % 2 ? NB_IF_NIC : NB_IF_TAP,
                                .dir = i % 2 ? NB_DIR_OUT : NB_DIR_IN};
        snprintf(s.ifname, sizeof(s.ifname), "%s", i % 2 ? "eth0" : "vnetA");
        nb_sightings_add(f->agent.table, &s);
    }
    struct nb_sighting other = {.probe_id = (uint64_t)0x11111111 << 32 | first, .role = NB_IF_TAP};
    snprintf(other.ifname, sizeof(other.ifname), "vnetB");
    nb_sightings_add(f->agent.table, &other);
}

/* One round of FEED started at NOW, to its end. */
static void round_at(struct fix *f, struct nb_feed *feed, nb_ns now)
{
    nb_feed_poll(feed, now);
    standin_run(f->loop, &feed, 1);
}

static struct nb_feed *follow(struct fix *f, uint16_t port)
{
    return nb_feed_new(f->http, "127.0.0.1", port, SESSION, on_sighting, f);
}

static void test_pages_once_each(void **state)
{
    struct fix *f = *state;
    struct nb_feed *feed = follow(f, nb_api_port(f->agent.api));
    assert_false(nb_feed_ok(feed));
    assert_true(nb_feed_covered(feed) == 0);
    sight(f, 0, NB_SIGHTINGS_PAGE_MAX + 904); /* a full page and some */
    round_at(f, feed, 100 * S);
    assert_int_equal(f->agent.pages, 2); /* the full page asked again at once */
    assert_int_equal(f->got, NB_SIGHTINGS_PAGE_MAX + 904);
    assert_int_equal(f->got_other, 0);
    assert_true(nb_feed_ok(feed));
    assert_true(nb_feed_covered(feed) == 100 * S - NB_FEED_GRACE);

    sight(f, NB_SIGHTINGS_PAGE_MAX + 904, 10); /* the next round reads only what is new */
    round_at(f, feed, 101 * S);
    assert_int_equal(f->agent.pages, 3);
    assert_int_equal(f->got, NB_SIGHTINGS_PAGE_MAX + 914);
    assert_true(nb_feed_covered(feed) == 101 * S - NB_FEED_GRACE);
    nb_feed_free(feed);
}

static void test_agent_failing(void **state)
{
    struct fix *f = *state;
    sight(f, 0, 5);
    struct nb_feed *feed = follow(f, nb_api_port(f->agent.api));
    round_at(f, feed, 100 * S);
    assert_true(nb_feed_ok(feed));
    f->agent.garbage = true; /* an answer that is no page */
    round_at(f, feed, 101 * S);
    assert_false(nb_feed_ok(feed));
    assert_true(nb_feed_covered(feed) == 100 * S - NB_FEED_GRACE); /* where it was */
    f->agent.garbage = false;
    round_at(f, feed, 102 * S);
    assert_true(nb_feed_ok(feed));
    assert_int_equal(f->got, 5);
    nb_feed_free(feed);

    /* an agent that is not there */
    char err[256];
    struct nb_api *gone =
        nb_api_start(f->loop, "127.0.0.1", 0, &(struct nb_api_sec){0}, standin_routes, 4, NULL, err, sizeof(err));
    assert_non_null(gone);
    uint16_t port = nb_api_port(gone);
    nb_api_stop(gone);
    feed = follow(f, port);
    round_at(f, feed, 100 * S);
    assert_false(nb_feed_ok(feed));
    assert_true(nb_feed_covered(feed) == 0);
    struct nb_cls_link l[NB_CLS_MAX_LINKS];
    size_t n = 0;
    nb_feed_links(feed, 0, 1, l, &n, NB_CLS_MAX_LINKS);
    assert_int_equal(n, 0);
    nb_feed_free(feed);
}

static void test_links_and_cpu_of_this_path(void **state)
{
    struct fix *f = *state;
    struct nb_feed *feed = follow(f, nb_api_port(f->agent.api));
    sight(f, 0, 4);
    round_at(f, feed, 100 * S);
    struct nb_cls_link l[NB_CLS_MAX_LINKS];
    struct nb_cls_cpu cpu;
    memset(&cpu, 0, sizeof(cpu));
    size_t n = 0;
    nb_feed_links(feed, 0, 1, l, &n, NB_CLS_MAX_LINKS);
    assert_int_equal(n, 0); /* one snapshot, nothing down: nothing moved */
    nb_feed_cpu(feed, 0, &cpu);
    assert_false(cpu.thread); /* one CPU sample is no window */

    /* a second later, on the agent's clock: drops on both taps, errors on the NIC */
    f->agent.links[0].c.rx_errors = 2;
    f->agent.links[1].c.tx_dropped = 5;
    f->agent.links[2].c.rx_dropped = 7;
    f->agent.cpu.mono = 11 * S;
    f->agent.th[0].wait_ns = 1 * S + 400000000; /* 40 % of the second */
    f->agent.th[1].wait_ns = 1 * S;             /* 100 %, another guest's */
    round_at(f, feed, 101 * S);
    n = 0;
    nb_feed_links(feed, 0, 1, l, &n, NB_CLS_MAX_LINKS);
    assert_int_equal(n, 2);
    assert_string_equal(l[0].ifname, "eth0");
    assert_int_equal(l[0].role, NB_IF_NIC);
    assert_int_equal(l[0].rx_errors, 2);
    assert_string_equal(l[1].ifname, "vnetA");
    assert_int_equal(l[1].tx_dropped, 5);
    assert_int_equal(l[1].side, NB_SIDE_LOCAL);
    assert_string_equal(l[1].host, "127.0.0.1");
    nb_feed_cpu(feed, 0, &cpu);
    assert_true(cpu.thread);
    assert_string_equal(cpu.tap, "vnetA");
    assert_int_equal(cpu.thread_tid, 100);
    assert_true(cpu.thread_wait > 0.3999 && cpu.thread_wait < 0.4001);
    nb_feed_free(feed);
}

static void test_fabric_window(void **state)
{
    struct fix *f = *state;
    struct nb_feed *feed = follow(f, nb_api_port(f->agent.api));
    struct nb_cls_family fam;
    round_at(f, feed, 100 * S);
    assert_false(nb_feed_fabric(feed, 0, false, &fam)); /* not wanted: not asked */
    nb_feed_want_fabric(feed, "10.9.9.9");
    round_at(f, feed, 101 * S);
    memset(&fam, 0, sizeof(fam));
    assert_true(nb_feed_fabric(feed, 0, true, &fam)); /* the short one, same round */
    memset(&fam, 0, sizeof(fam));
    assert_true(nb_feed_fabric(feed, 0, false, &fam));
    assert_int_equal(fam.probes, 40);
    assert_int_equal(fam.lost, 3);
    assert_int_equal(fam.overdue, 1);
    assert_int_equal(f->agent.rest, 2 + 4); /* links, CPU; then with both windows */
    nb_feed_want_fabric(feed, "10.8.8.8"); /* another peer: what it had is not its */
    assert_false(nb_feed_fabric(feed, 0, false, &fam));
    assert_false(nb_feed_fabric(feed, 0, true, &fam));
    nb_feed_free(feed);
}

/* The sightings every round (every tick: the fast test), the rest (links,
 * CPU, windows) at most once a second: what a guest asks of its host agent
 * 16 times a second would be 4,096 requests a second at 256 guests. */
static void test_rest_once_a_second(void **state)
{
    struct fix *f = *state;
    struct nb_feed *feed = follow(f, nb_api_port(f->agent.api));
    nb_feed_want_fabric(feed, "10.9.9.9");
    round_at(f, feed, 100 * S);
    assert_int_equal(f->agent.pages, 1);
    assert_int_equal(f->agent.rest, 4);
    for (int k = 1; k <= 3; k++)
        round_at(f, feed, 100 * S + k * S / 4);
    assert_int_equal(f->agent.pages, 4);
    assert_int_equal(f->agent.rest, 4); /* within the second: sightings only */
    assert_true(nb_feed_covered(feed) == 100 * S + 3 * S / 4 - NB_FEED_GRACE);
    round_at(f, feed, 101 * S);
    assert_int_equal(f->agent.pages, 5);
    assert_int_equal(f->agent.rest, 8);
    nb_feed_free(feed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pages_once_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_failing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_links_and_cpu_of_this_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fabric_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rest_once_a_second, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
