/* standin_agent.h — a stand-in host agent for unit tests: the real control
 * API server (api.c) on the loopback, on the test's loop, serving GET
 * /v1/sightings from a real sightings table (paged by the query as a host
 * agent pages it), and /v1/links, /v1/cpu, /v1/windows from figures the
 * test sets: links eth0 (NIC), vnetA and vnetB (taps), the threads
 * forwarding vnetA and vnetB, a vnet window and a fabric window toward
 * 10.9.9.9. standin_run() runs the loop until the feeds' rounds are over
 * (no sleeps), bounded by a guard timer. */
#ifndef NB_TEST_STANDIN_AGENT_H
#define NB_TEST_STANDIN_AGENT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/feed.h"
#include "net/api.h"
#include "netblame/mem.h"
#include "netblame/sightings.h"
#include "wire/cpu_json.h"
#include "wire/links_json.h"
#include "wire/sightings_json.h"
#include "wire/trace_json.h"

#define STANDIN_LINKS 3

struct standin {
    struct nb_api *api;
    struct nb_sightings *table;
    bool garbage;   /* answer sightings with what is no page */
    unsigned pages; /* sightings pages served */
    unsigned rest;  /* /v1/links, /v1/cpu and /v1/windows answers served */
    struct nb_link_report links[STANDIN_LINKS];
    struct nb_cpu_report cpu;
    struct nb_cpu_thread th[2];
};

static uint64_t standin_query(const struct nb_api_req *req, const char *name, int base,
                              uint64_t dflt)
{
    const char *v = nb_api_query(req, name);
    return v ? strtoull(v, NULL, base) : dflt;
}

static void standin_sightings(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct standin *a = arg;
    a->pages++;
    if (a->garbage) {
        nb_buf_printf(&resp->body, "{\"node\": 42}");
        return;
    }
    size_t limit = standin_query(req, "limit", 10, NB_SIGHTINGS_PAGE_MAX);
    struct nb_sighting *page = nb_calloc(limit, sizeof(*page));
    struct nb_sightings_page pg =
        nb_sightings_read(a->table, standin_query(req, "since", 10, 0),
                          (uint32_t)standin_query(req, "session", 16, 0),
                          nb_api_query(req, "session") == NULL, page, limit);
    nb_sightings_json_render("hA", &pg, page, &resp->body);
    free(page);
}

static void standin_links(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct standin *a = arg;
    a->rest++;
    nb_links_json_render("hA", a->links, STANDIN_LINKS, &resp->body);
}

static void standin_cpu(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct standin *a = arg;
    a->rest++;
    nb_cpu_json_render("hA", &a->cpu, &resp->body);
}

/* The agent's own windows: a vnet one, and its fabric one toward 10.9.9.9. */
static void standin_windows(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct standin *a = arg;
    a->rest++;
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

static const struct nb_api_route standin_routes[] = {{"GET", "/v1/sightings", standin_sightings, NB_API_TOKEN},
                                                     {"GET", "/v1/links", standin_links, NB_API_TOKEN},
                                                     {"GET", "/v1/cpu", standin_cpu, NB_API_TOKEN},
                                                     {"GET", "/v1/windows", standin_windows, NB_API_TOKEN}};

static void standin_link(struct nb_link_report *l, const char *name, bool nic)
{
    memset(l, 0, sizeof(*l));
    snprintf(l->name, sizeof(l->name), "%s", name);
    l->nic = nic;
    l->up = l->carrier = true;
}

static struct nb_cpu_thread standin_thread(const char *tap, int pid, uint64_t wait_ns)
{
    struct nb_cpu_thread t;
    memset(&t, 0, sizeof(t));
    snprintf(t.tap, sizeof(t.tap), "%s", tap);
    snprintf(t.comm, sizeof(t.comm), "vhost-%d", pid);
    t.pid = t.tid = pid;
    t.wait_ns = wait_ns;
    return t;
}

static void standin_start(struct standin *a, struct ev_loop *loop)
{
    char err[256];
    memset(a, 0, sizeof(*a));
    a->table = nb_sightings_new(16384);
    standin_link(&a->links[0], "eth0", true);
    standin_link(&a->links[1], "vnetA", false);
    standin_link(&a->links[2], "vnetB", false);
    a->th[0] = standin_thread("vnetA", 100, NB_NS_PER_SEC);
    a->th[1] = standin_thread("vnetB", 200, 0);
    a->cpu = (struct nb_cpu_report){.mono = 10 * NB_NS_PER_SEC, .nthreads = 2, .th = a->th};
    a->api = nb_api_start(loop, "127.0.0.1", 0, &(struct nb_api_sec){0}, standin_routes, 4, a, err,
                          sizeof(err));
    assert_non_null(a->api);
}

static void standin_stop(struct standin *a)
{
    nb_api_stop(a->api);
    nb_sightings_free(a->table);
}

static void standin_guard(struct ev_loop *loop, ev_timer *w, int revents)
{
    fail_msg("hang guard: a feed round ran 20 s");
}

/* Run LOOP until none of the N FEEDS (NULL ones skipped) has a round in
 * flight. */
static void standin_run(struct ev_loop *loop, struct nb_feed *const *feeds, size_t n)
{
    ev_timer guard;
    ev_timer_init(&guard, standin_guard, 20., 0.);
    ev_timer_start(loop, &guard);
    for (size_t i = 0; i < n; i++)
        while (feeds[i] && nb_feed_busy(feeds[i]))
            ev_run(loop, EVRUN_ONCE);
    ev_timer_stop(loop, &guard);
}

#endif
