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
#include "net/api.h"
#include "net/http.h"
#include "netblame/mem.h"
#include "netblame/sightings.h"
#include "wire/cpu_json.h"
#include "wire/links_json.h"
#include "wire/sightings_json.h"
#include "wire/trace_json.h"

#define S NB_NS_PER_SEC
#define SESSION 0x0badcafeu
#define NLINKS 3

struct agent {
    struct nb_sightings *table;
    bool garbage;   /* answer sightings with what is no page */
    unsigned pages; /* sightings pages served */
    struct nb_link_report links[NLINKS];
    struct nb_cpu_report cpu;
    struct nb_cpu_thread th[2];
};

struct fix {
    struct ev_loop *loop;
    struct nb_api *api;
    struct nb_http *http;
    struct agent agent;
    ev_timer guard;
    uint64_t got;       /* sightings delivered */
    uint64_t got_other; /* of them, not of SESSION */
};

static uint64_t query(const struct nb_api_req *req, const char *name, int base, uint64_t dflt)
{
    const char *v = nb_api_query(req, name);
    return v ? strtoull(v, NULL, base) : dflt;
}

static void h_sightings(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct agent *a = arg;
    a->pages++;
    if (a->garbage) {
        nb_buf_printf(&resp->body, "{\"node\": 42}");
        return;
    }
    size_t limit = query(req, "limit", 10, NB_SIGHTINGS_PAGE_MAX);
    struct nb_sighting *page = nb_calloc(limit, sizeof(*page));
    struct nb_sightings_page pg = nb_sightings_read(
        a->table, query(req, "since", 10, 0), (uint32_t)query(req, "session", 16, 0),
        nb_api_query(req, "session") == NULL, page, limit);
    nb_sightings_json_render("hA", &pg, page, &resp->body);
    free(page);
}

static void h_links(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct agent *a = arg;
    nb_links_json_render("hA", a->links, NLINKS, &resp->body);
}

static void h_cpu(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct agent *a = arg;
    nb_cpu_json_render("hA", &a->cpu, &resp->body);
}

/* The agent's own windows: a vnet one, and its fabric one toward 10.9.9.9. */
static void h_windows(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct nb_cls_input *in = nb_calloc(1, sizeof(*in));
    snprintf(in->target, sizeof(in->target), "vn");
    snprintf(in->remote_host, sizeof(in->remote_host), "10.1.1.1");
    in->vnet = (struct nb_cls_family){.present = true, .probes = 10};
    nb_trace_render(in, &resp->body);
    memset(in, 0, sizeof(*in));
    snprintf(in->target, sizeof(in->target), "fb");
    snprintf(in->remote_host, sizeof(in->remote_host), "10.9.9.9");
    in->fabric = (struct nb_cls_family){.present = true, .probes = 40, .lost = 3, .overdue = 1};
    nb_trace_render(in, &resp->body);
    free(in);
}

static const struct nb_api_route routes[] = {{"GET", "/v1/sightings", h_sightings},
                                             {"GET", "/v1/links", h_links},
                                             {"GET", "/v1/cpu", h_cpu},
                                             {"GET", "/v1/windows", h_windows}};

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents)
{
    fail_msg("hang guard: a feed round ran 20 s");
}

static void set_link(struct nb_link_report *l, const char *name, bool nic)
{
    memset(l, 0, sizeof(*l));
    snprintf(l->name, sizeof(l->name), "%s", name);
    l->nic = nic;
    l->up = l->carrier = true;
}

static struct nb_cpu_thread thread(const char *tap, int pid, uint64_t wait_ns)
{
    struct nb_cpu_thread t;
    memset(&t, 0, sizeof(t));
    snprintf(t.tap, sizeof(t.tap), "%s", tap);
    snprintf(t.comm, sizeof(t.comm), "vhost-%d", pid);
    t.pid = t.tid = pid;
    t.wait_ns = wait_ns;
    return t;
}

static int setup(void **state)
{
    struct fix *f = nb_calloc(1, sizeof(*f));
    char err[256];
    f->loop = ev_loop_new(EVFLAG_AUTO);
    f->agent.table = nb_sightings_new(16384);
    set_link(&f->agent.links[0], "eth0", true);
    set_link(&f->agent.links[1], "vnetA", false); /* this session's tap */
    set_link(&f->agent.links[2], "vnetB", false); /* another guest's */
    f->agent.th[0] = thread("vnetA", 100, 1 * S);
    f->agent.th[1] = thread("vnetB", 200, 0);
    f->agent.cpu = (struct nb_cpu_report){.mono = 10 * S, .nthreads = 2, .th = f->agent.th};
    f->api = nb_api_start(f->loop, "127.0.0.1", 0, routes, 4, &f->agent, err, sizeof(err));
    assert_non_null(f->api);
    f->http = nb_http_new(f->loop, err, sizeof(err));
    assert_non_null(f->http);
    ev_timer_init(&f->guard, on_guard, 20., 0.);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    nb_http_free(f->http);
    nb_api_stop(f->api);
    nb_sightings_free(f->agent.table);
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
    ev_timer_start(f->loop, &f->guard);
    while (nb_feed_busy(feed))
        ev_run(f->loop, EVRUN_ONCE);
    ev_timer_stop(f->loop, &f->guard);
}

static struct nb_feed *follow(struct fix *f, uint16_t port)
{
    return nb_feed_new(f->http, "127.0.0.1", port, SESSION, on_sighting, f);
}

static void test_pages_once_each(void **state)
{
    struct fix *f = *state;
    struct nb_feed *feed = follow(f, nb_api_port(f->api));
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
    struct nb_feed *feed = follow(f, nb_api_port(f->api));
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
        nb_api_start(f->loop, "127.0.0.1", 0, routes, 4, &f->agent, err, sizeof(err));
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
    struct nb_feed *feed = follow(f, nb_api_port(f->api));
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
    struct nb_feed *feed = follow(f, nb_api_port(f->api));
    struct nb_cls_family fam;
    round_at(f, feed, 100 * S);
    assert_false(nb_feed_fabric(feed, 0, &fam)); /* not wanted: not asked */
    nb_feed_want_fabric(feed, "10.9.9.9");
    round_at(f, feed, 101 * S);
    memset(&fam, 0, sizeof(fam));
    assert_true(nb_feed_fabric(feed, 0, &fam));
    assert_int_equal(fam.probes, 40);
    assert_int_equal(fam.lost, 3);
    assert_int_equal(fam.overdue, 1);
    nb_feed_want_fabric(feed, "10.8.8.8"); /* another peer: what it had is not its */
    assert_false(nb_feed_fabric(feed, 0, &fam));
    nb_feed_free(feed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pages_once_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agent_failing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_links_and_cpu_of_this_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fabric_window, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
