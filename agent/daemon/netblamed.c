/* netblamed.c — the netblame daemon: probes, reflects, serves the control API.
 * Foreground; logs to stderr; SIGHUP reloads the config; SIGTERM/SIGINT exit.
 * Start-up order (undone in reverse at exit): config, log level, the user to
 * become (privs.h), loop, probe engine (opens its sockets), app probes, host
 * agent, control API, then the privilege drop, signals. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "net/api.h"
#include "daemon/appmon.h"
#include "wire/baseline_json.h"
#include "daemon/verdicts.h"
#include "wire/config.h"
#include "wire/query.h"
#include "daemon/hostagent.h"
#include "net/http.h"
#include "net/metrics.h"
#include "net/procmetrics.h"
#include "netblame/cpustat.h"
#include "netblame/log.h"
#include "netblame/clock.h"
#include "netblame/version.h"
#include "daemon/alerts.h"
#include "daemon/ondemand.h"
#include "daemon/privs.h"
#include "daemon/probes.h"

struct daemon {
    struct ev_loop *loop;
    struct nb_config cfg;
    struct nb_engine *engine;
    struct nb_appmon *apps;    /* app probes (none configured: renders nothing) */
    struct nb_verdicts *verdicts; /* per target, from the engine's and the app probes' results */
    struct nb_http *http;      /* outgoing requests: host agents' sightings for path verdicts */
    struct nb_hostagent *host; /* host role with "capture"; NULL otherwise */
    struct nb_api *api;
    struct nb_ondemand *ondemand; /* POST /v1/diagnose: the CLI as a bounded child */
    struct nb_alerts *alerts;     /* POST /v1/alerts: enrich, spool, forward */
    ev_signal sighup, sigterm, sigint;
    nb_ns started_mono;
    uint64_t reloads_ok, reloads_failed;
    /* the last successful load (the start counts as one), and how many
     * reloads had been tried then: more since means the last one failed */
    nb_ns reload_ok_rt;
    uint64_t reloads_at_ok;
};

static void h_healthz(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct daemon *d = arg;
    nb_buf_printf(&resp->body,
                  "{\"status\":\"ok\",\"node\":\"%s\",\"role\":\"%s\",\"version\":\"%s\","
                  "\"uptime_seconds\":%.0f",
                  d->cfg.node, d->cfg.role == NB_ROLE_HOST ? "host" : "guest", NB_VERSION,
                  (double)(nb_mono_now() - d->started_mono) / 1e9);
    nb_privs_render(&resp->body);
    nb_buf_printf(&resp->body, "}\n");
}

static void h_metrics(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct daemon *d = arg;
    struct nb_buf *b = &resp->body;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    const char *bi[] = {"version",    NB_VERSION,
                        "agent_role", d->cfg.role == NB_ROLE_HOST ? "host" : "guest",
                        "node",       d->cfg.node};
    nb_prom_family(b, "netblame_build_info", "gauge", "Build and identity of this agent.");
    nb_prom_sample(b, "netblame_build_info", bi, 3, 1);
    /* The identity again with the config's "inventory" labels: what Prometheus
     * joins on (`* on(instance) group_left(rack) netblame_info`) to count the
     * hosts of a rack blaming one layer. A family of its own, so that adding
     * inventory never changes the series of netblame_build_info. */
    const char *il[2 * (3 + NB_INV_MAX)];
    memcpy(il, bi, sizeof(bi));
    for (size_t i = 0; i < d->cfg.ninventory; i++) {
        il[6 + 2 * i] = d->cfg.inventory[i].name;
        il[7 + 2 * i] = d->cfg.inventory[i].value;
    }
    nb_prom_family(b, "netblame_info", "gauge",
                   "This agent's node, agent_role and version with its inventory labels (config "
                   "\"inventory\"), always 1: join other series to it on instance.");
    nb_prom_sample(b, "netblame_info", il, 3 + d->cfg.ninventory, 1);
    nb_prom_family(b, "netblame_config_reloads_total", "counter", "SIGHUP reloads, by result.");
    const char *ok[] = {"result", "ok"}, *bad[] = {"result", "failed"};
    nb_prom_sample(b, "netblame_config_reloads_total", ok, 1, (double)d->reloads_ok);
    nb_prom_sample(b, "netblame_config_reloads_total", bad, 1, (double)d->reloads_failed);
    nb_prom_single(b, "netblame_config_last_reload_successful", "gauge",
                   "Whether the last configuration load (start or SIGHUP) succeeded: 1 or 0.",
                   d->reloads_ok + d->reloads_failed == d->reloads_at_ok);
    nb_prom_single(b, "netblame_config_last_reload_success_timestamp_seconds", "gauge",
                   "Unix time of the last successful configuration load (start or SIGHUP).",
                   (double)(d->reload_ok_rt / NB_NS_PER_SEC));
    if (d->cfg.fabric) { /* what the Pingmesh rule picked from the inventory */
        nb_prom_family(b, "netblame_fabric_peers", "gauge",
                       "Fabric peers chosen from fabric.inventory_file, by level: this host's ToR, "
                       "its pod's other ToRs, other pods.");
        static const char *const lv[] = {"tor", "pod", "dc"};
        for (int i = 0; i < 3; i++) {
            const char *l[] = {"level", lv[i]};
            nb_prom_sample(b, "netblame_fabric_peers", l, 1, (double)d->cfg.fabric_peers[i]);
        }
        nb_prom_single(b, "netblame_fabric_inventory_hosts", "gauge",
                       "Hosts in fabric.inventory_file.", (double)d->cfg.fabric_hosts);
    }
    const struct nb_api_stats *as = nb_api_stats(d->api);
    nb_prom_family(b, "netblame_api_requests_total", "counter",
                   "Control API requests served (before this one), by status class.");
    const char *c2[] = {"code", "2xx"}, *c4[] = {"code", "4xx"}, *c5[] = {"code", "5xx"};
    nb_prom_sample(b, "netblame_api_requests_total", c2, 1, (double)as->status_2xx);
    nb_prom_sample(b, "netblame_api_requests_total", c4, 1, (double)as->status_4xx);
    nb_prom_sample(b, "netblame_api_requests_total", c5, 1, (double)as->status_5xx);
    nb_prom_single(b, "netblame_api_auth_failures_total", "counter",
                   "Control API requests refused 401: no bearer token, or a wrong one.",
                   (double)as->auth_failures);
    nb_prom_single(b, "netblame_api_connections_refused_total", "counter",
                   "Control API connections closed at once, over the per-address limit.",
                   (double)as->conns_refused);
    nb_prom_single(b, "netblame_api_log_suppressed_total", "counter",
                   "libmicrohttpd log lines not written (at most one a kind every 10 s).",
                   (double)as->log_suppressed);
    nb_prom_single(b, "netblame_api_connections", "gauge", "Control API connections open now.",
                   (double)as->connections);
    struct nb_cpu_times ct; /* a guest's own share of CPU contention (cpustat.h) */
    long hz = sysconf(_SC_CLK_TCK);
    if (hz > 0 && nb_procstat_read(&ct) == 0)
        nb_prom_single(b, "netblame_cpu_steal_seconds_total", "counter",
                       "CPU time a hypervisor gave to something else while this machine wanted "
                       "to run (/proc/stat steal, all CPUs).",
                       (double)ct.steal / (double)hz);
    nb_prom_single(b, "netblame_event_loop_iterations_total", "counter",
                   "Wake-ups of the event loop (libev's ev_iteration; wraps at 2^32).",
                   (double)ev_iteration(d->loop));
    nb_engine_render_metrics(d->engine, b);
    nb_appmon_render_metrics(d->apps, b);
    nb_verdicts_render_metrics(d->verdicts, b);
    nb_alerts_metrics(d->alerts, b);
    nb_procmetrics_render(b);
    if (d->host)
        nb_hostagent_render_metrics(d->host, b);
}

static void h_sightings(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct daemon *d = arg;
    nb_hostagent_api_sightings(d->host, req, resp);
}

static void h_links(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct daemon *d = arg;
    nb_hostagent_api_links(d->host, req, resp);
}

static void h_cpu(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct daemon *d = arg;
    nb_hostagent_api_cpu(d->host, req, resp);
}

static int same_capture(const struct nb_config *a, const struct nb_config *b)
{
    return a->capture == b->capture && strcmp(a->uplink, b->uplink) == 0 &&
           a->capture_buffer_kib == b->capture_buffer_kib &&
           a->sightings_capacity == b->sightings_capacity && a->stamp_port == b->stamp_port &&
           a->app_port_first == b->app_port_first && a->app_port_last == b->app_port_last &&
           strcmp(a->node, b->node) == 0;
}

/* Is the TLS material of A and B the same (what a reload cannot change)? */
static bool same_tls(const struct nb_api_sec *a, const struct nb_api_sec *b)
{
    bool same_ca = (!a->ca_file && !b->ca_file) ||
                   (a->ca_file && b->ca_file && strcmp(a->ca_file, b->ca_file) == 0);
    return a->tls == b->tls && same_ca &&
           (!a->tls ||
            (strcmp(a->cert_pem, b->cert_pem) == 0 && strcmp(a->key_pem, b->key_pem) == 0));
}

/* Give NEW the TLS material of OLD (moved: OLD loses it). */
static void keep_tls(struct nb_api_sec *new, struct nb_api_sec *old)
{
    nb_api_sec_free_tls(new);
    new->tls = old->tls;
    new->cert_pem = old->cert_pem;
    new->key_pem = old->key_pem;
    new->ca_file = old->ca_file;
    old->cert_pem = old->key_pem = old->ca_file = NULL;
}

static void h_verdicts(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct daemon *d = arg;
    nb_verdicts_api(d->verdicts, req, resp);
}

static void h_windows(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct daemon *d = arg;
    resp->content_type = "application/x-ndjson";
    nb_verdicts_windows(d->verdicts, nb_engine_overdue, d->engine, req, resp);
}

/* GET /v1/baselines?target=NAME[&kind=peer|app]: the figures of the
 * baseline NAME's verdicts are judged against (baseline_json.h). A name
 * that is both a peer and an app target needs KIND. */
static void h_baselines(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct daemon *d = arg;
    struct nb_baselines_query q;
    const char *err;
    if (nb_query_baselines(nb_api_query_get, req, &q, &err) < 0) {
        nb_api_error(resp, 400, err);
        return;
    }
    const char *name = q.target;
    const struct nb_baseline *peer = NULL, *app = NULL;
    if (q.peer)
        peer = nb_verdicts_baseline(d->verdicts, name, false);
    if (q.app)
        app = nb_verdicts_baseline(d->verdicts, name, true);
    if (peer && app) {
        nb_api_error(resp, 400, "target names a peer and an app target: add kind=peer or kind=app");
        return;
    }
    if (!peer && !app) {
        nb_api_error(resp, 404, "no such target");
        return;
    }
    nb_baseline_json_render(name, peer ? peer : app, &resp->body);
}

/* POST /v1/diagnose: an on-demand diagnosis of a configured target (ondemand.h). */
static void h_diagnose(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct daemon *d = arg;
    nb_ondemand_api(d->ondemand, req, resp);
}

/* POST /v1/alerts: Alertmanager's webhook (alerts.h). */
static void h_alerts(void *arg, const struct nb_api_req *req, struct nb_api_resp *resp)
{
    struct daemon *d = arg;
    nb_alerts_api(d->alerts, req, resp);
}

static const struct nb_api_route routes[] = {
    {"GET", "/healthz", h_healthz, NB_API_PUBLIC},
    {"GET", "/metrics", h_metrics, NB_API_METRICS},
    {"GET", "/v1/sightings", h_sightings, NB_API_TOKEN},
    {"GET", "/v1/links", h_links, NB_API_TOKEN},
    {"GET", "/v1/cpu", h_cpu, NB_API_TOKEN},
    {"GET", "/v1/verdicts", h_verdicts, NB_API_TOKEN},
    {"GET", "/v1/windows", h_windows, NB_API_TOKEN},
    {"GET", "/v1/baselines", h_baselines, NB_API_TOKEN},
    {"POST", "/v1/diagnose", h_diagnose, NB_API_TOKEN},
    {"POST", "/v1/alerts", h_alerts, NB_API_TOKEN},
};

/* Say what the fabric section picked, and make room for every peer's
 * socket, twice over during a reload (the old engine's and the new one's):
 * the soft RLIMIT_NOFILE (1024 under systemd) is raised toward the hard one
 * when the peers need it. Safe: nothing here uses select(), libev and
 * libmicrohttpd poll with epoll. */
static void fd_budget(const struct nb_config *c)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)(2 * (c->npeers + c->napps) + 256);

    if (c->fabric)
        nb_info("fabric: %zu peers from %zu hosts of the inventory (%zu in this ToR, %zu in "
                "the pod's other ToRs, %zu in other pods)",
                c->fabric_peers[0] + c->fabric_peers[1] + c->fabric_peers[2], c->fabric_hosts,
                c->fabric_peers[0], c->fabric_peers[1], c->fabric_peers[2]);
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= need)
        return;
    rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ? rl.rlim_max : need;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
        nb_warn_errno("setrlimit(RLIMIT_NOFILE)");
    if (rl.rlim_cur < need)
        nb_warn("%zu peers and %zu app targets need about %llu file descriptors (a socket "
                "each, twice during a reload), more than the hard RLIMIT_NOFILE (%llu): raise "
                "LimitNOFILE",
                c->npeers, c->napps, (unsigned long long)need, (unsigned long long)rl.rlim_max);
}

/* After the drop, load the configuration once more the way SIGHUP will: as
 * the unprivileged user. A key, token or inventory file readable by root
 * alone loads at start and fails at the first reload, hours later, when
 * the operator rotates a token; said now, while someone is watching. */
static void check_reload(const struct daemon *d)
{
    struct nb_config cfg;
    char err[512];
    if (geteuid() == 0)
        return;
    if (nb_config_load(d->cfg.path, &cfg, err, sizeof(err)) < 0) {
        nb_warn("a reload (SIGHUP) as uid %u would fail: %s (the files a reload reads must be "
                "readable by that user)",
                (unsigned)geteuid(), err);
        return;
    }
    nb_config_free(&cfg);
}

static void on_sighup(struct ev_loop *loop, ev_signal *w, int revents)
{
    struct daemon *d = w->data;
    struct nb_config cfg;
    char err[512];
    nb_info("SIGHUP: reloading %s", d->cfg.path);
    if (nb_config_load(d->cfg.path, &cfg, err, sizeof(err)) < 0) {
        nb_err("reload failed, keeping the running configuration: %s", err);
        d->reloads_failed++;
        return;
    }
    if (strcmp(cfg.api_addr, d->cfg.api_addr) != 0 || cfg.api_port != d->cfg.api_port)
        nb_warn("reload: the control API address change takes effect at the next restart");
    if (!same_tls(&cfg.api_sec, &d->cfg.api_sec))
        nb_warn("reload: a change of api.tls (certificate, key, CA) takes effect at the next "
                "restart; the tokens are reloaded now");
    if (strcmp(cfg.user, d->cfg.user) != 0 || cfg.tap_owners != d->cfg.tap_owners)
        nb_warn("reload: \"user\" and \"tap_owners\" take effect at the next restart");
    /* The app probes first: the new engine takes the old one's reflector
     * socket over, so once it exists nothing may fail any more. */
    struct nb_appmon *apps = nb_appmon_new(loop, &cfg, d->apps, err, sizeof(err));
    if (!apps) {
        nb_err("reload failed, keeping the running configuration: %s", err);
        nb_config_free(&cfg);
        d->reloads_failed++;
        return;
    }
    fd_budget(&cfg);
    struct nb_engine *e = nb_engine_new(loop, &cfg, d->engine, err, sizeof(err));
    if (!e) {
        nb_err("reload failed, keeping the running configuration: %s", err);
        nb_appmon_free(apps);
        nb_config_free(&cfg);
        d->reloads_failed++;
        return;
    }
    if (!same_capture(&cfg, &d->cfg)) {
        struct nb_hostagent *h = NULL;
        nb_hostagent_free(d->host); /* frees the capture before opening the new one */
        d->host = NULL;
        if (cfg.capture && !(h = nb_hostagent_new(loop, &cfg, err, sizeof(err))))
            nb_err("reload: capture not restarted: %s", err);
        d->host = h;
    }
    struct nb_verdicts *v = nb_verdicts_new(loop, d->http, &cfg, d->verdicts);
    nb_engine_set_verdicts(e, v);
    nb_appmon_set_verdicts(apps, v);
    nb_engine_free(d->engine);
    d->engine = e;
    nb_appmon_free(d->apps);
    d->apps = apps;
    nb_verdicts_free(d->verdicts);
    d->verdicts = v;
    /* The API keeps its address and TLS: carry them over so the running
     * state stays true; its tokens and metrics_open are the new file's. */
    snprintf(cfg.api_addr, sizeof(cfg.api_addr), "%s", d->cfg.api_addr);
    cfg.api_port = d->cfg.api_port;
    keep_tls(&cfg.api_sec, &d->cfg.api_sec);
    nb_api_set_tokens(d->api, &cfg.api_sec);
    nb_http_set_agent(d->http, &cfg.api_sec);
    /* The alerts: a changed section means another spool or other sinks;
     * what is being enriched is answered 503 (Alertmanager sends it again)
     * and what is spooled is sent by the new outbox. */
    bool alerts_changed = memcmp(&cfg.alerts, &d->cfg.alerts, sizeof(cfg.alerts)) != 0;
    nb_config_free(&d->cfg);
    d->cfg = cfg;
    if (alerts_changed) {
        nb_alerts_free(d->alerts);
        d->alerts = nb_alerts_new(loop, &d->cfg, &d->verdicts, d->ondemand, err, sizeof(err));
        if (!d->alerts) /* POST /v1/alerts answers 404 until a reload mends it */
            nb_err("reload: alerts off: %s", err);
    }
    if (nb_log_set_level_name(d->cfg.log_level) < 0)
        nb_warn("reload: unknown log level %s", d->cfg.log_level);
    d->reloads_ok++;
    d->reloads_at_ok = d->reloads_ok + d->reloads_failed;
    d->reload_ok_rt = nb_realtime_now();
    nb_info("reloaded: %zu peers, %zu app targets", d->cfg.npeers, d->cfg.napps);
}

static void on_sigterm(struct ev_loop *loop, ev_signal *w, int revents)
{
    nb_info("signal %d: exiting", w->signum);
    ev_break(loop, EVBREAK_ALL);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: netblamed --config FILE [--check] [--log-level err|warn|info|debug]\n"
                 "       netblamed --version\n"
                 "  --check   validate the configuration and exit (0 valid, 2 invalid)\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, 0, 'c'},
                                         {"check", no_argument, 0, 'k'},
                                         {"log-level", required_argument, 0, 'l'},
                                         {"version", no_argument, 0, 'V'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *path = NULL, *level = NULL;
    int check = 0, c;
    nb_log_init("netblamed");
    while ((c = getopt_long(argc, argv, "c:kl:Vh", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'k':
            check = 1;
            break;
        case 'l':
            level = optarg;
            break;
        case 'V':
            printf("netblamed %s\n", NB_VERSION);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!path || optind != argc) {
        usage(stderr);
        return 2;
    }

    struct daemon d = {0};
    char err[512];
    if (nb_config_load(path, &d.cfg, err, sizeof(err)) < 0)
        nb_fatal("%s", err);
    if (check) {
        printf("%s: valid (%s, %zu peers, %zu app targets)\n", path,
               d.cfg.role == NB_ROLE_HOST ? "host" : "guest", d.cfg.npeers, d.cfg.napps);
        if (d.cfg.fabric) /* the pick, before it runs */
            printf("fabric: %zu peers from %zu hosts of the inventory (%zu in this ToR, %zu in "
                   "the pod's other ToRs, %zu in other pods)\n",
                   d.cfg.fabric_peers[0] + d.cfg.fabric_peers[1] + d.cfg.fabric_peers[2],
                   d.cfg.fabric_hosts, d.cfg.fabric_peers[0], d.cfg.fabric_peers[1],
                   d.cfg.fabric_peers[2]);
        nb_config_free(&d.cfg);
        return 0;
    }
    if (nb_log_set_level_name(level ? level : d.cfg.log_level) < 0)
        nb_fatal("unknown log level '%s'", level ? level : d.cfg.log_level);
    if (nb_privs_init(&d.cfg, err, sizeof(err)) < 0)
        nb_fatal("%s", err);

    d.loop = ev_default_loop(EVFLAG_AUTO);
    d.started_mono = nb_mono_now();
    d.reload_ok_rt = nb_realtime_now();
    fd_budget(&d.cfg);
    d.engine = nb_engine_new(d.loop, &d.cfg, NULL, err, sizeof(err));
    if (!d.engine)
        nb_fatal("%s", err);
    d.apps = nb_appmon_new(d.loop, &d.cfg, NULL, err, sizeof(err));
    if (!d.apps)
        nb_fatal("%s", err);
    d.http = nb_http_new(d.loop, err, sizeof(err));
    if (!d.http)
        nb_fatal("%s", err);
    nb_http_set_agent(d.http, &d.cfg.api_sec);
    d.verdicts = nb_verdicts_new(d.loop, d.http, &d.cfg, NULL);
    nb_engine_set_verdicts(d.engine, d.verdicts);
    nb_appmon_set_verdicts(d.apps, d.verdicts);
    if (d.cfg.capture && !(d.host = nb_hostagent_new(d.loop, &d.cfg, err, sizeof(err))))
        nb_fatal("%s", err);
    d.ondemand = nb_ondemand_new(d.loop, &d.cfg); /* &d.cfg stays valid across reloads */
    d.alerts = nb_alerts_new(d.loop, &d.cfg, &d.verdicts, d.ondemand, err, sizeof(err));
    if (!d.alerts)
        nb_fatal("%s", err);
    d.api = nb_api_start(d.loop, d.cfg.api_addr, d.cfg.api_port, &d.cfg.api_sec, routes,
                         sizeof(routes) / sizeof(routes[0]), &d, err, sizeof(err));
    if (!d.api)
        nb_fatal("%s", err);
    if (nb_privs_drop(&d.cfg, err, sizeof(err)) < 0)
        nb_fatal("%s", err);
    check_reload(&d);

    ev_signal_init(&d.sighup, on_sighup, SIGHUP);
    d.sighup.data = &d;
    ev_signal_start(d.loop, &d.sighup);
    ev_signal_init(&d.sigterm, on_sigterm, SIGTERM);
    ev_signal_start(d.loop, &d.sigterm);
    ev_signal_init(&d.sigint, on_sigterm, SIGINT);
    ev_signal_start(d.loop, &d.sigint);
    signal(SIGPIPE, SIG_IGN);

    nb_info("started: node %s, role %s, %zu peers, %zu app targets, reflector %s:%u, "
            "control API %s:%u (%s, %s)",
            d.cfg.node, d.cfg.role == NB_ROLE_HOST ? "host" : "guest", d.cfg.npeers, d.cfg.napps,
            d.cfg.reflector ? d.cfg.stamp_addr : "(off)", d.cfg.stamp_port, d.cfg.api_addr,
            nb_api_port(d.api), nb_api_scheme(&d.cfg.api_sec),
            d.cfg.api_sec.ntokens ? "bearer token required" : "no token");
    if (d.cfg.reflector)
        nb_info("reflector limits: %u packets/s per source%s, burst %u; %zu allowed prefixes%s; "
                "host agents believed at a reflector's own address%s",
                d.cfg.reflector_rate_pps, d.cfg.reflector_rate_pps ? "" : " (no limit)",
                d.cfg.reflector_burst, d.cfg.reflector_nallow,
                d.cfg.reflector_nallow ? "" : " (every source answered)",
                d.cfg.n_host_agent_prefixes ? " or in stamp.host_agent_prefixes" : " only");
    ev_run(d.loop, 0);

    ev_signal_stop(d.loop, &d.sigint);
    ev_signal_stop(d.loop, &d.sigterm);
    ev_signal_stop(d.loop, &d.sighup);
    nb_alerts_free(d.alerts);     /* answers what is pending 503: before its diagnoses go */
    nb_ondemand_free(d.ondemand); /* answers its deferred requests: before the API stops */
    nb_api_stop(d.api);
    nb_hostagent_free(d.host);
    nb_appmon_free(d.apps);
    nb_engine_free(d.engine);
    nb_verdicts_free(d.verdicts);
    nb_http_free(d.http);
    nb_config_free(&d.cfg);
    ev_loop_destroy(d.loop);
    nb_info("stopped");
    return 0;
}
